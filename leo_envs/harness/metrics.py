"""Metrics computed across result rows: the gap to the optimum.

Two columns: ``gap_abs = objective - opt`` (in the objective's units; always defined when
both ran) and the relative ``gap_to_opt = gap_abs / |opt|`` (a fraction: 0.05 is 5 %).
When the optimum is ~0 (``|opt| <= OPT_ZERO_TOL``, e.g. a small LinkScheduling instance
where every device can be served) the relative gap is undefined and left NaN (empty in
CSVs, absent from plots): read ``gap_abs`` there. Both are >= 0 for a minimised objective;
lower is better.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["GAP_COLUMNS", "OPT_ZERO_TOL", "add_gap_to_opt", "episode_keys"]

#: ``|opt|`` at or below this is "zero": the relative gap is undefined there (NaN).
OPT_ZERO_TOL = 1e-9
#: The columns :func:`add_gap_to_opt` writes.
GAP_COLUMNS = ("gap_to_opt", "gap_abs")


def episode_keys(df: pd.DataFrame) -> list[str]:
    """The columns that identify one episode across policies (same env, kwargs, seed, episode)."""
    env_key = "env_spec" if "env_spec" in df.columns else "env_id"
    return [env_key, "seed", "episode"]


def add_gap_to_opt(df: pd.DataFrame, reference: str | None = None) -> pd.DataFrame:
    """Add ``gap_abs = objective - opt`` and ``gap_to_opt = gap_abs / |opt|`` to every row.

    ``gap_to_opt`` is NaN where ``|opt| <= OPT_ZERO_TOL`` (undefined relative gap; see the
    module docstring). ``opt`` is the objective (minimised, from ``info["objective"]``) of
    the reference policy on the same episode (same env spec, seed and episode). The
    reference is the policy named ``reference``, or else the first policy with ``is_exact``
    true. Returns ``df`` unchanged when there is no reference; the gaps are NaN where the
    reference row errored or the objective is missing. Raises ``ValueError`` if
    ``reference`` names a policy absent from ``df``.
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
        out["gap_abs"] = np.nan
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
    gap_abs = obj - opt
    defined = np.abs(opt) > OPT_ZERO_TOL
    out["gap_to_opt"] = np.divide(
        gap_abs, np.abs(opt), out=np.full_like(gap_abs, np.nan), where=defined
    )
    out["gap_abs"] = gap_abs
    return out
