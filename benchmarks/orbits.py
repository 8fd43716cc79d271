"""Orbit propagation + look-angle geometry, measured side by side against raw sgp4 + numpy.

Workload (issue 8, section 1): Starlink shell 1 (72 x 22 = 1584 satellites) over one day
at 1-minute steps (1441 epochs), seen from one ground site: SGP4 positions, TEME -> ECEF
and elevation / azimuth / slant range of every satellite at every epoch.

* ``direct``: what a user writes by hand: ``sgp4.api.SatrecArray.sgp4`` on the two-part
  Julian dates, then the IAU-82 GMST rotation and the WGS84 ENU look angles in plain numpy.
* ``ours``: ``leo_envs.models.frames``: ``propagate_teme_km`` + ``teme_to_ecef_km`` +
  ``look_angles`` (argument checks included).
* ``sgp4 alone``: ``SatrecArray.sgp4`` without any geometry (the floor of both).
* ``index``: building a ``VisibilityIndex`` (propagation + TEME -> ECEF, cache cleared
  first) and its grid elevations for the site; pass refinement is timed separately.

Each figure is the min and median of ``--repeats`` runs in the same process; the ratio
``ours / direct`` of the medians is the goal figure (<= 1.25).

    python benchmarks/orbits.py [--repeats 7]
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import datetime

import numpy as np
from sgp4.api import SatrecArray

from leo_envs.models import frames, visibility
from leo_envs.models.shells import starlink_shell1

EPOCH = datetime(2020, 5, 7)
SITE = (51.5, -0.1, 0.0)  # London, deg / deg / km
N_STEPS = 24 * 60 + 1


def _julian_dates() -> tuple[np.ndarray, np.ndarray]:
    jd0, fr0 = frames.julian_date(np.datetime64(EPOCH, "ns"))
    minutes = np.arange(N_STEPS, dtype=np.float64)
    return np.full(N_STEPS, float(jd0)), float(fr0) + minutes / 1440.0


def direct(satrecs: SatrecArray, jd: np.ndarray, fr: np.ndarray):
    """Raw sgp4 plus the same geometry written out in plain numpy."""
    _, r, _ = satrecs.sgp4(jd, fr)  # [n_sat, n_t, 3] TEME km
    t = ((jd - 2451545.0) + fr) / 36525.0
    gmst_s = (
        67310.54841
        + 86400.0 * (np.mod(jd - 2451545.0, 1.0) + fr)
        + 8640184.812866 * t
        + 0.093104 * t**2
        - 6.2e-6 * t**3
    )
    theta = np.mod(gmst_s, 86400.0) * (2.0 * np.pi / 86400.0)
    c, s = np.cos(theta), np.sin(theta)
    x = c * r[..., 0] + s * r[..., 1]
    y = -s * r[..., 0] + c * r[..., 1]
    z = r[..., 2]
    lat, lon, alt = np.radians(SITE[0]), np.radians(SITE[1]), SITE[2]
    e2 = frames.WGS84_F * (2.0 - frames.WGS84_F)
    n = frames.WGS84_A_KM / np.sqrt(1.0 - e2 * np.sin(lat) ** 2)
    gx = (n + alt) * np.cos(lat) * np.cos(lon)
    gy = (n + alt) * np.cos(lat) * np.sin(lon)
    gz = (n * (1.0 - e2) + alt) * np.sin(lat)
    dx, dy, dz = x - gx, y - gy, z - gz
    east = -np.sin(lon) * dx + np.cos(lon) * dy
    north = -np.sin(lat) * np.cos(lon) * dx - np.sin(lat) * np.sin(lon) * dy + np.cos(lat) * dz
    up = np.cos(lat) * np.cos(lon) * dx + np.cos(lat) * np.sin(lon) * dy + np.sin(lat) * dz
    horiz = np.hypot(east, north)
    elevation = np.degrees(np.arctan2(up, horiz))
    azimuth = np.mod(np.degrees(np.arctan2(east, north)), 360.0)
    return elevation, azimuth, np.hypot(horiz, up)


def ours(shell, jd: np.ndarray, fr: np.ndarray):
    r, _, _ = frames.propagate_teme_km(shell, (jd, fr))
    ecef = frames.teme_to_ecef_km(r, jd, fr)
    return frames.look_angles(ecef, *SITE)


def index(shell):
    visibility.clear_cache()
    site = visibility.GroundSite(*SITE)
    idx = visibility.VisibilityIndex(shell, [site], EPOCH, (N_STEPS - 1) * 60.0, 60.0, 25.0)
    return idx, idx.grid_elevation_deg(0)


def timed(fn, repeats: int) -> tuple[float, float, object]:
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()

    shell = starlink_shell1(EPOCH)
    satrecs = SatrecArray(list(shell.satrecs))
    shell.satrec_array  # noqa: B018  (built once, as the direct path's array is)
    jd, fr = _julian_dates()

    rows = []
    # interleave the two contenders so drifting machine load hits both alike
    d_times, o_times, s_times = [], [], []
    for _ in range(args.repeats):
        d_times.append(timed(lambda: direct(satrecs, jd, fr), 1)[0])
        o_times.append(timed(lambda: ours(shell, jd, fr), 1)[0])
        s_times.append(timed(lambda: satrecs.sgp4(jd, fr), 1)[0])
    el_direct = direct(satrecs, jd, fr)[0]
    el_ours = ours(shell, jd, fr)[0]
    rows.append(("direct: SatrecArray + numpy", min(d_times), statistics.median(d_times)))
    rows.append(("ours: frames.propagate/teme/look", min(o_times), statistics.median(o_times)))
    rows.append(("sgp4 alone (no geometry): floor", min(s_times), statistics.median(s_times)))
    i_min, i_med, (idx, el_index) = timed(lambda: index(shell), max(3, args.repeats // 2))
    rows.append(("VisibilityIndex build + grid el", i_min, i_med))
    p_min, p_med, table = timed(
        lambda: idx._compute_passes(idx.sites[0], idx.min_elevation_deg[0]), 3
    )
    rows.append((f"pass refinement ({len(table)} passes)", p_min, p_med))

    print(f"{len(shell)} satellites x {N_STEPS} epochs ({len(shell) * N_STEPS:,} positions)")
    print(f"{'':36s} {'min [s]':>9s} {'median [s]':>11s} {'median / direct':>16s}")
    base = rows[0][2]
    for name, t_min, t_med in rows:
        print(f"{name:36s} {t_min:9.3f} {t_med:11.3f} {t_med / base:16.2f}")
    print(
        f"ratio ours / direct: median {rows[1][2] / rows[0][2]:.3f}, "
        f"min {rows[1][1] / rows[0][1]:.3f} (goal <= 1.25)"
    )
    print(f"ratio ours / sgp4 alone: median {rows[1][2] / rows[2][2]:.3f} (the geometry's share)")
    diff = np.nanmax(np.abs(el_direct - el_ours))
    diff_index = np.nanmax(np.abs(el_index.T - el_ours))
    print(
        f"max |elevation difference| direct vs ours {diff:.2e} deg, index vs ours "
        f"{diff_index:.2e} deg"
    )


if __name__ == "__main__":
    main()
