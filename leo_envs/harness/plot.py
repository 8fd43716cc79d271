"""A bar chart of objective (and gap to OPT) per policy, drawn with matplotlib's Agg."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from .summary import summary_table

__all__ = ["plot_summary"]


def plot_summary(df: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Save bars of mean ± std objective per policy (and ``gap_to_opt`` if present), or of
    return when there is no objective, to ``path`` (any format matplotlib writes)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    table = summary_table(df)
    if table.empty:
        raise ValueError("no results to plot")
    metrics = [m for m in ("objective", "gap_to_opt") if f"{m}_mean" in table.columns]
    metrics = metrics or ["return"]
    labels = table["policy"].astype(str)
    if "env_id" in table.columns:  # several envs: label bars "env / policy"
        labels = table["env_id"].astype(str) + " / " + labels
    labels = labels.tolist()
    fig = Figure(figsize=(max(4.0, 1.2 * len(labels)) * len(metrics), 4.0), layout="tight")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, len(metrics), squeeze=False)[0]
    for ax, metric in zip(axes, metrics, strict=True):
        mean = table[f"{metric}_mean"].to_numpy(dtype=float)
        std = table[f"{metric}_std"].fillna(0.0).to_numpy(dtype=float)
        ax.bar(range(len(labels)), mean, yerr=std, capsize=3, color="tab:blue")
        ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right")
        ax.set_title(metric)
        ax.grid(axis="y", alpha=0.3)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    return path
