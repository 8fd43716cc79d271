"""Tests for leo_envs.models.visibility.VisibilityIndex (passes, visibility, cache).

Pass windows are checked against a brute-force scan of exact SGP4 elevations on a fine
grid, computed here independently of ``leo_envs.models.frames`` (sgp4's own ``gstime``
for the TEME -> ECEF rotation, WGS84 ENU written out again).
"""

from __future__ import annotations

import pickle
from copy import deepcopy
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from sgp4.propagation import gstime

from leo_envs.models import visibility
from leo_envs.models.frames import julian_date
from leo_envs.models.shells import iridium, walker_delta
from leo_envs.models.tle import Constellation, load_tle
from leo_envs.models.visibility import GroundSite, PassTable, VisibilityIndex

EXCERPT = Path(__file__).resolve().parents[1] / "data" / "starlink_excerpt.tle"
EPOCH = datetime(2020, 5, 7, 0, 0, 0)
FINE_STEP_S = 0.5
WGS84_A_KM, WGS84_F = 6378.137, 1.0 / 298.257223563


def _brute_elevation(
    constellation: Constellation, start: datetime, t_s: np.ndarray, site: GroundSite
) -> np.ndarray:
    """[n_sat, n_t] elevation [deg] by direct per-satellite SGP4 and textbook geometry."""
    jd0, fr0 = julian_date(np.datetime64(start, "ns"))
    jd, fr = np.full(t_s.shape, float(jd0)), float(fr0) + t_s / 86_400.0
    theta = np.array([gstime(a + b) for a, b in zip(jd, fr, strict=True)])
    lat, lon = np.radians(site.lat_deg), np.radians(site.lon_deg)
    e2 = WGS84_F * (2 - WGS84_F)
    n = WGS84_A_KM / np.sqrt(1 - e2 * np.sin(lat) ** 2)
    ground = np.array(
        [
            (n + site.alt_km) * np.cos(lat) * np.cos(lon),
            (n + site.alt_km) * np.cos(lat) * np.sin(lon),
            (n * (1 - e2) + site.alt_km) * np.sin(lat),
        ]
    )
    up = np.array([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])
    out = np.empty((len(constellation), t_s.size))
    for i, sat in enumerate(constellation.satrecs):
        _, r, _ = sat.sgp4_array(jd, fr)
        x = np.cos(theta) * r[:, 0] + np.sin(theta) * r[:, 1]
        y = -np.sin(theta) * r[:, 0] + np.cos(theta) * r[:, 1]
        d = np.stack([x, y, r[:, 2]], axis=1) - ground
        out[i] = np.degrees(np.arcsin(d @ up / np.linalg.norm(d, axis=1)))
    return out


def _brute_windows(el: np.ndarray, t: np.ndarray, threshold: float):
    """(sat, first sample above, last sample above) of every run at/above ``threshold``."""
    out = []
    for sat, series in enumerate(el):
        above = np.concatenate([[False], series >= threshold, [False]]).astype(np.int8)
        change = np.diff(above)
        for a, b in zip(np.flatnonzero(change == 1), np.flatnonzero(change == -1) - 1, strict=True):
            k = a + int(np.argmax(series[a : b + 1]))
            # a concave peak sampled at k cannot exceed 2 el[k] - min(el[k-1], el[k+1])
            neighbours = series[max(k - 1, 0) : k + 2]
            bound = 2 * series[k] - neighbours.min()
            out.append((sat, t[a], t[b], series[k], t[k], bound))
    return out


def _assert_passes_match_scan(table: PassTable, el: np.ndarray, t: np.ndarray, thr: float):
    windows = _brute_windows(el, t, thr)
    assert len(table) == len(windows) > 0
    for sat, first, last, peak, peak_t, peak_bound in windows:
        match = np.flatnonzero((table.sat == sat) & (np.abs(table.rise_s - first) <= 1.0))
        assert match.size == 1, (sat, first)
        i = match[0]
        # the true rise lies in (first - step, first], the true set in [last, last + step)
        if first > 0:
            assert first - FINE_STEP_S - 1e-3 < table.rise_s[i] <= first + 1e-3
        else:
            assert table.rise_s[i] == 0.0
        if last < t[-1]:
            assert last - 1e-3 <= table.set_s[i] < last + FINE_STEP_S + 1e-3
        else:
            assert table.set_s[i] == t[-1]
        # 1e-6 deg: the two GMST implementations differ by ~1e-7 deg (float jd in gstime)
        assert table.max_elevation_deg[i] >= peak - 1e-6
        assert table.max_elevation_deg[i] <= peak_bound + 1e-6
        assert abs(table.culmination_s[i] - peak_t) <= 1.0
        assert table.rise_s[i] <= table.culmination_s[i] <= table.set_s[i]


@pytest.fixture(scope="module")
def iridium_index() -> VisibilityIndex:
    sites = [GroundSite(51.5, -0.1), GroundSite(70.0, 20.0, 0.05)]
    return VisibilityIndex(iridium(EPOCH), sites, EPOCH, 7200.0, 60.0, [10.0, 30.0])


@pytest.mark.parametrize("site", [0, 1])
def test_passes_match_a_fine_brute_force_scan(iridium_index: VisibilityIndex, site: int):
    t = np.arange(0.0, 7200.0 + FINE_STEP_S / 2, FINE_STEP_S)
    s = iridium_index.sites[site]
    el = _brute_elevation(iridium_index.constellation, EPOCH, t, s)
    _assert_passes_match_scan(
        iridium_index.passes(site), el, t, iridium_index.min_elevation_deg[site]
    )


def test_coarse_grid_finds_passes_that_peak_between_samples():
    # 5-minute samples: some low passes over the site stay below 20 deg at every sample
    shell = walker_delta(6, 11, 2, 780.0, 86.4, EPOCH)
    site = GroundSite(40.0, 10.0)
    index = VisibilityIndex(shell, [site], EPOCH, 7200.0, 300.0, 20.0)
    table = index.passes(0)
    grid_el = index.grid_elevation_deg(0)  # [n_t, n_sat]
    off_grid = [
        i
        for i in range(len(table))
        if not np.any(
            (grid_el[:, table.sat[i]] >= 20.0)
            & (index.times_s >= table.rise_s[i])
            & (index.times_s <= table.set_s[i])
        )
    ]
    assert off_grid, "the test needs at least one pass seen by no grid sample"
    t = np.arange(0.0, 7200.0 + FINE_STEP_S / 2, FINE_STEP_S)
    _assert_passes_match_scan(table, _brute_elevation(shell, EPOCH, t, site), t, 20.0)


def test_real_tle_passes_match_brute_force():
    tles = load_tle(EXCERPT)  # five Starlink satellites, epoch 2020-05-07 (day 128)
    site = GroundSite(45.0, 10.0)
    start = datetime(2020, 5, 7, 12, 0, 0)
    index = VisibilityIndex(tles, [site], start, 6 * 3600.0, 30.0, 15.0)
    t = np.arange(0.0, 6 * 3600.0 + FINE_STEP_S / 2, FINE_STEP_S)
    el = _brute_elevation(tles, start, t, site)
    _assert_passes_match_scan(index.passes(0), el, t, 15.0)
    # exact look angles agree with the independent computation at off-grid times
    for t_s in (17.5, 1234.5, 20_000.5):  # off the index grid, on the scan grid
        k = round(t_s / FINE_STEP_S)
        np.testing.assert_allclose(index.look_angles(0, t_s)[0], el[:, k], atol=1e-6)


def test_visible_and_remaining_window_follow_the_pass_table(iridium_index: VisibilityIndex):
    table = iridium_index.passes(0)
    inside = np.flatnonzero((table.rise_s > 0) & (table.set_s < iridium_index.duration_s))
    i = inside[0]
    sat = int(table.sat[i])
    mid = 0.5 * (table.rise_s[i] + table.set_s[i])
    assert iridium_index.visible(0, mid)[sat]
    assert sat in iridium_index.visible_sats(0, mid)
    assert iridium_index.remaining_window_s(0, sat, mid) == pytest.approx(table.set_s[i] - mid)
    # just before rise and just after set the satellite is not visible and has no window
    for t in (table.rise_s[i] - 0.01, table.set_s[i] + 0.01):
        assert not iridium_index.visible(0, t)[sat]
        assert iridium_index.remaining_window_s(0, sat, t) == 0.0
    # vectorised over satellites: 0 for the invisible ones, set - t for the visible ones
    rem = iridium_index.remaining_window_s(0, np.arange(iridium_index.n_sat), mid)
    visible = iridium_index.visible(0, mid)
    assert np.all(rem[~visible] == 0.0) and np.all(rem[visible] > 0.0)


def test_remaining_window_matches_a_forward_scan(iridium_index: VisibilityIndex):
    site, t0 = 0, 1800.0
    thr = iridium_index.min_elevation_deg[site]
    t = np.arange(t0, 7200.0 + FINE_STEP_S / 2, FINE_STEP_S)
    el = _brute_elevation(iridium_index.constellation, EPOCH, t, iridium_index.sites[site])
    rem = iridium_index.remaining_window_s(site, np.arange(iridium_index.n_sat), t0)
    checked = 0
    for sat in range(iridium_index.n_sat):
        if el[sat, 0] < thr:
            assert rem[sat] == 0.0
            continue
        below = np.flatnonzero(el[sat] < thr)
        if below.size == 0:
            continue  # still visible at the horizon's end
        assert t[below[0] - 1] - t0 - 1e-3 <= rem[sat] < t[below[0]] - t0 + 1e-3
        checked += 1
    assert checked >= 1


def test_visible_agrees_with_exact_elevation(iridium_index: VisibilityIndex):
    t = np.linspace(0.0, 7200.0, 97)
    visible = iridium_index.visible(1, t)
    el, az, rng = iridium_index.look_angles(1, t)
    assert visible.shape == el.shape == az.shape == rng.shape == (97, iridium_index.n_sat)
    thr = iridium_index.min_elevation_deg[1]
    clear = np.abs(el - thr) > 1e-6
    np.testing.assert_array_equal(visible[clear], el[clear] >= thr)
    assert visible.any()
    sats = iridium_index.visible_sats(1, t[40])
    np.testing.assert_array_equal(sats, np.flatnonzero(visible[40]))
    assert sats.dtype == np.int64


def test_exact_positions_on_and_off_the_grid(iridium_index: VisibilityIndex):
    on = iridium_index.sat_ecef_km(120.0)
    assert on.shape == (iridium_index.n_sat, 3)
    batch = iridium_index.sat_ecef_km(np.array([120.0, 120.5]))
    assert batch.shape == (2, iridium_index.n_sat, 3)
    np.testing.assert_allclose(batch[0], on, rtol=0, atol=1e-9)
    # a satellite at 780 km moves ~3.7 km in half a second
    step = np.linalg.norm(batch[1] - batch[0], axis=1)
    assert np.all((step > 3.0) & (step < 4.5))
    radius = np.linalg.norm(on, axis=1)
    assert np.all((radius > 6378.0 + 760.0) & (radius < 6378.0 + 800.0))
    # off-grid and grid paths give the same SGP4 positions
    off = visibility.VisibilityIndex(
        iridium_index.constellation, iridium_index.sites, EPOCH, 7200.0, 7.0, 10.0
    )
    np.testing.assert_allclose(off.sat_ecef_km(120.0), on, rtol=0, atol=1e-9)


def test_index_is_cached_by_content():
    shell = walker_delta(4, 5, 1, 600.0, 60.0, EPOCH)
    same = walker_delta(4, 5, 1, 600.0, 60.0, EPOCH)  # equal elements, another object
    site = GroundSite(10.0, 20.0)
    a = VisibilityIndex(shell, [site], EPOCH, 3600.0, 60.0, 10.0)
    before = visibility.cache_info()
    b = VisibilityIndex(same, [site], EPOCH, 3600.0, 60.0, 10.0)
    after = visibility.cache_info()
    assert after["hits"] == before["hits"] + 1 and after["misses"] == before["misses"]
    assert b._prop is a._prop and a.cache_key == b.cache_key
    assert a.passes(0) is b.passes(0)  # pass tables are shared too
    # another site reuses the propagation but not the key; another epoch misses
    c = VisibilityIndex(same, [GroundSite(0.0, 0.0)], EPOCH, 3600.0, 60.0, 10.0)
    assert c._prop is a._prop and c.cache_key != a.cache_key
    d = VisibilityIndex(shell, [site], EPOCH + timedelta(seconds=1), 3600.0, 60.0, 10.0)
    assert d._prop is not a._prop
    assert visibility.cache_info()["misses"] == after["misses"] + 1
    # a time-zone-aware start equal to the naive UTC one hits
    aware = EPOCH.replace(tzinfo=UTC)
    assert VisibilityIndex(shell, [site], aware, 3600.0, 60.0, 10.0)._prop is a._prop


def test_pickle_keeps_answers_and_propagation_is_bit_identical():
    tles = load_tle(EXCERPT)
    clone = pickle.loads(pickle.dumps(tles))
    jd, fr = np.full(50, 2458976.5), np.linspace(0.0, 2.0, 50)
    for a, b in zip(tles.satrecs, clone.satrecs, strict=True):
        np.testing.assert_array_equal(a.sgp4_array(jd, fr)[1], b.sgp4_array(jd, fr)[1])
    assert clone.names == tles.names and clone.content_hash == tles.content_hash
    index = VisibilityIndex(tles, [GroundSite(47.6, -122.3)], EPOCH, 3600.0, 60.0, 5.0)
    copy = pickle.loads(pickle.dumps(index))
    assert copy.cache_key == index.cache_key
    np.testing.assert_array_equal(copy.passes(0).rise_s, index.passes(0).rise_s)
    deep = deepcopy(index)  # rebuilt from its arguments: the cache answers
    assert deep._prop is index._prop and deep is not index


def test_grid_covers_the_whole_horizon():
    index = VisibilityIndex(
        walker_delta(2, 3, 1, 550.0, 53.0, EPOCH), [GroundSite(0.0, 0.0)], EPOCH, 130.0, 60.0
    )
    np.testing.assert_array_equal(index.times_s, [0.0, 60.0, 120.0, 130.0])
    assert index.min_elevation_deg == (0.0,)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"duration_s": 0.0}, "duration_s"),
        ({"duration_s": float("nan")}, "duration_s"),
        ({"step_s": 0.0}, "step_s"),
        ({"step_s": 7200.0}, "step_s"),
        ({"min_elevation_deg": [10.0, 20.0, 30.0]}, "min_elevation_deg"),
        ({"min_elevation_deg": 95.0}, "min_elevation_deg"),
        ({"sites": []}, "sites"),
    ],
)
def test_bad_index_arguments_name_the_parameter(kwargs, match):
    args = {
        "constellation": walker_delta(2, 3, 1, 550.0, 53.0, EPOCH),
        "sites": [GroundSite(0.0, 0.0), GroundSite(1.0, 1.0)],
        "start": EPOCH,
        "duration_s": 3600.0,
        "step_s": 60.0,
        "min_elevation_deg": 10.0,
    }
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        VisibilityIndex(**args)


def test_bad_queries_and_sites_are_rejected(iridium_index: VisibilityIndex):
    with pytest.raises(ValueError, match="site"):
        iridium_index.passes(2)
    with pytest.raises(TypeError, match="site"):
        iridium_index.visible(0.5, 0.0)
    with pytest.raises(ValueError, match="t_s"):
        iridium_index.visible(0, 7200.5)
    with pytest.raises(ValueError, match="t_s"):
        iridium_index.remaining_window_s(0, 0, -1.0)
    with pytest.raises(ValueError, match="sat"):
        iridium_index.remaining_window_s(0, 66, 10.0)
    with pytest.raises(ValueError, match="lat_deg"):
        GroundSite(91.0, 0.0)
    with pytest.raises(ValueError, match="alt_km"):
        GroundSite(0.0, 0.0, float("inf"))
