"""MILPOpt: an independent exact cross-check of OPT with HiGHS (``scipy.optimize.milp``).

Same constraints as ``formulation`` (patterns z, links x, served flags y, shortfalls
sigma). The convex quadratic objective is made linear exactly:

* served term a (u / Kp)^2 with u = Kp - sum_k y_k integer: epigraph theta >= the chords of
  the convex function through consecutive integers m, m + 1 (exact at every integer u);
* data term sum_k q_k sigma_k^2 (q_k = c w_k D_k^2 / W, sigma_k continuous): per-device
  epigraphs phi_k >= 2 s sigma_k - s^2 (tangents), an outer approximation refined by
  Kelley / OA iterations: solve the MILP, add the tangents at the solution's sigma, re-solve,
  until the MILP lower bound equals the true objective of its own solution (UB - LB <=
  1e-9 + 1e-7 |UB| measured against the env score; the MILP objective is a valid lower bound
  because tangents under-estimate a convex function). Finite: a repeated integer solution
  is priced exactly by the tangents added at it, so every non-final iteration finds a new
  integer assignment and there are finitely many.

HiGHS runs with ``mip_rel_gap = 0``; the objective is scaled by 1e4 so HiGHS' absolute gap
(1e-6, not exposed by scipy) stays far below the optimality tolerance. HiGHS' primal
feasibility tolerance (1e-7) lets the epigraph rows sit slightly below the true squared
shortfalls, which can leave a bound a few 1e-6 (relative) under the optimum that no tangent
moves: when the bound has not risen for ``stall_rounds`` rounds and the gap is at most
``stall_gap`` (default 1e-5 relative), the solve stops as optimal within that tolerance
(``gap`` reports the proven value). Two valid additions
speed it up without changing the optimum: the single-link cuts phi_k >= 1 - sum_i (2 rho_i -
rho_i^2) x_i (exact for 0 or 1 link of k, valid for any binary x since the squared shortfall
is supermodular in the link set) and an objective cutoff row at the incumbent (GRD + local
search, then the best solution found); an infeasible cutoff MILP proves the incumbent optimal.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.optimize import Bounds, LinearConstraint, milp

from baselines.common import ExactPlanner, OptResult, gap_closed, relative_gap
from baselines.link_scheduling.formulation import build_formulation
from leo_envs.envs.link_scheduling.instance import LinkSchedulingInstance

_SCALE = 1e4


@contextlib.contextmanager
def _quiet_stdout():
    """Silence C-level stdout (HiGHS may print even with disp=False)."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        yield
        return
    sys.stdout.flush()
    saved = os.dup(fd)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), fd)
            yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, fd)
        os.close(saved)


class MILPOpt(ExactPlanner):
    """Exact optimum by MILP + outer approximation. ``solve(instance) -> OptResult``."""

    name = "MILP"
    is_exact = True

    def __init__(
        self,
        time_limit_s: float = 60.0,
        max_rounds: int = 200,
        initial_tangents: int = 8,
        single_link_cuts: bool = True,
        incumbent_cutoff: bool = True,
        stall_rounds: int = 2,
        stall_gap: float = 1e-5,
    ) -> None:
        self.incumbent_cutoff = incumbent_cutoff
        self.stall_rounds = stall_rounds
        self.stall_gap = stall_gap
        self.single_link_cuts = single_link_cuts
        self.time_limit_s = time_limit_s
        self.max_rounds = max_rounds
        self.initial_tangents = initial_tangents
        self.last_result: OptResult | None = None

    def solve(self, instance: LinkSchedulingInstance) -> OptResult:
        t0 = time.perf_counter()
        f = build_formulation(instance)
        n = f.n_cols
        nd, kp = f.n_d, f.n_present
        theta = n
        phi0 = n + 1
        n_all = n + 1 + nd
        g = lambda m: f.hess_diag[f.u_col] * m**2  # noqa: E731
        # objective: theta + sum q_d phi_d
        cost = np.zeros(n_all)
        cost[theta] = 1.0
        q = f.hess_diag[f.sig0 : f.sig0 + nd]
        cost[phi0:] = q
        base = sp.hstack([f.A, sp.csr_matrix((f.A.shape[0], 1 + nd))], format="csr")
        # chords of g through integers m in [Kp - nd, Kp - 1]: theta - slope u >= g(m) - slope m
        ms = np.arange(kp - nd, kp)
        slopes = g(ms + 1) - g(ms)
        chords = sp.csr_matrix(
            (
                np.concatenate([np.ones(ms.size), -slopes]),
                (
                    np.concatenate([np.arange(ms.size)] * 2),
                    np.concatenate([np.full(ms.size, theta), np.full(ms.size, f.u_col)]),
                ),
            ),
            shape=(ms.size, n_all),
        )
        chord_lo = g(ms) - slopes * ms
        cut_rows, cut_lo = [], []

        def add_tangents(points: NDArray[np.float64]) -> None:
            # phi_d >= 2 s sigma_d - s^2  <=>  phi_d - 2 s sigma_d >= -s^2
            d = np.arange(nd)
            m = sp.csr_matrix(
                (
                    np.concatenate([np.ones(nd), -2.0 * points]),
                    (np.concatenate([d, d]), np.concatenate([phi0 + d, f.sig0 + d])),
                ),
                shape=(nd, n_all),
            )
            cut_rows.append(m)
            cut_lo.append(-(points**2))

        for s in np.linspace(1.0, 0.0, self.initial_tangents, endpoint=False)[::-1]:
            add_tangents(np.full(nd, s))
        if self.single_link_cuts:
            # phi_d >= 1 - sum_i (2 rho_i - rho_i^2) x_i: valid for binary x (the square of a
            # shortfall is supermodular in the link set; exact with 0 or 1 link)
            rho = f.rho_data
            m = sp.csr_matrix(
                (
                    np.concatenate([np.ones(nd), 2 * rho - rho**2]),
                    (
                        np.concatenate([np.arange(nd), f.link_d]),
                        np.concatenate([phi0 + np.arange(nd), np.arange(f.n_x)]),
                    ),
                ),
                shape=(nd, n_all),
            )
            cut_rows.append(m)
            cut_lo.append(np.ones(nd))
        integrality = np.zeros(n_all)
        integrality[: f.n_x + f.n_z + nd] = 1
        lb = np.concatenate([f.col_lo, [0.0], np.zeros(nd)])
        ub = np.concatenate([f.col_hi, [np.inf], np.full(nd, np.inf)])
        best_sched, best_val, lower = None, np.inf, -np.inf
        if self.incumbent_cutoff:
            from baselines.link_scheduling.greedy import greedy_schedule
            from baselines.link_scheduling.rounding import local_search
            from leo_envs.envs.link_scheduling.groups import Objective

            best_sched = local_search(instance, Objective(instance), greedy_schedule(instance))
            best_val = float(instance.score(best_sched)["objective"])
        status, rounds, stalled = "time_limit", 0, 0
        while rounds < self.max_rounds:
            left = self.time_limit_s - (time.perf_counter() - t0)
            if left <= 0:
                break
            rounds += 1
            cuts = sp.vstack(cut_rows, format="csr")
            A = sp.vstack([base, chords, cuts], format="csr")
            lo = np.concatenate([f.row_lo, chord_lo, np.concatenate(cut_lo)])
            hi = np.concatenate(
                [f.row_hi, np.full(ms.size, np.inf), np.full(cuts.shape[0], np.inf)]
            )
            if np.isfinite(best_val):
                # objective cutoff: the outer approximation of the optimum is <= its true
                # value <= the incumbent, so this row never removes an optimal solution
                A = sp.vstack([A, sp.csr_matrix(cost)], format="csr")
                lo = np.append(lo, -np.inf)
                hi = np.append(hi, best_val - f.offset + 1e-9 + 1e-7 * abs(best_val))
            with _quiet_stdout():
                res = milp(
                    cost * _SCALE,
                    integrality=integrality,
                    bounds=Bounds(lb, ub),
                    constraints=LinearConstraint(A, lo * 1.0, hi),
                    options={"disp": False, "mip_rel_gap": 0.0, "time_limit": max(left, 1e-3)},
                )
            if res.x is not None:
                x = res.x
                sched = f.schedule_from_links(x[: f.n_x] > 0.5)
                val = float(instance.score(sched)["objective"])
                if val < best_val:
                    best_val, best_sched = val, sched
            bound = getattr(res, "mip_dual_bound", None)
            previous = lower
            if res.status == 0:
                lower = max(
                    lower,
                    float(res.fun) / _SCALE + f.offset
                    if bound is None
                    else float(bound) / _SCALE + f.offset,
                )
            elif bound is not None and np.isfinite(bound):
                lower = max(lower, float(bound) / _SCALE + f.offset)
            if res.status == 2 and np.isfinite(best_val):
                # nothing beats the incumbent (cutoff row): it is optimal
                lower = max(lower, best_val)
                status = "optimal"
                break
            if res.status != 0 or res.x is None:
                break  # time limit inside HiGHS
            if gap_closed(best_val, lower):
                status = "optimal"
                break
            stalled = stalled + 1 if lower <= previous else 0
            if stalled >= self.stall_rounds and relative_gap(best_val, lower) <= self.stall_gap:
                status = "optimal"  # within HiGHS' tolerances; see the module docstring
                break
            # tangents at the *true* shortfalls of the MILP's schedule (its sigma may float
            # above them where no tangent is active)
            add_tangents(f.shortfalls(sched))
        if best_sched is None:
            from baselines.link_scheduling.greedy import greedy_schedule

            best_sched = greedy_schedule(instance)
            best_val = float(instance.score(best_sched)["objective"])
        lower = min(lower, best_val)
        return OptResult(
            schedule=best_sched,
            objective=best_val,
            lower_bound=lower,
            gap=relative_gap(best_val, lower),
            nodes=rounds,
            status=status,
            solve_time_s=time.perf_counter() - t0,
            info={"oa_rounds": rounds},
        )
