"""Action encodings of the three action modes (spec A7) and their masks.

* ``offload``: 0 local, 1 offload (Alg. 4 picks the path, the LBS the container).
* ``route``: 0 local, 1 direct, 2 + k relay via candidate k.
* ``route_place``: 0 local, else ``1 + path * O + container`` with path 0 direct, 1 + k relay k.

A choice that Alg. 4's tests reject (mask False) is played as local (``played_action`` 0).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from leo_envs.envs.relay_offloading import timing
from leo_envs.envs.relay_offloading.config import N_RELAY_CANDIDATES
from leo_envs.envs.relay_offloading.core import Candidates


def n_actions(mode: str, n_containers: int) -> int:
    if mode == "offload":
        return 2
    if mode == "route":
        return 2 + N_RELAY_CANDIDATES
    return 1 + (1 + N_RELAY_CANDIDATES) * n_containers


def action_mask(
    mode: str, feasible: Sequence[bool] | NDArray[np.bool_], n_containers: int
) -> NDArray[np.bool_]:
    """Valid actions under Alg. 4's feasibility ``[direct, relay_0..K-1]``; local always.
    A fresh boolean array."""
    if mode == "offload":
        return np.array([True, any(feasible)])
    if mode == "route":
        mask = np.empty(len(feasible) + 1, dtype=bool)
        mask[0], mask[1:] = True, feasible
        return mask
    return np.concatenate(([True], np.repeat(feasible, n_containers)))


def decode(
    mode: str, action: int, cand: Candidates, n_containers: int
) -> tuple[int, int | None, int]:
    """``(path, container or None, played_action)`` of a valid-in-space action."""
    if action == 0:
        return timing.PATH_LOCAL, None, 0
    if mode == "offload":
        return (cand.path, None, 0 if cand.path == timing.PATH_LOCAL else 1)
    if mode == "route":
        path = action - 1
        container = None
    else:
        path, container = divmod(action - 1, n_containers)
    if not cand.feasible_list[path]:
        return timing.PATH_LOCAL, None, 0
    return path, container, action
