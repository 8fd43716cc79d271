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
from leo_envs.envs.link_scheduling.instance import IDLE, LinkSchedulingInstance
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
    """State of B episodes.

    Per slot: gain [B,T,J,K] (linear), mask [B,T,J*(K+1)] (action mask), snr_feature
    [B,T,K,J] (float32 observation block). Per device [B,K]: demand, threshold, weight
    (float64), present, eligible [B,J,K], device_const [B,K,5] (float32 static observation
    columns), delivered (bit, capped at demand). Per episode [B]: t (slots played),
    n_served, shortfall (sum_k w_k (D_k - b_k)^2, updated incrementally), weighted_demand
    (sum_k w_k D_k^2), n_present, delivered_total (bit).
    """

    gain: NDArray[np.float64]
    mask: NDArray[np.bool_]
    snr_feature: NDArray[np.float32]
    eligible: NDArray[np.bool_]
    device_const: NDArray[np.float32]
    demand: NDArray[np.float64]
    threshold: NDArray[np.float64]
    weight: NDArray[np.float64]
    present: NDArray[np.bool_]
    delivered: NDArray[np.float64]
    t: NDArray[np.int64]
    n_served: NDArray[np.int64]
    shortfall: NDArray[np.float64]
    weighted_demand: NDArray[np.float64]
    n_present: NDArray[np.int64]
    delivered_total: NDArray[np.float64]


class LinkDynamics:
    """Physics of one configuration, shared by the single and the vector env.

    ``advance`` (batched numpy) and ``advance_one`` (scalar, for the single env's speed)
    perform the same IEEE operations in the same order, so both envs agree bit for bit.
    """

    def __init__(self, config: LinkSchedulingConfig) -> None:
        self.config = config
        radio = radio_constants(config)
        self.tx_power_w = radio["tx_power_w"]
        self.bandwidth_hz = radio["bandwidth_hz"]
        self.noise_w = radio["noise_w"]
        self.sinr_threshold = float(channels.db_to_linear(config.sinr_threshold_db))
        self.n_devices = config.max_devices
        self.obs_size = self.n_devices * len(DEVICE_FEATURES) + len(GLOBAL_FEATURES)
        self._power = self.tx_power_w.tolist()
        self._noise = self.noise_w.tolist()
        self._bandwidth = self.bandwidth_hz.tolist()
        self._same_band = [[bool(x) for x in row] for row in _SAME_BAND_OTHER]

    # ------------------------------------------------------------------ episodes
    def new_batch(
        self, tasks: list[LinkSchedulingTask], draws: list[EpisodeDraw]
    ) -> EpisodeBatch:
        """Materialise B episodes (one per task/draw pair)."""
        cfg = self.config
        large = np.stack([task.large_scale_gain for task in tasks])
        gain = large * fading_power(cfg, np.stack([d.fading_uniforms for d in draws]))
        eligible = np.stack([eligibility(task) for task in tasks])
        present = np.stack([task.present for task in tasks])
        snr = self.tx_power_w[:, None] * gain / self.noise_w[:, None]
        link_ok = eligible[:, None] & (snr >= self.sinr_threshold)
        idle = np.ones((*link_ok.shape[:3], 1), dtype=bool)
        mask = np.concatenate([idle, link_ok], axis=3).reshape(*link_ok.shape[:2], -1)
        with np.errstate(divide="ignore"):
            snr_feature = np.log10(snr.astype(np.float32))
        snr_feature = np.where(present[:, None, None, :], snr_feature, np.float32(0.0))
        snr_feature = np.ascontiguousarray(
            np.swapaxes(np.clip(snr_feature, *SNR_FEATURE_RANGE), 2, 3)
        )
        demand = np.stack([d.demand_bits for d in draws])
        threshold = demand * cfg.served_threshold_fraction
        weight = np.stack([task.weight for task in tasks])
        safe_demand = np.maximum(demand, 1.0)
        device_const = np.stack(
            [
                np.minimum(demand / 1e8, DEMAND_FEATURE_MAX),
                np.where(present, threshold / safe_demand, 0.0),
                weight / max(1.0, cfg.vip_weight),
                np.stack([task.is_iot for task in tasks]),
                present,
            ],
            axis=2,
        ).astype(np.float32)
        weighted_demand = np.where(present, weight * demand * demand, 0.0).sum(axis=1)
        b = len(tasks)
        return EpisodeBatch(
            gain=gain,
            mask=mask,
            snr_feature=snr_feature,
            eligible=eligible,
            device_const=device_const,
            demand=demand,
            threshold=threshold,
            weight=weight,
            present=present,
            delivered=np.zeros_like(demand),
            t=np.zeros(b, dtype=np.int64),
            n_served=np.zeros(b, dtype=np.int64),
            shortfall=weighted_demand.copy(),
            weighted_demand=weighted_demand,
            n_present=present.sum(axis=1),
            delivered_total=np.zeros(b),
        )

    def replace_rows(
        self, batch: EpisodeBatch, rows: NDArray[np.int64], new: EpisodeBatch
    ) -> None:
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

    # ------------------------------------------------------------------ slots (batched)
    def current(self, batch: EpisodeBatch, name: str) -> NDArray:
        """Slice [B, ...] of a [B, T, ...] array at each episode's current slot."""
        t = np.minimum(batch.t, self.config.n_slots - 1)
        return getattr(batch, name)[np.arange(t.size), t]

    def link_sinr(
        self, gain_t: NDArray[np.float64], groups: NDArray[np.int64]
    ) -> NDArray[np.float64]:
        """SINR (eq. 14) of every transmitter's chosen link, [B, J]; idle links get 0.

        ``gain_t`` is [B, J, K]; ``groups`` [B, J] in action encoding (0 idle, k+1 device
        k). Interference sums other active same-band transmitters in index order.
        """
        b = groups.shape[0]
        active = groups > IDLE
        receiver = np.where(active, groups - 1, 0)
        # g[b, i, j]: gain from transmitter i to the receiver of transmitter j's link.
        g = np.take_along_axis(gain_t, np.broadcast_to(receiver[:, None, :], (b, N_TX, N_TX)), 2)
        rx_w = self.tx_power_w[None, :, None] * g
        sinr = np.zeros((b, N_TX))
        for j in range(N_TX):
            interference = np.zeros(b)
            for i in range(N_TX):
                if self._same_band[j][i]:
                    interference = interference + np.where(active[:, i], rx_w[:, i, j], 0.0)
            sinr[:, j] = np.where(active[:, j], rx_w[:, j, j] / (interference + self._noise[j]),
                                  0.0)
        return sinr

    def violations(
        self, batch: EpisodeBatch, groups: NDArray[np.int64]
    ) -> tuple[NDArray[np.bool_], NDArray[np.bool_], NDArray[np.bool_]]:
        """Per-link flags [B, J], checked in this order: ineligible (kind or absent),
        duplicate of an earlier kept link (unicast, eq. 12), SINR below threshold (20b)
        under the interference of the links kept so far."""
        active = groups > IDLE
        receiver = np.where(active, groups - 1, 0)
        eligible = np.take_along_axis(batch.eligible, receiver[:, :, None], 2)[..., 0]
        ineligible = active & ~eligible
        kept = np.where(ineligible, IDLE, groups)
        duplicate = np.zeros_like(active)
        for j in range(1, N_TX):
            duplicate[:, j] = (kept[:, j] > IDLE) & (kept[:, :j] == kept[:, j : j + 1]).any(1)
            kept[:, j] = np.where(duplicate[:, j], IDLE, kept[:, j])
        sinr = self.link_sinr(self.current(batch, "gain"), kept)
        low_sinr = (kept > IDLE) & (sinr < self.sinr_threshold)
        return duplicate, ineligible, low_sinr

    def repair(self, batch: EpisodeBatch, groups: NDArray[np.int64]) -> NDArray[np.int64]:
        """Drop invalid links: ineligible ones, later duplicates (LEO, BS, TST1, TST2
        priority), then every link whose SINR under the remaining interference is too low.

        Dropping links only lowers interference, so the remaining links stay feasible.
        """
        duplicate, ineligible, low_sinr = self.violations(batch, groups)
        return np.where(duplicate | ineligible | low_sinr, IDLE, groups)

    def advance(self, batch: EpisodeBatch, groups: NDArray[np.int64]) -> dict[str, NDArray]:
        """Play one slot of valid ``groups`` [B, J] (rows of all-idle are no-ops)."""
        cfg = self.config
        before = self.objective(batch)["objective"]
        sinr = self.link_sinr(self.current(batch, "gain"), groups)
        bits = bits_per_slot(self.bandwidth_hz[None, :], sinr, cfg.slot_s)
        rows = np.arange(groups.shape[0])
        useful = np.zeros(groups.shape[0])
        for j in range(N_TX):
            active = groups[:, j] > IDLE
            k = np.where(active, groups[:, j] - 1, 0)
            old = batch.delivered[rows, k]
            demand = batch.demand[rows, k]
            new = np.where(active, np.minimum(old + bits[:, j], demand), old)
            w = batch.weight[rows, k]
            gap_new, gap_old = demand - new, demand - old
            batch.shortfall = batch.shortfall + (w * (gap_new * gap_new) - w * (gap_old * gap_old))
            threshold = batch.threshold[rows, k]
            batch.n_served = batch.n_served + ((old < threshold) & (new >= threshold))
            useful = useful + (new - old)
            batch.delivered[rows, k] = new
        batch.delivered_total = batch.delivered_total + useful
        batch.t = batch.t + 1
        after = self.objective(batch)
        return {"reward": before - after["objective"], "link_bits": bits,
                "delivered_bits": useful, **after}

    def objective(self, batch: EpisodeBatch) -> dict[str, NDArray[np.float64]]:
        """Normalised objective terms (eq. 19/20a) from the incremental episode state."""
        cfg = self.config
        n_present = np.maximum(batch.n_present, 1)
        gap = (n_present - batch.n_served) / n_present
        served_gap = gap * gap
        data_gap = np.maximum(batch.shortfall, 0.0) / np.maximum(batch.weighted_demand, 1e-300)
        return {
            "objective": cfg.served_term_weight * served_gap + cfg.data_term_weight * data_gap,
            "served_gap_term": served_gap,
            "data_gap_term": data_gap,
            "served_devices": batch.n_served.astype(np.float64),
            "present_devices": batch.n_present.astype(np.float64),
        }

    # ------------------------------------------------------------------ slots (one episode)
    def repair_one(self, batch: EpisodeBatch, group: list[int]) -> tuple[list[int], list[float]]:
        """Scalar ``repair`` + ``link_sinr`` for episode 0: (repaired group, SINR per link)."""
        t = int(batch.t[0])
        eligible = batch.eligible[0]
        group = list(group)
        for j in range(N_TX):
            k = group[j]
            if k and (k in group[:j] or not eligible[j, k - 1]):
                group[j] = IDLE
        gain_t = batch.gain[0, t]
        sinr = self._sinr_one(gain_t, group)
        for j in range(N_TX):
            if group[j] and sinr[j] < self.sinr_threshold:
                group[j] = IDLE
        return group, self._sinr_one(gain_t, group)

    def _sinr_one(self, gain_t: NDArray[np.float64], group: list[int]) -> list[float]:
        sinr = [0.0] * N_TX
        rx = {}
        for j in range(N_TX):
            if not group[j]:
                continue
            k = group[j] - 1
            interference = 0.0
            for i in range(N_TX):
                if group[i] and self._same_band[j][i]:
                    key = (i, k)
                    if key not in rx:
                        rx[key] = self._power[i] * float(gain_t[i, k])
                    interference = interference + rx[key]
            signal = self._power[j] * float(gain_t[j, k])
            sinr[j] = signal / (interference + self._noise[j])
        return sinr

    def advance_one(
        self, batch: EpisodeBatch, group: list[int], sinr: list[float]
    ) -> tuple[float, list[float], float]:
        """Scalar ``advance`` of episode 0 for a repaired group: (reward, bits, useful bits)."""
        cfg = self.config
        before = self.objective_one(batch)
        bits = bits_per_slot(self.bandwidth_hz[None, :], np.array([sinr]), cfg.slot_s)[0].tolist()
        delivered, demand = batch.delivered[0], batch.demand[0]
        shortfall, n_served, useful = float(batch.shortfall[0]), int(batch.n_served[0]), 0.0
        for j in range(N_TX):
            if not group[j]:
                continue
            k = group[j] - 1
            old, d = float(delivered[k]), float(demand[k])
            new = min(old + bits[j], d)
            w, threshold = float(batch.weight[0, k]), float(batch.threshold[0, k])
            gap_new, gap_old = d - new, d - old
            shortfall = shortfall + (w * (gap_new * gap_new) - w * (gap_old * gap_old))
            n_served += old < threshold <= new
            useful = useful + (new - old)
            delivered[k] = new
        batch.shortfall[0], batch.n_served[0] = shortfall, n_served
        batch.delivered_total[0] = batch.delivered_total[0] + useful
        batch.t[0] += 1
        return before - self.objective_one(batch), [b if g else 0.0 for b, g in
                                                    zip(bits, group, strict=True)], useful

    def objective_one(self, batch: EpisodeBatch) -> float:
        return self.objective_terms_one(batch)[0]

    def objective_terms_one(self, batch: EpisodeBatch) -> tuple[float, float, float]:
        """Scalar ``objective`` of episode 0: (objective, served_gap_term, data_gap_term)."""
        cfg = self.config
        n_present = max(int(batch.n_present[0]), 1)
        gap = (n_present - int(batch.n_served[0])) / n_present
        data_gap = max(float(batch.shortfall[0]), 0.0) / max(float(batch.weighted_demand[0]),
                                                               1e-300)
        served_gap = gap * gap
        objective = cfg.served_term_weight * served_gap + cfg.data_term_weight * data_gap
        return objective, served_gap, data_gap

    # ------------------------------------------------------------------ agent views
    def action_mask(self, batch: EpisodeBatch) -> NDArray[np.bool_]:
        """Flat [B, J * (K + 1)] mask in MultiDiscrete order (MaskablePPO's format):
        idle always allowed; device k allowed for j if eligible with interference-free
        SINR >= threshold (a necessary condition; joint constraints are checked at step)."""
        return self.current(batch, "mask")

    def observation(self, batch: EpisodeBatch) -> NDArray[np.float32]:
        """Flat float32 observation [B, K * 10 + 2]; labels in ``observation_labels``."""
        cfg = self.config
        b = batch.t.shape[0]
        fraction = np.where(batch.present, batch.delivered / np.maximum(batch.demand, 1.0), 0.0)
        per_device = np.concatenate(
            [self.current(batch, "snr_feature"), fraction[:, :, None].astype(np.float32),
             batch.device_const],
            axis=2,
        )
        globals_ = np.stack(
            [(cfg.n_slots - batch.t) / cfg.n_slots, batch.n_present / cfg.max_devices], axis=1
        ).astype(np.float32)
        return np.concatenate([per_device.reshape(b, -1), globals_], axis=1)


def observation_template(dynamics: LinkDynamics, batch: EpisodeBatch) -> NDArray[np.float32]:
    """Observations [T + 1, obs] of episode 0 at every slot with nothing delivered yet.

    The single env copies row t and writes the delivered fractions into it, which gives
    the same values as ``LinkDynamics.observation``.
    """
    cfg = dynamics.config
    slots = np.minimum(np.arange(cfg.n_slots + 1), cfg.n_slots - 1)
    per_device = np.concatenate(
        [batch.snr_feature[0, slots],
         np.zeros((cfg.n_slots + 1, cfg.max_devices, 1), dtype=np.float32),
         np.broadcast_to(batch.device_const[0], (cfg.n_slots + 1, *batch.device_const.shape[1:]))],
        axis=2,
    )
    globals_ = np.stack(
        [(cfg.n_slots - np.arange(cfg.n_slots + 1)) / cfg.n_slots,
         np.full(cfg.n_slots + 1, batch.n_present[0] / cfg.max_devices)],
        axis=1,
    ).astype(np.float32)
    return np.concatenate([per_device.reshape(cfg.n_slots + 1, -1), globals_], axis=1)


FRACTION_COLUMN = N_TX  # index of delivered/demand within a device's block


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
