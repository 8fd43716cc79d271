"""Bar charts of the result rows per policy, drawn with matplotlib's Agg backend."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .summary import summary_table

__all__ = ["PLOT_METRICS", "check_plot_path", "plot_summary", "summary_figure"]

#: metric -> (axis label with unit and direction, scale applied to the stored value).
PLOT_METRICS: dict[str, tuple[str, float]] = {
    "objective": ("final objective (env units)\nlower is better", 1.0),
    "gap_to_opt": ("gap to OPT (%)\nlower is better; n/a where OPT's objective is 0", 100.0),
    "gap_abs": ("absolute gap to OPT (objective units)\nlower is better", 1.0),
    "return": ("episode return (sum of rewards)\nhigher is better", 1.0),
}


def check_plot_path(path: str | os.PathLike[str]) -> Path:
    """``path`` if matplotlib can write its format (by extension), else ``ValueError``."""
    from matplotlib.backend_bases import FigureCanvasBase

    path = Path(path)
    formats = FigureCanvasBase.get_supported_filetypes()
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in formats:
        raise ValueError(
            f"cannot plot to {path}: the extension must be one of "
            f"{', '.join('.' + f for f in sorted(formats))}"
        )
    return path


def plot_summary(df: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Save :func:`summary_figure` of ``df`` to ``path`` (any format matplotlib writes)."""
    path = check_plot_path(path)
    fig = summary_figure(df)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    return path


def summary_figure(df: pd.DataFrame) -> Any:
    """A matplotlib ``Figure`` of bars of mean ± std per policy.

    Panels: the final objective, and against an exact reference the gap to OPT in % and the
    absolute gap (the relative gap is undefined, shown "n/a", where OPT's objective is 0);
    the return when there is no objective. Each y axis names its unit and whether lower or
    higher is better.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    table = summary_table(df)
    if table.empty:
        raise ValueError("no results to plot")
    metrics = [m for m in ("objective", "gap_to_opt", "gap_abs") if f"{m}_mean" in table]
    if "gap_to_opt" in metrics and "gap_abs" in metrics:
        undefined = table["gap_to_opt_mean"].isna() & table["gap_abs_mean"].notna()
        if not undefined.any():
            metrics.remove("gap_abs")  # the relative gap says it all
    metrics = metrics or ["return"]
    labels = table["policy"].astype(str)
    if "env_id" in table.columns:  # several envs: label bars "env / policy"
        labels = table["env_id"].astype(str) + " / " + labels
    labels = labels.tolist()
    fig = Figure(figsize=(max(4.0, 1.2 * len(labels)) * len(metrics), 4.5), layout="tight")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, len(metrics), squeeze=False)[0]
    x = np.arange(len(labels))
    for ax, metric in zip(axes, metrics, strict=True):
        ylabel, scale = PLOT_METRICS[metric]
        mean = scale * table[f"{metric}_mean"].to_numpy(dtype=float)
        std = scale * table[f"{metric}_std"].fillna(0.0).to_numpy(dtype=float)
        ax.bar(x, np.nan_to_num(mean), yerr=std, capsize=3, color="tab:blue")
        for xi in x[np.isnan(mean)]:
            ax.annotate("n/a", (xi, 0), ha="center", va="bottom", color="tab:gray")
        ax.set_xticks(x, labels, rotation=30, ha="right")
        ax.set_xlabel("policy")
        ax.set_ylabel(ylabel)
        ax.set_title(metric.replace("_", " "))
        ax.grid(axis="y", alpha=0.3)
    return fig
