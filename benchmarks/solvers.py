"""Solver times and optimality gaps on LinkScheduling-v0, all on the same instances.

For K = 10, 20, 50, 100 devices (T = 10 slots, n_devices = max_devices = K) and seeds
0..n-1: OPT (branch and price, ``baselines.link_scheduling.OPT``) solve time, nodes,
status and proven gap; the HiGHS MILP cross-check (``MILPOpt``, small K only); ADMM-HEU
time, its time as % of OPT's, and its gap to OPT; the greedy GRD and random gaps.

Targets (issue 3): OPT proves optimality for K = 50 within 60 s; ADMM-HEU uses <= 2 % of
OPT's time at a gap <= 5 %.

    python benchmarks/solvers.py [--sizes 10,20,50,100] [--seeds 3] [--time-limit 60]
"""

from __future__ import annotations

import argparse
import time

import gymnasium as gym
import numpy as np
import pandas as pd
from tqdm import tqdm

import leo_envs  # noqa: F401  (registers the ids)
from baselines.link_scheduling import OPT, ADMMHeu, Greedy, MILPOpt, RandomValid

ENV_ID = "leo_envs/LinkScheduling-v0"


def random_schedule(env: gym.Env, seed: int, policy_seed: int) -> float:
    """Objective of the random valid policy on the episode of ``seed``."""
    policy = RandomValid()
    policy.seed(policy_seed)
    obs, info = env.reset(seed=seed)
    policy.reset(env.unwrapped)
    terminated = False
    while not terminated:
        obs, _, terminated, _, info = env.step(policy.act(obs, info))
    return info["objective"]


def run_case(k: int, seed: int, time_limit: float, milp_max_k: int) -> dict[str, object]:
    env = gym.make(ENV_ID, n_devices=k, max_devices=k)
    env.reset(seed=seed)
    inst = env.unwrapped.instance()
    opt = OPT(time_limit_s=time_limit).solve(inst)
    start = time.perf_counter()
    admm_schedule = ADMMHeu().plan(inst)
    admm_s = time.perf_counter() - start
    start = time.perf_counter()
    greedy_schedule = Greedy().plan(inst)
    greedy_s = time.perf_counter() - start
    row: dict[str, object] = {
        "K": k, "seed": seed, "opt_status": opt.status, "opt_s": opt.solve_time_s,
        "opt_nodes": opt.nodes, "opt_proven_gap": opt.gap, "opt_objective": opt.objective,
        "admm_s": admm_s, "greedy_s": greedy_s,
    }
    reference = max(opt.objective, 1e-12)
    row["admm_gap"] = (inst.score(admm_schedule)["objective"] - opt.objective) / reference
    row["greedy_gap"] = (inst.score(greedy_schedule)["objective"] - opt.objective) / reference
    row["random_gap"] = (random_schedule(env, seed, seed) - opt.objective) / reference
    row["admm_time_pct_of_opt"] = 100.0 * admm_s / max(opt.solve_time_s, 1e-9)
    if k <= milp_max_k:
        milp = MILPOpt(time_limit_s=time_limit).solve(inst)
        row["milp_s"] = milp.solve_time_s
        row["milp_agrees"] = bool(
            abs(milp.objective - opt.objective) <= 1e-6 * max(abs(opt.objective), 1e-12)
        )
    return row


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,20,50,100")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--milp-max-k", type=int, default=20,
                        help="run the MILP cross-check up to this K (it is slow above)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    cases = [(k, s) for k in sizes for s in range(args.seeds)]
    rows = [run_case(k, s, args.time_limit, args.milp_max_k)
            for k, s in tqdm(cases, desc="instances")]
    df = pd.DataFrame(rows)
    pd.set_option("display.width", 200)
    print("\nper instance:")
    print(df.round(4).to_string(index=False))
    summary = df.groupby("K").agg(
        opt_optimal=("opt_status", lambda s: f"{(s == 'optimal').sum()}/{len(s)}"),
        opt_s_median=("opt_s", "median"), opt_s_max=("opt_s", "max"),
        opt_nodes_median=("opt_nodes", "median"), opt_gap_max=("opt_proven_gap", "max"),
        admm_s_median=("admm_s", "median"),
        admm_pct_of_opt=("admm_time_pct_of_opt", "median"),
        admm_gap_mean=("admm_gap", "mean"), greedy_gap_mean=("greedy_gap", "mean"),
        random_gap_mean=("random_gap", "mean"),
    )
    print("\nsummary by K (gaps relative to OPT's objective):")
    print(summary.round(4).to_string())
    if 50 in sizes:
        k50 = df[df["K"] == 50]
        met = bool((k50["opt_status"] == "optimal").all() and (k50["opt_s"] <= 60).all())
        print(f"\nOPT proves optimality for K=50 within 60 s on every seed: {met}")
    pct = float(np.median(df["admm_time_pct_of_opt"]))
    gap = float(df["admm_gap"].mean())
    print(f"ADMM-HEU: median {pct:.1f} % of OPT's time (target <= 2 %), mean gap "
          f"{100 * gap:.1f} % (target <= 5 %)")


if __name__ == "__main__":
    main()
