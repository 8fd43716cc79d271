"""The LinkScheduling problem instance: everything an offline solver needs for one episode.

A *link group* (paper 002, eqs. 12-13) is written as an integer vector ``a`` of length J
(one entry per transmitter, in ``TRANSMITTERS`` order): ``a[j] = 0`` leaves transmitter j
idle, ``a[j] = k + 1`` makes it serve device k. A *schedule* is a [T, J] array of groups.

Interference depends only on which C-band transmitters radiate, not on whom they serve, so
the instance precomputes, for every slot t and every subset S of active C-band transmitters
(bitmask, bit i = i-th C-band transmitter), the bits each link j -> k would deliver
(``rate_bits[t, S, j, k]``) and whether that link is allowed (``feasible``: kind
eligibility, presence, and SINR >= threshold, constraint (20b)). Solvers plan on these
tables; the env scores with the same tables, so every method is measured identically.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from leo_envs.models.links import bits_per_slot, sinr_linear

IDLE = 0


@dataclass(frozen=True, eq=False)
class LinkSchedulingInstance:
    """One episode of LinkScheduling-v0 (arrays are read-only).

    Attributes (J transmitters, K device slots, T time slots, S = 2**n_c C-band subsets):
        transmitters: names, e.g. ``("LEO", "BS", "TST1", "TST2")``.
        band: [J] 0 = Ka, 1 = C.
        slot_s: slot duration (s).
        gain: [T, J, K] channel power gains h incl. antenna gains (eq. 3), linear.
        tx_power_w, bandwidth_hz, noise_w: [J] in W, Hz, W.
        eligible: [J, K] kind eligibility and presence of each link.
        present: [K] device slot occupied.
        demand_bits: [K] requested data D_k (bit).
        threshold_bits: [K] served threshold D_k^th (bit).
        weight: [K] priority weights w_k (dimensionless; normalised in the objective).
        sinr_threshold: [K] gamma_k^th, linear.
        served_term_weight, data_term_weight: weights of the two normalised objective terms.
        rate_bits: [T, S, J, K] bits delivered by link j->k in slot t under active set S.
        feasible: [T, S, J, K] link allowed in slot t under active set S.
    """

    transmitters: tuple[str, ...]
    band: NDArray[np.int64]
    slot_s: float
    gain: NDArray[np.float64]
    tx_power_w: NDArray[np.float64]
    bandwidth_hz: NDArray[np.float64]
    noise_w: NDArray[np.float64]
    eligible: NDArray[np.bool_]
    present: NDArray[np.bool_]
    demand_bits: NDArray[np.float64]
    threshold_bits: NDArray[np.float64]
    weight: NDArray[np.float64]
    sinr_threshold: NDArray[np.float64]
    served_term_weight: float = 1.0
    data_term_weight: float = 1.0
    rate_bits: NDArray[np.float64] = field(init=False, repr=False)
    feasible: NDArray[np.bool_] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        rate_bits, feasible = link_tables(
            self.gain, self.tx_power_w, self.bandwidth_hz, self.noise_w, self.band,
            self.eligible, self.sinr_threshold, self.slot_s,
        )
        object.__setattr__(self, "rate_bits", rate_bits)
        object.__setattr__(self, "feasible", feasible)
        for name in ("band", "gain", "tx_power_w", "bandwidth_hz", "noise_w", "eligible",
                     "present", "demand_bits", "threshold_bits", "weight", "sinr_threshold",
                     "rate_bits", "feasible"):
            getattr(self, name).setflags(write=False)

    @property
    def n_slots(self) -> int:
        return int(self.gain.shape[0])

    @property
    def n_transmitters(self) -> int:
        return int(self.gain.shape[1])

    @property
    def n_devices(self) -> int:
        """Device slots K (including absent ones; see ``present``)."""
        return int(self.gain.shape[2])

    @property
    def c_band_transmitters(self) -> NDArray[np.int64]:
        return np.flatnonzero(self.band == 1)

    def active_set_index(self, group: NDArray[np.int64]) -> int:
        """Bitmask index S of the C-band transmitters active in ``group``."""
        return int(active_set_indices(np.asarray(group)[None], self.band)[0])

    def schedule_delivered_bits(self, schedule: NDArray[np.int64]) -> NDArray[np.float64]:
        """Bits delivered to each device by a valid schedule, capped at the demand."""
        schedule = np.asarray(schedule, dtype=np.int64)
        check_schedule(self, schedule)
        delivered = np.zeros(self.n_devices)
        for t in range(schedule.shape[0]):
            delivered = apply_group(self, t, schedule[t], delivered)
        return delivered

    def score(self, schedule: NDArray[np.int64]) -> dict[str, float]:
        """Objective terms (eq. 19/20a, normalised) of a valid [T, J] schedule."""
        return objective_terms(self, self.schedule_delivered_bits(schedule))


def active_set_indices(groups: NDArray[np.int64], band: NDArray[np.int64]) -> NDArray[np.int64]:
    """Bitmask index of the active C-band transmitters for each group in [..., J]."""
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


def link_tables(
    gain: NDArray[np.float64],
    tx_power_w: NDArray[np.float64],
    bandwidth_hz: NDArray[np.float64],
    noise_w: NDArray[np.float64],
    band: NDArray[np.int64],
    eligible: NDArray[np.bool_],
    sinr_threshold: NDArray[np.float64],
    slot_s: float,
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Per-(slot, C-subset, link) bits (eqs. 14-15) and feasibility (eq. 20b).

    ``gain`` may carry leading batch axes: [..., T, J, K] gives [..., T, S, J, K].
    """
    active = subset_activity(band)  # [S, J]
    sinr = sinr_linear(gain[..., :, None, :, :], tx_power_w, noise_w, band, active)
    feasible = (
        active[:, :, None]
        & eligible[..., None, None, :, :]
        & (sinr >= sinr_threshold[..., None, None, None, :])
    )
    rate = np.where(feasible, bits_per_slot(bandwidth_hz[:, None], sinr, slot_s), 0.0)
    return rate, feasible


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
            problems.append(
                f"{instance.transmitters[j]} may not serve device {k} (kind or absent)"
            )
        elif not instance.feasible[t, s, j, k]:
            problems.append(
                f"{instance.transmitters[j]} -> device {k}: SINR below threshold (20b)"
            )
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


def apply_group(
    instance: LinkSchedulingInstance,
    t: int,
    group: NDArray[np.int64],
    delivered_bits: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Delivered bits after scheduling a (valid) ``group`` in slot t, capped at demand."""
    s = instance.active_set_index(group)
    out = delivered_bits.copy()
    for j in np.flatnonzero(np.asarray(group) > IDLE):
        k = group[j] - 1
        out[k] += instance.rate_bits[t, s, j, k]
    return np.minimum(out, instance.demand_bits)


def objective_terms(
    instance: LinkSchedulingInstance, delivered_bits: NDArray[np.float64]
) -> dict[str, float]:
    """Normalised objective of eq. (19)/(20a) for delivered bits b (capped at demand).

    served_gap_term = ((K - sum_k y_k) / K)^2 with y_k = 1(b_k >= D_k^th), K present devices;
    data_gap_term = sum_k w_k (D_k - b_k)^2 / sum_k w_k D_k^2. Both lie in [0, 1].
    """
    terms = objective_terms_batch(
        delivered_bits[None], instance.present[None], instance.demand_bits[None],
        instance.threshold_bits[None], instance.weight[None],
        instance.served_term_weight, instance.data_term_weight,
    )
    return {key: float(value[0]) for key, value in terms.items()}


def objective_terms_batch(
    delivered_bits: NDArray[np.float64],
    present: NDArray[np.bool_],
    demand_bits: NDArray[np.float64],
    threshold_bits: NDArray[np.float64],
    weight: NDArray[np.float64],
    served_term_weight: float,
    data_term_weight: float,
) -> dict[str, NDArray[np.float64]]:
    """``objective_terms`` over a leading batch axis ([B, K] arrays)."""
    n_present = np.maximum(present.sum(axis=-1), 1)
    served = present & (delivered_bits >= threshold_bits)
    n_served = served.sum(axis=-1)
    served_gap = ((n_present - n_served) / n_present) ** 2
    shortfall = np.where(present, np.maximum(demand_bits - delivered_bits, 0.0), 0.0)
    weighted_demand = np.where(present, weight * demand_bits**2, 0.0).sum(axis=-1)
    data_gap = (weight * shortfall**2).sum(axis=-1) / np.maximum(weighted_demand, 1e-300)
    objective = served_term_weight * served_gap + data_term_weight * data_gap
    return {
        "objective": objective,
        "served_gap_term": served_gap,
        "data_gap_term": data_gap,
        "served_devices": n_served.astype(np.float64),
        "present_devices": n_present.astype(np.float64),
    }
