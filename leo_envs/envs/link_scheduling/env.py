"""LinkScheduling-v0: over-loaded LEO + BS + TST downlink scheduling (paper 002)."""

from __future__ import annotations

import functools
import operator
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from numpy.typing import NDArray

from leo_envs.envs.common.card import fill_card
from leo_envs.envs.common.render import check_render_mode
from leo_envs.envs.common.task_api import TaskEnvMixin
from leo_envs.envs.link_scheduling import scenarios
from leo_envs.envs.link_scheduling import tasks as ls_tasks
from leo_envs.envs.link_scheduling.config import TRANSMITTERS, LinkSchedulingConfig
from leo_envs.envs.link_scheduling.dynamics import (
    FRACTION_ROW,
    EpisodeBatch,
    LinkDynamics,
    observation_bounds,
    observation_labels,
)
from leo_envs.envs.link_scheduling.episode import SingleEpisode
from leo_envs.envs.link_scheduling.instance import LinkSchedulingInstance
from leo_envs.envs.link_scheduling.prefetch import EpisodePrefetcher
from leo_envs.envs.link_scheduling.render import LinkSchedulingFrame, render_ansi, render_rgb
from leo_envs.tasks import TaskSchedule

_INT64 = np.dtype(np.int64)  # builtin dtypes are singletons: ``is`` is the cheap test


def resolve_config(config: LinkSchedulingConfig | None, overrides: dict[str, Any]):
    """``gym.make(id, config=cfg)`` and ``gym.make(id, **overrides)`` both work."""
    return LinkSchedulingConfig.resolve(config, overrides)


def task_schedule(config: LinkSchedulingConfig) -> TaskSchedule:
    """The task schedule of one env: switches between episodes, every
    ``update_interval / n_slots`` episodes, by the config's scenario."""
    scenario = scenarios.SCENARIOS.get(config.scenario)
    return TaskSchedule(
        config.update_interval // config.n_slots, functools.partial(scenario.next_task, config)
    )


def make_spaces(config: LinkSchedulingConfig) -> tuple[spaces.MultiDiscrete, spaces.Box]:
    """Action space (a receiver per transmitter, 0 idle) and flat float32 observation space."""
    low, high = observation_bounds(config)
    return (
        spaces.MultiDiscrete(np.full(len(TRANSMITTERS), config.max_devices + 1)),
        spaces.Box(low, high, dtype=np.float32),
    )


def validate_groups(action: Any, n_tx: int, n_devices: int, batch: int | None) -> NDArray:
    """Coerce an action (or a batch of actions) to int64 groups [B, J] or raise ValueError."""
    arr = np.asarray(action)
    expected = (n_tx,) if batch is None else (batch, n_tx)
    if arr.shape != expected:
        raise ValueError(f"action must have shape {expected}, got {arr.shape}")
    if arr.dtype.kind not in "iu":
        if arr.dtype.kind != "f" or not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
            raise ValueError(f"action must hold integers, got dtype {arr.dtype}: {arr.tolist()}")
    if arr.min() < 0 or arr.max() > n_devices:
        raise ValueError(
            f"action entries must lie in [0, {n_devices}] (0 = idle, k+1 = device k), "
            f"got {arr.tolist()}"
        )
    return arr.astype(np.int64).reshape(-1, n_tx)


def validate_group(action: Any, n_tx: int, n_devices: int) -> list[int]:
    """Single-env fast path of ``validate_groups``: a list of J ints or ValueError."""
    if type(action) is np.ndarray and action.shape == (n_tx,) and action.dtype.kind in "iu":
        group = action.tolist()
        if min(group) >= 0 and max(group) <= n_devices:
            return group
    return validate_groups(action, n_tx, n_devices, None)[0].tolist()


class LinkSchedulingEnv(TaskEnvMixin, gym.Env[NDArray[np.float32], NDArray[np.int64]]):
    """
    ## Description

    Downlink scheduling in an over-loaded LEO-B5G cell (Yuan et al., "Adapting to Dynamic
    LEO-B5G Systems: Meta-Critic Learning Based Efficient Resource Scheduling", IEEE TWC
    2022). One LEO satellite (Ka band, 30 GHz, 400 MHz, 100 W, 780 km), one base station
    (C band, 4 GHz, 20 MHz, 40 W) and two terrestrial-satellite terminals (TSTs, C band,
    2 W) serve 50-100 ground devices: cellular mobile terminals and dual-mode IoT
    terminals that the LEO can also reach. Each 0.1 s slot the agent picks a *link group*:
    for every transmitter, the device it serves or none. Each transmitter serves at most
    one device and each device hears at most one transmitter (eqs. 12-13); C-band links
    interfere with each other, the Ka link with nobody (eq. 14). Ten slots cannot serve
    everyone (at most 40 links for 50-100 devices): the agent trades the number of served
    devices against the weighted data shortfall (objective 19-20).

    The LEO geometry is real orbital mechanics: an Iridium-like Walker shell at 780 km is
    propagated with SGP4 and the serving satellite is the highest one over the site
    during the task's pass. Channels follow eqs. (3)-(6) with FSMC small-scale fading
    (eqs. 10-11), sampled for the whole episode at reset.

    ## Action Space

    `MultiDiscrete([K+1] * 4)` over (LEO, BS, TST1, TST2), K = `max_devices`: `0` idles the
    transmitter, `k+1` makes it serve device k. `info["action_mask"]` (and
    `env.action_masks()`) is the flat `4 * (K+1)` boolean mask sb3-contrib's
    `MaskablePPO` expects: it allows links that are eligible (LEO only to present IoT
    terminals; BS/TSTs to present devices) with interference-free SINR above the
    threshold. Unicast and interference are joint constraints the per-dimension mask
    cannot express; `invalid_action` decides what happens to a group that breaks them:
    `"repair"` (default: drop later duplicates in LEO, BS, TST1, TST2 order, ineligible
    links, then links whose SINR is below threshold; `info["repaired_links"]` counts them),
    `"penalise"` (repair and subtract `invalid_action_penalty`), `"raise"` (`ValueError`
    naming the violated constraint; the env state is unchanged).

    ## Observation Space

    Flat `Box(float32)` of `K * 10 + 2` values; `env.unwrapped.observation_labels` names
    each. Per device k: `snr_db/10[LEO|BS|TST1|TST2]` interference-free SNR of this slot in
    dB / 10, clipped to [-5, 8]; `delivered/demand` in [0, 1]; `demand_mbit/100` in [0, 10];
    `threshold/demand` (served threshold D_th / D); `weight/max_weight` priority; `is_iot`;
    `present`. Then `slots_left/T` and `present/max_devices`. Absent device slots read -5
    (no signal) in the SNR columns and 0 elsewhere. The layout is feature-major (a
    [10, K] grid, convolution-friendly, then the two globals):

    {observation_table}

    ## Rewards

    The normalised objective U = ((K - served)/K)^2 + sum_k w_k (D_k - b_k)^2 / sum_k w_k
    D_k^2 (eq. 19/20a; K present devices, b_k delivered bits capped at the demand D_k,
    served means b_k >= D_k^th). The reward is its per-slot decrease U_{t-1} - U_t >= 0,
    so the undiscounted return U_0 - U_T (U_0 = 2) equals minimising eq. (20a) (Lemma 2).
    Rewards lie in [0, 2] (minus the penalty in `"penalise"` mode). `info` carries
    `objective`, `served_gap_term`, `data_gap_term`, `served_devices`, `present_devices`,
    `delivered_bits` (this slot), `delivered_bits_total`, `slot_s`, `elapsed_s`,
    `task_id` (stable str), `task_switched`, `seq_idx`, `repaired_links`, `invalid_action`,
    `played_action` (the group actually played, after repair) and a copy of `action_mask`.

    ## Starting State

    `reset(seed=...)` draws the initial task (device layout, kinds, priorities, LEO pass);
    every reset draws demands D_k ~ U(demand_mbit_low, demand_mbit_high) Mbit and FSMC
    fading paths for all slots. `reset(options={"task": task})` (or `set_task(task)`) pins
    a task from `env.unwrapped.sample_tasks(n, seed=...)` or the fixed train / test sets
    `env.unwrapped.task_set("train" | "test")` until `options={"task": None}`.
    The episode sequence of a seed never depends on the actions taken. Demands and fading
    come from an episode stream of their own (derived from the seed, apart from the task
    draws): episode n of a seed uses the stream's n-th block of random words whatever the
    task, which lets the env sample up to 32 upcoming episodes in one batch (reset then
    costs a lookup) and the batched env reproduce single envs exactly.

    ## Episode End

    Terminates after `n_slots` (T = 10) slots: the delay budget of the problem.

    ## Non-stationarity

    `scenario` in `static`, `user_churn`, `bursty_demand`, `channel_shock` changes the
    task every `update_interval` slots (default 200, i.e. 20 episodes), counting whole
    episodes, as in Sec. V-A (see `leo_envs.envs.link_scheduling.scenarios`). Tasks are
    `LinkSchedulingTask`s (`leo_envs.tasks.Task`): JSON via `to_dict` /
    `env.unwrapped.task_from_dict`, a stable content-hash `task_id` and a readable `name`.

    ## Arguments

    Any field of `LinkSchedulingConfig`, e.g. `gym.make("leo_envs/LinkScheduling-v0",
    n_devices=80, scenario="user_churn")`, or `config=LinkSchedulingConfig(...)`. Defaults
    the paper leaves open (antenna gains, K-factor, chi, path-loss exponent, demands,
    thresholds, weights) are documented on the config's fields and in the README.

    {arguments_table}

    ## Examples

    >>> import gymnasium as gym, leo_envs
    >>> env = gym.make("leo_envs/LinkScheduling-v0", n_devices=6, max_devices=8)
    >>> obs, info = env.reset(seed=0)
    >>> obs.shape, env.action_space
    ((82,), MultiDiscrete([9 9 9 9]))
    >>> obs, reward, terminated, truncated, info = env.step([0, 1, 2, 3])
    >>> sorted(k for k in ("objective", "played_action", "task_id") if k in info)
    ['objective', 'played_action', 'task_id']
    >>> info["played_action"].shape, 0.0 <= reward <= 2.0
    ((4,), True)
    >>> train = env.unwrapped.task_set("train")   # fixed tasks for meta-training
    >>> obs, info = env.reset(options={"task": train[0]})
    >>> info["task_id"] == train[0].task_id
    True

    ## Offline planning

    `env.unwrapped.instance()` returns the `LinkSchedulingInstance` of the current episode
    (channel gains of all slots, demands, thresholds, weights, precomputed per-link bits
    for every interference pattern) for solvers; `instance.score(schedule)` scores a
    [T, 4] schedule with the env's own objective.

    ## Vectorized environment

    `gym.make_vec("leo_envs/LinkScheduling-v0", num_envs=n,
    vectorization_mode="vector_entry_point")` returns a numpy-batched env that agrees with
    n single envs seeded `seed, seed+1, ...`.

    ## Version History

    * v0: initial release.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["ansi", "rgb_array"], "render_fps": 10}

    def __init__(
        self,
        config: LinkSchedulingConfig | None = None,
        render_mode: str | None = None,
        **overrides: Any,
    ) -> None:
        self.config = resolve_config(config, overrides)
        self.render_mode = check_render_mode(render_mode, self.metadata["render_modes"])
        self.dynamics = LinkDynamics(self.config)
        self.action_space, self.observation_space = make_spaces(self.config)
        self.observation_labels = observation_labels(self.config)
        self._schedule = task_schedule(self.config)
        self._pending_task = None
        self._episode: SingleEpisode | None = None
        self._last_groups = [0] * len(TRANSMITTERS)
        self._played = np.zeros(len(TRANSMITTERS), dtype=np.int64)
        self._last_bits = [0.0] * len(TRANSMITTERS)
        self._task_switched = False

    # ------------------------------------------------------------------ API
    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[NDArray[np.float32], dict[str, Any]]:
        task_option = self._task_option(options)  # validated before any state changes
        new_sequence = seed is not None or not self._schedule.started
        super().reset(seed=seed)
        if new_sequence:  # the episode stream first: the batched env derives it in this order
            self._episodes = EpisodePrefetcher(
                self.dynamics, ls_tasks.episode_stream(self.np_random)
            )
        self._task_switched = self._reset_task(new_sequence, task_option)
        horizon = None if self.config.scenario == "static" else self._schedule.remaining()
        self._episode = self._episodes.next_episode(self._schedule.task, horizon)
        self._last_groups = [0] * len(TRANSMITTERS)
        self._played = np.zeros(len(TRANSMITTERS), dtype=np.int64)
        self._last_bits = [0.0] * len(TRANSMITTERS)
        self._fraction = np.zeros(self.config.max_devices, dtype=np.float32)
        obs = self._episode.observations[0].copy()
        self._terms = self._episode.objective_terms()
        info = self._info(slot_bits=0.0)
        self._task_switched = False
        return obs, info

    def step(
        self, action: NDArray[np.int64]
    ) -> tuple[NDArray[np.float32], float, bool, bool, dict[str, Any]]:
        episode = self._episode
        if episode is None:
            raise RuntimeError("call reset() before step()")
        cfg = self.config
        if episode.t >= cfg.n_slots:
            raise RuntimeError("episode has terminated; call reset()")
        requested = validate_group(action, len(TRANSMITTERS), cfg.max_devices)
        repaired, sinr = episode.repair(requested)
        n_repaired = sum(map(operator.ne, requested, repaired))
        if n_repaired and cfg.invalid_action == "raise":
            problems = self._describe_violations(np.array([requested]))
            raise ValueError(f"invalid link group {requested}: {problems}")
        before = self._terms[0]
        link_bits, useful = episode.play(repaired, sinr)
        self._terms = episode.objective_terms()
        reward = before - self._terms[0]
        if n_repaired and cfg.invalid_action == "penalise":
            reward -= cfg.invalid_action_penalty
        self._last_groups = repaired
        self._played = (  # the caller's own array when nothing was repaired: a cheap copy
            action.copy()
            if not n_repaired and type(action) is np.ndarray and action.dtype is _INT64
            else np.array(repaired, dtype=np.int64)
        )
        self._last_bits = link_bits
        obs = self._observation(repaired)
        info = self._info(slot_bits=useful, n_repaired=n_repaired)
        return obs, reward, episode.t >= cfg.n_slots, False, info

    def render(self) -> str | NDArray[np.uint8] | None:
        if self.render_mode is None or self._episode is None:
            return None
        frame = self._frame()
        if self.render_mode == "ansi":
            return render_ansi(frame)
        return render_rgb(frame)

    # ------------------------------------------------------------------ extras
    @property
    def _batch(self) -> EpisodeBatch | None:
        """The current episode as a one-row ``EpisodeBatch`` (None before reset)."""
        return None if self._episode is None else self._episode.row()

    @property
    def episodes_per_task(self) -> int:
        return self.config.update_interval // self.config.n_slots

    @property
    def task(self) -> ls_tasks.LinkSchedulingTask | None:
        """The task of the current episode (None before the first reset)."""
        return self._schedule.task if self._schedule.started else None

    def instance(self) -> LinkSchedulingInstance:
        """The current episode's full problem instance (for offline solvers)."""
        if self._episode is None:
            raise RuntimeError("call reset() before instance()")
        return self.dynamics.instance(self._batch, 0)

    def _draw_tasks(self, n: int, rng: np.random.Generator) -> list[ls_tasks.LinkSchedulingTask]:
        """n tasks of this env's scenario (see ``scenarios.sample_tasks``)."""
        return scenarios.sample_tasks(n, rng, self.config)

    task_class = ls_tasks.LinkSchedulingTask

    def _task_context(self) -> dict[str, Any]:
        return {"config": self.config}

    def _initial_task(self, rng: np.random.Generator) -> ls_tasks.LinkSchedulingTask:
        return ls_tasks.initial_task(self.config, rng)

    def action_neighbors(
        self, proto: NDArray[np.float64], k: int
    ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """The n <= k valid link groups of the current slot nearest to the proto-action
        ``proto`` [4, K] (per transmitter x device scores, typically in [0, 1]) in
        ||a - proto||^2 over the 0/1 link matrix a, best first: (groups [n, 4] in action
        encoding, scores [n] = -||a - proto||^2, non-increasing). Valid: what ``step``
        plays unrepaired (eligibility, unicast, SINR under the group's interference).
        k = 1 is Wolpertinger's "simple" mapping; Murty's k-best assignments
        (``link_scheduling.neighbors``; equal scores in ascending group order; compiled
        with numba, so the first call on a machine compiles for a few seconds). ValueError
        for a mis-shaped or non-finite ``proto`` or ``k`` < 1."""
        episode = self._episode
        if episode is None:
            raise RuntimeError("call reset() before action_neighbors()")
        if episode.t >= self.config.n_slots:
            raise RuntimeError("episode has terminated; call reset()")
        return episode.action_neighbors(proto, k)

    def action_masks(self) -> NDArray[np.bool_]:
        """Flat action mask for sb3-contrib's MaskablePPO (same as ``info['action_mask']``)."""
        if self._episode is None:
            raise RuntimeError("call reset() before action_masks()")
        return self._episode.masks[self._episode.t].copy()

    @property
    def delivered_bits(self) -> NDArray[np.float64]:
        return np.array(self._episode.delivered) if self._episode is not None else np.zeros(0)

    # ------------------------------------------------------------------ helpers
    def _observation(self, served: list[int]) -> NDArray[np.float32]:
        episode = self._episode
        for k in served:  # absent devices are never served: their fraction stays 0
            if k:
                self._fraction[k - 1] = episode.delivered[k - 1] / max(episode.demand[k - 1], 1.0)
        obs = episode.observations[episode.t].copy()
        k = self.config.max_devices
        obs[FRACTION_ROW * k : (FRACTION_ROW + 1) * k] = self._fraction
        return obs

    def _describe_violations(self, groups: NDArray[np.int64]) -> str:
        duplicate, ineligible, low_sinr = self.dynamics.violations(self._batch, groups)
        parts = []
        for j, name in enumerate(TRANSMITTERS):
            k = groups[0, j] - 1
            if duplicate[0, j]:
                parts.append(f"{name}: device {k} already served (unicast, eq. 12)")
            elif ineligible[0, j]:
                parts.append(f"{name}: device {k} not eligible (kind or absent)")
            elif low_sinr[0, j]:
                parts.append(f"{name}: device {k} SINR below threshold (eq. 20b)")
        return "; ".join(parts)

    def _info(self, slot_bits: float, n_repaired: int = 0) -> dict[str, Any]:
        episode, cfg, schedule = self._episode, self.config, self._schedule
        t = episode.t
        objective, served_gap, data_gap = self._terms
        return {  # the keys of schedule.info_fields(), inlined: this is the hot path
            "objective": objective,
            "served_gap_term": served_gap,
            "data_gap_term": data_gap,
            "served_devices": episode.n_served,
            "present_devices": episode.n_present,
            "delivered_bits": slot_bits,
            "delivered_bits_total": episode.delivered_total,
            "slot": t,
            "slot_s": cfg.slot_s,
            "elapsed_s": t * cfg.slot_s,
            "task_id": schedule.task.task_id,
            "task_switched": self._task_switched,
            "seq_idx": schedule.seq_idx,
            "repaired_links": n_repaired,
            "invalid_action": bool(n_repaired),
            "action_mask": episode.masks[t].copy(),  # a copy: torch rejects read-only arrays
            "played_action": self._played,
        }

    def _frame(self) -> LinkSchedulingFrame:
        """What the renderers draw, as plain data."""
        batch, task = self._batch, self.task
        terms = self.dynamics.objective(batch)
        return LinkSchedulingFrame(
            slot=int(batch.t[0]),
            n_slots=self.config.n_slots,
            task_name=task.name,
            objective=float(terms["objective"][0]),
            served=int(terms["served_devices"][0]),
            present=int(terms["present_devices"][0]),
            positions_m=task.positions_m,
            present_mask=task.present,
            is_iot=task.is_iot,
            delivered_fraction=np.where(
                task.present, batch.delivered[0] / np.maximum(batch.demand[0], 1.0), 0.0
            ),
            transmitter_positions_m=ls_tasks.transmitter_positions_m(self.config),
            played_action=tuple(int(k) for k in self._last_groups),
            link_bits=tuple(float(b) for b in self._last_bits),
            cell_radius_m=self.config.cell_radius_m,
            leo_elevation_deg=task.leo_elevation_deg,
        )


OBSERVATION_ROWS = (
    *(
        (
            f"snr_db/10[{name}].device<k>",
            "[-5, 8]",
            f"interference-free SNR of {name} -> device k this slot, dB / 10",
        )
        for name in TRANSMITTERS
    ),
    ("delivered/demand.device<k>", "[0, 1]", "share of device k's demand delivered so far"),
    ("demand_mbit/100.device<k>", "[0, 10]", "device k's demand D_k in Mbit / 100"),
    ("threshold/demand.device<k>", "[0, 1]", "served threshold D_th / D of device k"),
    ("weight/max_weight.device<k>", "[0, 1]", "priority weight of device k (normalised)"),
    ("is_iot.device<k>", "{0, 1}", "dual-mode IoT terminal (the LEO can serve it)"),
    ("present.device<k>", "{0, 1}", "device slot k is occupied"),
    ("slots_left/T", "[0, 1]", "slots left in the episode / T"),
    ("present/max_devices", "[0, 1]", "present devices / K"),
)
fill_card(LinkSchedulingEnv, LinkSchedulingConfig, OBSERVATION_ROWS)
