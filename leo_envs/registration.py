"""Registers every leo-envs environment with Gymnasium (idempotent).

Each entry of ``ENV_SPECS`` gives Gymnasium's registration arguments plus
``test_kwargs``: a small config the conformance suite
(``tests/envs/test_registered_envs.py``) runs the env with. A new env gets the suite's
checks by adding its entry here.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym

ENV_SPECS: dict[str, dict[str, Any]] = {
    "leo_envs/LinkScheduling-v0": {
        "entry_point": "leo_envs.envs.link_scheduling.env:LinkSchedulingEnv",
        "vector_entry_point": "leo_envs.envs.link_scheduling.vector_env:LinkSchedulingVectorEnv",
        "max_episode_steps": None,
        "test_kwargs": {
            "n_devices": 6,
            "max_devices": 8,
            "scenario": "user_churn",
            "update_interval": 20,
        },
    },
    "leo_envs/SplitInference-v0": {
        "entry_point": "leo_envs.envs.split_inference.env:SplitInferenceEnv",
        "max_episode_steps": None,
        "test_kwargs": {"episode_steps": 6, "scenario": "resample", "decision_info": "predicted"},
    },
    "leo_envs/RelayOffloading-v0": {
        "entry_point": "leo_envs.envs.relay_offloading.env:RelayOffloadingEnv",
        "max_episode_steps": None,
        "test_kwargs": {
            "constellation": "walker",
            "walker_planes": 16,
            "walker_sats_per_plane": 20,
            "n_agents": 3,
            "episode_s": 60.0,
        },
    },
    "leo_envs/GreenOffloading-v0": {
        "entry_point": "leo_envs.envs.green_offloading.env:GreenOffloadingEnv",
        "vector_entry_point": (
            "leo_envs.envs.green_offloading.vector_env:GreenOffloadingVectorEnv"
        ),
        "max_episode_steps": None,
        "test_kwargs": {
            "n_sites": 3,
            "n_slots": 4,
            "substep_s": 300.0,
            "scenario": "random_task",
            "update_interval": 4,
        },
    },
}
_NOT_GYM_ARGUMENTS = ("test_kwargs",)


def register_envs() -> None:
    """Register all env ids; calling it again is a no-op."""
    for env_id, spec in ENV_SPECS.items():
        if env_id in gym.registry:
            continue
        kwargs = {k: v for k, v in spec.items() if v is not None and k not in _NOT_GYM_ARGUMENTS}
        gym.register(id=env_id, **kwargs)
