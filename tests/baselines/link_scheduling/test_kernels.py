"""The group searches of ADMM-HEU (``SlotGroups`` and the compiled kernels): candidate
selection against repeated ``np.argmin``, the exact searches against enumeration of every valid
group (with <= J devices, and with more devices than transmitters so candidates really are
pruned), and the local-search moves against scoring every moved schedule from scratch."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from baselines.link_scheduling import ADMMHeu
from baselines.link_scheduling._kernels import _top_m
from baselines.link_scheduling.slot_groups import SlotGroups
from leo_envs.envs.link_scheduling.groups import check_schedule, valid_groups
from tests.baselines.link_scheduling.helpers import assert_best_move, make_env, schedule_value


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


@pytest.mark.parametrize(("k", "seed"), [(3, 0), (4, 1), (4, 2)])
def test_slot_group_searches_match_enumeration(k, seed):
    """Vectorised best group per slot (linear score and exact best response) against an
    enumeration of every valid group; with <= J devices no candidate is pruned."""
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


def test_incremental_exchange_matches_full_rescoring():
    """``_best_exchange`` re-scores only the two changed slots; compare with scoring every
    exchanged schedule from scratch."""
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
