"""Orbital mechanics for the LEO environment suite (pure numpy + ``sgp4``).

What is here
------------
* TLE loading with strict validation (:func:`load_tle`) into an immutable
  :class:`Constellation`.
* Synthetic Walker-delta shells built directly from mean elements with
  ``Satrec.sgp4init`` (:func:`walker_delta`, :func:`starlink_shell1`,
  :func:`iridium`).
* Whole-constellation SGP4 propagation in the TEME frame
  (:func:`propagate_teme_km`) and time conversion (:func:`julian_date`).
* TEME -> Earth-fixed rotation with the IAU-82 GMST (:func:`gmst_rad`,
  :func:`teme_to_ecef_km`).
* WGS84 geodetic -> ECEF (:func:`geodetic_to_ecef_km`), topocentric look angles
  (:func:`look_angles`), visibility windows and best-satellite selection.

Units and conventions
---------------------
* Distances in km, velocities in km/s, angles in degrees at the public API
  unless a name says ``_rad``.
* Times are UTC, either as ``numpy.datetime64`` arrays or as two-part Julian dates
  ``(jd, fr)`` where ``jd`` is the Julian date of the preceding midnight (it ends
  in ``.5``) and ``fr`` the fraction of the day in ``[0, 1)``, the same split as
  :func:`sgp4.api.jday`.  Splitting keeps sub-microsecond resolution that a single
  float64 Julian date (~40 us resolution today) would lose.
* UT1 - UTC (< 0.9 s) and polar motion (< ~15 m at the surface) are neglected.
* Satellite arrays are ordered ``[n_sat, n_time, 3]``; ground-point axes, when
  present, are appended last (``[..., G]``).

References
----------
* Hoots & Roehrich (1980), *Spacetrack Report #3*; Vallado, Crawford, Hujsak &
  Kelso (2006), "Revisiting Spacetrack Report #3", AIAA 2006-6753 (SGP4, TEME frame,
  TEME -> PEF rotation by GMST, WGS72 constants).
* Aoki et al. (1982), "The new definition of universal time", A&A 105, 359
  (IAU-82 GMST polynomial), as used in Vallado, *Fundamentals of Astrodynamics and
  Applications* (2013), whose Example 3-5 is reproduced in the tests.
* NIMA TR8350.2 (WGS84 ellipsoid constants).
"""

from __future__ import annotations

import math
import operator
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cached_property
from pathlib import Path

import numpy as np
from sgp4.api import WGS72, Satrec, SatrecArray

__all__ = [
    "MU_WGS72_KM3_S2",
    "R_EARTH_WGS72_KM",
    "WGS84_A_KM",
    "WGS84_F",
    "Constellation",
    "best_visible_satellite",
    "geodetic_to_ecef_km",
    "gmst_rad",
    "iridium",
    "julian_date",
    "load_tle",
    "look_angles",
    "mean_motion_rad_min",
    "propagate_teme_km",
    "starlink_shell1",
    "teme_to_ecef_km",
    "tle_checksum",
    "visibility_windows",
    "walker_delta",
]

# --------------------------------------------------------------------------- constants

#: WGS72 equatorial radius [km] (the constant set SGP4 is defined with).
R_EARTH_WGS72_KM: float = 6378.135
#: WGS72 gravitational parameter [km^3/s^2].
MU_WGS72_KM3_S2: float = 398600.8
#: WGS84 semi-major axis [km] (NIMA TR8350.2).
WGS84_A_KM: float = 6378.137
#: WGS84 flattening [-] (NIMA TR8350.2).
WGS84_F: float = 1.0 / 298.257223563
_WGS84_E2: float = WGS84_F * (2.0 - WGS84_F)

_JD_UNIX_EPOCH: float = 2440587.5  # Julian date of 1970-01-01T00:00 UTC
_JD_J2000: float = 2451545.0  # Julian date of 2000-01-01T12:00 (J2000.0)
_JD_SGP4_EPOCH0: float = 2433281.5  # sgp4init epoch origin: 1949-12-31T00:00 UTC
_NS_PER_DAY: int = 86_400 * 1_000_000_000
_SEC_PER_DAY: float = 86_400.0

_TLE_LINE_LEN = 69


# --------------------------------------------------------------------------- container


@dataclass(frozen=True, eq=False)
class Constellation:
    """An immutable, ordered set of SGP4 satellite records with names.

    Attributes:
        names: one display name per satellite (for 2-line TLEs the catalogue number).
        satrecs: the ``sgp4.api.Satrec`` records, in the same order as ``names``.

    The order is the satellite axis (axis 0) of every array returned by
    :func:`propagate_teme_km`.  Equality is identity (``Satrec`` has no value
    equality), so instances are hashable by identity.
    """

    names: tuple[str, ...]
    satrecs: tuple[Satrec, ...]

    def __post_init__(self) -> None:
        # Coerce lists to tuples so the container is really immutable.
        object.__setattr__(self, "names", tuple(str(n) for n in self.names))
        object.__setattr__(self, "satrecs", tuple(self.satrecs))
        if len(self.names) != len(self.satrecs):
            raise ValueError(
                f"names and satrecs must have equal length, got {len(self.names)} names "
                f"and {len(self.satrecs)} satrecs"
            )
        for i, sat in enumerate(self.satrecs):
            if not isinstance(sat, Satrec):
                raise TypeError(f"satrecs[{i}] is {type(sat).__name__}, expected sgp4 Satrec")

    def __len__(self) -> int:
        return len(self.satrecs)

    @cached_property
    def satrec_array(self) -> SatrecArray:
        """``sgp4.api.SatrecArray`` over all satellites (built once, then cached)."""
        return SatrecArray(list(self.satrecs))


# --------------------------------------------------------------------------- TLE loading

_FLOAT_RE = re.compile(r"^\s*[+-]?(?:\d+\.?\d*|\.\d+)\s*$")
# TLE "implied decimal point, implied exponent" fields, e.g. " 20154-2", "-98858-3".
_EXP_RE = re.compile(r"^\s*[+-]?\d{1,5}[ +-]\d\s*$")
_SATNUM_RE = re.compile(r"^\s*(?:\d{1,5}|[A-HJ-NP-Z]\d{4})$")  # numeric or Alpha-5

# (name, 1-based first column, 1-based last column, kind)
_LINE1_FIELDS = (
    ("epoch year", 19, 20, "int"),
    ("epoch day of year", 21, 32, "float"),
    ("first derivative of mean motion", 34, 43, "float"),
    ("second derivative of mean motion", 45, 52, "exp"),
    ("BSTAR drag term", 54, 61, "exp"),
)
_LINE2_FIELDS = (
    ("inclination", 9, 16, "float"),
    ("right ascension of the ascending node", 18, 25, "float"),
    ("eccentricity", 27, 33, "digits"),
    ("argument of perigee", 35, 42, "float"),
    ("mean anomaly", 44, 51, "float"),
    ("mean motion", 53, 63, "float"),
)
_FIELD_RANGES = {
    "epoch day of year": (1.0, 367.0),
    "inclination": (0.0, 180.0),
    "right ascension of the ascending node": (0.0, 360.0),
    "argument of perigee": (0.0, 360.0),
    "mean anomaly": (0.0, 360.0),
}


def tle_checksum(line: str) -> int:
    """Modulo-10 TLE checksum of the first 68 columns of ``line``.

    Digits count their value, each minus sign counts 1, everything else 0
    (NORAD two-line element set format).
    """
    total = 0
    for ch in line[:68]:
        if ch.isdigit():
            total += int(ch)
        elif ch == "-":
            total += 1
    return total % 10


def _err(source: str, lineno: int, msg: str) -> ValueError:
    return ValueError(f"{source}: line {lineno}: {msg}")


def _check_data_line(line: str, which: int, source: str, lineno: int) -> str:
    """Validate prefix, length, checksum and fields of a TLE data line; return it."""
    line = line.rstrip()
    prefix = f"{which} "
    if not line.startswith(prefix):
        raise _err(source, lineno, f"TLE line {which} must start with {prefix!r}, got {line[:2]!r}")
    if len(line) != _TLE_LINE_LEN:
        raise _err(
            source,
            lineno,
            f"TLE line {which} has bad length {len(line)} (expected {_TLE_LINE_LEN} characters"
            " excluding trailing whitespace; truncated or corrupted line?)",
        )
    check_char = line[68]
    if not check_char.isdigit():
        raise _err(source, lineno, f"checksum character {check_char!r} in column 69 is not a digit")
    expected = tle_checksum(line)
    if int(check_char) != expected:
        raise _err(
            source,
            lineno,
            f"checksum mismatch on TLE line {which}: column 69 says {check_char}, "
            f"computed mod-10 checksum is {expected}",
        )
    satnum = line[2:7]
    if not _SATNUM_RE.match(satnum):
        raise _err(source, lineno, f"unparsable catalogue number {satnum!r} in columns 3-7")
    fields = _LINE1_FIELDS if which == 1 else _LINE2_FIELDS
    for name, c0, c1, kind in fields:
        text = line[c0 - 1 : c1]
        ok = {
            "int": lambda t: t.strip().isdigit(),
            "float": lambda t: bool(_FLOAT_RE.match(t)),
            "exp": lambda t: bool(_EXP_RE.match(t)),
            "digits": lambda t: t.strip().isdigit(),
        }[kind](text)
        if not ok:
            raise _err(source, lineno, f"unparsable {name} {text!r} in columns {c0}-{c1}")
        if name in _FIELD_RANGES:
            lo, hi = _FIELD_RANGES[name]
            value = float(text)
            if not lo <= value <= hi:
                raise _err(
                    source, lineno, f"{name} {value} in columns {c0}-{c1} outside [{lo}, {hi}]"
                )
        if name == "mean motion" and float(text) <= 0.0:
            raise _err(source, lineno, f"mean motion {text.strip()} rev/day must be positive")
    return line


def _read_tle_source(path_or_text: str | os.PathLike[str]) -> tuple[str, str]:
    """Return ``(source_label, text)``.  A ``str`` containing a newline is TLE text."""
    if isinstance(path_or_text, os.PathLike):
        path = Path(path_or_text)
        return str(path), path.read_text(encoding="utf-8")
    if isinstance(path_or_text, str):
        if "\n" in path_or_text or "\r" in path_or_text:
            return "<text>", path_or_text
        path = Path(path_or_text)
        return str(path), path.read_text(encoding="utf-8")
    raise TypeError(f"path_or_text must be a str or os.PathLike, got {type(path_or_text).__name__}")


def load_tle(path_or_text: str | os.PathLike[str]) -> Constellation:
    """Load two-line element sets (2-line or 3-line "name + 2 lines" format).

    Args:
        path_or_text: a path (``str`` without newlines or ``os.PathLike``) to a TLE
            file, or the TLE text itself (any ``str`` containing a newline).

    Blank lines are ignored, trailing whitespace (including ``\\r`` of CRLF files)
    is stripped, and a Celestrak-style ``"0 "`` prefix on name lines is removed.
    Satellites without a name line are named by their catalogue number.

    Each data line is checked for: the ``"1 "``/``"2 "`` prefix, length 69, the
    modulo-10 checksum in column 69, parsable numeric fields (epoch, drag terms,
    angles, eccentricity, mean motion), and that lines 1 and 2 carry the same
    catalogue number; then parsed with ``Satrec.twoline2rv`` (WGS72 constants,
    Spacetrack Report #3 / Vallado et al. 2006 SGP4).

    Returns:
        :class:`Constellation` in file order.

    Raises:
        ValueError: malformed input; the message is ``"<file>: line <n>: <what>"``.
        FileNotFoundError: the path does not exist.
    """
    source, text = _read_tle_source(path_or_text)
    lines = [(i + 1, raw.rstrip()) for i, raw in enumerate(text.splitlines())]
    lines = [(n, s) for n, s in lines if s.strip()]

    names: list[str] = []
    satrecs: list[Satrec] = []
    i = 0
    while i < len(lines):
        lineno, line = lines[i]
        name: str | None = None
        name_lineno: int | None = None
        if line.startswith("2 "):
            raise _err(
                source,
                lineno,
                "found TLE line 2 where a name line or TLE line 1 was expected "
                "(lines out of order or line 1 missing)",
            )
        if not line.startswith("1 "):
            name = line.strip()
            if name.startswith("0 "):
                name = name[2:].strip()
            name_lineno = lineno
            i += 1
            if i >= len(lines):
                raise _err(source, lineno, f"name line {name!r} is not followed by TLE line 1")
            lineno, line = lines[i]
            if not line.startswith("1 "):
                what = "TLE line 2 (lines out of order?)" if line.startswith("2 ") else repr(line)
                raise _err(
                    source,
                    lineno,
                    f"expected TLE line 1 (starting '1 ') after name line {name!r} "
                    f"(line {name_lineno}), found {what}",
                )
        l1_no = lineno
        l1 = _check_data_line(line, 1, source, lineno)
        label = name if name is not None else l1[2:7].strip()
        i += 1
        if i >= len(lines):
            raise _err(
                source,
                l1_no,
                f"missing TLE line 2 for {label!r}: line 1 at line {l1_no} is the last line",
            )
        lineno, line = lines[i]
        if not line.startswith("2 "):
            raise _err(
                source,
                lineno,
                f"missing TLE line 2 for {label!r} (line 1 at line {l1_no}): "
                f"expected a line starting '2 ', found {line[:30]!r}",
            )
        l2 = _check_data_line(line, 2, source, lineno)
        if l1[2:7] != l2[2:7]:
            raise _err(
                source,
                lineno,
                f"catalogue number mismatch: line 1 (line {l1_no}) has {l1[2:7]!r}, "
                f"line 2 has {l2[2:7]!r}",
            )
        sat = Satrec.twoline2rv(l1, l2, WGS72)
        if sat.error != 0:
            raise _err(
                source,
                l1_no,
                f"sgp4 could not initialise {label!r} from lines {l1_no}-{lineno} "
                f"(sgp4 error code {sat.error})",
            )
        names.append(label)
        satrecs.append(sat)
        i += 1

    if not satrecs:
        raise ValueError(f"{source}: no TLEs found")
    return Constellation(tuple(names), tuple(satrecs))


# --------------------------------------------------------------------------- Walker shells


def _positive_int(value: object, name: str) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a positive integer (>= 1), got {value!r}")
    try:
        ivalue = operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        raise ValueError(f"{name} must be a positive integer (>= 1), got {value!r}") from None
    if ivalue < 1:
        raise ValueError(f"{name} must be a positive integer (>= 1), got {value!r}")
    return ivalue


def _finite_float(value: object, name: str, allowed: str) -> float:
    try:
        f = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a real number in {allowed}, got {value!r}") from None
    if not math.isfinite(f):
        raise ValueError(f"{name} must be a finite number in {allowed}, got {value!r}")
    return f


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
        epoch = epoch.astimezone(timezone.utc).replace(tzinfo=None)
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
    n_planes = _positive_int(n_planes, "n_planes")
    sats_per_plane = _positive_int(sats_per_plane, "sats_per_plane")
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
    altitude_km = _finite_float(altitude_km, "altitude_km", "(100, inf) km")
    if altitude_km <= 100.0:
        raise ValueError(f"altitude_km must be > 100 km, got {altitude_km}")
    inclination_deg = _finite_float(inclination_deg, "inclination_deg", "[0, 180] deg")
    if not 0.0 <= inclination_deg <= 180.0:
        raise ValueError(f"inclination_deg must be in [0, 180] deg, got {inclination_deg}")
    eccentricity = _finite_float(eccentricity, "eccentricity", "[0, 1)")
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


# --------------------------------------------------------------------------- time


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
    xe = c * x + s * y
    ye = -s * x + c * y
    ze = np.broadcast_to(z, np.broadcast_shapes(z.shape, np.shape(theta)))
    return np.stack([xe, ye, ze], axis=-1)


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
    n = WGS84_A_KM / np.sqrt(1.0 - _WGS84_E2 * sin_lat**2)
    x = (n + h) * np.cos(lat) * np.cos(lon)
    y = (n + h) * np.cos(lat) * np.sin(lon)
    z = (n * (1.0 - _WGS84_E2) + h) * sin_lat
    return np.stack([x, y, z], axis=-1)


def look_angles(
    sat_ecef_km: np.ndarray,
    ground_lat_deg: np.ndarray | float,
    ground_lon_deg: np.ndarray | float,
    ground_alt_km: np.ndarray | float = 0.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Topocentric elevation [deg], azimuth [deg] and slant range [km] of satellites.

    The ECEF line of sight is rotated into the local east-north-up frame of the
    ground point (topocentric-horizon transformation about the WGS84 ellipsoid
    normal, i.e. geodetic latitude):
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
    if lat.ndim == 1:
        d = sat[..., None, :] - ground  # (..., G, 3)
    else:
        d = sat - ground  # (..., 3)
    phi, lam = np.radians(lat), np.radians(lon)
    sphi, cphi, slam, clam = np.sin(phi), np.cos(phi), np.sin(lam), np.cos(lam)
    dx, dy, dz = d[..., 0], d[..., 1], d[..., 2]
    east = -slam * dx + clam * dy
    north = -sphi * clam * dx - sphi * slam * dy + cphi * dz
    up = cphi * clam * dx + cphi * slam * dy + sphi * dz
    horiz = np.hypot(east, north)
    elevation = np.degrees(np.arctan2(up, horiz))
    azimuth = np.mod(np.degrees(np.arctan2(east, north)), 360.0)
    azimuth = np.where(azimuth >= 360.0, 0.0, azimuth)  # mod of tiny negatives rounds to 360
    slant = np.sqrt(horiz**2 + up**2)
    return elevation, azimuth, slant


# --------------------------------------------------------------------------- visibility


def visibility_windows(
    elevation_deg: np.ndarray,
    times: np.ndarray,
    min_elevation_deg: float,
) -> list[tuple[np.generic, np.generic]]:
    """Contiguous intervals of a sampled elevation series at/above a threshold.

    Args:
        elevation_deg: elevation samples [deg], shape ``(n_time,)``; NaN counts as
            not visible.
        times: sample times, shape ``(n_time,)``, strictly increasing
            (``datetime64`` or numeric).
        min_elevation_deg: visibility threshold [deg] (``elevation >= threshold``).

    Returns:
        ``[(start, end), ...]`` in time order, where ``start``/``end`` are the first
        and last *samples* of each run with ``elevation >= min_elevation_deg``.

    Resolution: edges are only as good as the sampling.  The true rise lies in
    ``(times[k-1], start]`` and the true set in ``[end, times[k+1])``, so both
    edges are late/early by less than one sample step.  Windows already open at
    ``times[0]`` or still open at ``times[-1]`` are truncated to the series; passes
    shorter than a step may be missed entirely.
    """
    el = np.asarray(elevation_deg, dtype=np.float64)
    t = np.asarray(times)
    if el.ndim != 1:
        raise ValueError(f"elevation_deg must be 1-D (n_time,), got shape {el.shape}")
    if t.shape != el.shape:
        raise ValueError(f"times shape {t.shape} must equal elevation_deg shape {el.shape}")
    thr = _finite_float(min_elevation_deg, "min_elevation_deg", "[-90, 90] deg")
    if el.size > 1 and not np.all(np.diff(t) > np.zeros((), dtype=np.diff(t).dtype)):
        raise ValueError("times must be strictly increasing")
    visible = el >= thr
    edges = np.diff(np.concatenate(([False], visible, [False])).astype(np.int8))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1) - 1
    return [(t[s], t[e]) for s, e in zip(starts, ends, strict=True)]


def best_visible_satellite(
    elevation_deg: np.ndarray, min_elevation_deg: float = 0.0
) -> int | np.ndarray:
    """Index of the highest-elevation satellite at/above ``min_elevation_deg``.

    Args:
        elevation_deg: elevations [deg] with satellites on axis 0: shape ``(n_sat,)``
            or ``(n_sat, ...)`` (e.g. ``(n_sat, n_time)``).  NaN counts as not visible.
        min_elevation_deg: visibility threshold [deg] (default 0, the horizon).

    Returns:
        For 1-D input an ``int`` (``-1`` if no satellite is visible); otherwise an
        int64 array of shape ``elevation_deg.shape[1:]`` with ``-1`` where none is.
    """
    el = np.asarray(elevation_deg, dtype=np.float64)
    if el.ndim == 0:
        raise ValueError("elevation_deg must have a satellite axis (n_sat, ...)")
    thr = _finite_float(min_elevation_deg, "min_elevation_deg", "[-90, 90] deg")
    if el.shape[0] == 0:
        out = np.full(el.shape[1:], -1, dtype=np.int64)
        return -1 if el.ndim == 1 else out
    masked = np.where(el >= thr, el, -np.inf)  # NaN >= thr is False
    idx = np.argmax(masked, axis=0)
    best = np.take_along_axis(masked, idx[None, ...], axis=0)[0]
    idx = np.where(np.isfinite(best), idx, -1).astype(np.int64)
    return int(idx) if el.ndim == 1 else idx
