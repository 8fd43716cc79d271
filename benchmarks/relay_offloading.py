"""RelayOffloading-v0 decision throughput, measured side by side against CartPole-v1.

Prints decisions/s of ``leo_envs/RelayOffloading-v0`` through ``gym.make`` (default config:
Starlink shell 1, 10 agents, 600 s) and CartPole-v1's steps/s in the same process, and the
step-cost ratio (relay time per decision / CartPole time per step). One decision includes
the event queue: applying the task on its path (FIFO transmitters, containers, window and
ISL checks, result return) and preparing the next task's Alg. 4 view and observation.
Two figures: steps only (resets excluded), and with the episode resets (sgp4 propagation
of the shell around a fresh t0, pass finding, ISL geometry) amortised over the episode.
The memoised geometry and the propagation cache are cleared before each with-resets run,
so its resets really propagate (the steps-only run before it visits the same t0s). Best of
``--repeats`` runs; ``--cpu-time`` times with the process CPU clock instead of the wall
clock (less sensitive to other jobs on a shared machine).

Goal (issue 12): step cost <= 5x CartPole's (ratio <= 5), event queue included.

    python benchmarks/relay_offloading.py [--steps 20000] [--repeats 3] [--scenario normal]
"""

from __future__ import annotations

import argparse
import statistics
import time

import gymnasium as gym
from step_rate import step_rate

import leo_envs  # noqa: F401  (registers the ids)
from leo_envs.envs.relay_offloading import episode
from leo_envs.models import visibility

ENV_ID = "leo_envs/RelayOffloading-v0"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--scenario", default="normal", choices=("light", "normal", "heavy"))
    parser.add_argument("--cpu-time", action="store_true", help="time with the CPU clock")
    args = parser.parse_args(argv)
    clock = time.process_time if args.cpu_time else time.perf_counter
    cart = gym.make("CartPole-v1")
    relay = gym.make(ENV_ID, scenario=args.scenario)
    results: dict[str, list[float]] = {"cartpole": [], "steps": [], "with_resets": []}
    for _ in range(args.repeats):
        results["cartpole"].append(step_rate(cart, args.steps, True, clock))
        results["steps"].append(step_rate(relay, args.steps, False, clock))
        episode.clear_geometry_cache()
        visibility.clear_cache()
        results["with_resets"].append(step_rate(relay, args.steps, True, clock))
    best = {k: max(v) for k, v in results.items()}
    med = {k: statistics.median(v) for k, v in results.items()}
    print(
        f"CartPole-v1:                {best['cartpole']:10.0f} steps/s (median "
        f"{med['cartpole']:.0f})"
    )
    for key, label in (("steps", "decisions only"), ("with_resets", "incl. resets")):
        ratio = best["cartpole"] / best[key]
        print(
            f"RelayOffloading-v0 {label:15s} {best[key]:8.0f} decisions/s (median "
            f"{med[key]:.0f}); step cost = {ratio:.1f}x CartPole's (goal <= 5x)"
        )


if __name__ == "__main__":
    main()
