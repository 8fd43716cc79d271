"""The actors' proto-action: a relaxed link group, and the scores the env's neighbourhood reads.

A link group gives every transmitter one choice among K + 1 (idle or one device), so its
0/1 link matrix [J, K] has rows with at most one 1. The actors output, per transmitter, a
softmax over those K + 1 choices; the device part, ``links = softmax[..., 1:]`` [J, K],
is a *relaxed link group*: a point of the convex hull of the groups' link matrices (rows
sum to at most 1, the idle probability is the rest). The critics are trained on played
groups (vertices of that hull), so evaluating them at a relaxed group interpolates
between actions they have seen; this is what makes DDPG's actor gradient dQ/da at the
proto-action meaningful here. An independent sigmoid per link (the first version) let
the proto wander to matrices with many links per transmitter and per device, far outside
anything the critic was trained on, and the actor followed the critic's extrapolation.

The env's ``action_neighbors(scores, k)`` ranks groups by ||a - scores||^2, i.e. by the
sum over the group's links of 2 * scores_jk - 1 (idle counts 0). ``neighbor_scores`` maps
a relaxed group to ``scores_jk = (1 + p_jk - p_j,idle) / 2`` in [0, 1], so a link counts
``p_jk - p_j,idle``: the nearest group links j to k exactly when the actor prefers k to
idling, and among unicast groups it maximises the summed preference. (Thresholding the
probabilities themselves at 1/2 idles every transmitter whose softmax is not yet
confident: early on, all of them.)
"""

from __future__ import annotations

import torch

__all__ = ["neighbor_scores", "relaxed_links"]


def relaxed_links(logits: torch.Tensor) -> torch.Tensor:
    """``logits [..., J, K + 1]`` (choice 0 = idle) -> relaxed link group ``[..., J, K]``."""
    return torch.softmax(logits, dim=-1)[..., 1:]


def neighbor_scores(links: torch.Tensor) -> torch.Tensor:
    """Relaxed link group ``[..., J, K]`` -> the [0, 1] scores ``action_neighbors`` reads."""
    idle = 1.0 - links.sum(-1, keepdim=True)
    return (0.5 + 0.5 * (links - idle)).clamp(0.0, 1.0)
