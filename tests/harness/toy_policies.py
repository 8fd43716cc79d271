"""Policies for the harness tests (importable as ``toy_policies:Name`` specs)."""

from __future__ import annotations

from typing import Any

import numpy as np


class Constant:
    """Always action 0."""

    name = "constant"

    def act(self, obs: Any, info: dict[str, Any]) -> int:
        return 0


class SeededRandom:
    """Uniform random actions from an RNG seeded by the harness."""

    name = "seeded_random"

    def __init__(self) -> None:
        self.rng = np.random.default_rng(12345)

    def seed(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)

    def act(self, obs: Any, info: dict[str, Any]) -> int:
        return int(self.rng.integers(len(obs) - 1))


class Greedy:
    """Argmin of the observed costs (optimal on the toy env, but not declared exact)."""

    name = "greedy"

    def act(self, obs: Any, info: dict[str, Any]) -> int:
        return int(np.argmin(obs[1:]))


class ExactPlanner:
    """Plans the per-step argmin on the instance; declared exact."""

    name = "exact"
    is_exact = True

    def __init__(self) -> None:
        self.plans = 0

    def plan(self, instance: dict[str, Any]) -> np.ndarray:
        self.plans += 1
        return np.argmin(instance["costs"], axis=1)


class WorstPlanner:
    """Plans the per-step argmax (a planner that is not exact)."""

    name = "worst"

    def plan(self, instance: dict[str, Any]) -> np.ndarray:
        return np.argmax(instance["costs"], axis=1)


class Raising:
    """Fails on the third step of every episode."""

    name = "raising"

    def reset(self, env: Any) -> None:
        self.t = 0

    def act(self, obs: Any, info: dict[str, Any]) -> int:
        self.t += 1
        if self.t == 3:
            raise RuntimeError("boom")
        return 0


class Learner:
    """Records what observe() sees; acts greedily on a running table."""

    name = "learner"

    def __init__(self) -> None:
        self.observed: list[tuple[Any, ...]] = []
        self.resets = 0

    def reset(self, env: Any) -> None:
        self.resets += 1

    def act(self, obs: Any, info: dict[str, Any]) -> int:
        return int(np.argmin(obs[1:]))

    def observe(self, obs, action, reward, next_obs, terminated, truncated, info) -> None:
        self.observed.append((action, reward, terminated, truncated))


def crash_worker() -> Any:
    """A factory that kills the worker process that builds it."""
    import os

    os._exit(3)
