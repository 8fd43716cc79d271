"""Forecasters of GreenOffloading-v0 and forecast skill against smart persistence."""

import numpy as np
import pytest

from baselines.green_offloading.forecasters import (
    clear_sky_oracle,
    daylight,
    forecast_skill,
    kc_series,
    noisy_oracle,
    rmse,
    smart_persistence,
)


@pytest.fixture(scope="module")
def spring():
    return kc_series("greensboro", start_day=60, n_days=30)


@pytest.mark.parametrize("lead", [1, 2, 4])
def test_smart_persistence_has_zero_skill_by_definition(spring, lead):
    kc, _, clear = spring
    assert forecast_skill(smart_persistence(kc, lead), kc, clear, lead) == 0.0


def test_perfect_forecast_has_skill_one_and_noise_lowers_it(spring):
    kc, _, clear = spring
    assert forecast_skill(kc.copy(), kc, clear, 1) == 1.0
    rng = np.random.default_rng(0)
    small = forecast_skill(noisy_oracle(kc, 1, 0.02, rng), kc, clear, 1)
    large = forecast_skill(noisy_oracle(kc, 1, 0.5, rng), kc, clear, 1)
    assert 0.5 < small < 1.0 and large < small


def test_clear_sky_oracle_is_kc_one_and_worse_than_persistence_on_cloudy_days(spring):
    kc, _, clear = spring
    assert np.all(clear_sky_oracle(kc, 1) == 1.0)
    # March in Greensboro is cloudy: assuming clear sky loses to persistence.
    assert forecast_skill(clear_sky_oracle(kc, 1), kc, clear, 1) < 0.0


def test_persistence_shifts_by_the_lead_and_daylight_mask():
    kc = np.arange(6, dtype=float)
    np.testing.assert_array_equal(smart_persistence(kc, 2)[2:], kc[:4])
    assert np.isnan(smart_persistence(kc, 2)[:2]).all()
    assert daylight(np.array([0.0, 9.9, 10.0, 500.0])).tolist() == [False, False, True, True]
    with pytest.raises(ValueError, match="daylight"):
        rmse(kc, kc, np.zeros(6, dtype=bool))


def test_kc_series_is_zero_at_night_and_bounded(spring):
    kc, ghi, clear = spring
    assert kc.shape == ghi.shape == clear.shape == (30 * 96,)
    assert np.all(kc[clear < 10.0] == 0.0) and kc.max() <= 1.5
