"""Exactness and validity of the LinkScheduling-v0 baselines."""

import gymnasium as gym
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from baselines.link_scheduling import OPT, ADMMHeu, Greedy, MILPOpt, RandomValid
from baselines.link_scheduling.common import brute_force
from leo_envs.envs.link_scheduling.instance import check_schedule

ENV_ID = "leo_envs/LinkScheduling-v0"


def instance(seed, n_devices, n_slots=10, **kwargs):
    env = gym.make(ENV_ID, n_devices=n_devices, max_devices=n_devices, n_slots=n_slots,
                   update_interval=n_slots * 20, **kwargs)
    env.reset(seed=seed)
    return env.unwrapped.instance()


@pytest.mark.parametrize(("seed", "n_devices", "n_slots"), [(0, 2, 2), (1, 3, 2), (2, 3, 3),
                                                           (3, 4, 2)])
def test_opt_and_milp_equal_brute_force_on_tiny_instances(seed, n_devices, n_slots):
    inst = instance(seed, n_devices, n_slots)
    _, best = brute_force(inst)
    for solver in (OPT(), MILPOpt()):
        result = solver.solve(inst)
        assert result.status == "optimal"
        assert result.objective == pytest.approx(best, rel=1e-9, abs=1e-12)
        check_schedule(inst, result.schedule)
        assert inst.score(result.schedule)["objective"] == pytest.approx(result.objective)


@pytest.mark.parametrize(("seed", "n_devices"), [(0, 8), (1, 12), (2, 16), (3, 20)])
def test_branch_and_bound_agrees_with_highs_milp(seed, n_devices):
    inst = instance(seed, n_devices)
    bnb, milp = OPT(time_limit_s=60).solve(inst), MILPOpt(time_limit_s=120).solve(inst)
    assert bnb.status == milp.status == "optimal"
    assert bnb.objective == pytest.approx(milp.objective, rel=1e-6)
    assert bnb.lower_bound <= bnb.objective + 1e-12 and bnb.gap <= 1e-6
    assert bnb.nodes >= 1


@pytest.mark.parametrize("seed", [0, 1])
def test_heuristics_never_beat_opt_and_plans_are_valid(seed):
    inst = instance(seed, 14)
    opt = OPT().solve(inst)
    for planner in (Greedy(), ADMMHeu()):
        schedule = planner.plan(inst)
        check_schedule(inst, schedule)
        assert inst.score(schedule)["objective"] >= opt.objective - 1e-9


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n_devices=st.integers(2, 6))
def test_opt_is_never_worse_than_greedy(seed, n_devices):
    inst = instance(seed, n_devices, n_slots=4)
    opt = OPT().solve(inst)
    assert opt.objective <= inst.score(Greedy().plan(inst))["objective"] + 1e-12


def test_planners_replayed_through_the_env_score_like_the_instance():
    env = gym.make(ENV_ID, n_devices=10, max_devices=10)
    env.reset(seed=5)
    inst = env.unwrapped.instance()
    for planner in (OPT(), Greedy(), ADMMHeu()):
        env.reset(seed=5)
        schedule = planner.plan(inst)
        for t in range(inst.n_slots):
            _, _, terminated, _, info = env.step(schedule[t])
            assert info["repaired_links"] == 0
        assert terminated
        assert info["objective"] == pytest.approx(inst.score(schedule)["objective"], rel=1e-9)


def test_random_valid_is_reproducible_and_never_repaired():
    env = gym.make(ENV_ID, n_devices=12, max_devices=12)
    runs = []
    for _ in range(2):
        policy = RandomValid()
        policy.seed(3)
        obs, info = env.reset(seed=1)
        policy.reset(env.unwrapped)
        actions, terminated = [], False
        while not terminated:
            action = policy.act(obs, info)
            obs, _, terminated, _, info = env.step(action)
            assert info["repaired_links"] == 0
            actions.append(action)
        runs.append(np.array(actions))
    np.testing.assert_array_equal(runs[0], runs[1])


def test_opt_reports_time_limit_with_a_certified_gap():
    inst = instance(0, 30)
    result = OPT(time_limit_s=1e-3).solve(inst)
    assert result.status in {"time_limit", "optimal"}
    assert result.lower_bound <= result.objective + 1e-12
    if result.status == "time_limit":
        assert result.gap >= 0.0
    check_schedule(inst, result.schedule)
