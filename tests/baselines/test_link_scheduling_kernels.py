"""The compiled (numba) group searches and ADMM iterations of ADMM-HEU: candidate selection
against repeated ``np.argmin``, the exact searches against enumeration of every valid group
with more devices than transmitters (so candidates really are pruned), and the ADMM loop's
stopping rule and exact (y, z) variant."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import leo_envs  # noqa: F401  (registers the env)
from baselines.link_scheduling import ADMMHeu
from baselines.link_scheduling._kernels import _top_m
from baselines.link_scheduling.slot_groups import SlotGroups
from leo_envs.envs.link_scheduling.groups import valid_groups
from leo_envs.envs.link_scheduling.instance import check_schedule


def make_env(k: int, seed: int, n_slots: int = 10):
    env = gym.make("leo_envs/LinkScheduling-v0", n_devices=k, max_devices=k, n_slots=n_slots,
                   update_interval=n_slots * 20)
    env.reset(seed=seed)
    return env, env.unwrapped.instance()


def _argmin_reference(x: np.ndarray, m: int) -> list[int]:
    work = x.copy()
    out = []
    for _ in range(m):
        i = int(work.argmin())
        out.append(i)
        work[i] = np.inf
    return out


@pytest.mark.parametrize("seed", range(6))
def test_top_m_matches_repeated_argmin(seed):
    """Ties (integer-valued scores), inf entries and fewer finite entries than m."""
    rng = np.random.default_rng(seed)
    for _ in range(200):
        n = int(rng.integers(1, 25))
        m = int(rng.integers(1, 5))
        x = rng.integers(0, 4, n).astype(np.float64)
        x[rng.random(n) < rng.random()] = np.inf
        out = np.empty(m, dtype=np.int64)
        _top_m(x, m, out)
        assert out.tolist() == _argmin_reference(x, m), (x, m)


def _slot_values(inst, sg, t, groups, table=None):
    one = np.zeros((len(groups), inst.n_slots, inst.n_transmitters), dtype=np.int64)
    one[:, t] = groups
    return sg._bits(one, table)[:, t]


@pytest.mark.parametrize(("k", "seed"), [(6, 0), (7, 3), (8, 5)])
def test_exact_searches_match_enumeration_with_pruned_candidates(k, seed):
    """best_linear with J candidates per (S, j) is exact, and best_response with every
    device as a candidate is exact: both against all valid groups of every slot, at K > J."""
    _, inst = make_env(k, seed, n_slots=3)
    sg = SlotGroups(inst)
    assert sg.nd > sg.J  # the top-m selection prunes
    rng = np.random.default_rng(seed)
    weight = rng.normal(size=sg.rate_r.shape)
    b_other = rng.uniform(0.0, 0.9, (inst.n_slots, sg.nd)) * sg.demand
    lin_g, lin = sg.best_linear(weight)
    br_g, br = sg.best_response(b_other, m=sg.nd)
    w_full = np.zeros((inst.n_slots, sg.n_pat, inst.n_transmitters, sg.nd))
    w_full[:, sg.row_s, sg.row_j] = weight
    for j in np.flatnonzero(inst.band == 0):
        w_full[:, :, j] = w_full[:, :1, j]
    for t in range(inst.n_slots):
        cands = valid_groups(inst, t)
        lin_vals = _slot_values(inst, sg, t, cands, w_full).sum(axis=1)
        assert lin[t] == pytest.approx(lin_vals.max(), abs=1e-9)
        own = _slot_values(inst, sg, t, lin_g[t][None], w_full).sum()
        assert own == pytest.approx(lin[t], abs=1e-9)
        br_vals = sg.values(b_other[t][None] + _slot_values(inst, sg, t, cands))
        assert br[t] == pytest.approx(br_vals.min(), abs=1e-12)
        own = sg.values(b_other[t] + _slot_values(inst, sg, t, br_g[t][None])[0])
        assert own == pytest.approx(br[t], abs=1e-12)
        for g in (lin_g, br_g):
            check_schedule(inst, np.where(np.arange(inst.n_slots)[:, None] == t, g, 0))


def test_admm_loop_stops_on_the_residual_rule_and_runs_the_exact_update():
    _, inst = make_env(15, 2)
    loose = ADMMHeu(max_iters=50, tol=1e9, local_search=False)
    check_schedule(inst, loose.plan(inst))
    assert loose.last_info["iterations"] == 2  # the rule is checked from iteration 2 on
    full = ADMMHeu(max_iters=7, tol=0.0, local_search=False)
    full.plan(inst)
    assert full.last_info["iterations"] == 7
    exact = ADMMHeu(exact_yz=True, fw_steps=2)
    sched = exact.plan(inst)
    check_schedule(inst, sched)
    assert 0.0 <= exact.last_info["served_relaxed"] <= inst.n_devices
    assert np.isfinite(exact.last_info["primal_residual"])


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_admm_rejects_a_bad_oracle_candidate_count(bad):
    with pytest.raises(ValueError, match="lmo_cand"):
        ADMMHeu(lmo_cand=bad)
