"""Does an RL agent learn on LinkScheduling-v0? MaskablePPO against the random policy.

Trains sb3-contrib's MaskablePPO through ``gym.make`` for ``--steps`` env steps and
evaluates it (sampling its masked policy, and taking argmax actions) and the uniformly
random valid policy on the same held-out seeds. Prints the
mean final objective (lower is better) and return of each, with the training time.

    python benchmarks/learning.py [--steps 60000] [--devices 30] [--episodes 50]
"""

from __future__ import annotations

import argparse
import time

import gymnasium as gym
import numpy as np
import torch
from sb3_contrib import MaskablePPO
from tqdm import tqdm

import leo_envs  # noqa: F401  (registers the ids)

ENV_ID = "leo_envs/LinkScheduling-v0"


def evaluate(policy, env_kwargs: dict, seeds: range) -> tuple[float, float]:
    """Mean final objective and mean return of ``policy(obs, info)`` over ``seeds``."""
    env = gym.make(ENV_ID, **env_kwargs)
    objectives, returns = [], []
    for seed in seeds:
        obs, info = env.reset(seed=seed)
        total, terminated = 0.0, False
        while not terminated:
            obs, reward, terminated, _, info = env.step(policy(obs, info))
            total += reward
        objectives.append(info["objective"])
        returns.append(total)
    return float(np.mean(objectives)), float(np.mean(returns))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=60_000)
    parser.add_argument("--devices", type=int, default=30)
    parser.add_argument("--episodes", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--gamma", type=float, default=0.99)
    parser.add_argument("--ent-coef", type=float, default=0.0)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    env_kwargs = {"n_devices": args.devices, "max_devices": args.devices}
    eval_seeds = range(10_000, 10_000 + args.episodes)

    rng = np.random.default_rng(args.seed)

    def random_policy(obs, info):
        mask = info["action_mask"].reshape(4, -1)
        return np.array([rng.choice(np.flatnonzero(row)) for row in mask])

    model = MaskablePPO("MlpPolicy", gym.make(ENV_ID, **env_kwargs), gamma=args.gamma,
                        ent_coef=args.ent_coef, seed=args.seed)

    def trained_policy(deterministic: bool):
        def act(obs, info):
            return model.predict(obs, action_masks=info["action_mask"],
                                 deterministic=deterministic)[0]
        return act

    before = evaluate(trained_policy(False), env_kwargs, eval_seeds)
    start = time.perf_counter()
    bar = tqdm(total=args.steps, desc="MaskablePPO", unit="step")
    model.learn(args.steps, callback=lambda locals_, globals_: bar.update(1) or True)
    bar.close()
    train_s = time.perf_counter() - start
    trained = evaluate(trained_policy(False), env_kwargs, eval_seeds)
    greedy_action = evaluate(trained_policy(True), env_kwargs, eval_seeds)
    random_scores = evaluate(random_policy, env_kwargs, eval_seeds)
    print(f"\nLinkScheduling-v0, K={args.devices}, {args.episodes} held-out episodes "
          f"(objective: lower is better; return = 2 - objective)")
    print(f"{'policy':<28}{'objective':>12}{'return':>10}")
    print(f"{'random valid':<28}{random_scores[0]:>12.4f}{random_scores[1]:>10.4f}")
    print(f"{'MaskablePPO untrained':<28}{before[0]:>12.4f}{before[1]:>10.4f}")
    print(f"{'MaskablePPO trained':<28}{trained[0]:>12.4f}{trained[1]:>10.4f}")
    print(f"{'  (argmax actions)':<28}{greedy_action[0]:>12.4f}{greedy_action[1]:>10.4f}")
    print(f"training time {train_s:.0f} s ({args.steps / train_s:.0f} steps/s); "
          f"learning beats random: {trained[0] < random_scores[0]}")


if __name__ == "__main__":
    main()
