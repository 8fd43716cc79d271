"""The discrete-event core of RelayOffloading-v0, shared by the Gymnasium env (one decision
per generated task) and the PettingZoo env (one decision per satellite per slot).

Every resource is a FIFO with a "free at" time: each satellite's transmitter, each
satellite's on-board processor and each edge container. Service times are known when a task
is dispatched, so a decision's outcome (completion time, accuracy, window failure) is known
at once and the reward is exact and immediate (spec A7). Decisions must come in
non-decreasing time order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from leo_envs.envs.relay_offloading import hardware, timing
from leo_envs.envs.relay_offloading.cluster import EdgeCluster
from leo_envs.envs.relay_offloading.config import N_RELAY_CANDIDATES, RelayOffloadingConfig
from leo_envs.envs.relay_offloading.geometry import EpisodeGeometry
from leo_envs.envs.relay_offloading.messages import MessageCounter

PLACEMENTS = ("local", "direct", "relay", "failed", "result_lost")
PLACE_LOCAL, PLACE_DIRECT, PLACE_RELAY, PLACE_FAILED, PLACE_LOST = range(5)


@dataclass(frozen=True, eq=False)
class EpisodeData:
    """The random draws of one episode (the offline problem with :class:`EpisodeGeometry`)."""

    arrival_s: NDArray[np.float64]  # [M] sorted
    agent: NDArray[np.int64]  # [M] generating agent
    returns_result: NDArray[np.bool_]  # [M] Case I
    edge_service_s: NDArray[np.float64]  # [M] execution time in any container
    processor: NDArray[np.int64]  # [N] Table II-III row
    model: NDArray[np.int64]  # [N] 0 MobileNetV3, 1 ShuffleNetV2
    onboard_load: NDArray[np.float64]  # [N, ceil(T)+1] u_i on a 1-s grid
    edge_background: NDArray[np.float64]  # [O] L_bg per container

    @property
    def n_tasks(self) -> int:
        return int(self.arrival_s.size)


@dataclass(eq=False, slots=True)
class Candidates:
    """What a satellite knows when deciding one task at time ``t_s`` (Alg. 4 inputs)."""

    t_s: float
    agent: int
    returns_result: bool  # Case I
    remaining_i_s: float  # T_a(i)
    d_direct_s: float  # Alg. 4's d (eqs. 1 / 29)
    d_relay_s: list[float]  # [K] d'_j (eqs. 28 / 30)
    remaining_j_s: list[float]  # [K] T_a(j)
    isl_up: tuple[bool, ...]  # [K]
    relay_busy: list[bool]  # [K] relay transmitting to the GS
    feasible_list: list[bool]  # [1 + K] direct, relays (Alg. 4 tests)
    path: int  # Alg. 4's choice (timing.PATH_*)
    local_latency_s: float  # completion time if run on board now, minus arrival
    image_latency_s: float  # c(m_i) x (1 + u_i), one image
    onboard_load: float  # u_i(t)

    @property
    def feasible(self) -> NDArray[np.bool_]:
        """[1 + K] Alg. 4's tests (direct, relays) as a fresh boolean array."""
        return np.array(self.feasible_list)


@dataclass(slots=True)
class Outcome:
    """The realised result of one decision."""

    reward: float
    latency_s: float
    accuracy: float
    placement: int
    relay: int  # constellation index of the relay, -1 if none
    container: int  # -1 if not executed at the edge
    violation: bool
    path: int  # path actually attempted (timing.PATH_*)


@dataclass
class _Records:
    latency_s: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    placement: list[int] = field(default_factory=list)
    violation: list[bool] = field(default_factory=list)
    reward: list[float] = field(default_factory=list)


class RelaySimulator:
    """FIFO transmitters, processors and containers of one episode."""

    def __init__(
        self, config: RelayOffloadingConfig, geometry: EpisodeGeometry, data: EpisodeData
    ) -> None:
        self.config, self.geometry, self.data = config, geometry, data
        cfg = config
        n = geometry.n_agents
        # Busy-until times of each satellite's transmitter and processor [s].
        self.tx_free_s = [0.0] * int(geometry.sat_index.size)
        self.cpu_free_s = [0.0] * n
        self.cluster = EdgeCluster(cfg.n_servers, cfg.containers_per_server, data.edge_background)
        self.messages = MessageCounter()
        self.known_load = np.tile(data.edge_background, (n, 1))
        self.known_time_s = np.zeros(n)
        self.records = _Records()
        self.image_s = hardware.image_latency_s(data.processor, data.model, cfg.adaptive_modeling)
        self.accuracy_local = hardware.model_accuracy(
            data.processor, data.model, cfg.adaptive_modeling
        )
        self.task_bits = cfg.task_mbit * 1e6
        self.result_bits = cfg.result_kbit * 1e3
        isl_rate = np.full(N_RELAY_CANDIDATES, cfg.isl_rate_bps)
        isl_loss = np.full(N_RELAY_CANDIDATES, cfg.isl_loss)
        # Alg. 4 estimates only depend on the case: precompute both.
        self._path_delays = {
            flag: timing.path_delay_s(
                self.task_bits,
                self.result_bits,
                flag,
                cfg.edge_service_s,
                cfg.gs_rate_bps,
                cfg.gs_loss,
                isl_rate,
                isl_loss,
                cfg.delay_model,
            )
            for flag in (False, True)
        }
        # Realised transfer times: up-link of the raw data, down-link of the result (ARQ
        # model; "paper_literal" only changes Alg. 4's estimates, not the physics).
        self.up_direct_s = float(
            timing.direct_transfer_s(self.task_bits, cfg.gs_rate_bps, cfg.gs_loss)
        )
        self.up_relay_s = float(
            timing.relay_transfer_s(
                self.task_bits, cfg.isl_rate_bps, cfg.gs_rate_bps, cfg.isl_loss, cfg.gs_loss
            )
        )
        self.down_direct_s = float(
            timing.direct_transfer_s(self.result_bits, cfg.gs_rate_bps, cfg.gs_loss)
        )
        self.down_relay_s = float(
            timing.relay_transfer_s(
                self.result_bits, cfg.isl_rate_bps, cfg.gs_rate_bps, cfg.isl_loss, cfg.gs_loss
            )
        )
        # Python mirrors of per-decision inputs: K = 4 candidates and one task per decision,
        # where numpy calls cost more than they save, so the hot path works on scalars.
        self._rel_lists = tuple((a, *map(int, geometry.candidates[a])) for a in range(n))
        self.same_plane_lists = tuple(tuple(map(bool, row)) for row in geometry.same_plane)
        self._path_delay_pairs = {k: (d, dj.tolist()) for k, (d, dj) in self._path_delays.items()}
        # Alg. 4's preference among the relays of each agent (fixed for the episode).
        self._relay_order = tuple(
            {
                flag: timing.relay_preference(dj, self.same_plane_lists[a])
                for flag, (_, dj) in self._path_delay_pairs.items()
            }
            for a in range(n)
        )
        self._delay_vectors = {}
        for flag, (d, dj) in self._path_delays.items():
            vec = np.concatenate(([d], dj))
            vec.setflags(write=False)
            dj.setflags(write=False)
            self._delay_vectors[flag] = vec
        self._agent_list = data.agent.tolist()
        self._case_list = data.returns_result.tolist()
        self.arrival_list = data.arrival_s.tolist()
        self._service_list = data.edge_service_s.tolist()
        self._image_list = self.image_s.tolist()
        self.accuracy_list = self.accuracy_local.tolist()
        self._onboard_lists = data.onboard_load.tolist()
        self._sat_index_list = geometry.sat_index.tolist()
        self._isl_ok_lists = geometry.isl_ok_lists
        self._step_s = geometry.step_s
        self._last_grid = int(geometry.grid_s.size) - 1

    # ------------------------------------------------------------------ helpers
    def onboard_load_at(self, agent: int, t_s: float) -> float:
        u = self._onboard_lists[agent]
        return u[min(max(int(t_s), 0), len(u) - 1)]

    def path_delays(self, returns_result: bool) -> tuple[float, list[float]]:
        """Alg. 4's ``(d, [d'_0 .. d'_{K-1}])`` for a task of this case [s]."""
        return self._path_delay_pairs[returns_result]

    def _isl_ok(self, agent: int, t_s: float) -> tuple[bool, ...]:
        """Scalar-path ``geometry.isl_up_at``: [K] ISL states of an agent's candidates."""
        g = int(t_s // self._step_s)
        return self._isl_ok_lists[agent][0 if g < 0 else min(g, self._last_grid)]

    def _local_run(self, agent: int, t_s: float) -> tuple[float, float]:
        """(start, end) of a task run on board from ``t_s`` on (FIFO processor)."""
        start = max(t_s, self.cpu_free_s[agent])
        dur = (
            self.config.images_per_task
            * self._image_list[agent]
            * (1.0 + self.onboard_load_at(agent, start))
        )
        return start, start + dur

    # ------------------------------------------------------------------ decisions
    def candidates(self, task: int, t_s: float) -> Candidates:
        """Alg. 4's view of ``task`` decided at ``t_s`` by its satellite.

        Scalar Python on K = 4 candidates: array calls cost more than they save here.
        """
        agent = self._agent_list[task]
        case_i = self._case_list[task]
        rels = self._rel_lists[agent]
        remaining = self.geometry.remaining_list(rels, t_s)
        rem_i = remaining[0]
        rem_j = remaining[1:]
        isl_up = self._isl_ok(agent, t_s)
        tx = self.tx_free_s
        busy = [tx[r] > t_s for r in rels[1:]]
        d_direct, d_relay = self._path_delay_pairs[case_i]
        usable = [up and not b and rj > 0.0 for up, b, rj in zip(isl_up, busy, rem_j, strict=True)]
        feas = timing.feasible_paths(
            d_direct, rem_i > 0.0, rem_i, d_relay, usable, rem_j, self.config.relay_window
        )
        path = timing.choose_path(
            feas, d_relay, self.same_plane_lists[agent], self._relay_order[agent][case_i]
        )
        u_t = self.onboard_load_at(agent, t_s)
        start = max(t_s, self.cpu_free_s[agent])
        u_start = u_t if start == t_s else self.onboard_load_at(agent, start)
        local_end = start + self.config.images_per_task * self._image_list[agent] * (1.0 + u_start)
        return Candidates(
            t_s=t_s,
            agent=agent,
            returns_result=case_i,
            remaining_i_s=rem_i,
            d_direct_s=d_direct,
            d_relay_s=d_relay,
            remaining_j_s=rem_j,
            isl_up=isl_up,
            relay_busy=busy,
            feasible_list=feas,
            path=path,
            local_latency_s=local_end - self.arrival_list[task],
            image_latency_s=self._image_list[agent] * (1.0 + u_t),
            onboard_load=u_t,
        )

    def apply(
        self, task: int, cand: Candidates, path: int, container: int | None = None
    ) -> Outcome:
        """Run ``task`` on ``path`` (timing.PATH_*; the edge container is the LBS's choice
        unless given). Returns the realised outcome and records it."""
        cfg, geo = self.config, self.geometry
        agent, t = cand.agent, cand.t_s
        arrival = self.arrival_list[task]
        a_i = self.accuracy_list[agent]
        c_loc = cand.local_latency_s
        if path == timing.PATH_LOCAL:
            _, end = self._local_run(agent, t)
            self.cpu_free_s[agent] = end
            return self._record(Outcome(0.0, end - arrival, a_i, PLACE_LOCAL, -1, -1, False, path))

        # Up-link of the raw data on the chosen path (FIFO transmitters).
        tx = self.tx_free_s
        if path == timing.PATH_DIRECT:
            fwd_rel, relay_k = agent, -1
            start = max(t, tx[agent])
            up = self.up_direct_s
        else:
            relay_k = path - timing.PATH_RELAY0
            fwd_rel = self._rel_lists[agent][1 + relay_k]
            start = max(t, tx[agent], tx[fwd_rel])
            up = self.up_relay_s
        window = geo.window_end_s(fwd_rel, start) - start
        end = start + up
        isl_ok = relay_k < 0 or self._isl_ok(agent, end)[relay_k]
        relay_sat = -1 if relay_k < 0 else self._sat_index_list[fwd_rel]
        if window < up or not isl_ok:
            # Cut by the window end (or the ISL): the wasted air time, then local (spec A4).
            fail_t = start + (min(window, up) if window > 0.0 else 0.0)
            tx[agent] = max(tx[agent], fail_t)
            if relay_k >= 0:
                tx[fwd_rel] = max(tx[fwd_rel], fail_t)
            _, local_end = self._local_run(agent, fail_t)
            self.cpu_free_s[agent] = local_end
            latency = local_end - arrival
            reward = cfg.alpha * (c_loc - latency) / cfg.latency_ref_s
            return self._record(
                Outcome(reward, latency, a_i, PLACE_FAILED, relay_sat, -1, False, path)
            )
        tx[agent] = end
        if relay_k >= 0:
            tx[fwd_rel] = end

        # Edge execution (FIFO container) and the load constraint of eq. (6) at dispatch.
        cluster = self.cluster
        c = cluster.least_loaded(end) if container is None else int(container)
        load_c = min(1.0, cluster.background_list[c] + cluster.busy_one(c, end))
        violation = load_c > cfg.workload_bound
        # The LBS's placement reply carries the loads it saw (the satellite's knowledge).
        self.known_load[agent] = cluster.load_at(t)
        self.known_time_s[agent] = t
        _, done = cluster.dispatch(c, end, self._service_list[task])
        placement = PLACE_DIRECT if relay_k < 0 else PLACE_RELAY
        accuracy = cfg.edge_accuracy
        finish = done
        if self._case_list[task]:
            finish = self._return_time(agent, fwd_rel, relay_k, done)
            if finish == np.inf:
                placement, accuracy = PLACE_LOST, 0.0
                finish = done + cfg.result_deadline_s
        latency = finish - arrival
        reward = (
            cfg.alpha * (c_loc - latency) / cfg.latency_ref_s
            + (1.0 - cfg.alpha) * (accuracy - a_i) / cfg.accuracy_ref
            - cfg.violation_penalty * violation
        )
        return self._record(
            Outcome(reward, latency, accuracy, placement, relay_sat, c, violation, path)
        )

    def _return_time(self, agent: int, fwd_rel: int, relay_k: int, ready_s: float) -> float:
        """When the result of a Case I task reaches its satellite (spec A4 "Result return"):
        on the forward path if still up, else via any visible ISL neighbour, else at the next
        contact within ``result_deadline_s``; inf if lost."""
        geo = self.geometry
        if relay_k < 0:
            if geo.window_end_s(agent, ready_s) - ready_s >= self.down_direct_s:
                return ready_s + self.down_direct_s
        elif (
            geo.window_end_s(fwd_rel, ready_s) - ready_s >= self.down_relay_s
            and self._isl_ok(agent, ready_s)[relay_k]
        ):
            return ready_s + self.down_relay_s
        rels = self._rel_lists[agent]
        remaining = geo.remaining_list(rels[1:], ready_s)
        for up, rem in zip(self._isl_ok(agent, ready_s), remaining, strict=True):
            if up and rem >= self.down_relay_s:
                return ready_s + self.down_relay_s
        if geo.window_end_s(agent, ready_s) - ready_s >= self.down_direct_s:
            return ready_s + self.down_direct_s
        rel = geo.candidates[agent]
        # Wait for the next contact of the satellite or of a neighbour with its ISL up.
        deadline = ready_s + self.config.result_deadline_s
        best = float(geo.next_rise_s(np.array([agent]), ready_s)[0]) + self.down_direct_s
        rises = geo.next_rise_s(rel, ready_s)
        for k in np.flatnonzero(np.isfinite(rises)):
            if geo.isl_up_at(agent, float(rises[k]))[k]:
                best = min(best, float(rises[k]) + self.down_relay_s)
        return best if best <= deadline else np.inf

    def _record(self, out: Outcome) -> Outcome:
        r = self.records
        r.latency_s.append(out.latency_s)
        r.accuracy.append(out.accuracy)
        r.placement.append(out.placement)
        r.violation.append(out.violation)
        r.reward.append(out.reward)
        return out

    def path_delay_vector(self, cand: Candidates) -> NDArray[np.float64]:
        """Read-only ``[d, d'_0, ..., d'_{K-1}]`` of Alg. 4 for the candidate's task case."""
        return self._delay_vectors[cand.returns_result]

    def refresh_edge_state(self, agent: int, t_s: float, n_messages: int = 1) -> None:
        """The satellite asks the LBS for the containers' loads (``n_messages`` sat<->LBS)."""
        self.messages.add("sat_lbs", n_messages)
        self.known_load[agent] = self.cluster.load_at(t_s)
        self.known_time_s[agent] = t_s

    # ------------------------------------------------------------------ summaries
    def placement_counts(self) -> dict[str, int]:
        counts = np.bincount(
            np.asarray(self.records.placement, dtype=np.int64), minlength=len(PLACEMENTS)
        )
        return {name: int(c) for name, c in zip(PLACEMENTS, counts, strict=True)}

    def episode_summary(self) -> dict[str, object]:
        r = self.records
        lat = np.asarray(r.latency_s)
        place = np.asarray(r.placement, dtype=np.int64)
        series = self.cluster.load_series(self.config.episode_s, 1.0)
        return {
            "n_tasks": int(lat.size),
            "mean_latency_s": float(lat.mean()) if lat.size else 0.0,
            "mean_latency_by_placement_s": {
                name: float(lat[place == k].mean()) if np.any(place == k) else float("nan")
                for k, name in enumerate(PLACEMENTS)
            },
            "counts": self.placement_counts(),
            "violations": int(np.sum(r.violation)),
            "mean_accuracy": float(np.mean(r.accuracy)) if lat.size else 0.0,
            "workload_series": np.concatenate([series, series.mean(axis=1, keepdims=True)], 1),
            "mean_workload": float(series.mean()),
            "messages": self.messages.as_dict(),
        }
