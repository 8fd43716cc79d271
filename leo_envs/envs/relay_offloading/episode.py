"""Random draws of one RelayOffloading episode (arrivals, hardware, loads) given its task."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache

import numpy as np

from leo_envs.envs.relay_offloading import arrivals, hardware
from leo_envs.envs.relay_offloading.config import RelayOffloadingConfig
from leo_envs.envs.relay_offloading.core import EpisodeData
from leo_envs.envs.relay_offloading.geometry import (
    EpisodeGeometry,
    build_geometry,
    constellation_epoch,
)
from leo_envs.envs.relay_offloading.tasks import RelayOffloadingTask


@lru_cache(maxsize=8)
def _geometry(
    config: RelayOffloadingConfig, offset_s: float, lat: float, lon: float
) -> EpisodeGeometry:
    t0 = constellation_epoch(config) + timedelta(seconds=offset_s)
    return build_geometry(config, t0, lat, lon)


def clear_geometry_cache() -> None:
    """Forget the memoised episode geometries (the next reset of each task re-propagates)."""
    _geometry.cache_clear()


def task_geometry(config: RelayOffloadingConfig, task: RelayOffloadingTask) -> EpisodeGeometry:
    """The orbit geometry of a task: a pure function of (config, t0, site), memoised so the
    episodes of one task share it."""
    return _geometry(
        config, float(task.epoch_offset_s), float(task.gs_lat_deg), float(task.gs_lon_deg)
    )


def draw_episode(
    config: RelayOffloadingConfig,
    task: RelayOffloadingTask,
    n_agents: int,
    rng: np.random.Generator,
) -> EpisodeData:
    """Arrivals (Poisson at the task's rates), Case I flags, edge service times, processors
    and models, on-board and edge background loads."""
    rates = arrivals.arrival_rates_per_s(
        task.interarrival_low_s, task.interarrival_high_s, n_agents, rng
    )
    times, agent = arrivals.poisson_arrivals(rates, config.episode_s, rng)
    while times.size == 0:  # an episode is a sequence of decisions: it needs one task
        times, agent = arrivals.poisson_arrivals(rates, config.episode_s, rng)
    m = times.size
    o = config.n_containers
    return EpisodeData(
        arrival_s=times,
        agent=agent,
        returns_result=rng.random(m) < config.case_i_share,
        edge_service_s=config.edge_service_s * rng.uniform(0.8, 1.2, size=m),
        processor=rng.integers(0, len(hardware.PROCESSORS), size=n_agents),
        model=rng.integers(0, len(hardware.MODELS), size=n_agents),
        onboard_load=hardware.onboard_load_series(
            rng, n_agents, int(np.ceil(config.episode_s)) + 1, mean=config.onboard_load_mean
        ),
        edge_background=config.edge_background_load + rng.uniform(-0.03, 0.03, size=o),
    )
