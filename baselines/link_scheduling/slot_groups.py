"""Dense per-slot link tables and vectorised link-group search (used by ADMM-HEU).

A link group of slot t is one device (or idle) per transmitter, unicast (12)-(13), every link
SINR-feasible under the set S of active C-band transmitters (20b). ``SlotGroups`` keeps the
instance's ``rate_bits`` / ``feasible`` tables restricted to the devices that have at least one
feasible link (local index d) and finds, for all T slots at once, the best group under

* a *linear* score (sum of per-link values; ``best_linear``), exactly: for a pattern S with
  n active transmitters, each transmitter's device in an optimal group is among its n best
  devices (the others can block at most n - 1 of them), so per (t, S, j) the top-J devices
  and all combinations of them (a fixed table, (J+1)^J rows over all patterns at J = 4: 625)
  contain the optimum;
* the true objective U of eq. (19)/(20a) given the bits the other slots deliver
  (``best_response``): per link the exact change of the device's data term and whether it
  becomes served; a group's value is the sum of its links' data changes plus the served
  term at the new served count (exact, the devices of a group are distinct). The candidate
  devices per (t, S, j) are ranked by a separable proxy (data change + first marginal of the
  served term), so the best response is exact up to that pruning.

``local_search`` improves a schedule with these moves (not part of paper 002), best
improvement first, each kind tried only when the ones before it found nothing:

1. single-slot best responses (all slots evaluated in one batch; the best one applied,
   together with further improving ones whose devices do not meet, if that is better), with
   ``slot_cand`` = 2 candidates per (S, j) by default (None: all J; on K = 10-100, seeds 0-7,
   2 gave the same or lower final gaps than J = 4 at ~20 % less time per search);
2. device relabelling over the whole schedule (``_best_relabel``): swap two devices in every
   position they occupy, or hand all positions of one device to another that shares no slot
   with it. The active C-band transmitters of every slot stay the same, so all nd^2 moves are
   scored exactly at once from X = O^T R (bits each device would get on each other device's
   positions); this moves a device's data over several slots at once;
3. the best exchange of the contents of two (slot, transmitter) positions in different slots
   (all pairs evaluated in one batch; only the two changed slots are re-scored,
   ``_best_exchange``; exchanges inside one slot are single-slot moves);
4. ruin and recreate of two slots (``_best_pair_replan``): for all T (T - 1) ordered pairs
   (t1, t2) at once, both slots are cleared, t1 takes its best response to the other slots
   and then t2 its best response given the new t1 (two batched ``best_response`` calls with
   2 candidates per (S, j)); this can change the patterns of two slots together, which no
   single-slot move can do when each change alone is worse. The chosen pair is re-scored
   exactly before it is applied. At most ``pair_moves`` such searches (the most expensive
   move, ~2-4 ms at T = 10, K = 10-50) per ``local_search``.

Implementation: the candidate combinations are gathered transmitter-major ([J, n, C], n rows
= slots or (slot, context) pairs) with one ``np.take`` on a per-row buffer and a precomputed
index table (``_combos`` / ``_batch``), so a search over all slots costs a fixed, small number
of numpy calls; the top-m candidates come from ``_top_m`` (``np.argpartition``, or repeated
``argmin`` for m <= 2); the [n, R, nd] work arrays of ``best_response`` and the gathered
[J, n, C] arrays are allocated once per size and reused (fresh arrays of this size cost more
in page faults than the arithmetic).
"""

from __future__ import annotations

import functools
import itertools

import numpy as np
from numpy.typing import NDArray

from baselines.link_scheduling.common import Objective, c_band_bits
from leo_envs.envs.link_scheduling.instance import LinkSchedulingInstance, active_set_indices

_IMPROVE_TOL = 1e-13


@functools.lru_cache(maxsize=32)
def _combo_table(band: tuple[int, ...], m: int, rows: tuple[tuple[int, int], ...]):
    """(flat index [C, J] into a [R, m] candidate table + J trailing idle entries, the
    transmitter pairs that can collide, pattern of each combination)."""
    J = len(band)
    c_idx = [j for j in range(J) if band[j] == 1]
    row_of = {r: i for i, r in enumerate(rows)}
    choices, pats = [], []
    for s in range(1 << len(c_idx)):
        opts = [range(-1, m) if band[j] == 0 else
                (range(m) if (s >> c_idx.index(j)) & 1 else [-1]) for j in range(J)]
        for c in itertools.product(*opts):
            choices.append(c)
            pats.append(s)
    choice = np.array(choices, dtype=np.int64).reshape(-1, J)
    pat = np.array(pats, dtype=np.int64)
    idle = choice < 0
    row = np.array([[row_of.get((s, j), row_of.get((0, j), 0)) for j in range(J)]
                    for s in pats], dtype=np.int64).reshape(-1, J)
    flat = np.where(idle, len(rows) * m + np.arange(J), row * m + np.maximum(choice, 0))
    pairs = [(a, b) for a, b in itertools.combinations(range(J), 2)
             if not (idle[:, a].all() or idle[:, b].all())]
    return flat, pairs, pat


def _top_m(x: NDArray, m: int) -> NDArray[np.int64]:
    """Indices of the m smallest entries along the last axis (any order; ties broken
    arbitrarily). For m <= 2 repeated ``argmin`` (with the found entries masked) is several
    times faster than ``np.argpartition`` on the [n, R, nd] proxies used here."""
    if m > 2:
        return np.argpartition(x, m - 1, axis=-1)[..., :m]
    first = x.argmin(axis=-1)[..., None]
    if m == 1:
        return first
    y = x.copy()
    np.put_along_axis(y, first, np.inf, axis=-1)
    return np.concatenate([first, y.argmin(axis=-1)[..., None]], axis=-1)


class SlotGroups:
    """Dense link tables of one instance over the devices with a feasible link."""

    def __init__(self, inst: LinkSchedulingInstance, n_cand: int | None = None) -> None:
        self.inst = inst
        self.obj = Objective(inst)
        feas = np.asarray(inst.feasible) & self.obj.present  # [T, S, J, K]
        self.devices = np.flatnonzero(feas.any(axis=(0, 1, 2)))
        self.feas = np.ascontiguousarray(feas[..., self.devices])
        self.rate = np.where(self.feas, np.asarray(inst.rate_bits)[..., self.devices], 0.0)
        self.T, self.n_pat, self.J, self.nd = self.feas.shape
        dev = self.devices
        self.demand = self.obj.demand[dev]
        self.threshold = self.obj.threshold[dev]
        self.coef = self.obj.data_coef[dev]
        self.rho = np.minimum(1.0, self.rate / np.maximum(self.demand, 1e-300))
        missing = np.setdiff1d(np.flatnonzero(self.obj.present), dev)
        self.offset = float(self.obj.data_parts(np.zeros(inst.n_devices))[missing].sum())
        self.band = np.asarray(inst.band)
        self.m = max(1, min(n_cand or self.J, self.nd))
        self._rows()
        self.feas_r = self.feas[:, self.row_s, self.row_j]  # [T, R, nd]
        self.rate_r = self.rate[:, self.row_s, self.row_j]
        self.rho_r = self.rho[:, self.row_s, self.row_j]
        self._inf_r = np.where(self.feas_r, 0.0, np.inf)
        self._combos()
        self._local = np.full(inst.n_devices + 1, -1, dtype=np.int64)
        self._local[self.devices + 1] = np.arange(self.nd)
        pos = np.arange(self.T * self.J)
        p1, p2 = np.meshgrid(pos, pos, indexing="ij")
        cross = p1 // self.J < p2 // self.J
        self._pair_pos = (p1[cross], p2[cross])
        t1, t2 = np.meshgrid(np.arange(self.T), np.arange(self.T), indexing="ij")
        off = t1 != t2
        self._ordered_pairs = (t1[off], t2[off])

    def _rows(self) -> None:
        """The (pattern S, transmitter j) pairs that can carry a link: C-band j in S, and
        the Ka transmitters once (their rate does not depend on S; checked, else per S)."""
        bits = c_band_bits(self.inst)
        rows: list[tuple[int, int]] = []
        for j in range(self.J):
            if self.band[j] == 0:
                same = (self.rate[:, :, j] == self.rate[:, :1, j]).all() and (
                    self.feas[:, :, j] == self.feas[:, :1, j]).all()
                rows.extend((s, j) for s in (range(1) if same else range(self.n_pat)))
            else:
                rows.extend((s, j) for s in range(self.n_pat) if s & bits[j])
        self.row_s = np.array([r[0] for r in rows], dtype=np.int64)
        self.row_j = np.array([r[1] for r in rows], dtype=np.int64)

    # ------------------------------------------------------------------ combinations
    def _combos(self) -> None:
        """Index tables of every candidate combination: transmitter j of pattern S takes its
        ``c``-th candidate (c in 0..m-1; C-band j in S must be active, C-band j not in S idle,
        Ka transmitters either); built per m on first use (``_table``, cached per (band, m,
        rows)). ``_batch`` stores them transmitter-major with the row offsets added ([J, n, C]
        flat indices into a [n, R m + J] buffer whose last J columns are the idle entries), so
        that one ``np.take`` gathers all rows."""
        self._tables: dict[int, tuple[NDArray, list[tuple[int, int]], NDArray]] = {}
        self._batch_cache: dict[tuple[int, int], tuple[NDArray, ...]] = {}
        self._work_cache: dict[int, tuple[NDArray, ...]] = {}
        self._gather_cache: dict[tuple[int, int], tuple[NDArray, NDArray]] = {}
        _, self._pairs, self.combo_pat = self._table(self.m)

    def _table(self, m: int) -> tuple[NDArray, list[tuple[int, int]], NDArray]:
        """(flat index table [C, J], colliding transmitter pairs, pattern per combination) for
        m candidates per (pattern, transmitter)."""
        if m not in self._tables:
            self._tables[m] = _combo_table(
                tuple(int(b) for b in self.band), m,
                tuple(zip(self.row_s.tolist(), self.row_j.tolist(), strict=True)))
        return self._tables[m]

    def _batch(self, n: int, m: int) -> tuple[NDArray, ...]:
        """Per batch size n (rows = slots, or (slot, context) pairs) and m: the gather table
        [J, n, C] with the row offsets added, the flat row offsets of a [n, R, nd] array, the
        device / value buffers [n, R m + J] (last J columns: idle entries) and all devices."""
        out = self._batch_cache.get((n, m))
        if out is None:
            R = len(self.row_s)
            width = R * m + self.J
            tidx = self._table(m)[0].T[:, None, :] + width * np.arange(n)[None, :, None]
            row_off = (np.arange(n * R) * self.nd).reshape(n, R, 1)
            dev_buf = np.empty((n, width), dtype=np.int64)
            dev_buf[:, width - self.J:] = -1 - np.arange(self.J)
            val_buf = np.zeros((n, width))
            all_dev = np.broadcast_to(np.arange(self.nd), (n, R, self.nd))
            out = self._batch_cache[n, m] = (tidx, row_off, dev_buf, val_buf, all_dev)
        return out

    def _work(self, n: int) -> tuple[NDArray, ...]:
        """Reused work arrays of ``best_response`` for n rows: three float [n, R, nd] and one
        boolean."""
        out = self._work_cache.get(n)
        if out is None:
            shape = (n, len(self.row_s), self.nd)
            out = self._work_cache[n] = (np.empty(shape), np.empty(shape), np.empty(shape),
                                         np.empty(shape, dtype=bool))
        return out

    def _enumerate(self, proxy: NDArray, parts: list[NDArray], m: int | None = None):
        """Top-m candidates (default ``self.m``) per (row, (S, j)) by ``proxy`` (lower is
        better, inf = infeasible); rows are slots (or (slot, context) pairs, ``best_response``'s
        ``ts``); returns (device [J, n, C] with -1-j for idle, valid [n, C], per part the sum
        over the combination's links [n, C] (idle links add 0))."""
        n = proxy.shape[0]
        m = self.m if m is None else max(1, min(m, self.nd))
        tidx, row_off, dev_buf, val_buf, all_dev = self._batch(n, m)
        if self.nd > m:
            cand = _top_m(proxy, m)
        else:
            cand = all_dev
        ci = cand + row_off  # flat indices into [n, R, nd]
        nb = len(self.row_s) * m
        dev_buf[:, :nb] = np.where(np.isfinite(proxy.take(ci)), cand, -10**9).reshape(n, nb)
        dev, vals = self._gathered(n, m, tidx.shape)
        dev_buf.take(tidx, out=dev, mode="wrap")  # indices are in range; "wrap": no copy
        valid = dev.min(axis=0) > -10**9
        for a, b in self._table(m)[1]:
            valid &= dev[a] != dev[b]
        out = []
        for p in parts:
            val_buf[:, :nb] = p.take(ci).reshape(n, nb)
            val_buf.take(tidx, out=vals, mode="wrap")
            out.append(vals.sum(axis=0))
        return dev, valid, out

    def _gathered(self, n: int, m: int, shape: tuple[int, ...]) -> tuple[NDArray, NDArray]:
        """Reused [J, n, C] device / value arrays of ``_enumerate`` (overwritten by the next
        call: callers use them before searching again)."""
        out = self._gather_cache.get((n, m))
        if out is None:
            out = self._gather_cache[n, m] = (np.empty(shape, dtype=np.int64), np.empty(shape))
        return out

    def _groups(self, dev: NDArray, pick: NDArray) -> NDArray[np.int64]:
        """[T, J] groups in the instance's encoding (0 idle, k + 1) of the picked combos."""
        d = dev[:, np.arange(dev.shape[1]), pick].T
        return np.where(d >= 0, self.devices[np.maximum(d, 0)] + 1, 0).astype(np.int64)

    # ------------------------------------------------------------------ searches
    def best_linear(self, weight: NDArray) -> tuple[NDArray[np.int64], NDArray]:
        """Per slot the group maximising sum over its links of ``weight[t, r, d]`` (rows r =
        (S, j) pairs ``row_s``/``row_j``; feasible links only; idle scores 0).
        Returns ([T, J] groups, [T] best values)."""
        w = np.where(self.feas_r, weight, -np.inf)
        dev, valid, (val,) = self._enumerate(-w, [w])
        tot = np.where(valid, val, -np.inf)
        pick = tot.argmax(axis=1)
        return self._groups(dev, pick), tot[np.arange(self.T), pick]

    def best_response(self, b_other: NDArray,
                      ts: NDArray[np.int64] | None = None,
                      m: int | None = None) -> tuple[NDArray[np.int64], NDArray]:
        """Per slot t the group minimising U given ``b_other[t]`` (bits per local device
        delivered by the other slots). Returns ([T, J] groups, [T] objective values). With
        ``ts`` [n] (slot indices, repeats allowed) row i is the best group of slot ts[i] given
        ``b_other[i]`` ([n, J] groups, [n] values). ``m``: candidates per (pattern,
        transmitter), default ``self.m``."""
        D, coef, thr = self.demand, self.coef, self.threshold
        n = b_other.shape[0]
        # preallocated [n, R, nd] work arrays (fresh ones of this size cost page faults)
        dd, ns, proxy, mask = self._work(n)
        b0 = np.minimum(b_other, D)  # [n, nd]
        base_data = coef * (D - b0) ** 2
        served0 = b0 >= thr
        n0 = served0.sum(axis=1)  # [n]
        # infeasible links have rate 0, so they change nothing (dd = 0, ns = 0)
        if ts is None:
            np.add(b0[:, None, :], self.rate_r, out=dd)  # new bits, then the data change
        else:
            np.take(self.rate_r, ts, axis=0, out=dd)
            dd += b0[:, None, :]
        np.minimum(dd, D, out=dd)
        np.greater_equal(dd, thr, out=mask)
        mask &= ~served0[:, None, :]
        ns[...] = mask
        np.subtract(D, dd, out=dd)
        dd *= dd
        dd *= coef
        dd -= base_data[:, None, :]
        st = self.obj.served_term
        m1 = (st(n0 + 1) - st(n0))[:, None, None]
        np.multiply(m1, ns, out=proxy)
        proxy += dd
        if ts is None:
            proxy += self._inf_r
        else:
            proxy += self._inf_r[ts]
        dev, valid, (gd, gn) = self._enumerate(proxy, [dd, ns], m)
        n_new = n0[:, None] + gn
        val = np.where(valid, gd + st(n_new), np.inf)
        pick = val.argmin(axis=1)
        best = val[np.arange(val.shape[0]), pick] + base_data.sum(axis=1) + self.offset
        return self._groups(dev, pick), best

    # ------------------------------------------------------------------ schedules
    def slot_bits(self, schedule: NDArray[np.int64],
                  table: NDArray | None = None) -> NDArray[np.float64]:
        """[T, nd] bits each slot of a valid schedule delivers to each local device (or any
        other per-link ``table`` [T, S, J, nd], e.g. the normalised rates ``rho``)."""
        return self._bits(schedule[None], table)[0]

    def _bits(self, scheds: NDArray[np.int64], table: NDArray | None = None) -> NDArray:
        """[P, T, nd] per-slot bits of a batch of schedules [P, T, J] (0 for invalid links)."""
        table = self.rate if table is None else table
        P, T, J = scheds.shape
        s = active_set_indices(scheds, self.band)
        local = np.full(self.inst.n_devices + 1, -1, dtype=np.int64)
        local[self.devices + 1] = np.arange(self.nd)
        d = local[scheds]
        on = d >= 0
        r = np.where(on, table[np.arange(T)[None, :, None], s[..., None],
                               np.arange(J), np.maximum(d, 0)], 0.0)
        idx = (np.arange(P * T).reshape(P, T, 1) * self.nd + np.maximum(d, 0)).ravel()
        out = np.bincount(idx, weights=r.ravel(), minlength=P * T * self.nd)
        return out.reshape(P, T, self.nd)

    def _feasible(self, scheds: NDArray[np.int64]) -> NDArray[np.bool_]:
        """[P] validity of a batch of schedules [P, T, J] (unicast + feasible links)."""
        _, T, J = scheds.shape
        s = active_set_indices(scheds, self.band)
        local = np.full(self.inst.n_devices + 1, -1, dtype=np.int64)
        local[self.devices + 1] = np.arange(self.nd)
        d = local[scheds]
        on = scheds > 0
        ok = np.where(on, (d >= 0) & self.feas[np.arange(T)[None, :, None], s[..., None],
                                                  np.arange(J), np.maximum(d, 0)], True)
        good = ok.all(axis=(1, 2))
        for a, b in itertools.combinations(range(J), 2):
            good &= ~((scheds[:, :, a] == scheds[:, :, b]) & on[:, :, a]).any(axis=1)
        return good

    def values(self, b: NDArray) -> NDArray:
        """Objective U of delivered bits b [..., nd] (local devices)."""
        b = np.minimum(b, self.demand)
        n = (b >= self.threshold).sum(axis=-1)
        data = (self.coef * (self.demand - b) ** 2).sum(axis=-1)
        return self.obj.served_term(n) + data + self.offset

    def local_search(self, schedule: NDArray[np.int64], max_moves: int = 200,
                     swaps: bool = True, relabel: bool = True,
                     pair_moves: int = 200, pair_cand: int = 2,
                     slot_cand: int | None = 2) -> NDArray[np.int64]:
        """Best-improvement local search (see the module docstring); returns a valid
        schedule whose objective is <= that of ``schedule``. ``swaps`` / ``relabel``: use
        the exchange / relabelling moves; ``pair_moves``: at most this many two-slot re-plan
        searches (0: none); ``pair_cand`` / ``slot_cand``: candidates per (S, j) in the
        two-slot / single-slot best responses."""
        sched = np.array(schedule, dtype=np.int64)
        contrib = self.slot_bits(sched)
        b = contrib.sum(axis=0)
        cur = float(self.values(b))
        n_pair = 0
        for _ in range(max_moves):
            groups, vals = self.best_response(b[None] - contrib, m=slot_cand)
            t = int(vals.argmin())
            if vals[t] < cur - _IMPROVE_TOL:
                sched = self._apply_slot_moves(sched, groups, vals, cur)
                contrib = self.slot_bits(sched)
                b = contrib.sum(axis=0)
                cur = float(self.values(b))
                continue
            move = self._best_relabel(sched, b, cur) if relabel else None
            if move is None and swaps:
                move = self._best_exchange(sched, contrib, b, cur)
            if move is None and n_pair < pair_moves:
                n_pair += 1
                move = self._best_pair_replan(sched, contrib, b, cur, pair_cand)
            if move is None:
                break
            sched = move
            contrib = self.slot_bits(sched)
            b = contrib.sum(axis=0)
            cur = float(self.values(b))
        return sched

    def _group_bits(self, ts: NDArray[np.int64],
                    groups: NDArray[np.int64]) -> tuple[NDArray[np.bool_], NDArray]:
        """Validity [P] (unicast + feasible links) and per-device bits [P, nd] of groups
        [P, J] played in slots ``ts`` [P]."""
        P, J = groups.shape
        s = active_set_indices(groups, self.band)
        d = self._local[groups]
        on = groups > 0
        dd = np.maximum(d, 0)
        idx = (ts[:, None], s[:, None], np.arange(J), dd)
        ok = np.where(on, (d >= 0) & self.feas[idx], True).all(axis=1)
        for a, b in itertools.combinations(range(J), 2):
            ok &= ~((groups[:, a] == groups[:, b]) & on[:, a])
        r = np.where(on, self.rate[idx], 0.0)
        flat = (np.arange(P)[:, None] * self.nd + dd).ravel()
        bits = np.bincount(flat, weights=r.ravel(), minlength=P * self.nd).reshape(P, self.nd)
        return ok, bits

    def _best_exchange(self, sched: NDArray[np.int64], contrib: NDArray, b: NDArray,
                       cur: float) -> NDArray[np.int64] | None:
        """The best improving exchange of the contents of two (slot, transmitter) positions
        in different slots (exchanges inside one slot are single-slot moves): only the two
        changed slots are re-scored, U(b - contrib[t1] - contrib[t2] + new bits of both).
        Returns the new schedule, or None if no exchange improves."""
        J = sched.shape[1]
        flat = sched.reshape(-1)
        p1, p2 = self._pair_pos
        keep = flat[p1] != flat[p2]
        p1, p2 = p1[keep], p2[keep]
        if p1.size == 0:
            return None
        t1, j1, t2, j2 = p1 // J, p1 % J, p2 // J, p2 % J
        rows = np.arange(p1.size)
        g1, g2 = sched[t1], sched[t2]
        g1[rows, j1], g2[rows, j2] = flat[p2], flat[p1]
        ok1, bits1 = self._group_bits(t1, g1)
        ok2, bits2 = self._group_bits(t2, g2)
        new_b = b - contrib[t1] - contrib[t2] + bits1 + bits2
        vals = np.where(ok1 & ok2, self.values(new_b), np.inf)
        i = int(vals.argmin())
        if not vals[i] < cur - _IMPROVE_TOL:
            return None
        out = sched.copy()
        out[t1[i]], out[t2[i]] = g1[i], g2[i]
        return out

    def _best_relabel(self, sched: NDArray[np.int64], b: NDArray,
                      cur: float) -> NDArray[np.int64] | None:
        """The best improving relabelling of two devices a != c over the whole schedule: swap
        (a takes every position of c and c every position of a) or merge (c takes every
        position of a, if no slot holds both; a is left without links). The active C-band
        transmitters of every slot stay the same, so each slot keeps its pattern S and a move
        only changes the links' devices: with R[p, d] / F[p, d] the rate / feasibility of
        device d at occupied position p, X = O^T R (O: occupancy one-hot [P, nd]) gives the
        bits every device would receive from every other device's positions, and all
        nd (nd - 1) * 3 / 2 moves are scored at once from the two changed devices' terms.
        Returns the new schedule, or None if no relabelling improves."""
        T, nd = sched.shape[0], self.nd
        d = self._local[sched]
        tt, jj = np.nonzero(d >= 0)
        if tt.size == 0:
            return None
        dd = d[tt, jj]
        s = active_set_indices(sched, self.band)[tt]
        occ = np.zeros((tt.size, nd))
        occ[np.arange(tt.size), dd] = 1.0
        x = occ.T @ self.rate[tt, s, jj]  # [a, c]: bits c gets on a's positions
        bad = occ.T @ (~self.feas[tt, s, jj]).astype(np.float64)  # [a, c]
        slot_occ = np.zeros((T, nd))
        slot_occ[tt, dd] = 1.0
        co = slot_occ.T @ slot_occ  # [a, c]: slots holding both
        D, thr, coef = self.demand, self.threshold, self.coef
        bc = np.minimum(b, D)
        parts = coef * (D - bc) ** 2
        srv = bc >= thr
        data0, n0 = float(parts.sum()), int(srv.sum())

        def score(na: NDArray, nc: NDArray) -> NDArray:  # [a, c] new bits of a and of c
            na, nc = np.minimum(na, D[:, None]), np.minimum(nc, D[None, :])
            data = (data0 - parts[:, None] - parts[None, :] + coef[:, None] * (D[:, None] - na)
                    ** 2 + coef[None, :] * (D[None, :] - nc) ** 2)
            n = (n0 - srv[:, None].astype(np.int64) - srv[None, :] + (na >= thr[:, None])
                 + (nc >= thr[None, :]))
            return self.obj.served_term(n) + data + self.offset

        has = occ.any(axis=0)
        eye = np.eye(nd, dtype=bool)
        ok_swap = (bad == 0) & (bad.T == 0) & (has[:, None] | has[None, :]) & ~eye
        ok_swap &= np.triu(np.ones((nd, nd), dtype=bool))
        v_swap = np.where(ok_swap, score(x.T, x), np.inf)  # a gets x[c, a], c gets x[a, c]
        ok_merge = (bad == 0) & (co == 0) & has[:, None] & has[None, :] & ~eye
        v_merge = np.where(ok_merge, score(np.zeros((nd, nd)), b[None, :] + x), np.inf)
        i_s, i_m = int(v_swap.argmin()), int(v_merge.argmin())
        best = min(v_swap.flat[i_s], v_merge.flat[i_m])
        if not best < cur - _IMPROVE_TOL:
            return None
        swap = v_swap.flat[i_s] <= v_merge.flat[i_m]
        a, c = divmod(i_s if swap else i_m, nd)
        ka, kc = self.devices[a] + 1, self.devices[c] + 1
        out = sched.copy()
        if swap:
            out[sched == ka], out[sched == kc] = kc, ka
        else:
            out[sched == ka] = kc
        return out

    def _best_pair_replan(self, sched: NDArray[np.int64], contrib: NDArray, b: NDArray,
                          cur: float, pair_cand: int = 2) -> NDArray[np.int64] | None:
        """Ruin and recreate of two slots, all T (T - 1) ordered pairs (t1, t2) at once: both
        slots are cleared, t1 gets its best response to the rest, then t2 its best response
        to the rest plus the new t1 (two batched ``best_response`` calls, ``pair_cand``
        candidates per (pattern, transmitter) to keep the batch small). Returns the best new
        schedule if it improves on ``cur`` (checked exactly), else None."""
        t1, t2 = self._ordered_pairs
        rest = b[None] - contrib[t1] - contrib[t2]
        g1, _ = self.best_response(rest, t1, pair_cand)
        _, bits1 = self._group_bits(t1, g1)
        g2, v2 = self.best_response(rest + bits1, t2, pair_cand)
        i = int(v2.argmin())
        out = sched.copy()
        out[t1[i]], out[t2[i]] = g1[i], g2[i]
        if not float(self.values(self.slot_bits(out).sum(axis=0))) < cur - _IMPROVE_TOL:
            return None
        return out

    def _apply_slot_moves(self, sched: NDArray[np.int64], groups: NDArray[np.int64],
                          vals: NDArray, cur: float) -> NDArray[np.int64]:
        """Apply the improving slot best responses in order of their values, skipping a slot
        whose old or new devices meet those of a slot already taken (so the data changes
        add up); keep the combination if it beats the single best move, else that move."""
        order = np.argsort(vals)
        best = sched.copy()
        best[order[0]] = groups[order[0]]
        multi = best.copy()
        touched = set(sched[order[0]].tolist()) | set(groups[order[0]].tolist())
        n_taken = 1
        for t in order[1:]:
            if not vals[t] < cur - _IMPROVE_TOL:
                break
            devs = set(sched[t].tolist()) | set(groups[t].tolist())
            if devs & touched - {0}:
                continue
            multi[t] = groups[t]
            touched |= devs
            n_taken += 1
        if n_taken > 1:
            v_multi = float(self.values(self.slot_bits(multi).sum(axis=0)))
            if v_multi < vals[order[0]] - _IMPROVE_TOL:
                return multi
        return best
