"""Irradiance forecasters of GreenOffloading-v0 and their skill (spec B4, ANCHORS_NEXT 4.4).

Everything is on the clear-sky index kc = GHI / clear-sky GHI, the scale of the env's
forecast-error knob. Forecasts of harvest are kc forecasts times the (exactly known)
clear-sky harvest.

* ``smart_persistence``: kc(t + h) = kc(t) (the reference of forecast skill);
* ``clear_sky_oracle``: kc = 1, i.e. the clear-sky harvest, exact sun geometry and no clouds;
* ``noisy_oracle``: the truth plus Gaussian noise of ``error x sqrt(h)`` (what the env puts
  in the observation);
* an LSTM lives in ``agents/green_offloading_lstm.py`` (torch is not imported here).

``forecast_skill`` = 1 - RMSE(forecast) / RMSE(smart persistence), on daylight samples only
(clear sky >= ``CLEAR_SKY_MIN_W_M2``), the practice of the irradiance literature.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from leo_envs.envs.green_offloading.traces import (
    CLEAR_SKY_MIN_W_M2,
    KC_MAX,
    SITES,
    clear_sky_index,
    site_ghi_slots_w_m2,
)


def kc_series(
    site: str = "greensboro", start_day: int = 0, n_days: int = 365, slot_s: float = 900.0
) -> tuple[NDArray, NDArray, NDArray]:
    """(kc, GHI, clear-sky GHI) per slot over ``n_days`` from ``start_day`` at one site."""
    spec = SITES[site]
    n = round(n_days * 86400 / slot_s)
    ghi, clear = site_ghi_slots_w_m2(
        spec, start_day, n, slot_s, np.array([spec.lat_deg]), np.array([spec.lon_deg])
    )
    return clear_sky_index(ghi[:, 0], clear[:, 0]), ghi[:, 0], clear[:, 0]


def smart_persistence(kc: NDArray, lead: int) -> NDArray:
    """Forecast of kc[t] made ``lead`` slots earlier: kc[t - lead] (NaN for t < lead)."""
    kc = np.asarray(kc, dtype=np.float64)
    out = np.full_like(kc, np.nan)
    out[lead:] = kc[:-lead] if lead else kc
    return out


def clear_sky_oracle(kc: NDArray, lead: int) -> NDArray:
    """The clear-sky forecast kc = 1 at every lead (sun geometry exact, clouds ignored)."""
    return np.ones_like(np.asarray(kc, dtype=np.float64))


def noisy_oracle(kc: NDArray, lead: int, error: float, rng: np.random.Generator) -> NDArray:
    """The env's oracle: truth + N(0, (error sqrt(lead))^2), clipped to [0, KC_MAX]."""
    kc = np.asarray(kc, dtype=np.float64)
    noise = error * np.sqrt(lead) * rng.standard_normal(kc.shape)
    return np.clip(kc + noise, 0.0, KC_MAX)


def rmse(pred: NDArray, truth: NDArray, mask: NDArray) -> float:
    """Root-mean-square error over ``mask`` (and where ``pred`` is defined)."""
    pred, truth = np.asarray(pred), np.asarray(truth)
    ok = np.asarray(mask, dtype=bool) & np.isfinite(pred)
    if not ok.any():
        raise ValueError("no daylight samples with a defined forecast")
    return float(np.sqrt(np.mean((pred[ok] - truth[ok]) ** 2)))


def daylight(clear_sky_w_m2: NDArray) -> NDArray[np.bool_]:
    """Samples that count for forecast errors: clear-sky GHI >= CLEAR_SKY_MIN_W_M2."""
    return np.asarray(clear_sky_w_m2) >= CLEAR_SKY_MIN_W_M2


def forecast_skill(pred: NDArray, truth: NDArray, clear_sky_w_m2: NDArray, lead: int) -> float:
    """Skill 1 - RMSE(pred) / RMSE(smart persistence) on daylight samples where both
    forecasts exist (0 for smart persistence itself, 1 for a perfect forecast)."""
    truth = np.asarray(truth, dtype=np.float64)
    reference = smart_persistence(truth, lead)
    mask = daylight(clear_sky_w_m2) & np.isfinite(reference) & np.isfinite(pred)
    return 1.0 - rmse(pred, truth, mask) / rmse(reference, truth, mask)
