"""tqdm progress bars that switch themselves on only for work worth watching, and the
guard that keeps native solver output (HiGHS banners) from printing through them."""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from typing import Any

from tqdm.auto import tqdm

__all__ = ["AUTO_PROGRESS_MIN", "SOLVER_BANNER", "native_stdout_guard", "progress_bar"]

#: ``progress=None`` shows a bar when the work has more than this many units (episodes).
AUTO_PROGRESS_MIN = 4
#: Lines that solvers print on their first use; dropped, never shown.
SOLVER_BANNER = re.compile(
    r"^(Running HiGHS \d|Copyright \(c\) \d{4} .*HiGHS|Copyright \(c\) \d{4} under MIT"
    r"|Includes third-party software components)"
)


def progress_bar(total: int, progress: bool | None, desc: str, unit: str = "episode") -> Any:
    """A tqdm bar over ``total`` units; ``progress=None`` means "only when total is large"."""
    enabled = total > AUTO_PROGRESS_MIN if progress is None else bool(progress)
    return tqdm(total=total, desc=desc, unit=unit, disable=not enabled, leave=False)


def _flush_c_stdio() -> None:
    try:
        ctypes.CDLL(None).fflush(None)
    except (OSError, AttributeError):  # no C library to flush (e.g. some Windows builds)
        pass


@contextlib.contextmanager
def native_stdout_guard() -> Iterator[None]:
    """Capture what native code (and Python) writes to file descriptor 1 inside the block;
    afterwards print it with ``tqdm.write`` (above any progress bar), less solver banners.

    Solvers such as HiGHS print a banner straight to the C ``stdout`` on first use, which
    would tear a progress bar apart. Does nothing when fd 1 cannot be redirected.
    """
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError, AttributeError):
        yield
        return
    with tempfile.TemporaryFile() as sink:
        _flush_c_stdio()
        os.dup2(sink.fileno(), 1)
        try:
            yield
        finally:
            with contextlib.suppress(OSError, ValueError, AttributeError):
                sys.stdout.flush()
            _flush_c_stdio()
            os.dup2(saved, 1)
            os.close(saved)
            sink.seek(0)
            text = sink.read().decode(errors="replace")
            kept = [line for line in text.splitlines() if not SOLVER_BANNER.match(line)]
            if kept:
                tqdm.write("\n".join(kept))
