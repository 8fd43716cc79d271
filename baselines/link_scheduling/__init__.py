"""Baselines of LinkScheduling-v0 (paper 002): random, greedy GRD, ADMM-HEU, exact OPT.

Every baseline reads only ``env.unwrapped.instance()``; planners return a [T, J] schedule
that the harness replays through the env, so the env scores every method.
"""

from baselines.link_scheduling.admm import ADMMHeu
from baselines.link_scheduling.greedy import Greedy
from baselines.link_scheduling.milp import MILPOpt
from baselines.link_scheduling.opt import OPT
from baselines.link_scheduling.random_valid import RandomValid
from baselines.link_scheduling.result import OptResult

__all__ = ["OPT", "ADMMHeu", "Greedy", "MILPOpt", "OptResult", "RandomValid"]
