"""Dense per-slot link tables and vectorised link-group search (used by ADMM-HEU).

A link group of slot t is one device (or idle) per transmitter, unicast (12)-(13), every link
SINR-feasible under the set S of active C-band transmitters (20b). ``SlotGroups`` keeps the
instance's ``rate_bits`` / ``feasible`` tables restricted to the devices that have at least one
feasible link (local index d) and finds, for all T slots at once, the best group under

* a *linear* score (sum of per-link values; ``best_linear``), exactly: for a pattern S with
  n active transmitters, each transmitter's device in an optimal group is among its n best
  devices (the others can block at most n - 1 of them), so per (t, S, j) the top-J devices
  (``np.argpartition``) and all combinations of them (a fixed table, (J+1)^J rows over all
  patterns at J = 4: 625) contain the optimum;
* the true objective U of eq. (19)/(20a) given the bits the other slots deliver
  (``best_response``): per link the exact change of the device's data term and whether it
  becomes served; a group's value is the sum of its links' data changes plus the served
  term at the new served count (exact, the devices of a group are distinct). The candidate
  devices per (t, S, j) are ranked by a separable proxy (data change + first marginal of the
  served term), so the best response is exact up to that pruning.

``local_search`` improves a schedule with these moves (not part of paper 002): exact
single-slot best responses (all slots evaluated in one batch, the best one applied) and,
when no slot can improve alone, the best exchange of the contents of two (slot, transmitter)
positions in different slots (all pairs evaluated in one batch; only the two changed slots
are re-scored, ``_best_exchange``; exchanges inside one slot are single-slot moves).

Implementation: the candidate combinations are gathered transmitter-major ([J, T, C]) with
one ``np.take`` on a per-slot buffer and a precomputed index table (``_combos``), so a search
over all slots costs a fixed, small number of numpy calls.
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
        self._combos()
        self._local = np.full(inst.n_devices + 1, -1, dtype=np.int64)
        self._local[self.devices + 1] = np.arange(self.nd)
        pos = np.arange(self.T * self.J)
        p1, p2 = np.meshgrid(pos, pos, indexing="ij")
        cross = p1 // self.J < p2 // self.J
        self._pair_pos = (p1[cross], p2[cross])

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
        """Index table of every candidate combination: transmitter j of pattern S takes its
        ``c``-th candidate (c in 0..m-1; C-band j in S must be active, C-band j not in S idle,
        Ka transmitters either); cached per (band, m, rows). Stored transmitter-major with the
        slot offsets added ([J, T, C] flat indices into a [T, R m + J] buffer whose last J
        columns are the idle entries), so that one ``np.take`` gathers all slots."""
        flat, self._pairs, self.combo_pat = _combo_table(
            tuple(int(b) for b in self.band), self.m,
            tuple(zip(self.row_s.tolist(), self.row_j.tolist(), strict=True)))
        width = len(self.row_s) * self.m + self.J
        self._width = width
        self._tidx = (flat.T[:, None, :] + width * np.arange(self.T)[None, :, None])
        self._row_off = (np.arange(self.T * len(self.row_s)) * self.nd).reshape(
            self.T, len(self.row_s), 1)
        self._dev_buf = np.empty((self.T, width), dtype=np.int64)
        self._dev_buf[:, width - self.J:] = -1 - np.arange(self.J)
        self._val_buf = np.zeros((self.T, width))
        self._all_dev = np.broadcast_to(np.arange(self.nd), (self.T, len(self.row_s), self.nd))

    def _enumerate(self, proxy: NDArray, parts: list[NDArray]):
        """Top-m candidates per (t, row) by ``proxy`` (lower is better, inf = infeasible);
        returns (device [J, T, C] with -1-j for idle, valid [T, C], per part the sum over the
        combination's links [T, C] (idle links add 0))."""
        if self.nd > self.m:
            cand = np.argpartition(proxy, self.m - 1, axis=-1)[..., : self.m]
        else:
            cand = self._all_dev
        ci = cand + self._row_off  # flat indices into [T, R, nd]
        nb = self._width - self.J
        dev_buf = self._dev_buf
        dev_buf[:, :nb] = np.where(np.isfinite(proxy.take(ci)), cand, -10**9).reshape(self.T, nb)
        dev = dev_buf.take(self._tidx)
        valid = dev.min(axis=0) > -10**9
        for a, b in self._pairs:
            valid &= dev[a] != dev[b]
        out = []
        for p in parts:
            self._val_buf[:, :nb] = p.take(ci).reshape(self.T, nb)
            out.append(self._val_buf.take(self._tidx).sum(axis=0))
        return dev, valid, out

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

    def best_response(self, b_other: NDArray) -> tuple[NDArray[np.int64], NDArray]:
        """Per slot t the group minimising U given ``b_other[t]`` (bits per local device
        delivered by the other slots). Returns ([T, J] groups, [T] objective values)."""
        D, coef, thr = self.demand, self.coef, self.threshold
        b0 = np.minimum(b_other, D)  # [T, nd]
        base_data = coef * (D - b0) ** 2
        served0 = b0 >= thr
        n0 = served0.sum(axis=1)  # [T]
        nb = np.minimum(b0[:, None, :] + self.rate_r, D)
        dd = coef * (D - nb) ** 2 - base_data[:, None, :]
        ns = (self.feas_r & ~served0[:, None, :] & (nb >= thr)).astype(np.float64)
        st = self.obj.served_term
        m1 = (st(n0 + 1) - st(n0))[:, None, None]
        proxy = np.where(self.feas_r, dd + m1 * ns, np.inf)
        dev, valid, (gd, gn) = self._enumerate(proxy, [dd, ns])
        n_new = n0[:, None] + gn
        val = np.where(valid, gd + st(n_new), np.inf)
        pick = val.argmin(axis=1)
        best = val[np.arange(self.T), pick] + base_data.sum(axis=1) + self.offset
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
                     swaps: bool = True) -> NDArray[np.int64]:
        """Best-improvement local search (see the module docstring); returns a valid
        schedule whose objective is <= that of ``schedule``."""
        sched = np.array(schedule, dtype=np.int64)
        contrib = self.slot_bits(sched)
        b = contrib.sum(axis=0)
        cur = float(self.values(b))
        for _ in range(max_moves):
            groups, vals = self.best_response(b[None] - contrib)
            t = int(vals.argmin())
            if vals[t] < cur - _IMPROVE_TOL:
                sched = self._apply_slot_moves(sched, groups, vals, cur)
                contrib = self.slot_bits(sched)
                b = contrib.sum(axis=0)
                cur = float(self.values(b))
                continue
            if not swaps:
                break
            move = self._best_exchange(sched, contrib, b, cur)
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
