"""Exogenous traces of GreenOffloading-v0: sites, solar harvest, task arrivals, forecasts.

Every trace follows the house time convention: a value is the interval average (or total)
over ``[label, label + interval)``, labelled by the interval start, and night harvest is
exactly zero (the shipped GHI is disaggregated onto slots with the clear-sky shape, see
``leo_envs.models.solar.resample_w_m2``).

Irradiance at a site other than Greensboro is the Greensboro clear-sky index (shifted by
half a year in the southern hemisphere, so a July day stays a summer day) times the site's
own clear-sky GHI: the spec B4 "clear-sky x TMY clear-sky index" transfer.

Forecasts are noisy oracles on one scale for harvest and load: the clear-sky index (and the
relative load) gets Gaussian noise of standard deviation ``error * sqrt(h)`` at lead ``h``
slots: harvest forecast = true harvest + noise x clear-sky harvest, floored at 0.
``error`` is the one-slot nRMSE of the clear-sky index (spec B4's 0.050 / 0.070 at leads
1 / 2 is ``error = 0.05``). A learned forecaster reports its error on the same scale.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from leo_envs.models.solar import (
    GREENSBORO_LAT_DEG,
    GREENSBORO_LON_DEG,
    GREENSBORO_UTC_OFFSET_H,
    HOURS_PER_YEAR,
    ghi_trace_w_m2,
    interval_clear_sky_ghi_w_m2,
    resample_w_m2,
)

KC_MAX = 1.5
"""Clear-sky index ceiling: Haurwitz clear sky under-predicts at low sun, so ratios of a
few W/m^2 would explode; cloud enhancement rarely exceeds 1.5 in 15-min averages."""
CLEAR_SKY_MIN_W_M2 = 10.0
"""Below this clear-sky GHI a slot counts as night for the clear-sky index (index = 0)."""
REFERENCE_YEAR = 2021
"""Calendar year of the typical-year days (non-leap; the TMY has no year of its own)."""


@dataclass(frozen=True)
class SiteSpec:
    """A named location that can host the N base-station sites."""

    name: str
    lat_deg: float
    lon_deg: float
    utc_offset_h: int
    """Local standard time offset; episodes start at local midnight."""
    doy_shift: int
    """Days added to the day of year before reading the Greensboro clear-sky index."""


SITES: dict[str, SiteSpec] = {
    "greensboro": SiteSpec(
        "greensboro", GREENSBORO_LAT_DEG, GREENSBORO_LON_DEG, GREENSBORO_UTC_OFFSET_H, 0
    ),
    # Paper 003's protected area: Hlane Royal National Park, Eswatini (spec B4).
    "hlane": SiteSpec("hlane", -26.25, 31.90, 2, 182),
}


def site_layout(spec: SiteSpec, n_sites: int, radius_km: float) -> tuple[NDArray, NDArray]:
    """Deterministic (lat_deg, lon_deg) of ``n_sites`` sites on a sunflower spiral of
    ``radius_km`` around the location (even spread, no randomness: part of the task)."""
    k = np.arange(n_sites, dtype=np.float64)
    r_km = radius_km * np.sqrt((k + 0.5) / n_sites) if n_sites > 1 else np.zeros(1)
    theta = k * np.pi * (3.0 - np.sqrt(5.0))
    dlat = r_km * np.cos(theta) / 111.32
    dlon = r_km * np.sin(theta) / (111.32 * np.cos(np.deg2rad(spec.lat_deg)))
    return spec.lat_deg + dlat, spec.lon_deg + dlon


def slot_starts_utc(spec: SiteSpec, day_of_year: int, n_slots: int, slot_s: float) -> NDArray:
    """UTC ``datetime64[s]`` starts of the episode's slots, from local midnight of the day."""
    midnight_local = np.datetime64(f"{REFERENCE_YEAR}-01-01T00:00:00") + np.timedelta64(
        day_of_year, "D"
    )
    start = midnight_local - np.timedelta64(spec.utc_offset_h, "h")
    return start + (np.arange(n_slots) * slot_s).astype("timedelta64[s]")


def _greensboro_slot_ghi(day_of_year: int, n_slots: int, slot_s: float) -> NDArray:
    """Greensboro GHI (W/m^2) per slot from local midnight of ``day_of_year``; slots shorter
    than an hour are disaggregated with the clear-sky shape (energy per hour conserved, zero
    at night), longer ones average whole hours."""
    start_hour = (day_of_year * 24) % HOURS_PER_YEAR
    if slot_s >= 3600:
        hours_per_slot = round(slot_s / 3600)
        return resample_w_m2(ghi_trace_w_m2(start_hour, n_slots * hours_per_slot), slot_s)
    slots_per_hour = round(3600 / slot_s)
    n_hours = -(-n_slots // slots_per_hour)
    home = SITES["greensboro"]
    starts = slot_starts_utc(home, day_of_year, n_hours * slots_per_hour, slot_s)
    shape = interval_clear_sky_ghi_w_m2(starts, slot_s, home.lat_deg, home.lon_deg)
    hourly = ghi_trace_w_m2(start_hour, n_hours)
    return resample_w_m2(hourly, slot_s, shape=shape)[:n_slots]


def clear_sky_slots_w_m2(
    spec: SiteSpec, day_of_year: int, n_slots: int, slot_s: float, lat, lon
) -> NDArray:
    """Interval-average clear-sky GHI [n_slots, n_sites] (W/m^2) at the sites."""
    starts = slot_starts_utc(spec, day_of_year, n_slots, slot_s)
    return interval_clear_sky_ghi_w_m2(starts, slot_s, np.asarray(lat), np.asarray(lon))


def clear_sky_index(ghi_w_m2: NDArray, clear_sky_w_m2: NDArray) -> NDArray:
    """GHI / clear-sky GHI clipped to [0, KC_MAX]; 0 where clear sky < CLEAR_SKY_MIN_W_M2."""
    ghi = np.asarray(ghi_w_m2, dtype=np.float64)
    cs = np.asarray(clear_sky_w_m2, dtype=np.float64)
    day = cs >= CLEAR_SKY_MIN_W_M2
    out = np.zeros(np.broadcast_shapes(ghi.shape, cs.shape))
    ratio = np.divide(ghi, cs, out=np.zeros_like(out), where=day)
    out[...] = np.where(day, np.clip(ratio, 0.0, KC_MAX), 0.0)
    return out


def site_ghi_slots_w_m2(
    spec: SiteSpec, day_of_year: int, n_slots: int, slot_s: float, lat, lon
) -> tuple[NDArray, NDArray]:
    """True GHI and clear-sky GHI [n_slots, n_sites] (W/m^2, interval averages) at the sites.

    Greensboro reads its own measured trace (the spread of the sites over 15 km is ignored
    for the irradiance, which is one station's record); other locations get the Greensboro
    clear-sky index transferred onto their own clear sky.
    """
    clear = clear_sky_slots_w_m2(spec, day_of_year, n_slots, slot_s, lat, lon)
    home_day = (day_of_year + spec.doy_shift) % 365
    home_ghi = _greensboro_slot_ghi(home_day, n_slots, slot_s)
    if spec.name == "greensboro":
        ghi = np.repeat(home_ghi[:, None], clear.shape[1], axis=1)
        return ghi, clear
    home = SITES["greensboro"]
    home_clear = clear_sky_slots_w_m2(
        home, home_day, n_slots, slot_s, np.array([home.lat_deg]), np.array([home.lon_deg])
    )[:, 0]
    kc = clear_sky_index(home_ghi, home_clear)
    return kc[:, None] * clear, clear


def diurnal_load_profile(hour_of_day: NDArray, night_floor: float) -> NDArray:
    """Visitor-driven load as a share of the peak, in [night_floor, 1] (spec B4 [C]): low
    before 08:00, peak 09:00-15:00 (Gaussians at 11:00 and 14:00, 1.8 h wide), falling after
    15:00. The two bumps overlap into one plateau whose maximum (12:30) is the peak."""
    h = np.asarray(hour_of_day, dtype=np.float64)
    bumps = np.exp(-0.5 * ((h - 11.0) / 1.8) ** 2) + np.exp(-0.5 * ((h - 14.0) / 1.8) ** 2)
    peak = 2.0 * np.exp(-0.5 * (1.5 / 1.8) ** 2)
    return night_floor + (1.0 - night_floor) * np.clip(bumps / peak, 0.0, 1.0)


@dataclass(frozen=True)
class EpisodeTraces:
    """Exogenous data of one episode (arrays read-only); ``instance()`` exposes them."""

    slot_starts_utc: NDArray  # [T] datetime64
    site_lat_deg: NDArray  # [N]
    site_lon_deg: NDArray  # [N]
    ghi_w_m2: NDArray  # [T, N] true interval-average GHI
    clear_sky_w_m2: NDArray  # [T, N]
    harvest_j: NDArray  # [T, N] PV energy per slot
    clear_sky_harvest_j: NDArray  # [T + H, N] PV energy per slot under clear sky
    arrival_rate: NDArray  # [T + H, N] expected tasks / s per slot (diurnal x site weight)
    arrivals: NDArray  # [T, S, N] Poisson arrivals per sub-step (tasks)
    harvest_forecast_j: NDArray  # [T, H, N] forecast for slots t..t+H-1 known when deciding t
    arrival_forecast: NDArray  # [T, H, N] expected tasks per slot, same slots


def build_traces(
    spec: SiteSpec,
    day_of_year: int,
    forecast_error: float,
    *,
    n_sites: int,
    n_slots: int,
    slot_s: float,
    substeps: int,
    radius_km: float,
    pv_peak_w: float,
    peak_arrival_rate: float,
    night_floor: float,
    horizon: int,
    rng: np.random.Generator,
) -> EpisodeTraces:
    """Draw one episode's traces (site weights, arrivals, forecast noise) from ``rng``."""
    lat, lon, ghi, clear, harvest, clear_harvest, starts = _task_irradiance(
        spec, day_of_year, n_sites, n_slots, slot_s, radius_km, pv_peak_w, horizon
    )
    hours = (np.arange(n_slots + horizon) + 0.5) * slot_s / 3600.0 % 24.0
    weights = n_sites * rng.dirichlet(np.full(n_sites, 2.0)) if n_sites > 1 else np.ones(1)
    rate = peak_arrival_rate * diurnal_load_profile(hours, night_floor)[:, None] * weights
    dt = slot_s / substeps
    arrivals = rng.poisson(rate[:n_slots, None, :] * dt, size=(n_slots, substeps, n_sites))
    # Forecasts available when deciding slot t, for slots t..t+H-1 (leads 1..H: made at the
    # end of slot t-1), one noise scale for harvest and load.
    lead = np.arange(1, horizon + 1)
    idx = np.arange(n_slots)[:, None] + lead[None, :] - 1  # [T, H]
    sd = forecast_error * np.sqrt(lead)[None, :, None]
    # Error in clear-sky-index units: kc_hat = kc + noise, i.e. harvest + noise x clear sky.
    noise = sd * rng.standard_normal((n_slots, horizon, n_sites))
    harvest_fc = np.maximum(harvest[idx] + noise * clear_harvest[idx], 0.0)
    expected_load = rate * slot_s  # tasks per slot
    load_noise = 1.0 + sd * rng.standard_normal((n_slots, horizon, n_sites))
    arrival_fc = np.clip(expected_load[idx] * load_noise, 0.0, None)
    out = EpisodeTraces(
        slot_starts_utc=starts,
        site_lat_deg=lat,
        site_lon_deg=lon,
        ghi_w_m2=ghi[:n_slots],
        clear_sky_w_m2=clear[:n_slots],
        harvest_j=harvest[:n_slots],
        clear_sky_harvest_j=clear_harvest,
        arrival_rate=rate,
        arrivals=arrivals,
        harvest_forecast_j=harvest_fc,
        arrival_forecast=arrival_fc,
    )
    for value in out.__dict__.values():
        if isinstance(value, np.ndarray):
            value.setflags(write=False)
    return out


@lru_cache(maxsize=8)
def _task_irradiance(
    spec: SiteSpec,
    day_of_year: int,
    n_sites: int,
    n_slots: int,
    slot_s: float,
    radius_km: float,
    pv_peak_w: float,
    horizon: int,
) -> tuple[NDArray, ...]:
    """The deterministic part of a task's traces (site layout, true and clear-sky GHI and
    harvest over T + H slots, slot starts), read-only. Cached: it depends on the task and
    config only, and the solar geometry dominated a reset's cost."""
    lat, lon = site_layout(spec, n_sites, radius_km)
    ghi, clear = site_ghi_slots_w_m2(spec, day_of_year, n_slots + horizon, slot_s, lat, lon)
    pv_j_per_w_m2 = pv_peak_w / 1000.0 * slot_s
    harvest = ghi * pv_j_per_w_m2
    clear_harvest = clear * pv_j_per_w_m2
    starts = slot_starts_utc(spec, day_of_year, n_slots, slot_s)
    out = (lat, lon, ghi, clear, harvest, clear_harvest, starts)
    for value in out:
        value.setflags(write=False)
    return out
