"""RelayOffloading-v0 (LEOEdge, paper 001): satellites offloading AI inference to a ground
edge cluster, directly or through ISL relays, on real orbits."""

from leo_envs.envs.relay_offloading.config import RelayOffloadingConfig
from leo_envs.envs.relay_offloading.env import RelayOffloadingEnv


def parallel_env(**kwargs):
    """The PettingZoo ``ParallelEnv`` variant (needs the ``marl`` extra: pettingzoo)."""
    from leo_envs.envs.relay_offloading.parallel import RelayOffloadingParallelEnv

    return RelayOffloadingParallelEnv(**kwargs)


__all__ = ["RelayOffloadingConfig", "RelayOffloadingEnv", "parallel_env"]
