"""Tasks of GreenOffloading-v0: site, weather day, forecast error, constellation epoch.

A task fixes everything exogenous about an episode that a meta-RL or robustness study may
want to vary: where the sites are (which also fixes the sky the sites see), which day of the
typical meteorological year they live through, how good the forecasts in the observation
are (the clear-sky-index nRMSE one slot ahead), and the constellation epoch (hours after
the TLE epoch). Scenarios (``SCENARIOS``) say how the task changes between episodes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from leo_envs.envs.green_offloading.config import GreenOffloadingConfig
from leo_envs.envs.green_offloading.traces import SITES
from leo_envs.tasks import ScenarioRegistry, Task

FORECAST_ERRORS = (0.0, 0.05, 0.1, 0.2)
"""Forecast-error levels that samplers draw (clear-sky-index nRMSE at lead 1)."""
EPOCH_OFFSET_RANGE_H = (-72.0, 72.0)
"""Constellation epochs within +-3 days of the TLE epoch (spec B4): the TLEs stay accurate."""
DEFAULT_DAY = 172
"""22 June (day 172, counted from 0 = 1 January): a long summer day in Greensboro."""


@dataclass(frozen=True, eq=False)
class GreenOffloadingTask(Task):
    """One stationary setting of GreenOffloading-v0."""

    family: ClassVar[str] = "green_offloading"

    site: str = "greensboro"
    """Location of the N sites (``traces.SITES``: 'greensboro', 'hlane')."""
    day_of_year: int = DEFAULT_DAY
    """Day of the typical year, 0 = 1 January (episodes start at local midnight)."""
    forecast_error: float = 0.05
    """Forecast error: clear-sky-index (and relative load) nRMSE at one slot ahead."""
    epoch_offset_h: float = 0.0
    """Constellation epoch: hours after the TLE epoch (2020-05-07 04:00 UTC)."""

    def validate(self, config: Any = None) -> None:
        super().validate(config)
        for name in ("forecast_error", "epoch_offset_h"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(
                value, int | float | np.integer | np.floating
            ):
                raise ValueError(f"task field {name!r} must be a real number, got {value!r}")
        if self.site not in SITES:
            raise ValueError(f"task field 'site' must be one of {tuple(SITES)}, got {self.site!r}")
        if (
            isinstance(self.day_of_year, bool)
            or not isinstance(self.day_of_year, int | np.integer)
            or not 0 <= self.day_of_year <= 364
        ):
            raise ValueError(
                f"task field 'day_of_year' must be an integer in [0, 364], got {self.day_of_year!r}"
            )
        if not 0.0 <= float(self.forecast_error) <= 2.0:
            raise ValueError(
                f"task field 'forecast_error' must lie in [0, 2], got {self.forecast_error!r}"
            )
        low, high = EPOCH_OFFSET_RANGE_H
        if not low <= float(self.epoch_offset_h) <= high:
            raise ValueError(
                f"task field 'epoch_offset_h' must lie in [{low:g}, {high:g}] h, "
                f"got {self.epoch_offset_h!r}"
            )

    @property
    def name(self) -> str:
        return (
            f"green_offloading[{self.site}, day {self.day_of_year}, "
            f"error {self.forecast_error:g}, epoch {self.epoch_offset_h:+g} h]"
        )


def initial_task(config: GreenOffloadingConfig) -> GreenOffloadingTask:
    """The task an episode runs without a scenario change: the default day and the
    config's forecast error."""
    return GreenOffloadingTask(forecast_error=float(config.forecast_error))


def random_task(rng: np.random.Generator) -> GreenOffloadingTask:
    """Every task dimension drawn: site, day, forecast error, constellation epoch."""
    low, high = EPOCH_OFFSET_RANGE_H
    return GreenOffloadingTask(
        site=str(rng.choice(list(SITES))),
        day_of_year=int(rng.integers(0, 365)),
        forecast_error=float(rng.choice(FORECAST_ERRORS)),
        epoch_offset_h=float(np.round(rng.uniform(low, high), 3)),
    )


SCENARIOS = ScenarioRegistry(GreenOffloadingTask.family)


@SCENARIOS.register("fixed_day")
def _fixed_day(config: GreenOffloadingConfig, task: GreenOffloadingTask, rng) -> Task:
    """The same task every episode (stationary)."""
    return task


@SCENARIOS.register("daily_weather")
def _daily_weather(config: GreenOffloadingConfig, task: GreenOffloadingTask, rng) -> Task:
    """A new weather day of the typical year at each switch (site, error, epoch kept)."""
    return task.replace(day_of_year=int(rng.integers(0, 365)))


@SCENARIOS.register("random_task")
def _random_task(config: GreenOffloadingConfig, task: GreenOffloadingTask, rng) -> Task:
    """Every task dimension redrawn at each switch."""
    return random_task(rng)


def sample_tasks(
    n: int, rng: np.random.Generator, config: GreenOffloadingConfig
) -> list[GreenOffloadingTask]:
    """``n`` tasks for meta-training: every dimension drawn for 'random_task', only the day
    for 'daily_weather', copies of the initial task for 'fixed_day' plus drawn days (a
    fixed-day env still offers distinct tasks to ``sample_tasks``)."""
    if config.scenario == "random_task":
        return [random_task(rng) for _ in range(n)]
    base = initial_task(config)
    return [base.replace(day_of_year=int(rng.integers(0, 365))) for _ in range(n)]
