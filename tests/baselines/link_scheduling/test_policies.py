"""LinkScheduling-v0 baselines as harness policies: replayed through the env they are never
repaired and score like the instance; no heuristic beats OPT; RandomValid is reproducible."""

from __future__ import annotations

import numpy as np
import pytest

from baselines.link_scheduling import OPT, ADMMHeu, Greedy, MILPOpt, RandomValid
from leo_envs.envs.link_scheduling.groups import check_schedule
from tests.baselines.link_scheduling.helpers import make_env, run_policy_episode

REPLAYS = [
    # (policy, n_devices, max_devices, seed, invalid_action)
    *[(cls, 8, 10, 11, "raise") for cls in (RandomValid, Greedy, ADMMHeu, OPT, MILPOpt)],
    *[(cls, 10, 10, 5, "repair") for cls in (Greedy, ADMMHeu, OPT)],
]


@pytest.mark.parametrize(("policy_cls", "n_devices", "max_devices", "seed", "mode"), REPLAYS)
def test_replay_through_env_matches_instance_score(policy_cls, n_devices, max_devices, seed, mode):
    env, inst = make_env(max_devices, seed, n_devices=n_devices, invalid_action=mode)
    policy = policy_cls()
    if hasattr(policy, "seed"):
        policy.seed(3)
    actions, info = run_policy_episode(env, policy, seed=seed)  # asserts nothing is repaired
    check_schedule(inst, actions)
    assert info["objective"] == pytest.approx(inst.score(actions)["objective"], rel=1e-9, abs=1e-12)


@pytest.mark.parametrize(("k", "seed"), [(10, 0), (14, 0), (14, 1), (20, 1), (50, 2)])
def test_heuristics_never_beat_opt_and_are_valid(k, seed):
    _, inst = make_env(k, seed)
    opt = OPT().solve(inst)
    assert opt.status == "optimal"
    check_schedule(inst, opt.schedule)
    plans = {
        "greedy": Greedy().plan(inst),
        "admm": ADMMHeu(max_iters=10).plan(inst),
        "admm_pure": ADMMHeu(max_iters=10, local_search=False).plan(inst),
    }
    for name, plan in plans.items():
        check_schedule(inst, plan)
        assert inst.score(plan)["objective"] >= opt.objective - 1e-9, name


@pytest.mark.parametrize(
    ("n_devices", "max_devices", "env_seed", "mode"), [(20, 25, 4, "raise"), (12, 12, 1, "repair")]
)
def test_random_valid_reproducible_and_never_repaired(n_devices, max_devices, env_seed, mode):
    env, _ = make_env(max_devices, env_seed, n_devices=n_devices, invalid_action=mode)

    def rollout(seed: int) -> np.ndarray:
        policy = RandomValid()
        policy.seed(seed)
        actions, _ = run_policy_episode(env, policy, seed=env_seed)
        return actions

    a, b, c = rollout(7), rollout(7), rollout(8)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert (a > 0).any()
