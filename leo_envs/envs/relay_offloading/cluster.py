"""The ground-station edge cluster of LEOEdge: a load balancer (LBS) in front of J servers
with O_s containers each (paper 001, Sec. IX-A: 3 servers x 4 containers).

Each container serves one task at a time, first come first served: a task reaching the
ground at ``t_arrive`` starts at ``max(t_arrive, free_o)`` and completes ``service_s``
later. A container's CPU load is ``L_o(t) = min(1, L_bg,o + busy_o(t))`` (spec A6: a
background load plus one busy task), so its 1-s mean is ``L_bg + (1 - L_bg) f`` with f the
busy fraction of the bin.
"""

from __future__ import annotations

import heapq

import numpy as np
from numpy.typing import NDArray


def fifo_completion_s(arrival_s: float, free_s: float, service_s: float) -> float:
    """Completion time of a FIFO server: ``max(arrival, free) + service`` [s]."""
    return max(arrival_s, free_s) + service_s


class EdgeCluster:
    """FIFO containers behind a load balancer, with their busy intervals for load series.

    Args:
        n_servers: J servers.
        containers_per_server: containers per server (O = J x this).
        background_load: [O] background CPU occupancy L_bg of each container, in [0, 1].
    """

    RING = 4

    def __init__(
        self, n_servers: int, containers_per_server: int, background_load: NDArray[np.float64]
    ) -> None:
        self.n_servers = int(n_servers)
        self.containers_per_server = int(containers_per_server)
        self.n_containers = self.n_servers * self.containers_per_server
        bg = np.asarray(background_load, dtype=np.float64)
        if bg.shape != (self.n_containers,):
            raise ValueError(
                f"background_load must have shape ({self.n_containers},), got {bg.shape}"
            )
        self.background_load = bg
        self.background_list: list[float] = bg.tolist()
        self.server_of = np.repeat(np.arange(self.n_servers), self.containers_per_server)
        self.free_s = np.zeros(self.n_containers)
        # Busy intervals per container, in FIFO order (disjoint and sorted by construction).
        self._starts: list[list[float]] = [[] for _ in range(self.n_containers)]
        self._ends: list[list[float]] = [[] for _ in range(self.n_containers)]
        # The last RING busy periods (runs of back-to-back tasks) of each container, for O(1)
        # load queries. A query at t is exact while fewer than RING periods of a container
        # start after t: only tasks still in flight to the ground can start later than "now".
        self._period_start = np.full((self.n_containers, self.RING), np.inf)
        self._period_end = np.full((self.n_containers, self.RING), -np.inf)
        self._slot = [0] * self.n_containers
        # Python mirrors of free_s and the ring for the scalar paths (dispatch, busy_one).
        self._free_list = [0.0] * self.n_containers
        self._period_start_lists = [[np.inf] * self.RING for _ in range(self.n_containers)]
        self._period_end_lists = [[-np.inf] * self.RING for _ in range(self.n_containers)]
        # Sweep for queries at non-decreasing times (each decision asks for the loads "now"):
        # a heap of (time, container, +1 start / -1 end) events, applied once the query time
        # reaches them, keeps the tasks in service and the loads at ``_swept_s``. Exact for
        # any number of queued tasks; an earlier query falls back to the ring.
        self._events: list[tuple[float, int, int]] = []
        self._in_service = [0] * self.n_containers
        self._swept_s = -np.inf
        self._load_now = bg.copy()

    # ------------------------------------------------------------------ state queries
    def busy_at(self, t_s: float) -> NDArray[np.bool_]:
        """[O] whether each container is serving a task at time ``t_s``."""
        inside = (self._period_start <= t_s) & (self._period_end > t_s)
        return np.logical_or.reduce(inside, axis=1)

    def load_at(self, t_s: float) -> NDArray[np.float64]:
        """[O] instantaneous CPU load L_o(t) = min(1, L_bg + busy) (spec A6), fresh array."""
        if t_s < self._swept_s:
            # min(1, L_bg + busy) with L_bg in [0, 1]: exactly 1 where busy, else L_bg.
            return np.where(self.busy_at(t_s), 1.0, self.background_load)
        events = self._events
        while events and events[0][0] <= t_s:
            _, c, step = heapq.heappop(events)
            self._count(c, step)
        self._swept_s = t_s
        return self._load_now.copy()

    def _count(self, container: int, step: int) -> None:
        """One task starts (+1) or ends (-1) service on ``container`` (sweep state)."""
        n = self._in_service[container] + step
        self._in_service[container] = n
        self._load_now[container] = 1.0 if n > 0 else self.background_list[container]

    def backlog_s(self, t_s: float) -> NDArray[np.float64]:
        """[O] work queued or in service at ``t_s`` (time until each container is free) [s]."""
        return np.maximum(0.0, self.free_s - t_s)

    # ------------------------------------------------------------------ placement
    def least_loaded(self, t_s: float) -> int:
        """The LBS rule: the server with the least mean backlog, then its container that
        frees first (paper: "according to server's instant workload"); ties -> lowest index."""
        score = np.maximum(0.0, self.free_s - t_s) + self.background_load
        server = int(score.reshape(self.n_servers, -1).sum(axis=1).argmin())
        c = self.containers_per_server
        return server * c + int(score[server * c : (server + 1) * c].argmin())

    def busy_one(self, container: int, t_s: float) -> bool:
        """Whether ``container`` serves a task at ``t_s`` (scalar form of :meth:`busy_at`)."""
        starts = self._period_start_lists[container]
        ends = self._period_end_lists[container]
        return any(s <= t_s < e for s, e in zip(starts, ends, strict=True))

    def dispatch(self, container: int, arrival_s: float, service_s: float) -> tuple[float, float]:
        """Queue a task on ``container``; return its ``(start_s, end_s)`` (FIFO)."""
        free = self._free_list[container]
        start = max(arrival_s, free)
        end = start + service_s
        self._free_list[container] = end
        self.free_s[container] = end
        slot = self._slot[container]
        ends = self._period_end_lists[container]
        if start > free or ends[slot] < start:  # a new busy period
            slot = (slot + 1) % self.RING
            self._slot[container] = slot
            self._period_start_lists[container][slot] = start
            self._period_start[container, slot] = start
        ends[slot] = end
        self._period_end[container, slot] = end
        self._starts[container].append(start)
        self._ends[container].append(end)
        for time_s, step in ((start, 1), (end, -1)):
            if time_s <= self._swept_s:  # already passed by the sweep: count it now
                self._count(container, step)
            else:
                heapq.heappush(self._events, (time_s, container, step))
        return start, end

    # ------------------------------------------------------------------ series
    def busy_time_until(self, edges_s: NDArray[np.float64]) -> NDArray[np.float64]:
        """[O, len(edges)] cumulative busy seconds of each container up to each edge."""
        edges = np.asarray(edges_s, dtype=np.float64)
        out = np.zeros((self.n_containers, edges.size))
        for o in range(self.n_containers):
            if not self._ends[o]:
                continue
            starts = np.asarray(self._starts[o])
            ends = np.asarray(self._ends[o])
            dur = ends - starts
            cum = np.concatenate(([0.0], np.cumsum(dur)))
            k = np.searchsorted(ends, edges, side="right")  # intervals fully before edge
            partial = np.zeros(edges.size)
            open_ = k < ends.size
            partial[open_] = np.clip(edges[open_] - starts[k[open_]], 0.0, dur[k[open_]])
            out[o] = cum[k] + partial
        return out

    def load_series(self, t_end_s: float, bin_s: float = 1.0) -> NDArray[np.float64]:
        """[n_bins, O] mean CPU load of each container over consecutive bins of ``bin_s``
        from 0 to ``t_end_s``: L_bg + (1 - L_bg) x busy fraction (exact bin means)."""
        n_bins = max(1, int(np.ceil(t_end_s / bin_s - 1e-9)))
        edges = np.arange(n_bins + 1) * bin_s
        busy = np.diff(self.busy_time_until(edges), axis=1) / bin_s  # [O, n_bins]
        return (self.background_load[:, None] + (1.0 - self.background_load[:, None]) * busy).T
