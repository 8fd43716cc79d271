"""The per-episode mechanics shared by :func:`evaluate` and :func:`run_continual`."""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from .progress import native_stdout_guard

__all__ = ["next_action", "start_episode"]


def start_episode(policy: Any, unwrapped: Any) -> tuple[np.ndarray | None, float]:
    """Call ``policy.reset(env)`` and, for planners, ``policy.plan(env.instance())``.

    Returns the plan (``None`` when the policy acts step by step) and the plan's wall time
    in seconds (NaN without a plan).
    """
    if callable(getattr(policy, "reset", None)):
        policy.reset(unwrapped)
    if not callable(getattr(policy, "plan", None)):
        return None, math.nan
    instance_fn = getattr(unwrapped, "instance", None)
    if not callable(instance_fn):
        if callable(getattr(policy, "act", None)):
            return None, math.nan
        raise TypeError(f"{type(unwrapped).__name__} has no instance() for the planner to plan on")
    with native_stdout_guard():  # solver banners must not tear progress bars
        t0 = time.perf_counter()
        planned = policy.plan(instance_fn())
        plan_time = time.perf_counter() - t0
    if planned is None:  # the planner declined: act step by step
        return None, plan_time
    return np.asarray(planned), plan_time


def next_action(
    policy: Any, schedule: np.ndarray | None, step: int, obs: Any, info: dict[str, Any]
) -> tuple[Any, float]:
    """The action of ``step`` (from the plan, or ``policy.act``) and the act wall time."""
    if schedule is not None:
        if step >= len(schedule):
            raise ValueError(
                f"the plan has {len(schedule)} rows but the episode is still running at step {step}"
            )
        return schedule[step], 0.0
    t0 = time.perf_counter()
    action = policy.act(obs, info)
    return action, time.perf_counter() - t0
