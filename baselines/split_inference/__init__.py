"""Baselines of SplitInference-v0: papers 000 (Alg. 1) and 004 (PS and its baselines), OPT."""

from baselines.split_inference.policies import (
    OPT,
    PS,
    PSNC,
    OriginalLSTM,
    Pool1,
    PrunedSplit,
    Softmax,
    SplitOnly,
    paper_methods,
)
from baselines.split_inference.selectors import alg1_costs, alg1_select, ps_energies, ps_select

__all__ = [
    "OPT", "PS", "PSNC", "OriginalLSTM", "Pool1", "PrunedSplit", "Softmax", "SplitOnly",
    "alg1_costs", "alg1_select", "paper_methods", "ps_energies", "ps_select",
]  # fmt: skip
