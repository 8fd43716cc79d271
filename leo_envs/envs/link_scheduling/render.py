"""Text and image renderings of LinkScheduling-v0 (``ansi`` and ``rgb_array``), drawn from
a ``LinkSchedulingFrame`` of plain data the env builds."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from leo_envs.envs.common.render import figure_to_rgb, new_figure
from leo_envs.envs.link_scheduling.config import TRANSMITTERS

FRAME_SIZE = (560, 520)


@dataclass(frozen=True)
class LinkSchedulingFrame:
    """One slot's state for rendering (positions in m east/north of the BS)."""

    slot: int
    n_slots: int
    task_name: str
    objective: float
    served: int
    present: int
    positions_m: NDArray[np.float64]
    present_mask: NDArray[np.bool_]
    is_iot: NDArray[np.bool_]
    delivered_fraction: NDArray[np.float64]
    transmitter_positions_m: NDArray[np.float64]  # [3, 2]: BS, TST1, TST2
    played_action: tuple[int, ...]
    link_bits: tuple[float, ...]
    cell_radius_m: float
    leo_elevation_deg: float


def render_ansi(frame: LinkSchedulingFrame) -> str:
    lines = [
        f"slot {frame.slot}/{frame.n_slots}  objective {frame.objective:.4f}  "
        f"served {frame.served}/{frame.present}  {frame.task_name}",
    ]
    for j, name in enumerate(TRANSMITTERS):
        k = frame.played_action[j] - 1
        target = "idle" if k < 0 else f"device {k:3d}"
        lines.append(f"  {name:<5} -> {target:<11} {frame.link_bits[j] / 1e6:8.2f} Mbit")
    return "\n".join(lines) + "\n"


def render_rgb(frame: LinkSchedulingFrame) -> NDArray[np.uint8]:
    """Top view of the cell: devices coloured by delivered fraction, the last slot's links,
    the LEO drawn above the cell at its elevation."""
    fig = new_figure(FRAME_SIZE)
    ax = fig.add_subplot(111)
    present, xy = frame.present_mask, frame.positions_m / 1e3
    kinds = (
        (present & ~frame.is_iot, "o", 16, "cellular device"),
        (present & frame.is_iot, "s", 34, "IoT device (LEO-capable)"),
    )
    for mask, marker, size, label in kinds:
        scatter = ax.scatter(
            xy[mask, 0],
            xy[mask, 1],
            c=frame.delivered_fraction[mask],
            cmap="viridis",
            vmin=0,
            vmax=1,
            s=size,
            marker=marker,
            label=label,
        )
    fig.colorbar(scatter, ax=ax, label="delivered / demand", fraction=0.046, pad=0.04)
    towers = frame.transmitter_positions_m / 1e3
    ax.scatter(towers[:1, 0], towers[:1, 1], marker="^", c="red", s=80, label="BS")
    ax.scatter(towers[1:, 0], towers[1:, 1], marker="v", c="darkred", s=60, label="TST")
    lim = frame.cell_radius_m * 1.15 / 1e3
    satellite = np.array([0.0, lim * 0.9])
    ax.scatter(
        *satellite,
        marker="*",
        c="orange",
        s=200,
        label=f"LEO (elevation {frame.leo_elevation_deg:.0f} deg)",
    )
    for j, k in enumerate(frame.played_action):
        if k <= 0:
            continue
        start = satellite if j == 0 else towers[j - 1]
        ax.plot(
            [start[0], xy[k - 1, 0]],
            [start[1], xy[k - 1, 1]],
            color="orange" if j == 0 else "red",
            lw=1.5,
        )
    ax.set(
        xlim=(-lim, lim),
        ylim=(-lim, lim),
        aspect="equal",
        xlabel="east (km)",
        ylabel="north (km)",
        title=f"slot {frame.slot}/{frame.n_slots}  objective {frame.objective:.3f}  "
        f"served {frame.served}/{frame.present}",
    )
    ax.legend(loc="lower left", fontsize=7, framealpha=0.8)
    return figure_to_rgb(fig)
