"""Native numpy-batched LinkScheduling-v0 (``vector_entry_point``)."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from gymnasium.utils import seeding
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space
from numpy.typing import NDArray

from leo_envs.envs.common.config import MAX_VECTOR_ENVS, check_int
from leo_envs.envs.common.task_api import checked_task
from leo_envs.envs.link_scheduling import tasks as ls_tasks
from leo_envs.envs.link_scheduling.config import TRANSMITTERS, LinkSchedulingConfig
from leo_envs.envs.link_scheduling.dynamics import LinkDynamics
from leo_envs.envs.link_scheduling.env import (
    make_spaces,
    resolve_config,
    task_schedule,
    validate_groups,
)
from leo_envs.tasks import TaskSchedule


class LinkSchedulingVectorEnv(VectorEnv):
    """B LinkScheduling-v0 episodes stepped with numpy over the batch axis.

    Sub-env i behaves exactly like ``LinkSchedulingEnv`` reset with seed ``seed + i``
    (or ``seed[i]`` for a list): same tasks, channels, rewards and infos. Autoreset is
    ``NEXT_STEP``: the step after a termination resets that sub-env and ignores its action.
    ``infos`` hold arrays over the batch (Gymnasium's vector info convention) with the
    single env's keys and values. ``reset(options={"task": t})`` pins task ``t`` in every
    sub-env, ``{"task": [t0, t1, ...]}`` one task per sub-env (None entries unpin).
    """

    metadata: ClassVar[dict[str, Any]] = {
        "autoreset_mode": AutoresetMode.NEXT_STEP,
        "render_modes": [],
    }

    def __init__(
        self, num_envs: int = 1, config: LinkSchedulingConfig | None = None, **overrides: Any
    ) -> None:
        num_envs = check_int("num_envs", num_envs, 1, MAX_VECTOR_ENVS)
        overrides.pop("render_mode", None)
        self.config = resolve_config(config, overrides)
        self.num_envs = num_envs
        self.dynamics = LinkDynamics(self.config)
        self.single_action_space, self.single_observation_space = make_spaces(self.config)
        self.action_space = batch_space(self.single_action_space, num_envs)
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self._rngs: list[np.random.Generator] = []
        self._streams: list[np.random.BitGenerator] = []
        self._schedules: list[TaskSchedule] = [task_schedule(self.config) for _ in range(num_envs)]
        self._switched = np.zeros(num_envs, dtype=bool)
        self._played = np.zeros((num_envs, len(TRANSMITTERS)), dtype=np.int64)
        self._needs_reset = np.zeros(num_envs, dtype=bool)
        self._batch = self.dynamics.empty_batch(num_envs)
        self._started = False

    def reset(
        self, *, seed: int | list[int | None] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[NDArray[np.float32], dict[str, Any]]:
        pins = self._task_options(options)  # validated before any state changes
        if seed is None:
            seeds: list[int | None] = [None] * self.num_envs
        elif isinstance(seed, int | np.integer):
            seeds = [int(seed) + i for i in range(self.num_envs)]
        else:
            seeds = list(seed)
            if len(seeds) != self.num_envs:
                raise ValueError(f"seed list must have {self.num_envs} entries, got {len(seeds)}")
        new_sequence = seed is not None or not self._rngs
        if new_sequence:
            self._rngs = [seeding.np_random(s)[0] for s in seeds]
            self._streams = [ls_tasks.episode_stream(rng) for rng in self._rngs]
        for i, schedule in enumerate(self._schedules):
            given, task = pins[i]
            if given and task is not None:
                schedule.pin(task)
            elif (given and schedule.pinned) or (
                not schedule.pinned and (new_sequence or not schedule.started)
            ):
                schedule.start(ls_tasks.initial_task(self.config, self._rngs[i]))
        self._new_episodes(np.arange(self.num_envs))
        self._started = True
        self._needs_reset[:] = False
        self._played[:] = 0
        return self.dynamics.observation(self._batch), self._infos(
            self.dynamics.objective(self._batch),
            np.zeros(self.num_envs),
            np.zeros(self.num_envs, dtype=np.int64),
        )

    def step(self, actions: NDArray[np.int64]):
        if not self._started:
            raise RuntimeError("call reset() before step()")
        groups = validate_groups(actions, len(TRANSMITTERS), self.config.max_devices, self.num_envs)
        cfg = self.config
        resetting = self._needs_reset.copy()
        playing = ~resetting
        if resetting.all():  # every episode ended together (the usual case): nothing to play
            self._new_episodes(np.arange(self.num_envs))
            self._played[:] = 0
            rewards, slot_bits = np.zeros(self.num_envs), np.zeros(self.num_envs)
            n_repaired = np.zeros(self.num_envs, dtype=np.int64)
        else:
            rewards, slot_bits, n_repaired = self._play(groups, resetting)
        self._switched[playing] = False
        terminated = playing & (self._batch.t >= cfg.n_slots)
        self._needs_reset = terminated.copy()
        truncated = np.zeros(self.num_envs, dtype=bool)
        infos = self._infos(self.dynamics.objective(self._batch), slot_bits, n_repaired)
        return self.dynamics.observation(self._batch), rewards, terminated, truncated, infos

    # ------------------------------------------------------------------ helpers
    def _play(self, groups: NDArray[np.int64], resetting: NDArray[np.bool_]):
        """Play ``groups`` in the running episodes and reset the ``resetting`` ones:
        (rewards, delivered bits, repaired links)."""
        cfg = self.config
        repaired, sinr = self.dynamics.repair_with_sinr(self._batch, groups)
        n_repaired = (repaired != groups).sum(axis=1)
        n_repaired[resetting] = 0
        if cfg.invalid_action == "raise" and n_repaired.any():
            bad = int(np.flatnonzero(n_repaired)[0])
            raise ValueError(f"invalid link group in sub-env {bad}: {groups[bad].tolist()}")
        played = np.where(resetting[:, None], 0, repaired)
        out = self.dynamics.advance(self._batch, played, np.where(played > 0, sinr, 0.0))
        self._played[:] = played
        rewards = out["reward"].copy()
        if cfg.invalid_action == "penalise":
            rewards -= cfg.invalid_action_penalty * (n_repaired > 0)
        slot_bits = out["delivered_bits"].copy()
        if resetting.any():
            rows = np.flatnonzero(resetting)
            self._new_episodes(rows)
            rewards[rows] = 0.0
            slot_bits[rows] = 0.0
        return rewards, slot_bits, n_repaired

    def _new_episodes(self, rows: NDArray[np.int64]) -> None:
        cfg = self.config
        for i in rows.tolist():  # task draws and episode draws use separate streams
            self._switched[i] = self._schedules[i].advance(self._rngs[i])
        words = np.empty((rows.size, ls_tasks.words_per_episode(cfg)), np.uint64)
        for n, i in enumerate(rows.tolist()):
            words[n] = ls_tasks.episode_words(cfg, self._streams[i])[0]
        tasks = [self._schedules[i].task for i in rows.tolist()]
        self.dynamics.load(self._batch, rows, tasks, words)
        # per-sub-env task fields of the infos, refreshed only here (tasks change at resets)
        self._task_ids = np.array([s.task.task_id for s in self._schedules])
        self._seq_idx = np.array([s.seq_idx for s in self._schedules])

    def _task_options(self, options: dict[str, Any] | None) -> list[tuple[bool, Any]]:
        """Per sub-env (task given?, task) from ``options``, validated."""
        options = options or {}
        if not isinstance(options, dict):
            raise TypeError(f"reset options must be a dict, got {type(options).__name__}")
        unknown = set(options) - {"task"}
        if unknown:
            raise ValueError(f"reset options may only contain ['task'], got {sorted(unknown)}")
        if "task" not in options:
            return [(False, None)] * self.num_envs
        tasks = options["task"]
        if not isinstance(tasks, list | tuple):
            tasks = [tasks] * self.num_envs
        if len(tasks) != self.num_envs:
            raise ValueError(
                f"options['task'] list must have {self.num_envs} entries, got {len(tasks)}"
            )
        return [(True, None if t is None else self.check_task(t)) for t in tasks]

    def check_task(self, task: object) -> ls_tasks.LinkSchedulingTask:
        """``task`` if valid for this env's config, else TypeError/ValueError."""
        return checked_task(task, ls_tasks.LinkSchedulingTask, self.config)

    def _infos(self, terms, slot_bits, n_repaired) -> dict[str, Any]:
        batch, cfg = self._batch, self.config
        n_repaired = np.asarray(n_repaired, dtype=np.int64)
        return {
            "objective": terms["objective"],
            "served_gap_term": terms["served_gap_term"],
            "data_gap_term": terms["data_gap_term"],
            "served_devices": terms["served_devices"].astype(np.int64),
            "present_devices": terms["present_devices"].astype(np.int64),
            "delivered_bits": slot_bits,
            "delivered_bits_total": batch.delivered_total.copy(),
            "slot": batch.t.copy(),
            "slot_s": np.full(self.num_envs, cfg.slot_s),
            "elapsed_s": batch.t * cfg.slot_s,
            "task_id": self._task_ids.copy(),
            "task_switched": self._switched.copy(),
            "seq_idx": self._seq_idx.copy(),
            "repaired_links": n_repaired,
            "invalid_action": n_repaired > 0,
            "action_mask": self.dynamics.action_mask(batch),
            "played_action": self._played.copy(),
        }

    def action_neighbors(
        self, index: int, proto: NDArray[np.float64], k: int
    ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """``LinkSchedulingEnv.action_neighbors`` of sub-env ``index`` (for a sub-env whose
        episode just ended, whose next action is ignored, the groups of its last slot)."""
        if not self._started:
            raise RuntimeError("call reset() before action_neighbors()")
        if (
            isinstance(index, bool)
            or not isinstance(index, int | np.integer)
            or not (0 <= index < self.num_envs)
        ):
            raise ValueError(f"index must be an integer in [0, {self.num_envs - 1}], got {index!r}")
        return self.dynamics.action_neighbors(self._batch, int(index), proto, k)

    def instance(self, index: int):
        """The problem instance of sub-env ``index``'s current episode."""
        return self.dynamics.instance(self._batch, index)
