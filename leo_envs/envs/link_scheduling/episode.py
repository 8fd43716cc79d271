"""One episode played by the single env: the scalar twin of ``LinkDynamics``' batch step.

Stepping one episode with numpy would cost a dozen array calls per slot for 4 links, so the
single env plays on Python scalars instead, with the IEEE operations of the batched code
in the same order (tests assert bit-for-bit agreement with the batched env). What a slot
reads (demands, weights, thresholds, eligibility, the received power of every possible
link) is prepared for a whole block of episodes at once by ``prefetch``; the episode's
numpy row (``row()``) is brought up to date when ``instance()``, rendering or an error
message needs it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from leo_envs.envs.link_scheduling.dynamics import N_TX, EpisodeBatch, LinkDynamics
from leo_envs.envs.link_scheduling.groups import IDLE, objective_from_totals


@dataclass
class SingleEpisode:
    """State of episode ``index`` of ``block``. ``observations`` [T + 1, obs]: the
    observation at each slot with nothing delivered; ``masks`` [T + 1, J (K + 1)]: the
    action mask at each slot; ``received_w`` [T, J, K]: the power (W) each transmitter
    would deliver to each device; then Python copies of the per-device values a step reads
    (``eligible`` [J][K]) and the running totals."""

    dynamics: LinkDynamics
    block: EpisodeBatch
    index: int
    observations: NDArray[np.float32]
    masks: NDArray[np.bool_]
    received_w: NDArray[np.float64]
    demand: list[float]
    weight: list[float]
    threshold: list[float]
    eligible: list[list[bool]]
    n_present: int
    weighted_demand: float
    t: int = 0
    n_served: int = 0
    delivered_total: float = 0.0

    def __post_init__(self) -> None:
        self.delivered = [0.0] * len(self.demand)
        self.shortfall = self.weighted_demand  # sum_k w_k (D_k - b_k)^2 with b = 0
        self._n_present = max(self.n_present, 1)
        self._weighted_demand = max(self.weighted_demand, 1e-300)
        self._row: EpisodeBatch | None = None
        self._feasible: NDArray[np.bool_] | None = None

    def row(self) -> EpisodeBatch:
        """The episode as a one-row batch (views into the block), brought up to date."""
        if self._row is None:
            self._row = self.block.row(self.index)
        row = self._row
        row.delivered[0] = self.delivered
        row.shortfall[0], row.n_served[0], row.t[0] = self.shortfall, self.n_served, self.t
        row.delivered_total[0] = self.delivered_total
        return row

    def repair(self, group: list[int]) -> tuple[list[int], list[float]]:
        """Scalar ``LinkDynamics.repair_with_sinr``: (repaired group, SINR per link)."""
        eligible = self.eligible
        group = list(group)
        for j in range(N_TX):
            k = group[j]
            if k and (group.index(k) < j or not eligible[j][k - 1]):  # unicast, eligibility
                group[j] = IDLE
        # rx[i][j]: power of transmitter i at the receiver of link j
        receivers = [k - 1 if k else 0 for k in group]
        rx = self.received_w[self.t].take(receivers, 1).tolist()
        sinr = self._sinr(rx, group)
        dropped = False
        for j in range(N_TX):
            if group[j] and sinr[j] < self.dynamics.sinr_threshold:
                group[j], dropped = IDLE, True
        return group, (self._sinr(rx, group) if dropped else sinr)

    def action_neighbors(
        self, proto: NDArray[np.float64], k: int
    ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """The k valid groups of the current slot nearest to ``proto`` [J, K] (``neighbors``);
        the link feasibility of every slot and pattern is computed on the first call."""
        if self._feasible is None:  # [T, S, J, K]: one call for the whole episode
            self._feasible = self.dynamics.slot_feasible(self.block, self.index, slice(None))
        return self.dynamics.action_neighbors(
            self.block, self.index, proto, k, self._feasible[self.t]
        )

    def _sinr(self, rx: list[list[float]], group: list[int]) -> list[float]:
        """SINR (eq. 14) of each link of ``group``, interference summed in index order."""
        interferers, noise = self.dynamics.interferers, self.dynamics.noise_w_list
        sinr = [0.0] * N_TX
        for j, k in enumerate(group):
            if k:
                interference = 0.0
                for i in interferers[j]:
                    if group[i]:
                        interference = interference + rx[i][j]
                sinr[j] = rx[j][j] / (interference + noise[j])
        return sinr

    def play(self, group: list[int], sinr: list[float]) -> tuple[list[float], float]:
        """Scalar ``LinkDynamics.advance`` of a repaired group: (bits per link, useful bits)."""
        dynamics = self.dynamics
        slot_s = dynamics.config.slot_s
        # eq. (15) with one numpy call: Python floats round + and * as numpy does, and
        # log2 stays numpy's so that the batched env computes the same bits
        log2 = np.log2([1.0 + value for value in sinr]).tolist()
        bits = [
            slot_s * (bandwidth * rate)
            for bandwidth, rate in zip(dynamics.bandwidth_hz_list, log2, strict=True)
        ]
        shortfall, useful = self.shortfall, 0.0
        for j in range(N_TX):
            if not group[j]:
                bits[j] = 0.0
                continue
            k = group[j] - 1
            old, demand = self.delivered[k], self.demand[k]
            new = min(old + bits[j], demand)
            w, threshold = self.weight[k], self.threshold[k]
            gap_new, gap_old = demand - new, demand - old
            shortfall = shortfall + (w * (gap_new * gap_new) - w * (gap_old * gap_old))
            self.n_served += old < threshold <= new
            useful = useful + (new - old)
            self.delivered[k] = new
        self.shortfall = shortfall
        self.delivered_total = self.delivered_total + useful
        self.t += 1
        return bits, useful

    def objective_terms(self) -> tuple[float, float, float]:
        """Scalar ``LinkDynamics.objective``: (objective, served_gap_term, data_gap_term)."""
        cfg = self.dynamics.config
        return objective_from_totals(
            self.n_served,
            self._n_present,
            max(self.shortfall, 0.0),
            self._weighted_demand,
            cfg.served_term_weight,
            cfg.data_term_weight,
        )
