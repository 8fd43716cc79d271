"""Registers every leo-envs environment with Gymnasium (idempotent)."""

from __future__ import annotations

import gymnasium as gym

ENV_SPECS = {
    "leo_envs/LinkScheduling-v0": {
        "entry_point": "leo_envs.envs.link_scheduling.env:LinkSchedulingEnv",
        "vector_entry_point": "leo_envs.envs.link_scheduling.vector_env:LinkSchedulingVectorEnv",
        "max_episode_steps": None,
    },
    "leo_envs/RelayOffloading-v0": {
        "entry_point": "leo_envs.envs.relay_offloading.env:RelayOffloadingEnv",
        "max_episode_steps": None,
    },
}


def register_envs() -> None:
    """Register all env ids; calling it again is a no-op."""
    for env_id, kwargs in ENV_SPECS.items():
        if env_id in gym.registry:
            continue
        gym.register(id=env_id, **{k: v for k, v in kwargs.items() if v is not None})
