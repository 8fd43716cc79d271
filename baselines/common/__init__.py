"""Pieces every env family's baselines share: the exact-planner protocol and result type."""

from baselines.common.exact import (
    STATUSES,
    ExactPlanner,
    ExactSolver,
    OptResult,
    gap_closed,
    relative_gap,
)

__all__ = ["STATUSES", "ExactPlanner", "ExactSolver", "OptResult", "gap_closed", "relative_gap"]
