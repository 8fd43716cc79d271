"""Split selectors of papers 000 (Alg. 1) and 004 (PS), as pure functions on a profile.

Both read only what the agent observes (rate, power, tolerance) and the shipped profile; the
env alone scores the decision. ``leo_envs.models`` supplies every physics term, so the
selectors and the env compute the same numbers by the same functions.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from leo_envs.models.compute_energy import (
    OpEnergies,
    split_terms,
    transmission_energy_j,
    upload_time_s,
)
from leo_envs.models.split_costs import cut_processing_energy_j, tst_split_bits
from leo_envs.models.split_profiles import ModelProfile


def alg1_costs(
    profile: ModelProfile,
    rate_bps: float,
    tx_power_w: float,
    *,
    alpha: float = 1.0,
    beta: float = 1.0,
    distance_m: float = 780e3,
    cycles_per_bit: float = 120.0,
    tst_hz: float = 0.3e9,
    sec_hz: float = 3e9,
    chip_coeff: float = 1e-26,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(cost_i = alpha t_i + beta e_i, upload time M_rem(i)/R) for i = 0..I, 000 eqs. (7)-(8)."""
    bits = tst_split_bits(profile)
    terms = split_terms(
        bits.local_bits, bits.remote_bits, rate_bps=rate_bps, tx_power_w=tx_power_w,
        distance_m=distance_m, cycles_per_bit=cycles_per_bit, tst_hz=tst_hz, sec_hz=sec_hz,
        chip_coeff=chip_coeff,
    )  # fmt: skip
    return alpha * terms.t_s + beta * terms.e_j, upload_time_s(bits.remote_bits, rate_bps)


def alg1_select(
    profile: ModelProfile,
    rate_bps: float,
    tx_power_w: float,
    tolerance_s: float,
    *,
    accuracy: float | None = None,
    min_accuracy: float = 0.9,
    **kwargs: float,
) -> int | None:
    """000 Alg. 1: argmin_i cost_i s.t. M_rem(i)/R <= tolerance (i = 0 always feasible).

    Returns None when the model's accuracy does not exceed ``min_accuracy`` (Alg. 1's NULL).
    Ties go to the smaller i.
    """
    acc = profile.metrics.get("accuracy", np.nan) if accuracy is None else accuracy
    if not acc > min_accuracy:
        return None
    cost, t_up = alg1_costs(profile, rate_bps, tx_power_w, **kwargs)
    feasible = t_up <= tolerance_s
    feasible[0] = True
    return int(np.argmin(np.where(feasible, cost, np.inf)))


def ps_energies(
    profile: ModelProfile,
    energies: OpEnergies,
    rate_bps: float,
    tx_power_w: float,
    *,
    include_raw: bool = False,
) -> NDArray[np.float64]:
    """004 eq. (6) for every cut: E_l = E_c,l + E_m,l + P 32 d_l / R."""
    cuts = cut_processing_energy_j(profile, energies, include_raw=include_raw)
    e_tx = transmission_energy_j(tx_power_w, upload_time_s(cuts.payload_bits, rate_bps))
    return cuts.processing_j + e_tx


def ps_select(profile: ModelProfile, energies: OpEnergies, rate_bps: float, tx_power_w: float,
              *, include_raw: bool = False) -> int:  # fmt: skip
    """004 PS: the cut of least total client energy for the observed channel."""
    return int(np.argmin(ps_energies(profile, energies, rate_bps, tx_power_w,
                                     include_raw=include_raw)))  # fmt: skip
