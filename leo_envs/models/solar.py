"""Solar irradiance for energy-harvesting base stations (paper 003, Sec. 2.2 and Table 1).

Pure numpy, no pvlib at run time. Three pieces:

* **A real irradiance trace.** ``ghi_trace_w_m2`` returns hourly global horizontal irradiance
  (GHI) of the Greensboro, NC typical meteorological year, shipped as
  ``leo_envs/data/greensboro_tmy3_ghi.csv``. Provenance (also in the file header): NREL TMY3
  station 723170 (Greensboro Piedmont Triad Intl, 36.100 N, 79.950 W, 273 m, UTC-5), file
  ``pvlib/data/723170TYA.CSV`` as bundled with pvlib 0.16.1, read with
  ``pvlib.iotools.read_tmy3(path, map_variables=True, coerce_year=...)``, column ``ghi``.
  TMY3 rows are hour-*ending* in local standard time (first row 01:00 = the hour 00:00-01:00);
  the shipped array is relabelled to hour-*starting*. The derivation script is
  ``leo_envs/data/derive_solar_data.py``.

* **One time convention for every trace in leo-envs**: a value is the *interval average* in
  W/m^2 over ``[label, label + interval)``; the label is the interval start. Hour ``i`` of the
  shipped year is ``[i, i+1)`` hours after 1 January 00:00 local standard time (UTC-5), i.e.
  ``[i + 5, i + 6)`` hours after 1 January 00:00 UTC (``GREENSBORO_UTC_OFFSET_H``).
  Night is exactly zero: GHI is 0 whenever the sun is below the horizon for the whole
  interval (a test checks this against the solar position; a one-hour label shift fails it).

* **Geometry**: ``solar_elevation_deg`` is the NOAA solar-position algorithm (after Meeus,
  *Astronomical Algorithms*, ch. 25; error < 0.05 deg for 1950-2050, checked against
  ``pvlib.solarposition.get_solarposition`` in the tests where pvlib is installed);
  ``clear_sky_ghi_w_m2`` is the Haurwitz (1945) clear-sky model, the same formula as
  ``pvlib.clearsky.haurwitz``. The clear-sky index ``GHI / clear-sky GHI`` is the scale the
  forecasters and the forecast-error knob of GreenOffloading-v0 share.

``pv_power_w`` turns irradiance into the PV output that charges a site's battery (eq. 9's
harvest; paper 003 Sec. 2.2).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import numpy as np
from numpy.typing import ArrayLike, NDArray

HOURS_PER_YEAR = 8760
SECONDS_PER_HOUR = 3600
GREENSBORO_LAT_DEG = 36.100
GREENSBORO_LON_DEG = -79.950
GREENSBORO_ALT_M = 273.0
GREENSBORO_UTC_OFFSET_H = -5
"""Local standard time of the shipped trace is UTC-5 (no daylight saving in TMY3)."""

GHI_DATA_FILE = "greensboro_tmy3_ghi.csv"
HAURWITZ_A_W_M2 = 1098.0
"""Haurwitz clear-sky model GHI = 1098 cos(z) exp(-0.059 / cos(z)) (Haurwitz 1945)."""
HAURWITZ_B = 0.059


@lru_cache(maxsize=1)
def _shipped_ghi() -> NDArray[np.float64]:
    text = resources.files("leo_envs.data").joinpath(GHI_DATA_FILE).read_text(encoding="utf-8")
    return parse_ghi_csv(text)


def parse_ghi_csv(text: str) -> NDArray[np.float64]:
    """Parse the shipped GHI file: ``#`` comment lines, a ``hour,ghi_w_m2`` header, 8760 rows.

    Raises ``ValueError`` naming the problem for a malformed file (wrong header, missing or
    out-of-order hours, non-finite or negative irradiance).
    """
    rows = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    if not rows or rows[0].strip() != "hour,ghi_w_m2":
        raise ValueError("GHI file: expected a 'hour,ghi_w_m2' header after the comment lines")
    try:
        data = np.array([[float(x) for x in row.split(",")] for row in rows[1:]], dtype=np.float64)
    except ValueError as exc:
        raise ValueError(f"GHI file: non-numeric row ({exc})") from None
    if data.shape != (HOURS_PER_YEAR, 2):
        raise ValueError(
            f"GHI file: expected {HOURS_PER_YEAR} rows of 2 columns, got shape {data.shape}"
        )
    if not np.array_equal(data[:, 0], np.arange(HOURS_PER_YEAR)):
        raise ValueError("GHI file: 'hour' must run 0, 1, ..., 8759 in order")
    ghi = data[:, 1]
    if not np.all(np.isfinite(ghi)) or np.any(ghi < 0.0):
        raise ValueError("GHI file: ghi_w_m2 must be finite and >= 0")
    ghi.setflags(write=False)
    return ghi


def ghi_trace_w_m2(start_hour_of_year: int = 0, n_hours: int | None = None) -> NDArray[np.float64]:
    """Hourly Greensboro TMY3 GHI in W/m^2 (interval average, label = hour start, UTC-5).

    ``start_hour_of_year`` in ``[0, 8759]`` counts hours from 1 January 00:00 local standard
    time; ``n_hours`` (default: to the end of the year) may run past 31 December, in which
    case the typical year wraps around to 1 January (a TMY has no year boundary of its own).
    Returns a fresh array.
    """
    start = _check_int("start_hour_of_year", start_hour_of_year, 0, HOURS_PER_YEAR - 1)
    n = HOURS_PER_YEAR - start if n_hours is None else _check_int("n_hours", n_hours, 1, None)
    idx = (start + np.arange(n)) % HOURS_PER_YEAR
    return _shipped_ghi()[idx].copy()


def resample_w_m2(
    hourly_w_m2: ArrayLike, slot_s: float, shape: ArrayLike | None = None
) -> NDArray[np.float64]:
    """Resample an hourly interval-average trace (W/m^2) to ``slot_s`` slots, conserving energy.

    ``slot_s`` must divide 3600 s or be a whole number of hours dividing the trace length.
    Longer slots average the hours they cover. Shorter slots split each hour:

    * without ``shape``, every slot of an hour gets the hour's mean (piecewise constant);
    * with ``shape`` (non-negative weights per output slot, e.g. the clear-sky GHI of each
      slot), the hour's energy is split in proportion to ``shape`` (clear-sky-index
      disaggregation), so slots where the sun is down get exactly zero. An hour whose shape
      is all zero but whose mean is not falls back to the piecewise-constant split.

    Either way the mean over each hour equals the input (energy is conserved to rounding).
    """
    hourly = np.asarray(hourly_w_m2, dtype=np.float64)
    if hourly.ndim != 1 or hourly.size == 0:
        raise ValueError(f"hourly_w_m2 must be a non-empty 1-D array, got shape {hourly.shape}")
    if not np.all(np.isfinite(hourly)) or np.any(hourly < 0.0):
        raise ValueError("hourly_w_m2 must be finite and >= 0")
    slot = float(slot_s)
    if not np.isfinite(slot) or slot <= 0.0:
        raise ValueError(f"slot_s must be a positive number of seconds, got {slot_s!r}")
    if slot >= SECONDS_PER_HOUR:
        hours_per_slot = slot / SECONDS_PER_HOUR
        k = round(hours_per_slot)
        if abs(hours_per_slot - k) > 1e-9 or hourly.size % k:
            raise ValueError(
                f"slot_s = {slot_s} must be a whole number of hours dividing the trace "
                f"({hourly.size} h) or divide 3600 s"
            )
        if shape is not None:
            raise ValueError("shape is only used when slot_s < 3600 s")
        return hourly.reshape(-1, k).mean(axis=1)
    per_hour = SECONDS_PER_HOUR / slot
    m = round(per_hour)
    if abs(per_hour - m) > 1e-9:
        raise ValueError(f"slot_s = {slot_s} must divide 3600 s (e.g. 900, 600, 60)")
    out = np.repeat(hourly, m).reshape(-1, m)
    if shape is not None:
        weights = np.asarray(shape, dtype=np.float64)
        if weights.shape != (hourly.size * m,):
            raise ValueError(
                f"shape must have one weight per output slot ({hourly.size * m}), "
                f"got shape {weights.shape}"
            )
        if not np.all(np.isfinite(weights)) or np.any(weights < 0.0):
            raise ValueError("shape must be finite and >= 0")
        weights = weights.reshape(-1, m)
        hour_mean = weights.mean(axis=1, keepdims=True)
        has_shape = hour_mean[:, 0] > 0.0
        out[has_shape] = hourly[has_shape, None] * weights[has_shape] / hour_mean[has_shape]
    return out.reshape(-1)


def _julian_day_ut(times_utc: ArrayLike) -> NDArray[np.float64]:
    t = np.asarray(times_utc)
    if not np.issubdtype(t.dtype, np.datetime64):
        raise TypeError(f"times must be numpy datetime64 (UTC), got dtype {t.dtype}")
    seconds = (t - np.datetime64("2000-01-01T12:00:00")) / np.timedelta64(1, "s")
    return 2451545.0 + np.asarray(seconds, dtype=np.float64) / 86400.0


def _check_lat_lon(lat_deg: ArrayLike, lon_deg: ArrayLike) -> tuple[NDArray, NDArray]:
    lat = np.asarray(lat_deg, dtype=np.float64)
    lon = np.asarray(lon_deg, dtype=np.float64)
    if not np.all(np.isfinite(lat)) or np.any(np.abs(lat) > 90.0):
        raise ValueError(f"lat_deg must lie in [-90, 90], got {lat_deg!r}")
    if not np.all(np.isfinite(lon)) or np.any(np.abs(lon) > 360.0):
        raise ValueError(f"lon_deg must lie in [-360, 360], got {lon_deg!r}")
    return lat, lon


def solar_elevation_deg(
    times_utc: ArrayLike, lat_deg: ArrayLike, lon_deg: ArrayLike
) -> NDArray[np.float64]:
    """Geometric solar elevation angle in degrees (no refraction) at UTC ``datetime64`` times.

    NOAA solar-position algorithm (Meeus ch. 25: mean longitude and anomaly, equation of
    centre, apparent longitude, obliquity, equation of time). ``times_utc`` broadcasts against
    ``lat_deg``/``lon_deg`` (degrees north / east), so a ``[n_t, 1]`` time column and ``[n_site]``
    coordinates give ``[n_t, n_site]``.
    """
    lat, lon = _check_lat_lon(lat_deg, lon_deg)
    jd = _julian_day_ut(times_utc)
    t = (jd - 2451545.0) / 36525.0
    mean_long = np.deg2rad((280.46646 + t * (36000.76983 + 0.0003032 * t)) % 360.0)
    mean_anom = np.deg2rad(357.52911 + t * (35999.05029 - 0.0001537 * t))
    ecc = 0.016708634 - t * (0.000042037 + 0.0000001267 * t)
    centre = (
        np.sin(mean_anom) * (1.914602 - t * (0.004817 + 0.000014 * t))
        + np.sin(2 * mean_anom) * (0.019993 - 0.000101 * t)
        + np.sin(3 * mean_anom) * 0.000289
    )
    omega = np.deg2rad(125.04 - 1934.136 * t)
    apparent_long = np.deg2rad(np.rad2deg(mean_long) + centre - 0.00569 - 0.00478 * np.sin(omega))
    obliq_mean = (
        23.0 + (26.0 + (21.448 - t * (46.815 + t * (0.00059 - t * 0.001813))) / 60.0) / 60.0
    )
    obliq = np.deg2rad(obliq_mean + 0.00256 * np.cos(omega))
    declination = np.arcsin(np.sin(obliq) * np.sin(apparent_long))
    y = np.tan(obliq / 2.0) ** 2
    eot_min = 4.0 * np.rad2deg(
        y * np.sin(2 * mean_long)
        - 2 * ecc * np.sin(mean_anom)
        + 4 * ecc * y * np.sin(mean_anom) * np.cos(2 * mean_long)
        - 0.5 * y * y * np.sin(4 * mean_long)
        - 1.25 * ecc * ecc * np.sin(2 * mean_anom)
    )
    utc_minutes = ((jd + 0.5) % 1.0) * 1440.0
    true_solar_min = utc_minutes + eot_min + 4.0 * lon
    hour_angle = np.deg2rad(true_solar_min / 4.0 - 180.0)
    phi = np.deg2rad(lat)
    sin_el = np.sin(phi) * np.sin(declination) + np.cos(phi) * np.cos(declination) * np.cos(
        hour_angle
    )
    return np.rad2deg(np.arcsin(np.clip(sin_el, -1.0, 1.0)))


def clear_sky_ghi_w_m2(
    times_utc: ArrayLike, lat_deg: ArrayLike, lon_deg: ArrayLike
) -> NDArray[np.float64]:
    """Instantaneous clear-sky GHI in W/m^2, Haurwitz model: 1098 cos z exp(-0.059 / cos z).

    Zero while the sun is below the horizon. Broadcasting as in ``solar_elevation_deg``.
    """
    cos_z = np.sin(np.deg2rad(solar_elevation_deg(times_utc, lat_deg, lon_deg)))
    out = np.zeros_like(cos_z)
    up = cos_z > 0.0
    out[up] = HAURWITZ_A_W_M2 * cos_z[up] * np.exp(-HAURWITZ_B / cos_z[up])
    return out


def interval_clear_sky_ghi_w_m2(
    starts_utc: ArrayLike,
    interval_s: float,
    lat_deg: ArrayLike,
    lon_deg: ArrayLike,
    samples: int = 6,
) -> NDArray[np.float64]:
    """Interval-average clear-sky GHI (W/m^2) over ``[start, start + interval_s)``.

    Midpoint rule on ``samples`` sub-intervals, so the result follows the house time
    convention (interval average, label = start). ``starts_utc`` is 1-D ``datetime64``;
    scalar coordinates give ``[n_t]``, 1-D coordinates ``[n_t, n_site]``.
    """
    starts = np.asarray(starts_utc).astype("datetime64[ms]")
    if starts.ndim != 1:
        raise ValueError(f"starts_utc must be 1-D, got shape {starts.shape}")
    n_sub = _check_int("samples", samples, 1, None)
    interval_ms = float(interval_s) * 1000.0
    if not np.isfinite(interval_ms) or interval_ms <= 0.0:
        raise ValueError(f"interval_s must be positive, got {interval_s!r}")
    lat, lon = _check_lat_lon(lat_deg, lon_deg)
    if lat.ndim > 1 or lat.shape != lon.shape:
        raise ValueError("lat_deg and lon_deg must be scalars or 1-D arrays of equal length")
    offsets = ((np.arange(n_sub) + 0.5) * interval_ms / n_sub).astype("timedelta64[ms]")
    sub_times = starts[:, None] + offsets  # [n_t, samples]
    if lat.ndim == 0:
        return clear_sky_ghi_w_m2(sub_times, lat, lon).mean(axis=1)
    return clear_sky_ghi_w_m2(sub_times[:, :, None], lat, lon).mean(axis=1)  # [n_t, n_site]


def pv_power_w(ghi_w_m2: ArrayLike, panel_area_m2: ArrayLike, efficiency: ArrayLike) -> NDArray:
    """PV output power in W: GHI (W/m^2) x panel area (m^2) x module efficiency (0, 1].

    A flat panel with a constant efficiency (paper 003 leaves the PV model open; spec B4 uses
    a 500 W peak at 1000 W/m^2, i.e. area x efficiency = 0.5 m^2).
    """
    ghi = np.asarray(ghi_w_m2, dtype=np.float64)
    area = np.asarray(panel_area_m2, dtype=np.float64)
    eff = np.asarray(efficiency, dtype=np.float64)
    if np.any(~np.isfinite(ghi)) or np.any(ghi < 0.0):
        raise ValueError("ghi_w_m2 must be finite and >= 0")
    if np.any(~np.isfinite(area)) or np.any(area <= 0.0):
        raise ValueError("panel_area_m2 must be finite and > 0")
    if np.any(~np.isfinite(eff)) or np.any(eff <= 0.0) or np.any(eff > 1.0):
        raise ValueError("efficiency must lie in (0, 1]")
    return ghi * area * eff


def _check_int(name: str, value: object, low: int, high: int | None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    v = int(value)
    if v < low or (high is not None and v > high):
        allowed = f"[{low}, {high}]" if high is not None else f">= {low}"
        raise ValueError(f"{name} must be {allowed}, got {v}")
    return v
