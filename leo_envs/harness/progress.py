"""tqdm progress bars that switch themselves on only for work worth watching."""

from __future__ import annotations

from typing import Any

from tqdm.auto import tqdm

__all__ = ["AUTO_PROGRESS_MIN", "progress_bar"]

#: ``progress=None`` shows a bar when the work has more than this many units (episodes).
AUTO_PROGRESS_MIN = 4


def progress_bar(total: int, progress: bool | None, desc: str, unit: str = "episode") -> Any:
    """A tqdm bar over ``total`` units; ``progress=None`` means "only when total is large"."""
    enabled = total > AUTO_PROGRESS_MIN if progress is None else bool(progress)
    return tqdm(total=total, desc=desc, unit=unit, disable=not enabled, leave=False)
