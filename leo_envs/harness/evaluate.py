"""Run policies on seeded episodes and return one tidy row per episode."""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import gymnasium as gym
import numpy as np
import pandas as pd

from .metrics import add_gap_to_opt
from .policy import as_policy, is_exact, policy_name
from .progress import progress_bar
from .rollout import next_action, start_episode

__all__ = [
    "RESERVED_COLUMNS",
    "TIMING_COLUMNS",
    "compare",
    "env_spec_json",
    "error_row",
    "evaluate",
    "info_scalars",
    "normalize_seeds",
    "order_columns",
]

logger = logging.getLogger(__name__)

#: Columns whose values depend on wall time, not on the episode.
TIMING_COLUMNS = ("decision_time_s", "plan_time_s")
#: Columns the harness writes itself; info keys with these names get an ``info.`` prefix.
RESERVED_COLUMNS = frozenset(
    {
        "policy",
        "env_id",
        "seed",
        "episode",
        "return",
        "n_steps",
        *TIMING_COLUMNS,
        "is_exact",
        "env_spec",
        "error",
        "gap_to_opt",
        "cell",
    }
)


def normalize_seeds(seeds: int | Iterable[int]) -> tuple[int, ...]:
    """``seeds`` as a tuple of ints (a single int is one seed)."""
    if isinstance(seeds, (int, np.integer)):
        return (int(seeds),)
    out = tuple(int(s) for s in seeds)
    if not out:
        raise ValueError("seeds must not be empty")
    return out


def info_scalars(info: Mapping[str, Any]) -> dict[str, Any]:
    """The numeric scalars (bool, int, float, numpy scalars, 0-d arrays) of ``info``."""
    out: dict[str, Any] = {}
    for key, value in info.items():
        if isinstance(value, np.ndarray):
            if value.ndim != 0 or value.dtype.kind not in "biuf":
                continue
            value = value.item()
        elif isinstance(value, np.generic):
            if value.dtype.kind not in "biuf":
                continue
            value = value.item()
        elif not isinstance(value, (bool, int, float)):
            continue
        name = f"info.{key}" if key in RESERVED_COLUMNS else str(key)
        out[name] = value
    return out


def env_spec_json(env: Any, env_id: str, env_kwargs: Mapping[str, Any]) -> str:
    """``env.spec.to_json()``, or a JSON of id and kwargs (with ``repr`` for odd values)."""
    spec = getattr(env, "spec", None)
    if spec is not None:
        try:
            return spec.to_json()
        except Exception:
            pass
    return fallback_spec_json(env_id, env_kwargs)


def fallback_spec_json(env_id: str, env_kwargs: Mapping[str, Any]) -> str:
    return json.dumps({"id": env_id, "kwargs": dict(env_kwargs)}, default=repr, sort_keys=True)


def error_row(
    name: str, env_id: str, seed: int, episode: int, error: str, env_spec: str, exact: bool
) -> dict[str, Any]:
    """The row of an episode that failed: numeric columns NaN, ``error`` set."""
    return {
        "policy": name,
        "env_id": env_id,
        "seed": seed,
        "episode": episode,
        "return": math.nan,
        "n_steps": math.nan,
        "decision_time_s": math.nan,
        "plan_time_s": math.nan,
        "is_exact": exact,
        "env_spec": env_spec,
        "error": error,
    }


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _run_episode(
    policy: Any, env: gym.Env, obs: Any, info: dict[str, Any], learn: bool
) -> dict[str, Any]:
    """Play one episode from ``(obs, info)``; return, steps, timings and the final info."""
    schedule, plan_time = start_episode(policy, env.unwrapped)
    observe = getattr(policy, "observe", None) if learn else None
    total_return = 0.0
    act_time = 0.0
    n_steps = 0
    terminated = truncated = False
    while not (terminated or truncated):
        action, dt = next_action(policy, schedule, n_steps, obs, info)
        act_time += dt
        next_obs, reward, terminated, truncated, info = env.step(action)
        total_return += float(reward)
        n_steps += 1
        if callable(observe):
            observe(obs, action, reward, next_obs, terminated, truncated, info)
        obs = next_obs
    spent = plan_time if schedule is not None else act_time
    return {
        "return": total_return,
        "n_steps": n_steps,
        "info": info,
        "decision_time_s": spent / max(n_steps, 1),
        "plan_time_s": plan_time,
    }


def evaluate(
    policy: Any,
    env_id: str,
    seeds: int | Iterable[int] = (0,),
    episodes: int = 1,
    *,
    env_kwargs: Mapping[str, Any] | None = None,
    progress: bool | None = None,
    reference: Any = None,
    name: str | None = None,
    learn: bool = True,
) -> pd.DataFrame:
    """Run ``policy`` on ``episodes`` episodes for each seed; one tidy row per episode.

    For each seed ``s`` a fresh ``gym.make(env_id, **env_kwargs)`` is reset with
    ``reset(seed=s)`` for episode 0 and ``reset()`` afterwards, so every policy sees the
    same episodes. Policies with ``plan`` get ``env.unwrapped.instance()`` at episode start
    and their plan is replayed through the env. ``policy.seed(s)`` is called once per seed,
    ``policy.reset(env.unwrapped)`` at each episode start, and, unless ``learn=False``,
    ``policy.observe(...)`` after each step.

    Columns: ``policy, env_id, seed, episode, return, n_steps``, every numeric scalar of the
    final step's ``info`` (e.g. ``objective``), ``decision_time_s`` (mean seconds per
    ``act`` call, or plan time / steps), ``plan_time_s`` (NaN without a plan),
    ``is_exact``, ``env_spec`` (JSON) and ``error`` (None, or the exception of a failed
    episode, whose numeric columns are then NaN: failures never abort the call).

    ``policy`` may be anything :func:`as_policy` accepts (a name resolves through the
    ``leo_envs.policies`` entry points). ``reference`` (a policy, a name, or a DataFrame
    of rows with ``seed, episode, objective``) adds ``gap_to_opt``; so does an exact policy.
    """
    if episodes < 1:
        raise ValueError(f"episodes must be >= 1, got {episodes}")
    seed_list = normalize_seeds(seeds)
    kwargs = dict(env_kwargs or {})
    label = name or (policy if isinstance(policy, str) else None)
    policy = as_policy(policy)
    label = label or policy_name(policy)
    exact = is_exact(policy)
    rows: list[dict[str, Any]] = []
    bar = progress_bar(len(seed_list) * episodes, progress, desc=f"{label} on {env_id}")
    try:
        for seed in seed_list:
            rows.extend(_evaluate_seed(policy, label, exact, env_id, kwargs, seed, episodes, learn))
            bar.update(episodes)
    finally:
        bar.close()
    df = _to_frame(rows)
    n_err = int(df["error"].notna().sum())
    if n_err:
        logger.warning(
            "%s on %s: %d of %d episodes failed (first: %s)",
            label,
            env_id,
            n_err,
            len(df),
            df["error"].dropna().iloc[0],
        )
    if reference is not None:
        df = _gap_against(df, reference, env_id, seed_list, episodes, kwargs, learn)
    elif exact:
        df = add_gap_to_opt(df)
    return df


def _evaluate_seed(
    policy: Any,
    label: str,
    exact: bool,
    env_id: str,
    kwargs: dict[str, Any],
    seed: int,
    episodes: int,
    learn: bool,
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    spec_json = fallback_spec_json(env_id, kwargs)

    def fail_rest(start: int, exc: BaseException) -> None:
        for ep in range(start, episodes):
            rows.append(error_row(label, env_id, seed, ep, _describe(exc), spec_json, exact))

    try:
        env = gym.make(env_id, **kwargs)
    except Exception as exc:
        fail_rest(0, exc)
        return rows
    try:
        spec_json = env_spec_json(env, env_id, kwargs)
        if callable(getattr(policy, "seed", None)):
            try:
                policy.seed(seed)
            except Exception as exc:
                logger.debug("seed() failed", exc_info=True)
                fail_rest(0, exc)
                return rows
        for ep in range(episodes):
            try:
                obs, info = env.reset(seed=seed) if ep == 0 else env.reset()
            except Exception as exc:
                # The episode sequence of this seed is lost: fail the remaining episodes.
                fail_rest(ep, exc)
                break
            try:
                result = _run_episode(policy, env, obs, info, learn)
            except Exception as exc:
                logger.debug("episode failed", exc_info=True)
                rows.append(error_row(label, env_id, seed, ep, _describe(exc), spec_json, exact))
                continue
            row: dict[str, Any] = {
                "policy": label,
                "env_id": env_id,
                "seed": seed,
                "episode": ep,
                "return": result["return"],
                "n_steps": result["n_steps"],
            }
            row.update(info_scalars(result["info"]))
            row.update(
                decision_time_s=result["decision_time_s"],
                plan_time_s=result["plan_time_s"],
                is_exact=exact,
                env_spec=spec_json,
                error=None,
            )
            rows.append(row)
    finally:
        try:
            env.close()
        except Exception:
            logger.debug("env.close() failed", exc_info=True)
    return rows


_TAIL = ("decision_time_s", "plan_time_s", "is_exact", "env_spec", "error")


def _to_frame(rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """Rows to a DataFrame with the identity columns first and the bookkeeping last."""
    return order_columns(pd.DataFrame(list(rows)))


def order_columns(df: pd.DataFrame) -> pd.DataFrame:
    """Bookkeeping columns (timing, ``is_exact``, ``env_spec``, ``error``) last; ``error``
    holds None (not NaN) for successful rows."""
    if df.empty:
        return df
    tail = [c for c in _TAIL if c in df.columns]
    head = [c for c in df.columns if c not in tail]
    df = df[head + tail].copy()
    if "error" in df.columns:
        df["error"] = df["error"].astype(object).where(df["error"].notna(), None)
    return df


def _gap_against(
    df: pd.DataFrame,
    reference: Any,
    env_id: str,
    seeds: tuple[int, ...],
    episodes: int,
    kwargs: dict[str, Any],
    learn: bool,
) -> pd.DataFrame:
    """``gap_to_opt`` of ``df`` against a reference policy or reference rows."""
    if isinstance(reference, pd.DataFrame):
        ref = reference.copy()
    else:
        ref = evaluate(
            reference, env_id, seeds, episodes, env_kwargs=kwargs, progress=False, learn=learn
        )
    ref_label = "__reference__"
    ref["policy"] = ref_label
    if "env_spec" in df.columns and "env_spec" not in ref.columns:
        ref["env_spec"] = df["env_spec"].iloc[0]
    both = pd.concat([df, ref], ignore_index=True)
    both = add_gap_to_opt(both, reference=ref_label)
    return both.iloc[: len(df)].reset_index(drop=True)


def compare(
    policies: Mapping[str, Any],
    env_id: str,
    seeds: int | Iterable[int] = (0,),
    episodes: int = 1,
    *,
    env_kwargs: Mapping[str, Any] | None = None,
    progress: bool | None = None,
    reference: str | None = None,
    learn: bool = True,
) -> pd.DataFrame:
    """Run every policy of ``{label: policy}`` on identical episodes; rows of all of them.

    Adds ``gap_to_opt`` (see :func:`~leo_envs.harness.metrics.add_gap_to_opt`) when a policy
    has ``is_exact`` true or ``reference`` names one of the labels. A policy that cannot be
    built, or that raises, fails only its own rows (``error`` set).
    """
    if not policies:
        raise ValueError("compare() needs at least one policy")
    if reference is not None and reference not in policies:
        raise ValueError(f"reference {reference!r} is not one of {list(policies)}")
    if episodes < 1:
        raise ValueError(f"episodes must be >= 1, got {episodes}")
    seed_list = normalize_seeds(seeds)
    kwargs = dict(env_kwargs or {})
    total = len(policies) * len(seed_list) * episodes
    bar = progress_bar(total, progress, desc=f"compare on {env_id}")
    frames: list[pd.DataFrame] = []
    try:
        for label, spec in policies.items():
            bar.set_postfix_str(label)
            try:
                policy = as_policy(spec)
            except Exception as exc:
                logger.warning("policy %s could not be built: %s", label, _describe(exc))
                spec_json = fallback_spec_json(env_id, kwargs)
                frames.append(
                    _to_frame(
                        [
                            error_row(label, env_id, s, ep, _describe(exc), spec_json, False)
                            for s in seed_list
                            for ep in range(episodes)
                        ]
                    )
                )
            else:
                frames.append(
                    evaluate(
                        policy,
                        env_id,
                        seed_list,
                        episodes,
                        env_kwargs=kwargs,
                        progress=False,
                        name=label,
                        learn=learn,
                    )
                )
            bar.update(len(seed_list) * episodes)
    finally:
        bar.close()
    df = order_columns(pd.concat(frames, ignore_index=True))
    if "gap_to_opt" in df.columns:
        df = df.drop(columns="gap_to_opt")
    return add_gap_to_opt(df, reference=reference)
