"""Shared helpers of the LinkScheduling-v0 baselines (objective, valid groups, replay).

Everything here reads only the public ``LinkSchedulingInstance`` (``env.unwrapped.instance()``):
``rate_bits[t, S, j, k]`` / ``feasible[t, S, j, k]`` with S the bitmask of the active C-band
transmitters (bit i = i-th C-band transmitter in index order), demands, thresholds, weights.
"""

from __future__ import annotations

import itertools

import numpy as np
from numpy.typing import NDArray

from leo_envs.envs.link_scheduling.instance import LinkSchedulingInstance

IDLE = 0


def c_band_bits(inst: LinkSchedulingInstance) -> NDArray[np.int64]:
    """[J] bit value of each transmitter in the active-set mask (0 for Ka transmitters)."""
    bits = np.zeros(inst.n_transmitters, dtype=np.int64)
    for i, j in enumerate(np.flatnonzero(np.asarray(inst.band) == 1)):
        bits[j] = 1 << i
    return bits


class Objective:
    """Fast evaluation of the normalised objective U(b) of eq. (19)/(20a).

    U(b) = a ((Kp - n(b)) / Kp)^2 + c sum_k w_k max(0, D_k - b_k)^2 / sum_k w_k D_k^2 over the
    present devices, n(b) = #{k present: b_k >= D_th_k}. Mirrors ``objective_terms`` of the env.
    """

    def __init__(self, inst: LinkSchedulingInstance) -> None:
        self.present = np.asarray(inst.present, dtype=bool)
        self.demand = np.where(self.present, inst.demand_bits, 0.0)
        self.threshold = np.asarray(inst.threshold_bits, dtype=np.float64)
        self.weight = np.where(self.present, inst.weight, 0.0)
        self.n_present = max(int(self.present.sum()), 1)
        w_total = float((self.weight * self.demand**2).sum())
        self.a = float(inst.served_term_weight)
        self.c = float(inst.data_term_weight)
        # per-device data-term coefficient: c w_k / W (per bit^2)
        self.data_coef = self.c * self.weight / max(w_total, 1e-300)

    def served_term(self, n_served: NDArray | int) -> NDArray | float:
        return self.a * ((self.n_present - np.asarray(n_served)) / self.n_present) ** 2

    def served(self, delivered: NDArray[np.float64]) -> NDArray[np.bool_]:
        return self.present & (delivered >= self.threshold)

    def data_parts(self, delivered: NDArray[np.float64]) -> NDArray[np.float64]:
        """Per-device data-term contributions (already weighted and normalised)."""
        short = np.maximum(self.demand - delivered, 0.0)
        return self.data_coef * short**2

    def __call__(self, delivered: NDArray[np.float64]) -> float:
        n = int(self.served(delivered).sum())
        return float(self.served_term(n) + self.data_parts(delivered).sum())


def apply_group_bits(
    inst: LinkSchedulingInstance, t: int, group: NDArray[np.int64], delivered: NDArray
) -> NDArray[np.float64]:
    """Delivered bits after playing a valid group in slot t (capped at the demand)."""
    s = inst.active_set_index(group)
    out = delivered.copy()
    for j in np.flatnonzero(group > IDLE):
        k = group[j] - 1
        out[k] += inst.rate_bits[t, s, j, k]
    return np.minimum(out, inst.demand_bits)


def replay_delivered(inst: LinkSchedulingInstance, schedule: NDArray[np.int64]) -> NDArray:
    delivered = np.zeros(inst.n_devices)
    for t in range(schedule.shape[0]):
        delivered = apply_group_bits(inst, t, schedule[t], delivered)
    return delivered


def is_valid_group(inst: LinkSchedulingInstance, t: int, group: NDArray[np.int64]) -> bool:
    served = group[group > IDLE]
    if np.unique(served).size != served.size:
        return False
    s = inst.active_set_index(group)
    return all(inst.feasible[t, s, j, group[j] - 1] for j in np.flatnonzero(group > IDLE))


def valid_groups(inst: LinkSchedulingInstance, t: int) -> NDArray[np.int64]:
    """Every valid link group of slot t as an array [G, J] (small instances only)."""
    options = [
        [IDLE] + [k + 1 for k in np.flatnonzero(inst.feasible[t, :, j, :].any(axis=0))]
        for j in range(inst.n_transmitters)
    ]
    groups = [np.array(g, dtype=np.int64) for g in itertools.product(*options)]
    return np.array([g for g in groups if is_valid_group(inst, t, g)], dtype=np.int64)


def brute_force(inst: LinkSchedulingInstance) -> tuple[NDArray[np.int64], float]:
    """Exact optimum by enumerating every schedule (tiny instances only)."""
    objective = Objective(inst)
    per_slot = [valid_groups(inst, t) for t in range(inst.n_slots)]
    best, best_sched = np.inf, None
    for combo in itertools.product(*[range(len(g)) for g in per_slot]):
        sched = np.array([per_slot[t][i] for t, i in enumerate(combo)])
        val = objective(replay_delivered(inst, sched))
        if val < best:
            best, best_sched = val, sched
    return best_sched, float(best)
