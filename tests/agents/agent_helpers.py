"""Test-only helpers and small configs for the agent tests (importable as a module).

``brute_force_neighbors`` is an independent neighbourhood used to check that agents take
an injected one (and by the SB3 wrapper tests) on tiny instances: it lists every group the
per-transmitter action mask allows with no device served twice and returns the k nearest
to the proto-action in squared distance over the 0/1 link matrix, best first (SINR under
interference is left to the env's repair). It is not shipped in the package.
"""

import itertools

import gymnasium as gym
import numpy as np

ENV_ID = "leo_envs/LinkScheduling-v0"
TINY = {"n_devices": 3, "max_devices": 3}


def brute_force_neighbors(env, proto, k):
    base = env.unwrapped
    mask = np.asarray(base.action_masks()).reshape(len(base.action_space.nvec), -1)
    choices = [np.flatnonzero(row) for row in mask]
    groups = []
    for group in itertools.product(*choices):
        served = [g for g in group if g]
        if len(served) == len(set(served)):
            groups.append(group)
    groups = np.array(groups, dtype=np.int64)
    n_dev = mask.shape[1] - 1
    links = np.eye(n_dev + 1)[:, 1:][groups]  # [n, J, K]
    scores = -((links - proto[None]) ** 2).sum(axis=(1, 2))
    order = np.argsort(-scores, kind="stable")[:k]
    return groups[order], scores[order]


def make_env(**overrides):
    return gym.make(ENV_ID, **{**TINY, **overrides})


def tasks_of(env, n):
    """The first n tasks of the env's fixed train task set."""
    return list(env.unwrapped.task_set("train"))[:n]
