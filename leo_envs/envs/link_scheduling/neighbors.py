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

Speed (a problem has r <= J = 4 rows, so Python overhead, not the solves, is the cost):

* inside a pattern every assignment is valid, so an assignment in which row j uses a
  column outside its k + r - 1 cheapest has at least k cheaper ones (switch j to a free
  cheaper column; at most r - 1 are taken) and is not needed: each row keeps only its
  k + r - 1 cheapest feasible devices (plus its idle column), sorted;
* a subproblem's *relaxation* (every free row's cheapest allowed option, ignoring the other
  free rows) is a lower bound, and its optimum when the rows' columns are distinct, which
  is the usual case; only when they collide is the subproblem solved exactly by
  ``scipy.optimize.linear_sum_assignment``. The relaxations of all patterns come from one
  vectorised argmin;
* Murty's children wait in the queue under a cheap lower bound (their fixed rows, row i's
  next allowed option, the later rows' cheapest options) and are relaxed only when popped,
  so the children that cannot reach the k best are never looked at.

The result is the first k of the ranking of all valid groups by score, equal scores in
ascending group order (lexicographic over the action encoding, 0 = idle first): a canonical
answer that does not depend on the search, and the same as sorting every valid group (the
brute-force tests). Ties are common in practice: proto-actions clamped to [0, 1] give many
links of cost exactly -1 or 1. So the queue orders equal costs by group, bounds before
solutions, and a subproblem's optimum is the first in group order among its equal-cost
assignments (the relaxation's is by construction; the exact solve searches for it).
"""

from __future__ import annotations

import bisect
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
def _band_tables(band: tuple[int, ...]) -> tuple[list[list[int]], list[bool]]:
    """Per pattern S its rows (the transmitters radiating in S, Ka ones always), and per
    transmitter whether it may idle (Ka)."""
    band_arr = np.array(band)
    rows = [np.flatnonzero(active).tolist() for active in subset_activity(band_arr)]
    return rows, (band_arr == 0).tolist()


def _root_relaxation(
    rows: list[int], may_idle: list[bool], best_device: list[int], best_cost: list[float]
) -> tuple[list[int], list[float], bool] | None:
    """A pattern's relaxation: every row's cheapest option (its cheapest feasible device
    ``best_device``/``best_cost`` [J], or its idle column if it may idle and no link is
    cheaper: the first options of ``_Pattern``), whether they are distinct (then they are
    the pattern's optimum), or None when a row has none."""
    cols: list[int] = []
    costs: list[float] = []
    distinct = True
    for i, row in enumerate(rows):
        device, cost = best_device[row], best_cost[row]
        if may_idle[row] and cost >= 0.0:  # idle first among equal costs
            device, cost = -1 - i, 0.0
        elif cost == _INF:
            return None
        elif distinct and device in cols:
            distinct = False
        cols.append(device)
        costs.append(cost)
    return cols, costs, distinct


class _Pattern:
    """The assignment problem of one pattern: its transmitters ``rows`` and, per row, its
    options (``cols``: a device, or ``-1 - row`` for the row's own idle column) sorted by
    ``costs``: the row's k + r - 1 cheapest feasible devices (module docstring) and its idle
    column if it may idle. A subproblem fixes the options of its first rows (``prefix``)
    and excludes some (row, column) pairs (``excluded``, rows after the prefix only)."""

    def __init__(
        self, rows: list[int], may_idle: list[bool], cost: NDArray[np.float64], k: int
    ) -> None:
        """``cost`` [J, K]: the pattern's link costs, inf where infeasible."""
        self.rows = rows
        sub = cost[rows]
        keep = min(k + len(rows) - 1, sub.shape[1])
        order = sub.argsort(axis=1, kind="stable")[:, :keep]  # ties: lowest device first
        first = sub.take(order + np.arange(0, sub.size, sub.shape[1])[:, None])
        self.costs: list[list[float]] = first.tolist()
        self.cols: list[list[int]] = order.tolist()
        for i, costs in enumerate(self.costs):
            cols = self.cols[i]
            n_feasible = bisect.bisect_left(costs, _INF)  # infeasible links sort last
            del costs[n_feasible:], cols[n_feasible:]
            if may_idle[rows[i]]:
                at = bisect.bisect_left(costs, 0.0)  # idle first among equal costs
                costs.insert(at, 0.0)
                cols.insert(at, -1 - i)
        # [r + 1] sum of the cheapest options of rows i.. (every row has one: a pattern
        # is built only after its relaxation exists)
        self.suffix_min = [0.0] * (len(rows) + 1)
        for i in range(len(rows) - 1, -1, -1):
            self.suffix_min[i] = self.suffix_min[i + 1] + self.costs[i][0]
        self._matrix: tuple[NDArray[np.float64], dict[int, int]] | None = None

    def first_allowed(self, i: int, taken: list[int], excluded: tuple) -> tuple[float, int]:
        """Row i's cheapest option not in ``taken`` nor ``excluded``; (inf, 0) if none."""
        banned = [col for row, col in excluded if row == i] if excluded else ()
        for t, col in enumerate(self.cols[i]):
            if col not in taken and col not in banned:
                return self.costs[i][t], col
        return _INF, 0

    def child_bounds(
        self, cols: list[int], costs: list[float], n_forced: int, excluded: tuple
    ) -> list[tuple[float, int, tuple]]:
        """Murty's partition of what is left of a subproblem (``n_forced`` fixed rows,
        ``excluded`` (row, column) pairs) once its optimum ``cols`` is taken: child i keeps
        rows < i and bans row i's column. For each child that is not obviously empty: a
        lower bound on its cost (its fixed rows, row i's cheapest allowed option, every
        later row's cheapest option), i and its excluded pairs."""
        out = []
        head = 0.0
        for i in range(n_forced):
            head += costs[i]
        for i in range(n_forced, len(self.rows)):
            if excluded:
                banned = (*[pair for pair in excluded if pair[0] >= i], (i, cols[i]))
            else:
                banned = ((i, cols[i]),)
            cost, _ = self.first_allowed(i, cols[:i], banned)
            if cost != _INF:  # margin: sums in another order than the children's costs
                out.append((head + cost + self.suffix_min[i + 1] - 1e-9, i, banned))
            head += costs[i]
        return out

    def relaxed(
        self, cols: list[int], costs: list[float], n_forced: int, excluded: tuple
    ) -> tuple[list[int], list[float], bool] | None:
        """The relaxation of the subproblem that keeps the first ``n_forced`` rows of
        ``cols`` and avoids the ``excluded`` pairs: every free row's cheapest allowed option,
        ignoring the other free rows (columns, costs, whether the free rows' columns are
        distinct: then it is the subproblem's optimum), or None if a row has no option."""
        prefix = cols[:n_forced]
        out_cols, out_costs = cols[:n_forced], costs[:n_forced]
        distinct = True
        for j in range(n_forced, len(self.rows)):
            cost, col = self.first_allowed(j, prefix, excluded)
            if cost == _INF:
                return None
            if distinct and col in out_cols[n_forced:]:
                distinct = False
            out_cols.append(col)
            out_costs.append(cost)
        return out_cols, out_costs, distinct

    def exact(
        self, prefix: list[int], prefix_costs: list[float], excluded: tuple
    ) -> tuple[list[int], list[float]] | None:
        """The subproblem's optimum, the first in group order among equal costs, or None.
        ``linear_sum_assignment`` on the free rows gives the optimal cost; a depth-first
        search over the free rows' options in group order (idle, then devices ascending),
        pruned by that cost, returns the first assignment that reaches it."""
        matrix, index = self.matrix()
        n_forced = len(prefix)
        sub = matrix[n_forced:].copy()
        if n_forced:
            sub[:, [index[col] for col in prefix]] = np.inf
        for row, col in excluded:
            sub[row - n_forced, index[col]] = np.inf
        if sub.shape[0] > sub.shape[1]:  # fewer columns than rows to serve
            return None
        try:
            rows, picked = linear_sum_assignment(sub)  # rows come back in order
        except ValueError:  # no assignment with finite cost
            return None
        target = _row_sum(prefix_costs + sub[rows, picked].tolist())
        options = [  # per free row: (column, cost) allowed, in group order
            sorted(
                (col, cost)
                for cost, col in zip(self.costs[i], self.cols[i], strict=True)
                if col not in prefix and (i, col) not in excluded
            )
            for i in range(n_forced, len(self.rows))
        ]
        floor = [0.0] * (len(options) + 1)  # cheapest completion of rows t.. (a bound)
        for t in range(len(options) - 1, -1, -1):
            floor[t] = floor[t + 1] + min(cost for _, cost in options[t])
        cols, costs = list(prefix), list(prefix_costs)

        def search(t: int, partial: float) -> bool:
            if t == len(options):
                return _row_sum(costs) <= target
            for col, cost in options[t]:
                if col in cols[n_forced:] or partial + cost + floor[t + 1] > target + 1e-9:
                    continue
                cols.append(col)
                costs.append(cost)
                if search(t + 1, partial + cost):
                    return True
                cols.pop()
                costs.pop()
            return False

        search(0, _row_sum(prefix_costs))  # reaches the solver's own assignment at worst
        return cols, costs

    def matrix(self) -> tuple[NDArray[np.float64], dict[int, int]]:
        """[r, C] cost matrix over the union of the rows' options (inf elsewhere) and the
        column of each option (built on first use)."""
        if self._matrix is None:
            index = {col: c for c, col in enumerate(sorted(set().union(*self.cols)))}
            matrix = np.full((len(self.rows), len(index)), np.inf)
            for i, (costs, cols) in enumerate(zip(self.costs, self.cols, strict=True)):
                matrix[i, [index[col] for col in cols]] = costs
            self._matrix = matrix, index
        return self._matrix


_INF = float("inf")
# states of a queue entry (see nearest_groups)
_CHILD, _RELAXED, _SOLVED = 0, 1, 2


def nearest_groups(
    proto: NDArray[np.float64],
    feasible: NDArray[np.bool_],
    band: tuple[int, ...],
    k: int,
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """The n <= k valid groups nearest to ``proto`` [J, K] and their scores -||a - p||^2,
    best first (non-increasing; equal scores in ascending group order: the first k of the
    ranking of every valid group, module docstring). ``feasible``
    [S, J, K]: link j -> k allowed under pattern S (``groups.active_set_indices`` order;
    eligibility and SINR); ``band`` [J]: 0 Ka, 1 C."""
    n_tx = proto.shape[0]
    pattern_rows, may_idle = _band_tables(tuple(band))
    cost = np.where(feasible, 1.0 - 2.0 * proto, np.inf)  # [S, J, K]
    best = cost.argmin(axis=2)  # [S, J] cheapest feasible device (lowest among ties)
    best_cost = cost.reshape(-1, cost.shape[2])[np.arange(best.size), best.ravel()]
    best_device, best_costs = best.tolist(), best_cost.reshape(best.shape).tolist()
    # Queue entries: (cost or lower bound, group or () for a bound, tie, pattern, columns,
    # costs, forced rows, excluded (row, column) pairs, state). State _SOLVED: columns/costs
    # are the subproblem's optimum (the first in group order among equal costs); _RELAXED:
    # its relaxation, a lower bound, solved exactly when popped; _CHILD: a child of Murty's
    # partition under a cheaper lower bound, relaxed when popped. Bounds sort before
    # solutions of equal cost, and equal solutions in group order, so the groups come out
    # in (cost, group) order. Every pattern starts with its relaxation.
    heap: list[tuple[float, tuple, int, int, list, list, int, tuple, int]] = []

    def entry(s: int, cols: list, costs: list, n_forced: int, excluded: tuple, state: int):
        nonlocal tie
        tie += 1
        if state != _SOLVED:
            return (_row_sum(costs), (), tie, s, cols, costs, n_forced, excluded, state)
        group = [IDLE] * n_tx
        for i, row in enumerate(pattern_rows[s]):
            if cols[i] >= 0:
                group[row] = cols[i] + 1
        return (_row_sum(costs), tuple(group), tie, s, cols, costs, n_forced, excluded, state)

    tie = 0
    for s, rows in enumerate(pattern_rows):
        root = _root_relaxation(rows, may_idle, best_device[s], best_costs[s])
        if root is not None:
            heap.append(entry(s, root[0], root[1], 0, (), _state(root[2])))
    heapq.heapify(heap)
    patterns: dict[int, _Pattern] = {}
    found: list[tuple[float, tuple]] = []
    while heap:
        value, group, _, s, cols, costs, n_forced, excluded, state = heapq.heappop(heap)
        if state == _SOLVED:
            found.append((value, group))
            if len(found) == k:
                break
        pattern = patterns.get(s)
        if pattern is None:  # its options, for an exact solve or Murty's partition
            pattern = patterns[s] = _Pattern(pattern_rows[s], may_idle, cost[s], k)
        if state == _SOLVED:  # children wait under a lower bound, sharing the parent's lists
            for bound, i, banned in pattern.child_bounds(cols, costs, n_forced, excluded):
                tie += 1
                heapq.heappush(heap, (bound, (), tie, s, cols, costs, i, banned, _CHILD))
            continue
        if state == _CHILD:
            solved = pattern.relaxed(cols, costs, n_forced, excluded)
            if solved is None:
                continue
            cols, costs, distinct = solved
            state = _state(distinct)
        else:
            solved = pattern.exact(cols[:n_forced], costs[:n_forced], excluded)
            if solved is None:
                continue
            cols, costs = solved
            state = _SOLVED
        heapq.heappush(heap, entry(s, cols, costs, n_forced, excluded, state))
    square = float(np.square(proto).sum())
    # best first, equal scores in group order; re-sorting absorbs the rare 1-ulp
    # differences between a cost order and the score order
    ranked = sorted(((-(square + value), group) for value, group in found), key=_rank_key)
    groups = np.array([group for _, group in ranked], dtype=np.int64).reshape(-1, n_tx)
    return groups, np.array([score for score, _ in ranked], dtype=np.float64)


def _row_sum(costs: list[float]) -> float:
    """An assignment's cost, summed in row order (every assignment the same way)."""
    total = 0.0
    for c in costs:
        total += c
    return total


def _state(distinct: bool) -> int:
    return _SOLVED if distinct else _RELAXED


def _rank_key(entry: tuple[float, tuple]) -> tuple[float, tuple]:
    return -entry[0], entry[1]
