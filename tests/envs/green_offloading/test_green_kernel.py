"""The compiled slot's numerical shortcuts against plain numpy: numpy's summation order, the
pow-free power law, and the fluid queue's midpoint rule (issue 13's speed work)."""

import numpy as np
import pytest

from leo_envs.envs.green_offloading import _kernel as kernel
from leo_envs.envs.green_offloading.dynamics import queue_drop
from leo_envs.envs.green_offloading.radio import drop_probability


@pytest.mark.parametrize("n", [*range(1, 40), 64, 127, 128, 129, 136, 200, 233, 240])
def test_np_sum_is_numpys_sum_to_the_bit(n):
    rng = np.random.default_rng(n)
    for _ in range(20):
        x = rng.standard_normal(n) * 10.0 ** rng.uniform(-3, 6, n)
        assert kernel.np_sum(x) == float(x.sum())


def test_np_sum_refuses_more_than_it_covers():
    with pytest.raises(ValueError, match="240"):
        kernel.np_sum(np.ones(250))


@pytest.mark.parametrize("exponent", [4.0, 0.25])
def test_power_law_is_within_two_ulp_of_pow(exponent):
    x = np.random.default_rng(1).uniform(0.0, 10.0, 20_000)
    fast = np.array([kernel.power_law(v, exponent) for v in x[:2000]])
    exact = np.power(x[:2000], exponent)
    np.testing.assert_allclose(fast, exact, rtol=4.5e-16, atol=0.0)
    assert np.any(fast != exact)  # a real shortcut, not pow itself


def test_power_law_other_exponents_are_pow():
    x = np.random.default_rng(2).uniform(0.0, 5.0, 500)
    for exponent in (2.0, 3.5, 1.0 / 3.0):
        assert all(kernel.power_law(v, exponent) == v**exponent for v in x)


def _queue_reference(backlog, inflow, rate, dt, base, sigma, steepness, points=4):
    """The midpoint rule of dynamics.queue_drop in plain numpy (one queue)."""
    lam = inflow / dt
    if rate > 0:
        t_star = sigma * (lam / rate) ** (1 / steepness) if lam > rate else sigma
        q_star = rate * max(t_star - base, 0.0)
    else:
        q_star = 0.0
    tau = (np.arange(points) + 0.5) / points * dt
    q = np.minimum(np.maximum(backlog + (lam - rate) * tau, 0.0), max(backlog, q_star))
    delay = base + (q / rate if rate > 0 else np.inf)
    p = drop_probability(delay, sigma, steepness)
    kept = 1.0 - p
    mean = (delay * kept)[kept > 0].sum() / kept.sum() if kept.sum() > 0 else np.inf
    return p.mean(), mean


def test_queue_drop_matches_the_plain_midpoint_rule():
    rng = np.random.default_rng(3)
    n = 400
    backlog = np.where(rng.random(n) < 0.4, 0.0, rng.uniform(0, 300, n))
    rate = np.where(rng.random(n) < 0.05, 0.0, rng.uniform(1, 80, n))
    inflow = rng.uniform(0, 2.0, n) * rate * 60.0 + rng.uniform(0, 50, n)
    base = rng.uniform(0.3, 1.0, n)
    for steepness in (4.0, 2.5):
        share, delay = queue_drop(backlog, inflow, rate, 60.0, base, 0.8, steepness)
        for i in range(n):
            ref_share, ref_delay = _queue_reference(
                backlog[i], inflow[i], rate[i], 60.0, base[i], 0.8, steepness
            )
            assert share[i] == pytest.approx(ref_share, rel=1e-13, abs=1e-15)
            assert delay[i] == pytest.approx(ref_delay, rel=1e-13)
    # the empty, under-loaded queue (the kernel's shortcut) is exactly the rule's value
    share, delay = queue_drop(np.zeros(3), np.array([10.0, 60.0, 0.0]), np.array([5.0, 1.0, 2.0]),
                              60.0, np.full(3, 0.7), 0.8, 4.0)  # fmt: skip
    assert share.tolist() == [0.0, 0.0, 0.0]
    assert delay.tolist() == [0.7, 0.7, 0.7]
