"""Compiled (numba) ADMM iterations of ADMM-HEU (paper 002, Alg. 1 lines 2-8; eqs. 24-26).

The maths is documented in ``admm.py``; this module runs it with scalar loops because at
T = 10 slots and K = 10-100 devices one iteration of the vectorised version is ~40 numpy calls
on arrays of a few hundred entries, i.e. almost all call overhead. Units as in ``admm.py``:
everything per device is in units of the device's demand.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from baselines.link_scheduling._kernels import best_linear_slot

_INF = np.inf


@njit(cache=True)
def yz_device(
    tgt: np.ndarray, q: float, theta: float, c: float, rho: float, z: np.ndarray
) -> float:
    """(25) for one device at a fixed served-term multiplier: z = argmin over z >= 0 of
    q (1 - s)_+^2 - gamma min(1, s / theta) + (rho/2) ||z - tgt||^2, s = sum_t z_t, c = gamma /
    theta, entries with tgt = -inf fixed at 0 (0 < theta <= 1). Writes z, returns
    y = min(1, s / theta).

    z = max(tgt + mu/rho, 0) with mu >= 0 the root of the increasing function
    phi(mu) = mu - 2 q (1 - s(mu))_+ - c [s(mu) < theta]. With phi' = phi without the positive
    part, k = #{t: phi'(-rho tgt_t) < 0} entries are positive at the root and U is their sum;
    on that segment s = U + k mu / rho and the root is the median of
    mu_B = 2q (1 - U) / (1 + 2qk/rho), mu_A = mu_B + c / (1 + 2qk/rho) and
    mu_K = rho (theta - U) / k (the root on the jump at s = theta), clipped at 0 (where
    s(0) > 1). Computed in units of nu = mu / rho."""
    T = tgt.shape[0]
    tq = 2.0 * q
    k = 0
    u = 0.0
    for t in range(T):
        if not tgt[t] > -_INF:
            continue
        s = 0.0
        for m in range(T):
            if tgt[m] > tgt[t]:
                s += tgt[m] - tgt[t]
        rhs = (1.0 - s) * tq
        if s < theta:
            rhs += c
        if tgt[t] * -rho < rhs:
            k += 1
            u += tgt[t]
    den = tq * k + rho
    nu = (1.0 - u) * tq / den
    nu_k = (theta - u) / (k + 1e-300)
    if nu > nu_k:
        nu_k = nu
    nu += c / den
    if nu_k < nu:
        nu = nu_k
    if nu < 0.0:
        nu = 0.0
    total = 0.0
    for t in range(T):
        zt = tgt[t] + nu if tgt[t] > -_INF else 0.0
        if zt < 0.0:
            zt = 0.0
        z[t] = zt
        total += zt
    y = total / theta
    return y if y < 1.0 else 1.0


@njit(cache=True)
def yz_fixed_gamma(
    tgt: np.ndarray,
    q: np.ndarray,
    theta: np.ndarray,
    gamma: float,
    rho: float,
    z: np.ndarray,
    y: np.ndarray,
) -> float:
    """``yz_device`` for every device (rows of ``tgt`` [nd, T]); writes z, y, returns sum y."""
    total = 0.0
    for d in range(tgt.shape[0]):
        y[d] = yz_device(tgt[d], q[d], theta[d], gamma / theta[d], rho, z[d])
        total += y[d]
    return total


@njit(cache=True)
def yz_exact(
    tgt: np.ndarray,
    q: np.ndarray,
    theta: np.ndarray,
    a_srv: float,
    n_present: int,
    rho: float,
    outer_tol: float,
    z: np.ndarray,
    y: np.ndarray,
) -> None:
    """(25) exactly: the served-term multiplier gamma solves gamma = 2 a_srv (Kp - sum y(gamma))
    (increasing residual; Illinois regula falsi on [0, 2 a_srv Kp] to ``outer_tol``)."""
    if a_srv <= 0.0:
        yz_fixed_gamma(tgt, q, theta, 0.0, rho, z, y)
        return
    g_lo, g_hi = 0.0, 2.0 * a_srv * n_present
    r_lo = g_lo - 2.0 * a_srv * (n_present - yz_fixed_gamma(tgt, q, theta, g_lo, rho, z, y))
    if r_lo >= 0.0:
        return
    r_hi = g_hi - 2.0 * a_srv * (n_present - yz_fixed_gamma(tgt, q, theta, g_hi, rho, z, y))
    side = 0
    for _ in range(100):
        if g_hi - g_lo <= outer_tol * max(g_hi, 1e-300) or r_hi <= 0.0:
            break
        g = (g_lo * r_hi - g_hi * r_lo) / (r_hi - r_lo)
        if not g_lo < g < g_hi:
            g = 0.5 * (g_lo + g_hi)
        r = g - 2.0 * a_srv * (n_present - yz_fixed_gamma(tgt, q, theta, g, rho, z, y))
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
    yz_fixed_gamma(tgt, q, theta, g_hi, rho, z, y)


@njit(cache=True)
def admm_iterations(
    rho_r: np.ndarray,
    feas_r: np.ndarray,
    has: np.ndarray,
    combos: np.ndarray,
    pa: np.ndarray,
    pb: np.ndarray,
    m: int,
    q: np.ndarray,
    theta: np.ndarray,
    a_srv: float,
    n_present: int,
    rho: float,
    max_iters: int,
    fw_steps: int,
    tol: float,
    exact_yz: bool,
):
    """Alg. 1 lines 2-8 on the relaxation: per iteration ``fw_steps`` Frank-Wolfe steps of
    the block updates (24) of all slots (linear minimisation oracle ``best_linear_slot``
    with m candidates per (S, j) under the weights (z + lam/rho - v)[d, t] rho_r[t, r, d],
    exact line search), the (y, z)-update (25) (linearised at the previous served count, or
    exact), the multiplier update (26); stop after ``max_iters`` or when the RMS primal
    residual ||z - v|| and the RMS change of v are both below ``tol``.

    Returns (FW vertices [n, T, J] (local devices, -1 idle; vertex 0 is the all-idle start),
    their step lengths [n, T], iterations, primal residual, dual residual, sum of y)."""
    T, R, nd = rho_r.shape
    J = combos.shape[1]
    n_hist = 1 + max_iters * fw_steps
    hist_dev = np.full((n_hist, T, J), -1, dtype=np.int64)
    hist_step = np.zeros((n_hist, T))
    hist_step[0, :] = 1.0
    z = np.zeros((nd, T))
    lam = np.zeros((nd, T))
    y = np.zeros(nd)
    v = np.zeros((T, nd))
    v_old = np.empty((T, nd))
    target = np.empty((T, nd))
    weight = np.empty((R, nd))
    vg = np.empty(nd)
    tgt = np.empty((nd, T))
    n_has = 0
    for d in range(nd):
        for t in range(T):
            if has[d, t]:
                n_has += 1
    scale = np.sqrt(max(n_has, 1))
    cand_dev = np.empty(R * m + J, dtype=np.int64)
    cand_w = np.empty(R * m + J)
    neg = np.empty(nd)
    top = np.empty(m, dtype=np.int64)
    n = 1
    r_norm = s_norm = _INF
    it = 0
    y_sum = 0.0
    for it in range(1, max_iters + 1):
        v_old[:, :] = v
        for t in range(T):
            for d in range(nd):
                target[t, d] = z[d, t] + lam[d, t] / rho
        for _ in range(fw_steps):  # (24), every slot
            for t in range(T):
                for r in range(R):
                    for d in range(nd):
                        weight[r, d] = (target[t, d] - v[t, d]) * rho_r[t, r, d]
                _, arg = best_linear_slot(
                    weight, feas_r[t], combos, pa, pb, m, cand_dev, cand_w, neg, top
                )
                vg[:] = 0.0
                for j in range(J):
                    k = combos[arg, j]
                    d = cand_dev[k]
                    if d >= 0:
                        hist_dev[n, t, j] = d
                        vg[d] += rho_r[t, k // m, d]
                num = 0.0
                den = 0.0
                for d in range(nd):
                    delta = vg[d] - v[t, d]
                    den += delta * delta
                    num += (target[t, d] - v[t, d]) * delta
                step = 0.0
                if den > 0.0:
                    step = min(max(num / den, 0.0), 1.0)
                for d in range(nd):
                    v[t, d] += step * (vg[d] - v[t, d])
                hist_step[n, t] = step
            n += 1
        for d in range(nd):  # (25)
            for t in range(T):
                tgt[d, t] = v[t, d] - lam[d, t] / rho if has[d, t] else -_INF
        if exact_yz:
            yz_exact(tgt, q, theta, a_srv, n_present, rho, 1e-12, z, y)
        else:
            gamma = max(2.0 * a_srv * (n_present - y_sum), 0.0)
            yz_fixed_gamma(tgt, q, theta, gamma, rho, z, y)
        y_sum = 0.0
        for d in range(nd):
            y_sum += y[d]
        r2 = 0.0
        s2 = 0.0
        for d in range(nd):  # (26)
            for t in range(T):
                res = z[d, t] - v[t, d]
                lam[d, t] += rho * res
                r2 += res * res
                dv = v[t, d] - v_old[t, d]
                s2 += dv * dv
        r_norm = np.sqrt(r2) / scale
        s_norm = np.sqrt(s2) / scale
        if it > 1 and r_norm < tol and s_norm < tol:
            break
    return hist_dev[:n], hist_step[:n], it, r_norm, s_norm, y_sum
