"""Time and reference frames: Julian dates, SGP4 propagation, GMST, TEME -> ECEF, WGS84.

Units and conventions
---------------------
* Distances in km, velocities in km/s, angles in degrees at the public API unless a
  name says ``_rad``.
* Times are UTC, either as ``numpy.datetime64`` arrays or as two-part Julian dates
  ``(jd, fr)`` where ``jd`` is the Julian date of the preceding midnight (it ends in
  ``.5``) and ``fr`` the fraction of the day in ``[0, 1)``, the same split as
  :func:`sgp4.api.jday`.  Splitting keeps sub-microsecond resolution that a single
  float64 Julian date (~40 us resolution today) would lose.
* UT1 - UTC (< 0.9 s) and polar motion (< ~15 m at the surface) are neglected.
* Satellite arrays are ordered ``[n_sat, n_time, 3]``; ground-point axes, when present,
  are appended last (``[..., G]``).
* Ground points are on the WGS84 ellipsoid (NIMA TR8350.2) everywhere.

References
----------
* Hoots & Roehrich (1980), *Spacetrack Report #3*; Vallado, Crawford, Hujsak & Kelso
  (2006), "Revisiting Spacetrack Report #3", AIAA 2006-6753 (SGP4, TEME frame, TEME ->
  PEF rotation by GMST).
* Aoki et al. (1982), "The new definition of universal time", A&A 105, 359 (IAU-82 GMST
  polynomial), as used in Vallado, *Fundamentals of Astrodynamics and Applications*
  (2013), whose Example 3-5 is reproduced in the tests.
* NIMA TR8350.2 (WGS84 ellipsoid constants).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np

from leo_envs.models.tle import Constellation

__all__ = [
    "WGS84_A_KM",
    "WGS84_F",
    "enu_basis",
    "enu_offset_to_geodetic",
    "geodetic_to_ecef_km",
    "gmst_rad",
    "julian_date",
    "look_angles",
    "propagate_teme_km",
    "teme_to_ecef_km",
]

#: WGS84 semi-major axis [km] (NIMA TR8350.2).
WGS84_A_KM: float = 6378.137
#: WGS84 flattening [-] (NIMA TR8350.2).
WGS84_F: float = 1.0 / 298.257223563
WGS84_E2: float = WGS84_F * (2.0 - WGS84_F)  # first eccentricity squared

_JD_UNIX_EPOCH: float = 2440587.5  # Julian date of 1970-01-01T00:00 UTC
_JD_J2000: float = 2451545.0  # Julian date of 2000-01-01T12:00 (J2000.0)
_NS_PER_DAY: int = 86_400 * 1_000_000_000
_SEC_PER_DAY: float = 86_400.0


def julian_date(
    times: np.ndarray | np.datetime64 | Sequence[datetime],
) -> tuple[np.ndarray, np.ndarray]:
    """Two-part Julian date ``(jd, fr)`` of UTC ``datetime64`` values (vectorised).

    Same split as :func:`sgp4.api.jday`: ``jd`` is the Julian date of the
    preceding 0h UTC (ends in ``.5``) and ``fr`` in ``[0, 1)`` the day fraction,
    both float64 with the shape of ``times``.  Computed from integer nanoseconds
    since 1970-01-01 (JD 2440587.5), so there is no rounding in ``jd`` and ``fr``
    keeps ~1e-16 day resolution.  Naive datetimes are interpreted as UTC; the
    ``datetime64[ns]`` range (years 1678-2262) applies.

    Raises:
        ValueError: for NaT or values not convertible to ``datetime64``.
    """
    try:
        t = np.asarray(times, dtype="datetime64[ns]")
    except (TypeError, ValueError) as exc:
        raise ValueError(f"times must be convertible to numpy datetime64: {exc}") from None
    if np.any(np.isnat(t)):
        raise ValueError("times contains NaT")
    ns = t.view(np.int64)
    days, rem_ns = np.divmod(ns, _NS_PER_DAY)
    jd = days.astype(np.float64) + _JD_UNIX_EPOCH
    fr = rem_ns.astype(np.float64) / float(_NS_PER_DAY)
    return jd, fr


def _as_jd_fr(
    times: np.ndarray | np.datetime64 | tuple[np.ndarray, np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(times, tuple):
        if len(times) != 2:
            raise ValueError(f"times tuple must be (jd, fr), got {len(times)} elements")
        jd = np.ascontiguousarray(np.atleast_1d(np.asarray(times[0], dtype=np.float64)))
        fr = np.ascontiguousarray(np.atleast_1d(np.asarray(times[1], dtype=np.float64)))
        if jd.shape != fr.shape:
            raise ValueError(f"jd shape {jd.shape} and fr shape {fr.shape} differ")
    else:
        jd, fr = julian_date(np.atleast_1d(times))
    if jd.ndim != 1:
        raise ValueError(f"times must be one-dimensional, got shape {jd.shape}")
    if not (np.all(np.isfinite(jd)) and np.all(np.isfinite(fr))):
        raise ValueError("times (jd, fr) must be finite")
    return np.ascontiguousarray(jd), np.ascontiguousarray(fr)


# --------------------------------------------------------------------------- propagation


def propagate_teme_km(
    constellation: Constellation,
    times: np.ndarray | np.datetime64 | tuple[np.ndarray, np.ndarray],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Propagate every satellite with SGP4 to every time, in one vectorised call.

    Uses ``SatrecArray.sgp4(jd, fr)`` (Vallado et al. 2006 SGP4/SDP4).

    Args:
        constellation: the satellites.
        times: 1-D ``datetime64`` array (UTC; a scalar is treated as one time) or a
            ``(jd, fr)`` tuple of equal-length 1-D float arrays (see
            :func:`julian_date`).

    Returns:
        ``(r_km, v_km_s, error_code)``: TEME position [km] and velocity [km/s], both
        of shape ``(n_sat, n_time, 3)``, and the SGP4 error code of shape
        ``(n_sat, n_time)`` (uint8, 0 = success).  Where the code is non-zero
        (e.g. 6 = decayed) position and velocity are NaN.
    """
    jd, fr = _as_jd_fr(times)
    n_sat, n_time = len(constellation), jd.shape[0]
    if n_sat == 0:
        return (
            np.empty((0, n_time, 3)),
            np.empty((0, n_time, 3)),
            np.empty((0, n_time), dtype=np.uint8),
        )
    err, r, v = constellation.satrec_array.sgp4(jd, fr)
    return r, v, err


def gmst_rad(jd: np.ndarray | float, fr: np.ndarray | float) -> np.ndarray:
    """Greenwich mean sidereal time [rad, in [0, 2*pi)] from a two-part UT1 Julian date.

    IAU-82 expression (Aoki et al. 1982; as in Vallado's ``gstime``)::

        GMST[s] = 67310.54841 + (876600 h + 8640184.812866 s) T
                  + 0.093104 T^2 - 6.2e-6 T^3,   T = (JD_UT1 - 2451545.0) / 36525

    The ``876600 h * T`` term equals ``86400 s * (JD - 2451545.0)``; only its
    fractional-day part matters modulo one day, which is evaluated from the two
    parts separately to keep full precision.  UTC is accepted as UT1 (|UT1-UTC| <
    0.9 s, i.e. < ~4e-3 deg of GMST).
    """
    jd = np.asarray(jd, dtype=np.float64)
    fr = np.asarray(fr, dtype=np.float64)
    d_whole = jd - _JD_J2000  # exact for typical jd ending in .0 or .5
    t_cent = (d_whole + fr) / 36525.0
    day_frac = np.mod(d_whole, 1.0) + fr
    gmst_s = (
        67310.54841
        + _SEC_PER_DAY * day_frac
        + 8640184.812866 * t_cent
        + 0.093104 * t_cent**2
        - 6.2e-6 * t_cent**3
    )
    return np.mod(gmst_s, _SEC_PER_DAY) * (2.0 * np.pi / _SEC_PER_DAY)


def teme_to_ecef_km(
    r_teme_km: np.ndarray, jd: np.ndarray | float, fr: np.ndarray | float
) -> np.ndarray:
    """Rotate TEME positions [km] to Earth-fixed (ECEF) positions [km].

    ``r_ecef = R3(GMST) r_teme`` with the IAU-82 GMST (:func:`gmst_rad`), i.e. the
    TEME -> PEF rotation of Vallado et al. (2006).  **Polar motion is neglected**
    (PEF is used as ECEF/ITRF; error < ~15 m at the surface) and UTC is used for UT1.

    Args:
        r_teme_km: positions of shape ``(..., 3)``, e.g. ``(n_sat, n_time, 3)``.
        jd, fr: two-part Julian dates broadcastable against ``r_teme_km.shape[:-1]``,
            e.g. shape ``(n_time,)`` for ``(n_sat, n_time, 3)`` positions.

    Returns:
        ECEF positions [km] with the broadcast shape ``(..., 3)``.
    """
    r = np.asarray(r_teme_km, dtype=np.float64)
    if r.ndim == 0 or r.shape[-1] != 3:
        raise ValueError(f"r_teme_km must have shape (..., 3), got {r.shape}")
    theta = gmst_rad(jd, fr)
    c, s = np.cos(theta), np.sin(theta)
    x, y, z = r[..., 0], r[..., 1], r[..., 2]
    out = np.empty((*np.broadcast_shapes(x.shape, np.shape(theta)), 3))
    # written in place into the output's columns: no stacked copies of full-size arrays
    xe, ye = out[..., 0], out[..., 1]
    np.multiply(c, x, out=xe)
    xe += s * y
    np.multiply(c, y, out=ye)
    ye -= s * x
    out[..., 2] = z
    return out


# --------------------------------------------------------------------------- ground geometry


def geodetic_to_ecef_km(
    lat_deg: np.ndarray | float, lon_deg: np.ndarray | float, alt_km: np.ndarray | float
) -> np.ndarray:
    """WGS84 geodetic latitude/longitude [deg] and ellipsoidal height [km] -> ECEF [km].

    Standard closed form: ``N = a / sqrt(1 - e^2 sin^2 lat)``,
    ``x = (N + h) cos lat cos lon``, ``y = (N + h) cos lat sin lon``,
    ``z = (N (1 - e^2) + h) sin lat`` (WGS84 a, f from NIMA TR8350.2).
    Inputs broadcast; output shape is ``broadcast_shape + (3,)``.
    """
    lat = np.radians(np.asarray(lat_deg, dtype=np.float64))
    lon = np.radians(np.asarray(lon_deg, dtype=np.float64))
    h = np.asarray(alt_km, dtype=np.float64)
    lat, lon, h = np.broadcast_arrays(lat, lon, h)
    sin_lat = np.sin(lat)
    n = WGS84_A_KM / np.sqrt(1.0 - WGS84_E2 * sin_lat**2)
    x = (n + h) * np.cos(lat) * np.cos(lon)
    y = (n + h) * np.cos(lat) * np.sin(lon)
    z = (n * (1.0 - WGS84_E2) + h) * sin_lat
    return np.stack([x, y, z], axis=-1)


def enu_basis(lat_deg: np.ndarray | float, lon_deg: np.ndarray | float) -> np.ndarray:
    """Local east-north-up unit vectors (rows) in ECEF at geodetic ``lat_deg``/``lon_deg``.

    "Up" is the WGS84 ellipsoid normal (geodetic latitude), the topocentric-horizon frame of
    Vallado (2013) section 3.4.  Output shape ``broadcast_shape + (3, 3)``: row 0 east,
    row 1 north, row 2 up, so ``enu = basis @ d_ecef`` for an ECEF difference ``d_ecef``.
    """
    phi = np.radians(np.asarray(lat_deg, dtype=np.float64))
    lam = np.radians(np.asarray(lon_deg, dtype=np.float64))
    phi, lam = np.broadcast_arrays(phi, lam)
    sphi, cphi, slam, clam = np.sin(phi), np.cos(phi), np.sin(lam), np.cos(lam)
    zero = np.zeros_like(phi)
    east = np.stack([-slam, clam, zero], axis=-1)
    north = np.stack([-sphi * clam, -sphi * slam, cphi], axis=-1)
    up = np.stack([cphi * clam, cphi * slam, sphi], axis=-1)
    return np.stack([east, north, up], axis=-2)


def enu_offset_to_geodetic(
    lat_deg: float, lon_deg: float, east_m: np.ndarray | float, north_m: np.ndarray | float
) -> tuple[np.ndarray, np.ndarray]:
    """Geodetic latitude/longitude [deg] of points ``east_m``/``north_m`` metres from a site.

    Mid-latitude conversion on the WGS84 ellipsoid (NIMA TR8350.2 constants):
    ``dlat = north / M(lat_m)`` and ``dlon = east / (N(lat_m) cos lat_m)`` at the mid
    latitude ``lat_m = lat + dlat / 2``, with the meridian radius of curvature
    ``M = a (1 - e^2) / (1 - e^2 sin^2 lat)^1.5`` and the prime-vertical radius
    ``N = a / sqrt(1 - e^2 sin^2 lat)``.  The point lies on the ellipsoid at a chord of
    ``hypot(east, north)`` from the site to within a centimetre up to 10 km offsets
    (a sphere of 6371 km would be off by up to 0.4 %).

    Raises:
        ValueError: ``lat_deg`` outside [-89.9, 89.9] deg (east offsets are undefined at
            the poles).
    """
    lat = float(lat_deg)
    if not -89.9 <= lat <= 89.9:
        raise ValueError(f"lat_deg must be in [-89.9, 89.9] deg, got {lat_deg!r}")
    east = np.asarray(east_m, dtype=np.float64)
    north = np.asarray(north_m, dtype=np.float64)
    a_m = WGS84_A_KM * 1e3

    def radii_m(phi_deg):
        w2 = 1.0 - WGS84_E2 * np.sin(np.radians(phi_deg)) ** 2
        return a_m * (1.0 - WGS84_E2) / w2**1.5, a_m / np.sqrt(w2)

    dlat = np.degrees(north / radii_m(lat)[0])
    for _ in range(2):  # fixed point of dlat = north / M(lat + dlat / 2)
        dlat = np.degrees(north / radii_m(lat + 0.5 * dlat)[0])
    mid = lat + 0.5 * dlat
    dlon = np.degrees(east / (radii_m(mid)[1] * np.cos(np.radians(mid))))
    return lat + dlat, float(lon_deg) + dlon


def look_angles(
    sat_ecef_km: np.ndarray,
    ground_lat_deg: np.ndarray | float,
    ground_lon_deg: np.ndarray | float,
    ground_alt_km: np.ndarray | float = 0.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Topocentric elevation [deg], azimuth [deg] and slant range [km] of satellites.

    The ECEF line of sight is rotated into the local east-north-up frame of the
    ground point (:func:`enu_basis`, about the WGS84 ellipsoid normal):
    ``elevation = atan2(up, hypot(east, north))``,
    ``azimuth = atan2(east, north)`` measured clockwise from north in [0, 360).
    Refraction is ignored.  (Satellite ECEF from WGS72 SGP4 + WGS84 ground
    ellipsoid is the usual, metre-level, mix.)

    Args:
        sat_ecef_km: satellite positions of shape ``(..., 3)``, e.g.
            ``(n_sat, n_time, 3)`` from :func:`teme_to_ecef_km`.
        ground_lat_deg, ground_lon_deg, ground_alt_km: geodetic coordinates of the
            ground point(s), scalars or 1-D arrays broadcastable to a common shape
            ``(G,)``.

    Returns:
        ``(elevation_deg, azimuth_deg, slant_range_km)``.  With scalar ground
        coordinates each has shape ``sat_ecef_km.shape[:-1]`` (e.g.
        ``(n_sat, n_time)``); with 1-D ground arrays the ground axis is appended
        **last**: ``sat_ecef_km.shape[:-1] + (G,)`` (e.g. ``(n_sat, n_time, G)``).
        Azimuth is 0 where the satellite is exactly at zenith (undefined there).
    """
    sat = np.asarray(sat_ecef_km, dtype=np.float64)
    if sat.ndim == 0 or sat.shape[-1] != 3:
        raise ValueError(f"sat_ecef_km must have shape (..., 3), got {sat.shape}")
    lat, lon, alt = np.broadcast_arrays(
        np.asarray(ground_lat_deg, dtype=np.float64),
        np.asarray(ground_lon_deg, dtype=np.float64),
        np.asarray(ground_alt_km, dtype=np.float64),
    )
    if lat.ndim > 1:
        raise ValueError(
            f"ground coordinates must be scalars or 1-D arrays (G,), got shape {lat.shape}"
        )
    if np.any(np.abs(lat) > 90.0):
        raise ValueError("ground_lat_deg must be in [-90, 90] deg")
    ground = geodetic_to_ecef_km(lat, lon, alt)  # (3,) or (G, 3)
    basis = enu_basis(lat, lon)  # (3, 3) or (G, 3, 3)
    if lat.ndim == 1:
        shape = (*sat.shape[:-1], lat.shape[0])
        enu = np.einsum("...gj,gij->...gi", sat[..., None, :] - ground, basis)
        east, north, up = (enu[..., i].ravel() for i in range(3))
    else:
        # three BLAS matrix-vector products give contiguous components; the site's own
        # components are subtracted afterwards instead of forming sat - ground
        shape = sat.shape[:-1]
        flat = sat.reshape(-1, 3)
        east, north, up = (np.subtract(flat @ basis[i], basis[i] @ ground) for i in range(3))
    # in place from here on: each full-size temporary is reused
    horiz = east * east
    horiz += north * north
    np.sqrt(horiz, out=horiz)
    elevation = np.arctan2(up, horiz)
    np.degrees(elevation, out=elevation)
    azimuth = np.arctan2(east, north)  # (-pi, pi]
    np.degrees(azimuth, out=azimuth)
    azimuth[azimuth < 0.0] += 360.0
    azimuth[azimuth >= 360.0] = 0.0  # tiny negatives + 360 round to 360
    slant = np.multiply(horiz, horiz, out=horiz)
    slant += up * up
    np.sqrt(slant, out=slant)
    return elevation.reshape(shape)[()], azimuth.reshape(shape)[()], slant.reshape(shape)[()]
