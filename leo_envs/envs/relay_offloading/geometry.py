"""Per-episode orbit geometry: agent satellites, relay candidates, ground-station windows and
ISL state, precomputed once at reset so each decision is a few array look-ups.

Built on the shared orbit layer (``leo_envs.models``): a ``VisibilityIndex`` gives the
ground-station passes (windows, eq. 27's T_a) and satellite positions; +Grid ISLs connect
each satellite to its fore/aft neighbours in its plane and to one satellite in each adjacent
plane; an ISL is up while its chord clears the Earth by ``isl_grazing_altitude_km``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property, lru_cache

import numpy as np
from numpy.typing import NDArray
from sgp4.conveniences import sat_epoch_datetime

from leo_envs.envs.relay_offloading.config import N_RELAY_CANDIDATES, RelayOffloadingConfig
from leo_envs.models.isl import line_of_sight, neighbors, plus_grid_links
from leo_envs.models.shells import starlink_shell1, walker_delta
from leo_envs.models.tle import Constellation, load_tle
from leo_envs.models.visibility import GroundSite, VisibilityIndex

#: The index starts this long before t0, so passes in progress at t0 have their true rise
#: time (and agents may be picked among passes rising up to this long before t0).
LEAD_S = 300.0
#: Coarse grid [s] and angular margin [deg] of the pre-filter that keeps only the satellites
#: that can see the ground station during the episode (see :func:`site_candidates`).
PREFILTER_STEP_S = 60.0
PREFILTER_MARGIN_DEG = 3.0
#: Base epoch of synthetic shells; t0 is drawn around it.
SHELL_EPOCH = datetime(2024, 1, 1)

#: Relay candidates of a satellite: its two +Grid neighbours in its plane, then the two in
#: the adjacent planes (each pair by constellation index).
CANDIDATE_NAMES = ("intra-plane 1", "intra-plane 2", "inter-plane 1", "inter-plane 2")


@dataclass(frozen=True, eq=False)
class EpisodeGeometry:
    """Everything the simulator needs from the orbits for one episode (times: s after t0).

    ``rel`` indexes the relevant satellites: agents first (0..N-1), then relay candidates.
    """

    t0: datetime
    sat_index: NDArray[np.int64]  # [n_rel] constellation index
    sat_names: tuple[str, ...]
    candidates: NDArray[np.int64]  # [N, K] rel index of relay candidate k of agent n
    same_plane: NDArray[np.bool_]  # [N, K]
    rise_s: NDArray[np.float64]  # [n_rel, P] pass rise times, sorted (padding +inf)
    set_s: NDArray[np.float64]  # [n_rel, P] pass set times (padding -inf)
    grid_s: NDArray[np.float64]  # [G] ISL / ground-track grid
    isl_up: NDArray[np.bool_]  # [N, K, G]
    track_lat_deg: NDArray[np.float64]  # [n_rel, G] sub-satellite points
    track_lon_deg: NDArray[np.float64]  # [n_rel, G]
    gs_lat_deg: float
    gs_lon_deg: float
    step_s: float

    @property
    def n_agents(self) -> int:
        return int(self.candidates.shape[0])

    def remaining_window_s(self, rel: NDArray[np.int64], t_s: float) -> NDArray[np.float64]:
        """T_a = t_end - t of the pass containing ``t_s`` (0 where not visible), eq. (27)."""
        rise, set_ = self.rise_s[rel], self.set_s[rel]
        inside = (rise <= t_s) & (t_s < set_)
        return np.where(inside, set_ - t_s, 0.0).max(axis=-1)

    def next_rise_s(self, rel: NDArray[np.int64], t_s: float) -> NDArray[np.float64]:
        """Start of the next pass after ``t_s`` (inf if none in the index)."""
        rise = self.rise_s[rel]
        return np.where(rise > t_s, rise, np.inf).min(axis=-1)

    def isl_up_at(self, agent: int, t_s: float) -> NDArray[np.bool_]:
        """[K] ISL state of an agent's candidates at ``t_s``: up at both bracketing samples."""
        k = min(max(int(t_s // self.step_s), 0), self.grid_s.size - 1)
        return self.isl_ok[agent, k]

    def window_end_s(self, rel: int, t_s: float) -> float:
        """End of ``rel``'s pass containing ``t_s``; ``t_s`` itself if it is not visible."""
        for rise, set_ in self.pass_lists[rel]:
            if rise <= t_s < set_:
                return set_
        return t_s

    @cached_property
    def pass_lists(self) -> tuple[tuple[tuple[float, float], ...], ...]:
        """Per rel satellite, its passes as Python ``(rise, set)`` tuples (fast scalar path)."""
        return tuple(
            tuple((float(a), float(b)) for a, b in zip(r, s, strict=True) if np.isfinite(a))
            for r, s in zip(self.rise_s, self.set_s, strict=True)
        )

    def remaining_list(self, rels: tuple[int, ...], t_s: float) -> list[float]:
        """Scalar-path :meth:`remaining_window_s` for a few satellites (Python floats)."""
        passes = self.pass_lists
        out = []
        for r in rels:
            rem = 0.0
            for rise, set_ in passes[r]:
                if rise <= t_s < set_:
                    rem = set_ - t_s
                    break
            out.append(rem)
        return out

    @cached_property
    def isl_ok_lists(self) -> tuple[tuple[tuple[bool, ...], ...], ...]:
        """[N][G] tuples of K booleans: :attr:`isl_ok` as Python data."""
        return tuple(tuple(map(tuple, agent)) for agent in self.isl_ok.tolist())

    @cached_property
    def isl_ok(self) -> NDArray[np.bool_]:
        """[N, G, K] ISL up at a grid sample and the next one (conservative between samples)."""
        up = self.isl_up
        both = up & np.concatenate([up[..., 1:], up[..., -1:]], axis=-1)
        return np.ascontiguousarray(both.transpose(0, 2, 1))


def build_constellation(config: RelayOffloadingConfig):
    """The constellation of ``config`` and its Walker layout ``(planes, sats per plane,
    phasing)``, or ``None`` for a TLE file (no plane structure known)."""
    if config.constellation == "starlink_shell1":
        return _starlink(), (72, 22, 1)
    if config.constellation == "tle":
        return _tle(config.tle_path), None
    shell, *layout = _shell(
        config.walker_planes,
        config.walker_sats_per_plane,
        config.walker_phasing,
        config.walker_altitude_km,
        config.walker_inclination_deg,
    )
    return shell, tuple(layout)


def constellation_epoch(config: RelayOffloadingConfig) -> datetime:
    """t0 = this epoch + the task's offset: :data:`SHELL_EPOCH` for synthetic shells, the
    latest element epoch (to the second) of a TLE file."""
    if config.constellation != "tle":
        return SHELL_EPOCH
    latest = max(_tle(config.tle_path).satrecs, key=lambda r: r.jdsatepoch + r.jdsatepochF)
    epoch = sat_epoch_datetime(latest).replace(tzinfo=None)
    return epoch.replace(microsecond=0)


@lru_cache(maxsize=2)
def _tle(path: str):
    return load_tle(path)


@lru_cache(maxsize=1)
def _starlink():
    return starlink_shell1(SHELL_EPOCH)


@lru_cache(maxsize=4)
def _shell(planes: int, per_plane: int, phasing: int, altitude_km: float, incl_deg: float):
    shell = walker_delta(planes, per_plane, phasing, altitude_km, incl_deg, SHELL_EPOCH)
    return shell, planes, per_plane, phasing


def nearest_candidates(
    constellation, agents: NDArray[np.int64], ecef_km: NDArray[np.float64]
) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """Relay candidates without a known plane layout (TLE files) [C]: the 2 nearest
    satellites at t0 in the agent's orbital plane (RAAN within 2 deg, inclination within
    0.5 deg of its elements) and the 2 nearest others; missing ones are filled by the next
    nearest of any plane. ``ecef_km``: [n_sat, 3] positions at t0."""
    recs = constellation.satrecs
    raan = np.array([r.nodeo for r in recs])
    incl = np.array([r.inclo for r in recs])
    cand = np.empty((agents.size, N_RELAY_CANDIDATES), dtype=np.int64)
    same = np.empty(cand.shape, dtype=bool)
    for i, a in enumerate(agents):
        dist = np.linalg.norm(ecef_km - ecef_km[a], axis=1)
        dist[a] = np.inf
        dist[~np.isfinite(dist)] = np.inf
        d_raan = np.abs((raan - raan[a] + np.pi) % (2 * np.pi) - np.pi)
        in_plane = (d_raan < np.radians(2.0)) & (np.abs(incl - incl[a]) < np.radians(0.5))
        order = [int(s) for s in np.argsort(dist, kind="stable") if np.isfinite(dist[s])]
        picks = [s for s in order if in_plane[s]][:2] + [s for s in order if not in_plane[s]][:2]
        picks += [s for s in order if s not in picks][: N_RELAY_CANDIDATES - len(picks)]
        if len(picks) < N_RELAY_CANDIDATES:
            raise ValueError(f"the TLE file needs at least {N_RELAY_CANDIDATES + 1} satellites")
        cand[i] = picks[:N_RELAY_CANDIDATES]
        same[i] = in_plane[cand[i]]
    return cand, same


@lru_cache(maxsize=4)
def _plus_grid(planes: int, per_plane: int, phasing: int) -> tuple[NDArray[np.int64], ...]:
    """Each satellite's +Grid neighbours (seam kept, ``models.isl``), in-plane ones first."""
    links = plus_grid_links(planes, per_plane, isl_shift=0, seam="keep", phasing=phasing)
    out = []
    for sat, nbrs in enumerate(neighbors(links, planes * per_plane)):
        same = nbrs // per_plane == sat // per_plane
        out.append(np.concatenate([nbrs[same], nbrs[~same]]))
    return tuple(out)


def relay_candidates(
    agents: NDArray[np.int64], planes: int, per_plane: int, phasing: int
) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """[N, 4] +Grid neighbours of each agent (in-plane first) and their same-plane flags."""
    grid = _plus_grid(planes, per_plane, phasing)
    cand = np.stack([grid[int(a)] for a in agents])
    if cand.shape[1] != N_RELAY_CANDIDATES:  # pragma: no cover - P, S >= 3 by the config
        raise ValueError(f"expected {N_RELAY_CANDIDATES} +Grid neighbours, got {cand.shape[1]}")
    return cand, cand // per_plane == (np.asarray(agents) // per_plane)[:, None]


def subset(constellation: Constellation, index: NDArray[np.int64]) -> Constellation:
    """The satellites ``index`` of ``constellation`` (same records, in that order)."""
    return Constellation(
        names=tuple(constellation.names[int(i)] for i in index),
        satrecs=tuple(constellation.satrecs[int(i)] for i in index),
    )


def site_candidates(
    coarse: VisibilityIndex, site: GroundSite, min_elevation_deg: float
) -> NDArray[np.int64]:
    """Satellites that may rise above ``min_elevation_deg`` over ``site`` in the horizon of
    ``coarse`` (an index on a grid of :data:`PREFILTER_STEP_S`), by a conservative test.

    Seen at elevation e >= e_min from a site at geocentric radius R_s, a satellite at radius
    r lies within the Earth-central angle psi_max = arccos(R_s cos e_min / r) - e_min of the
    site. Between two coarse samples the sub-satellite point moves less than
    (v / r + omega_E) x step / 2 ~ 2.1 deg for LEO; we keep every satellite that comes
    within psi_max + :data:`PREFILTER_MARGIN_DEG` at some sample, with e_min lowered by
    0.5 deg for the geodetic vs geocentric vertical (<= 0.2 deg). Only speed depends on
    it: the passes are found on the kept satellites exactly as on the whole shell.
    """
    pos = coarse.sat_ecef_km(coarse.times_s)  # [n_t, n_sat, 3]
    s = site.ecef_km
    r_site = float(np.linalg.norm(s))
    r = np.linalg.norm(pos, axis=-1)
    psi = np.arccos(np.clip(pos @ s / (r * r_site), -1.0, 1.0))
    e_min = np.radians(min_elevation_deg - 0.5)
    psi_max = np.arccos(np.clip(r_site * np.cos(e_min) / r, -1.0, 1.0)) - e_min
    near = psi <= psi_max + np.radians(PREFILTER_MARGIN_DEG)  # NaN (failed SGP4): never
    return np.flatnonzero(near.any(axis=0))


def build_geometry(
    config: RelayOffloadingConfig, t0: datetime, gs_lat_deg: float, gs_lon_deg: float
) -> EpisodeGeometry:
    """Propagate the shell around ``t0``, pick the agents and precompute windows and ISLs
    for a ground station at (``gs_lat_deg``, ``gs_lon_deg``)."""
    constellation, layout = build_constellation(config)
    tail_s = max(config.result_deadline_s, 300.0)
    duration = LEAD_S + config.episode_s + tail_s
    step = config.geometry_step_s
    start = t0 - timedelta(seconds=LEAD_S)
    site = GroundSite(gs_lat_deg, gs_lon_deg, 0.0)
    el_min = config.min_elevation_deg
    # Propagate the whole shell on a coarse grid only to find the few satellites that can
    # see the site; the fine index (passes, refined edges) covers those alone.
    coarse = VisibilityIndex(constellation, [site], start, duration, PREFILTER_STEP_S, el_min)
    near = site_candidates(coarse, site, el_min)
    index = VisibilityIndex(subset(constellation, near), [site], start, duration, step, el_min)
    table = index.passes(0)
    p_sat = near[np.asarray(table.sat, dtype=np.int64)]
    p_rise = np.asarray(table.rise_s, dtype=np.float64) - LEAD_S
    p_set = np.asarray(table.set_s, dtype=np.float64) - LEAD_S

    # Agents: the first satellites whose pass starts at or after t0 - agent_lead_s and has
    # not ended by t0 [C] (a pass already over carries no traffic of this episode). A pass
    # clipped at the start of the index (rise_s == -LEAD_S) started earlier still.
    fresh = (p_rise >= -config.agent_lead_s) & (p_rise > -LEAD_S) & (p_set > 0.0)
    order = np.argsort(p_rise[fresh], kind="stable")
    _, first = np.unique(p_sat[fresh][order], return_index=True)
    agents = p_sat[fresh][order][np.sort(first)][: config.n_agents]
    if agents.size < config.n_agents:
        raise ValueError(
            f"n_agents={config.n_agents} exceeds the {agents.size} satellites with a pass "
            f"starting in the episode; lower n_agents or use a denser shell"
        )
    if layout is not None:
        cand_sat, same_plane = relay_candidates(agents, *layout)
    else:
        cand_sat, same_plane = nearest_candidates(constellation, agents, coarse.sat_ecef_km(LEAD_S))
    extra = np.setdiff1d(cand_sat.ravel(), agents)
    sat_index = np.concatenate([agents, extra])
    rel_of = {int(s): r for r, s in enumerate(sat_index)}
    candidates = np.vectorize(rel_of.__getitem__, otypes=[np.int64])(cand_sat)

    # Pass tables of the relevant satellites, padded to a rectangle.
    n_rel = sat_index.size
    per_sat = [np.flatnonzero(p_sat == s) for s in sat_index]
    per_sat = [ix[np.argsort(p_rise[ix], kind="stable")] for ix in per_sat]
    width = max(1, max(len(ix) for ix in per_sat))
    rise = np.full((n_rel, width), np.inf)
    set_ = np.full((n_rel, width), -np.inf)
    for r, ix in enumerate(per_sat):
        rise[r, : ix.size], set_[r, : ix.size] = p_rise[ix], p_set[ix]

    # ISL line of sight and ground tracks on the episode grid.
    grid = np.arange(0.0, config.episode_s + tail_s + step, step)
    grid = grid[grid + LEAD_S <= duration]
    relevant = VisibilityIndex(subset(constellation, sat_index), [site], start, duration, step)
    pos = np.moveaxis(relevant.sat_ecef_km(grid + LEAD_S), 0, 1)  # [n_rel, G, 3]
    a = pos[: config.n_agents][:, None, :, :]  # [N, 1, G, 3]
    b = pos[candidates]  # [N, K, G, 3]
    isl_up = line_of_sight(
        np.broadcast_to(a, b.shape), b, grazing_altitude_km=config.isl_grazing_altitude_km
    )
    r_km = np.linalg.norm(pos, axis=-1)
    lat = np.degrees(np.arcsin(pos[..., 2] / r_km))
    lon = np.degrees(np.arctan2(pos[..., 1], pos[..., 0]))
    return EpisodeGeometry(
        t0=t0,
        sat_index=sat_index,
        sat_names=tuple(constellation.names[int(s)] for s in sat_index),
        candidates=candidates,
        same_plane=same_plane,
        rise_s=rise,
        set_s=set_,
        grid_s=grid,
        isl_up=np.asarray(isl_up, dtype=bool).reshape(config.n_agents, N_RELAY_CANDIDATES, -1),
        track_lat_deg=lat,
        track_lon_deg=lon,
        gs_lat_deg=gs_lat_deg,
        gs_lon_deg=gs_lon_deg,
        step_s=step,
    )
