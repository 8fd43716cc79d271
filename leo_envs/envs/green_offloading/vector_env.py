"""Batched GreenOffloading-v0 (``vector_entry_point``): M episodes in lockstep."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space
from numpy.typing import NDArray

import leo_envs.envs.green_offloading._kernel as kernel
from leo_envs.envs.common.config import MAX_VECTOR_ENVS, check_int
from leo_envs.envs.green_offloading.config import GreenOffloadingConfig
from leo_envs.envs.green_offloading.env import SITE_FLOAT_INFO_KEYS, GreenOffloadingEnv

_SUM_KEYS = (
    "objective", "energy_j", "energy_bench_j", "energy_saving", "delay_s", "dropped",
    "drop_rate", "harvest_j", "battery_j", "backup_j",
)  # fmt: skip
"""Scalar info keys, columns S_OBJECTIVE .. S_BACKUP of the compiled slot's sums."""


class GreenOffloadingVectorEnv(VectorEnv):
    """M GreenOffloading-v0 episodes stepped together, with batched arrays in and out.

    Sub-env i behaves exactly like ``GreenOffloadingEnv`` reset with seed ``seed + i`` (or
    ``seed[i]`` for a list): same tasks, traces, observations, rewards and infos. Each step
    checks all M actions at once, runs each sub-env's compiled slot (``_kernel.run_slot``,
    no Python between the sub-steps, the energy and the observation) writing straight into
    the batch's observation array, and gathers the infos with one stack per array kind
    instead of M dicts. Episodes all last ``n_slots`` steps, so the sub-envs truncate
    together; autoreset is ``NEXT_STEP``: the step after truncation resets every sub-env
    (their seeds' streams continue), ignores the actions and returns the reset infos.
    ``infos`` hold arrays over the batch (Gymnasium's vector info convention) with the
    single env's keys and values. ``reset(options={"task": t})`` pins task ``t`` in every
    sub-env, ``{"task": [t0, t1, ...]}`` one task per sub-env (None entries unpin).
    """

    metadata: ClassVar[dict[str, Any]] = {
        "autoreset_mode": AutoresetMode.NEXT_STEP,
        "render_modes": [],
    }

    def __init__(
        self, num_envs: int = 1, config: GreenOffloadingConfig | None = None, **overrides: Any
    ) -> None:
        num_envs = check_int("num_envs", num_envs, 1, MAX_VECTOR_ENVS)
        overrides.pop("render_mode", None)
        self.envs = [GreenOffloadingEnv(config, **overrides) for _ in range(num_envs)]
        first = self.envs[0]
        self.config = first.config
        self.num_envs = num_envs
        self.single_action_space = first.action_space
        self.single_observation_space = first.observation_space
        self.action_space = batch_space(self.single_action_space, num_envs)
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self._needs_reset = False
        self._started = False

    def reset(
        self, *, seed: int | list[int | None] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[NDArray[np.float32], dict[str, Any]]:
        if seed is None:
            seeds: list[int | None] = [None] * self.num_envs
        elif isinstance(seed, int | np.integer):
            seeds = [int(seed) + i for i in range(self.num_envs)]
        else:
            seeds = list(seed)
            if len(seeds) != self.num_envs:
                raise ValueError(f"seed list must have {self.num_envs} entries, got {len(seeds)}")
        per_env = self._split_options(options)
        for env, opts in zip(self.envs, per_env, strict=True):  # all checked before any reset
            env._task_option(opts)
        obs, infos = self._reset_all(seeds, per_env)
        self._started = True
        return obs, infos

    def step(self, actions: NDArray):
        if not self._started:
            raise RuntimeError("call reset() before step()")
        actions = self._check_actions(actions)
        if self._needs_reset:  # NEXT_STEP autoreset: every episode ended on the last step
            obs, infos = self._reset_all([None] * self.num_envs, [None] * self.num_envs)
            zeros = np.zeros(self.num_envs, dtype=bool)
            return obs, np.zeros(self.num_envs), zeros, zeros.copy(), infos
        t = self.envs[0]._episode.t
        obs = np.empty((self.num_envs, self.single_observation_space.shape[0]), np.float32)
        for i, env in enumerate(self.envs):
            env._play_slot(actions[i], obs[i])
        episodes = [env._episode for env in self.envs]
        for ep in episodes:
            ep.t = t + 1
        sums = np.stack([ep.sums for ep in episodes])
        slots = [ep.slots[t] for ep in episodes]
        records = np.stack([slot.record for slot in slots])  # [M, R, N]
        cfg = self.config
        infos: dict[str, Any] = {
            "slot_s": np.full(self.num_envs, cfg.slot_s),
            "elapsed_s": np.full(self.num_envs, (t + 1) * cfg.slot_s),
            **self._task_fields,
            "played_action": np.stack([slot.played for slot in slots]),
        }
        for column, key in enumerate(_SUM_KEYS, start=kernel.S_OBJECTIVE):
            infos[key] = sums[:, column]
        for row, key in enumerate(SITE_FLOAT_INFO_KEYS):
            infos[key] = records[:, row]
        infos["site_containers_on"] = np.stack([slot.containers for slot in slots])
        infos["site_serving_sats"] = np.stack([slot.serving for slot in slots])
        self._task_fields["task_switched"] = np.zeros(self.num_envs, dtype=bool)
        truncated = np.full(self.num_envs, t + 1 >= cfg.n_slots)
        self._needs_reset = bool(truncated[0])
        return obs, sums[:, kernel.S_REWARD].copy(), np.zeros_like(truncated), truncated, infos

    # ------------------------------------------------------------------ helpers
    def _reset_all(
        self, seeds: list[int | None], options: list[dict[str, Any] | None]
    ) -> tuple[NDArray[np.float32], dict[str, Any]]:
        results = [
            env.reset(seed=s, options=o)
            for env, s, o in zip(self.envs, seeds, options, strict=True)
        ]
        obs = np.stack([r[0] for r in results])
        infos = {key: np.array([r[1][key] for r in results]) for key in results[0][1]}
        task_keys = self.envs[0]._task_fields
        self._task_fields = {
            key: np.array([env._task_fields[key] for env in self.envs]) for key in task_keys
        }
        self._needs_reset = False
        return obs, infos

    def _split_options(self, options: dict[str, Any] | None) -> list[dict[str, Any] | None]:
        """Per sub-env reset options: ``{"task": [t0, t1, ...]}`` gives one task each."""
        if options is None:
            return [None] * self.num_envs
        if not isinstance(options, dict):
            raise TypeError(f"reset options must be a dict, got {type(options).__name__}")
        tasks = options.get("task")
        if "task" not in options or not isinstance(tasks, list | tuple):
            return [options] * self.num_envs
        if len(tasks) != self.num_envs:
            raise ValueError(
                f"options['task'] list must have {self.num_envs} entries, got {len(tasks)}"
            )
        return [{**options, "task": task} for task in tasks]

    def _check_actions(self, actions: Any) -> NDArray:
        """``actions`` [M, N, C] as a C-contiguous float array whose values every sub-env
        accepts (checked for all before any sub-env moves), else ValueError."""
        shape = self.action_space.shape
        try:
            arr = np.asarray(actions)
            if arr.dtype != np.float32:
                arr = arr.astype(np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"actions must be a float array of shape {shape}") from None
        if arr.shape != shape:
            raise ValueError(f"actions must have shape {shape}, got {arr.shape}")
        arr = np.ascontiguousarray(arr)
        first = self.envs[0]
        status = kernel.check_action(arr.reshape(-1, shape[-1]), first._params)
        if status != kernel.ACTION_OK:
            first._action_error(arr, status)
        return arr
