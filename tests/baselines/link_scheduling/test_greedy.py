"""GRD: monotone objective, its objective helper against the env's scoring, act == plan."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from baselines.link_scheduling import Greedy
from baselines.link_scheduling.greedy import greedy_schedule
from leo_envs.envs.link_scheduling.groups import Objective, replay
from tests.baselines.link_scheduling.helpers import ActOnly, make_env, run_policy_episode


def test_greedy_never_increases_the_objective():
    _, inst = make_env(20, 3)
    obj = Objective(inst)
    sched = greedy_schedule(inst)
    values = [
        obj(replay(inst, np.where(np.arange(inst.n_slots)[:, None] < t, sched, 0)))
        for t in range(inst.n_slots + 1)
    ]
    assert all(b <= a + 1e-15 for a, b in itertools.pairwise(values))
    assert values[-1] < values[0]


def test_objective_helper_matches_env_scoring():
    _, inst = make_env(20, 5)
    sched = greedy_schedule(inst)
    assert Objective(inst)(replay(inst, sched)) == pytest.approx(
        inst.score(sched)["objective"], abs=1e-15
    )


def test_greedy_act_equals_plan():
    env, _ = make_env(30, 2)
    plan = Greedy().plan(env.unwrapped.instance())
    actions, _ = run_policy_episode(env, ActOnly(Greedy()), seed=2)
    np.testing.assert_array_equal(actions, plan)
