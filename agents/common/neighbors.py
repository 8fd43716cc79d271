"""Where the agents get the k nearest valid link groups to a proto-action from.

The env owns the neighbourhood (``LinkSchedulingEnv.action_neighbors(proto, k)``: the k
valid link groups nearest to ``proto`` in squared distance over the 0/1 link matrix, best
first). Agents take a ``NeighborFn(env, proto, k) -> (groups [n, J], scores [n])``; the
default asks the env. Tests inject a stand-in through the same parameter.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["NeighborFn", "env_neighbors"]

NeighborFn = Callable[
    [Any, NDArray[np.float64], int], tuple[NDArray[np.int64], NDArray[np.float64]]
]


def env_neighbors(env: Any, proto: NDArray[np.float64], k: int):
    """``env.unwrapped.action_neighbors(proto, k)``, with a clear error when missing."""
    base = env.unwrapped
    method = getattr(base, "action_neighbors", None)
    if not callable(method):
        raise TypeError(
            f"{type(base).__name__} has no action_neighbors(proto, k); pass neighbors=... "
            "to the agent to supply the action neighbourhood"
        )
    groups, scores = method(proto, k)
    groups = np.asarray(groups, dtype=np.int64)
    if groups.ndim != 2 or groups.shape[0] < 1:
        raise ValueError(f"action_neighbors returned no group (shape {groups.shape})")
    return groups, np.asarray(scores, dtype=np.float64)
