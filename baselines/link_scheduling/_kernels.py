"""Compiled (numba) inner loops of the per-slot link-group searches of ``SlotGroups``.

Both searches score, per row (a slot, or a (slot, context) pair), every combination of the
top-m candidate devices of each (pattern S, transmitter j) row of the link tables, with the
combination table of ``slot_groups._combo_table`` (flat indices into the [R m] candidate
list, J trailing idle entries). The loops follow the vectorised formulation step by step
(same candidate order, same summation order over the transmitters, first best combination
kept), so they return the same groups; they exist because at T = 10 slots and K = 10-100
devices the numpy version spends most of its time in per-call overhead.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_INF = np.inf


@njit(cache=True)
def _top_m(score: np.ndarray, m: int, out: np.ndarray) -> None:
    """Indices of the m smallest finite entries of ``score`` in increasing order (ties: the
    lower index first), 0 where fewer than m are finite: what repeated ``np.argmin`` with
    the taken entries set to inf gives. One pass with insertion into the sorted list."""
    for c in range(m):
        out[c] = -1
    kept = 0
    for d in range(score.shape[0]):
        v = score[d]
        if kept == m and not v < score[out[m - 1]]:
            continue
        if not v < _INF:
            continue
        pos = kept if kept < m else m - 1
        while pos > 0 and v < score[out[pos - 1]]:
            out[pos] = out[pos - 1]
            pos -= 1
        out[pos] = d
        if kept < m:
            kept += 1
    for c in range(kept, m):
        out[c] = 0


@njit(cache=True)
def _candidates(score: np.ndarray, m: int, top: np.ndarray) -> None:
    """The m candidates of one (row, pattern, transmitter): ``_top_m``, or every device when
    there are only m."""
    if score.shape[0] > m:
        _top_m(score, m, top)
    else:
        for c in range(m):
            top[c] = c


@njit(cache=True)
def _chosen_devices(cand_dev: np.ndarray, combos: np.ndarray, arg: int, out: np.ndarray) -> None:
    """The local device of every transmitter in combination ``arg`` (-1 idle)."""
    for j in range(combos.shape[1]):
        d = cand_dev[combos[arg, j]]
        out[j] = d if d >= 0 else -1


@njit(cache=True)
def _clash(
    cand_dev: np.ndarray, combos: np.ndarray, c: int, pa: np.ndarray, pb: np.ndarray
) -> bool:
    """Whether combination c gives one device to two transmitters."""
    for p in range(pa.shape[0]):
        if cand_dev[combos[c, pa[p]]] == cand_dev[combos[c, pb[p]]]:
            return True
    return False


@njit(cache=True)
def best_response_rows(
    short0: np.ndarray,
    ts: np.ndarray,
    rate_r: np.ndarray,
    feas_r: np.ndarray,
    coef: np.ndarray,
    serve_short: np.ndarray,
    served_lut: np.ndarray,
    combos: np.ndarray,
    pa: np.ndarray,
    pb: np.ndarray,
    m: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Per row i the combination minimising U given the shortfalls ``short0[i]`` (D - bits
    the other slots deliver, capped at 0) in slot ``ts[i]``: returns (the chosen local device
    per transmitter [n, J], -1 idle; the objective without the constant sum of the base data
    terms, [n]). Infeasible links score +inf; combinations serving a device twice are
    skipped."""
    n, nd = short0.shape
    R = rate_r.shape[1]
    C, J = combos.shape
    nb = R * m
    out_dev = np.full((n, J), -1, dtype=np.int64)
    out_val = np.full(n, _INF)
    dd = np.empty(nd)
    ns = np.empty(nd)
    proxy = np.empty(nd)
    cand_dev = np.empty(nb + J, dtype=np.int64)
    cand_dd = np.empty(nb + J)
    cand_ns = np.empty(nb + J)
    for j in range(J):
        cand_dev[nb + j] = -1 - j
        cand_dd[nb + j] = 0.0
        cand_ns[nb + j] = 0.0
    top = np.empty(m, dtype=np.int64)
    base = np.empty(nd)
    limit = np.empty(nd)
    for i in range(n):
        t = ts[i]
        n0 = 0
        for d in range(nd):
            s0 = short0[i, d]
            base[d] = coef[d] * s0 * s0
            if s0 <= serve_short[d]:
                n0 += 1
                limit[d] = -_INF
            else:
                limit[d] = serve_short[d]
        step = served_lut[n0 + 1] - served_lut[n0]
        for r in range(R):
            for d in range(nd):
                if not feas_r[t, r, d]:
                    ns[d] = 0.0
                    dd[d] = _INF
                    proxy[d] = _INF
                    continue
                s = short0[i, d] - rate_r[t, r, d]
                if s < 0.0:
                    s = 0.0
                ns[d] = 1.0 if s <= limit[d] else 0.0
                v = s * s * coef[d] - base[d]
                dd[d] = v
                proxy[d] = step * ns[d] + v
            _candidates(proxy, m, top)
            for c in range(m):
                k = r * m + c
                d = top[c]
                cand_dev[k] = d
                cand_dd[k] = dd[d]
                cand_ns[k] = ns[d]
        best, arg = _INF, -1
        for c in range(C):
            gd = cand_dd[combos[c, 0]]
            gn = cand_ns[combos[c, 0]]
            for j in range(1, J):
                gd += cand_dd[combos[c, j]]
                gn += cand_ns[combos[c, j]]
            val = gd + served_lut[n0 + int(gn)]
            if (arg < 0 or val < best) and not _clash(cand_dev, combos, c, pa, pb):
                best, arg = val, c
        out_val[i] = best
        _chosen_devices(cand_dev, combos, arg, out_dev[i])
    return out_dev, out_val


@njit(cache=True)
def best_linear_slot(
    weight: np.ndarray,
    feas: np.ndarray,
    combos: np.ndarray,
    pa: np.ndarray,
    pb: np.ndarray,
    m: int,
    cand_dev: np.ndarray,
    cand_w: np.ndarray,
    neg: np.ndarray,
    top: np.ndarray,
) -> tuple[float, int]:
    """The combination maximising the sum of ``weight[r, d]`` over its links in one slot
    (infeasible links -inf, idle 0): returns (its value, its index in ``combos``); the chosen
    device of transmitter j is ``cand_dev[combos[index, j]]`` (negative: idle) and its row
    ``combos[index, j] // m``. ``cand_dev`` / ``cand_w`` ([R m + J]) / ``neg`` ([nd]) /
    ``top`` ([m]) are work arrays; the J idle entries of ``cand_*`` are set here."""
    R, nd = weight.shape
    C, J = combos.shape
    nb = R * m
    for j in range(J):
        cand_dev[nb + j] = -1 - j
        cand_w[nb + j] = 0.0
    for r in range(R):
        for d in range(nd):
            neg[d] = -weight[r, d] if feas[r, d] else _INF
        _candidates(neg, m, top)
        for c in range(m):
            k = r * m + c
            cand_dev[k] = top[c]
            cand_w[k] = -neg[top[c]]
    best, arg = -_INF, -1
    for c in range(C):
        tot = cand_w[combos[c, 0]]
        for j in range(1, J):
            tot += cand_w[combos[c, j]]
        if (arg < 0 or tot > best) and not _clash(cand_dev, combos, c, pa, pb):
            best, arg = tot, c
    return best, arg


@njit(cache=True)
def best_linear_rows(
    weight: np.ndarray,
    feas_r: np.ndarray,
    combos: np.ndarray,
    pa: np.ndarray,
    pb: np.ndarray,
    m: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Per slot t the combination maximising the sum of ``weight[t, r, d]`` over its links
    (``best_linear_slot``): returns (local device per transmitter [T, J], -1 idle; the best
    values [T])."""
    T, R, nd = weight.shape
    J = combos.shape[1]
    out_dev = np.full((T, J), -1, dtype=np.int64)
    out_val = np.full(T, -_INF)
    cand_dev = np.empty(R * m + J, dtype=np.int64)
    cand_w = np.empty(R * m + J)
    neg = np.empty(nd)
    top = np.empty(m, dtype=np.int64)
    for t in range(T):
        best, arg = best_linear_slot(
            weight[t], feas_r[t], combos, pa, pb, m, cand_dev, cand_w, neg, top
        )
        out_val[t] = best
        _chosen_devices(cand_dev, combos, arg, out_dev[t])
    return out_dev, out_val


@njit(cache=True)
def _pattern(dloc: np.ndarray, t: int, pattern_bits: np.ndarray) -> int:
    s = 0
    for j in range(dloc.shape[1]):
        if dloc[t, j] >= 0:
            s += pattern_bits[j]
    return s


@njit(cache=True)
def _device_part(bits: float, d: int, demand: np.ndarray, coef: np.ndarray) -> float:
    short = demand[d] - min(bits, demand[d])
    return coef[d] * (short * short)


@njit(cache=True)
def best_exchange(
    dloc: np.ndarray,
    contrib: np.ndarray,
    b: np.ndarray,
    rate_ext: np.ndarray,
    feas_ext: np.ndarray,
    pattern_bits: np.ndarray,
    demand: np.ndarray,
    threshold: np.ndarray,
    coef: np.ndarray,
    served_lut: np.ndarray,
    offset: float,
) -> tuple[float, int, int, int, int]:
    """The best exchange of the contents of two (slot, transmitter) positions in different
    slots of a valid schedule (local devices ``dloc`` [T, J], -1 idle; ``contrib`` [T, nd]
    its per-slot bits, ``b`` their sum): only the devices of the two slots change, so each
    exchange is scored from their terms. Returns (objective, t1, j1, t2, j2) of the best
    valid exchange, objective inf if there is none. The ``*_ext`` tables have the idle
    column nd."""
    T, J = dloc.shape
    nd = b.shape[0]
    data0 = 0.0
    n0 = 0
    for d in range(nd):
        data0 += _device_part(b[d], d, demand, coef)
        if min(b[d], demand[d]) >= threshold[d]:
            n0 += 1
    delta = np.zeros(nd)
    seen = np.zeros(nd, dtype=np.bool_)
    touched = np.empty(4 * J, dtype=np.int64)
    g1 = np.empty((1, J), dtype=np.int64)
    g2 = np.empty((1, J), dtype=np.int64)
    best, bt1, bj1, bt2, bj2 = _INF, -1, -1, -1, -1
    for t1 in range(T):
        for j1 in range(J):
            x1 = dloc[t1, j1]
            for t2 in range(t1 + 1, T):
                for j2 in range(J):
                    x2 = dloc[t2, j2]
                    if x1 == x2:
                        continue
                    ok = True
                    for j in range(J):  # the moved device must not be in the slot already
                        if (x2 >= 0 and j != j1 and dloc[t1, j] == x2) or (
                            x1 >= 0 and j != j2 and dloc[t2, j] == x1
                        ):
                            ok = False
                    if not ok:
                        continue
                    for j in range(J):
                        g1[0, j] = dloc[t1, j]
                        g2[0, j] = dloc[t2, j]
                    g1[0, j1] = x2
                    g2[0, j2] = x1
                    s1 = _pattern(g1, 0, pattern_bits)
                    s2 = _pattern(g2, 0, pattern_bits)
                    for j in range(J):
                        e1 = g1[0, j] if g1[0, j] >= 0 else nd
                        e2 = g2[0, j] if g2[0, j] >= 0 else nd
                        if not (feas_ext[t1, s1, j, e1] and feas_ext[t2, s2, j, e2]):
                            ok = False
                    if not ok:
                        continue
                    n_touch = 0
                    for j in range(J):
                        for d in (dloc[t1, j], dloc[t2, j]):
                            if d >= 0 and not seen[d]:
                                seen[d] = True
                                touched[n_touch] = d
                                n_touch += 1
                    for k in range(n_touch):
                        d = touched[k]
                        delta[d] = b[d] - contrib[t1, d] - contrib[t2, d]
                    for j in range(J):
                        d = g1[0, j]
                        if d >= 0:
                            delta[d] += rate_ext[t1, s1, j, d]
                        d = g2[0, j]
                        if d >= 0:
                            delta[d] += rate_ext[t2, s2, j, d]
                    data, n = data0, n0
                    for k in range(n_touch):
                        d = touched[k]
                        seen[d] = False
                        data += _device_part(delta[d], d, demand, coef) - _device_part(
                            b[d], d, demand, coef
                        )
                        n += (min(delta[d], demand[d]) >= threshold[d]) - (
                            min(b[d], demand[d]) >= threshold[d]
                        )
                    val = served_lut[n] + data + offset
                    if val < best:
                        best, bt1, bj1, bt2, bj2 = val, t1, j1, t2, j2
    return best, bt1, bj1, bt2, bj2


@njit(cache=True)
def best_relabel(
    dloc: np.ndarray,
    b: np.ndarray,
    rate_ext: np.ndarray,
    feas_ext: np.ndarray,
    pattern_bits: np.ndarray,
    demand: np.ndarray,
    threshold: np.ndarray,
    coef: np.ndarray,
    served_lut: np.ndarray,
    offset: float,
    data0: float,
) -> tuple[float, int, int, int]:
    """The best relabelling of two local devices a != c over the whole schedule (``dloc``
    [T, J], -1 idle): swap (a takes every position of c and c every position of a; a < c)
    or merge (c takes every position of a, if no slot holds both; both hold positions).
    Every slot keeps its active transmitters, so a move changes only the terms of a and c:
    x[a, c] = bits c would get on a's positions. Returns (objective, kind (0 swap, 1 merge),
    a, c); objective inf if no move is valid. Swaps win ties, then the first (a, c).
    ``data0``: the current total data term."""
    T, J = dloc.shape
    nd = b.shape[0]
    x = np.zeros((nd, nd))
    bad = np.zeros((nd, nd), dtype=np.bool_)
    slot_of = np.zeros((T, nd), dtype=np.bool_)
    has = np.zeros(nd, dtype=np.bool_)
    for t in range(T):
        s = _pattern(dloc, t, pattern_bits)
        for j in range(J):
            a = dloc[t, j]
            if a < 0:
                continue
            has[a] = True
            slot_of[t, a] = True
            for c in range(nd):
                x[a, c] += rate_ext[t, s, j, c]
                if not feas_ext[t, s, j, c]:
                    bad[a, c] = True
    n0 = 0
    part = np.empty(nd)
    srv = np.zeros(nd, dtype=np.int64)
    for d in range(nd):
        part[d] = _device_part(b[d], d, demand, coef)
        if min(b[d], demand[d]) >= threshold[d]:
            srv[d] = 1
            n0 += 1
    best, kind, ba, bc = _INF, -1, -1, -1
    for move in range(2):
        for a in range(nd):
            for c in range(nd):
                if a == c or bad[a, c]:
                    continue
                if move == 0:
                    if c < a or bad[c, a] or not (has[a] or has[c]):
                        continue
                    na, nc = x[c, a], x[a, c]
                else:
                    if not (has[a] and has[c]):
                        continue
                    both = False
                    for t in range(T):
                        if slot_of[t, a] and slot_of[t, c]:
                            both = True
                    if both:
                        continue
                    na, nc = 0.0, b[c] + x[a, c]
                na, nc = min(na, demand[a]), min(nc, demand[c])
                data = (
                    data0
                    - part[a]
                    - part[c]
                    + coef[a] * (demand[a] - na) ** 2
                    + coef[c] * (demand[c] - nc) ** 2
                )
                n = n0 - srv[a] - srv[c] + (na >= threshold[a]) + (nc >= threshold[c])
                val = served_lut[n] + data + offset
                if val < best:
                    best, kind, ba, bc = val, move, a, c
    return best, kind, ba, bc
