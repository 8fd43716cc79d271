"""Batched episode state and slot dynamics of LinkScheduling-v0.

An episode is its task's large-scale arrays plus FSMC level paths drawn at reset; a step
gathers only the current slot (levels, masks, features) and the chosen links' gains. The
vector env steps a batch with numpy (``advance``); the single env plays the scalar twin in
``episode.SingleEpisode``. Both perform the same IEEE operations in the same order, so
they agree bit for bit (tests assert it).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np
from numpy.typing import NDArray

from leo_envs.envs.link_scheduling import geometry, radio
from leo_envs.envs.link_scheduling.config import TRANSMITTERS, LinkSchedulingConfig
from leo_envs.envs.link_scheduling.groups import IDLE, objective_from_totals, subset_activity
from leo_envs.envs.link_scheduling.instance import LinkSchedulingInstance
from leo_envs.envs.link_scheduling.neighbors import check_k, check_proto, nearest_groups
from leo_envs.envs.link_scheduling.tasks import (
    BAND,
    LinkSchedulingTask,
    episode_from_words,
    fading_paths,
    level_tables,
)
from leo_envs.models.links import bits_per_slot, received_power_w, sinr_linear

N_TX = len(TRANSMITTERS)
# Observation layout is feature-major: a [10, K] grid (one row per feature, one column per
# device; convolution-friendly) flattened, then the global features.
DEVICE_FEATURES = (
    *(f"snr_db/10[{name}]" for name in TRANSMITTERS),
    "delivered/demand",
    "demand_mbit/100",
    "threshold/demand",
    "weight/max_weight",
    "is_iot",
    "present",
)
N_FEATURES = len(DEVICE_FEATURES)
FRACTION_ROW = N_TX  # row of delivered/demand in the feature grid
N_CONST = N_FEATURES - N_TX - 1
GLOBAL_FEATURES = ("slots_left/T", "present/max_devices")
SNR_FEATURE_RANGE = (np.float32(-5.0), np.float32(8.0))  # snr_db / 10: -50 .. 80 dB
DEMAND_FEATURE_MAX = 10.0
LOAD_CHUNK = 128  # episodes whose fading paths are drawn together
_SAME_BAND_OTHER = (BAND[:, None] == BAND[None, :]) & ~np.eye(N_TX, dtype=bool)
_TX = np.arange(N_TX)
_BAND_TUPLE = tuple(BAND.tolist())
# Per-task arrays copied into a batch row when that row's task changes.
TASK_ARRAYS = ("large", "feature_base", "min_level", "eligible", "present", "is_iot", "weight")


def _task_arrays(task: LinkSchedulingTask) -> tuple[NDArray, ...]:
    """The task's arrays in ``TASK_ARRAYS`` order."""
    return (
        task.large_scale_gain,
        task.snr_feature_base,
        task.min_level,
        task.eligible,
        task.present,
        task.is_iot,
        task.weight,
    )


@dataclass
class EpisodeBatch:
    """State of B episodes (leading axis B everywhere).

    Task part: large [B,T,J,K] large-scale gains; feature_base [B,T,J,K] float32 log10 SNR
    without small-scale fading; min_level [B,T,J,K] lowest FSMC level meeting the SINR
    threshold; eligible [B,J,K]; present, is_iot [B,K]; weight [B,K].
    Episode part: levels [B,T,J,K] FSMC levels; snr_obs [B,T,J,K] float32 observation SNR
    block of every slot (log10 SNR without interference, clipped); demand, threshold [B,K] (bit);
    device_const [B,5,K] static observation rows; delivered [B,K] (bit, capped at
    demand); t, n_served, n_present [B]; shortfall [B] = sum_k w_k (D_k - b_k)^2 (updated
    incrementally); weighted_demand [B] = sum_k w_k D_k^2; delivered_total [B] (bit).
    """

    large: NDArray[np.float64]
    feature_base: NDArray[np.float32]
    min_level: NDArray[np.uint8]
    eligible: NDArray[np.bool_]
    present: NDArray[np.bool_]
    is_iot: NDArray[np.bool_]
    weight: NDArray[np.float64]
    levels: NDArray[np.uint8]
    snr_obs: NDArray[np.float32]
    demand: NDArray[np.float64]
    threshold: NDArray[np.float64]
    device_const: NDArray[np.float32]
    delivered: NDArray[np.float64]
    t: NDArray[np.int64]
    n_served: NDArray[np.int64]
    n_present: NDArray[np.int64]
    shortfall: NDArray[np.float64]
    weighted_demand: NDArray[np.float64]
    delivered_total: NDArray[np.float64]
    tasks: list[LinkSchedulingTask | None] = field(default_factory=list)

    @property
    def size(self) -> int:
        return int(self.t.shape[0])

    def row(self, index: int) -> EpisodeBatch:
        """A one-episode batch of views into row ``index`` (writes go to this batch)."""
        views = {name: getattr(self, name)[index : index + 1] for name in _BATCH_ARRAYS}
        return EpisodeBatch(**views, tasks=[self.tasks[index]])


_BATCH_ARRAYS = tuple(f.name for f in fields(EpisodeBatch) if f.name != "tasks")


class LinkDynamics:
    """Physics of one configuration, shared by the single and the vector env."""

    def __init__(self, config: LinkSchedulingConfig) -> None:
        geometry.check_site_sees_leo(config)  # reject a site without passes up front
        self.config = config
        self.tx_power_w = radio.tx_power_w(config)
        self.bandwidth_hz = radio.bandwidth_hz(config)
        self.noise_w = radio.noise_w(config)
        self.sinr_threshold = radio.sinr_threshold_linear(config)
        self.level_gain, self.level_feature = level_tables(config)
        self.n_devices = config.max_devices
        self.obs_size = self.n_devices * N_FEATURES + len(GLOBAL_FEATURES)
        # Python copies for the single env's scalar step (``episode.SingleEpisode``)
        self.bandwidth_hz_list: list[float] = self.bandwidth_hz.tolist()
        self.noise_w_list: list[float] = self.noise_w.tolist()
        self.interferers: list[list[int]] = [
            np.flatnonzero(row).tolist() for row in _SAME_BAND_OTHER
        ]
        n_levels = self.level_gain.shape[1]
        self._level_gain_flat = self.level_gain.ravel()
        self._level_offset = (_TX * n_levels)[None, :, None]  # [1, J, 1] row offset
        self._level_offset_u8 = self._level_offset.astype(np.uint8)
        self._activity = subset_activity(BAND)  # [S, J] transmitters radiating in pattern S

    # ------------------------------------------------------------------ episodes
    def empty_batch(self, size: int) -> EpisodeBatch:
        """A zeroed batch of ``size`` episodes whose rows ``load`` fills task by task."""
        cfg = self.config
        shape = (size, cfg.n_slots, N_TX, cfg.max_devices)
        k = cfg.max_devices
        return self._episode_part(
            size,
            tasks=[None] * size,
            large=np.zeros(shape),
            feature_base=np.zeros(shape, np.float32),
            min_level=np.zeros(shape, np.uint8),
            eligible=np.zeros((size, N_TX, k), bool),
            present=np.zeros((size, k), bool),
            is_iot=np.zeros((size, k), bool),
            weight=np.zeros((size, k)),
        )

    def task_batch(self, task: LinkSchedulingTask, size: int) -> EpisodeBatch:
        """An empty batch of ``size`` episodes of one ``task``: the task arrays are
        read-only broadcast views of the task's, not copies."""
        views = {
            name: np.broadcast_to(value, (size, *value.shape))
            for name, value in zip(TASK_ARRAYS, _task_arrays(task), strict=True)
        }
        return self._episode_part(size, tasks=[task] * size, **views)

    def _episode_part(self, size: int, **task_part) -> EpisodeBatch:
        """A batch with the given task part and a zeroed episode part."""
        cfg = self.config
        shape = (size, cfg.n_slots, N_TX, cfg.max_devices)
        k = cfg.max_devices
        return EpisodeBatch(
            **task_part,
            levels=np.zeros(shape, np.uint8),
            snr_obs=np.zeros(shape, np.float32),
            demand=np.zeros((size, k)),
            threshold=np.zeros((size, k)),
            device_const=np.zeros((size, N_CONST, k), np.float32),
            delivered=np.zeros((size, k)),
            t=np.zeros(size, np.int64),
            n_served=np.zeros(size, np.int64),
            n_present=np.zeros(size, np.int64),
            shortfall=np.zeros(size),
            weighted_demand=np.zeros(size),
            delivered_total=np.zeros(size),
        )

    def load(
        self,
        batch: EpisodeBatch,
        rows: NDArray[np.int64],
        tasks: list[LinkSchedulingTask],
        words: NDArray[np.uint64],
    ) -> None:
        """Start new episodes in ``rows`` of their ``tasks`` from each episode's random
        ``words`` [n, W] (``tasks.episode_words``); task arrays are copied only when the
        row's task changes."""
        cfg = self.config
        for row, task in zip(rows.tolist(), tasks, strict=True):
            if batch.tasks[row] is not task:
                for name, value in zip(TASK_ARRAYS, _task_arrays(task), strict=True):
                    getattr(batch, name)[row] = value
                batch.tasks[row] = task
        # every row, in order (the lockstep reset): work on views instead of gathered copies
        index = slice(None) if np.array_equal(rows, np.arange(batch.size)) else rows
        present, weight = batch.present[index], batch.weight[index]
        demand, uniforms = episode_from_words(
            cfg,
            words,
            np.array([task.demand_mbit_low for task in tasks]),
            np.array([task.demand_mbit_high for task in tasks]),
            present,
        )
        for start in range(0, len(words), LOAD_CHUNK):  # chunks stay in cache: ~1.5x faster
            part = slice(start, start + LOAD_CHUNK)
            rows_part = rows[part] if isinstance(index, np.ndarray) else part
            if isinstance(rows_part, slice):  # the rows are views: draw straight into them
                levels, snr_obs = fading_paths(
                    cfg, uniforms[part], (batch.levels[part], batch.snr_obs[part])
                )
            else:
                levels, snr_obs = fading_paths(cfg, uniforms[part])
                batch.levels[rows_part] = levels
            np.add(snr_obs, batch.feature_base[rows_part], out=snr_obs)
            np.clip(snr_obs, *SNR_FEATURE_RANGE, out=snr_obs)
            if not isinstance(rows_part, slice):
                batch.snr_obs[rows_part] = snr_obs
        threshold = demand * cfg.served_threshold_fraction
        batch.demand[index] = demand
        batch.threshold[index] = threshold
        batch.device_const[index] = np.stack(
            [
                np.minimum(demand / 1e8, DEMAND_FEATURE_MAX),
                np.where(present, threshold / np.maximum(demand, 1.0), 0.0),
                weight / max(1.0, cfg.vip_weight),
                batch.is_iot[index],
                present,
            ],
            axis=1,
        )
        weighted_demand = np.where(present, weight * demand * demand, 0.0).sum(axis=1)
        batch.weighted_demand[index] = weighted_demand
        batch.shortfall[index] = weighted_demand
        batch.delivered[index] = 0.0
        batch.t[index] = 0
        batch.n_served[index] = 0
        batch.n_present[index] = present.sum(axis=1)
        batch.delivered_total[index] = 0.0

    def received_power_w(self, batch: EpisodeBatch) -> NDArray[np.float64]:
        """[B, T, J, K] power (W) each transmitter would deliver to each device, P_j h
        (eqs. 3, 14; ``models.links.received_power_w``), rounded as ``link_sinr`` rounds it."""
        gain = np.take(self._level_gain_flat, batch.levels + self._level_offset_u8, mode="clip")
        np.multiply(batch.large, gain, out=gain)  # in place: a fresh 1 MB array page-faults
        return received_power_w(self.tx_power_w[:, None], gain)

    def episode_gain(self, batch: EpisodeBatch, row: int) -> NDArray[np.float64]:
        """[T, J, K] channel power gains h (eq. 3) of the episode in ``row``."""
        return batch.large[row] * self.level_gain[_TX[:, None], batch.levels[row]]

    def instance(self, batch: EpisodeBatch, row: int = 0) -> LinkSchedulingInstance:
        cfg = self.config
        return LinkSchedulingInstance(
            transmitters=TRANSMITTERS,
            band=BAND.copy(),
            slot_s=cfg.slot_s,
            gain=self.episode_gain(batch, row),
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
    def _slot(self, batch: EpisodeBatch) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        return np.arange(batch.size), np.minimum(batch.t, self.config.n_slots - 1)

    def link_sinr(self, batch: EpisodeBatch, groups: NDArray[np.int64]) -> NDArray[np.float64]:
        """SINR (eq. 14) of every transmitter's chosen link in the current slot, [B, J].

        ``groups`` [B, J] in action encoding (0 idle, k+1 device k); idle links get 0.
        """
        return self._sinr(self._received_w(batch, groups), groups > IDLE)

    def _received_w(self, batch: EpisodeBatch, groups: NDArray[np.int64]) -> NDArray[np.float64]:
        """rx[b, i, j]: power (W) of transmitter i at the receiver of link j (eqs. 3, 14)."""
        rows, t = self._slot(batch)
        receiver = np.where(groups > IDLE, groups - 1, 0)
        # flat[b, i, j]: element (b, t_b, i, receiver of j) of the [B, T, J, K] arrays
        base = (rows * self.config.n_slots + t) * N_TX
        flat = (base[:, None, None] + _TX[None, :, None]) * self.n_devices + receiver[:, None, :]
        levels = np.take(batch.levels, flat, mode="clip")
        g = np.take(batch.large, flat, mode="clip") * np.take(
            self._level_gain_flat, levels + self._level_offset, mode="clip"
        )
        return self.tx_power_w[None, :, None] * g

    def _sinr(self, rx_w: NDArray[np.float64], active: NDArray[np.bool_]) -> NDArray[np.float64]:
        """SINR [B, J] of the ``active`` links from their received powers ``rx_w``.

        The batch twin of ``models.links.sinr_linear`` (the eq. 14 reference, which
        ``slot_feasible`` and the instance's tables use) restricted to the chosen links: it
        reuses the received powers when ``repair_with_sinr`` drops links, about twice as fast
        at B = 1024. A receiver hears at most two interferers (the other C-band
        transmitters), so the order of the interference sum cannot change its rounding: the
        three implementations agree bit for bit (tests assert it).
        """
        heard = rx_w * (active[:, :, None] & _SAME_BAND_OTHER)
        interference = heard[:, 0]
        for i in range(1, N_TX):
            interference = interference + heard[:, i]
        signal = rx_w[:, _TX, _TX]
        return np.where(active, signal / (interference + self.noise_w), 0.0)

    def violations(
        self, batch: EpisodeBatch, groups: NDArray[np.int64]
    ) -> tuple[NDArray[np.bool_], NDArray[np.bool_], NDArray[np.bool_]]:
        """Per-link flags [B, J] of ``groups.repair_group``'s rule, checked in this order:
        ineligible (kind or absent), duplicate of an earlier kept link (unicast, eq. 12),
        SINR below threshold (20b) under the interference of the links kept so far."""
        ineligible, duplicate, kept = self._unicast_eligible(batch, groups)
        low_sinr = (kept > IDLE) & (self.link_sinr(batch, kept) < self.sinr_threshold)
        return duplicate, ineligible, low_sinr

    def _unicast_eligible(
        self, batch: EpisodeBatch, groups: NDArray[np.int64]
    ) -> tuple[NDArray[np.bool_], NDArray[np.bool_], NDArray[np.int64]]:
        """(ineligible [B, J], duplicate [B, J], groups without either kind of link)."""
        active = groups > IDLE
        receiver = np.where(active, groups - 1, 0)
        eligible = np.take_along_axis(batch.eligible, receiver[:, :, None], 2)[..., 0]
        ineligible = active & ~eligible
        kept = np.where(ineligible, IDLE, groups)
        duplicate = np.zeros_like(active)
        for j in range(1, N_TX):
            duplicate[:, j] = (kept[:, j] > IDLE) & (kept[:, :j] == kept[:, j : j + 1]).any(1)
            kept[:, j] = np.where(duplicate[:, j], IDLE, kept[:, j])
        return ineligible, duplicate, kept

    def repair(self, batch: EpisodeBatch, groups: NDArray[np.int64]) -> NDArray[np.int64]:
        """``groups.repair_group`` on the env's channel state: drop ineligible links, later
        duplicates (LEO, BS, TST1, TST2 priority), then every link whose SINR under the
        remaining interference is too low (dropping links only lowers interference, so
        the remaining links stay feasible)."""
        return self.repair_with_sinr(batch, groups)[0]

    def repair_with_sinr(
        self, batch: EpisodeBatch, groups: NDArray[np.int64]
    ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """``repair`` plus the SINR of the repaired groups."""
        kept = self._unicast_eligible(batch, groups)[2]
        rx_w = self._received_w(batch, kept)
        sinr = self._sinr(rx_w, kept > IDLE)
        low = (kept > IDLE) & (sinr < self.sinr_threshold)
        if low.any():  # dropping links changes the interference, not the received powers
            kept = np.where(low, IDLE, kept)
            sinr = self._sinr(rx_w, kept > IDLE)
        return kept, sinr

    def advance(
        self, batch: EpisodeBatch, groups: NDArray[np.int64], sinr: NDArray | None = None
    ) -> dict[str, NDArray]:
        """Play one slot of valid ``groups`` [B, J] (rows of all-idle are no-ops); ``sinr``
        of those groups if already known."""
        cfg = self.config
        before = self.objective(batch)["objective"]
        if sinr is None:
            sinr = self.link_sinr(batch, groups)
        bits = bits_per_slot(self.bandwidth_hz[None, :], sinr, cfg.slot_s)
        active = groups > IDLE
        # links of a valid group serve distinct devices, so all J updates are independent
        flat = np.arange(batch.size)[:, None] * self.n_devices + np.where(active, groups - 1, 0)
        old, demand = batch.delivered.take(flat), batch.demand.take(flat)
        weight, threshold = batch.weight.take(flat), batch.threshold.take(flat)
        new = np.where(active, np.minimum(old + bits, demand), old)
        gap_new, gap_old = demand - new, demand - old
        change = weight * (gap_new * gap_new) - weight * (gap_old * gap_old)
        gained = new - old
        useful = gained[:, 0].copy()
        for j in range(N_TX):  # summed link by link, in the order of the single env
            batch.shortfall += change[:, j]
            if j:
                useful += gained[:, j]
        batch.n_served += ((old < threshold) & (new >= threshold)).sum(axis=1)
        np.put(batch.delivered, flat[active], new[active])
        batch.delivered_total += useful
        batch.t += 1
        after = self.objective(batch)
        return {
            "reward": before - after["objective"],
            "link_bits": np.where(groups > IDLE, bits, 0.0),
            "delivered_bits": useful,
            **after,
        }

    def objective(self, batch: EpisodeBatch) -> dict[str, NDArray[np.float64]]:
        """Normalised objective terms (eq. 19/20a) from the incremental episode state
        (``groups.objective_from_totals``)."""
        cfg = self.config
        objective, served_gap, data_gap = objective_from_totals(
            batch.n_served,
            np.maximum(batch.n_present, 1),
            np.maximum(batch.shortfall, 0.0),
            np.maximum(batch.weighted_demand, 1e-300),
            cfg.served_term_weight,
            cfg.data_term_weight,
        )
        return {
            "objective": objective,
            "served_gap_term": served_gap,
            "data_gap_term": data_gap,
            "served_devices": batch.n_served.astype(np.float64),
            "present_devices": batch.n_present.astype(np.float64),
        }

    # ------------------------------------------------------------------ agent views
    def action_mask(self, batch: EpisodeBatch) -> NDArray[np.bool_]:
        """Flat [B, J * (K + 1)] mask in MultiDiscrete order (MaskablePPO's format):
        idle always allowed; device k allowed for j if eligible with interference-free
        SINR >= threshold (a necessary condition; joint constraints are checked at step).
        """
        rows, t = self._slot(batch)
        levels, _, min_level = self._slot_arrays(batch, rows, t)
        mask = np.empty((rows.size, N_TX, self.n_devices + 1), dtype=bool)
        mask[:, :, 0] = True
        np.greater_equal(levels, min_level, out=mask[:, :, 1:])
        return mask.reshape(rows.size, -1)

    def action_neighbors(
        self,
        batch: EpisodeBatch,
        index: int,
        proto: NDArray[np.float64],
        k: int,
        feasible: NDArray[np.bool_] | None = None,
    ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """The k valid groups of row ``index``'s current slot nearest to ``proto`` [J, K]
        (``neighbors.nearest_groups``); ``feasible``: that slot's ``slot_feasible`` if
        already known."""
        proto = check_proto(proto, (N_TX, self.n_devices))
        k = check_k(k)
        if feasible is None:
            t = min(int(batch.t[index]), self.config.n_slots - 1)
            feasible = self.slot_feasible(batch, index, t)
        return nearest_groups(proto, feasible, _BAND_TUPLE, k)

    def slot_feasible(self, batch: EpisodeBatch, index: int, t: int | slice) -> NDArray[np.bool_]:
        """[S, J, K] whether link j -> k meets eligibility and its SINR threshold (20b) in
        slot t of row ``index`` when the C-band transmitters of pattern S radiate
        (``groups.active_set_indices`` order): the instance's ``feasible`` for one slot,
        with the SINR rounded as ``repair`` rounds it. A slice of slots gives [T', S, J, K]."""
        gain = batch.large[index, t] * self.level_gain[_TX[:, None], batch.levels[index, t]]
        sinr = sinr_linear(
            gain[..., None, :, :], self.tx_power_w, self.noise_w, BAND, self._activity
        )
        return self._activity[:, :, None] & batch.eligible[index] & (sinr >= self.sinr_threshold)

    def episode_masks(self, batch: EpisodeBatch) -> NDArray[np.bool_]:
        """``action_mask`` of every episode at every slot t = 0..T: [B, T + 1, J (K + 1)]
        (after the last slot it repeats slot T - 1's)."""
        n_slots = self.config.n_slots
        mask = np.empty((batch.size, n_slots + 1, N_TX, self.n_devices + 1), dtype=bool)
        mask[..., 0] = True
        np.greater_equal(batch.levels, batch.min_level, out=mask[:, :n_slots, :, 1:])
        mask[:, n_slots] = mask[:, n_slots - 1]  # views, not a gathered copy of every slot
        return mask.reshape(batch.size, n_slots + 1, -1)

    def _slot_arrays(self, batch: EpisodeBatch, rows: NDArray, t: NDArray):
        """(levels, snr_obs, min_level) of slot t of each row: views when every row is at
        the same slot (the usual lockstep case), gathers otherwise."""
        if t.size and rows.size == batch.size and np.all(t == t[0]):
            return batch.levels[:, t[0]], batch.snr_obs[:, t[0]], batch.min_level[:, t[0]]
        return batch.levels[rows, t], batch.snr_obs[rows, t], batch.min_level[rows, t]

    def observation(self, batch: EpisodeBatch) -> NDArray[np.float32]:
        """Flat float32 observation [B, 10 K + 2]; labels in ``observation_labels``."""
        cfg = self.config
        rows, t = self._slot(batch)
        k = cfg.max_devices
        obs = np.empty((batch.size, self.obs_size), dtype=np.float32)
        grid = obs[:, : k * N_FEATURES].reshape(batch.size, N_FEATURES, k)
        grid[:, :N_TX] = self._slot_arrays(batch, rows, t)[1]
        # absent devices are never served, so their fraction is 0 / 1 = 0
        grid[:, FRACTION_ROW] = batch.delivered / np.maximum(batch.demand, 1.0)
        grid[:, FRACTION_ROW + 1 :] = batch.device_const
        obs[:, -2] = (cfg.n_slots - batch.t) / cfg.n_slots
        obs[:, -1] = batch.n_present / cfg.max_devices
        return obs

    def episode_observations(self, batch: EpisodeBatch) -> NDArray[np.float32]:
        """Observations [B, T + 1, obs] of every episode at every slot t = 0..T with
        nothing delivered yet.

        The single env copies row t and writes its delivered fractions into it, which
        gives the same values as ``observation``.
        """
        cfg = self.config
        k, size = cfg.max_devices, batch.size
        slots = _template_slots(cfg)
        template = np.empty((size, slots.size, self.obs_size), dtype=np.float32)
        grid = template[:, :, : k * N_FEATURES].reshape(size, slots.size, N_FEATURES, k)
        grid[:, : cfg.n_slots, :N_TX] = batch.snr_obs  # views, not a gathered copy
        grid[:, cfg.n_slots, :N_TX] = batch.snr_obs[:, cfg.n_slots - 1]
        grid[:, :, FRACTION_ROW] = 0.0
        grid[:, :, FRACTION_ROW + 1 :] = batch.device_const[:, None]
        template[:, :, -2] = (cfg.n_slots - np.arange(slots.size)) / cfg.n_slots
        template[:, :, -1] = (batch.n_present / cfg.max_devices)[:, None]
        return template


def _template_slots(config: LinkSchedulingConfig) -> NDArray[np.int64]:
    """Slot whose channels the observation at t = 0..T shows (T shows the last slot's)."""
    return np.minimum(np.arange(config.n_slots + 1), config.n_slots - 1)


def observation_labels(config: LinkSchedulingConfig) -> list[str]:
    """A label for every element of the flat observation, in order (feature-major)."""
    labels = [f"{f}.device{k}" for f in DEVICE_FEATURES for k in range(config.max_devices)]
    return labels + list(GLOBAL_FEATURES)


def observation_bounds(config: LinkSchedulingConfig) -> tuple[NDArray, NDArray]:
    """Finite float32 low/high vectors of the observation space."""
    low = np.zeros((N_FEATURES, config.max_devices), dtype=np.float32)
    high = np.ones_like(low)
    low[:N_TX], high[:N_TX] = SNR_FEATURE_RANGE
    high[N_TX + 1] = DEMAND_FEATURE_MAX
    flat_low = np.concatenate([low.ravel(), np.zeros(len(GLOBAL_FEATURES), dtype=np.float32)])
    flat_high = np.concatenate([high.ravel(), np.ones(len(GLOBAL_FEATURES), dtype=np.float32)])
    return flat_low, flat_high
