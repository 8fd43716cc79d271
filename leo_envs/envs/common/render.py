"""Rendering helpers: renderers draw a frame of plain data (a small dataclass the env
builds), never the env's private fields, and ``rgb_array`` frames come from matplotlib's
Agg canvas with a legend and axes with units."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

FRAME_DPI = 96


def new_figure(size_px: tuple[int, int] = (480, 480)) -> Any:
    """A matplotlib Figure on an Agg canvas (no display, no global pyplot state)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(size_px[0] / FRAME_DPI, size_px[1] / FRAME_DPI), dpi=FRAME_DPI)
    FigureCanvasAgg(fig)
    return fig


def figure_to_rgb(fig: Any) -> NDArray[np.uint8]:
    """[H, W, 3] uint8 pixels of a figure made by ``new_figure``."""
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()


def check_render_mode(render_mode: str | None, supported: list[str]) -> str | None:
    """``render_mode`` if supported (or None), else ValueError listing the supported modes."""
    if render_mode is not None and render_mode not in supported:
        hint = (
            " ('human' needs a display window; render 'rgb_array' frames and show them "
            "with matplotlib, or record them with gymnasium.wrappers.RecordVideo)"
            if render_mode == "human"
            else ""
        )
        raise ValueError(
            f"render_mode must be one of {supported} or None, got {render_mode!r}{hint}"
        )
    return render_mode
