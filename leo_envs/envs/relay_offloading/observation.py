"""Observation vector of one decision (shared by the single- and multi-agent envs).

All entries lie in [0, 1] (clipped); layout, K = 4 relay candidates, O containers:

=========  =====================================================================
0          raw-data size / ``task_mbit`` (1 for the default task model)
1          Case I flag (result must be returned)
2          per-image on-board latency c(m_i)(1 + u_i) / 40 ms
3          on-board model accuracy a_i
4          on-board background load u_i / 0.6
5          local backlog (processor busy for) / 60 s
6          local completion time if run now / 60 s
7          origin sees the ground station
8          T_a(i) / 600 s
9          Alg. 4's direct estimate d / 10 s
10         direct path feasible (Alg. 4)
11+6k..    candidate k: ISL up, relay busy, T_a(j) / 600 s, d'_j / 10 s, same plane,
           feasible
35..35+O   containers' loads as last known by this satellite
35+O       age of that knowledge / 600 s
36+O       simulated time / episode length
=========  =====================================================================
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from leo_envs.envs.relay_offloading.config import N_RELAY_CANDIDATES
from leo_envs.envs.relay_offloading.core import Candidates, RelaySimulator

_HEAD = 11
_PER_CAND = 6  # entries per relay candidate


def obs_dim(n_containers: int) -> int:
    return _HEAD + _PER_CAND * N_RELAY_CANDIDATES + n_containers + 2


def observe(sim: RelaySimulator, task: int, cand: Candidates) -> NDArray[np.float32]:
    cfg = sim.config
    n, t = cand.agent, cand.t_s
    head = [
        1.0,
        float(sim.data.returns_result[task]),
        cand.image_latency_s / 0.04,
        float(sim.accuracy_local[n]),
        sim.onboard_load_at(n, t) / 0.6,
        (float(sim.cpu_free_s[n]) - t) / 60.0,
        cand.local_latency_s / 60.0,
        float(cand.remaining_i_s > 0.0),
        cand.remaining_i_s / 600.0,
        cand.d_direct_s / 10.0,
        float(cand.feasible[0]),
    ]
    block = np.stack(
        [
            cand.isl_up,
            cand.relay_busy,
            cand.remaining_j_s / 600.0,
            cand.d_relay_s / 10.0,
            sim.geometry.same_plane[n],
            cand.feasible[1:],
        ],
        axis=1,
    ).ravel()
    tail = [(t - float(sim.known_time_s[n])) / 600.0, t / cfg.episode_s]
    out = np.concatenate((head, block, sim.known_load[n], tail))
    np.clip(out, 0.0, 1.0, out=out)
    return out.astype(np.float32)
