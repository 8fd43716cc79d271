"""Shared set-up of the LinkScheduling-v0 baseline tests."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

from leo_envs.envs.link_scheduling.groups import check_schedule

ENV_ID = "leo_envs/LinkScheduling-v0"


def make_env(k: int, seed: int, n_slots: int = 10, **kwargs):
    """An env of K = k device slots (all occupied unless ``n_devices`` says otherwise)
    reset with ``seed``, and its instance."""
    config = {"n_devices": k, **kwargs}
    env = gym.make(ENV_ID, max_devices=k, n_slots=n_slots, update_interval=n_slots * 20, **config)
    env.reset(seed=seed)
    return env, env.unwrapped.instance()


def schedule_value(sg, schedule):
    """The objective of ``schedule`` scored from scratch by ``SlotGroups``."""
    return float(sg.values(sg.slot_bits(schedule).sum(axis=0)))


def assert_best_move(inst, sg, move, best, current):
    """A move search returned the brute-force best schedule if it improves, else None."""
    if best < current - 1e-13:
        check_schedule(inst, move)
        assert schedule_value(sg, move) == pytest.approx(best, abs=1e-12)
    else:
        assert move is None


def rel_diff(a: float, b: float) -> float:
    return abs(a - b) / max(abs(b), 1e-12)


def run_policy_episode(env, policy, seed: int):
    """Replay a policy through the env the way the harness does (plan if available)."""
    obs, info = env.reset(seed=seed)
    if hasattr(policy, "reset"):
        policy.reset(env.unwrapped)
    plan = policy.plan(env.unwrapped.instance()) if hasattr(policy, "plan") else None
    actions = []
    terminated = False
    t = 0
    while not terminated:
        action = plan[t] if plan is not None else policy.act(obs, info)
        actions.append(np.asarray(action))
        obs, _, terminated, _, info = env.step(action)
        assert info["repaired_links"] == 0
        t += 1
    return np.array(actions), info


class ActOnly:
    """Hides ``plan`` so that the policy acts step by step."""

    def __init__(self, policy) -> None:
        self.policy = policy

    def reset(self, env) -> None:
        self.policy.reset(env)

    def act(self, obs, info):
        return self.policy.act(obs, info)
