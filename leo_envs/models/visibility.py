"""Which satellites a ground site sees, and for how long: a propagate-once visibility index.

:class:`VisibilityIndex` propagates a constellation once over a time grid (sgp4
``SatrecArray``, TEME -> ECEF by GMST), then answers per ground site:

* pass windows (rise, culmination, set, maximum elevation), with edges found on the grid
  and refined on exact SGP4 elevations to well below one second;
* ``visible(site, t)``, ``visible_sats(site, t)`` and the remaining window of a satellite
  at ``t`` (RelayOffloading's offloading deadline, GreenOffloading's visible set);
* exact look angles and satellite positions at any time.

Propagations are cached by a content hash of (constellation, epoch, grid); per-site
elevations and pass tables by (site, threshold) inside them, so building the same index
twice (e.g. one per env copy) propagates once.

Ground points are on the WGS84 ellipsoid (:mod:`leo_envs.models.frames`).  Times are
seconds after the index's ``start`` epoch.

The two sampled helpers :func:`visibility_windows` and :func:`best_visible_satellite` work
on elevation arrays the caller already has.
"""

from __future__ import annotations

import hashlib
import math
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
from numpy.typing import NDArray

from leo_envs.models._checks import finite_float
from leo_envs.models.frames import (
    geodetic_to_ecef_km,
    julian_date,
    look_angles,
    teme_to_ecef_km,
)
from leo_envs.models.tle import Constellation

__all__ = [
    "GroundSite",
    "PassTable",
    "VisibilityIndex",
    "best_visible_satellite",
    "cache_info",
    "clear_cache",
    "visibility_windows",
]

#: Propagations kept in memory (each is n_sat x n_time x 3 float64: 55 MB for Starlink
#: shell 1 over a day at 1-min steps).
CACHE_SIZE = 4
#: Bracket width [s] below which an edge is interpolated linearly (error ~1e-6 s).
EDGE_TOLERANCE_S = 0.05
_MAX_ROUNDS = 200  # refinement rounds cap (each shrinks a bracket to <= 0.95 of it)
_GRAZE_MARGIN_DEG = 1.0  # slack on the concavity bound used to find grazing passes


@dataclass(frozen=True)
class GroundSite:
    """A point on (or above) the WGS84 ellipsoid.

    Attributes:
        lat_deg: geodetic latitude in [-90, 90] deg.
        lon_deg: longitude in [-180, 360] deg (east positive).
        alt_km: height above the ellipsoid in [-1, 100] km.
    """

    lat_deg: float
    lon_deg: float
    alt_km: float = 0.0

    def __post_init__(self) -> None:
        for name, low, high in (
            ("lat_deg", -90.0, 90.0),
            ("lon_deg", -180.0, 360.0),
            ("alt_km", -1.0, 100.0),
        ):
            value = finite_float(getattr(self, name), name, f"[{low}, {high}]")
            if not low <= value <= high:
                raise ValueError(f"{name} must be in [{low}, {high}], got {value}")
            object.__setattr__(self, name, value)

    @property
    def ecef_km(self) -> NDArray[np.float64]:
        """ECEF position [km], shape (3,)."""
        return geodetic_to_ecef_km(self.lat_deg, self.lon_deg, self.alt_km)


@dataclass(frozen=True, eq=False)
class PassTable:
    """Passes of satellites over one site, sorted by rise time (then satellite).

    All arrays have one entry per pass.  ``rise_s``/``set_s`` are the threshold crossings
    in seconds after the index start; a pass already in progress at the start has
    ``rise_s == 0`` and one still in progress at the end ``set_s == duration_s`` (the
    horizon clips them).  ``culmination_s`` is the time of ``max_elevation_deg``.
    """

    sat: NDArray[np.int64]
    rise_s: NDArray[np.float64]
    culmination_s: NDArray[np.float64]
    set_s: NDArray[np.float64]
    max_elevation_deg: NDArray[np.float64]
    _longest_s: float = field(default=0.0, init=False, repr=False)

    def __post_init__(self) -> None:
        for name in ("sat", "rise_s", "culmination_s", "set_s", "max_elevation_deg"):
            getattr(self, name).setflags(write=False)
        longest = float(np.max(self.set_s - self.rise_s)) if len(self) else 0.0
        object.__setattr__(self, "_longest_s", longest)

    def __len__(self) -> int:
        return int(self.sat.shape[0])

    @property
    def duration_s(self) -> NDArray[np.float64]:
        """Length of each pass [s] (``set_s - rise_s``)."""
        return self.set_s - self.rise_s

    def covering(self, t_s: float) -> NDArray[np.intp]:
        """Indices of the passes with ``rise_s <= t_s <= set_s``."""
        first = np.searchsorted(self.rise_s, t_s - self._longest_s, side="left")
        last = np.searchsorted(self.rise_s, t_s, side="right")
        window = np.arange(first, last)
        return window[self.set_s[window] >= t_s]


# --------------------------------------------------------------------------- cache


class _Propagation:
    """ECEF positions of every satellite on the grid, plus per-site products (memoised)."""

    def __init__(self, constellation: Constellation, jd0: float, fr0: float, times_s) -> None:
        self.constellation = constellation
        self.jd0, self.fr0 = jd0, fr0
        self.times_s = times_s
        self.ecef_km = _propagate_ecef_km(constellation, jd0, fr0, times_s)  # [n_sat, n_t, 3]
        self.ecef_km.setflags(write=False)
        self.elevation: dict[GroundSite, NDArray[np.float64]] = {}
        self.passes: dict[tuple[GroundSite, float], PassTable] = {}


_CACHE: OrderedDict[str, _Propagation] = OrderedDict()
_STATS = {"hits": 0, "misses": 0}


def cache_info() -> dict[str, int]:
    """Propagation-cache counters: ``hits``, ``misses`` and current ``size``."""
    return {**_STATS, "size": len(_CACHE)}


def clear_cache() -> None:
    """Drop every cached propagation (counters are kept)."""
    _CACHE.clear()


def _propagation(
    constellation: Constellation, jd0: float, fr0: float, times_s: NDArray[np.float64]
) -> _Propagation:
    digest = hashlib.sha256()
    digest.update(constellation.content_hash.encode())
    digest.update(np.array([jd0, fr0]).tobytes())
    digest.update(times_s.tobytes())
    key = digest.hexdigest()
    if key in _CACHE:
        _STATS["hits"] += 1
        _CACHE.move_to_end(key)
        return _CACHE[key]
    _STATS["misses"] += 1
    entry = _Propagation(constellation, jd0, fr0, times_s)
    _CACHE[key] = entry
    while len(_CACHE) > CACHE_SIZE:
        _CACHE.popitem(last=False)
    return entry


def _julian(jd0: float, fr0: float, t_s: NDArray[np.float64]):
    """Two-part Julian dates of ``t_s`` seconds after ``(jd0, fr0)`` (the one formula used
    for grid and exact queries, so both evaluate SGP4 at the same instants)."""
    return np.full(t_s.shape, jd0), fr0 + t_s / 86_400.0


def _propagate_ecef_km(
    constellation: Constellation, jd0: float, fr0: float, t_s: NDArray[np.float64]
) -> NDArray[np.float64]:
    jd, fr = _julian(jd0, fr0, t_s)
    _, r_teme, _ = constellation.satrec_array.sgp4(jd, fr)
    return teme_to_ecef_km(r_teme, jd, fr)


# --------------------------------------------------------------------------- index


class VisibilityIndex:
    """Satellite visibility from ground sites over ``[0, duration_s]`` s after ``start``.

    Args:
        constellation: the satellites (TLEs or a Walker shell); their order is the
            satellite axis of every answer.
        sites: ground sites (:class:`GroundSite`), at least one.
        start: epoch of ``t = 0`` (naive datetimes are UTC).
        duration_s: horizon length in (0, 10 days] s.
        step_s: grid step in (0, 600] s (at most ``duration_s``); passes shorter than the
            step may be missed only if they peak off-grid and are not concave there (see
            :meth:`passes`).
        min_elevation_deg: visibility threshold [deg] in [-10, 90], one for all sites or
            one per site.

    The grid is ``0, step_s, 2 step_s, ...`` plus ``duration_s`` itself.  Satellites whose
    SGP4 propagation fails (e.g. decayed) have NaN positions and are never visible.
    Answers from pass tables (``visible``, ``visible_sats``, ``remaining_window_s``) take
    ``t_s`` in ``[0, duration_s]``; exact ones (``look_angles``, ``sat_ecef_km``) any
    finite ``t_s``.  Pickling keeps only the arguments (the cache rebuilds the rest).
    """

    def __init__(
        self,
        constellation: Constellation,
        sites: Sequence[GroundSite],
        start: datetime,
        duration_s: float,
        step_s: float,
        min_elevation_deg: float | Sequence[float] = 0.0,
    ) -> None:
        if not isinstance(constellation, Constellation):
            raise TypeError(
                f"constellation must be a Constellation, got {type(constellation).__name__}"
            )
        if len(constellation) == 0:
            raise ValueError("constellation must hold at least one satellite")
        sites = tuple(sites)
        if not sites or not all(isinstance(s, GroundSite) for s in sites):
            raise ValueError("sites must be a non-empty sequence of GroundSite")
        if not isinstance(start, datetime):
            raise TypeError(f"start must be a datetime.datetime, got {type(start).__name__}")
        duration_s = finite_float(duration_s, "duration_s", "(0, 864000] s")
        if not 0.0 < duration_s <= 864_000.0:
            raise ValueError(f"duration_s must be in (0, 864000] s, got {duration_s}")
        step_s = finite_float(step_s, "step_s", "(0, 600] s")
        if not 0.0 < step_s <= min(600.0, duration_s):
            raise ValueError(
                f"step_s must be in (0, min(600, duration_s)={min(600.0, duration_s)}] s, "
                f"got {step_s}"
            )
        try:
            thresholds = np.asarray(min_elevation_deg, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(
                f"min_elevation_deg must be a number or one per site, got {min_elevation_deg!r}"
            ) from None
        if thresholds.ndim == 0:
            thresholds = np.full(len(sites), float(thresholds))
        if thresholds.shape != (len(sites),):
            raise ValueError(
                f"min_elevation_deg must be a number or one per site ({len(sites)}), "
                f"got shape {thresholds.shape}"
            )
        if not np.all(np.isfinite(thresholds) & (thresholds >= -10.0) & (thresholds <= 90.0)):
            raise ValueError(f"min_elevation_deg must be in [-10, 90] deg, got {thresholds}")

        self.constellation = constellation
        self.sites = sites
        self.start = start
        self.duration_s = duration_s
        self.step_s = step_s
        self.min_elevation_deg = tuple(float(x) for x in thresholds)
        n_full = math.floor(duration_s / step_s + 1e-9) + 1
        times = np.arange(n_full, dtype=np.float64) * step_s
        if times[-1] < duration_s - 1e-9 * step_s:
            times = np.append(times, duration_s)
        times.setflags(write=False)
        self.times_s = times
        utc = start.astimezone(UTC).replace(tzinfo=None) if start.tzinfo else start
        jd, fr = julian_date(np.datetime64(utc, "ns"))
        self._jd0, self._fr0 = float(jd), float(fr)
        self._prop = _propagation(constellation, self._jd0, self._fr0, times)

    def __reduce__(self):
        return (
            VisibilityIndex,
            (
                self.constellation,
                self.sites,
                self.start,
                self.duration_s,
                self.step_s,
                self.min_elevation_deg,
            ),
        )

    @property
    def n_sat(self) -> int:
        return len(self.constellation)

    @property
    def cache_key(self) -> str:
        """Hash of (constellation, epoch, grid, sites, thresholds): equal keys, equal answers."""
        digest = hashlib.sha256()
        digest.update(self.constellation.content_hash.encode())
        digest.update(np.array([self._jd0, self._fr0]).tobytes())
        digest.update(self.times_s.tobytes())
        digest.update(repr((self.sites, self.min_elevation_deg)).encode())
        return digest.hexdigest()

    # ------------------------------------------------------------------ argument checks
    def _site(self, site: int) -> int:
        if isinstance(site, bool) or not isinstance(site, int | np.integer):
            raise TypeError(f"site must be an int index, got {type(site).__name__}")
        if not 0 <= site < len(self.sites):
            raise ValueError(f"site must be in [0, {len(self.sites) - 1}], got {site}")
        return int(site)

    def _horizon_time(self, t_s: float) -> float:
        t = finite_float(t_s, "t_s", f"[0, {self.duration_s}] s")
        if not 0.0 <= t <= self.duration_s:
            raise ValueError(f"t_s must be in [0, duration_s={self.duration_s}] s, got {t}")
        return t

    # ------------------------------------------------------------------ exact geometry
    def sat_ecef_km(self, t_s: float | NDArray) -> NDArray[np.float64]:
        """Exact SGP4 ECEF positions [km]: [n_sat, 3] for a scalar ``t_s``, [n_t, n_sat, 3]
        for a 1-D array (grid times are read from the cache, the same SGP4 evaluation)."""
        t = np.asarray(t_s, dtype=np.float64)
        if t.ndim > 1 or not np.all(np.isfinite(t)):
            raise ValueError(f"t_s must be a finite scalar or 1-D array, got {t_s!r}")
        times = np.atleast_1d(t)
        k = np.rint(times / self.step_s).astype(np.int64)
        on_grid = (k >= 0) & (k < self.times_s.size)
        on_grid[on_grid] = self.times_s[k[on_grid]] == times[on_grid]
        if on_grid.all():
            out = self._prop.ecef_km[:, k]
        else:
            out = _propagate_ecef_km(self.constellation, self._jd0, self._fr0, times)
        out = np.moveaxis(out, 1, 0)  # time-major, as every index answer
        return np.array(out[0]) if t.ndim == 0 else np.ascontiguousarray(out)

    def look_angles(
        self, site: int, t_s: float | NDArray
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        """Exact (elevation_deg, azimuth_deg, range_km) of every satellite from ``site``:
        each [n_sat] for a scalar ``t_s``, [n_t, n_sat] for a 1-D array."""
        s = self.sites[self._site(site)]
        return look_angles(self.sat_ecef_km(t_s), s.lat_deg, s.lon_deg, s.alt_km)

    def _exact_elevation(
        self, site: GroundSite, sats: NDArray[np.int64], t_s: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        """Elevation [deg] of satellite ``sats[i]`` at times ``t_s[i, :]`` (exact SGP4)."""
        order = np.argsort(sats, kind="stable")
        sorted_sats = sats[order]
        width = t_s.shape[1]
        starts = np.r_[0, np.flatnonzero(np.diff(sorted_sats)) + 1] * width
        ends = np.r_[starts[1:], sorted_sats.size * width]
        jd, fr = _julian(self._jd0, self._fr0, t_s[order].ravel())
        r_sorted = np.empty((jd.size, 3))
        satrecs = self.constellation.satrecs
        for first, last in zip(starts.tolist(), ends.tolist(), strict=True):
            err, r, _ = satrecs[sorted_sats[first // width]].sgp4_array(
                jd[first:last], fr[first:last]
            )
            r[err != 0] = np.nan
            r_sorted[first:last] = r
        r_teme = np.empty((*t_s.shape, 3))
        r_teme[order] = r_sorted.reshape(sats.size, width, 3)
        jd, fr = _julian(self._jd0, self._fr0, t_s)
        ecef = teme_to_ecef_km(r_teme, jd, fr)
        return look_angles(ecef, site.lat_deg, site.lon_deg, site.alt_km)[0]

    # ------------------------------------------------------------------ passes
    def _grid_elevation(self, site: GroundSite) -> NDArray[np.float64]:
        cached = self._prop.elevation.get(site)
        if cached is None:
            cached = look_angles(self._prop.ecef_km, site.lat_deg, site.lon_deg, site.alt_km)[0]
            cached.setflags(write=False)
            self._prop.elevation[site] = cached
        return cached

    def grid_elevation_deg(self, site: int) -> NDArray[np.float64]:
        """Elevations [deg] on the grid ``times_s``, [n_t, n_sat] (read-only view)."""
        return self._grid_elevation(self.sites[self._site(site)]).T

    def passes(self, site: int) -> PassTable:
        """Every pass of every satellite over ``site`` within the horizon.

        Runs of grid samples at/above the threshold give the passes; each rise and set is
        the threshold crossing between the bracketing samples, found on exact SGP4
        elevations by repeated 16-section and linear interpolation in a bracket under
        ``EDGE_TOLERANCE_S`` (error far below 1 s), and the culmination is the maximum
        refined the same way.  Passes that peak above the threshold between two samples
        below it are found from grid local maxima that could reach the threshold
        (concave-peak bound ``2 el_k - min(el_k-1, el_k+1)``) and kept if their refined
        maximum does.
        """
        index = self._site(site)
        key = (self.sites[index], self.min_elevation_deg[index])
        table = self._prop.passes.get(key)
        if table is None:
            table = self._compute_passes(*key)
            self._prop.passes[key] = table
        return table

    def _compute_passes(self, site: GroundSite, threshold: float) -> PassTable:
        el = self._grid_elevation(site)  # [n_sat, n_t]
        t = self.times_s
        n_t = t.size
        above = el >= threshold  # NaN is never visible
        padded = np.zeros((el.shape[0], n_t + 2), dtype=np.int8)
        padded[:, 1:-1] = above
        change = np.diff(padded, axis=1)
        run_sat, k_first = np.nonzero(change == 1)  # both sorted by (satellite, time)
        _, k_last = np.nonzero(change == -1)
        k_last = k_last - 1

        # sampled culmination: highest sample of each run
        flat = np.flatnonzero(above)
        run_of = np.cumsum(np.isin(flat, run_sat * n_t + k_first)) - 1
        order = np.lexsort((-el.ravel()[flat], run_of))
        first_of_run = order[np.flatnonzero(np.diff(run_of[order], prepend=-1))]
        k_peak = flat[first_of_run] - run_sat * n_t

        # grazing passes: grid local maxima below the threshold that could exceed it
        inner, left, right = el[:, 1:-1], el[:, :-2], el[:, 2:]
        bound = 2.0 * inner - np.minimum(left, right) + _GRAZE_MARGIN_DEG
        graze_sat, graze_k = np.nonzero(
            (inner < threshold) & (inner >= left) & (inner >= right) & (bound >= threshold)
        )
        graze_k = graze_k + 1

        n_run = run_sat.size
        peak_sat = np.concatenate([run_sat, graze_sat])
        peak_k = np.concatenate([k_peak, graze_k])
        t_max, el_max = self._refine_max(site, peak_sat, peak_k)

        # grazing passes whose refined maximum reaches the threshold become passes
        keep = el_max[n_run:] >= threshold
        g_sat, g_k = graze_sat[keep], graze_k[keep]
        g_peak, g_max = t_max[n_run:][keep], el_max[n_run:][keep]

        # crossings: rise in [t[k-1], t[k]] of a run or [t[k-1], peak] of a grazing pass,
        # set in [t[k], t[k+1]] or [peak, t[k+1]]
        has_rise, has_set = k_first > 0, k_last < n_t - 1
        r_sat, r_k = run_sat[has_rise], k_first[has_rise]
        s_sat, s_k = run_sat[has_set], k_last[has_set]
        crossing = self._refine_crossing(
            site,
            threshold,
            np.concatenate([r_sat, g_sat, s_sat, g_sat]),
            np.concatenate([t[r_k - 1], t[g_k - 1], t[s_k], g_peak]),
            np.concatenate([t[r_k], g_peak, t[s_k + 1], t[g_k + 1]]),
            np.concatenate([el[r_sat, r_k - 1], el[g_sat, g_k - 1], el[s_sat, s_k], g_max]),
            np.concatenate([el[r_sat, r_k], g_max, el[s_sat, s_k + 1], el[g_sat, g_k + 1]]),
        )
        n_r, n_g, n_s = r_sat.size, g_sat.size, s_sat.size
        rise_runs = np.zeros(n_run)
        rise_runs[has_rise] = crossing[:n_r]
        set_runs = np.full(n_run, self.duration_s)
        set_runs[has_set] = crossing[n_r + n_g : n_r + n_g + n_s]

        sat = np.concatenate([run_sat, g_sat]).astype(np.int64)
        rise = np.concatenate([rise_runs, crossing[n_r : n_r + n_g]])
        sets = np.concatenate([set_runs, crossing[n_r + n_g + n_s :]])
        culm = np.clip(np.concatenate([t_max[:n_run], g_peak]), rise, sets)
        max_el = np.concatenate([el_max[:n_run], g_max])
        order = np.lexsort((sat, rise))
        return PassTable(
            sat=sat[order],
            rise_s=rise[order],
            culmination_s=culm[order],
            set_s=sets[order],
            max_elevation_deg=max_el[order],
        )

    def _refine_crossing(
        self, site: GroundSite, threshold: float, sats, lo, hi, el_lo, el_hi
    ) -> NDArray[np.float64]:
        """Times in ``[lo, hi]`` where each satellite's elevation crosses ``threshold``.

        ``el_lo``/``el_hi`` (elevations at the ends) lie on opposite sides of it.  Each
        round evaluates SGP4 at the linear-interpolation guess +- 1/20 of the bracket and
        keeps the third that holds the crossing (at most 0.95 of the bracket, ~0.1 when
        the guess is good); brackets under ``EDGE_TOLERANCE_S`` end by interpolation.
        """
        lo, hi = lo.astype(np.float64), hi.astype(np.float64)
        el_lo, el_hi = el_lo.astype(np.float64), el_hi.astype(np.float64)
        for _ in range(_MAX_ROUNDS):
            active = np.flatnonzero(hi - lo >= EDGE_TOLERANCE_S)
            if active.size == 0:
                break
            a_lo, a_hi, e_lo, e_hi = lo[active], hi[active], el_lo[active], el_hi[active]
            width = a_hi - a_lo
            guess = a_lo + width * _interpolation_fraction(e_lo, e_hi, threshold)
            delta = width / 20.0
            a = np.clip(guess - delta, a_lo, a_hi - 2 * delta)
            b = a + 2 * delta
            el_ab = self._exact_elevation(site, sats[active], np.stack([a, b], axis=1))
            side_lo = e_lo >= threshold
            in_first = (el_ab[:, 0] >= threshold) != side_lo
            in_middle = ~in_first & ((el_ab[:, 1] >= threshold) != side_lo)
            in_last = ~in_first & ~in_middle
            lo[active] = np.where(in_first, a_lo, np.where(in_middle, a, b))
            hi[active] = np.where(in_first, a, np.where(in_middle, b, a_hi))
            el_lo[active] = np.where(in_first, e_lo, np.where(in_middle, el_ab[:, 0], el_ab[:, 1]))
            el_hi[active] = np.where(in_first, el_ab[:, 0], np.where(in_last, e_hi, el_ab[:, 1]))
        return lo + (hi - lo) * _interpolation_fraction(el_lo, el_hi, threshold)

    def _refine_max(self, site: GroundSite, sats, k):
        """Time and value of each satellite's maximum elevation near grid sample ``k``.

        The maximum lies in ``[t[k-1], t[k+1]]`` (``k`` is a sampled local maximum).  Each
        round evaluates SGP4 at the parabola vertex through the best three known points
        and +- 1/20 of the bracket around it, and keeps the part of the bracket around
        the best point, until the bracket is under ``EDGE_TOLERANCE_S``.
        """
        t = self.times_s
        el = self._grid_elevation(site)
        k_lo, k_hi = np.maximum(k - 1, 0), np.minimum(k + 1, t.size - 1)
        lo, hi, best_t = t[k_lo], t[k_hi], t[k].astype(np.float64)
        el_lo, el_hi, best = el[sats, k_lo], el[sats, k_hi], el[sats, k].astype(np.float64)
        for _ in range(_MAX_ROUNDS):
            active = np.flatnonzero(hi - lo >= EDGE_TOLERANCE_S)
            if active.size == 0:
                break
            a_lo, a_hi, m = lo[active], hi[active], best_t[active]
            width = a_hi - a_lo
            vertex = _parabola_vertex(a_lo, m, a_hi, el_lo[active], best[active], el_hi[active])
            delta = width / 20.0
            points = np.stack([vertex - delta, vertex, vertex + delta], axis=1)
            points = np.clip(points, a_lo[:, None], a_hi[:, None])
            values = self._exact_elevation(site, sats[active], points)
            # candidates: the three new points and the previous best
            cand_t = np.concatenate([points, m[:, None]], axis=1)
            cand_el = np.concatenate([values, best[active][:, None]], axis=1)
            cand_el = np.nan_to_num(cand_el, nan=-np.inf)
            j = np.argmax(cand_el, axis=1)
            rows = np.arange(active.size)
            new_best_t, new_best = cand_t[rows, j], cand_el[rows, j]
            # new bracket: the nearest evaluated neighbours of the best point
            all_t = np.concatenate([a_lo[:, None], cand_t, a_hi[:, None]], axis=1)
            all_el = np.concatenate(
                [el_lo[active][:, None], cand_el, el_hi[active][:, None]], axis=1
            )
            below = np.where(all_t < new_best_t[:, None], all_t, -np.inf)
            above = np.where(all_t > new_best_t[:, None], all_t, np.inf)
            j_lo, j_hi = np.argmax(below, axis=1), np.argmin(above, axis=1)
            new_lo = np.where(np.isfinite(below[rows, j_lo]), all_t[rows, j_lo], new_best_t)
            new_hi = np.where(np.isfinite(above[rows, j_hi]), all_t[rows, j_hi], new_best_t)
            el_lo[active] = np.where(new_lo < new_best_t, all_el[rows, j_lo], new_best)
            el_hi[active] = np.where(new_hi > new_best_t, all_el[rows, j_hi], new_best)
            lo[active], hi[active] = new_lo, new_hi
            best_t[active], best[active] = new_best_t, new_best
        return best_t, best

    # ------------------------------------------------------------------ pass queries
    def visible(self, site: int, t_s: float | NDArray) -> NDArray[np.bool_]:
        """Whether each satellite is in a pass at ``t_s``: [n_sat] for a scalar, [n_t, n_sat]
        for a 1-D array (``rise_s <= t_s <= set_s`` of a pass)."""
        table = self.passes(site)
        t = np.asarray(t_s, dtype=np.float64)
        if t.ndim > 1:
            raise ValueError(f"t_s must be a scalar or 1-D array, got shape {t.shape}")
        out = np.zeros((t.size, self.n_sat), dtype=bool)
        for i, ti in enumerate(np.atleast_1d(t)):
            out[i, table.sat[table.covering(self._horizon_time(ti))]] = True
        return out[0] if t.ndim == 0 else out

    def visible_sats(self, site: int, t_s: float) -> NDArray[np.int64]:
        """Sorted indices of the satellites in a pass over ``site`` at ``t_s`` (scalar)."""
        table = self.passes(site)
        return np.sort(table.sat[table.covering(self._horizon_time(t_s))])

    def remaining_window_s(
        self, site: int, sat: int | NDArray, t_s: float
    ) -> float | NDArray[np.float64]:
        """Seconds from ``t_s`` until satellite ``sat`` sets below the site's threshold
        (``set_s - t_s`` of the pass covering ``t_s``; 0.0 where not visible).  A pass
        still in progress at the end of the horizon counts up to ``duration_s``."""
        table = self.passes(site)
        t = self._horizon_time(t_s)
        sats = np.asarray(sat)
        if sats.dtype.kind not in "iu" or np.any((sats < 0) | (sats >= self.n_sat)):
            raise ValueError(f"sat must be integer indices in [0, {self.n_sat - 1}], got {sat!r}")
        remaining = np.zeros(self.n_sat)
        covering = table.covering(t)
        remaining[table.sat[covering]] = table.set_s[covering] - t
        out = remaining[sats]
        return float(out) if sats.ndim == 0 else out


def _interpolation_fraction(el_lo, el_hi, threshold: float) -> NDArray[np.float64]:
    """Where in [0, 1] the line through (0, el_lo), (1, el_hi) meets ``threshold``."""
    span = el_hi - el_lo
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = (threshold - el_lo) / span
    return np.clip(np.nan_to_num(frac, nan=0.5, posinf=0.5, neginf=0.5), 0.0, 1.0)


def _parabola_vertex(t0, t1, t2, f0, f1, f2) -> NDArray[np.float64]:
    """Vertex time of the parabola through three points (``t1`` where degenerate)."""
    d0, d2 = t1 - t0, t2 - t1
    num = d0**2 * (f1 - f2) - d2**2 * (f1 - f0)
    den = d0 * (f1 - f2) + d2 * (f1 - f0)
    with np.errstate(divide="ignore", invalid="ignore"):
        vertex = t1 - 0.5 * num / den
    ok = np.isfinite(vertex) & (vertex >= t0) & (vertex <= t2)
    return np.where(ok, vertex, t1)


# --------------------------------------------------------------------------- sampled helpers


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

    Resolution: edges are only as good as the sampling (use :class:`VisibilityIndex`
    for refined edges).  The true rise lies in ``(times[k-1], start]`` and the true set
    in ``[end, times[k+1])``.  Windows already open at ``times[0]`` or still open at
    ``times[-1]`` are truncated to the series; passes shorter than a step may be missed.
    """
    el = np.asarray(elevation_deg, dtype=np.float64)
    t = np.asarray(times)
    if el.ndim != 1:
        raise ValueError(f"elevation_deg must be 1-D (n_time,), got shape {el.shape}")
    if t.shape != el.shape:
        raise ValueError(f"times shape {t.shape} must equal elevation_deg shape {el.shape}")
    thr = finite_float(min_elevation_deg, "min_elevation_deg", "[-90, 90] deg")
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
    thr = finite_float(min_elevation_deg, "min_elevation_deg", "[-90, 90] deg")
    if el.shape[0] == 0:
        out = np.full(el.shape[1:], -1, dtype=np.int64)
        return -1 if el.ndim == 1 else out
    masked = np.where(el >= thr, el, -np.inf)  # NaN >= thr is False
    idx = np.argmax(masked, axis=0)
    best = np.take_along_axis(masked, idx[None, ...], axis=0)[0]
    idx = np.where(np.isfinite(best), idx, -1).astype(np.int64)
    return int(idx) if el.ndim == 1 else idx
