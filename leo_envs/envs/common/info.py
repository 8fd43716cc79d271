"""The ``info`` vocabulary every leo-envs env speaks where the quantity exists.

Single and vector envs carry the same keys with the same values (the vector env as
arrays over the batch, Gymnasium's convention). The conformance suite checks the types.
"""

from __future__ import annotations

from typing import Any

import numpy as np

INFO_VOCABULARY: dict[str, str] = {
    "objective": "the env's objective after this step (the env card says which way is better)",
    "energy_j": "energy spent in this step (J)",
    "delay_s": "delay of the work finished in this step (s)",
    "dropped": "work dropped in this step (count or share; the env card says which)",
    "slot_s": "length of one step of simulated time (s)",
    "elapsed_s": "simulated time since the episode started (s)",
    "task_id": "stable id (str) of the task the env runs (leo_envs.tasks.Task.task_id)",
    "task_switched": "True on the first reset/step of a new task of the scenario",
    "seq_idx": "index of the current task in the run's task sequence (switches so far)",
    "action_mask": "boolean mask of the actions allowed now (a read-only array)",
    "played_action": "the action actually applied, after any repair of an invalid one",
}

NUMERIC_KEYS = ("objective", "energy_j", "delay_s", "dropped", "slot_s", "elapsed_s")


def read_only(array: np.ndarray) -> np.ndarray:
    """A read-only view, so callers cannot write into the env's state through ``info``."""
    view = array.view()
    view.flags.writeable = False
    return view


def check_info(info: dict[str, Any]) -> list[str]:
    """Problems with the vocabulary keys present in ``info`` (empty list: fine)."""
    problems = []
    for key in NUMERIC_KEYS:
        if key in info and not np.all(np.isfinite(np.asarray(info[key], dtype=float))):
            problems.append(f"info[{key!r}] must be finite, got {info[key]!r}")
    if "task_id" in info and not isinstance(info["task_id"], str | np.ndarray):
        problems.append(f"info['task_id'] must be a str, got {type(info['task_id']).__name__}")
    if "action_mask" in info:
        mask = info["action_mask"]
        if not isinstance(mask, np.ndarray) or mask.dtype != np.bool_:
            problems.append("info['action_mask'] must be a boolean numpy array")
        elif mask.flags.writeable and mask.base is not None:
            problems.append("info['action_mask'] must not be a writable view of env state")
    return problems
