"""The meta-RL task API every env family exposes (learn2learn / RLlib ``MetaEnv`` /
Meta-World style), on top of ``leo_envs.tasks``.

An env using ``TaskEnvMixin`` provides ``self._schedule`` (a ``TaskSchedule``),
``self.np_random`` (Gymnasium's), ``_draw_tasks(n, rng)`` (n tasks of its scenario),
``_initial_task(rng)`` (the first task of a new sequence) and ``check_task(task)``
(validates type and config, returns the task). It then has:

- ``sample_tasks(n, seed=None)``: n tasks for meta-training; an int seed or a Generator
  reproduces them, None draws from the env's own generator;
- ``set_task(task)`` / ``reset(options={"task": task})``: pin a task (from the next reset
  on, until ``set_task(None)`` / ``options={"task": None}``); a new seed keeps the pin;
- ``get_task()``: the task the env runs (or will run after ``set_task``);
- ``task_set(split, version="v0")``: the fixed, versioned train / test task sets of the
  env's scenario, identical on every installation (``leo_envs.tasks.TASK_SET_SEEDS``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from leo_envs.tasks import (
    TASK_SET_SIZES,
    Task,
    TaskSchedule,
    as_generator,
    task_set_seed,
)


def checked_task(task: object, task_class: type[Task], config: Any) -> Task:
    """``task`` if it is a ``task_class`` valid for ``config``, else TypeError/ValueError."""
    if not isinstance(task, task_class):
        raise TypeError(
            f"task must be a {task_class.__name__} (from sample_tasks or task_set), "
            f"got {type(task).__name__}"
        )
    task.validate(config)
    return task


class TaskEnvMixin:
    """Task API for a ``gym.Env`` whose tasks switch at episode boundaries."""

    _schedule: TaskSchedule
    np_random: np.random.Generator
    config: Any
    task_class: type[Task] = Task

    def _task_context(self) -> dict[str, Any]:
        """Extra arguments ``task_class.from_dict`` needs (e.g. the config)."""
        return {}

    def check_task(self, task: object) -> Task:
        """``task`` if it is a valid task for this env's config, else TypeError/ValueError
        (the task's ``validate`` names the field)."""
        return checked_task(task, self.task_class, self.config)

    def task_from_dict(self, data: dict[str, Any]) -> Task:
        """Rebuild a task of this env from ``Task.to_dict`` output (JSON), validated."""
        return self.check_task(self.task_class.from_dict(data, **self._task_context()))

    # ------------------------------------------------------------ public API
    def sample_tasks(self, n: int, seed: int | np.random.Generator | None = None) -> list[Task]:
        """``n`` tasks of the env's scenario; the same seed gives the same tasks."""
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
            raise ValueError(f"n must be a positive integer, got {n!r}")
        return self._draw_tasks(int(n), as_generator(seed, self.np_random))

    def set_task(self, task: Task | None) -> None:
        """Pin ``task`` from the next reset on (None unpins: the next reset starts a fresh
        task sequence). Invalid tasks raise before anything changes."""
        if task is None:
            self._pending_task = (True, None)
            return
        self._pending_task = (True, self.check_task(task))

    def get_task(self) -> Task | None:
        """The task of the current episode, or the one ``set_task`` pinned for the next."""
        pending = getattr(self, "_pending_task", None)
        if pending is not None and pending[1] is not None:
            return pending[1]
        return self._schedule.task if self._schedule.started else None

    def task_set(self, split: str = "train", version: str = "v0") -> tuple[Task, ...]:
        """The fixed ``split`` ("train" / "test") task set of this env's scenario."""
        seed = task_set_seed(split, version)
        cache = self.__dict__.setdefault("_task_sets", {})
        if (split, version) not in cache:
            tasks = self._draw_tasks(TASK_SET_SIZES[split], np.random.default_rng(seed))
            cache[(split, version)] = tuple(tasks)
        return cache[(split, version)]

    # ------------------------------------------------------------ for reset()
    def _task_option(
        self, options: dict[str, Any] | None, allowed: tuple[str, ...] = ("task",)
    ) -> tuple[bool, Task | None]:
        """Validate ``reset`` options before any state changes: (task given?, task)."""
        options = options or {}
        if not isinstance(options, dict):
            raise TypeError(f"reset options must be a dict, got {type(options).__name__}")
        unknown = set(options) - set(allowed)
        if unknown:
            raise ValueError(
                f"reset options may only contain {list(allowed)}, got {sorted(unknown)}"
            )
        if "task" in options:
            task = options["task"]
            return True, None if task is None else self.check_task(task)
        pending = getattr(self, "_pending_task", None)
        return pending if pending is not None else (False, None)

    def _reset_task(self, new_sequence: bool, option: tuple[bool, Task | None]) -> bool:
        """Choose the task of the episode being reset (after ``super().reset(seed)``);
        returns whether the scenario switched task."""
        self._pending_task = None
        given, task = option
        schedule = self._schedule
        if given and task is not None:
            schedule.pin(task)
        elif (given and schedule.pinned) or (
            not schedule.pinned and (new_sequence or not schedule.started)
        ):
            schedule.start(self._initial_task(self.np_random))
        return schedule.advance(self.np_random)
