"""Checkpoints: every RNG the agents use (torch, numpy, python) and a file format.

A checkpoint is one ``torch.save`` file of a plain dict: network and optimiser
``state_dict``s, replay contents, RNG states and, for training runs, the pickled env, so a
resumed run continues bit-identically on CPU. Loading uses ``weights_only=False``: only
load checkpoints you wrote yourself.
"""

from __future__ import annotations

import os
import random
from pathlib import Path
from typing import Any

import numpy as np
import torch

__all__ = [
    "global_rng_state",
    "load_checkpoint",
    "save_checkpoint",
    "seed_everything",
    "set_global_rng_state",
]


def seed_everything(seed: int) -> np.random.Generator:
    """Seed python's ``random``, numpy's legacy global RNG and torch; return a fresh
    ``numpy.random.Generator`` for the caller's own draws (the CleanRL preamble)."""
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
    random.seed(int(seed))
    np.random.seed(int(seed) % 2**32)  # noqa: NPY002  (libraries still draw from it)
    torch.manual_seed(int(seed))
    torch.backends.cudnn.deterministic = True
    return np.random.default_rng(int(seed))


def global_rng_state() -> dict[str, Any]:
    return {
        "python": random.getstate(),
        "numpy": np.random.get_state(),  # noqa: NPY002  (the legacy global RNG, as seeded)
        "torch": torch.get_rng_state(),
    }


def set_global_rng_state(state: dict[str, Any]) -> None:
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])  # noqa: NPY002
    torch.set_rng_state(state["torch"])


def save_checkpoint(path: str | os.PathLike, state: dict[str, Any]) -> Path:
    """Write ``state`` (plus the global RNG states) atomically to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    torch.save({"state": state, "global_rng": global_rng_state()}, tmp)
    os.replace(tmp, path)
    return path


def load_checkpoint(path: str | os.PathLike, restore_global_rng: bool = True) -> dict[str, Any]:
    """Read a checkpoint written by :func:`save_checkpoint` (restoring the global RNGs)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    blob = torch.load(path, weights_only=False)
    if not isinstance(blob, dict) or "state" not in blob:
        raise ValueError(f"{path} is not a leo-envs agent checkpoint")
    if restore_global_rng:
        set_global_rng_state(blob["global_rng"])
    return blob["state"]
