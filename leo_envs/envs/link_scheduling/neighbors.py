"""The k valid link groups nearest to a continuous proto-action (Wolpertinger's neighbourhood).

A proto-action is a score matrix p [J, K] (transmitter x device, typically in [0, 1]); a
link group a (one device or idle per transmitter, ``groups``) is its 0/1 link matrix. The
distance ||a - p||^2 = sum p^2 + sum over the group's links (1 - 2 p_jk) is linear in a, so
the nearest groups are the cheapest assignments of transmitters to columns under the cost
c_jk = 1 - 2 p_jk, with an explicit idle column (cost 0) for every transmitter that may idle,
so that every group is exactly one assignment. They are enumerated best first by Murty's
partitioning (Murty, "An algorithm for ranking all the assignments in order of increasing
cost", Oper. Res. 16, 1968), every subproblem solved by
``scipy.optimize.linear_sum_assignment``.

Validity (eligibility, unicast, SINR under the group's own interference, ``groups``) depends
on the group only through its *pattern* S, the set of active C-band transmitters: given S,
every link is feasible or not on its own (``feasible[S, j, k]``, as in the instance's
tables). So the search runs one assignment problem per pattern (the Ka transmitters may
idle, the C-band transmitters in S must serve, the others idle; infeasible links excluded)
and merges the patterns in one best-first queue: every popped assignment is a valid group
and no group is generated twice. Enumerating all groups and skipping the infeasible ones
lazily was tried first: at K = 100 the best assignments of random proto-actions use three
interfering C-band links and hundreds of them fail before a valid one, ~18 ms per call.

Speed: inside a pattern every assignment is valid, so an assignment in which row j uses a
column outside its k + r - 1 cheapest (r rows) has at least k cheaper ones (switch j to a
free cheaper column; at most r - 1 are taken) and is not needed: each pattern's matrix keeps
only the union of its rows' k + r - 1 cheapest feasible columns. Subproblems are solved
lazily (a child waits in the queue under its parent's cost, a lower bound, and is solved
when popped), so the queue solves only the subproblems that can still matter.
"""

from __future__ import annotations

import functools
import heapq
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment

from leo_envs.envs.link_scheduling.groups import IDLE, subset_activity


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
def _band_tables(band: tuple[int, ...]) -> tuple[NDArray[np.bool_], NDArray[np.bool_], list]:
    """([S, J] transmitters radiating in pattern S, [J] transmitters that may idle (Ka), and
    per pattern its rows and the idle block [r, n_idle] of its cost matrix: one idle
    column per Ka row, 0 on that row and inf elsewhere)."""
    activity = subset_activity(np.array(band))
    may_idle = np.array(band) == 0
    layouts = []
    for active in activity:
        rows = np.flatnonzero(active)
        idle_rows = np.flatnonzero(may_idle[rows])
        idle_block = np.full((rows.size, idle_rows.size), np.inf)
        idle_block[idle_rows, np.arange(idle_rows.size)] = 0.0
        layouts.append((rows, idle_block, [IDLE] * idle_rows.size))
    return activity, may_idle, layouts


class _Pattern:
    """The assignment problem of one pattern: ``rows`` (transmitters that may serve),
    ``cost`` [r, C] over the kept device columns and one idle column per Ka row, ``code``
    [C] the group entry of each column."""

    def __init__(self, rows: NDArray[np.int64], cost: NDArray[np.float64], code: list[int]) -> None:
        self.rows = rows.tolist()
        self.cost = cost
        self.code = code

    def value(self, assignment: list[int]) -> float:
        """Cost of an assignment, summed in row order (every assignment the same way)."""
        total = 0.0
        cost = self.cost
        for i, col in enumerate(assignment):
            total += cost[i, col]
        return total


def nearest_groups(
    proto: NDArray[np.float64],
    feasible: NDArray[np.bool_],
    band: tuple[int, ...],
    k: int,
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """The n <= k valid groups nearest to ``proto`` [J, K] and their scores -||a - p||^2,
    best first (non-increasing). ``feasible`` [S, J, K]: link j -> k allowed under pattern
    S (``groups.active_set_indices`` order; eligibility and SINR); ``band`` [J]: 0 Ka, 1 C."""
    n_tx = proto.shape[0]
    activity, may_idle, layouts = _band_tables(tuple(band))
    cost = np.where(feasible, 1.0 - 2.0 * proto, np.inf)  # [S, J, K]
    # a pattern waits under the sum of its rows' cheapest options until it is popped
    cheapest = cost.min(axis=2, initial=np.inf)
    cheapest = np.where(may_idle, np.minimum(cheapest, 0.0), cheapest)
    bound = np.where(activity, cheapest, 0.0).sum(axis=1)
    # queue entries: (cost or lower bound, tie, pattern, assignment (None: the pattern's
    # first), forced rows, excluded (row, column) pairs, solved)
    heap: list[tuple[float, int, int, list[int] | None, int, frozenset, bool]] = [
        (float(bound[s]), s, s, None, 0, frozenset(), False)
        for s in np.flatnonzero(np.isfinite(bound)).tolist()
    ]
    heapq.heapify(heap)
    tie = len(bound)
    patterns: dict[int, _Pattern] = {}
    found_groups: list[list[int]] = []
    found_values: list[float] = []
    while heap and len(found_groups) < k:
        value, _, s, assignment, n_forced, excluded, solved = heapq.heappop(heap)
        if not solved:  # solve the waiting (sub)problem and queue it under its cost
            if assignment is None:
                pattern = patterns[s] = _pattern_problem(cost[s], *layouts[s], k)
                solution = _assign(pattern.cost)
            else:
                solution = _solve_child(patterns[s].cost, assignment, n_forced, excluded)
            if solution is not None:
                heapq.heappush(
                    heap, (patterns[s].value(solution), tie, s, solution, n_forced, excluded, True)
                )
                tie += 1
            continue
        pattern = patterns[s]
        group = [IDLE] * n_tx
        for row, col in zip(pattern.rows, assignment, strict=True):
            group[row] = pattern.code[col]
        found_groups.append(group)
        found_values.append(value)
        # Murty's partition: child i keeps rows < i and bans row i's column; it waits
        # under this assignment's cost
        for i in range(n_forced, len(assignment)):
            heapq.heappush(
                heap, (value, tie, s, assignment, i, excluded | {(i, assignment[i])}, False)
            )
            tie += 1
    groups = np.array(found_groups, dtype=np.int64).reshape(-1, n_tx)
    scores = -(float(np.square(proto).sum()) + np.array(found_values, dtype=np.float64))
    best_first = np.argsort(-scores, kind="stable")  # absorbs 1-ulp differences of the sums
    return groups[best_first], scores[best_first]


def _pattern_problem(
    cost: NDArray[np.float64],
    rows: NDArray[np.int64],
    idle_block: NDArray[np.float64],
    idle_codes: list[int],
    k: int,
) -> _Pattern:
    """The assignment problem of one pattern from its link costs ``cost`` [J, K] (inf:
    infeasible) and its layout (``_band_tables``): the pattern's transmitters ``rows``, each
    with its k + r - 1 cheapest devices (see the module docstring; a kept column may be inf
    for some rows), then the idle columns."""
    sub = cost[rows]
    keep = k + rows.size - 1
    if keep < sub.shape[1]:
        kept = np.zeros(sub.shape[1], dtype=bool)
        kept[np.argpartition(sub, keep - 1, axis=1)[:, :keep]] = True
        columns = np.flatnonzero(kept)
        sub = sub[:, columns]
    else:
        columns = np.arange(sub.shape[1])
    matrix = np.concatenate([sub, idle_block], axis=1)
    return _Pattern(rows, matrix, (columns + 1).tolist() + idle_codes)


def _assign(cost: NDArray[np.float64]) -> list[int] | None:
    """Cheapest assignment of every row to a distinct column (column per row), or None."""
    if cost.shape[0] == 1:
        col = int(np.argmin(cost[0]))
        return None if cost[0, col] == np.inf else [col]
    if cost.shape[0] == 0:
        return []
    try:
        _, cols = linear_sum_assignment(cost)  # rows come back in order (rows <= columns)
    except ValueError:  # no assignment with finite cost
        return None
    return cols.tolist()


def _solve_child(
    cost: NDArray[np.float64], assignment: list[int], n_forced: int, excluded: frozenset
) -> list[int] | None:
    """Cheapest assignment that keeps rows < ``n_forced`` of ``assignment`` and avoids the
    ``excluded`` (row, column) pairs, or None."""
    sub = cost[n_forced:].copy()
    if n_forced:
        sub[:, assignment[:n_forced]] = np.inf  # the forced rows' columns are taken
    for row, col in excluded:
        if row >= n_forced:
            sub[row - n_forced, col] = np.inf
    rest = _assign(sub)
    return None if rest is None else assignment[:n_forced] + rest
