"""ansi and rgb_array renderings of SplitInference-v0, drawn from a plain frame."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from leo_envs.envs.common.render import figure_to_rgb, new_figure


@dataclass(frozen=True)
class SplitFrame:
    """What a renderer may see: the last step's choice and the episode's exogenous data."""

    preset: str
    step: int
    n_steps: int
    cut_names: tuple[str, ...]
    action: int | None
    played: int | None
    cost: float | None
    objective: float
    violation: bool
    costs_now: NDArray[np.float64]
    mask_now: NDArray[np.bool_]
    positions_m: NDArray[np.float64]
    tx_power_w: NDArray[np.float64]
    tx_power_pred_w: NDArray[np.float64]


def render_ansi(frame: SplitFrame) -> str:
    head = f"SplitInference-v0 [{frame.preset}] step {frame.step}/{frame.n_steps}"
    if frame.action is None:
        return f"{head}  (no step yet)  objective {frame.objective:.4f}\n"
    cut = frame.cut_names[frame.played]
    flag = "  VIOLATION" if frame.violation else ""
    return (
        f"{head}  cut {frame.action} -> played {frame.played} ({cut})  cost {frame.cost:.4f}"
        f"  objective {frame.objective:.4f}{flag}\n"
    )


def render_rgb(frame: SplitFrame) -> NDArray[np.uint8]:
    """Left: the cost of every cut at the last step; right: trajectory (004) or power (000)."""
    fig = new_figure((720, 360))
    ax1, ax2 = fig.subplots(1, 2)
    x = np.arange(len(frame.cut_names))
    colors = np.where(frame.mask_now, "tab:blue", "tab:gray")
    ax1.bar(x, frame.costs_now, color=colors, label="cost of each cut (grey: masked)")
    if frame.played is not None:
        ax1.bar([frame.played], [frame.costs_now[frame.played]], color="tab:red", label="played")
    ax1.set_xticks(x, frame.cut_names, rotation=90, fontsize=6)
    ax1.set(xlabel="cut", ylabel="normalised cost (-reward)", title=f"step {frame.step}")
    ax1.legend(fontsize=6)
    if frame.preset == "004":
        pos = frame.positions_m
        ax2.plot(pos[:, 0], pos[:, 1], "-", color="tab:blue", label="client trajectory")
        k = min(max(frame.step - 1, 0), len(pos) - 1)
        ax2.plot(pos[k, 0], pos[k, 1], "o", color="tab:red", label="client now")
        ax2.plot(0, 0, "^", color="k", label="server")
        ax2.set(xlabel="x (m)", ylabel="y (m)", aspect="equal")
    else:
        steps = np.arange(frame.n_steps)
        ax2.plot(steps, frame.tx_power_w, label="actual p_b")
        ax2.plot(steps, frame.tx_power_pred_w, "--", label="predicted p_b")
        ax2.axvline(max(frame.step - 1, 0), color="tab:red", lw=0.8)
        ax2.set(xlabel="step (5 min from 14:00)", ylabel="TST transmit power (W)")
    ax2.legend(fontsize=6)
    fig.tight_layout()
    return figure_to_rgb(fig)
