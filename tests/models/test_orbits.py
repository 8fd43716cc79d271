"""Tests for leo_envs.models.orbits (TLE loading, SGP4 propagation, frames, visibility)."""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sgp4.api import WGS72, Satrec, SatrecArray, jday
from sgp4.propagation import gstime

from leo_envs.models.orbits import (
    R_EARTH_WGS72_KM,
    WGS84_A_KM,
    WGS84_F,
    Constellation,
    best_visible_satellite,
    geodetic_to_ecef_km,
    gmst_rad,
    iridium,
    julian_date,
    load_tle,
    look_angles,
    mean_motion_rad_min,
    propagate_teme_km,
    starlink_shell1,
    teme_to_ecef_km,
    tle_checksum,
    visibility_windows,
    walker_delta,
)

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
EXCERPT = DATA_DIR / "starlink_excerpt.tle"
SHARED_TLE = Path("/work/shared/data/starlink-2020-05-07.tle")
EPOCH = datetime(2020, 5, 7, 0, 0, 0)

L0 = "STARLINK-31"
L1 = "1 44235U 19029A   20128.16667824  .00034978  00000-0  20154-2 0  9997"
L2 = "2 44235  53.0035  38.0572 0001730  67.2101 205.9720 15.12101915 53963"
# A second, valid satellite (STARLINK-22) for multi-satellite malformed cases.
M0 = "STARLINK-22"
M1 = "1 44236U 19029B   20128.16667824  .00039927  00000-0  52883-3 0  9992"
M2 = "2 44236  53.0048   9.4111 0011887  79.6963   5.9282 15.57838918 54361"


def _with_checksum(line: str) -> str:
    """Return ``line`` (68 or 69 chars) with a correct checksum in column 69."""
    body = line[:68]
    return body + str(tle_checksum(body))


def _excerpt_lines() -> list[str]:
    return EXCERPT.read_text().splitlines()


# --------------------------------------------------------------------------- TLE loading


def test_load_excerpt_three_line_format() -> None:
    c = load_tle(EXCERPT)
    assert isinstance(c, Constellation)
    assert len(c) == 5
    assert c.names[:2] == ("STARLINK-31", "STARLINK-22")
    assert [s.satnum for s in c.satrecs] == [44235, 44236, 44237, 44238, 44239]
    for sat in c.satrecs:
        assert math.degrees(sat.inclo) == pytest.approx(53.0, abs=0.01)
    assert isinstance(c.satrec_array, SatrecArray)
    assert c.satrec_array is c.satrec_array  # cached


def test_load_str_path_pathlike_and_text_agree() -> None:
    text = EXCERPT.read_text()
    for src in (EXCERPT, str(EXCERPT), text):
        c = load_tle(src)
        assert len(c) == 5
        assert c.satrecs[3].jdsatepoch + c.satrecs[3].jdsatepochF == pytest.approx(
            2458975.5 + 0.47654236, abs=1e-9
        )


def test_load_two_line_format_crlf_and_blank_lines() -> None:
    lines = [ln for ln in _excerpt_lines() if ln.startswith(("1 ", "2 "))]
    text = "\r\n\r\n".join(lines[:2]) + "\r\n\r\n\r\n" + "\r\n".join(lines[2:]) + "\r\n"
    c = load_tle(text)
    assert len(c) == 5
    assert c.names[0] == "44235"  # named by catalogue number


def test_load_celestrak_zero_prefixed_names() -> None:
    c = load_tle(f"0 {L0}\n{L1}\n{L2}\n")
    assert c.names == (L0,)


def test_checksum_matches_column_69_for_real_lines() -> None:
    for ln in _excerpt_lines():
        if ln.startswith(("1 ", "2 ")):
            assert tle_checksum(ln) == int(ln[68])


@pytest.mark.skipif(
    not SHARED_TLE.exists(), reason=f"optional external data {SHARED_TLE} not present"
)
def test_load_full_shared_starlink_file() -> None:
    c = load_tle(SHARED_TLE)
    assert len(c) == 421
    # The file also carries a few launch-debris objects ("FALCON 9 DEB").
    assert sum(name.startswith("STARLINK") for name in c.names) > 400
    assert all(name.startswith(("STARLINK", "FALCON 9")) for name in c.names)
    r, _, err = propagate_teme_km(c, np.array(["2020-05-07T12:00"], dtype="datetime64[ns]"))
    ok = err[:, 0] == 0
    assert ok.mean() > 0.95
    alt = np.linalg.norm(r[ok, 0], axis=-1) - R_EARTH_WGS72_KM
    assert np.all((alt > 150) & (alt < 700))


def _write(tmp_path: Path, lines: list[str]) -> Path:
    p = tmp_path / "bad.tle"
    p.write_text("\n".join(lines) + "\n")
    return p


@pytest.mark.parametrize(
    ("lines", "bad_line", "fragment"),
    [
        # bad checksum on line 2 of the first satellite (file line 3)
        ([L0, L1, L2[:68] + str((int(L2[68]) + 1) % 10)], 3, "checksum mismatch"),
        # truncated line 1
        ([L0, L1[:60], L2], 2, "bad length"),
        # lines 1 and 2 swapped
        ([L0, L2, L1], 2, "expected TLE line 1"),
        # 2-line format starting with line 2
        ([L2, L1], 1, "found TLE line 2"),
        # missing line 2 at end of input: the error points at line 1 (file line 5)
        ([L0, L1, L2, M0, M1], 5, "missing TLE line 2"),
        # missing line 2 mid-file: the next satellite's name line arrives instead
        ([L0, L1, M0, M1, M2], 3, "missing TLE line 2"),
        # catalogue numbers of line 1 and 2 differ (checksum kept valid)
        ([L0, L1, _with_checksum(L2[:2] + "44299" + L2[7:])], 3, "catalogue number mismatch"),
        # unparsable inclination field (checksum kept valid)
        ([L0, L1, _with_checksum(L2[:8] + "  xx.abc" + L2[16:])], 3, "unparsable inclination"),
        # unparsable epoch (checksum kept valid)
        ([L0, _with_checksum(L1[:20] + "128.1666782X" + L1[32:]), L2], 2, "unparsable epoch"),
        # name line not followed by anything
        ([L0, L1, L2, M0], 4, "not followed by TLE line 1"),
    ],
)
def test_malformed_tle_raises_with_file_and_line_number(
    tmp_path: Path, lines: list[str], bad_line: int, fragment: str
) -> None:
    path = _write(tmp_path, lines)
    with pytest.raises(ValueError, match=re.escape(fragment)) as info:
        load_tle(path)
    msg = str(info.value)
    assert str(path) in msg
    assert f"line {bad_line}:" in msg


def test_malformed_tle_line_numbers_count_blank_lines() -> None:
    text = f"\n\n{L0}\n\n{L1}\n{L2[:50]}\n"
    with pytest.raises(ValueError, match=r"<text>: line 6: .*bad length") as info:
        load_tle(text)
    assert "expected 69" in str(info.value)


def test_empty_tle_input_raises() -> None:
    with pytest.raises(ValueError, match="no TLEs found"):
        load_tle("\n\n  \n")


# --------------------------------------------------------------------------- time


def test_julian_date_matches_sgp4_jday() -> None:
    stamps = [
        (2020, 5, 7, 0, 0, 0.0),
        (2020, 5, 7, 23, 59, 59.5),
        (1992, 8, 20, 12, 14, 0.0),
        (2000, 1, 1, 12, 0, 0.25),
        (2024, 2, 29, 6, 30, 15.125),
    ]
    times = np.array(
        [
            np.datetime64(datetime(y, mo, d, h, mi)) + np.timedelta64(int(s * 1e9), "ns")
            for y, mo, d, h, mi, s in stamps
        ],
        dtype="datetime64[ns]",
    )
    jd, fr = julian_date(times)
    for k, stamp in enumerate(stamps):
        jd_ref, fr_ref = jday(*stamp)
        assert jd[k] == jd_ref
        assert fr[k] == pytest.approx(fr_ref, abs=1e-15)
    assert np.all((fr >= 0) & (fr < 1))


def test_julian_date_rejects_nat() -> None:
    with pytest.raises(ValueError, match="NaT"):
        julian_date(np.array(["2020-01-01", "NaT"], dtype="datetime64[s]"))


# --------------------------------------------------------------------------- propagation


def test_propagation_matches_direct_sgp4() -> None:
    c = load_tle(EXCERPT)
    times = np.datetime64("2020-05-07T00:00:00", "ns") + np.arange(0, 6 * 3600, 137).astype(
        "timedelta64[s]"
    )
    r, v, err = propagate_teme_km(c, times)
    assert r.shape == (5, times.size, 3)
    assert v.shape == (5, times.size, 3)
    assert err.shape == (5, times.size)
    assert np.all(err == 0)

    lines = [ln for ln in _excerpt_lines() if ln.startswith(("1 ", "2 "))]
    for k in range(5):
        sat = Satrec.twoline2rv(lines[2 * k], lines[2 * k + 1], WGS72)
        for j, t in enumerate(times.astype("datetime64[us]").astype(datetime)):
            jd_ref, fr_ref = jday(
                t.year, t.month, t.day, t.hour, t.minute, t.second + t.microsecond * 1e-6
            )
            e, r_ref, v_ref = sat.sgp4(jd_ref, fr_ref)
            assert e == 0
            np.testing.assert_allclose(r[k, j], r_ref, rtol=0, atol=1e-9)
            np.testing.assert_allclose(v[k, j], v_ref, rtol=0, atol=1e-12)


def test_propagation_accepts_jd_fr_tuple() -> None:
    c = load_tle(EXCERPT)
    times = np.array(["2020-05-07T01:00", "2020-05-07T02:30"], dtype="datetime64[ns]")
    r1, v1, e1 = propagate_teme_km(c, times)
    r2, v2, e2 = propagate_teme_km(c, julian_date(times))
    np.testing.assert_array_equal(r1, r2)
    np.testing.assert_array_equal(v1, v2)
    np.testing.assert_array_equal(e1, e2)


def test_propagation_rejects_bad_times() -> None:
    c = load_tle(EXCERPT)
    with pytest.raises(ValueError, match="shape"):
        propagate_teme_km(c, (np.zeros(3) + 2458976.5, np.zeros(2)))
    with pytest.raises(ValueError, match="one-dimensional"):
        propagate_teme_km(c, np.full((2, 2), np.datetime64("2020-05-07", "ns")))


# --------------------------------------------------------------------------- frames


def test_gmst_vallado_example_3_5() -> None:
    # Vallado, Fundamentals of Astrodynamics and Applications, Example 3-5:
    # 1992 Aug 20 12:14 UT1 -> GMST = 152.578787810 deg.
    jd, fr = jday(1992, 8, 20, 12, 14, 0.0)
    assert math.degrees(float(gmst_rad(jd, fr))) == pytest.approx(152.578787810, abs=1e-6)


def test_gmst_matches_sgp4_gstime() -> None:
    times = (
        np.datetime64("1990-01-01", "ns")
        + np.arange(0, 40 * 365, 97).astype("timedelta64[D]")
        + np.timedelta64(12345, "s")
    )
    jd, fr = julian_date(times)
    ours = gmst_rad(jd, fr)
    ref = np.array([gstime(a + b) for a, b in zip(jd, fr, strict=True)])
    diff = np.angle(np.exp(1j * (ours - ref)))
    assert np.max(np.abs(np.degrees(diff))) < 1e-6
    assert np.all((ours >= 0) & (ours < 2 * np.pi))


def test_teme_to_ecef_rotation_properties() -> None:
    c = load_tle(EXCERPT)
    times = np.datetime64("2020-05-07T00:00", "ns") + np.arange(0, 3600, 300).astype(
        "timedelta64[s]"
    )
    jd, fr = julian_date(times)
    r, _, _ = propagate_teme_km(c, (jd, fr))
    ecef = teme_to_ecef_km(r, jd, fr)
    assert ecef.shape == r.shape
    np.testing.assert_allclose(
        np.linalg.norm(ecef, axis=-1), np.linalg.norm(r, axis=-1), rtol=1e-14
    )
    np.testing.assert_array_equal(ecef[..., 2], r[..., 2])
    # The TEME x axis maps to (cos g, -sin g, 0) in the Earth-fixed frame.
    x_axis = np.broadcast_to([1.0, 0.0, 0.0], (times.size, 3))
    g = gmst_rad(jd, fr)
    np.testing.assert_allclose(
        teme_to_ecef_km(x_axis, jd, fr),
        np.stack([np.cos(g), -np.sin(g), np.zeros_like(g)], axis=-1),
        atol=1e-15,
    )


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.floats(-1e5, 1e5), min_size=3, max_size=3),
    st.floats(2440000.5, 2470000.5),
    st.floats(0.0, 0.999999),
)
def test_teme_to_ecef_preserves_norm_property(vec: list[float], jd: float, fr: float) -> None:
    jd = math.floor(jd) + 0.5
    r = np.array(vec)
    out = teme_to_ecef_km(r, jd, fr)
    assert np.linalg.norm(out) == pytest.approx(np.linalg.norm(r), rel=1e-12, abs=1e-9)


def test_geodetic_to_ecef_reference_points() -> None:
    np.testing.assert_allclose(geodetic_to_ecef_km(0.0, 0.0, 0.0), [WGS84_A_KM, 0, 0], atol=1e-9)
    np.testing.assert_allclose(
        geodetic_to_ecef_km(0.0, 90.0, 1.0), [0, WGS84_A_KM + 1, 0], atol=1e-9
    )
    b = WGS84_A_KM * (1 - WGS84_F)
    np.testing.assert_allclose(geodetic_to_ecef_km(90.0, 0.0, 0.0), [0, 0, b], atol=1e-9)
    out = geodetic_to_ecef_km(np.array([10.0, 20.0]), 5.0, 0.0)
    assert out.shape == (2, 3)


# --------------------------------------------------------------------------- look angles


@pytest.mark.parametrize(
    ("lat", "lon", "alt"), [(51.5, -0.1, 0.0), (-33.9, 151.2, 0.05), (0, 0, 0)]
)
def test_look_angles_satellite_at_zenith(lat: float, lon: float, alt: float) -> None:
    h = 550.0
    sat = geodetic_to_ecef_km(lat, lon, alt + h)
    el, _, rng = look_angles(sat, lat, lon, alt)
    assert float(el) == pytest.approx(90.0, abs=1e-6)
    assert float(rng) == pytest.approx(h, abs=1e-6)


def test_look_angles_horizon_and_azimuth() -> None:
    lat, lon = 51.5, -0.1
    ground = geodetic_to_ecef_km(lat, lon, 0.0)
    phi, lam = math.radians(lat), math.radians(lon)
    east = np.array([-math.sin(lam), math.cos(lam), 0.0])
    north = np.array(
        [-math.sin(phi) * math.cos(lam), -math.sin(phi) * math.sin(lam), math.cos(phi)]
    )
    el, az, rng = look_angles(ground + 1000.0 * east, lat, lon, 0.0)
    assert float(el) == pytest.approx(0.0, abs=1e-9)
    assert float(az) == pytest.approx(90.0, abs=1e-9)
    assert float(rng) == pytest.approx(1000.0, abs=1e-9)
    _, az_n, _ = look_angles(ground + 500.0 * north, lat, lon, 0.0)
    assert float(az_n) == pytest.approx(0.0, abs=1e-9)
    _, az_w, _ = look_angles(ground - 500.0 * east, lat, lon, 0.0)
    assert float(az_w) == pytest.approx(270.0, abs=1e-9)


def test_look_angles_ground_axis_is_last() -> None:
    rng_gen = np.random.default_rng(0)
    sats = rng_gen.normal(size=(4, 7, 3)) * 7000.0
    lats = np.array([51.5, 0.0, -40.0])
    lons = np.array([-0.1, 10.0, 170.0])
    el, az, rng = look_angles(sats, lats, lons, 0.0)
    assert el.shape == az.shape == rng.shape == (4, 7, 3)
    for g in range(3):
        el_g, az_g, rng_g = look_angles(sats, lats[g], lons[g], 0.0)
        assert el_g.shape == (4, 7)
        np.testing.assert_allclose(el[..., g], el_g, atol=1e-12)
        np.testing.assert_allclose(az[..., g], az_g, atol=1e-9)
        np.testing.assert_allclose(rng[..., g], rng_g, atol=1e-9)


def test_look_angles_rejects_bad_shapes() -> None:
    with pytest.raises(ValueError, match="sat_ecef_km"):
        look_angles(np.zeros((4, 2)), 0.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="1-D"):
        look_angles(np.zeros((4, 3)), np.zeros((2, 2)), 0.0, 0.0)
    with pytest.raises(ValueError, match="ground_lat_deg"):
        look_angles(np.zeros((4, 3)), 95.0, 0.0, 0.0)


# --------------------------------------------------------------------------- Walker shells


@pytest.fixture(scope="module")
def shell1() -> Constellation:
    return starlink_shell1(EPOCH)


def test_starlink_shell1_geometry(shell1: Constellation) -> None:
    assert len(shell1) == 1584
    assert len(set(shell1.names)) == 1584
    incl = np.degrees([s.inclo for s in shell1.satrecs])
    np.testing.assert_allclose(incl, 53.0, atol=1e-12)
    raan = np.degrees([s.nodeo for s in shell1.satrecs]).reshape(72, 22)
    np.testing.assert_array_equal(raan - raan[:, :1], 0.0)  # one RAAN per plane
    np.testing.assert_allclose(np.diff(raan[:, 0]), 360.0 / 72, atol=1e-9)
    mo = np.degrees([s.mo for s in shell1.satrecs]).reshape(72, 22)
    np.testing.assert_allclose(np.diff(mo[0]), 360.0 / 22, atol=1e-9)
    # Walker phasing F=1: adjacent planes offset by F*360/T in mean anomaly.
    np.testing.assert_allclose(mo[1, 0] - mo[0, 0], 360.0 / 1584, atol=1e-9)
    np.testing.assert_allclose(shell1.satrecs[0].no_kozai, mean_motion_rad_min(550.0))


def test_starlink_shell1_orbit_radius(shell1: Constellation) -> None:
    # Two orbits (~192 min) at 1-min sampling.
    times = np.datetime64(EPOCH, "ns") + np.arange(0, 192, 1).astype("timedelta64[m]")
    r, _, err = propagate_teme_km(shell1, times)
    assert np.all(err == 0)
    radius = np.linalg.norm(r, axis=-1)
    # a = 6378.135 + 550 = 6928.135 km.  SGP4's J2 short-period terms make the
    # osculating radius oscillate by about +-6 km around it (plus e*a = 0.7 km), so
    # the envelope is ~6920.9..6933.2 km; allow 6920..6934.
    assert radius.min() > 6920.0
    assert radius.max() < 6934.0
    assert radius.mean() == pytest.approx(6928.135, abs=1.0)


def test_iridium_shell() -> None:
    c = iridium(EPOCH)
    assert len(c) == 66
    np.testing.assert_allclose(np.degrees([s.inclo for s in c.satrecs]), 86.4, atol=1e-12)
    times = np.datetime64(EPOCH, "ns") + np.arange(0, 110, 2).astype("timedelta64[m]")
    r, _, err = propagate_teme_km(c, times)
    assert np.all(err == 0)
    alt = np.linalg.norm(r, axis=-1) - R_EARTH_WGS72_KM
    assert alt.min() > 770.0
    assert alt.max() < 790.0
    # J2 short-period terms shift the mean osculating radius by ~1.5 km at 86.4 deg.
    assert alt.mean() == pytest.approx(780.0, abs=2.5)


def test_walker_timezone_aware_epoch_equals_naive_utc() -> None:
    aware = datetime(2020, 5, 7, 2, 0, tzinfo=timezone(timedelta(hours=2)))
    a = walker_delta(2, 2, 1, 600.0, 45.0, aware)
    b = walker_delta(2, 2, 1, 600.0, 45.0, EPOCH)
    assert a.satrecs[0].jdsatepoch + a.satrecs[0].jdsatepochF == pytest.approx(
        b.satrecs[0].jdsatepoch + b.satrecs[0].jdsatepochF, abs=1e-12
    )


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"n_planes": 0}, "n_planes"),
        ({"n_planes": 2.5}, "n_planes"),
        ({"n_planes": True}, "n_planes"),
        ({"sats_per_plane": -1}, "sats_per_plane"),
        ({"phasing": 4}, "phasing"),
        ({"phasing": -1}, "phasing"),
        ({"altitude_km": 50.0}, "altitude_km"),
        ({"altitude_km": float("nan")}, "altitude_km"),
        ({"inclination_deg": 181.0}, "inclination_deg"),
        ({"inclination_deg": -1.0}, "inclination_deg"),
        ({"eccentricity": 1.0}, "eccentricity"),
        ({"eccentricity": 0.5}, "eccentricity"),
        ({"epoch": "2020-05-07"}, "epoch"),
    ],
)
def test_walker_bad_arguments_name_parameter(kwargs: dict, param: str) -> None:
    args = {
        "n_planes": 4,
        "sats_per_plane": 3,
        "phasing": 1,
        "altitude_km": 550.0,
        "inclination_deg": 53.0,
        "epoch": EPOCH,
    }
    args.update(kwargs)
    with pytest.raises(ValueError, match=param):
        walker_delta(**args)


def test_constellation_validates_lengths() -> None:
    sat = load_tle(EXCERPT).satrecs[0]
    with pytest.raises(ValueError, match="equal length"):
        Constellation(("a", "b"), (sat,))


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
