"""Interim stand-ins for ``leo_envs.models.visibility`` / ``leo_envs.models.isl`` with the
contract's signatures (briefs/contracts.md), built on ``leo_envs.models.orbits``. Used only
until the models helper's modules land on main; then this file is deleted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from leo_envs.models import orbits

R_EARTH_KM = orbits.WGS84_A_KM


@dataclass(frozen=True)
class GroundSite:
    lat_deg: float
    lon_deg: float
    alt_km: float = 0.0


class PassTable(NamedTuple):
    sat: NDArray[np.int64]
    rise_s: NDArray[np.float64]
    set_s: NDArray[np.float64]


class VisibilityIndex:
    def __init__(
        self, constellation, sites, start: datetime, duration_s, step_s, min_elevation_deg
    ) -> None:
        self.constellation, self.sites, self.start = constellation, list(sites), start
        self.min_el = float(min_elevation_deg)
        self.t_s = np.arange(0.0, duration_s + step_s, step_s)
        times = np.array(
            [np.datetime64(start + timedelta(seconds=float(t)), "ns") for t in self.t_s]
        )
        jd, fr = orbits.julian_date(times)
        r, _, _ = orbits.propagate_teme_km(constellation, (jd, fr))
        self._ecef = orbits.teme_to_ecef_km(r, jd, fr)  # [n_sat, n_t, 3]
        site = self.sites[0]
        self._el = orbits.look_angles(self._ecef, site.lat_deg, site.lon_deg, site.alt_km)[0]

    def passes(self, site: int) -> PassTable:
        el = self._el - self.min_el
        vis = el >= 0
        n_sat, n_t = vis.shape
        pad = np.zeros((n_sat, 1), dtype=bool)
        edges = np.diff(np.concatenate([pad, vis, pad], axis=1).astype(np.int8), axis=1)
        s_sat, s_k = np.nonzero(edges == 1)
        e_sat, e_k = np.nonzero(edges == -1)
        dt = self.t_s[1] - self.t_s[0]

        def cross(sat, k0):  # linear interpolation of the zero crossing between k0 and k0+1
            a, b = el[sat, k0], el[sat, k0 + 1]
            return self.t_s[k0] + dt * a / (a - b)

        rise = np.where(s_k > 0, cross(s_sat, np.maximum(s_k - 1, 0)), 0.0)
        last = e_k - 1
        inner = e_k < n_t
        set_ = np.where(inner, cross(e_sat, np.minimum(last, n_t - 2)), self.t_s[-1])
        return PassTable(s_sat.astype(np.int64), rise, set_)

    def sat_ecef_km(self, t_s: float) -> NDArray[np.float64]:
        k = round(t_s / (self.t_s[1] - self.t_s[0]))
        return self._ecef[:, k]


def line_of_sight(a_km, b_km, grazing_altitude_km: float = 80.0) -> NDArray[np.bool_]:
    a, b = np.asarray(a_km, float), np.asarray(b_km, float)
    d = b - a
    u = np.clip(-np.sum(a * d, -1) / np.maximum(np.sum(d * d, -1), 1e-12), 0.0, 1.0)
    closest = a + u[..., None] * d
    return np.linalg.norm(closest, axis=-1) >= R_EARTH_KM + grazing_altitude_km
