"""One evaluation path for every policy: run, compare, sweep, metrics, logs and a CLI.

>>> from leo_envs.harness import compare  # doctest: +SKIP
>>> df = compare({"greedy": "greedy", "opt": "opt"}, "leo_envs/LinkScheduling-v0",
...              seeds=(0, 1), episodes=5)  # doctest: +SKIP

See :mod:`leo_envs.harness.policy` for the policy protocol. ``leo_envs`` never imports
``agents`` or ``baselines``: named policies come from the ``leo_envs.policies`` entry points.
"""

from .evaluate import compare, evaluate
from .io import log_tensorboard, save_table
from .metrics import add_gap_to_opt
from .nonstationary import recovery_times, run_continual
from .policy import CallablePolicy, Policy, SB3Policy, as_policy, resolve_policy
from .summary import print_summary, summary_table
from .sweep import sweep

__all__ = [
    "CallablePolicy",
    "Policy",
    "SB3Policy",
    "add_gap_to_opt",
    "as_policy",
    "compare",
    "evaluate",
    "log_tensorboard",
    "print_summary",
    "recovery_times",
    "resolve_policy",
    "run_continual",
    "save_table",
    "summary_table",
    "sweep",
]
