"""Agent speed on LinkScheduling-v0 at K = 100 device slots, measured side by side in one run.

1. Training throughput (env steps per second, one update per step, torch on 1 thread):
   EMCL meta-training (meta-critic + task-actor updates, Wolpertinger k = 10, batch 128)
   vs Stable-Baselines3's TD3 (MlpPolicy defaults, batch 256) on the same env through
   ``ProtoActionWrapper``. Goal: EMCL >= 1x TD3.
2. Decision latency per step (``act``: proto-action, the env's k nearest valid groups,
   critic argmax) of every agent. Goal: <= 5 ms (paper 002's "millisecond level").

    python benchmarks/agents.py [--steps 200] [--devices 60] [--max-devices 100]

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
from agents.wolpertinger import (
    ProtoActionWrapper,
    WolpertingerDDPG,
    WolpertingerTD3,
)

ENV_ID = "leo_envs/LinkScheduling-v0"


def emcl_steps_per_s(env_kwargs: dict, steps: int) -> tuple[float, float]:
    """EMCL meta-training env steps/s, timed once every step updates; and updates per step."""
    env = gym.make(ENV_ID, **env_kwargs)
    agent = EMCL(EMCLArgs(learning_starts=32))
    tasks = train_tasks(env)[:4]  # all four visited every iteration: each memory fills fast
    meta = MetaTrainer(agent, env, tasks, tasks_per_iteration=4, seed=0)
    n_slots = env.unwrapped.config.n_slots
    meta.run(-(-32 // n_slots))  # every task memory past learning_starts
    iterations = max(1, steps // (n_slots * 4))
    start, updates, t0 = meta.step, agent.n_updates, time.perf_counter()
    meta.run(iterations)
    elapsed = time.perf_counter() - t0
    return (meta.step - start) / elapsed, (agent.n_updates - updates) / (meta.step - start)


def td3_steps_per_s(env_kwargs: dict, steps: int, wolpertinger: bool) -> float:
    env = ProtoActionWrapper(gym.make(ENV_ID, **env_kwargs))
    cls = WolpertingerTD3 if wolpertinger else __import__("stable_baselines3").TD3
    model = cls("MlpPolicy", env, learning_starts=256, seed=0, verbose=0)
    model.learn(300)
    t0 = time.perf_counter()
    model.learn(steps, reset_num_timesteps=False)
    return steps / (time.perf_counter() - t0)


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
    emcl, updates_per_step = emcl_steps_per_s(env_kwargs, args.steps)
    td3 = td3_steps_per_s(env_kwargs, args.steps, wolpertinger=False)
    wtd3 = td3_steps_per_s(env_kwargs, args.steps, wolpertinger=True)
    print("\ntraining throughput (env steps/s, one update per step)")
    print(
        f"  EMCL meta-training (k=10, batch 128): {emcl:8.1f}  "
        f"({updates_per_step:.2f} updates per step)"
    )
    print(f"  SB3 TD3 (batch 256):                  {td3:8.1f}")
    print(f"  WolpertingerTD3 (k=10, batch 256):    {wtd3:8.1f}")
    print(f"  EMCL / TD3 = {emcl / td3:.2f}x (goal >= 1x)")

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
