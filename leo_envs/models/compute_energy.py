"""Energy and latency of on-device computation and of offloading (papers 004 and 000).

Paper 004 (Krouka et al., PIMRC 2021), per inference on the client:

* eq. (1) computation ``E_c = e_M M + e_A A`` -> :func:`computation_energy_j`
* eq. (2) memory access ``E_m = Gamma e_m`` -> :func:`memory_energy_j`
* eq. (3) rate ``R = W log2(1 + P |h|^2 / (N_0 W))`` -> :func:`snr_linear` and
  ``leo_envs.models.links.shannon_rate_bps``
* eq. (4) upload time with block fading ``tau = 32 d / R`` -> :func:`upload_time_s`
* eq. (5) ``E_tr = P tau`` (the seed's extra factor tau is a typo, spec section 3)
  -> :func:`transmission_energy_j`
* eq. (6) ``E = E_c + E_m + E_tr`` (sum of the above).

Paper 000 (Zheng et al., pruning-split LSTM), with delta cycles per bit and chip
coefficient epsilon:

* eqs. (1)/(3) CPU time ``t = delta m / f`` -> :func:`cpu_time_s`
* eq. (2) CPU energy ``E = epsilon f^3 t = epsilon delta m f^2`` -> :func:`cpu_energy_j`
* eq. (4) two-way propagation ``2 h / c_0`` -> :func:`propagation_delay_s`
* eqs. (7)/(8) latency and TST energy of split i -> :func:`split_latency_s`, :func:`split_energy_j`.

Per-operation energies come from one table, ``leo_envs/data/split_inference/energy_45nm.json``,
where every entry carries its source (Horowitz's 45 nm values as printed in 004 Tables I-II;
the fitted per-element memory energy is marked "estimated").
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from leo_envs.models.channels import SPEED_OF_LIGHT_M_S
from leo_envs.models.split_profiles import BITS_PER_FLOAT, data_path

JOULES_PER_KWH = 3.6e6


# ---- the energy table -----------------------------------------------------------------------
@lru_cache(maxsize=1)
def _energy_table_raw() -> dict[str, Any]:
    return json.loads(data_path("energy_45nm.json").read_text())


def energy_table() -> dict[str, Any]:
    """The shipped 45 nm energy table (a fresh copy; every entry has a ``source``)."""
    return json.loads(json.dumps(_energy_table_raw()))


@dataclass(frozen=True)
class OpEnergies:
    """Energy per multiply, per add and per fetched parameter element, in joules."""

    mult_j: float
    add_j: float
    mem_element_j: float

    def __post_init__(self) -> None:
        for name in ("mult_j", "add_j", "mem_element_j"):
            v = getattr(self, name)
            if not np.isfinite(v) or v < 0:
                raise ValueError(f"{name} must be finite and >= 0, got {v}")


def op_energies(precision: str = "fp32", memory: str = "dram_fp32_fitted") -> OpEnergies:
    """Per-op energies from the table: ``precision`` of 004 Table I, ``memory`` per element.

    ``memory`` may name a per-element entry (``dram_fp32_fitted``) or a 64-bit access entry
    of Table II (``sram_8kb`` ... ``dram_max``), which is scaled to one 32-bit element.
    """
    table = _energy_table_raw()
    arith = table["arithmetic"]
    if precision not in arith:
        raise ValueError(f"precision must be one of {sorted(arith)}, got {precision!r}")
    per_el = table["memory_per_element"]
    per_access = table["memory_access_64bit"]
    if memory in per_el:
        mem_j = per_el[memory]["access_j"]
    elif memory in per_access:
        mem_j = per_access[memory]["access_j"] * BITS_PER_FLOAT / per_access[memory]["access_bits"]
    else:
        raise ValueError(
            f"memory must be one of {sorted(per_el) + sorted(per_access)}, got {memory!r}"
        )
    return OpEnergies(arith[precision]["mult_j"], arith[precision]["add_j"], mem_j)


# ---- paper 004 ------------------------------------------------------------------------------
def computation_energy_j(mults: ArrayLike, adds: ArrayLike, mult_j: float, add_j: float):
    """004 eq. (1): E_c = e_M M + e_A A, in J."""
    return mult_j * np.asarray(mults, dtype=np.float64) + add_j * np.asarray(adds, dtype=np.float64)


def memory_energy_j(elements_fetched: ArrayLike, mem_element_j: float) -> NDArray[np.float64]:
    """004 eq. (2): E_m = Gamma e_m, Gamma = parameter elements fetched (non-zeros), in J."""
    return mem_element_j * np.asarray(elements_fetched, dtype=np.float64)


def snr_linear(
    power_w: ArrayLike, channel_gain: ArrayLike, noise_psd_w_hz: ArrayLike, bandwidth_hz: ArrayLike
) -> NDArray[np.float64]:
    """Receive SNR P |h|^2 / (N_0 W) of 004 eq. (3) (and 000 eq. (5) with N_0 B_b)."""
    p = np.asarray(power_w, dtype=np.float64)
    return (
        p
        * np.asarray(channel_gain, dtype=np.float64)
        / (
            np.asarray(noise_psd_w_hz, dtype=np.float64)
            * np.asarray(bandwidth_hz, dtype=np.float64)
        )
    )


def upload_time_s(payload_bits: ArrayLike, rate_bps: ArrayLike) -> NDArray[np.float64]:
    """004 eq. (4) under block fading (Remark 1): tau = bits / R, in s (0 bits -> 0 s)."""
    bits = np.asarray(payload_bits, dtype=np.float64)
    rate = np.asarray(rate_bps, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(bits > 0, bits / rate, 0.0)


def transmission_energy_j(power_w: ArrayLike, time_s: ArrayLike) -> NDArray[np.float64]:
    """004 eq. (5) read as E_tr = integral of P over [0, tau] = P tau (constant P), in J."""
    return np.asarray(power_w, dtype=np.float64) * np.asarray(time_s, dtype=np.float64)


def co2_kg(energy_j: ArrayLike, carbon_intensity_kg_per_kwh: float = 0.275):
    """CO2 equivalent of an energy: E / 3.6e6 * CI (004 Sec. IV, EU average CI = 0.275)."""
    return np.asarray(energy_j, dtype=np.float64) / JOULES_PER_KWH * carbon_intensity_kg_per_kwh


# ---- paper 000 ------------------------------------------------------------------------------
def cpu_time_s(bits: ArrayLike, cycles_per_bit: float, cpu_hz: float) -> NDArray[np.float64]:
    """000 eqs. (1)/(3): t = delta m / f, in s."""
    return cycles_per_bit * np.asarray(bits, dtype=np.float64) / cpu_hz


def cpu_energy_j(
    bits: ArrayLike, cycles_per_bit: float, cpu_hz: float, chip_coeff: float
) -> NDArray[np.float64]:
    """000 eq. (2): E = epsilon delta m f^2 (power epsilon f^3 times t), in J."""
    return chip_coeff * cycles_per_bit * np.asarray(bits, dtype=np.float64) * cpu_hz**2


def propagation_delay_s(distance_m: ArrayLike) -> NDArray[np.float64]:
    """Two-way propagation 2 h / c_0 of 000 eqs. (4) and (7), in s (5.2036 ms at 780 km)."""
    return 2.0 * np.asarray(distance_m, dtype=np.float64) / SPEED_OF_LIGHT_M_S


@dataclass(frozen=True)
class SplitTerms:
    """Latency (s) and TST energy (J) of each split i of 000 eqs. (7)-(8), arrays [n_splits].

    ``t_s = t_local_s + t_remote_s + t_prop_s + t_tx_s`` and ``e_j = e_local_j + e_tx_j``.
    """

    t_local_s: NDArray[np.float64]
    t_remote_s: NDArray[np.float64]
    t_prop_s: NDArray[np.float64]
    t_tx_s: NDArray[np.float64]
    e_local_j: NDArray[np.float64]
    e_tx_j: NDArray[np.float64]

    @property
    def t_s(self) -> NDArray[np.float64]:
        return self.t_local_s + self.t_remote_s + self.t_prop_s + self.t_tx_s

    @property
    def e_j(self) -> NDArray[np.float64]:
        return self.e_local_j + self.e_tx_j


def split_terms(
    local_bits: ArrayLike,
    remote_bits: ArrayLike,
    *,
    rate_bps: ArrayLike,
    tx_power_w: ArrayLike,
    distance_m: float,
    cycles_per_bit: float,
    tst_hz: float,
    sec_hz: float,
    chip_coeff: float,
) -> SplitTerms:
    """000 eqs. (7)-(8) for every split at once (broadcasting over rate/power too).

    ``local_bits`` = M_b^loc(i), ``remote_bits`` = M_b^rem(i) (0 for i = 0, all local:
    then nothing is sent, no propagation, no remote work). Only TST-side energy counts.
    """
    loc = np.asarray(local_bits, dtype=np.float64)
    rem = np.asarray(remote_bits, dtype=np.float64)
    offload = rem > 0
    t_tx = upload_time_s(rem, rate_bps)
    return SplitTerms(
        t_local_s=cpu_time_s(loc, cycles_per_bit, tst_hz),
        t_remote_s=cpu_time_s(rem, cycles_per_bit, sec_hz),
        t_prop_s=np.where(offload, propagation_delay_s(distance_m), 0.0),
        t_tx_s=t_tx,
        e_local_j=cpu_energy_j(loc, cycles_per_bit, tst_hz, chip_coeff),
        e_tx_j=transmission_energy_j(tx_power_w, t_tx),
    )


def split_latency_s(local_bits, remote_bits, **kwargs) -> NDArray[np.float64]:
    """000 eq. (7): latency t_i of each split, in s (see :func:`split_terms`)."""
    return split_terms(local_bits, remote_bits, **kwargs).t_s


def split_energy_j(local_bits, remote_bits, **kwargs) -> NDArray[np.float64]:
    """000 eq. (8): TST energy e_i of each split, in J (see :func:`split_terms`)."""
    return split_terms(local_bits, remote_bits, **kwargs).e_j
