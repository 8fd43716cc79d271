"""The one step-rate measurement every benchmark uses (CartPole-v1 and our envs alike)."""

from __future__ import annotations

import time
from collections.abc import Callable

import gymnasium as gym

N_ACTIONS = 512  # pre-drawn random actions, cycled: sampling stays out of the timing


def step_rate(
    env: gym.Env,
    n_steps: int,
    count_resets: bool = True,
    clock: Callable[[], float] = time.perf_counter,
) -> float:
    """Steps/s of ``env`` under pre-drawn random actions; resets are timed only if
    ``count_resets``. Only the first reset is seeded: later episodes continue the seed's
    stream, as in training. ``clock``: wall clock by default; ``time.process_time`` counts
    this process's CPU time only."""
    env.action_space.seed(0)
    actions = [env.action_space.sample() for _ in range(N_ACTIONS)]
    env.reset(seed=0)
    elapsed = 0.0
    start = clock()
    for i in range(n_steps):
        _, _, terminated, truncated, _ = env.step(actions[i % N_ACTIONS])
        if terminated or truncated:
            if not count_resets:
                elapsed += clock() - start
            env.reset()
            if not count_resets:
                start = clock()
    return n_steps / (elapsed + clock() - start)
