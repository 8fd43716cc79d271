"""GreenOffloading-v0 throughput, measured side by side against CartPole-v1 in one run.

Prints steps/s of GreenOffloading-v0 (N = 20 sites, default config, one step = one
15-minute slot with 15 sub-steps) through ``gym.make`` with random actions, episode
resets included (the sky table is cached per constellation epoch, so a fixed-day task
pays the orbit propagation once), and CartPole-v1's steps/s in the same process, as a
ratio. Goal (issue 13): a GreenOffloading step costs <= 3x CartPole's (ratio >= 0.33).
Then the batched vector env (``gym.make_vec(..., vectorization_mode="vector_entry_point")``,
``--num-envs`` sub-envs in lockstep) as sub-env steps/s: every simulated slot of every
sub-env is one step, and its time includes the autoreset steps (all sub-envs reset there).
Every figure is the best of ``--repeats`` runs (the median is printed too).

    python benchmarks/green_offloading.py [--steps 2000] [--repeats 3] [--sites 20]
        [--num-envs 16] [--phases]

``--phases`` then splits one more single-env run's step time by phase, each as a multiple of
a CartPole step measured in the same process: the action's shape check, the compiled slot
(``_kernel.run_slot``: sub-steps, energy, battery, reward sums, next observation), the info
dict, and resets, of which the episode's trace draws (``build_traces``: 28,800 Poisson
arrivals for N = 20, exactly numpy's) and the per-episode tables. Phases nest: resets
include their draws and tables.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import defaultdict
from collections.abc import Callable

import gymnasium as gym
from step_rate import N_ACTIONS, step_rate

import leo_envs  # noqa: F401  (registers the ids)
from leo_envs.envs.green_offloading import env as green_env

ENV_ID = "leo_envs/GreenOffloading-v0"


def vector_step_rate(vec: gym.vector.VectorEnv, n_steps: int) -> float:
    """Sub-env steps/s (simulated slots of all sub-envs) of ``vec`` under pre-drawn random
    actions, autoreset steps timed but not counted; only the first reset is seeded."""
    vec.action_space.seed(0)
    actions = [vec.action_space.sample() for _ in range(min(N_ACTIONS, n_steps))]
    vec.reset(seed=0)
    slots = 0
    start = time.perf_counter()
    for i in range(n_steps):
        _, _, _, _, infos = vec.step(actions[i % len(actions)])
        slots += infos["elapsed_s"][0] > 0.0  # 0: the autoreset step, nothing simulated
    return slots * vec.num_envs / (time.perf_counter() - start)


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
        (env, "_check_action", "action shape check"),
        (green_env, "run_slot", "compiled slot (incl. observation)"),
        (env, "_step_info", "info"),
        (env, "reset", "resets"),
        (green_env, "build_traces", "  of which trace draws"),
        (env, "_slot_tables", "  of which episode tables"),
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
    print(f"  {'whole step (wrappers, resets)':34s} {whole / cart:6.2f}x")
    for _, _, name in patches:
        print(f"  {name:34s} {totals[name] / n_steps / cart:6.2f}x")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000, help="GreenOffloading steps per run")
    parser.add_argument("--cartpole-steps", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--num-envs", type=int, default=16, help="sub-envs of the vector env")
    parser.add_argument("--phases", action="store_true", help="split the step time by phase")
    args = parser.parse_args(argv)
    green = gym.make(ENV_ID, n_sites=args.sites)
    green.reset(seed=0)  # build and cache the day's sky table outside the timing
    vec = gym.make_vec(
        ENV_ID, num_envs=args.num_envs, vectorization_mode="vector_entry_point", n_sites=args.sites
    )
    vec.reset(seed=0)
    vec_steps = max(1, args.steps // args.num_envs)
    cartpole = gym.make("CartPole-v1")
    green_rates, vec_rates, cart_rates = [], [], []
    for _ in range(args.repeats):
        cart_rates.append(step_rate(cartpole, args.cartpole_steps))
        green_rates.append(step_rate(green, args.steps))
        vec_rates.append(vector_step_rate(vec, vec_steps))
    best_cart = max(cart_rates)
    median_cart = statistics.median(cart_rates)
    print(f"{'CartPole-v1:':19s} {best_cart:12.0f} steps/s (median {median_cart:.0f})")
    for label, unit, rates in (
        ("GreenOffloading-v0:", "steps/s", green_rates),
        (f"vector x{args.num_envs}:", "sub-env steps/s", vec_rates),
    ):
        ratio = max(rates) / best_cart
        print(
            f"{label:19s} {max(rates):12.0f} {unit} (median {statistics.median(rates):.0f}), "
            f"N = {args.sites} sites: step cost {1 / ratio:.2f}x CartPole's "
            f"(goal <= 3x: {'met' if ratio >= 1 / 3 else 'NOT met'})"
        )
    if args.phases:
        phases(green, cartpole, args.steps)


if __name__ == "__main__":
    main()
