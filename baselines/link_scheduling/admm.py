"""ADMM-HEU: the ADMM heuristic of paper 002 (Alg. 1; spec section 6, eqs. 21-26).

Relax x and y; split the slots into blocks x_t; auxiliary per-slot delivered data z[k,t];
augmented Lagrangian (23); per iteration: the T block updates (24), the (y, z) update (25)
and the multiplier update (26); stop after ``max_iters`` iterations or when the primal and
dual residuals fall below ``tol``; then round each slot to its most promising group.

Block x_t lives in the pattern/link space of ``formulation``: pattern masses z[t,S] and
links x[t,S,j,k] subject to the per-slot constraints (A)-(E), i.e. the convex hull of the
slot's valid link groups, which is the image of the paper's X_t = {x_t in [0,1]^|G|,
sum_g x_g <= 1, (20b)} without enumerating G. Everything is in units of each device's
demand: v[k,t] = sum_i min(1, r_i / D_k) x_i is the (capped) share of D_k delivered in t.

    f(y, z) = a ((Kp - sum_k y_k) / Kp)^2 + sum_k q_k max(0, 1 - sum_t z[k,t])^2,
              q_k = c w_k D_k^2 / W;   Z = {y in [0,1], z >= 0, sum_t z[k,t] >= D_th_k/D_k y_k}
    (24)  x_t <- argmin_{x_t in X_t} (rho/2) || z[:,t] + lam[:,t]/rho - v_t(x_t) ||^2
    (25)  (y, z) <- argmin_{(y,z) in Z} f(y, z) + <lam, z - v> + (rho/2) || z - v ||^2
    (26)  lam <- lam + rho (z - v)

Each update is a small convex QP with a constant diagonal Hessian, solved by HiGHS' QP
solver (``highspy``); only linear costs change between iterations. The T block updates are
independent (they read only z and lam); they are solved one after the other here (the
result does not depend on the order), and ``n_jobs > 1`` runs them in a thread pool.

Rounding (Alg. 1 lines 9-13): per slot, the pattern S with the largest mass z[t,S], then a
max-weight matching of its transmitters to devices on the fractional links
(``scipy.optimize.linear_sum_assignment``), then links that violate their SINR threshold
under the realised interference are dropped. The paper's method stops there
(``local_search=False``, the default); ``local_search=True`` adds a slot-wise greedy
improvement that is *not* part of the paper.

Parameters: ``rho_scale`` (the penalty is rho = rho_scale * mean_k q_k, default 1.0; tried
0.3-100 on K = 50: 1 was best), ``max_iters`` (I_max, default 30; 25 and 50 iterations gave
the same rounded quality on K = 50), ``tol`` (stop when the RMS primal residual ||z - v|| and
the RMS change of v both fall below it, in demand units per (k, t) entry; default 1e-3),
``rounding`` ("pattern", the brief's rule, or "group"), ``local_search``, ``n_jobs``.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import highspy
import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from baselines.link_scheduling.common import Objective
from baselines.link_scheduling.formulation import Formulation, build_formulation
from baselines.link_scheduling.rounding import local_search, round_fractional
from leo_envs.envs.link_scheduling.instance import LinkSchedulingInstance

INF = highspy.kHighsInf


def _highs_qp(A: sp.spmatrix, row_lo, row_hi, col_lo, col_hi, hess_diag) -> highspy.Highs:
    """A HiGHS model min 1/2 sum_i hess_i v_i^2 + c.v (c set later) s.t. row_lo <= A v <= row_hi."""
    h = highspy.Highs()
    h.silent()
    h.setOptionValue("output_flag", False)
    A = sp.csc_matrix(A)
    n = A.shape[1]
    lp = highspy.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = A.shape[0]
    lp.col_cost_ = np.zeros(n)
    lp.col_lower_ = np.asarray(col_lo, dtype=np.float64)
    lp.col_upper_ = np.where(np.isinf(col_hi), INF, col_hi).astype(np.float64)
    lp.row_lower_ = np.where(np.isinf(row_lo), -INF, row_lo).astype(np.float64)
    lp.row_upper_ = np.where(np.isinf(row_hi), INF, row_hi).astype(np.float64)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = A.indptr.astype(np.int32)
    lp.a_matrix_.index_ = A.indices.astype(np.int32)
    lp.a_matrix_.value_ = A.data.astype(np.float64)
    h.passModel(lp)
    nz = np.flatnonzero(hess_diag)
    hess = highspy.HighsHessian()
    hess.dim_ = n
    hess.format_ = highspy.HessianFormat.kTriangular
    counts = np.zeros(n, dtype=np.int32)
    counts[nz] = 1
    hess.start_ = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    hess.index_ = nz.astype(np.int32)
    hess.value_ = np.asarray(hess_diag, dtype=np.float64)[nz]
    h.passHessian(hess)
    return h


class _SlotBlock:
    """The x_t-update QP of one slot: columns [links of t | patterns of t | v of t]."""

    def __init__(self, f: Formulation, t: int) -> None:
        self.links = np.flatnonzero(f.link_t == t)
        self.pats = np.flatnonzero(f.pat_t == t)
        self.devs = np.unique(f.link_d[self.links])
        nl, npat, nv = self.links.size, self.pats.size, self.devs.size
        cols = np.concatenate([self.links, f.z0 + self.pats])
        A = f.A.tocsr()
        slot_rows = f.row_kind <= 4
        sub = A[slot_rows][:, cols]
        # rows of slot t: every nonzero of the row is a column of slot t
        inside = np.asarray(np.abs(A[slot_rows][:, cols]).sum(axis=1)).ravel()
        total = np.asarray(np.abs(A[slot_rows]).sum(axis=1)).ravel()
        keep = (inside > 0) & np.isclose(inside, total)
        sub = sub[keep]
        lo, hi = f.row_lo[slot_rows][keep], f.row_hi[slot_rows][keep]
        dloc = np.searchsorted(self.devs, f.link_d[self.links])
        R = sp.csr_matrix((f.rho_data[self.links], (dloc, np.arange(nl))), shape=(nv, nl))
        top = sp.hstack([sub, sp.csr_matrix((sub.shape[0], nv))])
        bottom = sp.hstack([-R, sp.csr_matrix((nv, npat)), sp.eye(nv)])
        self.h = _highs_qp(
            sp.vstack([top, bottom]),
            np.concatenate([lo, np.zeros(nv)]), np.concatenate([hi, np.zeros(nv)]),
            np.zeros(nl + npat + nv), np.concatenate([np.ones(nl + npat), np.full(nv, np.inf)]),
            # the argmin does not depend on rho: solve the unit-scaled QP 1/2 ||target - v||^2
            # (HiGHS' QP solver cycled on the rho-scaled one for small rho in our tests)
            np.concatenate([np.zeros(nl + npat), np.ones(nv)]),
        )
        self.h.setOptionValue("qp_iteration_limit", 20_000)
        self.v_cols = np.arange(nl + npat, nl + npat + nv, dtype=np.int32)
        self.last: NDArray[np.float64] | None = None
        self.failures = 0

    def solve(self, target: NDArray[np.float64]) -> NDArray[np.float64]:
        """argmin 1/2 ||target[devs] - v||^2 over the slot polytope; returns the primal.
        If HiGHS does not reach optimality the previous iterate is kept (counted)."""
        self.h.changeColsCost(self.v_cols.size, self.v_cols, -target[self.devs])
        self.h.run()
        if self.h.getModelStatus() == highspy.HighsModelStatus.kOptimal or self.last is None:
            if self.h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                self.failures += 1
            self.last = np.asarray(self.h.getSolution().col_value)
        else:
            self.failures += 1
        return self.last


class ADMMHeu:
    """ADMM-HEU baseline (paper 002, Alg. 1). ``plan(instance)`` returns the rounded schedule;
    ``last_info`` keeps iterations, residuals, time and the relaxed objective."""

    name = "ADMM-HEU"
    is_exact = False

    def __init__(self, rho_scale: float = 1.0, max_iters: int = 30, tol: float = 1e-3,
                 local_search: bool = False, rounding: str = "pattern", n_jobs: int = 1) -> None:
        self.rounding = rounding
        self.rho_scale = rho_scale
        self.max_iters = max_iters
        self.tol = tol
        self.local_search = local_search
        self.n_jobs = n_jobs
        self.last_info: dict[str, Any] = {}
        self.last_plan_time_s = float("nan")

    def act(self, obs, info):  # pragma: no cover - planners are replayed by the harness
        raise RuntimeError("ADMMHeu is a planner: call plan(instance)")

    def plan(self, instance: LinkSchedulingInstance) -> NDArray[np.int64]:
        t0 = time.perf_counter()
        sched = self._run(instance)
        self.last_plan_time_s = time.perf_counter() - t0
        self.last_info["time_s"] = self.last_plan_time_s
        return sched

    # ------------------------------------------------------------------
    def _run(self, inst: LinkSchedulingInstance) -> NDArray[np.int64]:
        f = build_formulation(inst)
        T, nd = inst.n_slots, f.n_d
        if nd == 0:
            self.last_info = {"iterations": 0}
            return np.zeros((T, inst.n_transmitters), dtype=np.int64)
        q = f.hess_diag[f.sig0 : f.sig0 + nd]
        q_mean = float(q.mean())
        rho = self.rho_scale * (q_mean if q_mean > 0 else max(float(f.hess_diag[f.u_col]), 1e-6))
        blocks = [_SlotBlock(f, t) for t in range(T)]
        theta = inst.threshold_bits[f.devices] / inst.demand_bits[f.devices]
        a_srv = float(f.hess_diag[f.u_col])  # a / Kp^2
        # (d, t) pairs that can receive data: z[d, t] only exists there
        has = np.zeros((nd, T), dtype=bool)
        for t, b in enumerate(blocks):
            has[b.devs, t] = True
        z = np.zeros((nd, T))
        lam = np.zeros((nd, T))
        v = np.zeros((nd, T))
        y = np.zeros(nd)
        prim = [np.zeros(0)] * T
        pool = ThreadPoolExecutor(self.n_jobs) if self.n_jobs > 1 else None
        r_norm = s_norm = np.inf
        it = 0
        scale = np.sqrt(has.sum())
        try:
            for it in range(1, self.max_iters + 1):
                target = z + lam / rho
                # (24): T independent block updates
                jobs = [(b, target[:, t]) for t, b in enumerate(blocks)]
                if pool is None:
                    prim = [b.solve(c) for b, c in jobs]
                else:
                    prim = list(pool.map(lambda job: job[0].solve(job[1]), jobs))
                v_old = v
                v = np.zeros((nd, T))
                for t, b in enumerate(blocks):
                    v[b.devs, t] = prim[t][b.v_cols]
                # (25): (y, z) update (exact, see yz_update)
                z, y = yz_update(v - lam / rho, has, q, theta, a_srv, f.n_present, rho)
                # (26): multipliers
                lam = lam + rho * (z - v)
                r_norm = float(np.linalg.norm(z - v)) / scale
                s_norm = float(np.linalg.norm(v - v_old)) / scale  # dual residual / rho
                if it > 1 and r_norm < self.tol and s_norm < self.tol:
                    break
        finally:
            if pool is not None:
                pool.shutdown()
        # assemble the fractional (pattern, link) solution of the last block updates
        zpat = np.zeros(f.n_z)
        xlink = np.zeros(f.n_x)
        for t, b in enumerate(blocks):
            nl = b.links.size
            xlink[b.links] = prim[t][:nl]
            zpat[b.pats] = prim[t][nl : nl + b.pats.size]
        sched = round_fractional(inst, f, zpat, xlink, self.rounding)
        if self.local_search:
            sched = local_search(inst, Objective(inst), sched)
        self.last_info = {"iterations": it, "primal_residual": r_norm,
                          "dual_residual": s_norm, "rho": rho,
                          "served_relaxed": float(y.sum()),
                          "qp_failures": int(sum(b.failures for b in blocks))}
        return sched


def yz_update(target: NDArray, has: NDArray, q: NDArray, theta: NDArray, a_srv: float,
              n_present: int, rho: float, iters: int = 45, outer_tol: float = 1e-12):
    """Exact (25): argmin over y in [0,1], z >= 0 (z[d,t] = 0 where ``has`` is False),
    sum_t z[d,t] >= theta_d y_d of

        a_srv (Kp - sum_d y_d)^2 + sum_d q_d (1 - s_d)_+^2 + (rho/2) ||z - target||^2,

    s_d = sum_t z[d,t] (``target`` = v - lam/rho). At the optimum y_d = min(1, s_d/theta_d),
    so the problem is convex in z alone. Dualising the served term with gamma >= 0
    ((a_srv) U^2 = max_gamma gamma U - gamma^2 / (4 a_srv), U = Kp - sum y) separates it per
    device: min_z q (1-s)_+^2 - gamma min(1, s/theta) + (rho/2)||z - target||^2, whose
    solution is z = max(target + mu/rho, 0) with mu the root of the monotone equation
    mu = 2 q (1 - s(mu))_+ + gamma/theta [s(mu) < theta] (bisection on [0, 2q + gamma/theta]).
    The outer gamma solves gamma = 2 a_srv U(gamma) (monotone in gamma; Illinois regula falsi
    on [0, 2 a_srv Kp] to ``outer_tol``). The inner bisection (``iters`` halvings) is
    vectorised over devices.
    """
    tgt = np.where(has, target, -np.inf)

    def inner(gamma: float):
        lo = np.zeros(q.size)
        hi = 2.0 * q + gamma / theta
        for _ in range(iters):
            mu = 0.5 * (lo + hi)
            s = np.maximum(tgt + mu[:, None] / rho, 0.0).sum(axis=1)
            rhs = 2.0 * q * np.maximum(1.0 - s, 0.0) + np.where(s < theta, gamma / theta, 0.0)
            up = mu >= rhs
            hi = np.where(up, mu, hi)
            lo = np.where(up, lo, mu)
        z = np.maximum(tgt + hi[:, None] / rho, 0.0)
        return z, np.minimum(1.0, z.sum(axis=1) / theta)

    if a_srv <= 0.0:
        return inner(0.0)

    def resid(gamma: float) -> float:  # increasing in gamma
        return gamma - 2.0 * a_srv * (n_present - inner(gamma)[1].sum())

    g_lo, g_hi = 0.0, 2.0 * a_srv * n_present
    r_lo, r_hi = resid(g_lo), resid(g_hi)
    if r_lo >= 0.0:
        return inner(g_lo)
    side = 0
    for _ in range(100):
        if g_hi - g_lo <= outer_tol * max(g_hi, 1e-300) or r_hi <= 0.0:
            break
        gamma = (g_lo * r_hi - g_hi * r_lo) / (r_hi - r_lo)
        if not g_lo < gamma < g_hi:
            gamma = 0.5 * (g_lo + g_hi)
        r = resid(gamma)
        if r >= 0.0:
            g_hi, r_hi = gamma, r
            if side == 1:
                r_lo *= 0.5
            side = 1
        else:
            g_lo, r_lo = gamma, r
            if side == -1:
                r_hi *= 0.5
            side = -1
    return inner(g_hi)
