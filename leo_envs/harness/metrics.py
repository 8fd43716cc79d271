"""Metrics computed across result rows: the gap to the optimum."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["GAP_EPS", "add_gap_to_opt", "episode_keys"]

#: Floor of ``|opt_objective|`` in the denominator of ``gap_to_opt``.
GAP_EPS = 1e-12


def episode_keys(df: pd.DataFrame) -> list[str]:
    """The columns that identify one episode across policies (same env, kwargs, seed, episode)."""
    env_key = "env_spec" if "env_spec" in df.columns else "env_id"
    return [env_key, "seed", "episode"]


def add_gap_to_opt(df: pd.DataFrame, reference: str | None = None) -> pd.DataFrame:
    """Add ``gap_to_opt = (objective - opt) / max(|opt|, 1e-12)`` to every row.

    ``opt`` is the objective (minimised, from ``info["objective"]``) of the reference
    policy on the same episode (same env spec, seed and episode). The reference is the
    policy named ``reference``, or else the first policy with ``is_exact`` true. Returns
    ``df`` unchanged when there is no reference; the gap is NaN where the reference row
    errored or the objective is missing. Raises ``ValueError`` if ``reference`` names a
    policy absent from ``df``.
    """
    if df.empty or "policy" not in df.columns:
        return df
    if reference is not None:
        if reference not in set(df["policy"]):
            raise ValueError(
                f"reference policy {reference!r} not among {sorted(set(df['policy']))}"
            )
        ref_name = reference
    else:
        if "is_exact" not in df.columns:
            return df
        exact = df.loc[df["is_exact"].fillna(False).astype(bool), "policy"]
        if exact.empty:
            return df
        ref_name = exact.iloc[0]
    out = df.copy()
    if "objective" not in out.columns:
        out["gap_to_opt"] = np.nan
        return out
    keys = episode_keys(out)
    ref = out[out["policy"] == ref_name]
    if "error" in ref.columns:
        ref = ref[ref["error"].isna()]
    ref = (
        ref[[*keys, "objective"]]
        .drop_duplicates(keys, keep="first")
        .rename(columns={"objective": "_opt_objective"})
    )
    merged = out[keys].merge(ref, on=keys, how="left")
    opt = pd.to_numeric(merged["_opt_objective"], errors="coerce").to_numpy(dtype=float)
    obj = pd.to_numeric(out["objective"], errors="coerce").to_numpy(dtype=float)
    out["gap_to_opt"] = (obj - opt) / np.maximum(np.abs(opt), GAP_EPS)
    return out
