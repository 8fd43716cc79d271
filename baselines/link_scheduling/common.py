"""Exact optimum by enumeration, for tests on tiny instances.

Everything else the baselines share (objective, valid groups, apply, repair) is the env's
link-group API, ``leo_envs.envs.link_scheduling.groups``.
"""

from __future__ import annotations

import itertools

import numpy as np
from numpy.typing import NDArray

from leo_envs.envs.link_scheduling.groups import Objective, replay, valid_groups
from leo_envs.envs.link_scheduling.instance import LinkSchedulingInstance


def brute_force(inst: LinkSchedulingInstance) -> tuple[NDArray[np.int64], float]:
    """Exact optimum by enumerating every schedule (tiny instances only)."""
    objective = Objective(inst)
    per_slot = [valid_groups(inst, t) for t in range(inst.n_slots)]
    best, best_sched = np.inf, None
    for combo in itertools.product(*[range(len(g)) for g in per_slot]):
        sched = np.array([per_slot[t][i] for t, i in enumerate(combo)])
        val = objective(replay(inst, sched))
        if val < best:
            best, best_sched = val, sched
    return best_sched, float(best)
