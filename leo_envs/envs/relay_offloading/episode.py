"""Random draws of one RelayOffloading episode (t0, arrivals, hardware, loads) from a seed."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache

import numpy as np

from leo_envs.envs.relay_offloading import arrivals, hardware
from leo_envs.envs.relay_offloading.config import RelayOffloadingConfig
from leo_envs.envs.relay_offloading.core import EpisodeData
from leo_envs.envs.relay_offloading.geometry import SHELL_EPOCH, EpisodeGeometry, build_geometry


def draw_t0(config: RelayOffloadingConfig, rng: np.random.Generator) -> datetime:
    """Episode start: uniform within +- ``epoch_offset_max_s`` of the shell epoch, whole
    seconds (so geometry caches can hit)."""
    offset = float(rng.uniform(-config.epoch_offset_max_s, config.epoch_offset_max_s))
    return SHELL_EPOCH + timedelta(seconds=round(offset))


@lru_cache(maxsize=8)
def cached_geometry(config: RelayOffloadingConfig, t0: datetime) -> EpisodeGeometry:
    """Geometry is a pure function of (config, t0): memoised for repeated episodes."""
    return build_geometry(config, t0)


def draw_episode(
    config: RelayOffloadingConfig, n_agents: int, rng: np.random.Generator
) -> EpisodeData:
    """Arrivals (Poisson per scenario), Case I flags, edge service times, processors and
    models, on-board and edge background loads."""
    rates = arrivals.arrival_rates_per_s(config.scenario, n_agents, rng)
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
