"""The ground-station edge cluster of LEOEdge: a load balancer (LBS) in front of J servers
with O_s containers each (paper 001, Sec. IX-A: 3 servers x 4 containers).

Each container serves one task at a time, first come first served: a task reaching the
ground at ``t_arrive`` starts at ``max(t_arrive, free_o)`` and completes ``service_s``
later. A container's CPU load is ``L_o(t) = min(1, L_bg,o + busy_o(t))`` (spec A6: a
background load plus one busy task), so its 1-s mean is ``L_bg + (1 - L_bg) f`` with f the
busy fraction of the bin.
"""

from __future__ import annotations

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
        self._slot = np.zeros(self.n_containers, dtype=np.int64)
        self._load_cache: tuple[float, NDArray[np.float64]] | None = None  # reset on dispatch

    # ------------------------------------------------------------------ state queries
    def busy_at(self, t_s: float) -> NDArray[np.bool_]:
        """[O] whether each container is serving a task at time ``t_s``."""
        inside = (self._period_start <= t_s) & (self._period_end > t_s)
        return np.logical_or.reduce(inside, axis=1)

    def load_at(self, t_s: float) -> NDArray[np.float64]:
        """[O] instantaneous CPU load L_o(t) = min(1, L_bg + busy) (spec A6), fresh array."""
        cached = self._load_cache
        if cached is not None and cached[0] == t_s:
            return cached[1].copy()
        # min(1, L_bg + busy) with L_bg in [0, 1]: exactly 1 where busy, else L_bg.
        load = np.where(self.busy_at(t_s), 1.0, self.background_load)
        self._load_cache = (t_s, load)
        return load.copy()

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
        starts = self._period_start[container].tolist()
        ends = self._period_end[container].tolist()
        return any(s <= t_s < e for s, e in zip(starts, ends, strict=True))

    def dispatch(self, container: int, arrival_s: float, service_s: float) -> tuple[float, float]:
        """Queue a task on ``container``; return its ``(start_s, end_s)`` (FIFO)."""
        self._load_cache = None
        free = float(self.free_s[container])
        start = max(arrival_s, free)
        end = start + service_s
        self.free_s[container] = end
        slot = int(self._slot[container])
        if start > free or self._period_end[container, slot] < start:  # a new busy period
            slot = (slot + 1) % self.RING
            self._slot[container] = slot
            self._period_start[container, slot] = start
        self._period_end[container, slot] = end
        self._starts[container].append(start)
        self._ends[container].append(end)
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
