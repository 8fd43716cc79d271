"""The offline problem of one SplitInference-v0 episode (for exact planners and oracles)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .config import SplitInferenceConfig
from .dynamics import EpisodeTable


@dataclass(frozen=True)
class SplitInferenceInstance:
    """Everything a planner needs: per-step exogenous data and the [T, n] cost table.

    ``cost[t, a]`` is the env's per-step objective (minus the reward) of playing ``a`` at
    step ``t``, violation penalty or fallback included; ``feasible`` is feasibility under the
    actual values, ``mask`` what the agent was told. ``opt_actions()`` is the exact optimum:
    no state couples the steps, so the episode objective is minimised step by step.
    """

    preset: str
    cut_names: tuple[str, ...]
    cost: NDArray[np.float64]
    raw_cost: NDArray[np.float64]
    feasible: NDArray[np.bool_]
    mask: NDArray[np.bool_]
    processing_j: NDArray[np.float64]
    e_tx_j: NDArray[np.float64]
    t_s: NDArray[np.float64]
    payload_bits: NDArray[np.float64]
    rate_bps: NDArray[np.float64]
    rate_decision_bps: NDArray[np.float64]
    tx_power_w: NDArray[np.float64]
    tx_power_pred_w: NDArray[np.float64]
    channel_gain: NDArray[np.float64]
    tolerance_s: NDArray[np.float64]
    positions_m: NDArray[np.float64]
    cost_scale: float
    config: SplitInferenceConfig

    @classmethod
    def from_table(
        cls, config: SplitInferenceConfig, table: EpisodeTable
    ) -> SplitInferenceInstance:
        def ro(a: NDArray) -> NDArray:
            a = np.array(a, copy=True)
            a.setflags(write=False)
            return a

        return cls(
            preset=config.preset,
            cut_names=table.cut_names,
            cost=ro(table.cost),
            raw_cost=ro(table.raw_cost),
            feasible=ro(table.feasible),
            mask=ro(table.mask),
            processing_j=ro(table.e_local_j),
            e_tx_j=ro(table.e_tx_j),
            t_s=ro(table.t_s),
            payload_bits=ro(table.payload_bits),
            rate_bps=ro(table.rate_bps),
            rate_decision_bps=ro(table.rate_decision_bps),
            tx_power_w=ro(table.tx_power_w),
            tx_power_pred_w=ro(table.tx_power_pred_w),
            channel_gain=ro(table.channel_gain),
            tolerance_s=ro(table.tolerance_s),
            positions_m=ro(table.positions_m),
            cost_scale=table.cost_scale,
            config=config,
        )

    @property
    def n_steps(self) -> int:
        return self.cost.shape[0]

    @property
    def n_actions(self) -> int:
        return self.cost.shape[1]

    def opt_actions(self) -> NDArray[np.int64]:
        """Per-step argmin of the cost (ties: the smaller action index)."""
        return np.argmin(self.cost, axis=1).astype(np.int64)

    def score(self, actions: NDArray[np.int64]) -> float:
        """Episode objective of a plan (what the env reports as ``objective`` at the end)."""
        a = np.asarray(actions, dtype=np.int64)
        if a.shape != (self.n_steps,) or a.min() < 0 or a.max() >= self.n_actions:
            raise ValueError(f"actions must be [{self.n_steps}] ints in [0, {self.n_actions - 1}]")
        return float(self.cost[np.arange(self.n_steps), a].sum())
