"""Text and image renderings of LinkScheduling-v0 (``ansi`` and ``rgb_array``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from leo_envs.envs.link_scheduling.config import TRANSMITTERS
from leo_envs.envs.link_scheduling.tasks import transmitter_positions_m

if TYPE_CHECKING:
    from leo_envs.envs.link_scheduling.env import LinkSchedulingEnv

FRAME_SIZE = (480, 480)


def render_ansi(env: LinkSchedulingEnv) -> str:
    batch, cfg = env._batch, env.config
    terms = env.dynamics.objective(batch)
    lines = [
        f"slot {int(batch.t[0])}/{cfg.n_slots}  task {env.task.task_id}  "
        f"objective {terms['objective'][0]:.4f}  served {int(terms['served_devices'][0])}/"
        f"{int(terms['present_devices'][0])}",
    ]
    for j, name in enumerate(TRANSMITTERS):
        k = int(env._last_groups[j]) - 1
        target = "idle" if k < 0 else f"device {k:3d}"
        lines.append(f"  {name:<5} -> {target:<11} {env._last_bits[j] / 1e6:8.2f} Mbit")
    return "\n".join(lines) + "\n"


def render_rgb(env: LinkSchedulingEnv) -> NDArray[np.uint8]:
    """Top view of the cell: devices coloured by delivered fraction, last slot's links."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    batch, cfg, task = env._batch, env.config, env.task
    fig = Figure(figsize=(FRAME_SIZE[0] / 96, FRAME_SIZE[1] / 96), dpi=96)
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_subplot(111)
    present = task.present
    xy = task.positions_m
    fraction = np.where(present, batch.delivered[0] / np.maximum(batch.demand[0], 1.0), 0.0)
    ax.scatter(xy[present, 0], xy[present, 1], c=fraction[present], cmap="viridis", vmin=0,
               vmax=1, s=np.where(task.is_iot[present], 30, 14), edgecolors="none")
    towers = transmitter_positions_m(cfg)
    ax.scatter(towers[:, 0], towers[:, 1], marker="^", c="red", s=60)
    for j, k in enumerate(env._last_groups):
        if k <= 0:
            continue
        start = towers[j - 1] if j > 0 else xy[k - 1] + np.array([0.0, cfg.cell_radius_m * 0.3])
        ax.plot([start[0], xy[k - 1, 0]], [start[1], xy[k - 1, 1]],
                color="orange" if j == 0 else "red", lw=1.5)
    lim = cfg.cell_radius_m * 1.1
    ax.set(xlim=(-lim, lim), ylim=(-lim, lim), aspect="equal",
           title=f"slot {int(batch.t[0])}/{cfg.n_slots}")
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].copy()
