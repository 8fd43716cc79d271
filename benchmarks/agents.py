"""Agent speed on LinkScheduling-v0 at K = 100 device slots, measured side by side in one run.

1. Training throughput (env steps per second, one update per step, torch on 1 thread,
   timed in interleaved chunks so that the load of a shared machine hits all alike):
   EMCL meta-training (meta-critic + task-actor updates, Wolpertinger k = 10, batch 128)
   vs Stable-Baselines3's TD3 (MlpPolicy defaults, batch 256) on the same env through
   ``ProtoActionWrapper``. Goal: EMCL >= 1x TD3.
2. Decision latency per step (the proto-action, the env's k nearest valid groups, the
   critic's argmax over them: ``act`` of every agent, ``predict_group`` of WolpertingerTD3)
   with learning off, each agent on its own env stepped with its choices. Every agent is
   warmed up first (torch's first calls allocate), then timed in interleaved rounds. Goal:
   <= 5 ms (paper 002's "millisecond level"), judged on the median: on a shared machine
   the mean and the 95th percentile also count the time slices other processes take
   (their load is printed).

    python benchmarks/agents.py [--steps 200] [--devices 60] [--max-devices 100]
                                [--latency-only]

Needs the env's ``action_neighbors`` (the link-group neighbourhood) and its train task set.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path and its own name ("agents")
# would shadow the agents package.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

import gymnasium as gym
import numpy as np
import torch

import leo_envs  # noqa: F401
from agents.ac_ddpg import ACDDPG
from agents.ac_maml import ACMAML
from agents.common import MetaTrainer, train_tasks
from agents.emcl import EMCL, EMCLArgs
from agents.wolpertinger import ProtoActionWrapper, WolpertingerDDPG, WolpertingerTD3

ENV_ID = "leo_envs/LinkScheduling-v0"


class EMCLRun:
    """EMCL meta-training, warmed up so that every further env step makes one update."""

    def __init__(self, env_kwargs: dict) -> None:
        env = gym.make(ENV_ID, **env_kwargs)
        self.agent = EMCL(EMCLArgs(learning_starts=32))
        tasks = train_tasks(env)[:4]  # all four visited every iteration: memories fill fast
        self.meta = MetaTrainer(self.agent, env, tasks, tasks_per_iteration=4, seed=0)
        self.n_slots = env.unwrapped.config.n_slots
        self.meta.run(-(-32 // self.n_slots))  # every task memory past learning_starts

    def run(self, steps: int) -> int:
        before = self.meta.step
        self.meta.run(max(1, steps // (self.n_slots * 4)))
        return self.meta.step - before


class TD3Run:
    """SB3 TD3 (or WolpertingerTD3) through ``ProtoActionWrapper``, past learning_starts."""

    def __init__(self, env_kwargs: dict, wolpertinger: bool) -> None:
        from stable_baselines3 import TD3

        env = ProtoActionWrapper(gym.make(ENV_ID, **env_kwargs))
        cls = WolpertingerTD3 if wolpertinger else TD3
        self.model = cls("MlpPolicy", env, learning_starts=256, seed=0, verbose=0)
        self.model.learn(300)

    def run(self, steps: int) -> int:
        before = self.model.num_timesteps
        self.model.learn(steps, reset_num_timesteps=False)
        return self.model.num_timesteps - before


def interleaved_steps_per_s(runs: dict, steps: int, rounds: int = 4) -> dict[str, float]:
    """Steps/s of each run, timed in alternating chunks so that a shared, busy machine's
    load drifts alike for all of them."""
    steps_done = dict.fromkeys(runs, 0)
    seconds = dict.fromkeys(runs, 0.0)
    for _ in range(rounds):
        for name, run in runs.items():
            t0 = time.perf_counter()
            steps_done[name] += run.run(max(1, steps // rounds))
            seconds[name] += time.perf_counter() - t0
    return {name: steps_done[name] / seconds[name] for name in runs}


class AgentDecisions:
    """``agent.act`` on its own env, stepped with the chosen groups (learning off)."""

    def __init__(self, agent, env_kwargs: dict) -> None:
        self.agent, self.env = agent, gym.make(ENV_ID, **env_kwargs)
        self.obs, self.info = self.env.reset(seed=0)
        agent.reset(self.env.unwrapped)
        agent.training = False

    def step(self) -> float:
        """One decision; its wall time in seconds."""
        t0 = time.perf_counter()
        action = self.agent.act(self.obs, self.info)
        seconds = time.perf_counter() - t0
        self.obs, _, terminated, truncated, self.info = self.env.step(action)
        if terminated or truncated:
            self.obs, self.info = self.env.reset()
            self.agent.reset(self.env.unwrapped)
        return seconds


class TD3Decisions:
    """WolpertingerTD3's ``predict_group`` on its model's env, stepped with the choices."""

    def __init__(self, env_kwargs: dict) -> None:
        wrapper = ProtoActionWrapper(gym.make(ENV_ID, **env_kwargs))
        self.model = WolpertingerTD3("MlpPolicy", wrapper, seed=0, verbose=0)
        self.env = self.model.env.envs[0].unwrapped  # the env predict_group asks
        self.obs, _ = self.env.reset(seed=0)

    def step(self) -> float:
        t0 = time.perf_counter()
        group = self.model.predict_group(self.obs)
        seconds = time.perf_counter() - t0
        self.obs, _, terminated, truncated, _ = self.env.step(group)
        if terminated or truncated:
            self.obs, _ = self.env.reset()
        return seconds


def decision_ms(deciders: dict, steps: int, warmup: int = 5, rounds: int = 4) -> dict:
    """Per decider: (median, mean, 95th percentile) decision time in ms over ``steps``
    decisions, after ``warmup`` untimed ones, timed in ``rounds`` interleaved chunks."""
    for decider in deciders.values():
        for _ in range(warmup):
            decider.step()
    times: dict[str, list[float]] = {name: [] for name in deciders}
    for _ in range(rounds):
        for name, decider in deciders.items():
            times[name] += [decider.step() for _ in range(max(1, steps // rounds))]
    out = {}
    for name, seconds in times.items():
        ms = 1e3 * np.asarray(seconds)
        out[name] = (float(np.median(ms)), float(ms.mean()), float(np.percentile(ms, 95)))
    return out


def training_throughput(env_kwargs: dict, steps: int) -> None:
    """Part 1: EMCL meta-training vs SB3 TD3 (and WolpertingerTD3), env steps/s."""
    emcl_run = EMCLRun(env_kwargs)
    updates0, steps0 = emcl_run.agent.n_updates, emcl_run.meta.step
    runs = {
        "EMCL": emcl_run,
        "TD3": TD3Run(env_kwargs, False),
        "WolpertingerTD3": TD3Run(env_kwargs, True),
    }
    rate = interleaved_steps_per_s(runs, steps)
    updates_per_step = (emcl_run.agent.n_updates - updates0) / (emcl_run.meta.step - steps0)
    print("\ntraining throughput (env steps/s, one update per step, chunks interleaved)")
    print(
        f"  EMCL meta-training (k=10, batch 128): {rate['EMCL']:8.1f}  "
        f"({updates_per_step:.2f} updates per step)"
    )
    print(f"  SB3 TD3 (batch 256):                  {rate['TD3']:8.1f}")
    print(f"  WolpertingerTD3 (k=10, batch 256):    {rate['WolpertingerTD3']:8.1f}")
    print(f"  EMCL / TD3 = {rate['EMCL'] / rate['TD3']:.2f}x (goal >= 1x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=200, help="timed steps per measurement")
    parser.add_argument("--devices", type=int, default=60, help="present devices")
    parser.add_argument("--max-devices", type=int, default=100, help="K, device slots")
    parser.add_argument(
        "--latency-only", action="store_true", help="skip the training throughput part"
    )
    args = parser.parse_args()
    torch.set_num_threads(1)
    env_kwargs = {"n_devices": args.devices, "max_devices": args.max_devices}

    print(
        f"LinkScheduling-v0, K = {args.max_devices} slots, {args.devices} devices, "
        f"{args.steps} timed steps, torch threads = 1, load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    if not args.latency_only:
        training_throughput(env_kwargs, args.steps)
    print(
        f"\ndecision latency per step (ms; goal <= 5 ms on the median; load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )
    deciders = {
        "EMCL (k=10)": AgentDecisions(EMCL(), env_kwargs),
        "EMCL (k=1)": AgentDecisions(EMCL(EMCLArgs(k=1)), env_kwargs),
        "Wolpertinger DDPG (k=10)": AgentDecisions(WolpertingerDDPG(), env_kwargs),
        "AC-DDPG (k=1)": AgentDecisions(ACDDPG(), env_kwargs),
        "AC-MAML (k=1)": AgentDecisions(ACMAML(), env_kwargs),
        "WolpertingerTD3 (k=10)": TD3Decisions(env_kwargs),
    }
    latency = decision_ms(deciders, args.steps)
    print(f"  {'':26s} {'median':>7s} {'mean':>7s} {'p95':>7s}")
    for name, (median, mean, p95) in latency.items():
        print(f"  {name:26s} {median:7.2f} {mean:7.2f} {p95:7.2f}")
    worst = max(median for median, _, _ in latency.values())
    worst_mean = max(mean for _, mean, _ in latency.values())
    print(
        f"  goal: every agent's median <= 5 ms: slowest {worst:.2f} ms -> "
        f"{'met' if worst <= 5.0 else 'NOT met'} (slowest mean {worst_mean:.2f} ms)"
    )


if __name__ == "__main__":
    main()
