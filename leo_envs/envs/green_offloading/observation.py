"""Observation layout of GreenOffloading-v0: named per-site features, normalised.

The observation is flat float32: ``n_sites`` rows of ``features_per_site(H)`` features
(site-major), then ``sin`` and ``cos`` of the hour of day at the slot start. ``split``
turns it back into named arrays, so policies never index by hand.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from leo_envs.envs.green_offloading.traces import KC_MAX

SNR_SCALE_DB = 50.0
WAIT_CAP = 10.0
J_CAP = 10.0
BACKLOG_CAP = 10.0


@dataclass(frozen=True)
class ObservationLayout:
    """Where each feature sits. ``H`` = forecast horizon; every feature is per site."""

    n_sites: int
    horizon: int

    @property
    def names(self) -> tuple[str, ...]:
        h = self.horizon
        return (
            "battery",  # stored energy / capacity
            *(f"harvest_forecast_{i}" for i in range(h)),  # slots t..t+H-1, / (pv peak x tau)
            *(f"clear_sky_harvest_{i}" for i in range(h)),  # same slots, clear sky
            *(f"load_forecast_{i}" for i in range(h)),  # tasks per slot / (peak rate x tau)
            "last_harvest",  # slot t-1, / (pv peak x tau)
            "last_clear_sky_harvest",
            "last_load",  # arrivals of slot t-1 / (peak rate x tau)
            "containers_on",  # G_on / G
            "local_backlog",  # tasks queued locally or retrying / (G tau / t_cp)
            "sat_coverage",  # share of the coming slot's sub-steps with an eligible satellite
            "best_snr",  # best eligible SNR now (dB) / 50, 0 if none
            "best_sat_wait",  # least expected satellite queue wait / sigma
            "j_ratio",  # J_n = (battery + harvest forecast) / expected consumption
        )

    @property
    def features_per_site(self) -> int:
        return 3 * self.horizon + 10

    @property
    def size(self) -> int:
        return self.n_sites * self.features_per_site + 2

    def bounds(self) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
        """Low and high of the observation Box (finite, so every obs is clipped inside)."""
        high_site = np.ones(self.features_per_site, dtype=np.float32)
        names = self.names
        load_cap = float(4 * self.n_sites)  # site weights sum to N; forecasts carry noise
        for i, name in enumerate(names):
            if "harvest" in name:
                high_site[i] = KC_MAX
            elif "load" in name:
                high_site[i] = load_cap
            elif name == "local_backlog":
                high_site[i] = BACKLOG_CAP
            elif name == "best_snr":
                high_site[i] = 2.0
            elif name == "best_sat_wait":
                high_site[i] = WAIT_CAP
            elif name == "j_ratio":
                high_site[i] = J_CAP
        high = np.concatenate([np.tile(high_site, self.n_sites), np.ones(2, np.float32)])
        low = np.concatenate(
            [np.zeros(self.n_sites * self.features_per_site, np.float32), -np.ones(2, np.float32)]
        )
        return low, high

    def split(self, obs: NDArray) -> dict[str, NDArray]:
        """Named views: each per-site feature as an [N] array, plus 'hour_sin', 'hour_cos'."""
        obs = np.asarray(obs)
        if obs.shape != (self.size,):
            raise ValueError(f"obs must have shape ({self.size},), got {obs.shape}")
        sites = obs[:-2].reshape(self.n_sites, self.features_per_site)
        out = {name: sites[:, i] for i, name in enumerate(self.names)}
        out["hour_sin"], out["hour_cos"] = obs[-2], obs[-1]
        return out

    def stack(self, name_prefix: str, parts: dict[str, NDArray]) -> NDArray:
        """[H, N] array of the horizon features ``name_prefix_0 .. _{H-1}``."""
        return np.stack([parts[f"{name_prefix}_{i}"] for i in range(self.horizon)])
