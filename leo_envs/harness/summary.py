"""Per-policy summaries of result rows (mean ± std)."""

from __future__ import annotations

import sys
from typing import Any, TextIO

import pandas as pd

__all__ = ["SUMMARY_METRICS", "print_summary", "summary_table"]

#: The columns summarised, when present.
SUMMARY_METRICS = ("return", "objective", "gap_to_opt", "decision_time_s")


def _group_keys(df: pd.DataFrame) -> list[str]:
    keys = ["policy"]
    if "env_id" in df.columns and df["env_id"].nunique(dropna=False) > 1:
        keys = ["env_id", "policy"]
    return keys


def summary_table(df: pd.DataFrame) -> pd.DataFrame:
    """One row per policy (per env and policy when several envs): ``episodes``, ``errors``
    and ``<metric>_mean`` / ``<metric>_std`` of return, objective, gap_to_opt and
    decision_time_s (those present), over the episodes that did not fail. Policies keep
    their order of first appearance."""
    if df.empty or "policy" not in df.columns:
        return pd.DataFrame()
    keys = _group_keys(df)
    ok = df["error"].isna() if "error" in df.columns else pd.Series(True, index=df.index)
    metrics = [m for m in SUMMARY_METRICS if m in df.columns]
    counts = df[keys].assign(_error=~ok).groupby(keys, sort=False, dropna=False)["_error"]
    out = pd.DataFrame({"episodes": counts.size(), "errors": counts.sum().astype(int)})
    if metrics:
        values = df.loc[ok, keys + metrics].copy()
        for m in metrics:
            values[m] = pd.to_numeric(values[m], errors="coerce")
        stats = values.groupby(keys, sort=False, dropna=False)[metrics].agg(["mean", "std"])
        stats.columns = [f"{m}_{s}" for m, s in stats.columns]
        out = out.join(stats)
    return out.reset_index()


def _fmt(mean: Any, std: Any) -> str:
    if pd.isna(mean):
        return "-"
    if pd.isna(std):
        return f"{mean:.4g}"
    return f"{mean:.4g} ± {std:.2g}"


def format_summary(df: pd.DataFrame) -> str:
    """:func:`summary_table` as text with ``mean ± std`` cells."""
    table = summary_table(df)
    if table.empty:
        return "(no results)"
    keys = _group_keys(df)
    shown = table[[*keys, "episodes", "errors"]].copy()
    for m in SUMMARY_METRICS:
        if f"{m}_mean" in table.columns:
            shown[m] = [
                _fmt(a, b) for a, b in zip(table[f"{m}_mean"], table[f"{m}_std"], strict=True)
            ]
    return shown.to_string(index=False)


def print_summary(df: pd.DataFrame, file: TextIO | None = None) -> str:
    """Print (and return) the ``mean ± std`` summary of ``df`` per policy."""
    text = format_summary(df)
    print(text, file=file or sys.stdout)
    return text
