"""Renderings of RelayOffloading-v0: ``ansi`` text and an ``rgb_array`` map with the ground
tracks, the ground station's visibility cone and the ISLs in use. Renderers take a plain
:class:`RelayFrame`, never the env."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from leo_envs.envs.relay_offloading.core import RelaySimulator

FRAME_SIZE = (640, 400)


@dataclass(frozen=True)
class RelayFrame:
    t_s: float
    episode_s: float
    gs_lat_deg: float
    gs_lon_deg: float
    cone_radius_deg: float  # ground-range radius of the visibility cone (central angle)
    track_lat_deg: NDArray[np.float64]  # [n_agents, G] up to now
    track_lon_deg: NDArray[np.float64]
    sat_lat_deg: NDArray[np.float64]  # [n_rel] now
    sat_lon_deg: NDArray[np.float64]
    n_agents: int
    links: tuple[tuple[int, int], ...]  # (rel a, rel b) ISLs used by the last decisions
    visible: NDArray[np.bool_]  # [n_rel] sees the ground station now
    edge_load: NDArray[np.float64]  # [O]
    last_placement: str
    counts: dict[str, int]


def frame_of(
    sim: RelaySimulator, t_s: float, links: tuple[tuple[int, int], ...], last_placement: str
) -> RelayFrame:
    """The plain-data frame of a simulator at time ``t_s``."""
    geo, cfg = sim.geometry, sim.config
    k = min(max(int(t_s // geo.step_s), 0), geo.grid_s.size - 1)
    alt = cfg.walker_altitude_km if cfg.constellation == "walker" else 550.0
    n = geo.n_agents
    return RelayFrame(
        t_s=t_s,
        episode_s=cfg.episode_s,
        gs_lat_deg=geo.gs_lat_deg,
        gs_lon_deg=geo.gs_lon_deg,
        cone_radius_deg=cone_radius_deg(alt, cfg.min_elevation_deg),
        track_lat_deg=geo.track_lat_deg[:n, : k + 1],
        track_lon_deg=geo.track_lon_deg[:n, : k + 1],
        sat_lat_deg=geo.track_lat_deg[:, k],
        sat_lon_deg=geo.track_lon_deg[:, k],
        n_agents=n,
        links=links,
        visible=geo.remaining_window_s(np.arange(geo.sat_index.size), t_s) > 0.0,
        edge_load=sim.cluster.load_at(t_s),
        last_placement=last_placement,
        counts=sim.placement_counts(),
    )


def cone_radius_deg(altitude_km: float, min_elevation_deg: float) -> float:
    """Central angle psi of the coverage cone (spherical Earth, R = 6378.137 km):
    psi = arccos(R cos(el) / (R + h)) - el (spec 1.2)."""
    r = 6378.137
    el = np.radians(min_elevation_deg)
    return float(np.degrees(np.arccos(r * np.cos(el) / (r + altitude_km)) - el))


def render_ansi(frame: RelayFrame) -> str:
    lines = [
        f"t = {frame.t_s:7.1f} s / {frame.episode_s:.0f} s   last: {frame.last_placement}",
        "placements: " + ", ".join(f"{k} {v}" for k, v in frame.counts.items()),
        "edge load:  " + " ".join(f"{x:.2f}" for x in frame.edge_load),
        f"agents seeing the GS: {int(frame.visible[: frame.n_agents].sum())}/{frame.n_agents}",
    ]
    return "\n".join(lines) + "\n"


def render_rgb(frame: RelayFrame) -> NDArray[np.uint8]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(FRAME_SIZE[0] / 80, FRAME_SIZE[1] / 80), dpi=80)
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_subplot(111)
    for n in range(frame.n_agents):
        lon = np.unwrap(np.radians(frame.track_lon_deg[n]))
        ax.plot(
            np.degrees(lon),
            frame.track_lat_deg[n],
            color="0.6",
            lw=0.8,
            label="ground tracks" if n == 0 else None,
        )
    theta = np.linspace(0, 2 * np.pi, 120)
    lat_c = frame.gs_lat_deg + frame.cone_radius_deg * np.sin(theta)
    lon_c = frame.gs_lon_deg + frame.cone_radius_deg * np.cos(theta) / max(
        np.cos(np.radians(frame.gs_lat_deg)), 0.1
    )
    ax.plot(lon_c, lat_c, color="tab:green", lw=1.2, label="GS visibility cone")
    ax.scatter(
        [frame.gs_lon_deg],
        [frame.gs_lat_deg],
        marker="^",
        color="tab:green",
        s=60,
        label="ground station",
    )
    agents = np.arange(frame.sat_lat_deg.size) < frame.n_agents
    for mask, colour, label in (
        (agents, "tab:blue", "agent satellites"),
        (~agents, "tab:orange", "relay candidates"),
    ):
        ax.scatter(
            frame.sat_lon_deg[mask], frame.sat_lat_deg[mask], s=18, color=colour, label=label
        )
    for i, (a, b) in enumerate(frame.links):
        ax.plot(
            [frame.sat_lon_deg[a], frame.sat_lon_deg[b]],
            [frame.sat_lat_deg[a], frame.sat_lat_deg[b]],
            color="tab:red",
            lw=2,
            label="ISL in use" if i == 0 else None,
        )
    ax.set(
        xlabel="longitude [deg]",
        ylabel="latitude [deg]",
        title=f"t = {frame.t_s:.1f} s, mean edge load {frame.edge_load.mean():.2f}",
    )
    ax.legend(loc="lower left", fontsize=7)
    ax.grid(alpha=0.3)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].copy()
