"""Non-stationary scenarios and task distributions (paper 002, Sec. V-A; spec section 11).

Every ``update_interval`` slots the environment's task changes by one *abnormal event* of
its scenario:

- ``static``: never changes.
- ``user_churn`` (Fig. 4): a large departure or arrival of U{15..30} devices (equally
  likely), keeping the population within [min(50, n_devices), max_devices]; arrivals get
  fresh positions, kinds and weights.
- ``bursty_demand`` (Fig. 5): the demand range switches regime, e.g. voice <-> HD video:
  its scale jumps to another of {0.1, 1, 10} x the configured range.
- ``channel_shock`` (Fig. 6): alternately a shock (rain: chi raised to 0.5-1.0 dB/km on the
  Ka link; 10-20 dB blockage on a random 30 % of terrestrial links) and a recovery to the
  configured clear-sky channel.

All events also move to a new LEO pass. Every draw uses the generator passed in, so a
seeded env replays the same task sequence. Scenarios are looked up by name in
``SCENARIOS`` (a ``leo_envs.tasks.ScenarioRegistry``).
"""

from __future__ import annotations

import numpy as np

from leo_envs.envs.link_scheduling import tasks as ls_tasks
from leo_envs.envs.link_scheduling.config import LinkSchedulingConfig
from leo_envs.tasks import ScenarioRegistry

DEMAND_SCALES = (0.1, 1.0, 10.0)
CHURN_EVENT_SIZE = (15, 30)
SHOCK_RAIN_DB_PER_KM = (0.5, 1.0)
SHOCK_BLOCKAGE_DB = (10.0, 20.0)
SHOCK_LINK_FRACTION = 0.3

SCENARIOS = ScenarioRegistry("link_scheduling")
Task = ls_tasks.LinkSchedulingTask


@SCENARIOS.register("static")
def _static(config: LinkSchedulingConfig, task: Task, rng: np.random.Generator) -> Task:
    """Never changes."""
    return task


@SCENARIOS.register("user_churn")
def _user_churn(config: LinkSchedulingConfig, task: Task, rng: np.random.Generator) -> Task:
    """U{15..30} devices leave or arrive (Fig. 4), population kept in [min(50, n), max]."""
    low = min(50, config.n_devices)
    present = task.present.copy()
    n_now = int(present.sum())
    changes: dict[str, object] = {"pass_time_s": ls_tasks.random_pass_time_s(config, rng)}
    size = int(rng.integers(CHURN_EVENT_SIZE[0], CHURN_EVENT_SIZE[1] + 1))
    depart = rng.random() < 0.5
    if (depart and n_now - size < low) or (not depart and n_now + size > config.max_devices):
        depart = not depart
    if depart:
        size = min(size, n_now - low)
        leaving = rng.choice(np.flatnonzero(present), size=size, replace=False)
        present[leaving] = False
        return task.replace(present=present, **changes)
    size = min(size, config.max_devices - n_now)
    arriving = rng.choice(np.flatnonzero(~present), size=size, replace=False)
    positions, is_iot, weight = (a.copy() for a in (task.positions_m, task.is_iot, task.weight))
    new_pos, new_iot, new_weight = ls_tasks.random_devices(config, rng, size)
    positions[arriving], is_iot[arriving], weight[arriving] = new_pos, new_iot, new_weight
    present[arriving] = True
    return task.replace(
        present=present, positions_m=positions, is_iot=is_iot, weight=weight, **changes
    )


@SCENARIOS.register("bursty_demand")
def _bursty_demand(config: LinkSchedulingConfig, task: Task, rng: np.random.Generator) -> Task:
    """The demand range jumps to another of {0.1, 1, 10} x the configured one (Fig. 5)."""
    pass_time_s = ls_tasks.random_pass_time_s(config, rng)
    scale = task.demand_mbit_low / config.demand_mbit_low
    choices = [s for s in DEMAND_SCALES if not np.isclose(s, scale)]
    new_scale = choices[rng.integers(len(choices))]
    return task.replace(
        pass_time_s=pass_time_s,
        demand_mbit_low=config.demand_mbit_low * new_scale,
        demand_mbit_high=config.demand_mbit_high * new_scale,
    )


@SCENARIOS.register("channel_shock")
def _channel_shock(config: LinkSchedulingConfig, task: Task, rng: np.random.Generator) -> Task:
    """Alternately rain + terrestrial blockage and recovery to clear sky (Fig. 6)."""
    pass_time_s = ls_tasks.random_pass_time_s(config, rng)
    if task.blockage_db.any():
        return task.replace(
            pass_time_s=pass_time_s,
            rain_attenuation_db_per_km=config.rain_attenuation_db_per_km,
            blockage_db=np.zeros_like(task.blockage_db),
        )
    blockage = np.zeros_like(task.blockage_db)
    hit = rng.random(blockage[1:].shape) < SHOCK_LINK_FRACTION
    blockage[1:] = np.where(hit, rng.uniform(*SHOCK_BLOCKAGE_DB, size=hit.shape), 0.0)
    return task.replace(
        pass_time_s=pass_time_s,
        rain_attenuation_db_per_km=float(rng.uniform(*SHOCK_RAIN_DB_PER_KM)),
        blockage_db=blockage,
    )


def next_task(
    config: LinkSchedulingConfig, task: Task, rng: np.random.Generator, scenario: str | None = None
) -> Task:
    """The task after one abnormal event of ``scenario`` (default: the config's)."""
    return SCENARIOS.get(scenario or config.scenario).next_task(config, task, rng)


def sample_tasks(
    n: int, rng: np.random.Generator, config: LinkSchedulingConfig | None = None
) -> list[Task]:
    """Draw ``n`` tasks of the config's scenario for meta-training.

    Each is a fresh normal-condition task followed by 0-3 abnormal events, so the set
    covers both normal and abnormal conditions.
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    config = config or LinkSchedulingConfig()
    drawn = []
    for _ in range(int(n)):
        task = ls_tasks.initial_task(config, rng)
        for _ in range(int(rng.integers(0, 4))):
            task = next_task(config, task, rng)
        drawn.append(task)
    return drawn
