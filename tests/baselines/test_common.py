"""The exact-planner protocol and result type shared by every family's OPT."""

from __future__ import annotations

import numpy as np
import pytest

from baselines.common import ExactPlanner, ExactSolver, OptResult, gap_closed, relative_gap
from baselines.link_scheduling import OPT, MILPOpt


class _Constant(ExactPlanner):
    name = "constant"

    def solve(self, instance):
        return OptResult(np.zeros((2, 1), dtype=np.int64), 1.0, 1.0, 0.0, 1, "optimal", 0.0)


def test_planner_plans_keeps_its_certificate_and_refuses_to_act():
    planner = _Constant()
    assert isinstance(planner, ExactSolver) and planner.is_exact
    np.testing.assert_array_equal(planner.plan(object()), np.zeros((2, 1)))
    assert planner.last_result.status == "optimal"
    with pytest.raises(RuntimeError, match="planner"):
        planner.act(None, {})


def test_solve_is_required():
    class Incomplete(ExactPlanner):
        pass

    with pytest.raises(TypeError, match="solve"):
        Incomplete()


def test_link_scheduling_solvers_follow_the_protocol():
    for solver in (OPT(), MILPOpt()):
        assert isinstance(solver, ExactSolver) and isinstance(solver, ExactPlanner)


def test_result_status_is_checked():
    with pytest.raises(ValueError, match="status"):
        OptResult(np.zeros((1, 1), dtype=np.int64), 0.0, 0.0, 0.0, 0, "done", 0.0)


def test_gap_helpers():
    assert gap_closed(1.0, 1.0 - 5e-8) and not gap_closed(1.0, 0.99)
    assert relative_gap(2.0, 1.0) == 0.5 and relative_gap(1.0, 2.0) == 0.0
