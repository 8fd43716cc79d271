"""Synthetic Walker-delta shells as SGP4 records (Walker 1984 delta pattern).

:func:`walker_delta` builds ``i: T/P/F`` shells directly from mean elements with
``Satrec.sgp4init`` (WGS72 constants); :func:`starlink_shell1` and :func:`iridium` are the
two named shells.  Satellites are ordered plane-major: ``index = plane * sats_per_plane +
slot`` (the order :mod:`leo_envs.models.isl` builds its +Grid on).
"""

from __future__ import annotations

import math
import operator
from datetime import UTC, datetime

import numpy as np
from sgp4.api import WGS72, Satrec

from leo_envs.models._checks import finite_float, positive_int
from leo_envs.models.frames import julian_date
from leo_envs.models.tle import Constellation

__all__ = [
    "MU_WGS72_KM3_S2",
    "R_EARTH_WGS72_KM",
    "iridium",
    "mean_motion_rad_min",
    "starlink_shell1",
    "walker_delta",
]

#: WGS72 equatorial radius [km] (the constant set SGP4 is defined with).
R_EARTH_WGS72_KM: float = 6378.135
#: WGS72 gravitational parameter [km^3/s^2].
MU_WGS72_KM3_S2: float = 398600.8
_JD_SGP4_EPOCH0: float = 2433281.5  # sgp4init epoch origin: 1949-12-31T00:00 UTC


def mean_motion_rad_min(altitude_km: float) -> float:
    """Keplerian mean motion [rad/min] of a circular orbit at ``altitude_km``.

    ``n = sqrt(mu / a^3)`` with ``a = R + altitude`` using the WGS72 constants
    (``R = 6378.135 km``, ``mu = 398600.8 km^3/s^2``) that SGP4 is defined with,
    converted from rad/s to rad/min (the unit ``Satrec.sgp4init`` expects).
    """
    a_km = R_EARTH_WGS72_KM + float(altitude_km)
    return math.sqrt(MU_WGS72_KM3_S2 / a_km**3) * 60.0


def _epoch_utc_naive(epoch: datetime) -> datetime:
    if not isinstance(epoch, datetime):
        raise ValueError(f"epoch must be a datetime.datetime, got {type(epoch).__name__}")
    if epoch.tzinfo is not None:
        epoch = epoch.astimezone(UTC).replace(tzinfo=None)
    return epoch


def walker_delta(
    n_planes: int,
    sats_per_plane: int,
    phasing: int,
    altitude_km: float,
    inclination_deg: float,
    epoch: datetime,
    eccentricity: float = 1e-4,
    name_prefix: str = "WALKER",
) -> Constellation:
    """Walker-delta constellation ``i: T/P/F`` as SGP4 records.

    Plane ``p`` (0-based) has right ascension of the ascending node
    ``RAAN_p = p * 360/P`` deg; satellite ``s`` in that plane has mean anomaly
    ``M = s * 360/S + p * F * 360/T`` deg (T = P*S; Walker 1984 delta pattern).
    Argument of perigee is 0.  Satellites are ordered plane-major:
    ``index = p * sats_per_plane + s``, named ``f"{name_prefix}-{p:03d}-{s:03d}"``
    and numbered ``satnum = index + 1``.

    Records are built with ``Satrec.sgp4init`` (WGS72 constants, ``'i'`` improved
    operation mode), with no drag (``bstar = ndot = nddot = 0``).  The mean motion
    is the Keplerian value for ``a = 6378.135 km + altitude_km`` (see
    :func:`mean_motion_rad_min`; passed to ``sgp4init`` in rad/min, angles in rad,
    epoch in days since 1949-12-31 00:00 UTC).  Because SGP4 adds J2 short-period
    terms, the osculating radius varies by a few km around ``a``.

    Args:
        n_planes: number of orbital planes P, integer >= 1.
        sats_per_plane: satellites per plane S, integer >= 1.
        phasing: Walker phasing factor F, integer with ``0 <= F < n_planes``.
        altitude_km: circular altitude above the WGS72 equatorial radius, > 100 km.
        inclination_deg: inclination in [0, 180] deg.
        epoch: element epoch; naive datetimes are taken as UTC, aware ones converted.
        eccentricity: in [0, 1); the perigee must stay above 100 km altitude.
        name_prefix: prefix of the generated satellite names.

    Raises:
        ValueError: naming the offending parameter and its allowed range.
    """
    n_planes = positive_int(n_planes, "n_planes")
    sats_per_plane = positive_int(sats_per_plane, "sats_per_plane")
    if isinstance(phasing, bool):
        raise ValueError(f"phasing must be an integer in [0, n_planes-1={n_planes - 1}]")
    try:
        phasing = operator.index(phasing)
    except TypeError:
        raise ValueError(
            f"phasing must be an integer in [0, n_planes-1={n_planes - 1}], got {phasing!r}"
        ) from None
    if not 0 <= phasing < n_planes:
        raise ValueError(
            f"phasing must be an integer in [0, n_planes-1={n_planes - 1}], got {phasing}"
        )
    altitude_km = finite_float(altitude_km, "altitude_km", "(100, inf) km")
    if altitude_km <= 100.0:
        raise ValueError(f"altitude_km must be > 100 km, got {altitude_km}")
    inclination_deg = finite_float(inclination_deg, "inclination_deg", "[0, 180] deg")
    if not 0.0 <= inclination_deg <= 180.0:
        raise ValueError(f"inclination_deg must be in [0, 180] deg, got {inclination_deg}")
    eccentricity = finite_float(eccentricity, "eccentricity", "[0, 1)")
    if not 0.0 <= eccentricity < 1.0:
        raise ValueError(f"eccentricity must be in [0, 1), got {eccentricity}")
    a_km = R_EARTH_WGS72_KM + altitude_km
    if a_km * (1.0 - eccentricity) - R_EARTH_WGS72_KM <= 100.0:
        raise ValueError(
            f"eccentricity {eccentricity} puts perigee below 100 km altitude for "
            f"altitude_km={altitude_km}; reduce eccentricity"
        )
    if not isinstance(name_prefix, str):
        raise ValueError(f"name_prefix must be a str, got {type(name_prefix).__name__}")
    epoch = _epoch_utc_naive(epoch)

    jd, fr = julian_date(np.datetime64(epoch, "ns"))
    epoch_days = float(jd - _JD_SGP4_EPOCH0) + float(fr)
    n_rad_min = mean_motion_rad_min(altitude_km)
    total = n_planes * sats_per_plane
    incl_rad = math.radians(inclination_deg)

    names: list[str] = []
    satrecs: list[Satrec] = []
    for p in range(n_planes):
        raan_rad = 2.0 * math.pi * p / n_planes
        for s in range(sats_per_plane):
            m_deg = (360.0 * s / sats_per_plane + 360.0 * phasing * p / total) % 360.0
            sat = Satrec()
            sat.sgp4init(
                WGS72,
                "i",
                p * sats_per_plane + s + 1,
                epoch_days,
                0.0,  # bstar [1/earth radii]
                0.0,  # ndot
                0.0,  # nddot
                eccentricity,
                0.0,  # argument of perigee [rad]
                incl_rad,
                math.radians(m_deg),
                n_rad_min,  # Kozai mean motion [rad/min]
                raan_rad,
            )
            if sat.error != 0:  # pragma: no cover - guarded by validation above
                raise ValueError(f"sgp4init failed with error {sat.error} for plane {p} slot {s}")
            names.append(f"{name_prefix}-{p:03d}-{s:03d}")
            satrecs.append(sat)
    return Constellation(tuple(names), tuple(satrecs))


def starlink_shell1(epoch: datetime) -> Constellation:
    """Starlink phase-1 shell 1 as Walker delta 53 deg: 1584/72/1 at 550 km."""
    return walker_delta(72, 22, 1, 550.0, 53.0, epoch, name_prefix="STARLINK-S1")


def iridium(epoch: datetime) -> Constellation:
    """Iridium-like shell: 66 satellites, 6 planes x 11, 780 km, 86.4 deg, F=2.

    The real Iridium constellation is a Walker *star* (planes spread over 180 deg of
    RAAN with a counter-rotating seam); it is modelled here as a Walker delta.
    """
    return walker_delta(6, 11, 2, 780.0, 86.4, epoch, name_prefix="IRIDIUM")
