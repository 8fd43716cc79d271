"""RelayOffloading-v0 (LEOEdge, paper 001): satellites offloading AI inference to a ground
edge cluster, directly or through ISL relays, on real orbits."""

from leo_envs.envs.relay_offloading.config import RelayOffloadingConfig
from leo_envs.envs.relay_offloading.env import RelayOffloadingEnv

__all__ = ["RelayOffloadingConfig", "RelayOffloadingEnv"]
