"""Compiled (numba) search of ``neighbors.nearest_groups``: Murty's k-best assignments.

The method and its guarantees are documented in ``neighbors``; this file is the search
loop, compiled because a problem has at most J = 4 rows and Python's per-node overhead
(queue entries, option scans) was the whole cost. Nodes live in preallocated arrays; the
queue is a binary heap of node ids ordered by (cost or bound, group key, creation order),
the group key being the group read as a base-(K + 1) number (its lexicographic order; -1
for bounds, which so sort before solutions of equal cost). Excluded (row, column) pairs
are a linked list shared by a node's descendants. A subproblem whose relaxation collides
is solved by a depth-first search over its free rows (the optimal cost first, then the
first assignment in group order reaching it), so no assignment solver is needed.

numba caches the compiled code on disk (``cache=True``): the first call on a machine
compiles it (several seconds).
"""

from __future__ import annotations

import numpy as np
from numba import njit

CHILD, RELAXED, SOLVED = 0, 1, 2
_MARGIN = 1e-9  # bounds are sums in another order than the costs they bound


@njit(cache=True)
def _less(a, b, val, gkey):
    if val[a] != val[b]:
        return val[a] < val[b]
    if gkey[a] != gkey[b]:
        return gkey[a] < gkey[b]
    return a < b


@njit(cache=True)
def _push(heap, size, node, val, gkey):
    i = size
    heap[i] = node
    while i > 0:
        parent = (i - 1) // 2
        if _less(heap[i], heap[parent], val, gkey):
            heap[i], heap[parent] = heap[parent], heap[i]
            i = parent
        else:
            break
    return size + 1


@njit(cache=True)
def _pop(heap, size, val, gkey):
    top = heap[0]
    size -= 1
    heap[0] = heap[size]
    i = 0
    while True:
        left = 2 * i + 1
        if left >= size:
            break
        child = left
        if left + 1 < size and _less(heap[left + 1], heap[left], val, gkey):
            child = left + 1
        if _less(heap[child], heap[i], val, gkey):
            heap[i], heap[child] = heap[child], heap[i]
            i = child
        else:
            break
    return top, size


@njit(cache=True)
def _excluded(row, col, head, ex_row, ex_col, ex_next):
    """Whether (row, col) is on the exclusion list starting at ``head``."""
    e = head
    while e >= 0:
        if ex_row[e] == row and ex_col[e] == col:
            return True
        e = ex_next[e]
    return False


@njit(cache=True)
def _taken(col, cols, n):
    for t in range(n):
        if cols[t] == col:
            return True
    return False


@njit(cache=True)
def _first_allowed(s, i, taken_cols, n_taken, head, opt_col, n_opt, ex_row, ex_col, ex_next):
    """Position of row i's first option not among ``taken_cols[:n_taken]`` and not excluded,
    or -1."""
    for t in range(n_opt[s, i]):
        col = opt_col[s, i, t]
        if not _taken(col, taken_cols, n_taken) and not _excluded(
            i, col, head, ex_row, ex_col, ex_next
        ):
            return t
    return -1


@njit(cache=True)
def _row_sum(costs, n):
    total = 0.0
    for i in range(n):
        total += costs[i]
    return total


@njit(cache=True)
def _group_key(s, cols, rows, n_rows, n_tx, n_dev):
    key = 0
    for j in range(n_tx):
        entry = 0
        for i in range(n_rows[s]):
            if rows[s, i] == j and cols[i] >= 0:
                entry = cols[i] + 1
        key = key * (n_dev + 1) + entry
    return key


@njit(cache=True)
def _build(s, link, feasible, rows, n_rows, may_idle, k, opt_col, opt_cost, n_opt, suffix):
    """Options of pattern s's rows: each row's k + r - 1 cheapest feasible devices (ties: lower
    device first) and its idle column (``-1 - i``) before the options of cost >= 0."""
    r = n_rows[s]
    n_dev = link.shape[1]
    keep = min(k + r - 1, n_dev)
    for i in range(r):
        row = rows[s, i]
        masked = np.where(feasible[s, row], link[row], np.inf)
        order = np.argsort(masked, kind="mergesort")
        n = 0
        idle_due = may_idle[row]
        for t in range(keep):
            device = order[t]
            cost = masked[device]
            if cost == np.inf:
                break
            if idle_due and cost >= 0.0:
                opt_col[s, i, n] = -1 - i
                opt_cost[s, i, n] = 0.0
                n += 1
                idle_due = False
            opt_col[s, i, n] = device
            opt_cost[s, i, n] = cost
            n += 1
        if idle_due:
            opt_col[s, i, n] = -1 - i
            opt_cost[s, i, n] = 0.0
            n += 1
        n_opt[s, i] = n
    suffix[s, r] = 0.0
    for i in range(r - 1, -1, -1):
        suffix[s, i] = suffix[s, i + 1] + opt_cost[s, i, 0]


@njit(cache=True)
def _exact(s, n_forced, cols, costs, head, r, opt_col, opt_cost, n_opt, ex_row, ex_col, ex_next):
    """Optimum of the subproblem (rows < n_forced fixed to ``cols``), the first in group
    order among equal costs, written into ``cols``/``costs``; False if it has none."""
    n_free = r - n_forced
    size = opt_col.shape[2]
    a_col = np.empty((n_free, size), np.int64)  # allowed options per free row, cost order
    a_cost = np.empty((n_free, size))
    n_a = np.zeros(n_free, np.int64)
    for f in range(n_free):
        i = n_forced + f
        for t in range(n_opt[s, i]):
            col = opt_col[s, i, t]
            if not _taken(col, cols, n_forced) and not _excluded(
                i, col, head, ex_row, ex_col, ex_next
            ):
                a_col[f, n_a[f]] = col
                a_cost[f, n_a[f]] = opt_cost[s, i, t]
                n_a[f] += 1
        if n_a[f] == 0:
            return False
    floor = np.zeros(n_free + 1)  # cheapest completion of free rows f.. (a bound)
    for f in range(n_free - 1, -1, -1):
        floor[f] = floor[f + 1] + a_cost[f, 0]
    partial = np.empty(n_free + 1)
    partial[0] = _row_sum(costs, n_forced)
    pick = np.empty(n_free, np.int64)
    pos = np.empty(n_free, np.int64)
    best = np.inf
    for phase in range(2):  # 0: the optimal cost; 1: the first assignment in group order
        if phase == 1:
            if best == np.inf:
                return False
            for f in range(n_free):  # options in group order: idle, then devices ascending
                order = np.argsort(a_col[f, : n_a[f]])
                a_col[f, : n_a[f]] = a_col[f, : n_a[f]][order]
                a_cost[f, : n_a[f]] = a_cost[f, : n_a[f]][order]
        level = 0
        pos[0] = -1
        while level >= 0:
            pos[level] += 1
            if pos[level] >= n_a[level]:
                level -= 1
                continue
            col = a_col[level, pos[level]]
            cost = a_cost[level, pos[level]]
            if partial[level] + cost + floor[level + 1] > best + _MARGIN:
                if phase == 0:  # cost order: every later option is dearer
                    level -= 1
                continue
            if _taken(col, pick, level):
                continue
            pick[level] = col
            partial[level + 1] = partial[level] + cost
            if level + 1 < n_free:
                level += 1
                pos[level] = -1
                continue
            if phase == 0:
                if partial[n_free] < best:
                    best = partial[n_free]
            elif partial[n_free] <= best:
                for f in range(n_free):
                    cols[n_forced + f] = pick[f]
                    costs[n_forced + f] = a_cost[f, pos[f]]
                return True
    return False


@njit(cache=True)
def k_best_groups(proto, feasible, rows, n_rows, may_idle, k):
    """The k best valid groups (module docstring of ``neighbors``): (groups [n, J], their
    costs [n] summed in row order), in (cost, group) order. ``proto`` [J, K]; ``feasible``
    [S, J, K]; ``rows`` [S, J] each pattern's transmitters (padded), ``n_rows`` [S];
    ``may_idle`` [J]."""
    n_tx, n_dev = proto.shape
    n_pat = feasible.shape[0]
    link = 1.0 - 2.0 * proto
    width = k + n_tx
    opt_col = np.empty((n_pat, n_tx, width), np.int64)
    opt_cost = np.empty((n_pat, n_tx, width))
    n_opt = np.zeros((n_pat, n_tx), np.int64)
    suffix = np.zeros((n_pat, n_tx + 1))
    built = np.zeros(n_pat, np.bool_)
    cap = 2 * n_pat + 3 * k * n_tx + 4
    node_s = np.empty(cap, np.int64)
    node_forced = np.empty(cap, np.int64)
    node_cols = np.empty((cap, n_tx), np.int64)
    node_costs = np.empty((cap, n_tx))
    node_head = np.empty(cap, np.int64)
    node_state = np.empty(cap, np.int64)
    val = np.empty(cap)
    gkey = np.empty(cap, np.int64)
    heap = np.empty(cap, np.int64)
    ex_row = np.empty(k * n_tx + 1, np.int64)
    ex_col = np.empty(k * n_tx + 1, np.int64)
    ex_next = np.empty(k * n_tx + 1, np.int64)
    n_nodes = 0
    n_ex = 0
    size = 0
    out_groups = np.zeros((k, n_tx), np.int64)
    out_costs = np.empty(k)
    found = 0
    cols = np.empty(n_tx, np.int64)
    costs = np.empty(n_tx)

    # every pattern starts with its relaxation: each row's cheapest option
    for s in range(n_pat):
        r = n_rows[s]
        ok = True
        distinct = True
        for i in range(r):
            row = rows[s, i]
            best_dev = -1
            best_cost = np.inf
            for d in range(n_dev):
                if feasible[s, row, d] and link[row, d] < best_cost:
                    best_cost = link[row, d]
                    best_dev = d
            if may_idle[row] and best_cost >= 0.0:
                best_dev, best_cost = -1 - i, 0.0
            elif best_cost == np.inf:
                ok = False
                break
            elif _taken(best_dev, cols, i):
                distinct = False
            cols[i] = best_dev
            costs[i] = best_cost
        if not ok:
            continue
        node = n_nodes
        n_nodes += 1
        node_s[node], node_forced[node], node_head[node] = s, 0, -1
        node_cols[node, :r], node_costs[node, :r] = cols[:r], costs[:r]
        node_state[node] = SOLVED if distinct else RELAXED
        val[node] = _row_sum(costs, r)
        gkey[node] = _group_key(s, cols, rows, n_rows, n_tx, n_dev) if distinct else -1
        size = _push(heap, size, node, val, gkey)

    while size > 0:
        node, size = _pop(heap, size, val, gkey)
        s = node_s[node]
        r = n_rows[s]
        state = node_state[node]
        if state == SOLVED:
            for i in range(r):
                if node_cols[node, i] >= 0:
                    out_groups[found, rows[s, i]] = node_cols[node, i] + 1
            out_costs[found] = val[node]
            found += 1
            if found == k:
                break
        if not built[s]:
            _build(s, link, feasible, rows, n_rows, may_idle, k, opt_col, opt_cost, n_opt, suffix)
            built[s] = True
        n_forced = node_forced[node]
        head = node_head[node]
        if state == SOLVED:  # Murty's children: keep rows < i, ban row i's column
            prefix = 0.0
            for i in range(n_forced):
                prefix += node_costs[node, i]
            for i in range(n_forced, r):
                ex_row[n_ex], ex_col[n_ex], ex_next[n_ex] = i, node_cols[node, i], head
                t = _first_allowed(
                    s, i, node_cols[node], i, n_ex, opt_col, n_opt, ex_row, ex_col, ex_next
                )
                if t >= 0:
                    child = n_nodes
                    n_nodes += 1
                    node_s[child], node_forced[child], node_head[child] = s, i, n_ex
                    node_cols[child, :i] = node_cols[node, :i]
                    node_costs[child, :i] = node_costs[node, :i]
                    node_state[child] = CHILD
                    val[child] = prefix + opt_cost[s, i, t] + suffix[s, i + 1] - _MARGIN
                    gkey[child] = -1
                    size = _push(heap, size, child, val, gkey)
                    n_ex += 1
                prefix += node_costs[node, i]
            continue
        cols[:n_forced] = node_cols[node, :n_forced]
        costs[:n_forced] = node_costs[node, :n_forced]
        distinct = True
        if state == CHILD:  # its relaxation
            ok = True
            for i in range(n_forced, r):
                t = _first_allowed(
                    s, i, cols, n_forced, head, opt_col, n_opt, ex_row, ex_col, ex_next
                )
                if t < 0:
                    ok = False
                    break
                col = opt_col[s, i, t]
                if col >= 0 and _taken(col, cols[n_forced:], i - n_forced):
                    distinct = False
                cols[i] = col
                costs[i] = opt_cost[s, i, t]
            if not ok:
                continue
        else:  # RELAXED: solve exactly
            if not _exact(
                s, n_forced, cols, costs, head, r, opt_col, opt_cost, n_opt, ex_row, ex_col, ex_next
            ):
                continue
        new = n_nodes
        n_nodes += 1
        node_s[new], node_forced[new], node_head[new] = s, n_forced, head
        node_cols[new, :r], node_costs[new, :r] = cols[:r], costs[:r]
        node_state[new] = SOLVED if distinct else RELAXED
        val[new] = _row_sum(costs, r)
        gkey[new] = _group_key(s, cols, rows, n_rows, n_tx, n_dev) if distinct else -1
        size = _push(heap, size, new, val, gkey)
    return out_groups[:found], out_costs[:found]
