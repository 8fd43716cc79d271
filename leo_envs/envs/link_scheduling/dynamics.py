"""Batched episode state and slot dynamics of LinkScheduling-v0.

The single env is this code with a batch of one, so the single and the vector env agree
step for step. Channel paths of a whole episode are materialised at reset; a step only
gathers the chosen links' gains and evaluates eqs. (14)-(15) for them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from leo_envs.envs.link_scheduling.config import TRANSMITTERS, LinkSchedulingConfig
from leo_envs.envs.link_scheduling.instance import (
    IDLE,
    LinkSchedulingInstance,
    objective_terms_batch,
)
from leo_envs.envs.link_scheduling.tasks import (
    BAND,
    EpisodeDraw,
    LinkSchedulingTask,
    eligibility,
    fading_power,
)
from leo_envs.models import channels
from leo_envs.models.links import bits_per_slot

N_TX = len(TRANSMITTERS)
DEVICE_FEATURES = (
    *(f"snr_db/10[{name}]" for name in TRANSMITTERS),
    "delivered/demand",
    "demand_mbit/100",
    "threshold/demand",
    "weight/max_weight",
    "is_iot",
    "present",
)
GLOBAL_FEATURES = ("slots_left/T", "present/max_devices")
SNR_FEATURE_RANGE = (-5.0, 8.0)  # snr_db / 10, i.e. -50 .. 80 dB
DEMAND_FEATURE_MAX = 10.0
_SAME_BAND_OTHER = ((BAND[:, None] == BAND[None, :]) & ~np.eye(N_TX, dtype=bool)).astype(float)


def radio_constants(config: LinkSchedulingConfig) -> dict[str, NDArray[np.float64]]:
    """Per-transmitter power (W), bandwidth (Hz) and noise power (W), Table I."""
    power = np.array([config.leo_power_w, config.bs_power_w, config.tst_power_w,
                      config.tst_power_w])
    bandwidth = np.array([config.leo_bandwidth_hz] + [config.c_bandwidth_hz] * (N_TX - 1))
    return {
        "tx_power_w": power,
        "bandwidth_hz": bandwidth,
        "noise_w": channels.noise_power_w(config.noise_psd_dbm_per_hz, bandwidth),
    }


@dataclass
class EpisodeBatch:
    """State of B episodes. Arrays: gain [B,T,J,K]; link_ok [B,T,J,K] (eligible and
    interference-free SINR >= threshold); demand/threshold/weight [B,K]; present/is_iot
    [B,K]; delivered [B,K] (bit, capped at demand); t [B] (slots played)."""

    gain: NDArray[np.float64]
    link_ok: NDArray[np.bool_]
    snr_feature: NDArray[np.float32]
    eligible: NDArray[np.bool_]
    demand: NDArray[np.float64]
    threshold: NDArray[np.float64]
    weight: NDArray[np.float64]
    present: NDArray[np.bool_]
    is_iot: NDArray[np.bool_]
    delivered: NDArray[np.float64]
    t: NDArray[np.int64]


class LinkDynamics:
    """Physics of one configuration, shared by the single and the vector env."""

    def __init__(self, config: LinkSchedulingConfig) -> None:
        self.config = config
        radio = radio_constants(config)
        self.tx_power_w = radio["tx_power_w"]
        self.bandwidth_hz = radio["bandwidth_hz"]
        self.noise_w = radio["noise_w"]
        self.sinr_threshold = float(channels.db_to_linear(config.sinr_threshold_db))
        self.n_devices = config.max_devices
        self.obs_size = self.n_devices * len(DEVICE_FEATURES) + len(GLOBAL_FEATURES)

    # ------------------------------------------------------------------ episodes
    def new_batch(
        self, tasks: list[LinkSchedulingTask], draws: list[EpisodeDraw]
    ) -> EpisodeBatch:
        """Materialise B episodes (one per task/draw pair)."""
        cfg = self.config
        large = np.stack([task.large_scale_gain for task in tasks])
        gain = large * fading_power(cfg, np.stack([d.fading_uniforms for d in draws]))
        eligible = np.stack([eligibility(task) for task in tasks])
        snr = self.tx_power_w[:, None] * gain / self.noise_w[:, None]
        link_ok = eligible[:, None] & (snr >= self.sinr_threshold)
        with np.errstate(divide="ignore"):
            snr_feature = np.log10(snr, dtype=np.float32)
        present = np.stack([task.present for task in tasks])
        snr_feature = np.where(present[:, None, None, :], snr_feature, np.float32(0.0))
        demand = np.stack([d.demand_bits for d in draws])
        return EpisodeBatch(
            gain=gain,
            link_ok=link_ok,
            snr_feature=np.clip(snr_feature, *SNR_FEATURE_RANGE),
            eligible=eligible,
            demand=demand,
            threshold=demand * cfg.served_threshold_fraction,
            weight=np.stack([task.weight for task in tasks]),
            present=present,
            is_iot=np.stack([task.is_iot for task in tasks]),
            delivered=np.zeros_like(demand),
            t=np.zeros(len(tasks), dtype=np.int64),
        )

    def replace_rows(self, batch: EpisodeBatch, rows: NDArray[np.int64], new: EpisodeBatch):
        """Overwrite the episodes at ``rows`` of ``batch`` with those of ``new`` (in place)."""
        for name in EpisodeBatch.__dataclass_fields__:
            getattr(batch, name)[rows] = getattr(new, name)

    def instance(self, batch: EpisodeBatch, row: int = 0) -> LinkSchedulingInstance:
        cfg = self.config
        return LinkSchedulingInstance(
            transmitters=TRANSMITTERS,
            band=BAND.copy(),
            slot_s=cfg.slot_s,
            gain=batch.gain[row].copy(),
            tx_power_w=self.tx_power_w.copy(),
            bandwidth_hz=self.bandwidth_hz.copy(),
            noise_w=self.noise_w.copy(),
            eligible=batch.eligible[row].copy(),
            present=batch.present[row].copy(),
            demand_bits=batch.demand[row].copy(),
            threshold_bits=batch.threshold[row].copy(),
            weight=batch.weight[row].copy(),
            sinr_threshold=np.full(self.n_devices, self.sinr_threshold),
            served_term_weight=cfg.served_term_weight,
            data_term_weight=cfg.data_term_weight,
        )

    # ------------------------------------------------------------------ slots
    def current(self, batch: EpisodeBatch, name: str) -> NDArray:
        """Slice [B, ...] of a [B, T, ...] array at each episode's current slot."""
        t = np.minimum(batch.t, self.config.n_slots - 1)
        return getattr(batch, name)[np.arange(t.size), t]

    def link_bits(
        self, gain_t: NDArray[np.float64], groups: NDArray[np.int64]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Bits (eq. 15) and SINR (eq. 14) of every transmitter's chosen link: [B, J] each.

        ``gain_t`` is [B, J, K]; ``groups`` [B, J] in action encoding (0 idle, k+1 device k).
        Idle transmitters neither interfere nor deliver.
        """
        b = groups.shape[0]
        active = groups > IDLE
        receiver = np.where(active, groups - 1, 0)
        # g[b, i, j]: gain from transmitter i to the receiver of transmitter j's link.
        g = np.take_along_axis(gain_t, np.broadcast_to(receiver[:, None, :], (b, N_TX, N_TX)), 2)
        rx_w = self.tx_power_w[None, :, None] * g
        signal = np.diagonal(rx_w, axis1=1, axis2=2)
        interference = np.einsum("ji,bij->bj", _SAME_BAND_OTHER, rx_w * active[:, :, None])
        sinr = signal / (interference + self.noise_w[None, :])
        bits = np.where(active, bits_per_slot(self.bandwidth_hz[None, :], sinr, self.config.slot_s),
                        0.0)
        return bits, sinr

    def violations(
        self, batch: EpisodeBatch, groups: NDArray[np.int64]
    ) -> tuple[NDArray[np.bool_], NDArray[np.bool_], NDArray[np.bool_]]:
        """Per-link flags [B, J]: duplicate receiver (12), ineligible, SINR below (20b)."""
        active = groups > IDLE
        duplicate = np.zeros_like(active)
        for j in range(1, N_TX):
            duplicate[:, j] = active[:, j] & (groups[:, :j] == groups[:, j : j + 1]).any(axis=1)
        receiver = np.where(active, groups - 1, 0)
        eligible = np.take_along_axis(batch.eligible, receiver[:, :, None], 2)[..., 0]
        ineligible = active & ~eligible
        _, sinr = self.link_bits(self.current(batch, "gain"), groups)
        low_sinr = active & ~duplicate & ~ineligible & (sinr < self.sinr_threshold)
        return duplicate, ineligible, low_sinr

    def repair(self, batch: EpisodeBatch, groups: NDArray[np.int64]) -> NDArray[np.int64]:
        """Drop invalid links: later duplicates (LEO, BS, TST1, TST2 priority), ineligible
        links, then every link whose SINR under the remaining interference is too low.

        Dropping links only lowers interference, so the remaining links stay feasible.
        """
        duplicate, ineligible, _ = self.violations(batch, groups)
        repaired = np.where(duplicate | ineligible, IDLE, groups)
        _, sinr = self.link_bits(self.current(batch, "gain"), repaired)
        return np.where((repaired > IDLE) & (sinr < self.sinr_threshold), IDLE, repaired)

    def advance(self, batch: EpisodeBatch, groups: NDArray[np.int64]) -> dict[str, NDArray]:
        """Play one slot of valid ``groups``; returns per-episode slot metrics."""
        before = self.objective(batch)
        bits, _ = self.link_bits(self.current(batch, "gain"), groups)
        receiver = np.where(groups > IDLE, groups - 1, 0)
        rows = np.repeat(np.arange(groups.shape[0]), N_TX)
        added = np.zeros_like(batch.delivered)
        np.add.at(added, (rows, receiver.ravel()), bits.ravel())
        new_delivered = np.minimum(batch.delivered + added, batch.demand)
        useful_bits = (new_delivered - batch.delivered).sum(axis=1)
        batch.delivered = new_delivered
        batch.t = batch.t + 1
        after = self.objective(batch)
        return {
            "reward": before["objective"] - after["objective"],
            "link_bits": bits,
            "delivered_bits": useful_bits,
            **after,
        }

    def objective(self, batch: EpisodeBatch) -> dict[str, NDArray[np.float64]]:
        cfg = self.config
        return objective_terms_batch(
            batch.delivered, batch.present, batch.demand, batch.threshold, batch.weight,
            cfg.served_term_weight, cfg.data_term_weight,
        )

    # ------------------------------------------------------------------ agent views
    def action_mask(self, batch: EpisodeBatch) -> NDArray[np.bool_]:
        """Flat [B, J * (K + 1)] mask in MultiDiscrete order (MaskablePPO's format):
        idle always allowed; device k allowed for j if eligible with interference-free
        SINR >= threshold (a necessary condition; joint constraints are checked at step)."""
        ok = self.current(batch, "link_ok")
        idle = np.ones((*ok.shape[:2], 1), dtype=bool)
        return np.concatenate([idle, ok], axis=2).reshape(ok.shape[0], -1)

    def observation(self, batch: EpisodeBatch) -> NDArray[np.float32]:
        """Flat float32 observation [B, K * 10 + 2]; labels in ``observation_labels``."""
        cfg = self.config
        snr = np.swapaxes(self.current(batch, "snr_feature"), 1, 2)  # [B, K, J]
        safe_demand = np.maximum(batch.demand, 1.0)
        per_device = np.concatenate(
            [
                snr,
                np.stack(
                    [
                        np.where(batch.present, batch.delivered / safe_demand, 0.0),
                        np.minimum(batch.demand / 1e8, DEMAND_FEATURE_MAX),
                        np.where(batch.present, batch.threshold / safe_demand, 0.0),
                        batch.weight / max(1.0, cfg.vip_weight),
                        batch.is_iot,
                        batch.present,
                    ],
                    axis=2,
                ).astype(np.float32),
            ],
            axis=2,
        )
        globals_ = np.stack(
            [(cfg.n_slots - batch.t) / cfg.n_slots, batch.present.sum(1) / cfg.max_devices],
            axis=1,
        )
        b = batch.t.shape[0]
        return np.concatenate([per_device.reshape(b, -1), globals_], axis=1).astype(np.float32)


def observation_labels(config: LinkSchedulingConfig) -> list[str]:
    """A label for every element of the flat observation, in order."""
    labels = [f"device{k}.{f}" for k in range(config.max_devices) for f in DEVICE_FEATURES]
    return labels + list(GLOBAL_FEATURES)


def observation_bounds(config: LinkSchedulingConfig) -> tuple[NDArray, NDArray]:
    """Finite float32 low/high vectors of the observation space."""
    low = np.zeros((config.max_devices, len(DEVICE_FEATURES)), dtype=np.float32)
    high = np.ones_like(low)
    low[:, :N_TX], high[:, :N_TX] = SNR_FEATURE_RANGE
    high[:, N_TX + 1] = DEMAND_FEATURE_MAX
    flat_low = np.concatenate([low.ravel(), np.zeros(len(GLOBAL_FEATURES), dtype=np.float32)])
    flat_high = np.concatenate([high.ravel(), np.ones(len(GLOBAL_FEATURES), dtype=np.float32)])
    return flat_low, flat_high
