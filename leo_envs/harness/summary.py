"""Per-policy summaries of result rows (mean ± std)."""

from __future__ import annotations

import sys
from typing import Any, TextIO

import pandas as pd

__all__ = ["SUMMARY_METRICS", "print_summary", "summary_table"]

#: The columns summarised, when present.
SUMMARY_METRICS = ("return", "objective", "gap_abs", "gap_to_opt", "decision_time_s")
#: Metrics printed as percentages (stored as fractions).
PERCENT_METRICS = frozenset({"gap_to_opt"})


def _group_keys(df: pd.DataFrame) -> list[str]:
    keys = ["policy"]
    if "env_id" in df.columns and df["env_id"].nunique(dropna=False) > 1:
        keys = ["env_id", "policy"]
    return keys


def summary_table(df: pd.DataFrame) -> pd.DataFrame:
    """One row per policy (per env and policy when several envs): ``episodes``, ``errors``
    and ``<metric>_mean`` / ``<metric>_std`` of return, objective, gap_abs, gap_to_opt
    and decision_time_s (those present), over the episodes that did not fail (and, for
    ``gap_to_opt``, where it is defined). Policies keep their order of first appearance."""
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


def _fmt(mean: Any, std: Any, percent: bool = False) -> str:
    if pd.isna(mean):
        return "-"
    if percent:
        mean, std = 100 * mean, 100 * std
    unit = " %" if percent else ""
    if pd.isna(std):
        return f"{mean:.4g}{unit}"
    return f"{mean:.4g} ± {std:.2g}{unit}"


def format_summary(df: pd.DataFrame) -> str:
    """:func:`summary_table` as text with ``mean ± std`` cells (``gap_to_opt`` in %; "-"
    where undefined, e.g. when OPT's objective is 0: see ``gap_abs``)."""
    table = summary_table(df)
    if table.empty:
        return "(no results)"
    keys = _group_keys(df)
    shown = table[[*keys, "episodes", "errors"]].copy()
    for m in SUMMARY_METRICS:
        if f"{m}_mean" in table.columns:
            pct = m in PERCENT_METRICS
            shown[m] = [
                _fmt(a, b, pct) for a, b in zip(table[f"{m}_mean"], table[f"{m}_std"], strict=True)
            ]
    return shown.to_string(index=False)


def print_summary(df: pd.DataFrame, file: TextIO | None = None) -> str:
    """Print (and return) the ``mean ± std`` summary of ``df`` per policy."""
    text = format_summary(df)
    print(text, file=file or sys.stdout)
    return text
