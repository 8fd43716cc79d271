"""GreenOffloading-v0: solar-powered base-station sites offloading to Starlink (paper 003)."""

from leo_envs.envs.green_offloading.config import GreenOffloadingConfig
from leo_envs.envs.green_offloading.env import GreenOffloadingEnv, GreenOffloadingInstance
from leo_envs.envs.green_offloading.tasks import GreenOffloadingTask

__all__ = [
    "GreenOffloadingConfig",
    "GreenOffloadingEnv",
    "GreenOffloadingInstance",
    "GreenOffloadingTask",
]
