"""LinkScheduling's train / test task sets are fixed and versioned: these ids are the same
on every installation (a change here is a breaking change: bump the task-set version)."""

from __future__ import annotations

import gymnasium as gym
import pytest

PINNED = {  # scenario: (first train ids, first test ids), default config, version v0
    "static": (
        ["f8557c835ec3", "949e6736c358", "75d5c5b2c9ba"],
        ["9ff5caa8f15e", "47a852c8bc3c", "ce07defc7f42"],
    ),
    "user_churn": (
        ["f8557c835ec3", "949e6736c358", "fac9765dedc6"],
        ["8ad89fcff221", "f50fc1550a9f", "4afa1eef80ae"],
    ),
    "bursty_demand": (
        ["f8557c835ec3", "949e6736c358", "a5b0c37a605c"],
        ["228ceb3689f7", "b69f66de4ce9", "1b89391a4c3e"],
    ),
    "channel_shock": (
        ["f8557c835ec3", "949e6736c358", "c83393481719"],
        ["356efe957c29", "c5818122f45a", "9f145fefe356"],
    ),
}


@pytest.mark.parametrize("scenario", sorted(PINNED))
def test_task_set_ids_are_pinned(scenario):
    env = gym.make("leo_envs/LinkScheduling-v0", scenario=scenario).unwrapped
    train, test = env.task_set("train"), env.task_set("test", version="v0")
    assert [t.task_id for t in train[:3]] == PINNED[scenario][0]
    assert [t.task_id for t in test[:3]] == PINNED[scenario][1]
    assert (len(train), len(test)) == (16, 8)
    assert not {t.task_id for t in train} & {t.task_id for t in test}
    assert env.task_set("train") is train  # built once per env
