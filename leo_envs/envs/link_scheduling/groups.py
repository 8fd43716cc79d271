"""The link-group and objective API of LinkScheduling-v0 (paper 002, eqs. 12-15, 19-20).

One implementation of each rule, used by the env, the vector env, the instance, the
baselines and agents (nothing here imports ``baselines``):

* a *link group* is an integer vector ``a`` of length J (one entry per transmitter, in
  ``TRANSMITTERS`` order): ``a[j] = IDLE = 0`` leaves transmitter j idle, ``a[j] = k + 1``
  makes it serve device k; a *schedule* is a [T, J] array of groups;
* a group is *valid* in slot t when every link is eligible (kind, presence), no device is
  served twice (unicast, eq. 12) and every link meets its SINR threshold (20b) under the
  interference of the group's active C-band transmitters; ``repair_group`` drops, in this
  order, ineligible links, later duplicates (LEO, BS, TST1, TST2 priority) and the links
  below threshold under the remaining group, and a group is valid exactly when repair
  leaves it unchanged (``is_valid_group``); ``valid_groups`` enumerates a slot's groups;
* ``apply_group`` / ``replay`` give the delivered bits (eq. 15, capped at the demand);
* the objective (eq. 19/20a, normalised) is computed by ``objective_from_totals`` from the
  served count and the weighted shortfall; ``objective_terms`` builds those totals from
  delivered bits. ``Objective`` is the same function in per-device separable form for
  searches that score many candidate links (greedy, local search, ADMM-HEU).

Interference depends only on which C-band transmitters radiate, so instance-level rules
read the instance's per-pattern tables ``rate_bits`` / ``feasible`` [T, S, J, K], S the
bitmask of the active C-band transmitters (bit i = i-th C-band transmitter in index order,
``active_set_indices``). The env evaluates the same rules on its channel state
(``dynamics.LinkDynamics`` in batch, ``episode.SingleEpisode`` on scalars, with the same IEEE
operations; tests assert the three agree bit for bit).
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:  # the instance module imports this one
    from leo_envs.envs.link_scheduling.instance import LinkSchedulingInstance

IDLE = 0


# ---------------------------------------------------------------------------- patterns
def c_band_bits(band: NDArray[np.int64]) -> NDArray[np.int64]:
    """[J] value of each transmitter's bit in the active-set mask S (0 for Ka ones)."""
    band = np.asarray(band)
    bits = np.zeros(band.size, dtype=np.int64)
    c_idx = np.flatnonzero(band == 1)
    bits[c_idx] = 1 << np.arange(c_idx.size, dtype=np.int64)
    return bits


def active_set_indices(groups: NDArray[np.int64], band: NDArray[np.int64]) -> NDArray[np.int64]:
    """Bitmask index S of the active C-band transmitters for each group in [..., J]."""
    c_idx = np.flatnonzero(np.asarray(band) == 1)
    bits = (np.asarray(groups)[..., c_idx] > IDLE).astype(np.int64)
    return (bits << np.arange(c_idx.size, dtype=np.int64)).sum(axis=-1)


def subset_activity(band: NDArray[np.int64]) -> NDArray[np.bool_]:
    """[S, J] which transmitters radiate in subset S (Ka transmitters always 'may')."""
    band = np.asarray(band)
    c_idx = np.flatnonzero(band == 1)
    n_subsets = 1 << c_idx.size
    active = np.ones((n_subsets, band.size), dtype=bool)
    for bit, j in enumerate(c_idx):
        active[:, j] = (np.arange(n_subsets) >> bit) & 1 == 1
    return active


# ---------------------------------------------------------------------------- objective
def objective_from_totals(
    n_served: Any,
    n_present: Any,
    shortfall: Any,
    weighted_demand: Any,
    served_term_weight: float,
    data_term_weight: float,
) -> tuple[Any, Any, Any]:
    """(objective, served_gap_term, data_gap_term) of eq. (19)/(20a), normalised.

    served_gap_term = ((Kp - n_served) / Kp)^2 and data_gap_term = shortfall / W with
    shortfall = sum_k w_k (D_k - b_k)^2 >= 0 and W = sum_k w_k D_k^2 over the Kp present
    devices; the caller passes Kp >= 1 and W > 0 (``max(., 1)``, ``max(., 1e-300)``).
    Plain arithmetic only, so Python floats (the single env) and numpy arrays (the vector
    env, the instance) give the same bits.
    """
    gap = (n_present - n_served) / n_present
    served_gap = gap * gap
    data_gap = shortfall / weighted_demand
    objective = served_term_weight * served_gap + data_term_weight * data_gap
    return objective, served_gap, data_gap


def objective_terms(
    delivered_bits: NDArray[np.float64],
    present: NDArray[np.bool_],
    demand_bits: NDArray[np.float64],
    threshold_bits: NDArray[np.float64],
    weight: NDArray[np.float64],
    served_term_weight: float,
    data_term_weight: float,
) -> dict[str, NDArray[np.float64]]:
    """Objective terms of delivered bits b [..., K] (capped at the demand D), any leading
    batch axes: ``objective``, ``served_gap_term``, ``data_gap_term``, ``served_devices``
    (present devices with b_k >= D_th_k), ``present_devices`` (Kp, at least 1)."""
    n_present = np.maximum(present.sum(axis=-1), 1)
    n_served = (present & (delivered_bits >= threshold_bits)).sum(axis=-1)
    short = np.where(present, np.maximum(demand_bits - delivered_bits, 0.0), 0.0)
    weighted_demand = np.where(present, weight * demand_bits**2, 0.0).sum(axis=-1)
    objective, served_gap, data_gap = objective_from_totals(
        n_served,
        n_present,
        (weight * short**2).sum(axis=-1),
        np.maximum(weighted_demand, 1e-300),
        served_term_weight,
        data_term_weight,
    )
    return {
        "objective": objective,
        "served_gap_term": served_gap,
        "data_gap_term": data_gap,
        "served_devices": n_served.astype(np.float64),
        "present_devices": n_present.astype(np.float64),
    }


def instance_objective_terms(
    instance: LinkSchedulingInstance, delivered_bits: NDArray[np.float64]
) -> dict[str, float]:
    """``objective_terms`` of one instance's delivered bits [K], as floats."""
    terms = objective_terms(
        delivered_bits,
        instance.present,
        instance.demand_bits,
        instance.threshold_bits,
        instance.weight,
        instance.served_term_weight,
        instance.data_term_weight,
    )
    return {key: float(value) for key, value in terms.items()}


class Objective:
    """The objective U(b) of ``objective_terms`` in per-device separable form, for searches
    that score many candidate links: U(b) = served_term(n(b)) + sum_k data_parts(b)_k with

        served_term(n) = a ((Kp - n) / Kp)^2,  n(b) = #{k present: b_k >= D_th_k},
        data_parts(b)_k = q_k max(0, D_k - b_k)^2,  q_k = c w_k / sum_i w_i D_i^2

    (present devices; a, c the term weights). Equal to ``objective_terms`` up to rounding
    (the data term is summed per device after scaling, not scaled after summing); the
    solvers search with it and report ``instance.score``.
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


# ---------------------------------------------------------------------------- groups
def group_violations(
    instance: LinkSchedulingInstance, t: int, group: NDArray[np.int64]
) -> list[str]:
    """Why ``group`` is not a valid link group in slot t (empty list if valid)."""
    group = np.asarray(group)
    problems: list[str] = []
    if group.shape != (instance.n_transmitters,):
        return [f"group must have shape ({instance.n_transmitters},), got {group.shape}"]
    if np.any(group < 0) or np.any(group > instance.n_devices):
        return [f"entries must lie in [0, {instance.n_devices}], got {group.tolist()}"]
    served = group[group > IDLE]
    if np.unique(served).size != served.size:
        problems.append(f"unicast (12) violated: a device is served twice in {group.tolist()}")
    s = instance.active_set_index(group)
    for j in np.flatnonzero(group > IDLE):
        k = group[j] - 1
        if not instance.eligible[j, k]:
            problems.append(f"{instance.transmitters[j]} may not serve device {k} (kind or absent)")
        elif not instance.feasible[t, s, j, k]:
            problems.append(f"{instance.transmitters[j]} -> device {k}: SINR below threshold (20b)")
    return problems


def check_schedule(instance: LinkSchedulingInstance, schedule: NDArray[np.int64]) -> None:
    """Raise ``ValueError`` naming the slot and constraint if ``schedule`` is invalid."""
    expected = (instance.n_slots, instance.n_transmitters)
    if schedule.shape != expected:
        raise ValueError(f"schedule must have shape {expected}, got {schedule.shape}")
    for t in range(expected[0]):
        problems = group_violations(instance, t, schedule[t])
        if problems:
            raise ValueError(f"schedule slot {t}: " + "; ".join(problems))


def repair_group(
    instance: LinkSchedulingInstance, t: int, group: NDArray[np.int64]
) -> NDArray[np.int64]:
    """The valid group of slot t that the env plays for ``group`` (``invalid_action="repair"``):
    drop ineligible links, then later duplicates (unicast, LEO, BS, TST1, TST2 priority), then
    every link whose SINR is below threshold under the remaining group's interference.
    Dropping links only lowers interference, so one pass leaves a valid group."""
    out = np.array(group, dtype=np.int64)
    kept: set[int] = set()
    for j in np.flatnonzero(out > IDLE):
        k = int(out[j])
        if not instance.eligible[j, k - 1] or k in kept:
            out[j] = IDLE
        else:
            kept.add(k)
    s = instance.active_set_index(out)
    feasible = instance.feasible[t, s]
    for j in np.flatnonzero(out > IDLE):
        if not feasible[j, out[j] - 1]:
            out[j] = IDLE
    return out


def is_valid_group(instance: LinkSchedulingInstance, t: int, group: NDArray[np.int64]) -> bool:
    """Whether ``group`` is a valid link group of slot t (``repair_group`` keeps it)."""
    return bool(np.array_equal(repair_group(instance, t, group), group))


def valid_groups(instance: LinkSchedulingInstance, t: int) -> NDArray[np.int64]:
    """Every valid link group of slot t as an array [G, J] in lexicographic order, the
    all-idle group first (enumerates the product of the links allowed under some pattern:
    small instances only)."""
    options = [
        [IDLE] + [k + 1 for k in np.flatnonzero(instance.feasible[t, :, j, :].any(axis=0))]
        for j in range(instance.n_transmitters)
    ]
    groups = [np.array(g, dtype=np.int64) for g in itertools.product(*options)]
    return np.array([g for g in groups if is_valid_group(instance, t, g)], dtype=np.int64).reshape(
        -1, instance.n_transmitters
    )


def apply_group(
    instance: LinkSchedulingInstance,
    t: int,
    group: NDArray[np.int64],
    delivered_bits: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Delivered bits after playing a (valid) ``group`` in slot t, capped at the demand."""
    s = instance.active_set_index(group)
    out = delivered_bits.copy()
    for j in np.flatnonzero(np.asarray(group) > IDLE):
        k = group[j] - 1
        out[k] += instance.rate_bits[t, s, j, k]
    return np.minimum(out, instance.demand_bits)


def replay(instance: LinkSchedulingInstance, schedule: NDArray[np.int64]) -> NDArray[np.float64]:
    """Bits delivered to each device by a (valid) [T', J] schedule of slots 0..T'-1."""
    delivered = np.zeros(instance.n_devices)
    for t in range(schedule.shape[0]):
        delivered = apply_group(instance, t, schedule[t], delivered)
    return delivered
