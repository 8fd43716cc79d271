"""The k valid link groups nearest to a continuous proto-action (Wolpertinger's neighbourhood).

A proto-action is a score matrix p [J, K] (transmitter x device, typically in [0, 1]); a
link group a (one device or idle per transmitter, ``groups``) is its 0/1 link matrix. The
distance ||a - p||^2 = sum p^2 + sum over the group's links (1 - 2 p_jk) is linear in a, so
the nearest groups are the cheapest assignments of transmitters to columns under the cost
c_jk = 1 - 2 p_jk, with an explicit idle column (cost 0) for every transmitter that may idle,
so that every group is exactly one assignment. They are enumerated best first by Murty's
partitioning (Murty, "An algorithm for ranking all the assignments in order of increasing
cost", Oper. Res. 16, 1968).

Validity (eligibility, unicast, SINR under the group's own interference, ``groups``) depends
on the group only through its *pattern* S, the set of active C-band transmitters: given S,
every link is feasible or not on its own (``feasible[S, j, k]``, as in the instance's
tables). So the search runs one assignment problem per pattern (the Ka transmitters may
idle, the C-band transmitters in S must serve, the others idle; infeasible links excluded)
and merges the patterns in one best-first queue: every popped assignment is a valid group
and no group is generated twice. Enumerating all groups and skipping the infeasible ones
lazily was tried first: at K = 100 the best assignments of random proto-actions use three
interfering C-band links and hundreds of them fail before a valid one, ~18 ms per call.

Speed (a problem has r <= J = 4 rows, so per-node overhead, not solving, is the cost; the
search runs compiled, ``_neighbors_kernel``):

* inside a pattern every assignment is valid, so an assignment in which row j uses a
  column outside its k + r - 1 cheapest has at least k cheaper ones (switch j to a free
  cheaper column; at most r - 1 are taken) and is not needed: each row keeps only its
  k + r - 1 cheapest feasible devices (plus its idle column), sorted;
* a subproblem's *relaxation* (every free row's cheapest allowed option, ignoring the other
  free rows) is a lower bound, and its optimum when the rows' columns are distinct, which
  is the usual case; only when they collide is the subproblem solved exactly (a depth-first
  search over its free rows' options, pruned by the relaxation of the rows left);
* Murty's children wait in the queue under a cheap lower bound (their fixed rows, row i's
  next allowed option, the later rows' cheapest options) and are relaxed only when popped,
  so the children that cannot reach the k best are never looked at.

A first version solved every subproblem with ``scipy.optimize.linear_sum_assignment``
(434 us for k = 10 at K = 100, 58x one solve); the same search in Python took ~200 us
(~27x); compiled, ~45 us (~7x; ``benchmarks/neighbors.py``).

The result is the first k of the ranking of all valid groups by score, equal scores in
ascending group order (lexicographic over the action encoding, 0 = idle first): a canonical
answer that does not depend on the search, and the same as sorting every valid group (the
brute-force tests). Ties are common in practice: proto-actions clamped to [0, 1] give many
links of cost exactly -1 or 1. So the queue orders equal costs by group, bounds before
solutions, and a subproblem's optimum is the first in group order among its equal-cost
assignments (the relaxation's is by construction; the exact search looks for it).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
from numpy.typing import NDArray

from leo_envs.envs.link_scheduling._neighbors_kernel import k_best_groups
from leo_envs.envs.link_scheduling.groups import subset_activity


def check_proto(proto: Any, shape: tuple[int, int]) -> NDArray[np.float64]:
    """``proto`` as a float64 array of ``shape`` with finite entries, else ValueError."""
    try:
        arr = np.asarray(proto, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ValueError(f"proto must be a real array of shape {shape}, got {proto!r}") from err
    if arr.shape != shape:
        raise ValueError(f"proto must have shape {shape} (transmitters x devices), got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("proto must be finite (no NaN or inf); scores are typically in [0, 1]")
    return arr


def check_k(k: Any) -> int:
    """``k`` as an int >= 1, else ValueError."""
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise ValueError(f"k must be an integer >= 1, got {k!r}")
    return int(k)


@functools.lru_cache(maxsize=8)
def _band_tables(
    band: tuple[int, ...],
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.bool_]]:
    """([S, J] each pattern's rows: the transmitters radiating in S, Ka ones always, padded
    with -1; [S] their number; [J] whether each transmitter may idle (Ka))."""
    band_arr = np.array(band)
    activity = subset_activity(band_arr)
    rows = np.full(activity.shape, -1, dtype=np.int64)
    for s, active in enumerate(activity):
        rows[s, : active.sum()] = np.flatnonzero(active)
    return rows, activity.sum(axis=1).astype(np.int64), band_arr == 0


def nearest_groups(
    proto: NDArray[np.float64],
    feasible: NDArray[np.bool_],
    band: tuple[int, ...],
    k: int,
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """The n <= k valid groups nearest to ``proto`` [J, K] and their scores -||a - p||^2,
    best first (non-increasing; equal scores in ascending group order: the first k of the
    ranking of every valid group, module docstring). ``feasible`` [S, J, K]: link j -> k
    allowed under pattern S (``groups.active_set_indices`` order; eligibility and SINR);
    ``band`` [J]: 0 Ka, 1 C."""
    rows, n_rows, may_idle = _band_tables(tuple(band))
    if (proto.shape[1] + 1) ** proto.shape[0] >= 2**62:  # the kernel's group keys are int64
        raise ValueError(f"too many groups to rank: (K + 1)^J with shape {proto.shape}")
    groups, costs = k_best_groups(
        np.ascontiguousarray(proto, dtype=np.float64),
        np.ascontiguousarray(feasible, dtype=np.bool_),
        rows,
        n_rows,
        may_idle,
        k,
    )
    scores = -(float(np.square(proto).sum()) + costs)
    if len(scores) > 1 and not np.all(scores[1:] < scores[:-1]):
        # equal scores in group order (the costs came in (cost, group) order; this also
        # absorbs the rare 1-ulp differences between cost and score order)
        best_first = np.lexsort((*groups.T[::-1], -scores))
        groups, scores = groups[best_first], scores[best_first]
    return groups, scores
