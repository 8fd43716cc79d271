"""Rendering of GreenOffloading-v0 from a frame of plain data (never the env's fields)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from leo_envs.envs.common.render import figure_to_rgb, new_figure


@dataclass(frozen=True)
class GreenFrame:
    """What a render shows: the day so far, summed or averaged over the sites."""

    slot: int
    n_slots: int
    slot_hours: NDArray[np.float64]  # [t] local hour at each played slot's start
    battery_fraction: NDArray[np.float64]  # [t] mean over sites after the slot
    harvest_kwh: NDArray[np.float64]  # [t] over all sites
    energy_kwh: NDArray[np.float64]  # [t] beta^site over all sites
    bench_kwh: NDArray[np.float64]  # [t] no-management reference
    drop_rate: NDArray[np.float64]  # [t] dropped attempts / attempts
    sat_share: NDArray[np.float64]  # [t] tasks served by satellites / served
    task_name: str


def render_ansi(frame: GreenFrame) -> str:
    """One line per played slot (the last 8), plus a header."""
    lines = [f"GreenOffloading-v0  {frame.task_name}  slot {frame.slot}/{frame.n_slots}"]
    lines.append(" hour  battery  harvest_kWh  energy_kWh  saving  drops  sat_share")
    for i in range(max(0, frame.slot - 8), frame.slot):
        saving = 1.0 - frame.energy_kwh[i] / max(frame.bench_kwh[i], 1e-12)
        lines.append(
            f"{frame.slot_hours[i]:5.2f}  {frame.battery_fraction[i]:7.1%}  "
            f"{frame.harvest_kwh[i]:11.3f}  {frame.energy_kwh[i]:10.3f}  {saving:6.1%}  "
            f"{frame.drop_rate[i]:5.1%}  {frame.sat_share[i]:9.1%}"
        )
    return "\n".join(lines) + "\n"


def render_rgb(frame: GreenFrame) -> NDArray[np.uint8]:
    """Two panels over the hour of day: energy (harvest, consumption, reference) and the
    battery level / drop rate / satellite share."""
    fig = new_figure((640, 480))
    top, bottom = fig.subplots(2, 1, sharex=True)
    hours = frame.slot_hours[: frame.slot]
    top.plot(hours, frame.harvest_kwh[: frame.slot], label="PV harvest")
    top.plot(hours, frame.energy_kwh[: frame.slot], label="site consumption")
    top.plot(hours, frame.bench_kwh[: frame.slot], "--", label="no management")
    top.set_ylabel("energy per slot (kWh)")
    top.legend(loc="upper left", fontsize=8)
    top.set_title(frame.task_name, fontsize=9)
    bottom.plot(hours, 100 * frame.battery_fraction[: frame.slot], label="battery (mean)")
    bottom.plot(hours, 100 * frame.drop_rate[: frame.slot], label="drop rate")
    bottom.plot(hours, 100 * frame.sat_share[: frame.slot], label="served by satellite")
    bottom.set_ylabel("%")
    bottom.set_xlabel("local time (h)")
    bottom.set_ylim(0, 100)
    bottom.legend(loc="upper left", fontsize=8)
    return figure_to_rgb(fig)
