"""Baselines of RelayOffloading-v0 (LEOEdge, paper 001), as harness policies.

* ``LocalOnly``     - every task on board (Fig. 8's "without edge").
* ``Threshold``     - offload iff the single-image time exceeds 20 ms.
* ``WorkloadBased`` - offload while the mean container CPU load is below 50 %.
* ``LEOEdge``       - the three-layer dual-decomposition scheduler (Alg. 1-3).
* ``MARL`` / ``A3C`` - learned stand-ins (parameter-shared PPO / A2C from Stable-Baselines3)
  trained on the PettingZoo variant (``marl.py``; torch is imported only when training).
"""

from baselines.relay_offloading.heuristics import LocalOnly, Threshold, WorkloadBased
from baselines.relay_offloading.leoedge import LEOEdge

__all__ = ["LEOEdge", "LocalOnly", "Threshold", "WorkloadBased"]
