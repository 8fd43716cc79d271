"""Which Starlink satellites each site sees per sub-step, and their link SNR (eqs. 4-5).

Visibility and geometry come from the orbit model's ``VisibilityIndex``
(``leo_envs.models.visibility``): sgp4 propagation, TEME->ECEF with GMST, WGS-84 look
angles, elevation >= the mask (spec 1.2; 003's printed spherical formula is not used).
The per-episode result is a padded table ``[n_t, n_site, K]`` of the K or fewer visible
satellites per site and sub-step, cached by the index's content hash, so tasks that share
a constellation epoch share the work.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from importlib import resources

import numpy as np
from numpy.typing import NDArray

from leo_envs.envs.green_offloading.radio import link_snr_db

TLE_FILE = "starlink-2020-05-07.tle"
TLE_EPOCH = datetime(2020, 5, 7, 4, 0, 1)
"""Epoch of the shipped TLE set (20128.16667824); the Walker shell uses it too."""
_CACHE_SIZE = 8


@dataclass(frozen=True)
class SkyTable:
    """Visible satellites per (sub-step, site), padded to K with sat = -1."""

    sat: NDArray[np.int64]  # [n_t, N, K] constellation index, -1 = padding
    elevation_deg: NDArray[np.float64]  # [n_t, N, K] (NaN padding)
    range_km: NDArray[np.float64]  # [n_t, N, K] (NaN padding)
    snr_db: NDArray[np.float64]  # [n_t, N, K] eq. (4) (-inf padding)
    n_sat: int  # satellites in the constellation

    @property
    def valid(self) -> NDArray[np.bool_]:
        """[n_t, N, K] mask of real (non-padding) entries."""
        return self.sat >= 0


@lru_cache(maxsize=2)
def constellation(name: str, epoch: datetime):
    """The constellation by config name: the Walker shell 1 at ``epoch`` or the shipped TLEs."""
    if name == "starlink_shell1":
        from leo_envs.models.shells import starlink_shell1

        return starlink_shell1(epoch)
    if name == "starlink_tle":
        from leo_envs.models.tle import load_tle

        text = resources.files("leo_envs.data").joinpath(TLE_FILE).read_text(encoding="utf-8")
        return load_tle(text)
    raise ValueError(f"constellation must be 'starlink_shell1' or 'starlink_tle', got {name!r}")


_TABLES: OrderedDict[tuple, SkyTable] = OrderedDict()


def sky_table(
    constellation_name: str,
    epoch_offset_h: float,
    lat_deg: NDArray,
    lon_deg: NDArray,
    *,
    duration_s: float,
    step_s: float,
    min_elevation_deg: float,
    eirp_dbw: float,
    g_over_t_db_per_k: float,
    carrier_hz: float,
    bandwidth_hz: float,
    extra_losses_db: float,
) -> SkyTable:
    """Visible satellites and SNR for every site on the grid ``0, step_s, ..`` (< duration_s).

    ``epoch_offset_h`` shifts the episode start from the TLE epoch (the constellation-epoch
    task dimension). Results are cached (LRU of 8 episodes' tables).
    """
    from leo_envs.models.frames import look_angles  # sgp4-heavy: imported on first use
    from leo_envs.models.visibility import GroundSite, VisibilityIndex

    lat = np.asarray(lat_deg, dtype=np.float64)
    lon = np.asarray(lon_deg, dtype=np.float64)
    start = TLE_EPOCH + timedelta(hours=float(epoch_offset_h))
    key = (
        constellation_name, start, lat.tobytes(), lon.tobytes(), duration_s, step_s,
        min_elevation_deg, eirp_dbw, g_over_t_db_per_k, carrier_hz, bandwidth_hz,
        extra_losses_db,
    )  # fmt: skip
    if key in _TABLES:
        _TABLES.move_to_end(key)
        return _TABLES[key]
    # Which satellites are up: the pass table of the cluster centre (sites lie within
    # ~15 km, i.e. within ~0.1 deg of the centre's view); the look angles per site.
    centre = GroundSite(float(lat.mean()), float(lon.mean()))
    index = VisibilityIndex(
        constellation(constellation_name, TLE_EPOCH),
        [centre],
        start,
        duration_s,
        step_s,
        min_elevation_deg,
    )
    times = np.arange(round(duration_s / step_s), dtype=np.float64) * step_s
    t_idx, sat_idx = np.nonzero(index.visible(0, times))  # time-major order
    pos_km = index.sat_ecef_km(times)[t_idx, sat_idx]  # [M, 3]
    el, _, rng_km = look_angles(pos_km, lat, lon)  # [M, N]
    n_t, n_site = times.size, lat.size
    counts = np.bincount(t_idx, minlength=n_t)
    k_max = max(1, int(counts.max(initial=0)))
    rank = np.arange(t_idx.size) - np.searchsorted(t_idx, t_idx)  # position within time
    sat = np.full((n_t, n_site, k_max), -1, dtype=np.int64)
    elev = np.full((n_t, n_site, k_max), np.nan)
    rng_out = np.full((n_t, n_site, k_max), np.nan)
    sat[t_idx, :, rank] = sat_idx[:, None]
    elev[t_idx, :, rank] = el
    rng_out[t_idx, :, rank] = rng_km
    snr = np.where(
        sat >= 0,
        link_snr_db(
            np.nan_to_num(rng_out, nan=1e3),
            eirp_dbw,
            g_over_t_db_per_k,
            carrier_hz,
            bandwidth_hz,
            extra_losses_db,
        ),
        -np.inf,
    )
    table = SkyTable(sat, elev, rng_out, snr, index.n_sat)
    for arr in (sat, elev, rng_out, snr):
        arr.setflags(write=False)
    _TABLES[key] = table
    while len(_TABLES) > _CACHE_SIZE:
        _TABLES.popitem(last=False)
    return table
