"""Tasks of SplitInference-v0: a TST afternoon (000 Fig. 4) or a client trajectory (004 Fig. 4).

A task fixes what stays the same during an episode:

* preset "000" (``TstAfternoonTask``): the day of year whose 14:00-17:00 TST transmit-power
  trace (battery + PV under real Greensboro TMY3 irradiance, power-control rule) drives the
  episode, and the range of the per-step interruption tolerance;
* preset "004" (``TrajectoryTask``): the waypoints of the client's closed trajectory on a
  2-D grid around the server (the paper's P1..P6 by default).

Scenarios (``SCENARIOS``, a ``ScenarioRegistry``): ``paper`` (000: a fresh test-day afternoon
each episode with the config's tolerance range; 004: always P1..P6) and ``resample`` (a fresh
sampled task every ``task_interval`` episodes: 000 a random test day and tolerance regime,
004 a random grid trajectory).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from leo_envs.tasks import ScenarioRegistry, Task, check_array_field

from .config import DEFAULT_WAYPOINTS_M, SplitInferenceConfig
from .dynamics import tst_trace

GRID_HALF_WIDTH_M = 150.0  # random trajectories live in [-150, 150]^2 m [C]
MIN_SERVER_DISTANCE_M = 10.0
N_WAYPOINTS = 6


@dataclass(frozen=True, eq=False)
class TstAfternoonTask(Task):
    """Preset 000: one TST afternoon (``day_of_year``) and its tolerance regime."""

    family: ClassVar[str] = "split_inference_tst"
    preset: ClassVar[str] = "000"
    day_of_year: int
    """day of the shipped TST trace (a test day: doy % 5 == 0)"""
    tolerance_range_s: np.ndarray
    """[2]: the per-step interruption tolerance is drawn from U[low, high] (s)"""

    @property
    def name(self) -> str:
        lo, hi = (float(v) for v in self.tolerance_range_s)
        return f"tst_afternoon[day {self.day_of_year}, tolerance {lo:.3f}-{hi:.3f} s]"

    def validate(self, config: Any = None) -> None:
        super().validate(config)
        _check_preset(self, config)
        days = tst_trace()["day_of_year"]
        if isinstance(self.day_of_year, bool) or self.day_of_year not in days:
            raise ValueError(
                f"task field 'day_of_year' must be a day of the TST trace ({days.min()}.."
                f"{days.max()}, every 5th), got {self.day_of_year!r}"
            )
        r = check_array_field("tolerance_range_s", self.tolerance_range_s, (2,), 0.0, 100.0)
        if r[0] > r[1]:
            raise ValueError(f"task field 'tolerance_range_s' must be [low <= high], got {r}")


@dataclass(frozen=True, eq=False)
class TrajectoryTask(Task):
    """Preset 004: the waypoints of the client's closed trajectory (m, server at 0, 0)."""

    family: ClassVar[str] = "split_inference_trajectory"
    preset: ClassVar[str] = "004"
    waypoints_m: np.ndarray
    """[n >= 2, 2] waypoints in metres"""

    @property
    def name(self) -> str:
        return f"trajectory[{len(self.waypoints_m)} waypoints, id {self.task_id[:6]}]"

    def validate(self, config: Any = None) -> None:
        super().validate(config)
        _check_preset(self, config)
        w = np.asarray(self.waypoints_m)
        if w.ndim != 2 or w.shape[0] < 2 or w.shape[1] != 2:
            raise ValueError(f"task field 'waypoints_m' must have shape [n >= 2, 2], got {w.shape}")
        check_array_field("waypoints_m", w, w.shape, -1e4, 1e4)


SplitInferenceTask = TstAfternoonTask | TrajectoryTask
TASK_CLASSES = {"000": TstAfternoonTask, "004": TrajectoryTask}


def _check_preset(task: Task, config: Any) -> None:
    if isinstance(config, SplitInferenceConfig) and config.preset != task.preset:
        raise ValueError(
            f"a {type(task).__name__} is for preset {task.preset!r}, the env runs preset "
            f"{config.preset!r}"
        )


def tst_task(day_of_year: int, tolerance_range_s: Any = (0.02, 0.4)) -> TstAfternoonTask:
    return TstAfternoonTask(int(day_of_year), np.asarray(tolerance_range_s, dtype=np.float64))


def trajectory_task(waypoints_m: Any = DEFAULT_WAYPOINTS_M) -> TrajectoryTask:
    return TrajectoryTask(np.asarray(waypoints_m, dtype=np.float64))


def test_days() -> np.ndarray:
    """Days of year of the TST test split (doy % 5 == 0, spec section 5)."""
    trace = tst_trace()
    return trace["day_of_year"][trace["test_day"]]


def day_index(day_of_year: int) -> int:
    return int(np.flatnonzero(tst_trace()["day_of_year"] == day_of_year)[0])


def sample_task(
    config: SplitInferenceConfig, rng: np.random.Generator, vary_tolerance: bool = True
) -> SplitInferenceTask:
    """A random task: a test-day afternoon (000; with ``vary_tolerance`` a random tolerance
    regime, low ~ U[0.02, 0.2] s, width ~ U[0.05, 0.3] s) or a random grid trajectory (004)."""
    if config.preset == "000":
        day = int(rng.choice(test_days()))
        if not vary_tolerance:
            return tst_task(day, (config.tolerance_min_s, config.tolerance_max_s))
        low = rng.uniform(0.02, 0.2)
        return tst_task(day, np.round((low, low + rng.uniform(0.05, 0.3)), 4))
    w = rng.uniform(-GRID_HALF_WIDTH_M, GRID_HALF_WIDTH_M, size=(N_WAYPOINTS, 2))
    r = np.linalg.norm(w, axis=1, keepdims=True)
    w = np.where(r < MIN_SERVER_DISTANCE_M, w / np.maximum(r, 1e-9) * MIN_SERVER_DISTANCE_M, w)
    return trajectory_task(np.round(w, 3))


def initial_task(config: SplitInferenceConfig, rng: np.random.Generator) -> SplitInferenceTask:
    if config.scenario == "paper":
        if config.preset == "004":
            return trajectory_task()
        return sample_task(config, rng, vary_tolerance=False)
    return sample_task(config, rng)


SCENARIOS = ScenarioRegistry("split_inference")


@SCENARIOS.register("paper")
def _paper(config: SplitInferenceConfig, task: SplitInferenceTask, rng: np.random.Generator):
    """000: a fresh test-day afternoon each episode; 004: the paper's P1..P6 trajectory."""
    return sample_task(config, rng, vary_tolerance=False) if config.preset == "000" else task


@SCENARIOS.register("resample")
def _resample(config: SplitInferenceConfig, task: SplitInferenceTask, rng: np.random.Generator):
    """A freshly sampled task (test day / random grid trajectory)."""
    return sample_task(config, rng)
