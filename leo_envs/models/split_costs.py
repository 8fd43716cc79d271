"""Per-cut cost arrays of a profiled chain model: what each split decision costs.

Two accountings, one per paper (spec ``split_inference.md`` sections 2-3):

* 004 (:func:`cut_processing_energy_j`): the server holds a copy of the model; cutting after
  unit l costs the client the computation (eq. 1) and memory (eq. 2) energy of units 1..l
  and sends only unit l's output (eq. 4: 32 bits per element).
* 000 (:func:`tst_split_bits`): the satellite edge server holds no copy; split i >= 1 runs
  units 1..i on the TST and uploads unit i's output *and* the non-zero weights of units
  i+1..I; split 0 runs everything locally and sends nothing. Work is counted in bits
  (delta cycles per bit, eqs. 7-8).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from leo_envs.models.compute_energy import OpEnergies, computation_energy_j, memory_energy_j
from leo_envs.models.split_profiles import BITS_PER_FLOAT, ModelProfile


@dataclass(frozen=True)
class CutEnergies:
    """Client processing energy and payload of each cut (arrays [n_cuts], J and bits).

    ``names[c]`` is the unit whose output is sent (``"input"`` for raw offload).
    ``processing_j = computation_j + memory_j`` (E_p of 004 Table III).
    """

    names: tuple[str, ...]
    computation_j: NDArray[np.float64]
    memory_j: NDArray[np.float64]
    payload_bits: NDArray[np.float64]

    @property
    def processing_j(self) -> NDArray[np.float64]:
        return self.computation_j + self.memory_j


def cut_processing_energy_j(
    profile: ModelProfile, energies: OpEnergies, *, include_raw: bool = False
) -> CutEnergies:
    """004 eqs. (1)-(2) cumulated over units 1..l, and eq. (4)'s payload, for every cut l.

    With ``include_raw`` a cut 0 (send the raw input, compute nothing) comes first.
    """
    ec = np.cumsum(
        computation_energy_j(
            profile.counts("mults"), profile.counts("adds"), energies.mult_j, energies.add_j
        )
    )
    em = np.cumsum(memory_energy_j(profile.counts("params_nnz"), energies.mem_element_j))
    bits = profile.output_bits().astype(np.float64)
    names = profile.unit_names
    if include_raw:
        ec = np.concatenate([[0.0], ec])
        em = np.concatenate([[0.0], em])
        bits = np.concatenate([[float(BITS_PER_FLOAT * profile.input_elems)], bits])
        names = ("input", *names)
    return CutEnergies(names, ec, em, bits)


@dataclass(frozen=True)
class SplitBits:
    """M_b^loc(i) and M_b^rem(i) of 000 eqs. (7)-(8) for i = 0..I (arrays [I + 1], bits)."""

    local_bits: NDArray[np.float64]
    remote_bits: NDArray[np.float64]
    names: tuple[str, ...]


def tst_split_bits(profile: ModelProfile) -> SplitBits:
    """000's split accounting: i = 0 all local (nothing sent); i >= 1 layers 1..i local.

    M^loc(0) = sum_l w_l, M^rem(0) = 0; for i >= 1: M^loc(i) = sum_{l <= i} w_l and
    M^rem(i) = o_i + sum_{l > i} w_l (activation plus the remaining pruned weights).
    """
    w = profile.weight_bits().astype(np.float64)
    o = profile.output_bits().astype(np.float64)
    cum = np.cumsum(w)
    total = cum[-1]
    local = np.concatenate([[total], cum])
    remote = np.concatenate([[0.0], o + (total - cum)])
    names = ("local", *(f"after_{n}" for n in profile.unit_names))
    return SplitBits(local, remote, names)
