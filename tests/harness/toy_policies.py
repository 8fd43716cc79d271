"""Policies for the harness tests (importable as ``toy_policies:Name`` specs)."""

from __future__ import annotations

from abc import ABC, abstractmethod
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


def first_action(obs: Any, info: dict[str, Any]) -> int:
    """A plain function policy: always action 0."""
    return 0


class _OnEpisode(ABC):
    """Base: does something bad at ``episode`` of seed ``seed`` (read from the toy env)."""

    seed_value = 0
    episode = 1

    def __init__(self) -> None:
        self._seed: int | None = None
        self._bad = False

    def seed(self, seed: int) -> None:
        self._seed = seed

    def reset(self, env: Any) -> None:
        self._bad = self._seed == self.seed_value and env._episode == self.episode

    def act(self, obs: Any, info: dict[str, Any]) -> int:
        if self._bad:
            self.misbehave()
        return int(np.argmin(obs[1:]))

    @abstractmethod
    def misbehave(self) -> None:
        """How the subclass fails (crash, hang, ...)."""


class KillOnEpisode1(_OnEpisode):
    """SIGKILLs its own process during seed 0, episode 1 (a crashing native extension)."""

    def misbehave(self) -> None:
        import os
        import signal

        os.kill(os.getpid(), signal.SIGKILL)


class SleepOnEpisode1(_OnEpisode):
    """Sleeps for a minute during seed 0, episode 1."""

    def misbehave(self) -> None:
        import time

        time.sleep(60)


class DeafSleepOnEpisode1(_OnEpisode):
    """Blocks SIGALRM and sleeps during seed 0, episode 1: only a kill stops it."""

    def misbehave(self) -> None:
        import signal
        import time

        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        time.sleep(60)


class BannerPlanner(ExactPlanner):
    """Writes a HiGHS-like banner and a normal line to file descriptor 1 while planning."""

    def plan(self, instance: dict[str, Any]) -> np.ndarray:
        import os

        os.write(1, b"Running HiGHS 1.16.0 (git hash: f3f113d): Copyright (c) 2026 under MIT\n")
        os.write(1, b"planner says hello\n")
        return super().plan(instance)
