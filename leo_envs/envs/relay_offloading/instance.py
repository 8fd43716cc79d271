"""The offline problem of one RelayOffloading episode, for exact solvers and oracles."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from leo_envs.envs.relay_offloading.config import RelayOffloadingConfig
from leo_envs.envs.relay_offloading.core import EpisodeData, RelaySimulator
from leo_envs.envs.relay_offloading.geometry import EpisodeGeometry


@dataclass(frozen=True, eq=False)
class RelayInstance:
    """Everything random in an episode: replaying the same decisions on a simulator built
    from ``(config, geometry, data)`` reproduces the episode exactly."""

    config: RelayOffloadingConfig
    geometry: EpisodeGeometry
    data: EpisodeData

    @property
    def arrival_s(self) -> NDArray[np.float64]:
        return self.data.arrival_s

    def simulator(self) -> RelaySimulator:
        """A fresh simulator of this episode (for planners that try decisions)."""
        return RelaySimulator(self.config, self.geometry, self.data)


def build_instance(sim: RelaySimulator) -> RelayInstance:
    return RelayInstance(sim.config, sim.geometry, sim.data)
