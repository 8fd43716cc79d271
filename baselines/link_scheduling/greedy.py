"""GRD: incremental greedy link-group construction (paper 002's GRD baseline, after Jiang et
al., arXiv:1711.06915).

Per slot t, starting from the empty group and the bits delivered so far, repeatedly add the
feasible link (j, k) with the largest decrease of the objective U; a link is feasible when
device k is free (unicast), transmitter j is free, and the link *and every link already in
the group* meet their SINR threshold under the new set of active C-band transmitters (a new
C-band link adds interference to the chosen ones). Stop when no link decreases U, play the
group, update the delivered bits, go to the next slot. Myopic: it never looks ahead.

Candidate evaluation is vectorised over devices (one numpy pass per transmitter).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from numpy.typing import NDArray

from leo_envs.envs.link_scheduling.groups import IDLE, Objective, apply_group, c_band_bits
from leo_envs.envs.link_scheduling.instance import LinkSchedulingInstance

_EPS = 1e-15  # a link must decrease U by more than this to be added


def greedy_group(
    inst: LinkSchedulingInstance,
    t: int,
    delivered: NDArray[np.float64],
    objective: Objective | None = None,
) -> NDArray[np.int64]:
    """The greedy link group of slot t given the bits delivered so far."""
    obj = objective if objective is not None else Objective(inst)
    n_tx, n_dev = inst.n_transmitters, inst.n_devices
    bits = c_band_bits(inst.band)
    demand = inst.demand_bits
    group = np.zeros(n_tx, dtype=np.int64)
    current = obj(delivered)
    while True:
        best_val, best_j, best_k = current - _EPS, -1, -1
        s_now = inst.active_set_index(group)
        taken = np.zeros(n_dev, dtype=bool)
        taken[group[group > IDLE] - 1] = True
        for j in np.flatnonzero(group == IDLE):
            s_new = s_now | int(bits[j])
            # the links already chosen must stay feasible under the new interference
            base = delivered.copy()
            ok = True
            for jj in np.flatnonzero(group > IDLE):
                kk = group[jj] - 1
                if not inst.feasible[t, s_new, jj, kk]:
                    ok = False
                    break
                base[kk] += inst.rate_bits[t, s_new, jj, kk]
            if not ok:
                continue
            base = np.minimum(base, demand)
            cand = inst.feasible[t, s_new, j] & ~taken
            if not cand.any():
                continue
            served_base = obj.served(base)
            n_base = int(served_base.sum())
            parts = obj.data_parts(base)
            data_base = float(parts.sum())
            new_b = np.minimum(base + inst.rate_bits[t, s_new, j], demand)
            new_served = obj.served(new_b)
            n_new = n_base + (new_served & ~served_base).astype(np.int64)
            vals = obj.served_term(n_new) + data_base - parts + obj.data_parts(new_b)
            vals = np.where(cand, vals, np.inf)
            k = int(np.argmin(vals))
            if vals[k] < best_val:
                best_val, best_j, best_k = float(vals[k]), int(j), k
        if best_j < 0:
            return group
        group[best_j] = best_k + 1
        current = best_val


def greedy_schedule(inst: LinkSchedulingInstance) -> NDArray[np.int64]:
    """Play GRD slot by slot on the instance; returns the [T, J] schedule."""
    obj = Objective(inst)
    delivered = np.zeros(inst.n_devices)
    schedule = np.zeros((inst.n_slots, inst.n_transmitters), dtype=np.int64)
    for t in range(inst.n_slots):
        schedule[t] = greedy_group(inst, t, delivered, obj)
        delivered = apply_group(inst, t, schedule[t], delivered)
    return schedule


class Greedy:
    """GRD baseline. ``plan(instance)`` simulates the whole episode; ``act`` plays the same
    myopic rule online from the instance stored at ``reset(env)`` and the bits its own
    (valid, hence unrepaired) actions delivered."""

    name = "GRD"
    is_exact = False

    def __init__(self) -> None:
        self._inst: LinkSchedulingInstance | None = None
        self._obj: Objective | None = None
        self._delivered: NDArray[np.float64] | None = None
        self.last_plan_time_s = float("nan")

    def reset(self, env: Any) -> None:
        self._inst = env.instance()
        self._obj = Objective(self._inst)
        self._delivered = np.zeros(self._inst.n_devices)

    def plan(self, instance: LinkSchedulingInstance) -> NDArray[np.int64]:
        t0 = time.perf_counter()
        out = greedy_schedule(instance)
        self.last_plan_time_s = time.perf_counter() - t0
        return out

    def act(self, obs: Any, info: dict[str, Any]) -> NDArray[np.int64]:
        if self._inst is None:
            raise RuntimeError("Greedy.act needs reset(env) first (it plans on env.instance())")
        t = int(info.get("slot", 0))
        group = greedy_group(self._inst, t, self._delivered, self._obj)
        self._delivered = apply_group(self._inst, t, group, self._delivered)
        return group
