"""LinkScheduling-v0 (paper 002): over-loaded LEO + BS + TST downlink scheduling."""

from leo_envs.envs.link_scheduling.config import TRANSMITTERS, LinkSchedulingConfig
from leo_envs.envs.link_scheduling.env import LinkSchedulingEnv
from leo_envs.envs.link_scheduling.instance import IDLE, LinkSchedulingInstance
from leo_envs.envs.link_scheduling.tasks import LinkSchedulingTask
from leo_envs.envs.link_scheduling.vector_env import LinkSchedulingVectorEnv

__all__ = [
    "IDLE",
    "TRANSMITTERS",
    "LinkSchedulingConfig",
    "LinkSchedulingEnv",
    "LinkSchedulingInstance",
    "LinkSchedulingTask",
    "LinkSchedulingVectorEnv",
]
