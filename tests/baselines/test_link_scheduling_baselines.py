"""Baselines of LinkScheduling-v0: exactness against brute force, OPT vs MILP, validity,
reproducibility and replay through the env."""

from __future__ import annotations

import itertools

import gymnasium as gym
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import leo_envs  # noqa: F401  (registers the env)
from baselines.link_scheduling import OPT, ADMMHeu, Greedy, MILPOpt, RandomValid
from baselines.link_scheduling.admm import yz_update
from baselines.link_scheduling.common import brute_force
from baselines.link_scheduling.greedy import greedy_schedule
from leo_envs.envs.link_scheduling.groups import Objective, replay
from leo_envs.envs.link_scheduling.instance import check_schedule

ENV_ID = "leo_envs/LinkScheduling-v0"


def make_env(k: int, seed: int, n_slots: int = 10, **kwargs):
    env = gym.make(ENV_ID, n_devices=k, max_devices=k, n_slots=n_slots,
                   update_interval=n_slots * 20, **kwargs)
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


TINY = [
    # (k, n_slots, seed, extra config)
    (3, 2, 0, {}),
    (3, 2, 1, {}),
    (4, 2, 3, {"demand_mbit_low": 30.0, "demand_mbit_high": 80.0}),
    (3, 3, 1, {}),
    (3, 3, 4, {"demand_mbit_low": 40.0, "demand_mbit_high": 90.0}),
    (4, 2, 5, {"served_term_weight": 1.0, "data_term_weight": 0.0}),
    (4, 2, 6, {"served_term_weight": 0.0, "data_term_weight": 1.0,
               "demand_mbit_low": 30.0, "demand_mbit_high": 80.0}),
]


@pytest.mark.parametrize(("k", "n_slots", "seed", "extra"), TINY)
def test_exact_solvers_match_brute_force(k, n_slots, seed, extra):
    _, inst = make_env(k, seed, n_slots, **extra)
    _, best = brute_force(inst)
    opt = OPT().solve(inst)
    milp = MILPOpt().solve(inst)
    for res in (opt, milp):
        check_schedule(inst, res.schedule)
        assert res.status == "optimal"
        assert res.objective == pytest.approx(best, rel=1e-9, abs=1e-12)
        assert inst.score(res.schedule)["objective"] == pytest.approx(res.objective, abs=1e-15)
        assert res.lower_bound <= res.objective + 1e-12
        assert res.objective - res.lower_bound <= 1e-9 + 1e-7 * abs(res.objective)


@pytest.mark.parametrize(("k", "seed"), [(8, 0), (10, 1), (12, 2)])
def test_opt_and_milp_agree(k, seed):
    _, inst = make_env(k, seed)
    opt = OPT().solve(inst)
    milp = MILPOpt().solve(inst)
    assert opt.status == "optimal" and milp.status == "optimal"
    assert rel_diff(opt.objective, milp.objective) <= 1e-6


@pytest.mark.slow
@pytest.mark.parametrize(("k", "seed"), [(15, 3), (20, 0), (20, 4), (50, 0)])
def test_opt_and_milp_agree_larger(k, seed):
    _, inst = make_env(k, seed)
    opt = OPT().solve(inst)
    milp = MILPOpt(time_limit_s=300).solve(inst)
    assert opt.status == "optimal" and milp.status == "optimal"
    assert rel_diff(opt.objective, milp.objective) <= 1e-6


@pytest.mark.parametrize(("k", "seed"), [(10, 0), (20, 1), (50, 2)])
def test_heuristics_never_beat_opt_and_are_valid(k, seed):
    _, inst = make_env(k, seed)
    opt = OPT().solve(inst)
    assert opt.status == "optimal"
    check_schedule(inst, opt.schedule)
    plans = {
        "greedy": Greedy().plan(inst),
        "admm": ADMMHeu(max_iters=10).plan(inst),
        "admm_ls": ADMMHeu(max_iters=10, local_search=True).plan(inst),
    }
    for name, plan in plans.items():
        check_schedule(inst, plan)
        assert inst.score(plan)["objective"] >= opt.objective - 1e-9, name


def test_greedy_never_increases_the_objective():
    _, inst = make_env(20, 3)
    obj = Objective(inst)
    sched = greedy_schedule(inst)
    values = [obj(replay(inst, np.where(np.arange(inst.n_slots)[:, None] < t,
                                                     sched, 0)))
              for t in range(inst.n_slots + 1)]
    assert all(b <= a + 1e-15 for a, b in itertools.pairwise(values))
    assert values[-1] < values[0]


def test_objective_helper_matches_env_scoring():
    _, inst = make_env(20, 5)
    sched = greedy_schedule(inst)
    assert Objective(inst)(replay(inst, sched)) == pytest.approx(
        inst.score(sched)["objective"], abs=1e-15)


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


@pytest.mark.parametrize("policy_cls", [RandomValid, Greedy, ADMMHeu, OPT, MILPOpt])
def test_replay_through_env_matches_instance_score(policy_cls):
    env = gym.make(ENV_ID, n_devices=8, max_devices=10, invalid_action="raise")
    policy = policy_cls()
    if hasattr(policy, "seed"):
        policy.seed(3)
    env.reset(seed=11)
    inst = env.unwrapped.instance()
    actions, info = run_policy_episode(env, policy, seed=11)
    check_schedule(inst, actions)
    assert info["objective"] == pytest.approx(inst.score(actions)["objective"], rel=1e-9,
                                              abs=1e-12)


def test_greedy_act_equals_plan():
    env = gym.make(ENV_ID, n_devices=30, max_devices=30)
    env.reset(seed=2)
    plan = Greedy().plan(env.unwrapped.instance())
    actions, _ = run_policy_episode(env, _ActOnly(Greedy()), seed=2)
    np.testing.assert_array_equal(actions, plan)


class _ActOnly:
    """Hides ``plan`` so that the policy acts step by step."""

    def __init__(self, policy) -> None:
        self.policy = policy

    def reset(self, env) -> None:
        self.policy.reset(env)

    def act(self, obs, info):
        return self.policy.act(obs, info)


def test_random_valid_reproducible():
    env = gym.make(ENV_ID, n_devices=20, max_devices=25, invalid_action="raise")

    def rollout(seed: int) -> np.ndarray:
        policy = RandomValid()
        policy.seed(seed)
        actions, _ = run_policy_episode(env, policy, seed=4)
        return actions

    a, b, c = rollout(7), rollout(7), rollout(8)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert (a > 0).any()


def test_exact_solver_limits_report_status():
    _, inst = make_env(60, 1)
    res = OPT(time_limit_s=1e-3).solve(inst)
    assert res.status in ("time_limit", "optimal")
    check_schedule(inst, res.schedule)
    assert res.lower_bound <= res.objective + 1e-12
    res = OPT(node_limit=0).solve(inst)
    assert res.status == "node_limit"
    check_schedule(inst, res.schedule)
    assert res.gap >= 0.0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_yz_update_is_exact(seed):
    """The closed-form (y, z) update of ADMM against a generic convex solve (SLSQP)."""
    from scipy.optimize import minimize

    rng = np.random.default_rng(seed)
    nd, T, kp = 4, 3, 6
    a, rho = rng.uniform(0.01, 1.0), rng.uniform(0.05, 2.0)
    has = rng.random((nd, T)) < 0.8
    q = rng.uniform(0.05, 0.5, nd)
    theta = rng.uniform(0.2, 0.6, nd)
    target = rng.uniform(-0.3, 0.6, (nd, T))
    z, y = yz_update(target, has, q, theta, a, kp, rho)

    def f(vec):
        zz = np.where(has, vec[: nd * T].reshape(nd, T), 0.0)
        s = zz.sum(axis=1)
        return (a * (kp - vec[nd * T :].sum()) ** 2 + (q * np.maximum(1 - s, 0) ** 2).sum()
                + rho / 2 * ((zz - target) ** 2)[has].sum())

    def served(vec, d):
        return np.where(has, vec[: nd * T].reshape(nd, T), 0)[d].sum() - theta[d] * vec[nd * T + d]

    cons = [{"type": "ineq", "fun": served, "args": (d,)} for d in range(nd)]
    starts = [np.concatenate([rng.uniform(0, 0.5, nd * T), rng.uniform(0, 1, nd)])
              for _ in range(3)]
    best = min(
        minimize(f, x0, bounds=[(0, None)] * (nd * T) + [(0, 1)] * nd, constraints=cons,
                 method="SLSQP", options={"ftol": 1e-14, "maxiter": 1000}).fun
        for x0 in starts
    )
    assert f(np.concatenate([z.ravel(), y])) <= best + 1e-9


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), k=st.integers(2, 5), n_slots=st.integers(1, 3))
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


@pytest.mark.parametrize(("k", "seed"), [(3, 0), (4, 1), (4, 2)])
def test_slot_group_searches_match_enumeration(k, seed):
    """Vectorised best group per slot (linear score and exact best response) against an
    enumeration of every valid group; with <= J devices no candidate is pruned."""
    from baselines.link_scheduling.slot_groups import SlotGroups
    from leo_envs.envs.link_scheduling.groups import valid_groups

    _, inst = make_env(k, seed, n_slots=3)
    sg = SlotGroups(inst)
    rng = np.random.default_rng(seed)
    weight = rng.normal(size=sg.rate_r.shape)
    b_other = rng.uniform(0.0, 0.8, (inst.n_slots, sg.nd)) * sg.demand
    _, lin = sg.best_linear(weight)
    best_g, best_v = sg.best_response(b_other)
    for t in range(inst.n_slots):
        cands = valid_groups(inst, t)
        one = np.zeros((len(cands), inst.n_slots, inst.n_transmitters), dtype=np.int64)
        one[:, t] = cands
        w_full = np.zeros((inst.n_slots, sg.n_pat, inst.n_transmitters, sg.nd))
        w_full[:, sg.row_s, sg.row_j] = weight
        for j in np.flatnonzero(inst.band == 0):
            w_full[:, :, j] = w_full[:, :1, j]
        lin_vals = sg._bits(one, w_full)[:, t].sum(axis=1)
        assert lin[t] == pytest.approx(lin_vals.max(), abs=1e-9)
        bits = sg._bits(one)[:, t]
        br_vals = sg.values(b_other[t][None] + bits)
        assert best_v[t] == pytest.approx(br_vals.min(), abs=1e-12)
        check_schedule(inst, np.where(np.arange(inst.n_slots)[:, None] == t, best_g, 0))


def test_admm_is_reproducible_and_local_search_only_improves():
    _, inst = make_env(30, 2)
    a, b = ADMMHeu(), ADMMHeu()
    np.testing.assert_array_equal(a.plan(inst), b.plan(inst))
    assert inst.score(a.plan(inst))["objective"] <= a.last_info["rounded_objective"] + 1e-12
    pure = ADMMHeu(local_search=False).plan(inst)
    check_schedule(inst, pure)
    assert inst.score(pure)["objective"] == pytest.approx(a.last_info["rounded_objective"])


def test_incremental_exchange_matches_full_rescoring():
    """``_best_exchange`` re-scores only the two changed slots; compare with scoring every
    exchanged schedule from scratch."""
    from baselines.link_scheduling.slot_groups import SlotGroups

    _, inst = make_env(12, 4)
    sg = SlotGroups(inst)
    sched = ADMMHeu(local_search=False).plan(inst)
    contrib = sg.slot_bits(sched)
    b = contrib.sum(axis=0)
    cur = float(sg.values(b))
    T, J = sched.shape
    best = np.inf
    for p1, p2 in itertools.combinations(range(T * J), 2):
        if p1 // J == p2 // J:
            continue
        cand = sched.copy().reshape(-1)
        cand[p1], cand[p2] = cand[p2], cand[p1]
        cand = cand.reshape(T, J)
        if sg._feasible(cand[None])[0]:
            best = min(best, schedule_value(sg, cand))
    move = sg._best_exchange(sched, contrib, b, cur)
    assert_best_move(inst, sg, move, best, cur)


@pytest.mark.parametrize(("k", "seed"), [(12, 4), (20, 1)])
def test_relabel_move_matches_full_rescoring(k, seed):
    """``_best_relabel`` scores device swaps / merges from the two changed devices' terms;
    compare with applying every relabelling and scoring it from scratch."""
    from baselines.link_scheduling.slot_groups import SlotGroups

    _, inst = make_env(k, seed)
    sg = SlotGroups(inst)
    sched = ADMMHeu(local_search=False).plan(inst)
    b = sg.slot_bits(sched).sum(axis=0)
    cur = float(sg.values(b))
    best = np.inf
    for a, c in itertools.permutations(sg.devices + 1, 2):
        cands = []
        if a < c:
            swap = sched.copy()
            swap[sched == a], swap[sched == c] = c, a
            cands.append(swap)
        if (sched == a).any() and (sched == c).any():
            merge = sched.copy()
            merge[sched == a] = c
            cands.append(merge)
        for cand in cands:
            if not (cand == sched).all() and sg._feasible(cand[None])[0]:
                best = min(best, schedule_value(sg, cand))
    move = sg._best_relabel(sched, b, cur)
    assert_best_move(inst, sg, move, best, cur)


@pytest.mark.parametrize(("k", "seed"), [(12, 4), (20, 1)])
def test_pair_replan_is_valid_and_improving(k, seed):
    """``_best_pair_replan`` changes at most two slots, returns a valid schedule that
    improves, and its batched best responses agree with the per-slot ``best_response``."""
    from baselines.link_scheduling.slot_groups import SlotGroups

    _, inst = make_env(k, seed)
    sg = SlotGroups(inst)
    sched = ADMMHeu(local_search=False).plan(inst)
    contrib = sg.slot_bits(sched)
    b = contrib.sum(axis=0)
    cur = float(sg.values(b))
    move = sg._best_pair_replan(sched, contrib, b, cur)
    if move is not None:
        check_schedule(inst, move)
        assert (move != sched).any(axis=1).sum() <= 2
        assert float(sg.values(sg.slot_bits(move).sum(axis=0))) < cur
    ts = np.arange(inst.n_slots)
    g_all, v_all = sg.best_response(b[None] - contrib)
    g_b, v_b = sg.best_response((b[None] - contrib)[::-1], ts[::-1])
    np.testing.assert_allclose(v_b, v_all[::-1], rtol=0, atol=1e-12)
    np.testing.assert_array_equal(g_b, g_all[::-1])


def test_local_search_moves_can_be_disabled():
    """Each extra move only improves: the full search is no worse than the one without
    pair re-plans, and every variant returns a valid schedule."""
    _, inst = make_env(20, 1)
    full = ADMMHeu()
    vals = {}
    for name, planner in {"full": full, "no_pair": ADMMHeu(pair_moves=0),
                          "plain": ADMMHeu(pair_moves=0, relabel=False)}.items():
        sched = planner.plan(inst)
        check_schedule(inst, sched)
        vals[name] = inst.score(sched)["objective"]
        assert vals[name] <= planner.last_info["rounded_objective"] + 1e-12
    assert vals["full"] <= vals["no_pair"] + 1e-12
