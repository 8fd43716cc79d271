"""First-order finite-state Markov channel (FSMC) of paper 002, eqs. (10)-(11).

A fading power gain is quantised into L levels H_1 < ... < H_L with equiprobable bins of
its stationary distribution, and the L x L matrix P[l, l'] = Pr(H_{t+1} = H_l' | H_t = H_l)
is estimated by counting transitions of a time-correlated fading process (spec section 3,
choice [C]: the paper does not say how P was obtained; Wang & Moayeri give only the
Rayleigh adjacent-level approximation, the counting route also covers Rician LEO links).

Fast sampling: :func:`sampler_tables` turns a list of chains (one per transmitter row)
into inverse-CDF lookup tables, and :func:`fading_paths` drives them with 16-bit uniforms:
each (path, row, device) chain is walked over the slots in one compiled loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numba import njit
from numpy.typing import NDArray
from scipy.special import j0

from leo_envs.models.channels import correlated_complex_fading


def doppler_correlation(doppler_hz: float, slot_s: float) -> float:
    """Amplitude correlation rho = J0(2 pi f_m dt) between consecutive slots (Jakes)."""
    return float(j0(2.0 * np.pi * doppler_hz * slot_s))


@dataclass(frozen=True)
class FiniteStateMarkovChannel:
    """FSMC of eqs. (10)-(11): level power gains (linear, unit mean) and transitions.

    ``thresholds`` has L-1 interior bin edges; ``level_gain`` the conditional mean power
    gain within each bin; ``transition`` is row-stochastic; ``stationary`` its invariant law.
    """

    thresholds: NDArray[np.float64]
    level_gain: NDArray[np.float64]
    transition: NDArray[np.float64]
    stationary: NDArray[np.float64]

    @property
    def n_levels(self) -> int:
        return int(self.level_gain.shape[0])

    def quantise(self, power_gain: NDArray[np.float64]) -> NDArray[np.int64]:
        """Level index (0..L-1) of each linear power gain."""
        return np.searchsorted(self.thresholds, power_gain, side="right").astype(np.int64)


def build_fsmc(
    n_levels: int,
    correlation: float,
    k_factor_db: float | None,
    n_paths: int = 4000,
    n_steps: int = 64,
    seed: int = 0,
) -> FiniteStateMarkovChannel:
    """Estimate an FSMC from simulated AR(1) fading paths (Rayleigh if ``k_factor_db`` is None).

    ``n_paths`` independent paths of ``n_steps`` slots each (started in stationarity).

    Deterministic for a given ``seed``: the chain is a property of the channel statistics,
    not of an episode, so it is built once per configuration.
    """
    if n_levels < 1:
        raise ValueError(f"n_levels must be >= 1, got {n_levels}")
    if not 0.0 <= abs(correlation) <= 1.0:
        raise ValueError(f"correlation must lie in [-1, 1], got {correlation}")
    rng = np.random.default_rng(seed)
    power = np.abs(correlated_complex_fading(rng, n_steps, n_paths, correlation, k_factor_db)) ** 2
    thresholds = np.quantile(power, np.arange(1, n_levels) / n_levels)
    levels = np.searchsorted(thresholds, power, side="right")
    level_gain = np.bincount(levels.ravel(), weights=power.ravel(), minlength=n_levels)
    level_gain /= np.maximum(np.bincount(levels.ravel(), minlength=n_levels), 1)
    counts = np.zeros((n_levels, n_levels))
    np.add.at(counts, (levels[:-1].ravel(), levels[1:].ravel()), 1.0)
    transition = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1.0)
    if abs(correlation) == 1.0:  # static fading (no Doppler): every level is absorbing, so
        # the invariant law is not unique; the paths' own level frequencies are the answer
        stationary = np.bincount(levels[0], minlength=n_levels) / levels.shape[1]
    else:
        eigvals, eigvecs = np.linalg.eig(transition.T)
        stationary = np.real(eigvecs[:, np.argmin(np.abs(eigvals - 1.0))])
        stationary = np.abs(stationary) / np.abs(stationary).sum()
    return FiniteStateMarkovChannel(thresholds, level_gain, transition, stationary)


#: Bits of uniform resolution of the inverse-CDF tables: rows of 2**12 entries keep the
#: tables in L2 cache and realise each transition probability to within 2**-12 = 2.4e-4,
#: below the estimation noise of the counted FSMC.
RESOLUTION_BITS = 12


class SamplerTables(NamedTuple):
    """Inverse-CDF tables of J chains with L levels each (read-only arrays).

    ``start_level`` [J * 2**bits]: the level of each (row, uniform) under the stationary
    law; ``step_level`` [J * L * 2**bits]: the next level of each (row, level, uniform);
    ``level_gain`` [J, L]: the value reported for each row's level (float32).
    """

    start_level: NDArray[np.uint8]
    step_level: NDArray[np.uint8]
    level_gain: NDArray[np.float32]
    n_levels: int


def inverse_cdf_table(cdf: NDArray[np.float64], bits: int = RESOLUTION_BITS) -> NDArray[np.uint8]:
    """[rows * 2**bits] level index of every ``bits``-bit uniform for each row's CDF [rows, L].

    Entry ``u`` of a row is the number of CDF values <= ``(u + 0.5) / 2**bits`` (capped
    at L - 1): the inverse CDF evaluated at the centre of each uniform bin.
    """
    grid = (np.arange(1 << bits) + 0.5) / (1 << bits)
    table = (grid[None, :, None] >= cdf[:, None, :]).sum(axis=2)
    return np.minimum(table, cdf.shape[1] - 1).astype(np.uint8).ravel()


def sampler_tables(
    chains: Sequence[FiniteStateMarkovChannel], log_gain: NDArray[np.float32]
) -> SamplerTables:
    """Inverse-CDF tables for :func:`fading_paths` of one chain per row.

    Args:
        chains: J chains with the same number of levels L (<= 256), row ``j`` of the
            uniforms is driven by ``chains[j]`` (a chain may repeat).
        log_gain: [J, L] the value reported for each row's level (e.g. log10 |beta|^2).
    """
    if not chains:
        raise ValueError("chains must hold at least one FiniteStateMarkovChannel")
    n_levels = chains[0].n_levels
    if any(c.n_levels != n_levels for c in chains) or not 1 <= n_levels <= 256:
        raise ValueError("chains must all have the same number of levels, in [1, 256]")
    n_rows = len(chains)
    if np.shape(log_gain) != (n_rows, n_levels):
        raise ValueError(f"log_gain must have shape {(n_rows, n_levels)}, got {np.shape(log_gain)}")
    start = np.stack([np.cumsum(c.stationary) for c in chains])  # [J, L]
    step = np.concatenate([np.cumsum(c.transition, axis=1) for c in chains])  # [J * L, L]
    start_level, step_level = inverse_cdf_table(start), inverse_cdf_table(step)
    level_gain = np.array(log_gain, dtype=np.float32)  # a copy: it is made read-only
    tables = SamplerTables(start_level, step_level, level_gain, n_levels)
    for array in tables[:3]:
        array.setflags(write=False)
    return tables


def fading_paths(
    tables: SamplerTables,
    uniforms: NDArray[np.uint16],
    out: tuple[NDArray[np.uint8], NDArray[np.float32]] | None = None,
) -> tuple[NDArray[np.uint8], NDArray[np.float32]]:
    """FSMC level paths [..., T, J, K] driven by 16-bit ``uniforms`` [..., T, J, K]
    (eqs. 10-11), and each level's gain from the tables (float32), written into ``out``
    (levels, gains: arrays of the uniforms' shape) when given.

    Slot 0 starts in each row's stationary law, later slots follow its transition matrix;
    row ``j`` of axis -2 uses chain ``j`` of the tables.  The top ``RESOLUTION_BITS`` of
    each uniform pick the table entry.
    """
    n_rows = uniforms.shape[-2]
    if uniforms.ndim < 3:
        raise ValueError(f"uniforms must have shape [..., T, J, K], got {uniforms.shape}")
    if tables.start_level.size != n_rows << RESOLUTION_BITS:
        raise ValueError(
            f"uniforms have {n_rows} rows (axis -2), the tables "
            f"{tables.start_level.size >> RESOLUTION_BITS}"
        )
    if out is None:
        out = np.empty(uniforms.shape, np.uint8), np.empty(uniforms.shape, np.float32)
    elif any(
        a.shape != uniforms.shape or a.dtype != dtype or not a.flags.c_contiguous
        for a, dtype in zip(out, _OUT_DTYPES, strict=True)
    ):  # C-contiguous: reshaping them below gives views, not copies
        raise ValueError(
            f"out must be C-contiguous (uint8, float32) arrays of shape {uniforms.shape}"
        )
    shape = (-1, *uniforms.shape[-3:])
    levels, log_gain = (a.reshape(shape) for a in out)
    _walk_chains(*tables, RESOLUTION_BITS, uniforms.reshape(shape), levels, log_gain)
    return out


_OUT_DTYPES = (np.dtype(np.uint8), np.dtype(np.float32))


@njit(cache=True)
def _walk_chains(
    start_level, step_level, level_gain, n_levels, shift, uniforms, levels, log_gain
):  # pragma: no cover - compiled; covered through fading_paths
    """Inverse-CDF walk of every (path, row, device) chain over the slots, in place.

    Compiled: a path is sequential in time, and the numpy form (five array passes and two
    gathers per slot) cost the single env ~1 us per step in episode sampling. The gains
    come from the small [J, L] table after the walk, which stays in L1 cache."""
    n_paths, n_slots, n_rows, n_cols = uniforms.shape
    drop = 16 - shift
    for b in range(n_paths):  # slot-major: memory is read in order, devices independent
        for j in range(n_rows):
            for k in range(n_cols):
                entry = (j << shift) + (uniforms[b, 0, j, k] >> drop)
                levels[b, 0, j, k] = start_level[entry]
        for t in range(1, n_slots):
            for j in range(n_rows):
                row = j * n_levels
                for k in range(n_cols):
                    previous = row + levels[b, t - 1, j, k]
                    entry = (previous << shift) + (uniforms[b, t, j, k] >> drop)
                    levels[b, t, j, k] = step_level[entry]
        for t in range(n_slots):
            for j in range(n_rows):
                for k in range(n_cols):
                    log_gain[b, t, j, k] = level_gain[j, levels[b, t, j, k]]
