"""Non-stationary runs: a learning curve over slots, and recovery times after task switches."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import gymnasium as gym
import numpy as np
import pandas as pd

from .policy import as_policy, policy_name
from .progress import progress_bar
from .rollout import next_action, start_episode

__all__ = ["recovery_times", "run_continual"]


def run_continual(
    policy: Any,
    env_id: str,
    n_slots: int,
    seed: int = 0,
    env_kwargs: Mapping[str, Any] | None = None,
    *,
    progress: bool | None = None,
    learn: bool = True,
    name: str | None = None,
) -> pd.DataFrame:
    """Run ``policy`` for ``n_slots`` steps (slots) across consecutive episodes of one env.

    The env is reset with ``reset(seed=seed)`` first and ``reset()`` whenever an episode
    ends, so non-stationary envs walk through their task sequence. ``policy.seed(seed)`` is
    called once, ``policy.reset(env.unwrapped)`` (and ``plan`` for planners) at each episode
    start, and ``policy.observe(obs, action, reward, next_obs, terminated, truncated, info)``
    after every step unless ``learn=False``, so online learners learn during the run.
    Exceptions propagate.

    One row per slot: ``policy, slot, episode, step`` (within the episode), ``task_id``
    (``info["task_id"]`` of the step, else of the episode's reset, else None), ``reward``,
    ``objective`` (``info["objective"]`` on the slot that ends an episode, else NaN),
    ``terminated, truncated, decision_time_s``.
    """
    if n_slots < 0:
        raise ValueError(f"n_slots must be >= 0, got {n_slots}")
    label = name or (policy if isinstance(policy, str) else None)
    policy = as_policy(policy, env_id=env_id)
    label = label or policy_name(policy)
    observe = getattr(policy, "observe", None) if learn else None
    env = gym.make(env_id, **dict(env_kwargs or {}))
    rows: list[dict[str, Any]] = []
    bar = progress_bar(n_slots, progress if progress is not None else n_slots > 1000, label, "slot")
    try:
        if callable(getattr(policy, "seed", None)):
            policy.seed(seed)
        episode = 0
        obs, info = env.reset(seed=seed)
        reset_task = info.get("task_id")
        schedule, _ = start_episode(policy, env.unwrapped)
        step = 0
        for slot in range(n_slots):
            action, dt = next_action(policy, schedule, step, obs, info)
            next_obs, reward, terminated, truncated, info = env.step(action)
            if callable(observe):
                observe(obs, action, reward, next_obs, terminated, truncated, info)
            done = bool(terminated or truncated)
            rows.append(
                {
                    "policy": label,
                    "slot": slot,
                    "episode": episode,
                    "step": step,
                    "task_id": info.get("task_id", reset_task),
                    "reward": float(reward),
                    "objective": float(info.get("objective", math.nan)) if done else math.nan,
                    "terminated": bool(terminated),
                    "truncated": bool(truncated),
                    "decision_time_s": dt,
                }
            )
            bar.update(1)
            obs = next_obs
            step += 1
            if done and slot + 1 < n_slots:
                episode += 1
                step = 0
                obs, info = env.reset()
                reset_task = info.get("task_id")
                schedule, _ = start_episode(policy, env.unwrapped)
    finally:
        bar.close()
        env.close()
    columns = [
        "policy",
        "slot",
        "episode",
        "step",
        "task_id",
        "reward",
        "objective",
        "terminated",
        "truncated",
        "decision_time_s",
    ]
    return pd.DataFrame(rows, columns=columns)


def _switch_positions(curve: pd.DataFrame, slots: np.ndarray, switch_slots: Any) -> list[int]:
    if switch_slots is not None:
        positions = []
        for s in switch_slots:
            hit = np.flatnonzero(slots == s)
            if hit.size == 0:
                raise ValueError(f"switch slot {s!r} is not in the curve")
            positions.append(int(hit[0]))
        return sorted(set(positions))
    if "task_id" not in curve.columns:
        raise ValueError("the curve has no 'task_id' column: pass switch_slots explicitly")
    codes, _ = pd.factorize(curve["task_id"], use_na_sentinel=False)
    return [int(i) for i in np.flatnonzero(np.diff(codes) != 0) + 1]


def recovery_times(
    curve_df: pd.DataFrame,
    switch_slots: Sequence[int] | None = None,
    window: int = 20,
    tolerance: float = 0.05,
    metric: str = "reward",
    abs_floor: float = 1e-9,
) -> pd.DataFrame:
    """How many slots a policy needs to get back to its pre-switch level after each switch.

    Definitions (positions are rows of ``curve_df`` sorted by ``slot``):

    - switches: slots where ``task_id`` differs from the previous slot's (or ``switch_slots``);
      a switch's *segment* runs from it to the next switch (exclusive) or the curve's end;
    - ``pre_level``: mean of ``metric`` over the ``window`` slots before the switch (fewer
      if the curve starts later; NaN values ignored);
    - post-switch moving average ``ma[j]``: mean of ``metric`` over slots
      ``max(switch, j - window + 1) .. j`` — a trailing ``window``-slot mean that never
      reaches back before the switch (NaN values ignored);
    - within tolerance: ``|ma[j] - pre_level| <= max(tolerance * |pre_level|, abs_floor)``;
    - ``recovery_slots``: ``slot[j*] - switch_slot`` for the first segment slot ``j*`` from
      which ``ma`` stays within tolerance up to the segment's last slot; NaN (not recovered)
      if the segment's last ``ma`` is outside it, or ``pre_level`` is NaN;
    - ``min_level``: minimum of ``ma`` over the segment (the depth of the dip).

    Returns a DataFrame with columns ``switch_slot, pre_level, min_level, recovery_slots``.
    """
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window}")
    if tolerance < 0:
        raise ValueError(f"tolerance must be >= 0, got {tolerance}")
    if metric not in curve_df.columns:
        raise ValueError(f"the curve has no {metric!r} column")
    columns = ["switch_slot", "pre_level", "min_level", "recovery_slots"]
    curve = curve_df.sort_values("slot") if "slot" in curve_df.columns else curve_df
    curve = curve.reset_index(drop=True)
    slots = curve["slot"].to_numpy() if "slot" in curve.columns else np.arange(len(curve))
    values = pd.to_numeric(curve[metric], errors="coerce").to_numpy(dtype=float)
    present = ~np.isnan(values)
    # Prefix sums of values and counts (NaN-free) give every windowed nan-mean in O(1).
    csum = np.concatenate([[0.0], np.cumsum(np.where(present, values, 0.0))])
    ccount = np.concatenate([[0], np.cumsum(present)])

    def nanmean(lo: int, hi: int) -> float:
        n = ccount[hi] - ccount[lo]
        return (csum[hi] - csum[lo]) / n if n else math.nan

    switches = _switch_positions(curve, slots, switch_slots)
    rows = []
    for k, s in enumerate(switches):
        end = switches[k + 1] if k + 1 < len(switches) else len(curve)
        pre = nanmean(max(0, s - window), s) if s > 0 else math.nan
        ma = np.array([nanmean(max(s, j - window + 1), j + 1) for j in range(s, end)])
        min_level = float(np.nanmin(ma)) if np.any(~np.isnan(ma)) else math.nan
        recovery = math.nan
        if not math.isnan(pre) and ma.size:
            band = max(tolerance * abs(pre), abs_floor)
            inside = np.abs(ma - pre) <= band  # NaN compares False: outside
            if inside[-1]:
                outside = np.flatnonzero(~inside)
                first = int(outside[-1]) + 1 if outside.size else 0
                recovery = float(slots[s + first] - slots[s])
        rows.append(
            {
                "switch_slot": slots[s],
                "pre_level": pre,
                "min_level": min_level,
                "recovery_slots": recovery,
            }
        )
    return pd.DataFrame(rows, columns=columns)
