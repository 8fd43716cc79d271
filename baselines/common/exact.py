"""The exact-planner protocol every env family's OPT follows, and its result type.

An exact planner solves an episode's offline problem (the env's ``instance()``) to proven
optimality or to a certified gap: ``solve(instance) -> OptResult``. For the harness it is a
policy that plans (``plan(instance)`` returns the schedule the harness replays through the
env, one action per step) and never acts; ``is_exact`` marks it, ``last_result`` keeps the
certificate of the last plan. Objectives are minimised; a family whose objective is a reward
to maximise negates it in its instance.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

STATUSES = ("optimal", "time_limit", "node_limit")


def gap_closed(ub: float, lb: float) -> bool:
    """Optimality test of the exact solvers: UB - LB <= 1e-9 + 1e-7 |UB|."""
    return ub - lb <= 1e-9 + 1e-7 * abs(ub)


def relative_gap(ub: float, lb: float) -> float:
    """(UB - LB) / max(|UB|, 1e-12), at least 0."""
    return max(0.0, ub - lb) / max(abs(ub), 1e-12)


@dataclass
class OptResult:
    """Outcome of an exact solve.

    schedule: the best plan found, one action per step ([T, ...] array; valid, scored with
        the family's ``instance.score``). objective: its objective (the env's scoring).
    lower_bound: proven lower bound. gap: (objective - lower_bound) / max(|objective|,
        1e-12) >= 0. nodes: search effort (branch-and-bound nodes, MILP solves, ...).
    status: one of ``STATUSES``: 'optimal' (``gap_closed``), 'time_limit', 'node_limit'.
    solve_time_s: wall time of the solve (s). info: solver-specific details.
    """

    schedule: NDArray[np.int64]
    objective: float
    lower_bound: float
    gap: float
    nodes: int
    status: str
    solve_time_s: float
    info: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {self.status!r}")


@runtime_checkable
class ExactSolver(Protocol):
    """What an env family's OPT provides (``ExactPlanner`` supplies the harness side)."""

    name: str
    is_exact: bool
    last_result: OptResult | None

    def solve(self, instance: Any) -> OptResult: ...

    def plan(self, instance: Any) -> NDArray: ...


class ExactPlanner(ABC):
    """Harness side of an exact solver (subclasses define ``solve(instance) -> OptResult``):
    ``plan`` solves and keeps ``last_result``; planners are replayed, never asked to act."""

    is_exact: ClassVar[bool] = True
    last_result: OptResult | None = None

    @abstractmethod
    def solve(self, instance: Any) -> OptResult:
        """Solve the episode's offline problem (the env's ``instance()``)."""

    def plan(self, instance: Any) -> NDArray:
        self.last_result = self.solve(instance)
        return self.last_result.schedule

    def act(self, obs: Any, info: dict[str, Any]) -> NDArray:
        raise RuntimeError(f"{type(self).__name__} is a planner: call plan(instance)")
