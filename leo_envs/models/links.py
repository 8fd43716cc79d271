"""Link-level quantities of paper 002, Sec. II-C: SINR (eq. 14) and bits per slot (eq. 15)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray


def received_power_w(tx_power_w: ArrayLike, gain_linear: ArrayLike) -> NDArray[np.float64]:
    """Received power P_j h_{k,j} in watts; ``tx_power_w`` broadcasts over the Tx axis."""
    return np.asarray(tx_power_w, dtype=np.float64) * np.asarray(gain_linear, dtype=np.float64)


def sinr_linear(
    gain_linear: NDArray[np.float64],
    tx_power_w: NDArray[np.float64],
    noise_w: NDArray[np.float64],
    band: NDArray[np.int64],
    active: NDArray[np.bool_],
) -> NDArray[np.float64]:
    """SINR of eq. (14) for every transmitter j and receiver k: array [..., J, K].

    ``gain_linear`` is [..., J, K] (power gains incl. antenna gains, eq. 3), ``tx_power_w``
    and ``noise_w`` (W) and ``band`` are [J], ``active`` is [..., J] (which transmitters
    radiate). Interference at k when served by j is the received power of the *other
    active transmitters of the same band* only: Ka and C links never interfere.
    """
    rx_w = received_power_w(tx_power_w[:, None], gain_linear)
    band = np.asarray(band)
    same_band_other = (band[:, None] == band[None, :]) & ~np.eye(band.shape[0], dtype=bool)
    active_rx_w = rx_w * np.asarray(active, dtype=np.float64)[..., :, None]
    interference_w = np.einsum("ij,...jk->...ik", same_band_other.astype(np.float64), active_rx_w)
    return rx_w / (interference_w + np.asarray(noise_w, dtype=np.float64)[:, None])


def shannon_rate_bps(bandwidth_hz: ArrayLike, sinr: ArrayLike) -> NDArray[np.float64]:
    """Shannon capacity B log2(1 + SINR) in bit/s."""
    return np.asarray(bandwidth_hz, dtype=np.float64) * np.log2(1.0 + np.asarray(sinr))


def bits_per_slot(bandwidth_hz: ArrayLike, sinr: ArrayLike, slot_s: float) -> NDArray[np.float64]:
    """Bits delivered in one slot, r = dt B log2(1 + SINR) of eq. (15)."""
    return slot_s * shannon_rate_bps(bandwidth_hz, sinr)
