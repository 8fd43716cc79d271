"""Tests for leo_envs.models.visibility (windows and best satellite)."""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from leo_envs.models.frames import julian_date, look_angles, propagate_teme_km, teme_to_ecef_km
from leo_envs.models.tle import Constellation, load_tle
from leo_envs.models.visibility import best_visible_satellite, visibility_windows

EXCERPT = Path(__file__).resolve().parents[1] / "data" / "starlink_excerpt.tle"
EPOCH = datetime(2020, 5, 7, 0, 0, 0)


# --------------------------------------------------------------------------- visibility


def test_london_starlink_visibility_count(shell1: Constellation) -> None:
    times = np.datetime64(EPOCH, "ns") + np.arange(0, 24 * 60, 20).astype("timedelta64[m]")
    jd, fr = julian_date(times)
    r, _, _ = propagate_teme_km(shell1, (jd, fr))
    el, _, _ = look_angles(teme_to_ecef_km(r, jd, fr), 51.5, -0.1, 0.0)
    assert el.shape == (1584, times.size)
    n_visible = (el >= 25.0).sum(axis=0)
    # Expected ~15-22 on average for a 53 deg shell seen from 51.5 N; keep it broad.
    assert 8 <= n_visible.mean() <= 30
    assert n_visible.min() >= 1
    best = best_visible_satellite(el, min_elevation_deg=25.0)
    assert best.shape == (times.size,)
    assert np.all(best >= 0)
    np.testing.assert_array_equal(el[best, np.arange(times.size)], el.max(axis=0))


def test_visibility_windows_bracket_crossings_synthetic() -> None:
    t = np.linspace(0.0, 10.0, 1001)
    el = 30.0 * np.sin(t)  # crosses 10 deg at asin(1/3) + 2k*pi and pi - asin(1/3) + ...
    thr = 10.0
    windows = visibility_windows(el, t, thr)
    a = math.asin(thr / 30.0)
    rises = [a, a + 2 * math.pi]
    sets = [math.pi - a, 3 * math.pi - a]
    assert len(windows) == 2
    step = t[1] - t[0]
    for (start, end), rise, set_ in zip(windows, rises, sets, strict=True):
        assert start - step < rise <= start
        assert end <= set_ < end + step


def test_visibility_windows_truncated_at_series_edges() -> None:
    t = np.arange(6)
    el = np.array([20.0, 15.0, 5.0, 5.0, np.nan, 30.0])
    assert visibility_windows(el, t, 10.0) == [(0, 1), (5, 5)]
    assert visibility_windows(np.zeros(6), t, 10.0) == []


def test_visibility_windows_real_pass_datetime64() -> None:
    c = load_tle(EXCERPT)
    times = np.datetime64("2020-05-07T00:00", "ns") + np.arange(0, 24 * 3600, 30).astype(
        "timedelta64[s]"
    )
    jd, fr = julian_date(times)
    r, _, _ = propagate_teme_km(c, (jd, fr))
    el, _, _ = look_angles(teme_to_ecef_km(r, jd, fr), 51.5, -0.1, 0.0)
    series = el[0]
    windows = visibility_windows(series, times, 10.0)
    assert windows, "a 53 deg Starlink satellite passes over London within a day"
    index = {t: k for k, t in enumerate(times)}
    for start, end in windows:
        assert start.dtype == times.dtype
        ks, ke = index[start], index[end]
        assert ks <= ke
        assert np.all(series[ks : ke + 1] >= 10.0)
        if ks > 0:
            assert series[ks - 1] < 10.0  # the rising crossing is in (t[ks-1], t[ks]]
        if ke < times.size - 1:
            assert series[ke + 1] < 10.0  # the setting crossing is in [t[ke], t[ke+1])
        assert (end - start) < np.timedelta64(20, "m")  # LEO passes are minutes long


def test_visibility_windows_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="times shape"):
        visibility_windows(np.zeros(3), np.arange(4), 0.0)
    with pytest.raises(ValueError, match="strictly increasing"):
        visibility_windows(np.zeros(3), np.array([0, 2, 1]), 0.0)
    with pytest.raises(ValueError, match="min_elevation_deg"):
        visibility_windows(np.zeros(3), np.arange(3), float("nan"))


def test_best_visible_satellite() -> None:
    assert best_visible_satellite(np.array([5.0, 40.0, 30.0])) == 1
    assert best_visible_satellite(np.array([5.0, 40.0, 30.0]), min_elevation_deg=50.0) == -1
    assert best_visible_satellite(np.array([np.nan, -3.0, 2.0])) == 2
    assert best_visible_satellite(np.array([np.nan, -3.0])) == -1
    assert best_visible_satellite(np.array([])) == -1
    out = best_visible_satellite(np.array([[10.0, -5.0], [20.0, -1.0]]))
    np.testing.assert_array_equal(out, [1, -1])
    assert isinstance(best_visible_satellite(np.array([1.0])), int)
