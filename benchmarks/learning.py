"""Does RL learn on LinkScheduling-v0? PPO and MaskablePPO against random, on held-out tasks.

A ``static`` env keeps one device layout (a *task*) per seed, so an agent trained on one
env memorises that layout and can lose to random on a new one. Here both agents train on
the env's fixed training task set (``env.unwrapped.task_set("train")``, one task drawn at
every reset) and are scored on the held-out test set (``task_set("test")``) they never
saw, next to the uniformly random valid policy on the very same episodes.
Stable-Baselines3's PPO and sb3-contrib's MaskablePPO run with their default
hyperparameters (MaskablePPO reads ``info["action_mask"]``; plain PPO's invalid links are
repaired by the env, ``invalid_action="repair"``).

    nice -n 10 python benchmarks/learning.py [--steps 50000] [--devices 10] [--episodes 5]

Prints, per method, the mean return (higher is better) and the mean final objective
(lower is better) over the test tasks x ``--episodes`` held-out episodes; the agents
are scored with their argmax actions (SB3's ``evaluate_policy`` default) and, for
information, with sampled actions.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from sb3_contrib import MaskablePPO
from stable_baselines3 import PPO
from stable_baselines3.common.env_util import make_vec_env

import leo_envs  # noqa: F401  (registers the ids)
from baselines.link_scheduling import RandomValid

ENV_ID = "leo_envs/LinkScheduling-v0"


class TaskSampler(gym.Wrapper):
    """Starts every episode on a task drawn uniformly from ``tasks`` (``reset(options=...)``)."""

    def __init__(self, env: gym.Env, tasks: Sequence[Any]) -> None:
        super().__init__(env)
        self.tasks = list(tasks)
        self._rng = np.random.default_rng()

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        if seed is not None:
            self._rng = np.random.default_rng(seed)
        task = self.tasks[int(self._rng.integers(len(self.tasks)))]
        return self.env.reset(seed=seed, options={**(options or {}), "task": task})


def task_sets(env_kwargs: dict) -> tuple[Sequence[Any], Sequence[Any]]:
    """The env's fixed, versioned training and held-out test task sets."""
    env = gym.make(ENV_ID, **env_kwargs).unwrapped
    return env.task_set("train"), env.task_set("test")


def score(
    act: Callable[[Any, dict], Any],
    reset: Callable[[Any], None] | None,
    env_kwargs: dict,
    tasks: Sequence[Any],
    episodes: int,
) -> tuple[float, float]:
    """Mean return and mean final objective of ``act`` over ``episodes`` per task."""
    env = gym.make(ENV_ID, **env_kwargs)
    returns, objectives = [], []
    for i, task in enumerate(tasks):
        for ep in range(episodes):
            obs, info = env.reset(seed=10_000 + 100 * i + ep, options={"task": task})
            if reset is not None:
                reset(env.unwrapped)
            total, done = 0.0, False
            while not done:
                obs, reward, terminated, truncated, info = env.step(act(obs, info))
                total += float(reward)
                done = terminated or truncated
            returns.append(total)
            objectives.append(float(info["objective"]))
    return float(np.mean(returns)), float(np.mean(objectives))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=50_000, help="training steps per agent")
    parser.add_argument("--devices", type=int, default=10, help="K (n_devices = max_devices)")
    parser.add_argument("--episodes", type=int, default=5, help="episodes per test task")
    parser.add_argument("--n-envs", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    env_kwargs = {"n_devices": args.devices, "max_devices": args.devices}
    train, test = task_sets(env_kwargs)
    print(
        f"LinkScheduling-v0, K={args.devices}, scenario static: {len(train)} training tasks, "
        f"{len(test)} held-out test tasks x {args.episodes} episodes; "
        f"{args.steps} training steps per agent, default hyperparameters"
    )
    rows: list[tuple[str, float, float, float]] = []
    rand = RandomValid(seed=args.seed)
    rows.append(("random valid", *score(rand.act, rand.reset, env_kwargs, test, args.episodes), 0))
    print(f"{'method':<22}{'return':>9}{'objective':>11}{'vs random':>11}{'train s':>9}")

    def report(name: str, ret: float, obj: float, seconds: float) -> None:
        change = (obj - rows[0][2]) / rows[0][2]
        print(f"{name:<22}{ret:>9.4f}{obj:>11.4f}{change:>+11.1%}{seconds:>9.0f}", flush=True)

    report(*rows[0])

    for algo in (PPO, MaskablePPO):
        venv = make_vec_env(
            ENV_ID, n_envs=args.n_envs, env_kwargs=env_kwargs, seed=args.seed,
            wrapper_class=TaskSampler, wrapper_kwargs={"tasks": train},
        )  # fmt: skip
        model = algo("MlpPolicy", venv, seed=args.seed)
        start = time.perf_counter()
        model.learn(args.steps)
        seconds = time.perf_counter() - start
        for deterministic in (True, False):
            act = partial(predict, model, deterministic, algo is MaskablePPO)
            name = f"{algo.__name__} ({'argmax' if deterministic else 'sampled'})"
            rows.append((name, *score(act, None, env_kwargs, test, args.episodes), seconds))
            report(*rows[-1])
    for name, ret, _, _ in rows[1:]:
        print(f"{name} beats random on held-out tasks: {ret > rows[0][1]}")


def predict(model: Any, deterministic: bool, masked: bool, obs: Any, info: dict) -> Any:
    """The model's action; MaskablePPO gets the env's action mask."""
    kwargs = {"action_masks": info["action_mask"]} if masked else {}
    return model.predict(obs, deterministic=deterministic, **kwargs)[0]


if __name__ == "__main__":
    main()
