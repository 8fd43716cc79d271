"""Observation vector of one decision (shared by the single- and multi-agent envs).

All entries lie in [0, 1] (clipped); :data:`OBSERVATION_ROWS` lists them in order (the env
card's observation table is generated from it). K = 4 relay candidates, O containers.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from leo_envs.envs.relay_offloading.config import N_RELAY_CANDIDATES
from leo_envs.envs.relay_offloading.core import Candidates, RelaySimulator

_HEAD = 11
_PER_CAND = 6  # entries per relay candidate

#: (name, range, meaning) of every observation entry, in order.
OBSERVATION_ROWS: tuple[tuple[str, str, str], ...] = (
    ("task_size", "[0, 1]", "raw-data size / `task_mbit` (1 for the default task model)"),
    ("case_i", "{0, 1}", "the result must be returned to the satellite (Case I)"),
    ("image_latency", "[0, 1]", "per-image on-board time c(m_i)(1 + u_i) / 40 ms"),
    ("accuracy_local", "[0, 1]", "on-board model accuracy a_i"),
    ("onboard_load", "[0, 1]", "on-board background load u_i / 0.6"),
    ("local_backlog", "[0, 1]", "time the processor is still busy / 60 s"),
    ("local_latency", "[0, 1]", "completion time if run on board now / 60 s"),
    ("visible", "{0, 1}", "the satellite sees the ground station"),
    ("window_left", "[0, 1]", "remaining window T_a(i) (eq. 27) / 600 s"),
    ("d_direct", "[0, 1]", "Alg. 4's direct-path estimate d (eqs. 1 / 29) / 10 s"),
    ("direct_ok", "{0, 1}", "the direct path passes Alg. 4's test"),
    *(
        row
        for k in range(N_RELAY_CANDIDATES)
        for row in (
            (f"isl_up[{k}]", "{0, 1}", f"ISL to relay candidate {k} has line of sight"),
            (f"relay_busy[{k}]", "{0, 1}", f"candidate {k} is sending to the ground station"),
            (f"window_left[{k}]", "[0, 1]", "its remaining window T_a(j) / 600 s"),
            (f"d_relay[{k}]", "[0, 1]", "Alg. 4's relay estimate d'_j (eqs. 28 / 30) / 10 s"),
            (f"same_plane[{k}]", "{0, 1}", f"candidate {k} is in the same orbital plane"),
            (f"relay_ok[{k}]", "{0, 1}", f"relaying via candidate {k} passes Alg. 4's test"),
        )
    ),
    ("edge_load[o]", "[0, 1]", "O entries: container loads as last known by the satellite"),
    ("edge_age", "[0, 1]", "age of that knowledge / 600 s"),
    ("time", "[0, 1]", "simulated time / episode length"),
)


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
