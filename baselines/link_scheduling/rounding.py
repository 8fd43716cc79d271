"""Rounding of fractional pattern/link solutions and a slot-wise local search."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment

from baselines.link_scheduling.formulation import Formulation
from baselines.link_scheduling.greedy import greedy_group
from leo_envs.envs.link_scheduling.groups import Objective, repair_group, replay
from leo_envs.envs.link_scheduling.instance import LinkSchedulingInstance


def _matching(inst: LinkSchedulingInstance, f: Formulation, t: int, s: int, x: NDArray):
    """Max-weight matching of transmitters to devices on the fractional links of pattern s
    (and the Ka links) in slot t: (group, matched weight)."""
    group = np.zeros(inst.n_transmitters, dtype=np.int64)
    idx = np.flatnonzero((f.link_t == t) & ((f.link_s == s) | (f.link_s < 0)))
    if idx.size == 0:
        return group, 0.0
    weight = np.zeros((inst.n_transmitters, inst.n_devices))
    weight[f.link_j[idx], f.link_k[idx]] = x[idx] + 1e-9
    rows, cols = linear_sum_assignment(weight, maximize=True)
    total = 0.0
    for j, k in zip(rows, cols, strict=True):
        if weight[j, k] > 1e-6:
            group[j] = k + 1
            total += weight[j, k]
    return group, total


def round_slot(
    inst: LinkSchedulingInstance,
    f: Formulation,
    t: int,
    z: NDArray,
    x: NDArray,
    rule: str = "pattern",
) -> NDArray[np.int64]:
    """The most promising group of slot t, then feasibility repair.

    ``rule="pattern"``: the pattern S with the largest mass z[t,S], then a max-weight
    matching (``linear_sum_assignment``) of its transmitters to devices on the fractional
    links. ``rule="group"``: the group with the largest total link mass over all patterns
    (one matching per pattern, keep the heaviest).
    """
    pats = np.flatnonzero(f.pat_t == t)
    if pats.size == 0:
        return np.zeros(inst.n_transmitters, dtype=np.int64)
    if rule == "pattern":
        p = pats[int(np.argmax(z[pats]))]
        group, _ = _matching(inst, f, t, int(f.pat_s[p]), x)
    else:
        best = max((_matching(inst, f, t, int(f.pat_s[p]), x) for p in pats), key=lambda gw: gw[1])
        group = best[0]
    return repair_group(inst, t, group)


def round_fractional(
    inst: LinkSchedulingInstance, f: Formulation, z: NDArray, x: NDArray, rule: str = "pattern"
) -> NDArray[np.int64]:
    """Round a fractional (z over patterns, x over links) solution slot by slot."""
    return np.stack([round_slot(inst, f, t, z, x, rule) for t in range(inst.n_slots)])


def local_search(
    inst: LinkSchedulingInstance, obj: Objective, schedule: NDArray[np.int64], rounds: int = 3
) -> NDArray[np.int64]:
    """Slot-wise improvement: re-choose each slot's group greedily given the other slots,
    keep the change if the objective decreases."""
    best = schedule.copy()
    best_val = obj(replay(inst, best))
    for _ in range(rounds):
        improved = False
        for t in range(inst.n_slots):
            trial = best.copy()
            trial[t] = 0
            others = replay(inst, trial)
            trial[t] = greedy_group(inst, t, others, obj)
            val = obj(replay(inst, trial))
            if val < best_val - 1e-15:
                best, best_val, improved = trial, val, True
        if not improved:
            break
    return best
