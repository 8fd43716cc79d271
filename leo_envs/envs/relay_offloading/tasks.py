"""Tasks and scenarios of RelayOffloading-v0.

A task fixes what makes one episode's world: the arrival case (the per-satellite mean
inter-arrival range of Sec. IX-C) and the orbit epoch (t0 as an offset from the shell
epoch, hence which satellites pass and when), plus the ground-station site. Within a task,
episodes differ in the random draws (arrivals, hardware, loads). Scenarios say how the task
changes every ``update_interval`` episodes:

* ``light`` / ``normal`` / ``heavy``: the case stays, t0 is redrawn (new geometry);
* ``mixed``: the case too is redrawn among the three (non-stationary load).
"""

from __future__ import annotations

import functools
import numbers
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from leo_envs.envs.relay_offloading.arrivals import MEAN_INTERARRIVAL_S
from leo_envs.tasks import ScenarioRegistry, Task

CASES = tuple(MEAN_INTERARRIVAL_S)


@dataclass(frozen=True, eq=False)
class RelayOffloadingTask(Task):
    """One world of RelayOffloading-v0."""

    family: ClassVar[str] = "relay_offloading"

    case: str
    """Arrival case: light, normal or heavy (Sec. IX-C)."""
    epoch_offset_s: float
    """t0 minus the shell epoch [s]."""
    interarrival_low_s: float
    """Each satellite's mean inter-arrival time is drawn U(low, high) [s]."""
    interarrival_high_s: float
    gs_lat_deg: float
    """Ground-station latitude [deg]."""
    gs_lon_deg: float
    """Ground-station longitude [deg]."""

    @property
    def name(self) -> str:
        return (
            f"relay_offloading[{self.case}, t0{self.epoch_offset_s:+.0f}s, "
            f"GS {self.gs_lat_deg:.2f},{self.gs_lon_deg:.2f}]"
        )

    def validate(self, config: Any = None) -> None:
        """``ValueError`` naming the field for a non-number, NaN, or out-of-range value."""
        if self.case not in CASES:
            raise ValueError(f"task field 'case' must be one of {CASES}, got {self.case!r}")
        limit = config.epoch_offset_max_s if config is not None else 30 * 86_400.0
        ranges = {
            "epoch_offset_s": (-limit, limit),
            "interarrival_low_s": (0.01, 3600.0),
            "interarrival_high_s": (0.01, 3600.0),
            "gs_lat_deg": (-90.0, 90.0),
            "gs_lon_deg": (-180.0, 180.0),
        }
        for name, (low, high) in ranges.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise ValueError(f"task field {name!r} must be a number, got {value!r}")
            if not np.isfinite(value) or not low <= value <= high:
                raise ValueError(f"task field {name!r} must lie in [{low}, {high}], got {value!r}")
        if self.interarrival_high_s < self.interarrival_low_s:
            raise ValueError(
                "task field 'interarrival_high_s' must be >= interarrival_low_s, got "
                f"{self.interarrival_high_s} < {self.interarrival_low_s}"
            )


def sample_task(config: Any, case: str, rng: np.random.Generator) -> RelayOffloadingTask:
    """A task of ``case`` at a t0 uniform within +- ``epoch_offset_max_s`` (whole seconds)."""
    low, high = MEAN_INTERARRIVAL_S[case]
    offset = float(round(rng.uniform(-config.epoch_offset_max_s, config.epoch_offset_max_s)))
    return RelayOffloadingTask(
        case=case,
        epoch_offset_s=offset,
        interarrival_low_s=low,
        interarrival_high_s=high,
        gs_lat_deg=float(config.gs_lat_deg),
        gs_lon_deg=float(config.gs_lon_deg),
    )


SCENARIOS = ScenarioRegistry("relay_offloading")


def _fixed_case(case: str, config: Any, task: RelayOffloadingTask | None, rng):
    """Next task of a fixed-case scenario: the same case, a new t0 (module-level so that
    envs holding it pickle)."""
    return sample_task(config, case, rng)


for _case in CASES:
    SCENARIOS.register(_case, doc=f"{_case} arrivals (Sec. IX-C); t0 redrawn at every switch")(
        functools.partial(_fixed_case, _case)
    )


@SCENARIOS.register("mixed")
def _mixed(config: Any, task: RelayOffloadingTask, rng: np.random.Generator):
    """light / normal / heavy drawn uniformly at every switch, with a new t0."""
    return sample_task(config, CASES[int(rng.integers(len(CASES)))], rng)


def first_task(config: Any, rng: np.random.Generator) -> RelayOffloadingTask:
    """The first task of a sequence under ``config.scenario``."""
    return SCENARIOS.get(config.scenario).next_task(config, None, rng)


def sample_tasks(config: Any, n: int, rng: np.random.Generator) -> list[RelayOffloadingTask]:
    return [first_task(config, rng) for _ in range(n)]
