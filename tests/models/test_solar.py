"""Solar irradiance model and the shipped Greensboro TMY3 trace (paper 003, Sec. 2.2)."""

import numpy as np
import pytest

from leo_envs.models import solar
from leo_envs.models.solar import (
    GREENSBORO_LAT_DEG,
    GREENSBORO_LON_DEG,
    GREENSBORO_UTC_OFFSET_H,
    clear_sky_ghi_w_m2,
    ghi_trace_w_m2,
    interval_clear_sky_ghi_w_m2,
    parse_ghi_csv,
    pv_power_w,
    resample_w_m2,
    solar_elevation_deg,
)

YEAR_START_UTC = np.datetime64("2021-01-01T00:00") - np.timedelta64(GREENSBORO_UTC_OFFSET_H, "h")


def _hour_starts_utc(n_hours: int = 8760) -> np.ndarray:
    return YEAR_START_UTC + np.arange(n_hours).astype("timedelta64[h]")


def _max_elevation_over_interval_deg(starts, interval_s, lat, lon, samples=13):
    offsets = (np.linspace(0.0, interval_s, samples) * 1000).astype("timedelta64[ms]")
    times = starts.astype("datetime64[ms]")[:, None] + offsets
    return solar_elevation_deg(times, lat, lon).max(axis=1)


def _night_violations(ghi_hourly: np.ndarray) -> int:
    """Hours with GHI > 0 although the sun stays below the horizon all hour (1 deg margin
    for refraction and the solar-position error)."""
    max_el = _max_elevation_over_interval_deg(
        _hour_starts_utc(), 3600.0, GREENSBORO_LAT_DEG, GREENSBORO_LON_DEG
    )
    return int(np.count_nonzero((ghi_hourly > 0.0) & (max_el < -1.0)))


def test_shipped_trace_matches_published_statistics():
    ghi = ghi_trace_w_m2()
    assert ghi.shape == (8760,)
    assert ghi.min() == 0.0
    assert ghi.max() == 1013.0  # ANCHORS_NEXT 4.1, measured with pvlib's reader
    assert ghi.sum() / 1000.0 == pytest.approx(1566.2, abs=0.1)  # kWh/m^2/yr


def test_ghi_is_zero_whenever_the_sun_is_below_the_horizon():
    ghi = ghi_trace_w_m2()
    assert _night_violations(ghi) == 0
    # The check has teeth: a one-hour label shift (TMY2 vs TMY3 reader) breaks it.
    assert _night_violations(np.roll(ghi, 1)) > 50
    assert _night_violations(np.roll(ghi, -1)) > 50


def test_resampled_slots_are_zero_while_the_sun_is_down():
    day = 172  # 22 June
    hourly = ghi_trace_w_m2(day * 24, 24)
    starts = (
        YEAR_START_UTC
        + np.timedelta64(day * 24 * 60, "m")
        + np.arange(96) * np.timedelta64(15, "m")
    )
    shape = interval_clear_sky_ghi_w_m2(starts, 900.0, GREENSBORO_LAT_DEG, GREENSBORO_LON_DEG)
    slots = resample_w_m2(hourly, 900.0, shape=shape)
    max_el = _max_elevation_over_interval_deg(starts, 900.0, GREENSBORO_LAT_DEG, GREENSBORO_LON_DEG)
    assert np.all(slots[max_el < 0.0] == 0.0)
    assert np.count_nonzero(max_el < 0.0) >= 30  # a June night still has ~9 h of darkness
    np.testing.assert_allclose(slots.reshape(24, 4).mean(axis=1), hourly, rtol=1e-12, atol=1e-9)


def test_trace_window_and_wraparound():
    full = ghi_trace_w_m2()
    np.testing.assert_array_equal(ghi_trace_w_m2(100, 48), full[100:148])
    wrapped = ghi_trace_w_m2(8750, 20)
    np.testing.assert_array_equal(wrapped, np.concatenate([full[8750:], full[:10]]))
    wrapped[0] = -1.0  # a fresh array: the shipped data cannot be corrupted through it
    assert ghi_trace_w_m2(8750, 1)[0] == full[8750]


@pytest.mark.parametrize(
    ("kwargs", "exc", "name"),
    [
        ({"start_hour_of_year": 8760}, ValueError, "start_hour_of_year"),
        ({"start_hour_of_year": -1}, ValueError, "start_hour_of_year"),
        ({"start_hour_of_year": 1.5}, TypeError, "start_hour_of_year"),
        ({"n_hours": 0}, ValueError, "n_hours"),
    ],
)
def test_trace_bad_arguments(kwargs, exc, name):
    with pytest.raises(exc, match=name):
        ghi_trace_w_m2(**kwargs)


def test_interval_average_resampling_conserves_energy():
    rng = np.random.default_rng(1)
    hourly = rng.uniform(0.0, 1000.0, 48)
    for slot_s in (900.0, 600.0, 60.0):
        slots = resample_w_m2(hourly, slot_s)
        per_hour = int(3600 / slot_s)
        assert slots.shape == (48 * per_hour,)
        assert slots.sum() * slot_s == pytest.approx(hourly.sum() * 3600.0, rel=1e-12)
    shape = rng.uniform(0.0, 1.0, 48 * 4)
    shape[:4] = 0.0  # an hour without shape falls back to the flat split
    shaped = resample_w_m2(hourly, 900.0, shape=shape)
    np.testing.assert_allclose(shaped.reshape(48, 4).mean(axis=1), hourly, rtol=1e-12)
    np.testing.assert_allclose(shaped[:4], hourly[0])
    two_hourly = resample_w_m2(hourly, 7200.0)
    np.testing.assert_allclose(two_hourly, hourly.reshape(24, 2).mean(axis=1))


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        ((np.ones(4), 700.0), {}, "slot_s"),
        ((np.ones(5), 7200.0), {}, "slot_s"),
        ((np.ones(4), 0.0), {}, "slot_s"),
        ((np.array([1.0, -1.0]), 900.0), {}, "hourly_w_m2"),
        ((np.ones(2), 900.0), {"shape": np.ones(3)}, "shape"),
        ((np.ones(2), 900.0), {"shape": -np.ones(8)}, "shape"),
    ],
)
def test_resample_bad_arguments(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        resample_w_m2(*args, **kwargs)


def test_solar_elevation_hand_values():
    # June solstice 2021 (05 June 21 03:32 UTC): noon elevation at Greensboro = 90 - 36.1 + 23.44.
    times = np.datetime64("2021-06-21T14:00") + np.arange(0, 240, 1).astype("timedelta64[m]")
    el = solar_elevation_deg(times, GREENSBORO_LAT_DEG, GREENSBORO_LON_DEG)
    assert el.max() == pytest.approx(90.0 - 36.1 + 23.437, abs=0.02)
    # Local solar noon falls near 12:00 + 79.95 deg * 4 min/deg - EoT(-1.8 min) = 17:22 UTC.
    noon = times[np.argmax(el)]
    assert abs((noon - np.datetime64("2021-06-21T17:22")) / np.timedelta64(1, "m")) <= 1.0
    # Midnight sun below the horizon; broadcasting over [n_t, 1] x [n_site].
    grid = solar_elevation_deg(times[:, None], np.array([36.1, -36.1]), np.array([-79.95, 0.0]))
    assert grid.shape == (240, 2)


def test_clear_sky_haurwitz_hand_value_and_night():
    # Sun overhead at the subsolar point: 1098 exp(-0.059) = 1035.1 W/m^2.
    t = np.array([np.datetime64("2021-03-20T12:07")])
    value = clear_sky_ghi_w_m2(t, 0.0, 0.0)
    assert value[0] == pytest.approx(1098.0 * np.exp(-0.059), abs=0.5)
    assert clear_sky_ghi_w_m2(np.array([np.datetime64("2021-03-20T00:07")]), 0.0, 0.0)[0] == 0.0


def test_bad_times_and_coordinates():
    with pytest.raises(TypeError, match="datetime64"):
        solar_elevation_deg(np.array([1.0, 2.0]), 0.0, 0.0)
    with pytest.raises(ValueError, match="lat_deg"):
        solar_elevation_deg(np.array([np.datetime64("2021-01-01")]), 95.0, 0.0)
    with pytest.raises(ValueError, match="interval_s"):
        interval_clear_sky_ghi_w_m2(np.array([np.datetime64("2021-01-01")]), 0.0, 0.0, 0.0)


def test_pv_power_hand_value_and_errors():
    assert pv_power_w(800.0, 2.5, 0.2) == pytest.approx(400.0)
    np.testing.assert_allclose(pv_power_w(np.array([0.0, 1000.0]), 2.5, 0.2), [0.0, 500.0])
    for kwargs, name in (
        ({"ghi_w_m2": -1.0}, "ghi_w_m2"),
        ({"panel_area_m2": 0.0}, "panel_area_m2"),
        ({"efficiency": 1.5}, "efficiency"),
    ):
        args = {"ghi_w_m2": 100.0, "panel_area_m2": 1.0, "efficiency": 0.2}
        args.update(kwargs)
        with pytest.raises(ValueError, match=name):
            pv_power_w(**args)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("# only a comment\n", "header"),
        ("hour,ghi\n0,1\n", "header"),
        ("hour,ghi_w_m2\n0,1\n1,2\n", "8760"),
        ("hour,ghi_w_m2\n" + "\n".join(f"{h},x" for h in range(8760)), "non-numeric"),
        ("hour,ghi_w_m2\n" + "\n".join(f"{8759 - h},1" for h in range(8760)), "order"),
        ("hour,ghi_w_m2\n" + "\n".join(f"{h},-1" for h in range(8760)), ">= 0"),
    ],
)
def test_malformed_data_file_is_rejected(text, match):
    with pytest.raises(ValueError, match=match):
        parse_ghi_csv(text)


# --- cross-checks against pvlib (the `solar` extra; dev installs include it) ---------------


def test_solar_position_matches_pvlib():
    pvlib = pytest.importorskip("pvlib")
    import pandas as pd

    rng = np.random.default_rng(7)
    times = pd.date_range("2020-01-01", "2026-12-31", freq="37h", tz="UTC")
    lats = rng.uniform(-60, 60, 4)
    lons = rng.uniform(-180, 180, 4)
    for lat, lon in zip(lats, lons, strict=True):
        ref = pvlib.solarposition.get_solarposition(times, lat, lon, method="nrel_numpy")
        ours = solar_elevation_deg(times.tz_convert(None).to_numpy(), lat, lon)
        assert np.max(np.abs(ours - ref["elevation"].to_numpy())) < 0.05


def test_haurwitz_matches_pvlib():
    pvlib = pytest.importorskip("pvlib")
    import pandas as pd

    times = np.datetime64("2021-05-01") + np.arange(0, 48 * 60, 7).astype("timedelta64[m]")
    zenith = 90.0 - solar_elevation_deg(times, GREENSBORO_LAT_DEG, GREENSBORO_LON_DEG)
    ref = pvlib.clearsky.haurwitz(pd.Series(zenith))["ghi"].to_numpy()
    np.testing.assert_allclose(clear_sky_ghi_w_m2(times, 36.1, -79.95), ref, atol=1e-9)


def test_shipped_trace_matches_pvlib_reader():
    pytest.importorskip("pvlib")
    from leo_envs.data.derive_solar_data import derive

    ghi, header = derive()
    np.testing.assert_array_equal(ghi, ghi_trace_w_m2())
    assert "hour-ENDING" in header


def test_module_docstring_states_provenance_and_convention():
    doc = solar.__doc__
    for fragment in ("723170TYA.CSV", "read_tmy3", "interval average", "UTC-5", "hour-*ending*"):
        assert fragment in doc
