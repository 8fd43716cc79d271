"""Transmit power of a solar-powered terrestrial-satellite terminal (TST), paper 000 Fig. 4.

Paper 000 only says that "the energy supplement available to the TST gradually decreases
with time, [so] the transmitting power also decreases". We model it ([C], spec
``split_inference.md`` section 5) with the shared solar and battery models:

* irradiance: Greensboro TMY3 GHI (``solar.ghi_trace_w_m2``), split into 5-minute slots in
  proportion to the clear-sky GHI (``solar.resample_w_m2`` with a clear-sky shape: zero
  whenever the sun is down), times a clear-sky-index AR(1) perturbation (rho = 0.9 per slot,
  sigma = 0.05, factor clipped to [0, 1.2]);
* PV: ``P_pv = eta_pv A_pv GHI`` (``solar.pv_power_w``; 0.012 m^2 effective, 12 W peak);
* power-control rule: ``p_b = clip(eta_pa (P_pv + P_dis - P_base), p_min, P_max)`` with the
  battery's discharge allowance ``P_dis = P_dis,max clip((SoC - 0.2) / 0.8, 0, 1)``;
* battery: ``battery.battery_step`` with the TST's demand ``(P_base + p_b / eta_pa) dt``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from leo_envs.models import solar
from leo_envs.models.battery import battery_step


@dataclass(frozen=True)
class TstParams:
    """TST energy model ([C] unless noted); powers in W, energy in J, slot in s."""

    slot_s: float = 300.0
    pv_area_m2: float = 0.1
    pv_efficiency: float = 0.12
    p_max_w: float = 2.0  # Table I of 000
    p_min_w: float = 0.05
    p_dis_max_w: float = 2.0
    soc_floor: float = 0.2
    pa_efficiency: float = 0.25
    base_load_w: float = 0.5
    capacity_j: float = 180e3  # 50 Wh
    soc_start: float = 0.5
    self_discharge_per_slot: float = 1.0
    charge_efficiency: float = 0.95
    index_rho: float = 0.9
    index_sigma: float = 0.05


@dataclass(frozen=True)
class TstYear:
    """One simulated year in slots, arrays [n_days, slots_per_day] (local standard time)."""

    p_tx_w: NDArray[np.float64]
    soc: NDArray[np.float64]
    p_pv_w: NDArray[np.float64]
    ghi_w_m2: NDArray[np.float64]
    slot_s: float


def five_minute_ghi_w_m2(
    slot_s: float,
    rng: np.random.Generator,
    rho: float = 0.9,
    sigma: float = 0.05,
    first_day: int = 0,
    n_days: int = 365,
) -> NDArray[np.float64]:
    """TMY days ``first_day ..`` at ``slot_s``: clear-sky-shaped split of each hour, AR(1)
    clear-sky-index noise. Local standard time (UTC-5), slot labels = slot starts."""
    if not 0 <= first_day < 365 or not 1 <= n_days <= 365 - first_day:
        raise ValueError(f"first_day / n_days must select days within the year, got "
                         f"{first_day} / {n_days}")  # fmt: skip
    hourly = solar.ghi_trace_w_m2(24 * first_day, 24 * n_days)
    per_hour = round(3600.0 / slot_s)
    n = hourly.size * per_hour
    start_utc = (
        np.datetime64("2021-01-01T00:00")
        + np.timedelta64(24 * first_day, "h")
        - np.timedelta64(solar.GREENSBORO_UTC_OFFSET_H, "h")
    )
    starts = start_utc + (np.arange(n) * slot_s * 1e3).astype("timedelta64[ms]")
    shape = solar.interval_clear_sky_ghi_w_m2(
        starts, slot_s, solar.GREENSBORO_LAT_DEG, solar.GREENSBORO_LON_DEG
    )
    ghi = solar.resample_w_m2(hourly, slot_s, shape=shape)
    noise = np.empty(n)
    noise[0] = 0.0
    w = rng.standard_normal(n) * sigma * np.sqrt(1 - rho * rho)
    for t in range(1, n):  # AR(1): sequential by definition
        noise[t] = rho * noise[t - 1] + w[t]
    return ghi * np.clip(1.0 + noise, 0.0, 1.2)


def simulate_tst_year(
    params: TstParams, rng: np.random.Generator, first_day: int = 0, n_days: int = 365
) -> TstYear:
    """Run the power-control rule and the battery slot by slot over the TMY year (or days)."""
    p = params
    ghi = five_minute_ghi_w_m2(p.slot_s, rng, p.index_rho, p.index_sigma, first_day, n_days)
    p_pv = solar.pv_power_w(ghi, p.pv_area_m2, p.pv_efficiency)
    n = ghi.size
    p_tx = np.empty(n)
    soc = np.empty(n)
    level = p.soc_start * p.capacity_j
    for t in range(n):  # the battery couples slots: sequential
        s = level / p.capacity_j
        soc[t] = s
        p_dis = p.p_dis_max_w * min(max((s - p.soc_floor) / (1 - p.soc_floor), 0.0), 1.0)
        p_b = min(max(p.pa_efficiency * (p_pv[t] + p_dis - p.base_load_w), p.p_min_w), p.p_max_w)
        p_tx[t] = p_b
        demand = (p.base_load_w + p_b / p.pa_efficiency) * p.slot_s
        step = battery_step(level, p_pv[t] * p.slot_s, demand, p.capacity_j,
                            p.self_discharge_per_slot, p.charge_efficiency)  # fmt: skip
        level = float(step.level_j)
    per_day = round(86400 / p.slot_s)
    return TstYear(
        p_tx.reshape(-1, per_day), soc.reshape(-1, per_day), p_pv.reshape(-1, per_day),
        ghi.reshape(-1, per_day), p.slot_s,
    )  # fmt: skip
