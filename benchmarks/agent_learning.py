"""Do paper 002's learners learn? Each agent's objective vs random valid and greedy (GRD).

The notebook's protocol on one stationary task, sized for minutes of CPU. Every learning
agent spends ``--steps`` env steps of pre-training on the ``static`` scenario
(meta-training over the env's train task set for EMCL and AC-MAML, plain training for
AC-DDPG and Wolpertinger DDPG), then ``--online`` slots of online learning on an unseen
evaluation task (as after a change in Figs. 4-6), then plays held-out episodes of that
task (new demands and fading) with learning and exploration off, next to the uniformly
random valid policy and GRD on the very same episodes. Lower objective (eq. 20a,
normalised) is better.

    nice -n 10 python benchmarks/agent_learning.py [--steps 1000] [--online 300]
        [--devices 20] [--agents EMCL,AC-DDPG,AC-MAML,W-DDPG] [--episodes 6]

Prints one line per policy: mean objective over the held-out episodes, its std, the
fraction of the random-to-greedy distance the policy covers (0 = random, 1 = greedy)
and the seconds its training took.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path and benchmarks/agents.py
# would shadow the agents package.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

import gymnasium as gym
import numpy as np
import torch

import leo_envs  # noqa: F401  (registers the ids)
from agents.ac_ddpg import ACDDPG, ACDDPGArgs
from agents.ac_maml import ACMAML, ACMAMLArgs
from agents.common import MetaTrainer, OnlineTrainer, train_tasks
from agents.emcl import EMCL, EMCLArgs
from agents.wolpertinger import DDPGArgs, WolpertingerDDPG
from leo_envs.harness import as_policy
from leo_envs.harness.rollout import next_action, start_episode

ENV_ID = "leo_envs/LinkScheduling-v0"


def make_agent(name: str, seed: int, learning_starts: int, net: str = "device"):
    if name == "EMCL":
        return EMCL(EMCLArgs(seed=seed, k=10, learning_starts=learning_starts))
    if name == "EMCL-k1":
        return EMCL(EMCLArgs(seed=seed, k=1, learning_starts=learning_starts))
    if name == "AC-MAML":
        return ACMAML(ACMAMLArgs(seed=seed, learning_starts=learning_starts, net=net))
    if name == "AC-DDPG":
        return ACDDPG(ACDDPGArgs(seed=seed, learning_starts=learning_starts, net=net))
    if name == "W-DDPG":
        return WolpertingerDDPG(DDPGArgs(seed=seed, k=10, learning_starts=learning_starts, net=net))
    raise ValueError(f"unknown agent {name!r}: use EMCL, EMCL-k1, AC-MAML, AC-DDPG or W-DDPG")


def pretrain(agent, env_kwargs: dict, steps: int, seed: int):
    """The notebook's pre-training: ``steps`` env steps, meta-training where the agent has it."""
    env = gym.make(ENV_ID, **env_kwargs)
    if isinstance(agent, EMCL | ACMAML):
        tasks = train_tasks(env)
        per_iteration = min(4, len(tasks))
        meta = MetaTrainer(agent, env, tasks, per_iteration, seed=seed)
        meta.run(max(1, steps // (per_iteration * env.unwrapped.config.n_slots)))
        meta.finish()
        agent.start_online()
    else:
        trainer = OnlineTrainer(agent, env)
        trainer.start(seed)
        trainer.run(steps)
    agent.training = False
    return agent


def play(policy, env, task, seeds: list[int]) -> list[float]:
    """Final objectives of one episode per seed on ``task`` (no learning)."""
    objectives = []
    for seed in seeds:
        obs, info = env.reset(seed=seed, options={"task": task})
        schedule, _ = start_episode(policy, env.unwrapped)
        done, step = False, 0
        while not done:
            action, _ = next_action(policy, schedule, step, obs, info)
            obs, _, terminated, truncated, info = env.step(action)
            done, step = terminated or truncated, step + 1
        objectives.append(float(info["objective"]))
    return objectives


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1000, help="pre-training env steps")
    parser.add_argument("--online", type=int, default=300, help="online slots on the task")
    parser.add_argument("--devices", type=int, default=20, help="ground devices K")
    parser.add_argument("--agents", default="EMCL,AC-DDPG,AC-MAML", help="comma-separated")
    parser.add_argument("--episodes", type=int, default=6, help="held-out episodes")
    parser.add_argument("--learning-starts", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--net", default="device", help='DDPG-family nets: "device" or "mlp"')
    args = parser.parse_args()
    torch.set_num_threads(1)
    env_kwargs = {"scenario": "static", "n_devices": args.devices, "max_devices": args.devices}
    env = gym.make(ENV_ID, **env_kwargs)
    task = env.unwrapped.task_set("test")[args.seed]  # never seen in (meta-)training
    eval_seeds = [10_000 + args.seed * 100 + i for i in range(args.episodes)]
    policies: dict = {
        "random": as_policy("link_scheduling.random"),
        "GRD": as_policy("link_scheduling.greedy"),
    }
    train_s: dict[str, float] = {}
    for name in filter(None, args.agents.split(",")):
        t0 = time.perf_counter()
        agent = pretrain(
            make_agent(name, args.seed, args.learning_starts, args.net),
            env_kwargs,
            args.steps,
            args.seed,
        )
        if args.online:
            agent.training = True
            online_env = gym.make(ENV_ID, **env_kwargs)
            online_env.unwrapped.set_task(task)
            trainer = OnlineTrainer(agent, online_env)
            trainer.start(args.seed)
            trainer.run(args.online)
            agent.training = False
        policies[name] = agent
        train_s[name] = time.perf_counter() - t0
    stats = {name: np.array(play(p, env, task, eval_seeds)) for name, p in policies.items()}
    rand, grd = stats["random"].mean(), stats["GRD"].mean()
    print(
        f"K = {args.devices}, {args.steps} pre-training steps + {args.online} online slots "
        f"on test task {args.seed}, {args.episodes} held-out episodes (lower is better)"
    )
    for name, obj in stats.items():
        progress = (rand - obj.mean()) / (rand - grd) if rand != grd else np.nan
        extra = f"  trained in {train_s[name]:.0f} s" if name in train_s else ""
        print(
            f"  {name:10s} {obj.mean():.3f} +- {obj.std():.3f}  "
            f"random->greedy {progress:+.2f}{extra}"
        )


if __name__ == "__main__":
    main()
