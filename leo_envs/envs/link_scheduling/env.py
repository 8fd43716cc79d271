"""LinkScheduling-v0: over-loaded LEO + BS + TST downlink scheduling (paper 002)."""

from __future__ import annotations

import operator
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from numpy.typing import NDArray

from leo_envs import scenarios
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
from leo_envs.envs.link_scheduling.render import render_ansi, render_rgb


def resolve_config(config: LinkSchedulingConfig | None, overrides: dict[str, Any]):
    """``gym.make(id, config=cfg)`` and ``gym.make(id, **overrides)`` both work."""
    if config is not None and not isinstance(config, LinkSchedulingConfig):
        raise TypeError(f"config must be a LinkSchedulingConfig, got {type(config).__name__}")
    return LinkSchedulingConfig.from_overrides(config, **overrides)


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


class LinkSchedulingEnv(gym.Env[NDArray[np.float32], NDArray[np.int64]]):
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
    (no signal) in the SNR columns and 0 elsewhere.

    ## Rewards

    The normalised objective U = ((K - served)/K)^2 + sum_k w_k (D_k - b_k)^2 / sum_k w_k
    D_k^2 (eq. 19/20a; K present devices, b_k delivered bits capped at the demand D_k,
    served means b_k >= D_k^th). The reward is its per-slot decrease U_{t-1} - U_t >= 0,
    so the undiscounted return U_0 - U_T (U_0 = 2) equals minimising eq. (20a) (Lemma 2).
    Rewards lie in [0, 2] (minus the penalty in `"penalise"` mode). `info` carries
    `objective`, `served_gap_term`, `data_gap_term`, `served_devices`, `present_devices`,
    `delivered_bits` (this slot), `delivered_bits_total`, `slot_s`, `elapsed_s`,
    `task_id`, `task_switched`.

    ## Starting State

    `reset(seed=...)` draws the initial task (device layout, kinds, priorities, LEO pass);
    every reset draws demands D_k ~ U(demand_mbit_low, demand_mbit_high) Mbit and FSMC
    fading paths for all slots. `reset(options={"task": task})` pins a task from
    `env.unwrapped.sample_tasks(n, rng)` until `options={"task": None}` or a new seed.
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
    episodes, as in Sec. V-A (see `leo_envs.scenarios`).

    ## Arguments

    Any field of `LinkSchedulingConfig`, e.g. `gym.make("leo_envs/LinkScheduling-v0",
    n_devices=80, scenario="user_churn")`, or `config=LinkSchedulingConfig(...)`. Defaults
    the paper leaves open (antenna gains, K-factor, chi, path-loss exponent, demands,
    thresholds, weights) are documented on the config's fields and in the README.

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
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(
                f"render_mode must be one of {self.metadata['render_modes']}, got {render_mode!r}"
            )
        self.render_mode = render_mode
        self.dynamics = LinkDynamics(self.config)
        self.action_space, self.observation_space = make_spaces(self.config)
        self.observation_labels = observation_labels(self.config)
        self._task: ls_tasks.LinkSchedulingTask | None = None
        self._pinned = False
        self._episodes_in_task = 0
        self._episode: SingleEpisode | None = None
        self._last_groups = [0] * len(TRANSMITTERS)
        self._last_bits = [0.0] * len(TRANSMITTERS)
        self._task_switched = False

    # ------------------------------------------------------------------ API
    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[NDArray[np.float32], dict[str, Any]]:
        options = options or {}
        unknown = set(options) - {"task"}
        if unknown:
            raise ValueError(f"reset options may only contain 'task', got {sorted(unknown)}")
        pinned_task = options.get("task")
        if pinned_task is not None:  # checked before any state changes
            pinned_task = self._checked_task(pinned_task)
        new_rng = seed is not None or self._task is None
        super().reset(seed=seed)
        self._task_switched = False
        if new_rng:  # the episode stream first: the batched env derives it in this order
            self._episodes = EpisodePrefetcher(
                self.dynamics, ls_tasks.episode_stream(self.np_random)
            )
        if pinned_task is not None:
            self._task = pinned_task
            self._pinned, self._episodes_in_task = True, 0
        elif new_rng or ("task" in options and self._pinned):
            self._task = ls_tasks.initial_task(self.config, self.np_random)
            self._pinned, self._episodes_in_task = False, 0
        elif not self._pinned and self._episodes_in_task >= self.episodes_per_task:
            self._task = scenarios.next_task(self.config, self._task, self.np_random)
            self._episodes_in_task = 0
            self._task_switched = self.config.scenario != "static"
        self._episodes_in_task += 1
        fixed_task = self._pinned or self.config.scenario == "static"
        horizon = None if fixed_task else self.episodes_per_task - self._episodes_in_task + 1
        self._episode = self._episodes.next_episode(self._task, horizon)
        self._last_groups = [0] * len(TRANSMITTERS)
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
        self._last_bits = link_bits
        obs = self._observation(repaired)
        info = self._info(slot_bits=useful)
        info["repaired_links"] = n_repaired
        info["invalid_action"] = bool(n_repaired)
        return obs, reward, episode.t >= cfg.n_slots, False, info

    def render(self) -> str | NDArray[np.uint8] | None:
        if self.render_mode is None or self._episode is None:
            return None
        if self.render_mode == "ansi":
            return render_ansi(self)
        return render_rgb(self)

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
        return self._task

    def instance(self) -> LinkSchedulingInstance:
        """The current episode's full problem instance (for offline solvers)."""
        if self._episode is None:
            raise RuntimeError("call reset() before instance()")
        return self.dynamics.instance(self._batch, 0)

    def sample_tasks(
        self, n: int, rng: np.random.Generator | None = None
    ) -> list[ls_tasks.LinkSchedulingTask]:
        """Draw n tasks of this env's scenario (meta-training); see ``leo_envs.scenarios``."""
        return scenarios.sample_tasks(n, rng if rng is not None else self.np_random, self.config)

    def action_neighbors(
        self, proto: NDArray[np.float64], k: int
    ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """The n <= k valid link groups of the current slot nearest to the proto-action
        ``proto`` [4, K] (per transmitter x device scores, typically in [0, 1]) in
        ||a - proto||^2 over the 0/1 link matrix a, best first: (groups [n, 4] in action
        encoding, scores [n] = -||a - proto||^2, non-increasing). Valid: what ``step``
        plays unrepaired (eligibility, unicast, SINR under the group's interference).
        k = 1 is Wolpertinger's "simple" mapping; Murty's k-best assignments
        (``link_scheduling.neighbors``). ValueError for a mis-shaped or non-finite
        ``proto`` or ``k`` < 1."""
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
        return self._episode.masks[self._episode.t]

    @property
    def delivered_bits(self) -> NDArray[np.float64]:
        return np.array(self._episode.delivered) if self._episode is not None else np.zeros(0)

    # ------------------------------------------------------------------ helpers
    def _checked_task(self, task: object) -> ls_tasks.LinkSchedulingTask:
        if not isinstance(task, ls_tasks.LinkSchedulingTask):
            raise TypeError(
                f"options['task'] must be a LinkSchedulingTask (from sample_tasks), "
                f"got {type(task).__name__}"
            )
        expected = (self.config.n_slots, len(TRANSMITTERS), self.config.max_devices)
        if task.large_scale_gain.shape != expected:
            raise ValueError(
                f"options['task'] was made for another config: gains {task.large_scale_gain.shape}"
                f", expected {expected}"
            )
        return task

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

    def _info(self, slot_bits: float) -> dict[str, Any]:
        episode, cfg = self._episode, self.config
        t = episode.t
        objective, served_gap, data_gap = self._terms
        return {
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
            "task_id": self._task.task_id,
            "task_switched": self._task_switched,
            "action_mask": episode.masks[t],
        }
