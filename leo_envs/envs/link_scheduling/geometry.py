"""LEO pass geometry of LinkScheduling-v0, on the orbit models' visibility index.

The serving satellite belongs to an Iridium-like Walker shell (6 planes x 11, phasing 2)
at the configured altitude and inclination, propagated with SGP4 from ``ORBIT_EPOCH``
(:mod:`leo_envs.models.visibility`).  The cell centre is the site on the WGS84
ellipsoid; devices sit on the ellipsoid at east/north offsets from it
(:func:`leo_envs.models.frames.enu_offset_to_geodetic`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from leo_envs.envs.link_scheduling.config import LinkSchedulingConfig
from leo_envs.models import frames, shells
from leo_envs.models.visibility import GroundSite, VisibilityIndex

ORBIT_EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
#: Walker shell (planes, satellites per plane, phasing) of the serving LEO.
SHELL_PLANES, SHELL_SATS_PER_PLANE, SHELL_PHASING = 6, 11, 2
#: Pass times are drawn from samples every PASS_TABLE_STEP_S over [0, PASS_TABLE_HOURS).
PASS_TABLE_HOURS = 6.0
PASS_TABLE_STEP_S = 10.0


def pass_key(config: LinkSchedulingConfig) -> tuple[float, float, float, float, float]:
    """The config fields the pass geometry depends on, in ``pass_table``'s order."""
    return (
        config.leo_altitude_km,
        config.leo_inclination_deg,
        config.site_lat_deg,
        config.site_lon_deg,
        config.leo_min_elevation_deg,
    )


@lru_cache(maxsize=16)
def pass_index(
    altitude_km: float,
    inclination_deg: float,
    lat_deg: float,
    lon_deg: float,
    min_elevation_deg: float,
) -> VisibilityIndex:
    """Visibility of the shell from the site on the pass-table grid (built once, cached)."""
    shell = shells.walker_delta(
        SHELL_PLANES,
        SHELL_SATS_PER_PLANE,
        SHELL_PHASING,
        altitude_km,
        inclination_deg,
        ORBIT_EPOCH,
    )
    return VisibilityIndex(
        shell,
        [GroundSite(lat_deg, lon_deg)],
        ORBIT_EPOCH,
        PASS_TABLE_HOURS * 3600.0 - PASS_TABLE_STEP_S,  # samples [0, 6 h)
        PASS_TABLE_STEP_S,
        min_elevation_deg,
    )


@lru_cache(maxsize=16)
def pass_table(
    altitude_km: float,
    inclination_deg: float,
    lat_deg: float,
    lon_deg: float,
    min_elevation_deg: float,
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Times (s after ``ORBIT_EPOCH``) when a satellite is above ``min_elevation_deg``
    over the site, and the index of the highest one, sampled every 10 s over 6 h (SGP4).

    Raises:
        ValueError: naming ``site_lat_deg``, ``leo_inclination_deg`` and
            ``leo_min_elevation_deg`` when no satellite ever reaches the elevation.
    """
    index = pass_index(altitude_km, inclination_deg, lat_deg, lon_deg, min_elevation_deg)
    elevation = index.grid_elevation_deg(0)  # [n_time, n_sat]
    best = np.argmax(elevation, axis=1)
    visible = elevation[np.arange(best.size), best] >= min_elevation_deg
    if not visible.any():
        raise ValueError(
            f"no satellite of the {inclination_deg} deg shell reaches leo_min_elevation_deg="
            f"{min_elevation_deg} over site_lat_deg={lat_deg} (site_lon_deg={lon_deg}) in "
            f"{PASS_TABLE_HOURS} h: move the site towards the equator, raise "
            f"leo_inclination_deg to at least |site_lat_deg|, or lower leo_min_elevation_deg"
        )
    return index.times_s[visible], best[visible]


def check_site_sees_leo(config: LinkSchedulingConfig) -> None:
    """Raise ``ValueError`` (naming the fields) if the site never sees a satellite above
    ``leo_min_elevation_deg``; run when an env is constructed, not at its first reset."""
    pass_table(*pass_key(config))


def leo_geometry(
    config: LinkSchedulingConfig, pass_time_s: float, positions_m: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64], float]:
    """Slant range [T, K] (km) and off-boresight angle [T, K] (rad) from the serving LEO.

    The serving satellite is the highest one over the site at ``pass_time_s``; its beam
    points at the cell centre.  Devices are placed on the WGS84 ellipsoid at their
    east/north offsets (m) from the site.  Also returns the satellite's elevation (deg)
    over the site.
    """
    index = pass_index(*pass_key(config))
    elevation = index.look_angles(0, pass_time_s)[0]  # [n_sat]
    serving = int(np.argmax(elevation))
    seconds = pass_time_s + config.slot_s * np.arange(config.n_slots)
    sat = index.sat_ecef_km(seconds)[:, serving]  # [T, 3]
    lat, lon = frames.enu_offset_to_geodetic(
        config.site_lat_deg, config.site_lon_deg, positions_m[:, 0], positions_m[:, 1]
    )
    devices = frames.geodetic_to_ecef_km(lat, lon, 0.0)  # [K, 3]
    centre = index.sites[0].ecef_km
    to_device = devices[None, :, :] - sat[:, None, :]
    to_centre = (centre - sat)[:, None, :]
    slant_km = np.linalg.norm(to_device, axis=-1)
    cos_angle = (to_device * to_centre).sum(-1) / (slant_km * np.linalg.norm(to_centre, axis=-1))
    return slant_km, np.arccos(np.clip(cos_angle, -1.0, 1.0)), float(elevation[serving])
