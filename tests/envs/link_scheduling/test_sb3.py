"""Stable-Baselines3 PPO and sb3-contrib MaskablePPO train on the env through gym.make."""

import gymnasium as gym
import numpy as np
from sb3_contrib import MaskablePPO
from stable_baselines3 import PPO

ENV_ID = "leo_envs/LinkScheduling-v0"
SMALL = {"n_devices": 8, "max_devices": 8}


def test_ppo_learns_through_gym_make():
    env = gym.make(ENV_ID, **SMALL)
    model = PPO(
        "MlpPolicy",
        env,
        n_steps=128,
        batch_size=64,
        n_epochs=2,
        seed=0,
        policy_kwargs={"net_arch": [32, 32]},
    )
    before = [p.detach().clone() for p in model.policy.parameters()]
    model.learn(256)
    after = list(model.policy.parameters())
    assert any(not np.allclose(a.detach(), b) for a, b in zip(after, before, strict=True))
    obs, _ = env.reset(seed=0)
    action, _ = model.predict(obs, deterministic=True)
    assert env.action_space.contains(action)


def test_maskable_ppo_uses_the_info_mask_and_never_breaks_it():
    env = gym.make(ENV_ID, **SMALL)
    model = MaskablePPO(
        "MlpPolicy",
        env,
        n_steps=128,
        batch_size=64,
        n_epochs=2,
        seed=0,
        policy_kwargs={"net_arch": [32, 32]},
    )
    model.learn(256)
    obs, info = env.reset(seed=1)
    terminated = False
    while not terminated:
        action, _ = model.predict(obs, action_masks=info["action_mask"])
        per_tx = info["action_mask"].reshape(4, -1)
        assert all(per_tx[j, action[j]] for j in range(4))
        obs, _, terminated, _, info = env.step(action)
