"""ADMM-HEU: the (y, z)-update (25) (the compiled breakpoint solver ``_yz_fixed_gamma``
against the earlier candidate-enumeration implementation, kept verbatim below as the
reference; the exact outer loop of ``yz_update`` against the earlier numpy loop and against a
generic convex solve; local optimality of the returned z), the ADMM loop's stopping rule,
reproducibility, the local search's moves, and argument checks."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from baselines.link_scheduling import ADMMHeu
from baselines.link_scheduling.admm import _yz_fixed_gamma, yz_update
from leo_envs.envs.link_scheduling.groups import check_schedule
from tests.baselines.link_scheduling.helpers import make_env


def _reference_yz_fixed_gamma(
    tgt: NDArray, q: NDArray, theta: NDArray, gamma: float, rho: float
) -> tuple[NDArray, NDArray]:
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


def _random_case(rng: np.random.Generator, nd: int, T: int):
    """tgt [nd, T] with -inf entries (full rows included), q, theta, gamma, rho."""
    kind = rng.integers(5)
    scale = float(rng.choice([0.05, 0.3, 1.0, 3.0]))
    tgt = rng.normal(0.0, scale, (nd, T))
    if kind == 1:  # positive sums >= 1 already (mu = 0)
        tgt = np.abs(tgt) + 1.0 / T
    elif kind == 2:  # all negative
        tgt = -np.abs(tgt)
    elif kind == 3:  # ties
        tgt = np.round(tgt, 1)
    elif kind == 4:  # small, around the thresholds
        tgt = rng.uniform(-0.2, 0.4, (nd, T))
    mask = rng.random((nd, T)) < rng.choice([0.0, 0.2, 0.6])
    mask[rng.random(nd) < 0.2] = True  # rows without any feasible slot
    tgt[mask] = -np.inf
    q = rng.uniform(0.0, 2.0, nd) * (rng.random(nd) < 0.8)
    theta = rng.uniform(0.01, 1.0, nd)
    pick = rng.random(nd)
    theta[pick < 0.15] = 1.0
    theta[(pick >= 0.15) & (pick < 0.25)] = 1.0 - 1e-9
    gamma = float(rng.choice([0.0, 1e-3, 0.1, 1.0, 30.0]))
    rho = float(rng.choice([0.01, 1.0, 100.0]))
    return tgt, q, theta, gamma, rho


def _objective(
    z: NDArray, tgt: NDArray, q: NDArray, theta: NDArray, gamma: float, rho: float
) -> NDArray:
    """Per device: q (1 - s)_+^2 - gamma min(1, s / theta) + (rho/2) ||z - tgt||^2 over the
    entries with finite tgt (z = 0 on the others)."""
    fin = np.isfinite(tgt)
    s = z.sum(axis=1)
    dev = np.where(fin, z - np.where(fin, tgt, 0.0), 0.0)
    return (
        q * np.maximum(1.0 - s, 0.0) ** 2
        - gamma * np.minimum(1.0, s / theta)
        + 0.5 * rho * (dev**2).sum(axis=1)
    )


@pytest.mark.parametrize("nd", [1, 3, 10, 40])
@pytest.mark.parametrize("T", [1, 5, 10])
def test_fixed_gamma_matches_reference(nd, T):
    rng = np.random.default_rng(1000 * nd + T)
    for _ in range(150):
        tgt, q, theta, gamma, rho = _random_case(rng, nd, T)
        z, y = _yz_fixed_gamma(tgt, q, theta, gamma, rho)
        z_ref, y_ref = _reference_yz_fixed_gamma(tgt, q, theta, gamma, rho)
        assert z.shape == (nd, T) and y.shape == (nd,)
        np.testing.assert_allclose(z, z_ref, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(y, y_ref, rtol=1e-10, atol=1e-12)
        assert np.all(z[~np.isfinite(tgt)] == 0.0) and np.all(z >= 0.0)


def test_fixed_gamma_edge_cases():
    """Root exactly at the jump s = theta, at the kink s = 1, q = gamma = 0, all -inf."""
    inf = np.inf
    tgt = np.array(
        [
            [0.1, 0.1, -inf],  # rho = 1, gamma > 0.025: root on the jump s = theta
            [0.6, 0.4, 0.0],  # s(0) = 1
            [-inf, -inf, -inf],  # no feasible slot
            [0.2, -0.1, -0.3],  # q = gamma = 0: z = max(tgt, 0)
            [2.0, -inf, 0.5],  # s(0) > 1
            [-1.0, -2.0, -3.0],
        ]
    )  # all negative
    q = np.array([0.1, 1.0, 1.0, 0.0, 1.0, 0.3])
    theta = np.array([0.5, 1.0, 0.4, 0.3, 1.0, 1.0])
    for gamma in (0.0, 0.2, 5.0):
        for rho in (0.01, 1.0, 100.0):
            z, y = _yz_fixed_gamma(tgt, q, theta, gamma, rho)
            z_ref, y_ref = _reference_yz_fixed_gamma(tgt, q, theta, gamma, rho)
            np.testing.assert_allclose(z, z_ref, rtol=1e-10, atol=1e-12)
            np.testing.assert_allclose(y, y_ref, rtol=1e-10, atol=1e-12)
            if rho == 1.0 and gamma > 0.025:
                assert abs(z[0].sum() - 0.5) < 1e-12 and y[0] == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("seed", range(6))
def test_fixed_gamma_is_a_local_minimum(seed):
    """No feasible perturbation (z >= 0, z = 0 where tgt = -inf) lowers the objective."""
    rng = np.random.default_rng(seed)
    for _ in range(20):
        nd, T = int(rng.integers(1, 12)), int(rng.integers(1, 11))
        tgt, q, theta, gamma, rho = _random_case(rng, nd, T)
        z, _ = _yz_fixed_gamma(tgt, q, theta, gamma, rho)
        f0 = _objective(z, tgt, q, theta, gamma, rho)
        fin = np.isfinite(tgt)
        for eps in (1e-6, 1e-3, 1e-1):
            for _ in range(10):
                zp = np.where(fin, np.maximum(z + eps * rng.normal(size=z.shape), 0.0), 0.0)
                assert np.all(_objective(zp, tgt, q, theta, gamma, rho) >= f0 - 1e-9)


def _reference_yz_update(
    target: NDArray,
    has: NDArray,
    q: NDArray,
    theta: NDArray,
    a_srv: float,
    n_present: int,
    rho: float,
    gamma: float | None = None,
    outer_tol: float = 1e-12,
) -> tuple[NDArray, NDArray]:
    """The earlier numpy ``yz_update`` (Illinois regula falsi on the served-term multiplier
    over ``_reference_yz_fixed_gamma``), verbatim."""
    tgt = np.where(has, target, -np.inf)
    if gamma is not None or a_srv <= 0.0:
        return _reference_yz_fixed_gamma(
            tgt, q, theta, 0.0 if gamma is None else max(gamma, 0.0), rho
        )

    def resid(g: float) -> float:
        return g - 2.0 * a_srv * (
            n_present - _reference_yz_fixed_gamma(tgt, q, theta, g, rho)[1].sum()
        )

    g_lo, g_hi = 0.0, 2.0 * a_srv * n_present
    r_lo, r_hi = resid(g_lo), resid(g_hi)
    if r_lo >= 0.0:
        return _reference_yz_fixed_gamma(tgt, q, theta, g_lo, rho)
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
    return _reference_yz_fixed_gamma(tgt, q, theta, g_hi, rho)


@pytest.mark.parametrize("seed", range(8))
def test_exact_yz_update_matches_reference(seed):
    """gamma=None (exact outer loop, compiled) and a given gamma, against the earlier numpy
    ``yz_update`` on the reference solver."""
    rng = np.random.default_rng(seed)
    for _ in range(10):
        nd, T = int(rng.choice([1, 3, 10, 40])), int(rng.choice([1, 5, 10]))
        tgt, q, theta, gamma, rho = _random_case(rng, nd, T)
        has = np.isfinite(tgt)
        target = np.where(has, tgt, rng.normal(size=tgt.shape))
        a_srv = float(rng.choice([0.0, 1e-3, 0.1, 2.0]))
        kp = int(rng.integers(nd, 2 * nd + 1))
        for g in (None, gamma):
            z, y = yz_update(target, has, q, theta, a_srv, kp, rho, gamma=g)
            z_ref, y_ref = _reference_yz_update(target, has, q, theta, a_srv, kp, rho, gamma=g)
            np.testing.assert_allclose(z, z_ref, rtol=1e-10, atol=1e-12)
            np.testing.assert_allclose(y, y_ref, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_yz_update_is_exact(seed):
    """The closed-form (y, z) update of ADMM against a generic convex solve (SLSQP)."""
    from scipy.optimize import minimize

    rng = np.random.default_rng(seed)
    nd, T, kp = 4, 3, 6
    a, rho = rng.uniform(0.01, 1.0), rng.uniform(0.05, 2.0)
    has = rng.random((nd, T)) < 0.8
    q = rng.uniform(0.05, 0.5, nd)
    theta = rng.uniform(0.2, 0.6, nd)
    target = rng.uniform(-0.3, 0.6, (nd, T))
    z, y = yz_update(target, has, q, theta, a, kp, rho)

    def f(vec):
        zz = np.where(has, vec[: nd * T].reshape(nd, T), 0.0)
        s = zz.sum(axis=1)
        return (
            a * (kp - vec[nd * T :].sum()) ** 2
            + (q * np.maximum(1 - s, 0) ** 2).sum()
            + rho / 2 * ((zz - target) ** 2)[has].sum()
        )

    def served(vec, d):
        return np.where(has, vec[: nd * T].reshape(nd, T), 0)[d].sum() - theta[d] * vec[nd * T + d]

    cons = [{"type": "ineq", "fun": served, "args": (d,)} for d in range(nd)]
    starts = [
        np.concatenate([rng.uniform(0, 0.5, nd * T), rng.uniform(0, 1, nd)]) for _ in range(3)
    ]
    best = min(
        minimize(
            f,
            x0,
            bounds=[(0, None)] * (nd * T) + [(0, 1)] * nd,
            constraints=cons,
            method="SLSQP",
            options={"ftol": 1e-14, "maxiter": 1000},
        ).fun
        for x0 in starts
    )
    assert f(np.concatenate([z.ravel(), y])) <= best + 1e-9


def test_admm_loop_stops_on_the_residual_rule_and_runs_the_exact_update():
    _, inst = make_env(15, 2)
    loose = ADMMHeu(max_iters=50, tol=1e9, local_search=False)
    check_schedule(inst, loose.plan(inst))
    assert loose.last_info["iterations"] == 2  # the rule is checked from iteration 2 on
    full = ADMMHeu(max_iters=7, tol=0.0, local_search=False)
    full.plan(inst)
    assert full.last_info["iterations"] == 7
    exact = ADMMHeu(exact_yz=True, fw_steps=2)
    sched = exact.plan(inst)
    check_schedule(inst, sched)
    assert 0.0 <= exact.last_info["served_relaxed"] <= inst.n_devices
    assert np.isfinite(exact.last_info["primal_residual"])


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_admm_rejects_a_bad_oracle_candidate_count(bad):
    with pytest.raises(ValueError, match="lmo_cand"):
        ADMMHeu(lmo_cand=bad)


def test_admm_is_reproducible_and_local_search_only_improves():
    _, inst = make_env(30, 2)
    a, b = ADMMHeu(), ADMMHeu()
    np.testing.assert_array_equal(a.plan(inst), b.plan(inst))
    assert inst.score(a.plan(inst))["objective"] <= a.last_info["rounded_objective"] + 1e-12
    pure = ADMMHeu(local_search=False).plan(inst)
    check_schedule(inst, pure)
    assert inst.score(pure)["objective"] == pytest.approx(a.last_info["rounded_objective"])


def test_local_search_moves_can_be_disabled():
    """Each extra move only improves: the full search is no worse than the one without
    pair re-plans, and every variant returns a valid schedule."""
    _, inst = make_env(20, 1)
    full = ADMMHeu()
    vals = {}
    for name, planner in {
        "full": full,
        "no_pair": ADMMHeu(pair_moves=0),
        "plain": ADMMHeu(pair_moves=0, relabel=False),
    }.items():
        sched = planner.plan(inst)
        check_schedule(inst, sched)
        vals[name] = inst.score(sched)["objective"]
        assert vals[name] <= planner.last_info["rounded_objective"] + 1e-12
    assert vals["full"] <= vals["no_pair"] + 1e-12
