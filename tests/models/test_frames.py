"""Tests for leo_envs.models.frames (time, SGP4 propagation, TEME -> ECEF, WGS84 look angles)."""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sgp4.api import WGS72, Satrec, jday
from sgp4.propagation import gstime

from leo_envs.models.frames import (
    WGS84_A_KM,
    WGS84_F,
    enu_basis,
    enu_offset_to_geodetic,
    geodetic_to_ecef_km,
    gmst_rad,
    julian_date,
    look_angles,
    propagate_teme_km,
    teme_to_ecef_km,
)
from leo_envs.models.tle import load_tle

EXCERPT = Path(__file__).resolve().parents[1] / "data" / "starlink_excerpt.tle"


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

    lines = [ln for ln in EXCERPT.read_text().splitlines() if ln.startswith(("1 ", "2 "))]
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


# --------------------------------------------------------------------------- local offsets


@pytest.mark.parametrize("lat", [0.0, 45.0, -60.0, 80.0])
def test_enu_offsets_land_at_their_distance_on_the_ellipsoid(lat: float) -> None:
    east = np.array([1000.0, 0.0, -10_000.0, 3000.0])
    north = np.array([0.0, 1000.0, 0.0, -4000.0])
    new_lat, new_lon = enu_offset_to_geodetic(lat, 20.0, east, north)
    site = geodetic_to_ecef_km(lat, 20.0, 0.0)
    points = geodetic_to_ecef_km(new_lat, new_lon, 0.0)
    chord_m = np.linalg.norm(points - site, axis=1) * 1e3
    # curvature shortens a 10 km chord by L^3 / (24 r^2) < 5 mm; a sphere of 6371 km
    # would be off by up to 0.4 % (40 m at 10 km)
    np.testing.assert_allclose(chord_m, np.hypot(east, north), atol=0.05)
    # the offsets point where the site's ENU basis says (east along row 0, north along
    # row 1), up to the curvature and meridian convergence ~ L^2 / R (1 + tan|lat|)
    basis = enu_basis(lat, 20.0)
    enu = (points - site) @ basis.T * 1e3
    length = np.hypot(east, north)
    slack = 2e-3 * length * (1.0 + math.tan(math.radians(abs(lat)))) + 1e-6
    assert np.all(np.abs(enu[:, 0] - east) <= slack)
    assert np.all(np.abs(enu[:, 1] - north) <= slack)


def test_enu_basis_is_orthonormal_and_up_is_the_ellipsoid_normal() -> None:
    basis = enu_basis(np.array([10.0, 50.0]), np.array([0.0, 120.0]))
    assert basis.shape == (2, 3, 3)
    for b in basis:
        np.testing.assert_allclose(b @ b.T, np.eye(3), atol=1e-15)
    # the normal at geodetic latitude 50 deg makes a 50 deg angle with the equator
    assert math.degrees(math.asin(basis[1, 2, 2])) == pytest.approx(50.0, abs=1e-12)
    with pytest.raises(ValueError, match="lat_deg"):
        enu_offset_to_geodetic(90.0, 0.0, 1.0, 1.0)
