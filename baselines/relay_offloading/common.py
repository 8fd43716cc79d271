"""Shared helpers of the RelayOffloading baselines: turning "offload" into the env's action
in any action mode."""

from __future__ import annotations

from typing import Any

import numpy as np

N_CANDIDATES = 4  # relay candidates (fore, aft, east, west), as in the env


def offload_action(
    info: dict[str, Any], n_actions: int, container: int | None = None, n_containers: int = 12
) -> int:
    """The action that offloads on Alg. 4's path (``info["alg4_path"]``) in the env's mode,
    inferred from the action-space size: 2 (offload), 2 + K (route) or 1 + (1 + K) O
    (route_place, ``container`` or the least-backlogged one)."""
    path = int(info["alg4_path"])
    if path < 0:
        return 0
    if n_actions == 2:
        return 1
    if n_actions == 2 + N_CANDIDATES:
        return 1 + path
    if container is None:
        container = int(np.argmin(info["edge_backlog_s"]))
    return 1 + path * n_containers + container


class EnvAwarePolicy:
    """Base of the baselines: remembers the env's action count (and the env) at ``reset``."""

    name = "policy"

    def __init__(self) -> None:
        self._env = None
        self._n_actions = 2
        self._n_containers = 12

    def reset(self, env: Any) -> None:
        self._env = env
        self._n_actions = int(env.action_space.n)
        self._n_containers = int(env.config.n_containers)

    def seed(self, seed: int) -> None:  # deterministic policies: nothing to seed
        del seed

    def _offload(self, info: dict[str, Any], container: int | None = None) -> int:
        return offload_action(info, self._n_actions, container, self._n_containers)
