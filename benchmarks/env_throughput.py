"""Environment throughput, measured side by side against CartPole-v1 in one run.

Prints steps/s of LinkScheduling-v0 (K = 50 and 100) as a single env through
``gym.make`` (episode resets included) and of the native batched env at 64 and 1024
envs, each as a ratio to CartPole-v1's single-env steps/s measured in the same process.
Every figure is the best of ``--repeats`` runs (the median is printed too).

Targets (issue 2): single-env step cost <= 3x CartPole's (ratio >= 0.33), batched
env-steps/s at 1024 envs, K = 100 >= 2x CartPole's single-env rate (ratio >= 2).

    python benchmarks/env_throughput.py [--steps 20000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

import gymnasium as gym
import numpy as np
from step_rate import step_rate
from tqdm import tqdm

import leo_envs  # noqa: F401  (registers the ids)

ENV_ID = "leo_envs/LinkScheduling-v0"


def vector_env_rate(n_envs: int, n_devices: int, n_calls: int) -> float:
    """Env-steps/s of the native batched env (autoresets included)."""
    venv = gym.make_vec(
        ENV_ID,
        num_envs=n_envs,
        vectorization_mode="vector_entry_point",
        n_devices=n_devices,
        max_devices=n_devices,
    )
    rng = np.random.default_rng(0)
    actions = rng.integers(0, n_devices + 1, size=(16, n_envs, 4))
    venv.reset(seed=0)
    start = time.perf_counter()
    for i in range(n_calls):
        venv.step(actions[i % 16])
    return n_calls * n_envs / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20_000, help="single-env steps per run")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    cases = {
        "CartPole-v1 (gym.make)": lambda: step_rate(gym.make("CartPole-v1"), args.steps * 5),
        "LinkScheduling-v0 K=50 (gym.make)": lambda: step_rate(
            gym.make(ENV_ID, n_devices=50, max_devices=50), args.steps
        ),
        "LinkScheduling-v0 K=100 (gym.make)": lambda: step_rate(
            gym.make(ENV_ID, n_devices=100, max_devices=100), args.steps
        ),
        "LinkScheduling-v0 K=100 vector x64": lambda: vector_env_rate(
            64, 100, max(args.steps // 64, 50)
        ),
        "LinkScheduling-v0 K=100 vector x1024": lambda: vector_env_rate(
            1024, 100, max(args.steps // 256, 30)
        ),
    }
    # warm-up: orbit pass tables and FSMC chains are cached per configuration
    step_rate(gym.make(ENV_ID, n_devices=50, max_devices=50), 200)
    step_rate(gym.make(ENV_ID, n_devices=100, max_devices=100), 200)
    rates: dict[str, list[float]] = {name: [] for name in cases}
    with tqdm(total=args.repeats * len(cases), desc="throughput") as bar:
        for _ in range(args.repeats):  # interleaved, so drift hits every case alike
            for name, run in cases.items():
                rates[name].append(run())
                bar.update()
    cartpole = max(rates["CartPole-v1 (gym.make)"])
    print(f"\n{'case':<40}{'best steps/s':>14}{'median':>12}{'ratio to CartPole':>20}")
    for name, values in rates.items():
        best = max(values)
        print(
            f"{name:<40}{best:>14,.0f}{statistics.median(values):>12,.0f}{best / cartpole:>20.3f}"
        )
    single = max(rates["LinkScheduling-v0 K=100 (gym.make)"]) / cartpole
    batched = max(rates["LinkScheduling-v0 K=100 vector x1024"]) / cartpole
    print(
        f"\nsingle-env step cost: {1 / single:.1f}x CartPole's (target <= 3x): "
        f"{'met' if 1 / single <= 3 else 'NOT met'}"
    )
    print(
        f"batched x1024 K=100: {batched:.2f}x CartPole's single-env rate (target >= 2x): "
        f"{'met' if batched >= 2 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
