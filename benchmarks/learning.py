"""Does an RL agent learn on LinkScheduling-v0? MaskablePPO against the random policy.

Trains sb3-contrib's MaskablePPO through ``gym.make`` (``make_vec_env``, 8 envs) and,
every ``--eval-every`` steps, evaluates it (sampling its masked policy, and taking argmax
actions) on held-out seeds next to the uniformly random valid policy on the same seeds.
Prints the learning curve of the mean final objective (lower is better).

    python benchmarks/learning.py [--steps 300000] [--devices 20] [--episodes 40]
"""

from __future__ import annotations

import argparse
import time

import gymnasium as gym
import numpy as np
import torch
from sb3_contrib import MaskablePPO
from stable_baselines3.common.env_util import make_vec_env

import leo_envs  # noqa: F401  (registers the ids)

ENV_ID = "leo_envs/LinkScheduling-v0"


def evaluate(policy, env_kwargs: dict, seeds: range) -> float:
    """Mean final objective of ``policy(obs, info)`` over one episode per seed."""
    env = gym.make(ENV_ID, **env_kwargs)
    objectives = []
    for seed in seeds:
        obs, info = env.reset(seed=seed)
        terminated = False
        while not terminated:
            obs, _, terminated, _, info = env.step(policy(obs, info))
        objectives.append(info["objective"])
    return float(np.mean(objectives))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300_000)
    parser.add_argument("--eval-every", type=int, default=50_000)
    parser.add_argument("--devices", type=int, default=20)
    parser.add_argument("--episodes", type=int, default=40)
    parser.add_argument("--n-envs", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    env_kwargs = {"n_devices": args.devices, "max_devices": args.devices}
    eval_seeds = range(10_000, 10_000 + args.episodes)
    rng = np.random.default_rng(args.seed)

    def random_policy(obs, info):
        mask = info["action_mask"].reshape(4, -1)
        return np.array([rng.choice(np.flatnonzero(row)) for row in mask])

    random_objective = evaluate(random_policy, env_kwargs, eval_seeds)
    venv = make_vec_env(ENV_ID, n_envs=args.n_envs, env_kwargs=env_kwargs, seed=args.seed)
    model = MaskablePPO("MlpPolicy", venv, n_steps=256, batch_size=256, seed=args.seed,
                        policy_kwargs={"net_arch": [256, 256]})

    def trained(deterministic: bool):
        return lambda obs, info: model.predict(obs, action_masks=info["action_mask"],
                                               deterministic=deterministic)[0]

    print(f"LinkScheduling-v0, K={args.devices}; mean final objective over {args.episodes} "
          f"held-out episodes (lower is better)")
    print(f"random valid policy: {random_objective:.4f}")
    print(f"{'steps':>9}{'train s':>9}{'PPO sampled':>13}{'PPO argmax':>12}{'vs random':>11}")
    start, done, sampled = time.perf_counter(), 0, float("nan")
    while done < args.steps:
        chunk = min(args.eval_every, args.steps - done)
        model.learn(chunk, reset_num_timesteps=False, progress_bar=False)
        done += chunk
        sampled = evaluate(trained(False), env_kwargs, eval_seeds)
        argmax = evaluate(trained(True), env_kwargs, eval_seeds)
        print(f"{done:>9}{time.perf_counter() - start:>9.0f}{sampled:>13.4f}{argmax:>12.4f}"
              f"{(sampled - random_objective) / random_objective:>+11.1%}", flush=True)
    print(f"learning beats random: {sampled < random_objective}")


if __name__ == "__main__":
    main()
