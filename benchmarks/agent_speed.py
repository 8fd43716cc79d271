"""Agent speed on LinkScheduling-v0 at K = 100 device slots, measured side by side in one run.

1. Training throughput (env steps per second, one update per step, torch on 1 thread,
   timed in interleaved chunks so that the load of a shared machine hits all alike):
   EMCL meta-training (meta-critic + task-actor updates, Wolpertinger k = 10, batch 128)
   vs Stable-Baselines3's TD3 (MlpPolicy defaults, batch 256) on the same env through
   ``ProtoActionWrapper``. Goal: EMCL >= 1x TD3.
2. Decision latency per step (``act``: proto-action, the env's k nearest valid groups,
   critic argmax) of every agent. Goal: <= 5 ms (paper 002's "millisecond level").

    python benchmarks/agent_speed.py [--steps 200] [--devices 60] [--max-devices 100]

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


def decision_ms(agent, env_kwargs: dict, steps: int) -> tuple[float, float]:
    """Mean and 95th percentile of ``act`` wall time (ms), no learning."""
    env = gym.make(ENV_ID, **env_kwargs)
    obs, info = env.reset(seed=0)
    agent.reset(env.unwrapped)
    agent.training = False
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        action = agent.act(obs, info)
        times.append(time.perf_counter() - t0)
        obs, _, terminated, truncated, info = env.step(action)
        if terminated or truncated:
            obs, info = env.reset()
            agent.reset(env.unwrapped)
    ms = 1e3 * np.asarray(times)
    return float(ms.mean()), float(np.percentile(ms, 95))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=200, help="timed steps per measurement")
    parser.add_argument("--devices", type=int, default=60, help="present devices")
    parser.add_argument("--max-devices", type=int, default=100, help="K, device slots")
    args = parser.parse_args()
    torch.set_num_threads(1)
    env_kwargs = {"n_devices": args.devices, "max_devices": args.max_devices}

    print(
        f"LinkScheduling-v0, K = {args.max_devices} slots, {args.devices} devices, "
        f"{args.steps} timed steps, torch threads = 1, load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    emcl_run = EMCLRun(env_kwargs)
    updates0, steps0 = emcl_run.agent.n_updates, emcl_run.meta.step
    runs = {
        "EMCL": emcl_run,
        "TD3": TD3Run(env_kwargs, False),
        "WolpertingerTD3": TD3Run(env_kwargs, True),
    }
    rate = interleaved_steps_per_s(runs, args.steps)
    updates_per_step = (emcl_run.agent.n_updates - updates0) / (emcl_run.meta.step - steps0)
    print("\ntraining throughput (env steps/s, one update per step, chunks interleaved)")
    print(
        f"  EMCL meta-training (k=10, batch 128): {rate['EMCL']:8.1f}  "
        f"({updates_per_step:.2f} updates per step)"
    )
    print(f"  SB3 TD3 (batch 256):                  {rate['TD3']:8.1f}")
    print(f"  WolpertingerTD3 (k=10, batch 256):    {rate['WolpertingerTD3']:8.1f}")
    print(f"  EMCL / TD3 = {rate['EMCL'] / rate['TD3']:.2f}x (goal >= 1x)")

    print("\ndecision latency per step (ms: mean, p95; goal <= 5 ms)")
    agents = {
        "EMCL (k=10)": EMCL(),
        "EMCL (k=1)": EMCL(EMCLArgs(k=1)),
        "Wolpertinger DDPG (k=10)": WolpertingerDDPG(),
        "AC-DDPG (k=1)": ACDDPG(),
        "AC-MAML (k=1)": ACMAML(),
    }
    for name, agent in agents.items():
        mean, p95 = decision_ms(agent, env_kwargs, args.steps)
        print(f"  {name:26s} {mean:6.2f} {p95:6.2f}")


if __name__ == "__main__":
    main()
