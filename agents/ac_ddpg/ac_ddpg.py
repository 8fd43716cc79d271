"""AC-DDPG, paper 002's baseline [39]: DDPG (deterministic actor, Q critic; per-device
layers by default, the paper's MLPs with ``net="mlp"``: see ``DDPGArgs.net``) whose
proto-action is discretised by the "simple" mapping (the single nearest valid link group,
``k = 1``), one model per environment, re-trained from scratch at every change.

It *is* Wolpertinger DDPG with ``k = 1`` and ``retrain_on_switch = True``: the update rule
is written out once, in ``agents/wolpertinger/ddpg.py`` (critic TD target, actor -Q,
soft targets); this file fixes the baseline's settings. Re-training from scratch means new
random weights, fresh optimisers and an empty replay whenever ``info["task_switched"]``.
"""

from __future__ import annotations

from dataclasses import dataclass

from agents.common.neighbors import NeighborFn
from agents.wolpertinger.ddpg import DDPGArgs, WolpertingerDDPG

__all__ = ["ACDDPG", "ACDDPGArgs"]


@dataclass
class ACDDPGArgs(DDPGArgs):
    """Arguments of AC-DDPG: Wolpertinger DDPG's (see ``DDPGArgs``) with these defaults."""

    k: int = 1
    """the "simple" mapping: play the nearest valid link group to the proto-action"""
    retrain_on_switch: bool = True
    """re-initialise networks, optimisers and replay at every task switch"""


class ACDDPG(WolpertingerDDPG):
    """AC-DDPG baseline (see the module docstring)."""

    name = "ac_ddpg"

    def __init__(self, args: ACDDPGArgs | None = None, neighbors: NeighborFn | None = None):
        super().__init__(args or ACDDPGArgs(), neighbors)
