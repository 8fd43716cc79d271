"""GreenOffloading-v0 throughput, measured side by side against CartPole-v1 in one run.

Prints steps/s of GreenOffloading-v0 (N = 20 sites, default config, one step = one
15-minute slot with 15 sub-steps) through ``gym.make`` with random actions, episode
resets included (the sky table is cached per constellation epoch, so a fixed-day task
pays the orbit propagation once), and CartPole-v1's steps/s in the same process, as a
ratio. Goal (issue 13): a GreenOffloading step costs <= 3x CartPole's (ratio >= 0.33).
Every figure is the best of ``--repeats`` runs (the median is printed too).

    python benchmarks/green_offloading.py [--steps 2000] [--repeats 3] [--sites 20] [--phases]

``--phases`` then splits one more run's step time by phase (action check, compiled
sub-step kernel, the rest of the slot's dynamics, observation, info and reward, resets),
each as a multiple of a CartPole step measured in the same process (phases nest: the slot
dynamics include the kernel, resets their observation): it shows where the time goes, e.g.
the compiled kernel's share, which no Python-side work can remove.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import defaultdict
from collections.abc import Callable

import gymnasium as gym
from step_rate import step_rate

import leo_envs  # noqa: F401  (registers the ids)
from leo_envs.envs.green_offloading import dynamics
from leo_envs.envs.green_offloading import env as green_env

ENV_ID = "leo_envs/GreenOffloading-v0"


def _timed(fn: Callable, totals: dict[str, float], name: str) -> Callable:
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            totals[name] += time.perf_counter() - start

    return wrapper


def phases(green: gym.Env, cartpole: gym.Env, n_steps: int) -> None:
    """Print seconds per step by phase, as multiples of a CartPole step (same process)."""
    totals: dict[str, float] = defaultdict(float)
    env = green.unwrapped
    patches = [
        (dynamics, "run_substeps", "compiled sub-step kernel"),
        (green_env, "simulate_slot", "slot dynamics (incl. kernel)"),
        (env, "_check_action", "action check"),
        (env, "_observation", "observation"),
        (env, "_info", "info"),
        (env, "reset", "resets"),
    ]
    originals = [(owner, attr, getattr(owner, attr)) for owner, attr, _ in patches]
    for owner, attr, name in patches:
        setattr(owner, attr, _timed(getattr(owner, attr), totals, name))
    try:
        whole = 1.0 / step_rate(green, n_steps)
    finally:
        for owner, attr, original in originals:
            if owner is env:
                delattr(owner, attr)  # back to the class's method
            else:
                setattr(owner, attr, original)
    cart = 1.0 / step_rate(cartpole, 20 * n_steps)
    print(f"per-step phases (N = {env.config.n_sites}), x CartPole-v1 step ({cart * 1e6:.1f} us):")
    print(f"  {'whole step (wrappers, resets)':32s} {whole / cart:6.1f}x")
    for _, _, name in patches:  # nested: the dynamics include the kernel, resets their obs
        print(f"  {name:32s} {totals[name] / n_steps / cart:6.1f}x")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000, help="GreenOffloading steps per run")
    parser.add_argument("--cartpole-steps", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--phases", action="store_true", help="split the step time by phase")
    args = parser.parse_args(argv)
    green = gym.make(ENV_ID, n_sites=args.sites)
    green.reset(seed=0)  # build and cache the day's sky table outside the timing
    cartpole = gym.make("CartPole-v1")
    green_rates, cart_rates = [], []
    for _ in range(args.repeats):
        cart_rates.append(step_rate(cartpole, args.cartpole_steps))
        green_rates.append(step_rate(green, args.steps))
    best_green, best_cart = max(green_rates), max(cart_rates)
    median_cart = statistics.median(cart_rates)
    print(f"CartPole-v1:        {best_cart:12.0f} steps/s (median {median_cart:.0f})")
    print(
        f"GreenOffloading-v0: {best_green:12.0f} steps/s (median "
        f"{statistics.median(green_rates):.0f}), N = {args.sites} sites"
    )
    ratio = best_green / best_cart
    print(
        f"ratio green / cartpole = {ratio:.4f} (step cost {1 / ratio:.0f}x CartPole's; "
        f"goal <= 3x, i.e. ratio >= 0.33: {'met' if ratio >= 1 / 3 else 'NOT met'})"
    )
    if args.phases:
        phases(green, cartpole, args.steps)


if __name__ == "__main__":
    main()
