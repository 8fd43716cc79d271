"""Baselines of LinkScheduling-v0 (paper 002, Yuan et al., IEEE TWC 2022).

Policies (harness protocol: ``act(obs, info)``, optional ``reset(env)``, ``seed(seed)``,
``plan(instance)``, ``is_exact``, ``name``; all constructible without arguments):

* ``RandomValid`` - a uniformly random valid link group every slot (seeded).
* ``Greedy``      - GRD: incremental greedy link-group construction per slot (section 12).
* ``ADMMHeu``     - ADMM-HEU: relaxation + ADMM (Alg. 1, eqs. 21-26) + per-slot rounding.
* ``OPT``         - exact optimum: best-first branch and price on per-device columns.
* ``MILPOpt``     - exact cross-check: HiGHS MILP (scipy.optimize.milp) + outer approximation.

The exact solvers return an ``OptResult`` from ``solve(instance)``.
"""

from baselines.common import OptResult
from baselines.link_scheduling.admm import ADMMHeu
from baselines.link_scheduling.greedy import Greedy, greedy_schedule
from baselines.link_scheduling.milp import MILPOpt
from baselines.link_scheduling.opt import OPT
from baselines.link_scheduling.random_valid import RandomValid

__all__ = ["OPT", "ADMMHeu", "Greedy", "MILPOpt", "OptResult", "RandomValid", "greedy_schedule"]
