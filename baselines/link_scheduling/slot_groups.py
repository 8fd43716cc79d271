"""Dense per-slot link tables and the link-group searches of ADMM-HEU.

A link group of slot t is one device (or idle) per transmitter, unicast (12)-(13), every link
SINR-feasible under the set S of active C-band transmitters (20b). ``SlotGroups`` keeps the
instance's ``rate_bits`` / ``feasible`` tables restricted to the devices that have at least one
feasible link (local index d) and finds, for every slot (or (slot, context) row), the best
group under

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

0. none if the objective is at its lower bound (every device gets its best link in every
   slot: ``lower_bound``; reached whenever every device can be fully served, as for most
   K = 10 instances);
1. single-slot best responses (all slots evaluated in one batch; the best one applied,
   together with further improving ones whose devices do not meet, if that is better), with
   ``slot_cand`` = 2 candidates per (S, j) by default (None: all J; ``benchmarks/README.md``);
2. device relabelling over the whole schedule (``_best_relabel``): swap two devices in every
   position they occupy, or hand all positions of one device to another that shares no slot
   with it. The active C-band transmitters of every slot stay the same, so all nd^2 moves are
   scored exactly from the two changed devices' terms and x[a, c] (bits device c would get on
   device a's positions); this moves a device's data over several slots at once;
3. the best exchange of the contents of two (slot, transmitter) positions in different slots
   (all pairs; only the devices of the two changed slots are re-scored,
   ``_best_exchange``; exchanges inside one slot are single-slot moves);
4. ruin and recreate of two slots (``_best_pair_replan``): for all T (T - 1) ordered pairs
   (t1, t2) at once, both slots are cleared, t1 takes its best response to the other slots
   and then t2 its best response given the new t1 (two batched ``best_response`` calls with
   2 candidates per (S, j)); this can change the patterns of two slots together, which no
   single-slot move can do when each change alone is worse. The chosen pair is re-scored
   exactly before it is applied. At most ``pair_moves`` such searches (the most expensive
   move) per ``local_search``.

Implementation: the searches are compiled loops (``_kernels``, numba: at T = 10 slots and
K = 10-100 devices numpy's per-call overhead dominated a vectorised version).
Every (row, pattern, transmitter) keeps its top-m candidate devices (``_kernels._top_m``) and
all combinations of them come from one precomputed table per m (``_combo_table``, flat
indices into the row's [R m] candidate list plus J idle entries), scored in table order with
the first best kept. The tables ``*_ext`` carry two extra device columns (idle, and a device
without any feasible link) so that schedules index them without masks.
"""

from __future__ import annotations

import functools
import itertools

import numpy as np
from numpy.typing import NDArray

from baselines.link_scheduling import _kernels
from leo_envs.envs.link_scheduling.groups import Objective, active_set_indices, c_band_bits
from leo_envs.envs.link_scheduling.instance import LinkSchedulingInstance

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
        opts = [
            range(-1, m) if band[j] == 0 else (range(m) if (s >> c_idx.index(j)) & 1 else [-1])
            for j in range(J)
        ]
        for c in itertools.product(*opts):
            choices.append(c)
            pats.append(s)
    choice = np.array(choices, dtype=np.int64).reshape(-1, J)
    pat = np.array(pats, dtype=np.int64)
    idle = choice < 0
    row = np.array(
        [[row_of.get((s, j), row_of.get((0, j), 0)) for j in range(J)] for s in pats],
        dtype=np.int64,
    ).reshape(-1, J)
    flat = np.where(idle, len(rows) * m + np.arange(J), row * m + np.maximum(choice, 0))
    pairs = [
        (a, b)
        for a, b in itertools.combinations(range(J), 2)
        if not (idle[:, a].all() or idle[:, b].all())
    ]
    return flat, pairs, pat


@functools.lru_cache(maxsize=32)
def _ordered_slot_pairs(T: int) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """(t1, t2): all ordered pairs of different slots."""
    t1, t2 = np.meshgrid(np.arange(T), np.arange(T), indexing="ij")
    off = t1 != t2
    return t1[off], t2[off]


class SlotGroups:
    """Dense link tables of one instance over the devices with a feasible link."""

    def __init__(self, inst: LinkSchedulingInstance, n_cand: int | None = None) -> None:
        self.inst = inst
        self.obj = Objective(inst)
        feas = np.asarray(inst.feasible) & self.obj.present  # [T, S, J, K]
        self.devices = np.flatnonzero(feas.any(axis=(0, 1, 2)))
        dev = self.devices
        self.T, self.n_pat, self.J, _ = feas.shape
        self.nd = nd = dev.size
        # tables with two extra device columns (views without them below): nd = idle (no
        # bits, always allowed), nd + 1 = a device without any feasible link (never allowed)
        shape = (self.T, self.n_pat, self.J, nd + 2)
        self._feas_ext = np.zeros(shape, dtype=bool)
        self._feas_ext[..., :nd] = feas[..., dev]
        self._feas_ext[..., nd] = True
        self.feas = self._feas_ext[..., :nd]
        self._rate_ext = np.zeros(shape)
        np.copyto(self._rate_ext[..., :nd], np.asarray(inst.rate_bits)[..., dev], where=self.feas)
        self.rate = self._rate_ext[..., :nd]
        self.demand = self.obj.demand[dev]
        self.threshold = self.obj.threshold[dev]
        self.coef = self.obj.data_coef[dev]
        self._rho_ext = np.zeros(shape)
        np.minimum(1.0, self.rate / np.maximum(self.demand, 1e-300), out=self._rho_ext[..., :nd])
        self.rho = self._rho_ext[..., :nd]
        # served iff the shortfall D - b is at most D - D_th; served term per served count
        self._serve_short = self.demand - self.threshold
        counts = np.arange(self.obj.n_present + self.J + 2)
        self._served_lut = np.asarray(self.obj.served_term(counts), dtype=np.float64)
        missing = self.obj.present.copy()
        missing[dev] = False
        self.offset = float(self.obj.data_parts(np.zeros(inst.n_devices))[missing].sum())
        # a device gets at most one link per slot: its best link in every slot bounds its bits
        self.lower_bound = float(self.values(self.rate.max(axis=(1, 2)).sum(axis=0)))
        self.band = np.asarray(inst.band)
        self.m = max(1, min(n_cand or self.J, self.nd))
        self._rows()
        # C-contiguous [T, R, nd] (the compiled searches are specialised on the layout)
        self.feas_r = np.ascontiguousarray(self.feas[:, self.row_s, self.row_j])
        self.rate_r = np.ascontiguousarray(self.rate[:, self.row_s, self.row_j])
        self.rho_r = np.ascontiguousarray(self.rho[:, self.row_s, self.row_j])
        self._tables: dict[int, tuple[NDArray, NDArray, NDArray]] = {}
        self._all_slots = np.arange(self.T)
        self._local = np.full(inst.n_devices + 1, -1, dtype=np.int64)
        self._local[self.devices + 1] = np.arange(self.nd)
        # local device column of every instance code in the *_ext tables
        self._local_ext = np.full(inst.n_devices + 1, nd + 1, dtype=np.int64)
        self._local_ext[0] = nd
        self._local_ext[self.devices + 1] = np.arange(nd)
        # instance code of a local device d at index d + J; idle entries (-1 - j) -> 0
        self._code_of = np.concatenate([np.zeros(self.J, dtype=np.int64), self.devices + 1])
        self._pattern_bits = c_band_bits(inst.band)
        self._tx_pairs = (
            np.array(list(itertools.combinations(range(self.J), 2)), dtype=np.int64)
            .reshape(-1, 2)
            .T
        )
        self._ordered_pairs = _ordered_slot_pairs(self.T)

    def _rows(self) -> None:
        """The (pattern S, transmitter j) pairs that can carry a link: C-band j in S, and
        the Ka transmitters once (their rate does not depend on S; checked, else per S)."""
        bits = c_band_bits(self.inst.band)
        rows: list[tuple[int, int]] = []
        for j in range(self.J):
            if self.band[j] == 0:
                same = (self.rate[:, :, j] == self.rate[:, :1, j]).all() and (
                    self.feas[:, :, j] == self.feas[:, :1, j]
                ).all()
                rows.extend((s, j) for s in (range(1) if same else range(self.n_pat)))
            else:
                rows.extend((s, j) for s in range(self.n_pat) if s & bits[j])
        self.row_s = np.array([r[0] for r in rows], dtype=np.int64)
        self.row_j = np.array([r[1] for r in rows], dtype=np.int64)

    def patterns(self, groups: NDArray[np.int64]) -> NDArray[np.int64]:
        """Active-set index S of each group [..., J] (as ``active_set_indices``)."""
        return (groups > 0) @ self._pattern_bits

    # ------------------------------------------------------------------ combinations
    def _table(self, m: int) -> tuple[NDArray, NDArray, NDArray]:
        """(flat index table [C, J] into the [R m + J] candidate list of a row, colliding
        transmitter pairs as two index arrays) for m candidates per (pattern, transmitter),
        built on first use (``_combo_table``, cached per (band, m, rows))."""
        out = self._tables.get(m)
        if out is None:
            flat, pairs, _ = _combo_table(
                tuple(int(b) for b in self.band),
                m,
                tuple(zip(self.row_s.tolist(), self.row_j.tolist(), strict=True)),
            )
            pa = np.array([a for a, _ in pairs], dtype=np.int64)
            pb = np.array([b for _, b in pairs], dtype=np.int64)
            out = self._tables[m] = (np.ascontiguousarray(flat), pa, pb)
        return out

    def _m(self, m: int | None) -> int:
        return self.m if m is None else max(1, min(m, self.nd))

    def _groups(self, dev: NDArray) -> NDArray[np.int64]:
        """[n, J] groups in the instance's encoding (0 idle, k + 1) of local devices
        [n, J] (-1 idle)."""
        return self._code_of[dev + self.J]

    # ------------------------------------------------------------------ searches
    def best_linear(
        self, weight: NDArray, m: int | None = None
    ) -> tuple[NDArray[np.int64], NDArray]:
        """Per slot the group maximising sum over its links of ``weight[t, r, d]`` (rows r =
        (S, j) pairs ``row_s``/``row_j``; feasible links only; idle scores 0), exactly with
        the default m = J candidates per (S, j); a smaller ``m`` searches only the m best
        devices of every (S, j). Returns ([T, J] groups, [T] best values)."""
        m = self._m(m)
        w = np.ascontiguousarray(np.broadcast_to(weight, self.rate_r.shape), dtype=np.float64)
        dev, val = _kernels.best_linear_rows(w, self.feas_r, *self._table(m), m)
        return self._groups(dev), val

    def best_response(
        self, b_other: NDArray, ts: NDArray[np.int64] | None = None, m: int | None = None
    ) -> tuple[NDArray[np.int64], NDArray]:
        """Per slot t the group minimising U given ``b_other[t]`` (bits per local device
        delivered by the other slots). Returns ([T, J] groups, [T] objective values). With
        ``ts`` [n] (slot indices, repeats allowed) row i is the best group of slot ts[i] given
        ``b_other[i]`` ([n, J] groups, [n] values). ``m``: candidates per (pattern,
        transmitter), default ``self.m``: per (S, j) the m devices with the best separable
        proxy (data change + first marginal of the served term) are combined."""
        m = self._m(m)
        D, coef = self.demand, self.coef
        short0 = D - np.minimum(b_other, D)  # [n, nd] shortfall before the slot
        rows = self._all_slots if ts is None else np.asarray(ts, dtype=np.int64)
        dev, val = _kernels.best_response_rows(
            np.ascontiguousarray(short0),
            rows,
            self.rate_r,
            self.feas_r,
            coef,
            self._serve_short,
            self._served_lut,
            *self._table(m),
            m,
        )
        base_data = coef * short0 * short0
        return self._groups(dev), val + base_data.sum(axis=1) + self.offset

    # ------------------------------------------------------------------ schedules
    def slot_bits(
        self, schedule: NDArray[np.int64], table: NDArray | None = None
    ) -> NDArray[np.float64]:
        """[T, nd] bits each slot of a valid schedule delivers to each local device (or any
        other per-link ``table`` [T, S, J, nd], e.g. the normalised rates ``rho``)."""
        return self._bits(schedule[None], table)[0]

    def _bits(self, scheds: NDArray[np.int64], table: NDArray | None = None) -> NDArray:
        """[P, T, nd] per-slot bits of a batch of schedules [P, T, J] (a device at most once
        per slot; 0 for infeasible links)."""
        if table is None or table is self.rate:
            ext = self._rate_ext
        elif table is self.rho:
            ext = self._rho_ext
        else:
            ext = np.zeros(self._rate_ext.shape)
            np.copyto(ext[..., : self.nd], table, where=self.feas)
        P, T, J = scheds.shape
        d = self._local_ext[scheds]
        r = ext[np.arange(T)[:, None], self.patterns(scheds)[..., None], np.arange(J), d]
        out = np.zeros((P, T, self.nd + 2))
        out[np.arange(P)[:, None, None], np.arange(T)[:, None], d] = r
        return out[..., : self.nd]

    def _feasible(self, scheds: NDArray[np.int64]) -> NDArray[np.bool_]:
        """[P] validity of a batch of schedules [P, T, J] (unicast + feasible links)."""
        _, T, J = scheds.shape
        s = active_set_indices(scheds, self.band)
        local = np.full(self.inst.n_devices + 1, -1, dtype=np.int64)
        local[self.devices + 1] = np.arange(self.nd)
        d = local[scheds]
        on = scheds > 0
        ok = np.where(
            on,
            (d >= 0)
            & self.feas[np.arange(T)[None, :, None], s[..., None], np.arange(J), np.maximum(d, 0)],
            True,
        )
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

    def local_search(
        self,
        schedule: NDArray[np.int64],
        max_moves: int = 200,
        swaps: bool = True,
        relabel: bool = True,
        pair_moves: int = 200,
        pair_cand: int = 2,
        slot_cand: int | None = 2,
    ) -> NDArray[np.int64]:
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
            if cur <= self.lower_bound + _IMPROVE_TOL:
                break  # provably optimal: no move can improve
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

    def _group_bits(
        self, ts: NDArray[np.int64], groups: NDArray[np.int64]
    ) -> tuple[NDArray[np.bool_], NDArray]:
        """Validity [P] (unicast + feasible links) and per-device bits [P, nd] of groups
        [P, J] played in slots ``ts`` [P] (the bits of an invalid group are meaningless)."""
        P, J = groups.shape
        d = self._local_ext[groups]
        idx = (ts[:, None], self.patterns(groups)[:, None], np.arange(J), d)
        ok = self._feas_ext[idx].all(axis=1)
        a, b = groups[:, self._tx_pairs[0]], groups[:, self._tx_pairs[1]]
        ok &= ~((a == b) & (a > 0)).any(axis=1)
        bits = np.zeros((P, self.nd + 2))
        bits[np.arange(P)[:, None], d] = self._rate_ext[idx]
        return ok, bits[:, : self.nd]

    def _best_exchange(
        self, sched: NDArray[np.int64], contrib: NDArray, b: NDArray, cur: float
    ) -> NDArray[np.int64] | None:
        """The best improving exchange of the contents of two (slot, transmitter) positions
        in different slots (exchanges inside one slot are single-slot moves): only the
        devices of the two changed slots are re-scored (``_kernels.best_exchange``).
        Returns the new schedule, or None if no exchange improves."""
        val, t1, j1, t2, j2 = _kernels.best_exchange(
            self._local[sched],
            contrib,
            b,
            self._rate_ext,
            self._feas_ext,
            self._pattern_bits,
            self.demand,
            self.threshold,
            self.coef,
            self._served_lut,
            self.offset,
        )
        if not val < cur - _IMPROVE_TOL:
            return None
        out = sched.copy()
        out[t1, j1], out[t2, j2] = sched[t2, j2], sched[t1, j1]
        return out

    def _best_relabel(
        self, sched: NDArray[np.int64], b: NDArray, cur: float
    ) -> NDArray[np.int64] | None:
        """The best improving relabelling of two devices a != c over the whole schedule: swap
        (a takes every position of c and c every position of a) or merge (c takes every
        position of a, if no slot holds both; a is left without links). The active C-band
        transmitters of every slot stay the same, so each slot keeps its pattern S and a move
        only changes the links' devices and the terms of a and c; all nd (nd - 1) * 3 / 2
        moves are scored (``_kernels.best_relabel``). Returns the new schedule, or None if no
        relabelling improves."""
        bc = np.minimum(b, self.demand)
        data0 = float((self.coef * (self.demand - bc) ** 2).sum())
        val, kind, a, c = _kernels.best_relabel(
            self._local[sched],
            b,
            self._rate_ext,
            self._feas_ext,
            self._pattern_bits,
            self.demand,
            self.threshold,
            self.coef,
            self._served_lut,
            self.offset,
            data0,
        )
        if not val < cur - _IMPROVE_TOL:
            return None
        ka, kc = self.devices[a] + 1, self.devices[c] + 1
        out = sched.copy()
        if kind == 0:
            out[sched == ka], out[sched == kc] = kc, ka
        else:
            out[sched == ka] = kc
        return out

    def _best_pair_replan(
        self, sched: NDArray[np.int64], contrib: NDArray, b: NDArray, cur: float, pair_cand: int = 2
    ) -> NDArray[np.int64] | None:
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

    def _apply_slot_moves(
        self, sched: NDArray[np.int64], groups: NDArray[np.int64], vals: NDArray, cur: float
    ) -> NDArray[np.int64]:
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
