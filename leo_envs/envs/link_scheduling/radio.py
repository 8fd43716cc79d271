"""Per-transmitter radio constants of LinkScheduling-v0 (Table I of paper 002)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from leo_envs.envs.link_scheduling.config import LinkSchedulingConfig
from leo_envs.models import channels


def tx_power_w(config: LinkSchedulingConfig) -> NDArray[np.float64]:
    """[J] transmit power (W) of LEO, BS, TST1, TST2."""
    return np.array([config.leo_power_w, config.bs_power_w, config.tst_power_w, config.tst_power_w])


def bandwidth_hz(config: LinkSchedulingConfig) -> NDArray[np.float64]:
    """[J] bandwidth (Hz): Ka for the LEO, C for the others."""
    return np.array([config.leo_bandwidth_hz] + [config.c_bandwidth_hz] * 3)


def noise_w(config: LinkSchedulingConfig) -> NDArray[np.float64]:
    """[J] AWGN power N0 B (W) of each transmitter's band."""
    return channels.noise_power_w(config.noise_psd_dbm_per_hz, bandwidth_hz(config))


def sinr_threshold_linear(config: LinkSchedulingConfig) -> float:
    """gamma_th of constraint (20b), linear."""
    return float(channels.db_to_linear(config.sinr_threshold_db))
