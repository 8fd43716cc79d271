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
The rules on groups (validity, repair, apply, objective) live in ``groups``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from leo_envs.envs.link_scheduling.groups import (
    IDLE,
    active_set_indices,
    check_schedule,
    instance_objective_terms,
    replay,
    subset_activity,
)
from leo_envs.models.links import bits_per_slot, sinr_linear

__all__ = ["IDLE", "LinkSchedulingInstance", "check_schedule", "link_tables"]


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
            self.gain,
            self.tx_power_w,
            self.bandwidth_hz,
            self.noise_w,
            self.band,
            self.eligible,
            self.sinr_threshold,
            self.slot_s,
        )
        object.__setattr__(self, "rate_bits", rate_bits)
        object.__setattr__(self, "feasible", feasible)
        for name in (
            "band",
            "gain",
            "tx_power_w",
            "bandwidth_hz",
            "noise_w",
            "eligible",
            "present",
            "demand_bits",
            "threshold_bits",
            "weight",
            "sinr_threshold",
            "rate_bits",
            "feasible",
        ):
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
        return replay(self, schedule)

    def score(self, schedule: NDArray[np.int64]) -> dict[str, float]:
        """Objective terms (eq. 19/20a, normalised) of a valid [T, J] schedule."""
        return instance_objective_terms(self, self.schedule_delivered_bits(schedule))


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
