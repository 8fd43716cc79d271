"""TST power model, user success model and the split-inference channels."""

import numpy as np
import pytest

from leo_envs.models import solar
from leo_envs.models.channels import correlated_complex_fading, dbm_to_w, linear_to_db
from leo_envs.models.compute_energy import snr_linear
from leo_envs.models.links import shannon_rate_bps
from leo_envs.models.split_channels import (
    distance_gain,
    ka_link_gain_linear,
    trajectory_positions_m,
)
from leo_envs.models.tst_power import TstParams, simulate_tst_year
from leo_envs.models.tst_users import UserParams, success_ratio


def test_ka_link_budget_spec_section_9():
    g = ka_link_gain_linear(780e3)
    snr = snr_linear(2.0, g, dbm_to_w(-174.0), 20e6)
    assert float(linear_to_db(snr)) == pytest.approx(15.168, abs=2e-3)
    for p, r in ((2.0, 101.638), (1.0, 82.48), (0.5, 64.09), (0.25, 47.06)):
        rate = shannon_rate_bps(20e6, snr_linear(p, g, dbm_to_w(-174.0), 20e6))
        assert float(rate) / 1e6 == pytest.approx(r, abs=0.01)


def test_trajectory_and_distance_gain():
    w = [(0.0, 0.0), (10.0, 0.0), (10.0, 10.0)]
    pos = trajectory_positions_m(w, 2)
    np.testing.assert_allclose(pos, [(0, 0), (5, 0), (10, 0), (10, 5), (10, 10), (5, 5)])
    assert float(distance_gain(50.0)) == 1.0
    assert float(linear_to_db(distance_gain(np.hypot(100, 40)))) == pytest.approx(-10.0, abs=0.1)
    with pytest.raises(ValueError, match="waypoints_m"):
        trajectory_positions_m([(0.0, 0.0)], 3)


def test_shared_gauss_markov_fading_is_unit_power_and_correlated():
    g = correlated_complex_fading(np.random.default_rng(0), 20_000, 1, 0.9, None)[:, 0]
    assert np.mean(np.abs(g) ** 2) == pytest.approx(1.0, abs=0.05)
    corr = np.mean(g[1:] * np.conj(g[:-1])).real
    assert corr == pytest.approx(0.9, abs=0.05)


def test_tst_power_follows_the_sun_and_stays_in_range():
    p = TstParams()
    year = simulate_tst_year(p, np.random.default_rng(0), first_day=171, n_days=3)
    assert year.p_tx_w.shape == (3, 288)
    assert np.all(year.p_tx_w >= p.p_min_w - 1e-12) and np.all(year.p_tx_w <= p.p_max_w)
    assert np.all((year.soc >= 0) & (year.soc <= 1))
    night = year.ghi_w_m2 == 0
    assert night.any() and np.all(year.p_pv_w[night] == 0)
    # the afternoon falls: 14:00 vs 17:00 on a June day
    assert year.p_tx_w[:, 14 * 12].mean() > year.p_tx_w[:, 17 * 12].mean()
    # GHI is zero whenever the sun is down for the whole slot (one time convention)
    assert np.all(year.ghi_w_m2[:, : 3 * 12] == 0)
    assert solar.GREENSBORO_UTC_OFFSET_H == -5


def test_user_success_by_hand():
    g = float(ka_link_gain_linear(780e3))
    n0 = float(dbm_to_w(-174.0))
    rng = np.random.default_rng(0)
    # every user prefers offloading here; announced 2 W admits floor(64 / 4) = 16 users,
    # an actual 1 W carries floor(32 / 4) = 8: 8 of 20 fail
    r = success_ratio([1.0, 2.0], [2.0, 2.0], g, n0, rng)
    np.testing.assert_allclose(r, [0.6, 1.0])
    assert np.all(success_ratio([0.7], [0.7], g, n0, rng) == 1.0)  # reality never fails
    r = success_ratio([2.0], [2.0], g, n0, rng, split_violated=[True])
    assert r[0] == pytest.approx(1 - 16 / 20)
    assert UserParams().n_users == 20
