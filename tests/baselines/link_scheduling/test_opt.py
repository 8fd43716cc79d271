"""The exact solvers of LinkScheduling-v0 (OPT: branch and price; MILPOpt: HiGHS MILP + outer
approximation): equal to brute force on tiny instances, equal to each other, certified gaps
under limits, never above a heuristic."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from baselines.link_scheduling import OPT, MILPOpt, RandomValid
from baselines.link_scheduling.common import brute_force
from baselines.link_scheduling.greedy import greedy_schedule
from leo_envs.envs.link_scheduling.groups import check_schedule
from tests.baselines.link_scheduling.helpers import make_env, rel_diff, run_policy_episode

TINY = [
    # (k, n_slots, seed, extra config)
    (2, 2, 0, {}),
    (3, 2, 0, {}),
    (3, 2, 1, {}),
    (3, 3, 2, {}),
    (4, 2, 3, {}),
    (4, 2, 3, {"demand_mbit_low": 30.0, "demand_mbit_high": 80.0}),
    (3, 3, 1, {}),
    (3, 3, 4, {"demand_mbit_low": 40.0, "demand_mbit_high": 90.0}),
    (4, 2, 5, {"served_term_weight": 1.0, "data_term_weight": 0.0}),
    (
        4,
        2,
        6,
        {
            "served_term_weight": 0.0,
            "data_term_weight": 1.0,
            "demand_mbit_low": 30.0,
            "demand_mbit_high": 80.0,
        },
    ),
]


@pytest.mark.parametrize(("k", "n_slots", "seed", "extra"), TINY)
def test_exact_solvers_match_brute_force(k, n_slots, seed, extra):
    _, inst = make_env(k, seed, n_slots, **extra)
    _, best = brute_force(inst)
    for res in (OPT().solve(inst), MILPOpt().solve(inst)):
        check_schedule(inst, res.schedule)
        assert res.status == "optimal"
        assert res.objective == pytest.approx(best, rel=1e-9, abs=1e-12)
        assert inst.score(res.schedule)["objective"] == pytest.approx(res.objective, abs=1e-15)
        assert res.lower_bound <= res.objective + 1e-12
        assert res.objective - res.lower_bound <= 1e-9 + 1e-7 * abs(res.objective)


@pytest.mark.parametrize(("k", "seed"), [(8, 0), (10, 1), (12, 1), (12, 2), (16, 2), (20, 3)])
def test_opt_and_milp_agree(k, seed):
    _, inst = make_env(k, seed)
    opt = OPT(time_limit_s=60).solve(inst)
    milp = MILPOpt(time_limit_s=120).solve(inst)
    assert opt.status == "optimal" and milp.status == "optimal"
    assert rel_diff(opt.objective, milp.objective) <= 1e-6
    assert opt.lower_bound <= opt.objective + 1e-12
    # the relative gap is meaningless at an optimum of 0 (K = 12, seed 2: U = 0, LB = -1.2e-9)
    assert opt.gap <= 1e-6 or opt.objective - opt.lower_bound <= 2e-9
    assert opt.nodes >= 1


@pytest.mark.slow
@pytest.mark.parametrize(("k", "seed"), [(15, 3), (20, 0), (20, 4), (50, 0)])
def test_opt_and_milp_agree_larger(k, seed):
    _, inst = make_env(k, seed)
    opt = OPT().solve(inst)
    milp = MILPOpt(time_limit_s=300).solve(inst)
    assert opt.status == "optimal" and milp.status == "optimal"
    assert rel_diff(opt.objective, milp.objective) <= 1e-6


@pytest.mark.parametrize(("k", "seed"), [(30, 0), (60, 1)])
def test_opt_reports_time_limit_with_a_certified_gap(k, seed):
    _, inst = make_env(k, seed)
    res = OPT(time_limit_s=1e-3).solve(inst)
    assert res.status in ("time_limit", "optimal")
    check_schedule(inst, res.schedule)
    assert res.lower_bound <= res.objective + 1e-12
    if res.status == "time_limit":
        assert res.gap >= 0.0


def test_opt_reports_the_node_limit():
    _, inst = make_env(60, 1)
    res = OPT(node_limit=0).solve(inst)
    assert res.status == "node_limit"
    check_schedule(inst, res.schedule)
    assert res.gap >= 0.0


@settings(max_examples=18, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), k=st.integers(2, 6), n_slots=st.integers(1, 4))
def test_property_opt_below_heuristics(seed, k, n_slots):
    env, inst = make_env(k, seed, n_slots)
    opt = OPT().solve(inst)
    assert opt.status == "optimal"
    check_schedule(inst, opt.schedule)
    grd = inst.score(greedy_schedule(inst))["objective"]
    assert opt.objective <= grd + 1e-12
    policy = RandomValid()
    policy.seed(seed)
    _, info = run_policy_episode(env, policy, seed=seed)
    assert opt.objective <= info["objective"] + 1e-12
