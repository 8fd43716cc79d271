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
    """The [0, 1]-clipped observation vector (layout in the module docstring)."""
    cfg = sim.config
    n, t = cand.agent, cand.t_s
    values = [
        1.0,
        float(sim._case_list[task]),
        cand.image_latency_s / 0.04,
        sim._accuracy_list[n],
        sim.onboard_load_at(n, t) / 0.6,
        (sim.cpu_free_s[n] - t) / 60.0,
        cand.local_latency_s / 60.0,
        float(cand.remaining_i_s > 0.0),
        cand.remaining_i_s / 600.0,
        cand.d_direct_s / 10.0,
        float(cand.feasible[0]),
    ]
    same = sim._same_lists[n]
    for k, (up, busy, rem, d, feas) in enumerate(
        zip(
            cand.isl_up,
            cand.relay_busy,
            cand.remaining_j_s,
            cand.d_relay_s,
            cand.feasible[1:].tolist(),
            strict=True,
        )
    ):
        values += [float(up), float(busy), rem / 600.0, d / 10.0, float(same[k]), float(feas)]
    values += sim.known_load[n].tolist()
    values += [(t - sim.known_time_s[n]) / 600.0, t / cfg.episode_s]
    out = np.array(values, dtype=np.float32)
    return np.clip(out, 0.0, 1.0, out=out)
