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
_ZERO = np.zeros((), dtype=np.float32)
_ONE = np.ones((), dtype=np.float32)
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


class Observer:
    """Builds the observation vectors of one episode's simulator.

    Entries fixed for the episode (task size, case flag, accuracy, Alg. 4's delay
    estimates, same-plane flags) live in a per-(satellite, case) float32 template built
    once; each decision copies its template, writes the changing entries with one
    fancy-index assignment and clips in place.
    """

    def __init__(self, sim: RelaySimulator) -> None:
        self.sim = sim
        o = sim.config.n_containers
        dim = obs_dim(o)
        per_cand = [
            _HEAD + _PER_CAND * k + j for k in range(N_RELAY_CANDIDATES) for j in (0, 1, 2, 5)
        ]
        tail = _HEAD + _PER_CAND * N_RELAY_CANDIDATES
        # Positions of the changing entries, in the order __call__ lists them.
        self.dynamic_index = np.array(
            [2, 4, 5, 6, 7, 8, 10, *per_cand, tail + o, tail + o + 1], dtype=np.int64
        )
        self.known_load_slice = slice(tail, tail + o)
        templates = []
        for n in range(sim.geometry.n_agents):
            per_case = []
            for case_i in (False, True):
                d_direct, d_relay = sim.path_delays(case_i)
                values = np.zeros(dim)
                values[0] = 1.0  # task size / task_mbit: every task has the configured size
                values[1] = float(case_i)
                values[3] = sim.accuracy_list[n]
                values[9] = d_direct / 10.0
                for k in range(N_RELAY_CANDIDATES):
                    values[_HEAD + _PER_CAND * k + 3] = d_relay[k] / 10.0
                    values[_HEAD + _PER_CAND * k + 4] = float(sim.same_plane_lists[n][k])
                per_case.append(values.astype(np.float32))
            templates.append(tuple(per_case))
        self.templates = tuple(templates)

    def __call__(self, cand: Candidates) -> NDArray[np.float32]:
        """The [0, 1]-clipped observation of the task decided with Alg. 4's view ``cand``."""
        sim = self.sim
        n, t = cand.agent, cand.t_s
        out = self.templates[n][cand.returns_result].copy()
        rem_i = cand.remaining_i_s
        dyn = [
            cand.image_latency_s / 0.04,
            cand.onboard_load / 0.6,
            (sim.cpu_free_s[n] - t) / 60.0,
            cand.local_latency_s / 60.0,
            float(rem_i > 0.0),
            rem_i / 600.0,
            cand.feasible_list[0],
        ]
        for up, busy, rem, feas in zip(
            cand.isl_up, cand.relay_busy, cand.remaining_j_s, cand.feasible_list[1:], strict=True
        ):
            dyn += (up, busy, rem / 600.0, feas)
        dyn += ((t - sim.known_time_s[n]) / 600.0, t / sim.config.episode_s)
        out[self.dynamic_index] = dyn
        out[self.known_load_slice] = sim.known_load[n]
        np.maximum(out, _ZERO, out=out)  # clip to [0, 1]; 0-d bounds skip scalar conversion
        return np.minimum(out, _ONE, out=out)
