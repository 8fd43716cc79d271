"""ADMM-HEU: the ADMM heuristic of paper 002 (Alg. 1; spec section 6, eqs. 21-26).

Alg. 1 as implemented (all arrays dense numpy, every step vectorised over the T slots;
units: each device's demand, i.e. v[t,d] = sum over the links of d in t of min(1, r / D_d)):

* line 1 (relax, split): x_t = [x_{g,t}]_g, the relaxed block of slot t, is a point of
  X_t = conv{valid link groups of t} (eq. 24's X_t: x in [0,1]^|G|, sum_g x_g <= 1 with the
  empty group as slack, (20b) by construction). It is stored as a convex combination of
  explicitly generated groups (weights x_{g,t}); G is never enumerated. Auxiliary per-slot
  delivered data z[d,t] (21) and served flags y_d in [0,1]; f(y, z) of (22), normalised as
  in the env: f = a_srv (Kp - sum_d y_d)^2 + sum_d q_d (1 - sum_t z[d,t])_+^2,
  a_srv = a / Kp^2, q_d = c w_d D_d^2 / W; Z = {y in [0,1], z >= 0, sum_t z[d,t] >= theta_d
  y_d}, theta_d = D_th_d / D_d.
* line 5, (24), x-update: x_t <- argmin over X_t of (rho/2) ||z[:,t] + lam[:,t]/rho - v_t||^2,
  solved inexactly by ``fw_steps`` Frank-Wolfe steps warm-started at the previous x_t: the
  linear minimisation oracle over X_t is the best group under the per-link weights
  (z + lam/rho - v)[d,t] * min(1, r/D_d), found exactly for all slots at once by
  ``SlotGroups.best_linear``; the step length is the exact line search of the quadratic,
  gamma = clip(<target - v, V_g - v> / ||V_g - v||^2, 0, 1).
* line 5, (25), (y, z)-update: argmin over Z of f(y, z) + <lam, z - v> + (rho/2)||z - v||^2.
  Per device this is a one-dimensional monotone equation solved exactly by its breakpoints
  (``yz_update``); the served-count coupling (Kp - sum y)^2 is handled through its
  multiplier gamma_s = 2 a_srv (Kp - sum y), which ``yz_update`` finds exactly (regula
  falsi) when called without ``gamma``; inside the ADMM loop gamma_s is taken at the previous
  iterate (a linearised, prox-linear step; ``exact_yz=True`` solves (25) exactly instead).
* line 6, (26): lam <- lam + rho (z - v).
* stop after ``max_iters`` iterations or when the RMS primal residual ||z - v|| and the RMS
  change of v both fall below ``tol`` (Boyd et al.). (Stopping once the rounded schedule stops
  changing was tried: on K = 10-100, seeds 0-7 the rounding keeps changing up to I_max = 10,
  and stopping at its first repeat ends at the all-idle rounding with worse final gaps.)
* lines 9-13, rounding: per slot the group with the largest weight x_{g,t} (weights of equal
  groups are added); the all-idle group is a valid choice.

Beyond the paper (on by default, ``local_search=True``; ``local_search=False`` is the paper's
pure Alg. 1): the rounded schedule is improved by ``SlotGroups.local_search`` (pruned
single-slot best responses, device relabelling over the whole schedule (``relabel``),
pairwise exchanges of (slot, transmitter) contents and ruin-and-recreate of two slots (at
most ``pair_moves`` times), best improvement first, until no move improves or ``max_moves``
moves were made). Measured on K = 10-100 (seeds 0-7; 0-2 at K = 100), mean gap to OPT
(seeds 0-2 / 3-7): the two-slot re-plan took K = 20 from 21.4 % / 6.4 % to 2.6 % / 2.7 % and
K = 50 from 2.6 % / 1.5 % to 2.1 % / 0.7 % (K = 10: 0.6 % / 5.2 % -> 0.0 % / 4.6 %, K = 100:
1.4 % -> 0.5 %) at about 1.5-2x the run time (K = 20: ~15 -> 22-28 ms, K = 50: 20-28 ->
32-40 ms); the device relabelling (measured without the re-plan and with all J candidates in
the single-slot moves) helped only at K = 50 (3.7 % / 1.6 % -> 2.6 % / 1.5 %). With the
two-slot re-plan on, 1-8 or 12 ADMM iterations instead of 10 again gave mixed gaps (no
consistent gain at K = 10 or 20), so ``max_iters`` stays 10.

Parameters: ``rho_scale`` (rho = rho_scale * mean_d q_d, default 1), ``max_iters`` (I_max,
default 10: 8, 15 and 30 iterations gave mixed final gaps of the default variant on
K = 10-100, no consistent gain, and each iteration costs ~1 ms), ``tol`` (default 1e-3),
``fw_steps`` (Frank-Wolfe steps per block update, default 1), ``local_search`` (default
True), ``max_moves`` (default 200), ``relabel`` (default True), ``pair_moves`` (default
200, 0 disables the two-slot re-plan),
``rounding`` ("group": the paper's argmax_g x_{g,t}; "pattern": the heaviest group inside the
pattern of active C-band transmitters with the largest total weight), ``exact_yz``.
The T block updates (24) are independent and run as one vectorised batch.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from numpy.typing import NDArray

from baselines.link_scheduling.slot_groups import SlotGroups
from leo_envs.envs.link_scheduling.instance import LinkSchedulingInstance, active_set_indices


class ADMMHeu:
    """ADMM-HEU baseline (paper 002, Alg. 1). ``plan(instance)`` returns the rounded (and by
    default locally improved) schedule; ``last_info`` keeps iterations, residuals, time, the
    relaxed served count and the objective before the local search."""

    name = "ADMM-HEU"
    is_exact = False

    def __init__(self, rho_scale: float = 1.0, max_iters: int = 10, tol: float = 1e-3,
                 local_search: bool = True, rounding: str = "group",
                 fw_steps: int = 1, max_moves: int = 200, exact_yz: bool = False,
                 relabel: bool = True, pair_moves: int = 200) -> None:
        if rounding not in ("group", "pattern"):
            raise ValueError(f"rounding must be 'group' or 'pattern', got {rounding!r}")
        self.rounding = rounding
        self.rho_scale = rho_scale
        self.max_iters = max_iters
        self.tol = tol
        self.local_search = local_search
        self.fw_steps = fw_steps
        self.max_moves = max_moves
        self.exact_yz = exact_yz
        self.relabel = relabel
        self.pair_moves = pair_moves
        self.last_info: dict[str, Any] = {}
        self.last_plan_time_s = float("nan")

    def act(self, obs: Any, info: dict[str, Any]) -> NDArray[np.int64]:  # pragma: no cover
        raise RuntimeError("ADMMHeu is a planner: call plan(instance)")

    def plan(self, instance: LinkSchedulingInstance) -> NDArray[np.int64]:
        t0 = time.perf_counter()
        sched = self._run(instance)
        self.last_plan_time_s = time.perf_counter() - t0
        self.last_info["time_s"] = self.last_plan_time_s
        return sched

    # ------------------------------------------------------------------
    def _run(self, inst: LinkSchedulingInstance) -> NDArray[np.int64]:
        T, J = inst.n_slots, inst.n_transmitters
        sg = SlotGroups(inst)
        nd = sg.nd
        if nd == 0:
            self.last_info = {"iterations": 0}
            return np.zeros((T, J), dtype=np.int64)
        q = sg.coef * sg.demand**2
        theta = sg.threshold / sg.demand
        kp = sg.obj.n_present
        a_srv = sg.obj.a / kp**2
        q_mean = float(q.mean())
        rho = self.rho_scale * (q_mean if q_mean > 0 else max(a_srv, 1e-6))
        has = sg.feas.any(axis=(1, 2)).T  # [nd, T]
        scale = np.sqrt(max(int(has.sum()), 1))
        z = np.zeros((nd, T))
        lam = np.zeros((nd, T))
        y = np.zeros(nd)
        v = np.zeros((T, nd))  # v_t of the current x_t
        # x_t as a convex combination: history of FW vertices and step lengths
        empty = np.zeros((T, J), dtype=np.int64)
        hist_groups, hist_step = [empty], [np.ones(T)]
        r_norm = s_norm = np.inf
        it = 0
        for it in range(1, self.max_iters + 1):
            v_old = v
            target = (z + lam / rho).T  # [T, nd]
            for _ in range(self.fw_steps):  # (24), all slots at once
                groups, _ = sg.best_linear((target - v)[:, None, :] * sg.rho_r)
                vg = sg.slot_bits(groups, sg.rho)
                delta = vg - v
                den = (delta**2).sum(axis=1)
                step = np.clip(((target - v) * delta).sum(axis=1) / np.maximum(den, 1e-300),
                               0.0, 1.0)
                step = np.where(den > 0, step, 0.0)
                v = v + step[:, None] * delta
                hist_groups.append(groups)
                hist_step.append(step)
            gamma = None if self.exact_yz else 2.0 * a_srv * (kp - y.sum())
            z, y = yz_update(v.T - lam / rho, has, q, theta, a_srv, kp, rho, gamma=gamma)  # (25)
            lam = lam + rho * (z - v.T)  # (26)
            r_norm = float(np.linalg.norm(z - v.T)) / scale
            s_norm = float(np.linalg.norm(v - v_old)) / scale
            if it > 1 and r_norm < self.tol and s_norm < self.tol:
                break
        sched = self._round(inst, np.array(hist_groups), np.array(hist_step))
        rounded = float(sg.values(sg.slot_bits(sched).sum(axis=0)))
        if self.local_search:
            sched = sg.local_search(sched, max_moves=self.max_moves, relabel=self.relabel,
                                    pair_moves=self.pair_moves)
        self.last_info = {"iterations": it, "primal_residual": r_norm,
                          "dual_residual": s_norm, "rho": rho,
                          "served_relaxed": float(y.sum()), "rounded_objective": rounded}
        return sched

    def _round(self, inst: LinkSchedulingInstance, groups: NDArray[np.int64],
               steps: NDArray[np.float64]) -> NDArray[np.int64]:
        """Alg. 1 lines 9-13. ``groups`` [n, T, J] are the FW vertices in the order they were
        added with step lengths ``steps`` [n, T]; vertex i keeps the weight
        steps[i] * prod_{l > i} (1 - steps[l]) in x_t."""
        keep = np.concatenate([np.cumprod((1.0 - steps)[::-1], axis=0)[::-1][1:],
                               np.ones((1, steps.shape[1]))])
        weight = steps * keep  # [n, T]
        base = inst.n_devices + 1
        codes = (groups * base ** np.arange(groups.shape[2])).sum(axis=2)  # [n, T]
        out = np.zeros(groups.shape[1:], dtype=np.int64)
        for t in range(groups.shape[1]):
            uniq, first, inv = np.unique(codes[:, t], return_index=True, return_inverse=True)
            w = np.bincount(inv, weights=weight[:, t], minlength=uniq.size)
            if self.rounding == "pattern":
                pats = active_set_indices(groups[first, t], inst.band)
                mass = np.bincount(pats, weights=w)
                w = np.where(pats == int(mass.argmax()), w, -1.0)
            out[t] = groups[first[int(w.argmax())], t]
        return out


def _yz_fixed_gamma(tgt: NDArray, q: NDArray, theta: NDArray, gamma: float,
                    rho: float) -> tuple[NDArray, NDArray]:
    """Per device d: argmin over z >= 0 of q (1 - s)_+^2 - gamma min(1, s / theta)
    + (rho/2) ||z - tgt||^2, s = sum_t z_t (entries with tgt = -inf are fixed at 0).

    z = max(tgt + mu/rho, 0) with mu >= 0 the unique root of the increasing function
    mu - 2 q (1 - s(mu))_+ - (gamma/theta) [s(mu) < theta]; s(mu) is piecewise linear with
    breakpoints -rho tgt_t, so mu is found in closed form: on the segment where the i largest
    entries are positive, s = U_i + i mu / rho (U_i = sum of the i largest), and the root is one
    of mu_A = (2q(1 - U_i) + gamma/theta) / (1 + 2 q i / rho) (s < theta),
    mu_B = 2q(1 - U_i) / (1 + 2 q i / rho) (theta <= s < 1), mu_K = rho (theta - U_i) / i
    (s = theta, mu in [2q(1 - theta), 2q(1 - theta) + gamma/theta]), or mu = 0 (s(0) >= 1);
    all candidates are computed at once and the consistent one is kept."""
    nd, T = tgt.shape
    u = -np.sort(-tgt, axis=1)  # descending; -inf last
    fin = np.isfinite(u)
    cum = np.cumsum(np.where(fin, u, 0.0), axis=1)
    i = np.arange(1, T + 1, dtype=np.float64)
    lo = np.where(fin, np.maximum(0.0, -rho * u), np.inf)
    hi = np.concatenate([-rho * u[:, 1:], np.full((nd, 1), -np.inf)], axis=1)
    hi = np.where(np.isfinite(hi), hi, np.inf)
    qq, th, c = q[:, None], theta[:, None], gamma / theta[:, None]
    den = 1.0 + 2.0 * qq * i / rho
    tol = 1e-12 * (1.0 + qq + c)
    cands = []
    mu_a = (2.0 * qq * (1.0 - cum) + c) / den
    s_a = cum + i * mu_a / rho
    cands.append((mu_a, s_a < th))
    mu_b = 2.0 * qq * (1.0 - cum) / den
    s_b = cum + i * mu_b / rho
    cands.append((mu_b, (s_b >= th) & (s_b < 1.0)))
    mu_k = rho * (th - cum) / i
    k_lo = 2.0 * qq * (1.0 - th)
    cands.append((mu_k, (mu_k >= k_lo - tol) & (mu_k <= k_lo + c + tol)))
    mu = np.full(nd, np.inf)
    for m_, cond in cands:
        ok = cond & fin & (m_ >= lo - tol) & (m_ <= hi + tol)
        mu = np.minimum(mu, np.where(ok, m_, np.inf).min(axis=1))
    # segment 0 (every z_t = 0): s = 0 < theta, mu = 2q + gamma/theta if no entry is positive
    mu0 = 2.0 * q + gamma / theta
    first = np.where(fin[:, 0], -rho * u[:, 0], np.inf)
    mu = np.where(mu0 <= first + tol[:, 0], np.minimum(mu, mu0), mu)
    # s(0) >= 1: mu = 0
    s0 = np.where(fin, np.maximum(u, 0.0), 0.0).sum(axis=1)
    mu = np.where(s0 >= 1.0, 0.0, mu)
    mu = np.maximum(np.where(np.isfinite(mu), mu, 0.0), 0.0)
    z = np.where(np.isfinite(tgt), np.maximum(tgt + mu[:, None] / rho, 0.0), 0.0)
    return z, np.minimum(1.0, z.sum(axis=1) / theta)


def yz_update(target: NDArray, has: NDArray, q: NDArray, theta: NDArray, a_srv: float,
              n_present: int, rho: float, gamma: float | None = None,
              outer_tol: float = 1e-12) -> tuple[NDArray, NDArray]:
    """(25): argmin over y in [0,1], z >= 0 (z[d,t] = 0 where ``has`` is False),
    sum_t z[d,t] >= theta_d y_d of

        a_srv (Kp - sum_d y_d)^2 + sum_d q_d (1 - s_d)_+^2 + (rho/2) ||z - target||^2,

    s_d = sum_t z[d,t] (``target`` = v - lam/rho). At the optimum y_d = min(1, s_d/theta_d).
    Dualising the served term with gamma >= 0 (a_srv U^2 = max_gamma gamma U - gamma^2 /
    (4 a_srv), U = Kp - sum y) separates it per device (``_yz_fixed_gamma``, closed form). With
    ``gamma=None`` the outer gamma solves gamma = 2 a_srv U(gamma) (increasing residual;
    Illinois regula falsi on [0, 2 a_srv Kp] to ``outer_tol``), which makes the update exact;
    a given ``gamma`` (e.g. 2 a_srv U at the previous iterate) gives the linearised update.
    Returns (z [nd, T], y [nd]).
    """
    tgt = np.where(has, target, -np.inf)
    if gamma is not None or a_srv <= 0.0:
        return _yz_fixed_gamma(tgt, q, theta, 0.0 if gamma is None else max(gamma, 0.0), rho)

    def resid(g: float) -> float:  # increasing in g
        return g - 2.0 * a_srv * (n_present - _yz_fixed_gamma(tgt, q, theta, g, rho)[1].sum())

    g_lo, g_hi = 0.0, 2.0 * a_srv * n_present
    r_lo, r_hi = resid(g_lo), resid(g_hi)
    if r_lo >= 0.0:
        return _yz_fixed_gamma(tgt, q, theta, g_lo, rho)
    side = 0
    for _ in range(100):
        if g_hi - g_lo <= outer_tol * max(g_hi, 1e-300) or r_hi <= 0.0:
            break
        g = (g_lo * r_hi - g_hi * r_lo) / (r_hi - r_lo)
        if not g_lo < g < g_hi:
            g = 0.5 * (g_lo + g_hi)
        r = resid(g)
        if r >= 0.0:
            g_hi, r_hi = g, r
            if side == 1:
                r_lo *= 0.5
            side = 1
        else:
            g_lo, r_lo = g, r
            if side == -1:
                r_hi *= 0.5
            side = -1
    return _yz_fixed_gamma(tgt, q, theta, g_hi, rho)
