"""Mixed-integer convex quadratic formulation of P0 (eq. 20) on the instance's link tables.

Interference depends only on the set S of active C-band transmitters, so instead of
enumerating link groups g (|G| ~ 1e8 at K = 100) every slot picks one *pattern* S:

    z[t,S]       in {0,1}   pattern S is used in slot t;  sum_S z[t,S] = 1          (A)
    x[t,S,j,k]   in {0,1}   C-band link j->k in slot t under pattern S; only created where
                            ``feasible[t,S,j,k]`` (eligibility + SINR >= threshold, 20b)
    x[t,j,k]     in {0,1}   Ka (LEO) link; its SINR does not depend on S
    sum_k x[t,S,j,k] = z[t,S]            for C transmitters j in S                     (B)
    sum_{j in S} x[t,S,j,k] <= z[t,S]    unicast inside a pattern                     (C)
    sum_k x[t,j,k] <= 1                  for Ka transmitters                           (D)
    sum over all links of k in slot t <= 1   unicast (12)                             (E)
    sigma_k + sum_i min(1, r_i / D_k) x_i >= 1,  sigma_k in [0, 1]                       (F)
    sum_i min(1, r_i / D_th_k) x_i >= y_k,  y_k in {0,1}                               (G)
    u + sum_k y_k = Kp                                                                   (H)

    minimise  a (u / Kp)^2 + sum_k (c w_k D_k^2 / W) sigma_k^2            (20a, normalised)

(B) uses "=": a C-band transmitter of S must serve exactly one device (an idle transmitter
does not radiate, so S is *exactly* the set of active C-band transmitters and no solution is
represented twice). sigma_k is the normalised shortfall max(0, D_k - b_k) / D_k.
(F) and (G) use coefficient-tightened rates: capping a link's bits at D_k (resp. D_th_k)
changes no integer solution (delivered bits are capped at D_k; one link of >= D_th_k bits
serves k) but strengthens the continuous relaxation. For binary x, (G) holds with y_k = 1
iff b_k >= D_th_k. The per-slot constraints (A)-(E) describe a union of bipartite matching
polytopes, disjunctively, which keeps the relaxation tight.

Devices without any feasible link are dropped (constant contribution ``offset``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from leo_envs.envs.link_scheduling.groups import IDLE, Objective, replay
from leo_envs.envs.link_scheduling.instance import LinkSchedulingInstance

INF = np.inf


@dataclass
class Formulation:
    inst: LinkSchedulingInstance
    objective: Objective
    # links
    link_t: NDArray[np.int64]
    link_s: NDArray[np.int64]  # pattern index (-1 for Ka links)
    link_j: NDArray[np.int64]
    link_k: NDArray[np.int64]  # global device index
    link_d: NDArray[np.int64]  # local device index (into ``devices``)
    link_rate: NDArray[np.float64]  # raw bits
    rho_data: NDArray[np.float64]  # min(1, r / D)
    rho_serve: NDArray[np.float64]  # min(1, r / D_th)
    # patterns
    pat_t: NDArray[np.int64]
    pat_s: NDArray[np.int64]
    devices: NDArray[np.int64]  # global indices of the modelled devices
    # columns
    n_x: int
    n_z: int
    n_d: int
    # model
    A: sp.csr_matrix
    row_lo: NDArray[np.float64]
    row_hi: NDArray[np.float64]
    col_lo: NDArray[np.float64]
    col_hi: NDArray[np.float64]
    hess_diag: NDArray[np.float64]  # objective = sum_i hess_diag_i * v_i^2 + offset
    offset: float
    n_present: int
    row_kind: NDArray[np.int64]  # which block (A..H -> 0..7) each row belongs to

    # column offsets
    @property
    def z0(self) -> int:
        return self.n_x

    @property
    def y0(self) -> int:
        return self.n_x + self.n_z

    @property
    def sig0(self) -> int:
        return self.n_x + self.n_z + self.n_d

    @property
    def u_col(self) -> int:
        return self.n_x + self.n_z + 2 * self.n_d

    @property
    def n_cols(self) -> int:
        return self.u_col + 1

    def value(self, v: NDArray[np.float64]) -> float:
        return float((self.hess_diag * v[: self.n_cols] ** 2).sum() + self.offset)

    def schedule_from_links(self, on: NDArray[np.bool_]) -> NDArray[np.int64]:
        """[T, J] schedule from a boolean vector over the link columns."""
        inst = self.inst
        sched = np.zeros((inst.n_slots, inst.n_transmitters), dtype=np.int64)
        idx = np.flatnonzero(on)
        sched[self.link_t[idx], self.link_j[idx]] = self.link_k[idx] + 1
        return sched

    def links_from_schedule(self, schedule: NDArray[np.int64]) -> NDArray[np.float64]:
        """Full column vector (x, z, y, sigma, u) of a valid schedule (y = served)."""
        inst = self.inst
        v = np.zeros(self.n_cols)
        lookup = self._lookup()
        delivered = np.zeros(inst.n_devices)
        for t in range(inst.n_slots):
            g = np.asarray(schedule[t])
            s = inst.active_set_index(g)
            pat = self._pat_lookup().get((t, s))
            if pat is None:
                raise ValueError(f"slot {t}: pattern {s} not in the model")
            v[self.z0 + pat] = 1.0
            for j in np.flatnonzero(g > IDLE):
                key = (t, -1 if inst.band[j] == 0 else s, j, int(g[j] - 1))
                col = lookup[key]
                v[col] = 1.0
                delivered[g[j] - 1] += inst.rate_bits[t, s, j, g[j] - 1]
        delivered = np.minimum(delivered, inst.demand_bits)
        dem = inst.demand_bits[self.devices]
        v[self.y0 : self.y0 + self.n_d] = (
            delivered[self.devices] >= inst.threshold_bits[self.devices]
        )
        v[self.sig0 : self.sig0 + self.n_d] = np.maximum(dem - delivered[self.devices], 0) / dem
        v[self.u_col] = self.n_present - v[self.y0 : self.y0 + self.n_d].sum()
        return v

    def shortfalls(self, schedule: NDArray[np.int64]) -> NDArray[np.float64]:
        """Normalised shortfall sigma_d = max(0, D - b) / D of the modelled devices."""
        delivered = replay(self.inst, schedule)[self.devices]
        dem = self.inst.demand_bits[self.devices]
        return np.maximum(dem - delivered, 0.0) / dem

    def _lookup(self) -> dict[tuple[int, int, int, int], int]:
        if not hasattr(self, "_lk"):
            self._lk = {
                (int(t), int(s), int(j), int(k)): i
                for i, (t, s, j, k) in enumerate(
                    zip(self.link_t, self.link_s, self.link_j, self.link_k, strict=True)
                )
            }
        return self._lk

    def _pat_lookup(self) -> dict[tuple[int, int], int]:
        if not hasattr(self, "_pl"):
            self._pl = {
                (int(t), int(s)): i
                for i, (t, s) in enumerate(zip(self.pat_t, self.pat_s, strict=True))
            }
        return self._pl


def build_formulation(inst: LinkSchedulingInstance) -> Formulation:
    obj = Objective(inst)
    band = np.asarray(inst.band)
    c_idx = np.flatnonzero(band == 1)
    ka_idx = np.flatnonzero(band == 0)
    n_sub = 1 << c_idx.size
    T, K = inst.n_slots, inst.n_devices
    feas = np.asarray(inst.feasible) & np.asarray(inst.present)[None, None, None, :]
    rate = np.asarray(inst.rate_bits)

    lt, ls, lj, lk = [], [], [], []
    pt, ps = [], []
    for t in range(T):
        for s in range(n_sub):
            members = [j for i, j in enumerate(c_idx) if (s >> i) & 1]
            if any(not feas[t, s, j].any() for j in members):
                continue  # some transmitter of S could not serve anybody
            pt.append(t)
            ps.append(s)
            for j in members:
                ks = np.flatnonzero(feas[t, s, j])
                lt.extend([t] * ks.size)
                ls.extend([s] * ks.size)
                lj.extend([j] * ks.size)
                lk.extend(ks.tolist())
        for j in ka_idx:
            ks = np.flatnonzero(feas[t, 0, j])
            lt.extend([t] * ks.size)
            ls.extend([-1] * ks.size)
            lj.extend([j] * ks.size)
            lk.extend(ks.tolist())
    link_t = np.array(lt, dtype=np.int64)
    link_s = np.array(ls, dtype=np.int64)
    link_j = np.array(lj, dtype=np.int64)
    link_k = np.array(lk, dtype=np.int64)
    pat_t = np.array(pt, dtype=np.int64)
    pat_s = np.array(ps, dtype=np.int64)
    link_rate = rate[link_t, np.maximum(link_s, 0), link_j, link_k]

    devices = np.unique(link_k)
    local = np.full(K, -1, dtype=np.int64)
    local[devices] = np.arange(devices.size)
    link_d = local[link_k]
    dem = inst.demand_bits[link_k]
    thr = inst.threshold_bits[link_k]
    rho_data = np.minimum(1.0, link_rate / dem)
    rho_serve = np.minimum(1.0, link_rate / thr)

    n_x, n_z, n_d = link_t.size, pat_t.size, devices.size
    z0, y0, sig0 = n_x, n_x + n_z, n_x + n_z + n_d
    u_col = sig0 + n_d
    n_cols = u_col + 1
    rows, cols, vals, lo, hi, kind = [], [], [], [], [], []
    r = 0

    def add_row(cidx, cval, lo_v, hi_v, kd):
        nonlocal r
        rows.extend([r] * len(cidx))
        cols.extend(cidx)
        vals.extend(cval)
        lo.append(lo_v)
        hi.append(hi_v)
        kind.append(kd)
        r += 1

    pat_lookup = {(int(t), int(s)): i for i, (t, s) in enumerate(zip(pat_t, pat_s, strict=True))}
    # (A)
    for t in range(T):
        idx = np.flatnonzero(pat_t == t)
        add_row((z0 + idx).tolist(), [1.0] * idx.size, 1.0, 1.0, 0)
    # (B), (C)
    c_links = link_s >= 0
    for (t, s), p in pat_lookup.items():
        in_pat = np.flatnonzero(c_links & (link_t == t) & (link_s == s))
        if in_pat.size == 0:
            continue
        for j in np.unique(link_j[in_pat]):
            idx = in_pat[link_j[in_pat] == j]
            add_row([*idx.tolist(), z0 + p], [1.0] * idx.size + [-1.0], 0.0, 0.0, 1)
        ks, counts = np.unique(link_k[in_pat], return_counts=True)
        for k in ks[counts >= 2]:
            idx = in_pat[link_k[in_pat] == k]
            add_row([*idx.tolist(), z0 + p], [1.0] * idx.size + [-1.0], -INF, 0.0, 2)
    # (D)
    for t in range(T):
        for j in ka_idx:
            idx = np.flatnonzero((link_s < 0) & (link_t == t) & (link_j == j))
            if idx.size >= 2:
                add_row(idx.tolist(), [1.0] * idx.size, -INF, 1.0, 3)
    # (E)  (only rows that are not implied by (A)+(C): links of k in >= 2 patterns or Ka)
    for t in range(T):
        in_t = np.flatnonzero(link_t == t)
        ks = np.unique(link_k[in_t])
        for k in ks:
            idx = in_t[link_k[in_t] == k]
            n_groups = np.unique(link_s[idx]).size
            has_ka = bool((link_s[idx] < 0).any())
            if idx.size >= 2 and (n_groups >= 2 or has_ka):
                add_row(idx.tolist(), [1.0] * idx.size, -INF, 1.0, 4)
    # (F), (G)
    order = np.argsort(link_d, kind="stable")
    starts = np.searchsorted(link_d[order], np.arange(n_d + 1))
    for d in range(n_d):
        idx = order[starts[d] : starts[d + 1]]
        add_row([*idx.tolist(), sig0 + d], [*rho_data[idx].tolist(), 1.0], 1.0, INF, 5)
        add_row([*idx.tolist(), y0 + d], [*rho_serve[idx].tolist(), -1.0], 0.0, INF, 6)
    # (H)
    add_row(
        [*list(range(y0, y0 + n_d)), u_col],
        [1.0] * (n_d + 1),
        float(obj.n_present),
        float(obj.n_present),
        7,
    )

    A = sp.csr_matrix((vals, (rows, cols)), shape=(r, n_cols))
    col_lo = np.zeros(n_cols)
    col_hi = np.ones(n_cols)
    col_hi[u_col] = float(obj.n_present)
    col_lo[u_col] = float(obj.n_present - n_d)
    hess = np.zeros(n_cols)
    hess[u_col] = obj.a / obj.n_present**2
    dem_d = inst.demand_bits[devices]
    hess[sig0 : sig0 + n_d] = obj.data_coef[devices] * dem_d**2
    missing = np.setdiff1d(np.flatnonzero(obj.present), devices)
    offset = float(obj.data_parts(np.zeros(K))[missing].sum())
    return Formulation(
        inst=inst,
        objective=obj,
        link_t=link_t,
        link_s=link_s,
        link_j=link_j,
        link_k=link_k,
        link_d=link_d,
        link_rate=link_rate,
        rho_data=rho_data,
        rho_serve=rho_serve,
        pat_t=pat_t,
        pat_s=pat_s,
        devices=devices,
        n_x=n_x,
        n_z=n_z,
        n_d=n_d,
        A=A,
        row_lo=np.array(lo),
        row_hi=np.array(hi),
        col_lo=col_lo,
        col_hi=col_hi,
        hess_diag=hess,
        offset=offset,
        n_present=obj.n_present,
        row_kind=np.array(kind, dtype=np.int64),
    )
