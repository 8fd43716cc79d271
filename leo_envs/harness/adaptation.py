"""Measuring adaptation in non-stationary runs, over seeds, with bootstrap confidence intervals.

Inputs are the learning curves of :func:`leo_envs.harness.run_continual` (one row per slot,
``slot``, ``task_id``, a metric column such as ``reward``), stacked with a ``seed`` column
(and a ``policy`` column when several methods are compared).

Definitions (``higher_is_better`` says which way the metric points):

*Recovery time* (EMCL's measure, paper 002 Sec. V): :func:`recovery_times` of
``leo_envs.harness.nonstationary``, reused here: the number of slots after a task switch
until the trailing ``window``-slot moving average of the metric comes back within
``tolerance`` (relative) of its level over the ``window`` slots before the switch and stays
there until the next switch; NaN if it never does. Defaults: 20 slots, 5 %.

*Adaptation gain* (pytorch-maml-rl's "after minus before"): per switch, the mean metric over
the last ``window`` slots of the task's segment minus the mean over its first ``window``
slots (sign flipped when lower is better, so a positive gain is always an improvement).

*Forgetting* and *forward transfer* (Continual World, Wołczyk et al. 2021,
``continualworld/results_processing/tables.py``): with ``perf[j, i]`` the performance on
task i measured at the end of training phase j (tasks trained in order 0..n-1),
forgetting of task i = ``perf[i, i] - perf[n-1, i]`` (what was lost by the end); forward
transfer of task i = ``(AUC_i - AUC_ref_i) / (best - AUC_ref_i)``, the area under the
method's curve during task i's phase against a reference that learns task i from scratch,
normalised by the room for improvement (``best`` = the best attainable performance, 1 for
success rates). Both assume higher is better.

Every per-seed number gets a mean and a bootstrap confidence interval of the mean over
seeds (``scipy.stats.bootstrap``, percentile method; NaN bounds with fewer than 2 values).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from .nonstationary import _switch_positions, recovery_times

__all__ = [
    "adaptation_gains",
    "adaptation_report",
    "bootstrap_ci",
    "forgetting",
    "forward_transfer",
    "summarise_over_seeds",
]


def bootstrap_ci(
    values: Sequence[float], confidence: float = 0.95, n_resamples: int = 2000, seed: int = 0
) -> tuple[float, float, float]:
    """(mean, low, high) of the mean of ``values`` (NaNs dropped); percentile bootstrap."""
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie in (0, 1), got {confidence}")
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if x.size == 0:
        return math.nan, math.nan, math.nan
    mean = float(x.mean())
    if x.size < 2 or np.all(x == x[0]):
        return mean, (mean if x.size >= 2 else math.nan), (mean if x.size >= 2 else math.nan)
    res = stats.bootstrap(
        (x,),
        np.mean,
        confidence_level=confidence,
        n_resamples=n_resamples,
        method="percentile",
        rng=np.random.default_rng(seed),
    )
    return mean, float(res.confidence_interval.low), float(res.confidence_interval.high)


def adaptation_gains(
    curve_df: pd.DataFrame,
    switch_slots: Sequence[int] | None = None,
    window: int = 20,
    metric: str = "reward",
    higher_is_better: bool = True,
) -> pd.DataFrame:
    """Per switch: ``switch_slot, early_level, late_level, gain`` (see the module docstring)."""
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window}")
    if metric not in curve_df.columns:
        raise ValueError(f"the curve has no {metric!r} column")
    curve = curve_df.sort_values("slot").reset_index(drop=True)
    slots = curve["slot"].to_numpy()
    values = pd.to_numeric(curve[metric], errors="coerce").to_numpy(dtype=float)
    switches = _switch_positions(curve, slots, switch_slots)
    rows = []
    for n, s in enumerate(switches):
        end = switches[n + 1] if n + 1 < len(switches) else len(curve)
        early = values[s : min(s + window, end)]
        late = values[max(end - window, s) : end]
        early_level = float(np.nanmean(early)) if np.any(~np.isnan(early)) else math.nan
        late_level = float(np.nanmean(late)) if np.any(~np.isnan(late)) else math.nan
        gain = late_level - early_level
        rows.append(
            {
                "switch_slot": slots[s],
                "early_level": early_level,
                "late_level": late_level,
                "gain": gain if higher_is_better else -gain,
            }
        )
    return pd.DataFrame(rows, columns=["switch_slot", "early_level", "late_level", "gain"])


def forgetting(perf: np.ndarray) -> np.ndarray:
    """Continual World forgetting per task: ``perf[i, i] - perf[-1, i]`` (``perf`` [n, n])."""
    perf = np.asarray(perf, dtype=float)
    if perf.ndim != 2 or perf.shape[0] != perf.shape[1] or perf.shape[0] < 1:
        raise ValueError(f"perf must be a square [phases, tasks] matrix, got shape {perf.shape}")
    return np.diag(perf) - perf[-1]


def forward_transfer(
    method_curve: Sequence[float], reference_curve: Sequence[float], best: float = 1.0
) -> float:
    """Continual World forward transfer of one task: ``(AUC - AUC_ref) / (best - AUC_ref)``.

    Both curves are the task's performance over its training phase, sampled on the same
    grid (the AUC is their mean); ``best`` bounds the performance from above.
    """
    m = np.asarray(method_curve, dtype=float)
    r = np.asarray(reference_curve, dtype=float)
    if m.shape != r.shape or m.size == 0:
        raise ValueError(f"curves must be non-empty and equally long, got {m.shape} and {r.shape}")
    auc, auc_ref = float(np.nanmean(m)), float(np.nanmean(r))
    if best <= auc_ref:
        raise ValueError(f"best ({best}) must exceed the reference AUC ({auc_ref})")
    return (auc - auc_ref) / (best - auc_ref)


def summarise_over_seeds(
    df: pd.DataFrame, value: str, by: Sequence[str] = ("policy",), confidence: float = 0.95
) -> pd.DataFrame:
    """Mean and bootstrap CI of ``value`` over rows (seeds, switches) per ``by`` group:
    columns ``*by, mean, ci_low, ci_high, n``."""
    rows = []
    by = list(by)
    for key, group in df.groupby(by, sort=True) if by else [((), df)]:
        mean, low, high = bootstrap_ci(group[value].to_numpy(dtype=float), confidence)
        key = key if isinstance(key, tuple) else (key,)
        rows.append(
            {
                **dict(zip(by, key, strict=True)),
                "mean": mean,
                "ci_low": low,
                "ci_high": high,
                "n": int(group[value].notna().sum()),
            }
        )
    return pd.DataFrame(rows, columns=[*by, "mean", "ci_low", "ci_high", "n"])


def adaptation_report(
    curves: pd.DataFrame,
    metric: str = "reward",
    higher_is_better: bool = True,
    window: int = 20,
    tolerance: float = 0.05,
    switch_slots: Sequence[int] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Recovery times and adaptation gains of stacked curves (``policy``, ``seed`` columns).

    Returns ``(per_switch, summary)``: one row per (policy, seed, switch) with
    ``recovery_slots`` and ``gain``; and per policy the seed-averaged mean recovery time
    and gain with bootstrap CIs over seeds (each seed contributes its mean over switches;
    unrecovered switches count as the rest of their segment, so a method that never recovers
    is not flattered; ``unrecovered`` counts them).
    """
    for column in ("seed", metric):
        if column not in curves.columns:
            raise ValueError(f"curves need a {column!r} column")
    curves = curves if "policy" in curves.columns else curves.assign(policy="policy")
    per_switch = []
    for (policy, seed), curve in curves.groupby(["policy", "seed"], sort=True):
        rec = recovery_times(curve, switch_slots, window, tolerance, metric)
        gain = adaptation_gains(curve, switch_slots, window, metric, higher_is_better)
        slots = np.sort(curve["slot"].to_numpy())
        ends = np.append(rec["switch_slot"].to_numpy()[1:], slots[-1] + 1)
        rec["unrecovered"] = rec["recovery_slots"].isna()
        rec["recovery_slots"] = rec["recovery_slots"].fillna(
            pd.Series(ends - rec["switch_slot"].to_numpy(), index=rec.index)
        )
        rec["gain"] = gain["gain"].to_numpy()
        per_switch.append(rec.assign(policy=policy, seed=seed))
    per_switch_df = pd.concat(per_switch, ignore_index=True)
    per_seed = (
        per_switch_df.groupby(["policy", "seed"])
        .agg(
            recovery_slots=("recovery_slots", "mean"),
            gain=("gain", "mean"),
            unrecovered=("unrecovered", "sum"),
        )
        .reset_index()
    )
    rec_summary = summarise_over_seeds(per_seed, "recovery_slots")
    gain_summary = summarise_over_seeds(per_seed, "gain")
    summary = rec_summary.merge(gain_summary, on="policy", suffixes=("_recovery", "_gain"))
    summary = summary.merge(
        per_seed.groupby("policy")["unrecovered"].sum().reset_index(), on="policy"
    )
    return per_switch_df, summary
