"""Cost of LinkScheduling-v0's action neighbourhood, side by side with one assignment solve.

For K = --devices devices it times ``env.action_neighbors(proto, k)`` for each k in --k on
random proto-actions (fresh slots, several seeds) against one
``scipy.optimize.linear_sum_assignment`` call on the same cost matrix (the [4, K + 4]
matrix of 1 - 2 proto with the idle columns and the action mask's exclusions), measured in
the same run; prints the median times and their ratio.

Target (issue 10): a 10-best call at K = 100 costs <= 30x one assignment solve.

    python benchmarks/neighbors.py [--devices 100] [--k 1 10] [--calls 300]
"""

from __future__ import annotations

import argparse
import statistics
import time

import gymnasium as gym
import numpy as np
from scipy.optimize import linear_sum_assignment

import leo_envs  # noqa: F401  (registers the ids)

ENV_ID = "leo_envs/LinkScheduling-v0"


def cost_matrix(proto: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The assignment matrix ``action_neighbors`` searches (before its column pruning)."""
    n_tx, n_dev = proto.shape
    cost = np.full((n_tx, n_dev + n_tx), np.inf)
    np.copyto(cost[:, :n_dev], 1.0 - 2.0 * proto, where=mask)
    cost[np.arange(n_tx), n_dev + np.arange(n_tx)] = 0.0
    return cost


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=100)
    parser.add_argument("--k", type=int, nargs="+", default=[1, 10])
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()
    env = gym.make(ENV_ID, n_devices=args.devices, max_devices=args.devices)
    env.action_space.seed(0)
    rng = np.random.default_rng(0)
    times: dict[str, list[float]] = {"lsa": [], **{f"k={k}": [] for k in args.k}}
    sizes: dict[int, list[int]] = {k: [] for k in args.k}
    env.reset(seed=0)
    for call in range(args.calls):
        proto = rng.random((4, args.devices))
        mask = env.unwrapped.action_masks().reshape(4, -1)[:, 1:]
        cost = cost_matrix(proto, mask)
        start = time.perf_counter()
        linear_sum_assignment(cost)
        times["lsa"].append(time.perf_counter() - start)
        for k in args.k:
            start = time.perf_counter()
            groups, _ = env.unwrapped.action_neighbors(proto, k)
            times[f"k={k}"].append(time.perf_counter() - start)
            sizes[k].append(len(groups))
        _, _, terminated, _, _ = env.step(env.action_space.sample())
        if terminated:
            env.reset(seed=call)
    lsa = statistics.median(times["lsa"])
    print(f"K = {args.devices}, {args.calls} calls, median times:")
    print(f"  one linear_sum_assignment: {lsa * 1e6:8.1f} us")
    for k in args.k:
        t = statistics.median(times[f"k={k}"])
        print(
            f"  action_neighbors k = {k:3d}: {t * 1e6:8.1f} us = {t / lsa:5.1f}x one solve "
            f"(mean {np.mean(sizes[k]):.1f} groups returned)"
        )
    if 10 in args.k:
        ratio = statistics.median(times["k=10"]) / lsa
        print(
            f"target: 10-best <= 30x one solve: {ratio:.1f}x -> "
            f"{'met' if ratio <= 30 else 'NOT met'}"
        )


if __name__ == "__main__":
    main()
