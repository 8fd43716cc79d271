"""Tasks for meta-RL and non-stationary runs: one generic API for every env family.

A *task* is one stationary configuration of an environment (who is where, which demand
regime, which weather, which orbit epoch ...). Meta-RL code expects the
``sample_tasks / set_task / get_task`` contract of learn2learn, RLlib's ``MetaEnv``,
garage and Meta-World; every leo-envs family provides it through
``leo_envs.envs.common.task_api.TaskEnvMixin`` on top of the pieces here:

- ``Task``: the frozen, JSON-serialisable base class of every family's task, with a
  stable content-hash ``task_id`` and a readable ``name``.
- ``TaskSchedule``: which task an env runs now, switching every ``interval`` units (slots
  or episodes, the env says which) by its scenario's next-task rule; pin / unpin;
  ``seq_idx`` counts switches. Single and vector envs use the same class.
- ``ScenarioRegistry``: scenario name -> next-task rule, one registry per family.
- ``TASK_SET_SEEDS`` and ``task_set_seed``: the fixed seeds of the versioned train and test
  task sets, so every installation builds the same sets (a test pins their ids).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

import numpy as np

TaskT = TypeVar("TaskT", bound="Task")

TASK_SET_VERSIONS = ("v0",)
TASK_SET_SPLITS = ("train", "test")
TASK_SET_SIZES = {"train": 16, "test": 8}
# Fixed seeds of the versioned task sets: never change them for an existing version.
TASK_SET_SEEDS = {("v0", "train"): 20_221_000, ("v0", "test"): 20_221_001}
DERIVED = "derived"  # field metadata key: computed from the other fields, not serialised
_HASH_DIGITS = 10  # significant digits of floats in the task id: robust to libm last bits


def derived_field(**kwargs: Any) -> Any:
    """A dataclass field computed from the others (excluded from ``to_dict`` and the id)."""
    return dataclasses.field(metadata={DERIVED: True}, repr=False, **kwargs)


@dataclass(frozen=True, eq=False)
class Task:
    """Base class of every family's task: subclass as a frozen dataclass.

    Fields hold numbers, strings, bools, tuples or numpy arrays; fields declared with
    ``derived_field()`` are computed from the others and left out of ``to_dict`` and the
    id. Subclasses set ``family`` and override ``validate(config)``.
    """

    family: ClassVar[str] = "task"

    # ------------------------------------------------------------ identity
    @functools.cached_property
    def task_id(self) -> str:
        """Stable id: a hash of the task's fields (12 hex digits), equal on every machine.

        Computed once per task object (tasks are immutable)."""
        payload = json.dumps(_canonical(self.spec()), sort_keys=True, separators=(",", ":"))
        return hashlib.sha1(f"{self.family}:{payload}".encode()).hexdigest()[:12]

    @property
    def name(self) -> str:
        """Readable name: family and the scalar fields (override for something better)."""
        scalars = [
            f"{key}={_short(value)}"
            for key, value in self.spec().items()
            if isinstance(value, int | float | str | bool | np.number)
        ]
        return f"{self.family}[{', '.join(scalars)}]"

    def spec(self) -> dict[str, Any]:
        """The non-derived fields by name (values as stored)."""
        return {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)
            if not f.metadata.get(DERIVED)
        }

    # ------------------------------------------------------------ (de)serialisation
    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable dict; ``type(task).from_dict(d)`` rebuilds an equal task."""
        return {"family": self.family, "fields": {k: _to_json(v) for k, v in self.spec().items()}}

    @classmethod
    def from_dict(cls: type[TaskT], data: dict[str, Any], **context: Any) -> TaskT:
        """Rebuild a task from ``to_dict`` output. ``context`` (e.g. ``config=``) is passed
        to ``build`` for families whose tasks carry derived arrays."""
        if not isinstance(data, dict) or "fields" not in data:
            raise ValueError("task data must be a dict with 'family' and 'fields' (see to_dict)")
        if data.get("family") != cls.family:
            raise ValueError(f"task data is of family {data.get('family')!r}, not {cls.family!r}")
        values = {key: _from_json(value) for key, value in data["fields"].items()}
        expected = {f.name for f in dataclasses.fields(cls) if not f.metadata.get(DERIVED)}
        if set(values) != expected:
            raise ValueError(f"task fields must be {sorted(expected)}, got {sorted(values)}")
        return cls.build(**values, **context)

    @classmethod
    def build(cls: type[TaskT], **values: Any) -> TaskT:
        """Make a task from its non-derived fields (subclasses with derived fields override)."""
        return cls(**values)

    def replace(self: TaskT, **changes: Any) -> TaskT:
        """A copy with ``changes`` applied (derived fields recomputed by ``build``)."""
        values = self.spec()
        unknown = set(changes) - set(values)
        if unknown:
            raise ValueError(f"unknown task field(s) {sorted(unknown)}; fields: {sorted(values)}")
        values.update(changes)
        return type(self).build(**values, **self._build_context())

    def _build_context(self) -> dict[str, Any]:
        """Extra ``build`` arguments ``replace`` must pass (e.g. the config)."""
        return {}

    # ------------------------------------------------------------ checks
    def validate(self, config: Any = None) -> None:
        """Raise ``ValueError`` naming the field if the task is malformed (NaN, negative
        where not allowed, wrong shape) or was built for another config. The base class
        rejects non-finite numbers in every numeric field."""
        for key, value in self.spec().items():
            check_finite_field(key, value)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(task_id={self.task_id!r}, name={self.name!r})"


def check_finite_field(name: str, value: Any) -> None:
    """``ValueError`` naming the task field if a numeric value is NaN or infinite."""
    if isinstance(value, bool | str) or value is None:
        return
    array = np.asarray(value)
    if array.dtype.kind in "fc" and not np.all(np.isfinite(array)):
        raise ValueError(f"task field {name!r} must be finite, got {value!r}")


def check_array_field(
    name: str,
    value: Any,
    shape: tuple[int, ...],
    low: float | None = None,
    high: float | None = None,
    kind: str = "f",
) -> np.ndarray:
    """The field as an array of ``shape``, or ``ValueError`` naming it (shape, NaN, range).

    ``kind``: "f" numeric, "b" boolean.
    """
    array = np.asarray(value)
    if array.shape != shape:
        raise ValueError(f"task field {name!r} must have shape {shape}, got {array.shape}")
    if kind == "b":
        if array.dtype != np.bool_:
            raise ValueError(f"task field {name!r} must be boolean, got dtype {array.dtype}")
        return array
    if array.dtype.kind not in "iuf":
        raise ValueError(f"task field {name!r} must be numeric, got dtype {array.dtype}")
    check_finite_field(name, array)
    if low is not None and array.size and array.min() < low:
        raise ValueError(f"task field {name!r} must be >= {low}, got min {array.min()}")
    if high is not None and array.size and array.max() > high:
        raise ValueError(f"task field {name!r} must be <= {high}, got max {array.max()}")
    return array


# ---------------------------------------------------------------- schedule
class TaskSchedule:
    """Which task an env runs, switching every ``interval`` units by ``next_task``.

    The env calls ``advance(rng)`` once per unit (an episode for LinkScheduling, a step
    for envs whose tasks change mid-episode): if the current task has already run
    ``interval`` units and is not pinned, the scenario's ``next_task(task, rng)`` replaces
    it first. ``seq_idx`` counts switches since ``start``; ``switched`` tells whether the
    last ``advance`` switched. A ``next_task`` that returns the same object (a static
    scenario) is not a switch. ``interval=None`` never switches.
    """

    def __init__(
        self,
        interval: int | None,
        next_task: Callable[[Task, np.random.Generator], Task],
    ) -> None:
        if interval is not None and (
            isinstance(interval, bool) or not isinstance(interval, int | np.integer) or interval < 1
        ):
            raise ValueError(f"interval must be a positive integer or None, got {interval!r}")
        self.interval = None if interval is None else int(interval)
        self.next_task = next_task
        self._task: Task | None = None
        self.seq_idx = 0
        self.elapsed = 0
        self.pinned = False
        self.switched = False

    @property
    def task(self) -> Task:
        if self._task is None:
            raise RuntimeError("the task schedule has not started: call reset() first")
        return self._task

    @property
    def started(self) -> bool:
        return self._task is not None

    def start(self, task: Task) -> None:
        """Begin a new task sequence (a new seed) at ``task``."""
        self._task, self.seq_idx, self.elapsed = task, 0, 0
        self.pinned = self.switched = False

    def pin(self, task: Task) -> None:
        """Run ``task`` until ``unpin`` or ``start``: no scenario switches meanwhile."""
        self._task, self.elapsed, self.pinned, self.switched = task, 0, True, False

    def unpin(self) -> None:
        self.pinned = False

    def advance(self, rng: np.random.Generator) -> bool:
        """Count one unit, switching first if the current task is due; returns ``switched``."""
        task = self.task
        self.switched = False
        if not self.pinned and self.interval is not None and self.elapsed >= self.interval:
            new = self.next_task(task, rng)
            self.elapsed = 0
            if new is not task:
                self._task, self.switched = new, True
                self.seq_idx += 1
        self.elapsed += 1
        return self.switched

    def remaining(self) -> int | None:
        """Units (this one included) before the task may change; None if never."""
        if self.pinned or self.interval is None:
            return None
        return max(1, self.interval - self.elapsed + 1)

    def info_fields(self) -> dict[str, Any]:
        """``task_id``, ``task_switched``, ``seq_idx`` for an env's ``info``."""
        return {
            "task_id": self.task.task_id,
            "task_switched": self.switched,
            "seq_idx": self.seq_idx,
        }


# ---------------------------------------------------------------- scenarios
@dataclass(frozen=True)
class Scenario:
    """A named non-stationarity rule: ``next_task(config, task, rng) -> task``."""

    name: str
    next_task: Callable[[Any, Task, np.random.Generator], Task]
    doc: str = ""


class ScenarioRegistry:
    """Scenario names of one env family -> their next-task rules (no if-chains)."""

    def __init__(self, family: str) -> None:
        self.family = family
        self._scenarios: dict[str, Scenario] = {}

    def register(self, name: str, doc: str = "") -> Callable[[Callable], Callable]:
        """Decorator registering ``fn(config, task, rng) -> task`` as scenario ``name``."""

        def decorator(fn: Callable) -> Callable:
            if name in self._scenarios:
                raise ValueError(f"{self.family} scenario {name!r} is already registered")
            self._scenarios[name] = Scenario(name, fn, doc or (fn.__doc__ or "").strip())
            return fn

        return decorator

    def get(self, name: str) -> Scenario:
        if name not in self._scenarios:
            raise ValueError(f"scenario must be one of {self.names()}, got {name!r}")
        return self._scenarios[name]

    def names(self) -> tuple[str, ...]:
        return tuple(self._scenarios)

    def __contains__(self, name: object) -> bool:
        return name in self._scenarios

    def __iter__(self) -> Iterator[Scenario]:
        return iter(self._scenarios.values())


def task_set_seed(split: str, version: str = "v0") -> int:
    """The fixed seed of a versioned train / test task set."""
    if version not in TASK_SET_VERSIONS:
        raise ValueError(f"task set version must be one of {TASK_SET_VERSIONS}, got {version!r}")
    if split not in TASK_SET_SPLITS:
        raise ValueError(f"task set split must be one of {TASK_SET_SPLITS}, got {split!r}")
    return TASK_SET_SEEDS[(version, split)]


def as_generator(seed: int | np.random.Generator | None, fallback: np.random.Generator):
    """A generator from an int seed, a generator (used as is) or None (``fallback``)."""
    if seed is None:
        return fallback
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer or a Generator, got {seed!r}")
    return np.random.default_rng(int(seed))


# ---------------------------------------------------------------- JSON helpers
def _to_json(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return {"ndarray": value.tolist(), "dtype": value.dtype.str, "shape": list(value.shape)}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return {"tuple": [_to_json(v) for v in value]}
    return value


def _from_json(value: Any) -> Any:
    if isinstance(value, dict) and "ndarray" in value:
        array = np.array(value["ndarray"], dtype=np.dtype(value["dtype"]))
        return array.reshape(value["shape"])
    if isinstance(value, dict) and "tuple" in value:
        return tuple(_from_json(v) for v in value["tuple"])
    return value


def _canonical(value: Any) -> Any:
    """Values for hashing: floats rounded to ``_HASH_DIGITS`` significant digits."""
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "f":
            return [value.dtype.str, list(value.shape), [_float_key(v) for v in value.ravel()]]
        return [value.dtype.str, list(value.shape), value.ravel().tolist()]
    if isinstance(value, tuple | list):
        return [_canonical(v) for v in value]
    if isinstance(value, float | np.floating):
        return _float_key(float(value))
    if isinstance(value, np.generic):
        return value.item()
    return value


def _float_key(value: float) -> str:
    if value == 0.0 or not math.isfinite(value):
        return repr(float(abs(value)) if value == 0.0 else value)
    return f"{value:.{_HASH_DIGITS - 1}e}"


def _short(value: Any) -> str:
    if isinstance(value, float | np.floating):
        return f"{float(value):.4g}"
    return str(value)
