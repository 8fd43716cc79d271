"""Run policies on seeded episodes and return one tidy row per episode."""

from __future__ import annotations

import json
import logging
import math
import signal
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import gymnasium as gym
import numpy as np
import pandas as pd

from .metrics import GAP_COLUMNS, add_gap_to_opt
from .policy import as_policy, is_exact, policy_name
from .progress import progress_bar
from .rollout import next_action, start_episode

__all__ = [
    "RESERVED_COLUMNS",
    "TIMING_COLUMNS",
    "CellTimeout",
    "ConfigError",
    "EpisodeTimeout",
    "check_env",
    "check_episodes",
    "check_timeout",
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
        "gap_abs",
        "cell",
    }
)


class ConfigError(ValueError):
    """The env id or its kwargs are wrong: nothing ran (not a failed episode)."""


class EpisodeTimeout(TimeoutError):
    """An episode ran longer than its ``episode_timeout_s``."""


class CellTimeout(TimeoutError):
    """A sweep cell ran longer than its ``timeout_s``."""


def _check_seed(seed: Any) -> int:
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seeds must be integers >= 0, got {seed!r} ({type(seed).__name__})")
    if seed < 0:
        raise ValueError(f"seeds must be integers >= 0, got {seed}")
    return int(seed)


def normalize_seeds(seeds: int | Iterable[int]) -> tuple[int, ...]:
    """``seeds`` as a tuple of ints >= 0 (a single int is one seed).

    Nothing is coerced: floats (``1.5``, even ``1.0``), strings (``"12"``) and bools raise
    ``TypeError``; negative seeds and an empty list raise ``ValueError``.
    """
    if isinstance(seeds, (str, bytes)):
        raise TypeError(f"seeds must be an int or a list of ints, got the string {seeds!r}")
    if not isinstance(seeds, Iterable):
        return (_check_seed(seeds),)
    out = tuple(_check_seed(s) for s in seeds)
    if not out:
        raise ValueError("seeds must not be empty")
    return out


def check_episodes(episodes: Any) -> int:
    """``episodes`` as an int >= 1 (no coercion of floats, strings or bools)."""
    if isinstance(episodes, (bool, np.bool_)) or not isinstance(episodes, (int, np.integer)):
        raise TypeError(f"episodes must be an integer >= 1, got {episodes!r}")
    if episodes < 1:
        raise ValueError(f"episodes must be >= 1, got {episodes}")
    return int(episodes)


def check_timeout(name: str, value: Any) -> float | None:
    """A timeout in seconds: None (no limit) or a finite number > 0."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        raise TypeError(f"{name} must be a number of seconds > 0 or None, got {value!r}")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number of seconds > 0, got {value!r}")
    return float(value)


def check_env(env_id: str, env_kwargs: Mapping[str, Any] | None = None) -> None:
    """Build (and close) ``gym.make(env_id, **env_kwargs)`` once; raise :class:`ConfigError`
    naming the id and kwargs if that fails (unknown id, unknown or out-of-range kwargs)."""
    if not isinstance(env_id, str) or not env_id:
        raise ConfigError(f"env_id must be a non-empty string, got {env_id!r}")
    kwargs = dict(env_kwargs or {})
    try:
        env = gym.make(env_id, **kwargs)
    except Exception as exc:
        raise ConfigError(
            f"config error: gym.make({env_id!r}, **{kwargs!r}) failed: {_describe(exc)}"
        ) from exc
    try:
        env.close()
    except Exception:
        logger.debug("env.close() failed", exc_info=True)


@contextmanager
def _time_limit(seconds: float | None, error: BaseException) -> Iterator[None]:
    """Raise ``error`` in this thread after ``seconds`` (SIGALRM, so only in the main
    thread of a POSIX process; Python code is interrupted, a long C call when it returns)."""
    if seconds is None:
        yield
        return
    if (
        not hasattr(signal, "setitimer")
        or threading.current_thread() is not threading.main_thread()
    ):
        raise ValueError(
            "episode_timeout_s needs the main thread of a POSIX process; in other threads use "
            "sweep(backend='process'), whose parent enforces it"
        )

    def on_alarm(signum: int, frame: Any) -> None:
        raise error

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def cell_timeout(timeout_s: float, seed: int, episode: int) -> CellTimeout:
    return CellTimeout(
        f"the cell's timeout_s={timeout_s:g} s ran out at seed {seed} episode {episode}"
    )


def episode_timeout(timeout_s: float, seed: int, episode: int) -> EpisodeTimeout:
    return EpisodeTimeout(
        f"seed {seed} episode {episode} ran past episode_timeout_s={timeout_s:g} s"
    )


def non_finite_metrics(row: Mapping[str, Any]) -> list[str]:
    """Names of the float metrics of ``row`` that are NaN or infinite."""
    bad = []
    for key, value in row.items():
        if isinstance(value, (float, np.floating)) and not math.isfinite(value):
            if key not in TIMING_COLUMNS:
                bad.append(f"{key}={value}")
    return bad


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
    episode_timeout_s: float | None = None,
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
    episode, whose numeric columns are then NaN: failures never abort the call). An
    episode whose return or info metrics are NaN or infinite is a failed episode too.

    Bad arguments fail before anything runs: seeds must be ints >= 0 (``1.5`` and ``"12"``
    raise ``TypeError``), ``episodes`` an int >= 1, and the env must build
    (:class:`ConfigError`, a ``ValueError``, for an unknown id or bad ``env_kwargs``).
    ``episode_timeout_s`` fails an episode that runs longer (checked with ``SIGALRM``: main
    thread only; the process backend of :func:`~leo_envs.harness.sweep` also kills it).

    ``policy`` may be anything :func:`as_policy` accepts (a name resolves through the
    ``leo_envs.policies`` entry points; ``env_id`` picks the family of a short name).
    ``reference`` (a policy, a name, or a DataFrame of rows with ``seed, episode,
    objective``) adds ``gap_to_opt`` and ``gap_abs``; so does an exact policy.
    """
    episodes = check_episodes(episodes)
    seed_list = normalize_seeds(seeds)
    episode_timeout_s = check_timeout("episode_timeout_s", episode_timeout_s)
    kwargs = dict(env_kwargs or {})
    check_env(env_id, kwargs)
    label = name or (policy if isinstance(policy, str) else None)
    policy = as_policy(policy, env_id=env_id)
    label = label or policy_name(policy)
    bar = progress_bar(len(seed_list) * episodes, progress, desc=f"{label} on {env_id}")
    try:
        rows = run_episodes(
            policy, label, env_id, kwargs, seed_list, episodes, learn,
            episode_timeout_s=episode_timeout_s, on_row=lambda row: bar.update(1),
        )  # fmt: skip
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
    elif is_exact(policy):
        df = add_gap_to_opt(df)
    return df


def run_episodes(
    policy: Any,
    label: str,
    env_id: str,
    kwargs: dict[str, Any],
    seeds: Sequence[int],
    episodes: int,
    learn: bool,
    *,
    episode_timeout_s: float | None = None,
    on_row: Any = None,
    on_start: Any = None,
    resume: tuple[int, int] | None = None,
    deadline: tuple[float, float] | None = None,
) -> list[dict[str, Any]]:
    """The rows of ``episodes`` episodes per seed (the engine of :func:`evaluate`).

    ``on_start(seed, episode)`` is called before each episode and ``on_row(row)`` after it
    (sweep workers stream their progress with them). ``resume=(seed_index, episode)``
    starts there, skipping the earlier episodes of that seed by resetting past them (the
    episode sequence of a seed does not depend on the actions taken).
    ``deadline=(monotonic_time, timeout_s)``: the cell's time limit; episodes that would
    start after it fail, and a running one gets at most the time left.
    """
    rows: list[dict[str, Any]] = []
    exact = is_exact(policy)
    first_seed, first_episode = resume or (0, 0)
    for i, seed in enumerate(seeds):
        if i < first_seed:
            continue
        skip = first_episode if i == first_seed else 0
        for row in _evaluate_seed(
            policy, label, exact, env_id, kwargs, seed, episodes, learn,
            skip=skip, episode_timeout_s=episode_timeout_s, on_start=on_start,
            deadline=deadline,
        ):  # fmt: skip
            rows.append(row)
            if on_row is not None:
                on_row(row)
    return rows


def _evaluate_seed(
    policy: Any,
    label: str,
    exact: bool,
    env_id: str,
    kwargs: dict[str, Any],
    seed: int,
    episodes: int,
    learn: bool,
    *,
    skip: int = 0,
    episode_timeout_s: float | None = None,
    on_start: Any = None,
    deadline: tuple[float, float] | None = None,
) -> Iterator[dict[str, Any]]:
    """Yield the rows of episodes ``skip .. episodes - 1`` of ``seed``, as each finishes."""
    spec_json = fallback_spec_json(env_id, kwargs)

    def failed(ep: int, error: str) -> dict[str, Any]:
        return error_row(label, env_id, seed, ep, error, spec_json, exact)

    try:
        env = gym.make(env_id, **kwargs)
    except Exception as exc:
        for ep in range(skip, episodes):
            yield failed(ep, _describe(exc))
        return
    try:
        spec_json = env_spec_json(env, env_id, kwargs)
        if callable(getattr(policy, "seed", None)):
            try:
                policy.seed(seed)
            except Exception as exc:
                logger.debug("seed() failed", exc_info=True)
                for ep in range(skip, episodes):
                    yield failed(ep, _describe(exc))
                return
        for ep in range(episodes):
            try:
                obs, info = env.reset(seed=seed) if ep == 0 else env.reset()
            except Exception as exc:
                # The episode sequence of this seed is lost: fail the remaining episodes.
                for rest in range(max(ep, skip), episodes):
                    yield failed(rest, _describe(exc))
                return
            if ep < skip:
                continue
            limit = episode_timeout_s
            error: BaseException | None = None
            if limit is not None:
                error = episode_timeout(limit, seed, ep)
            if deadline is not None:
                left = deadline[0] - time.monotonic()
                if left <= 0:
                    for rest in range(ep, episodes):
                        yield failed(rest, _describe(cell_timeout(deadline[1], seed, rest)))
                    return
                if limit is None or left < limit:
                    limit, error = left, cell_timeout(deadline[1], seed, ep)
            if on_start is not None:
                on_start(seed, ep)
            try:
                with _time_limit(limit, error):
                    result = _run_episode(policy, env, obs, info, learn)
            except Exception as exc:
                logger.debug("episode failed", exc_info=True)
                yield failed(ep, _describe(exc))
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
            bad = non_finite_metrics(row)
            if bad:
                yield failed(ep, f"NonFiniteMetrics: {', '.join(bad)}")
                continue
            yield row
    finally:
        try:
            env.close()
        except Exception:
            logger.debug("env.close() failed", exc_info=True)


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
    episode_timeout_s: float | None = None,
) -> pd.DataFrame:
    """Run every policy of ``{label: policy}`` on identical episodes; rows of all of them.

    Adds ``gap_to_opt`` and ``gap_abs`` (see :func:`~leo_envs.harness.metrics.add_gap_to_opt`)
    when a policy has ``is_exact`` true or ``reference`` names one of the labels. Bad seeds,
    episodes or env config raise before anything runs (as in :func:`evaluate`); a policy
    that cannot be built, or that raises, fails only its own rows (``error`` set).
    """
    if not policies:
        raise ValueError("compare() needs at least one policy")
    if reference is not None and reference not in policies:
        raise ValueError(f"reference {reference!r} is not one of {list(policies)}")
    episodes = check_episodes(episodes)
    seed_list = normalize_seeds(seeds)
    episode_timeout_s = check_timeout("episode_timeout_s", episode_timeout_s)
    kwargs = dict(env_kwargs or {})
    check_env(env_id, kwargs)
    total = len(policies) * len(seed_list) * episodes
    bar = progress_bar(total, progress, desc=f"compare on {env_id}")
    frames: list[pd.DataFrame] = []
    try:
        for label, spec in policies.items():
            bar.set_postfix_str(label)
            try:
                policy = as_policy(spec, env_id=env_id)
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
                        episode_timeout_s=episode_timeout_s,
                    )
                )
            bar.update(len(seed_list) * episodes)
    finally:
        bar.close()
    df = order_columns(pd.concat(frames, ignore_index=True))
    df = df.drop(columns=[c for c in GAP_COLUMNS if c in df.columns])
    return add_gap_to_opt(df, reference=reference)
