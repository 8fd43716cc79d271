"""Control-message counting per layer pair (paper 001, Fig. 9; spec A9).

Only workload-information messages are counted, never data transfers. Layer pairs:
satellite <-> LBS, LBS <-> server, server <-> container.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

LAYER_PAIRS: tuple[str, ...] = ("sat_lbs", "lbs_server", "server_container")


class MessageCounter:
    """Cumulative control-message counts per layer pair."""

    def __init__(self) -> None:
        self.counts = [0] * len(LAYER_PAIRS)

    def add(self, kind: str, n: int = 1) -> None:
        """Add ``n`` >= 0 messages of layer pair ``kind`` (one of :data:`LAYER_PAIRS`)."""
        if kind not in LAYER_PAIRS:
            raise ValueError(f"kind must be one of {LAYER_PAIRS}, got {kind!r}")
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
            raise ValueError(f"n must be an integer >= 0, got {n!r}")
        self.counts[LAYER_PAIRS.index(kind)] += int(n)

    def as_dict(self) -> dict[str, int]:
        return dict(zip(LAYER_PAIRS, self.counts, strict=True))


def leoedge_messages_per_decision(
    n_servers: int,
    n_containers: int,
    inner_iters: int,
    middle_iters: int,
    outer_iters: int,
    n_participating_sats: int = 1,
) -> NDArray[np.int64]:
    """Messages of one LEOEdge decision epoch per layer pair (Alg. 1-3, spec A9).

    Per inner iteration every container pushes y^3 and receives eta_s (2 O server<->container)
    and every server reports to the LBS (J); per middle iteration the servers exchange y^2 and
    mu with the LBS (2 J); per outer iteration every participating satellite exchanges y^1 and
    lambda with the LBS (2 each). Defaults K1, K2, K3 = 3, 2, 1, J = 3, O = 12 give
    (2, 30, 144) per task.
    """
    k3, k2, k1 = outer_iters, middle_iters, inner_iters
    sat_lbs = 2 * n_participating_sats * k3
    lbs_server = k3 * k2 * (k1 * n_servers + 2 * n_servers)
    server_container = k3 * k2 * k1 * 2 * n_containers
    return np.array([sat_lbs, lbs_server, server_container], dtype=np.int64)
