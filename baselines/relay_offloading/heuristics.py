"""The paper's comparison schemes (001, Sec. IX-C) as harness policies."""

from __future__ import annotations

from typing import Any

import numpy as np

from baselines.relay_offloading.common import EnvAwarePolicy


class LocalOnly(EnvAwarePolicy):
    """Every task on board ("without edge", Fig. 8's benchmark)."""

    name = "local_only"

    def act(self, obs: np.ndarray, info: dict[str, Any]) -> int:
        return 0


class Threshold(EnvAwarePolicy):
    """Offload iff the estimated single-image time c(m_i)(1 + u_i) exceeds ``threshold_s``
    (20 ms); path by Alg. 4. No control messages."""

    name = "threshold"

    def __init__(self, threshold_s: float = 0.020) -> None:
        super().__init__()
        self.threshold_s = float(threshold_s)

    def act(self, obs: np.ndarray, info: dict[str, Any]) -> int:
        if info["image_latency_s"] > self.threshold_s:
            return self._offload(info)
        return 0


class WorkloadBased(EnvAwarePolicy):
    """Offload while the last-known mean CPU occupancy of the containers is below
    ``bound`` (50 %); the satellite refreshes it from the LBS before each decision (one
    sat<->LBS message, spec A9)."""

    name = "workload"

    def __init__(self, bound: float = 0.5) -> None:
        super().__init__()
        self.bound = float(bound)

    def act(self, obs: np.ndarray, info: dict[str, Any]) -> int:
        if self._env is not None:
            load = self._env.refresh_edge_state(1)
        else:  # without the env (no message accounting) use the LBS's reported loads
            load = np.asarray(info["edge_load"])
        if float(np.mean(load)) < self.bound:
            return self._offload(info)
        return 0
