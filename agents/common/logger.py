"""TensorBoard scalars (or nothing, when no log directory is given)."""

from __future__ import annotations

import os
from typing import Any

__all__ = ["ScalarLogger"]


class ScalarLogger:
    """``scalar(tag, value, step)`` to TensorBoard under ``logdir``; ``last`` keeps each
    tag's latest value (for progress bars and tests). ``logdir=None`` logs nowhere."""

    def __init__(
        self, logdir: str | os.PathLike | None = None, hparams: dict[str, Any] | None = None
    ):
        self.last: dict[str, float] = {}
        self.writer = None
        if logdir is not None:
            from torch.utils.tensorboard import SummaryWriter

            self.writer = SummaryWriter(str(logdir))
            if hparams:
                rows = "\n".join(f"|{k}|{v}|" for k, v in hparams.items())
                self.writer.add_text("hyperparameters", f"|param|value|\n|-|-|\n{rows}")

    def scalar(self, tag: str, value: float, step: int) -> None:
        value = float(value)
        self.last[tag] = value
        if self.writer is not None:
            self.writer.add_scalar(tag, value, step)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
