"""Result record shared by the exact solvers."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray


def gap_closed(ub: float, lb: float) -> bool:
    """Optimality test of the exact solvers: UB - LB <= 1e-9 + 1e-7 |UB|."""
    return ub - lb <= 1e-9 + 1e-7 * abs(ub)


@dataclass
class OptResult:
    """Outcome of an exact solve.

    schedule: [T, J] best schedule found (valid; scored with ``instance.score``).
    objective: its objective (env scoring). lower_bound: proven lower bound.
    gap: (objective - lower_bound) / max(|objective|, 1e-12), >= 0.
    nodes: branch-and-bound nodes (B&B) or MILP solves (MILPOpt: OA iterations).
    status: 'optimal' | 'time_limit' | 'node_limit'.
    """

    schedule: NDArray[np.int64]
    objective: float
    lower_bound: float
    gap: float
    nodes: int
    status: str
    solve_time_s: float
    info: dict = field(default_factory=dict)


def relative_gap(ub: float, lb: float) -> float:
    return max(0.0, ub - lb) / max(abs(ub), 1e-12)


class ExactPlanner:
    """Harness side of the exact solvers (which define ``solve(instance) -> OptResult``):
    ``plan`` solves and keeps ``last_result``; planners are replayed, never asked to act."""

    is_exact = True
    last_result: OptResult | None = None

    def plan(self, instance):
        self.last_result = self.solve(instance)
        return self.last_result.schedule

    def act(self, obs, info):  # pragma: no cover - planners are replayed by the harness
        raise RuntimeError(f"{type(self).__name__} is a planner: call plan(instance)")
