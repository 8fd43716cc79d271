"""Tests for leo_envs.models.shells (Walker-delta shells)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

from leo_envs.models.frames import propagate_teme_km
from leo_envs.models.shells import (
    R_EARTH_WGS72_KM,
    iridium,
    mean_motion_rad_min,
    walker_delta,
)
from leo_envs.models.tle import Constellation, load_tle

EXCERPT = Path(__file__).resolve().parents[1] / "data" / "starlink_excerpt.tle"
EPOCH = datetime(2020, 5, 7, 0, 0, 0)


# --------------------------------------------------------------------------- Walker shells


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
