"""First-order finite-state Markov channel (FSMC) of paper 002, eqs. (10)-(11).

A fading power gain is quantised into L levels H_1 < ... < H_L with equiprobable bins of
its stationary distribution, and the L x L matrix P[l, l'] = Pr(H_{t+1} = H_l' | H_t = H_l)
is estimated by counting transitions of a time-correlated fading process (spec section 3,
choice [C]: the paper does not say how P was obtained; Wang & Moayeri give only the
Rayleigh adjacent-level approximation, the counting route also covers Rician LEO links).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
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

    def sample_paths(
        self, rng: np.random.Generator, n_slots: int, shape: tuple[int, ...]
    ) -> NDArray[np.int64]:
        """Level indices [n_slots, *shape]: stationary start, then Markov steps (eq. 11)."""
        n = int(np.prod(shape))
        cumulative = np.cumsum(self.transition, axis=1)
        cumulative[:, -1] = 1.0
        levels = np.empty((n_slots, n), dtype=np.int64)
        start_cdf = np.cumsum(self.stationary)
        start_cdf[-1] = 1.0
        uniforms = rng.random((n_slots, n))
        levels[0] = np.searchsorted(start_cdf, uniforms[0], side="right")
        for t in range(1, n_slots):
            row_cdf = cumulative[levels[t - 1]]
            levels[t] = (uniforms[t][:, None] >= row_cdf).sum(axis=1)
        return np.minimum(levels, self.n_levels - 1).reshape((n_slots, *shape))


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
