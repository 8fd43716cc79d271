"""Writing results: CSV / Parquet tables (atomically) and TensorBoard scalars."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from .summary import print_summary, summary_table

__all__ = [
    "NON_SCALAR_COLUMNS",
    "TABLE_SUFFIXES",
    "check_output_dir",
    "check_table_path",
    "log_tensorboard",
    "print_summary",
    "save_table",
    "summary_table",
]

#: File extensions :func:`save_table` writes.
TABLE_SUFFIXES = (".csv", ".parquet", ".pq")

#: Numeric columns that identify a row rather than measure it: not logged as scalars.
NON_SCALAR_COLUMNS = frozenset({"cell", "seed", "episode", "is_exact"})


def check_output_dir(path: str | os.PathLike[str], what: str) -> Path:
    """``path`` (a folder to write into) if it is one or can be made, else ``ValueError``.

    Creates nothing: finds the nearest existing ancestor and checks that it is a writable
    folder, so that a bad path fails before any episode runs.
    """
    path = Path(path)
    probe = path
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise ValueError(f"{what} {path}: {probe} exists and is not a folder")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise ValueError(f"{what} {path}: {probe} is not writable")
    return path


def check_table_path(path: str | os.PathLike[str]) -> Path:
    """``path`` if :func:`save_table` can write it (extension, pyarrow for Parquet, a
    writable folder, not an existing folder), else ``ValueError``/``ImportError``."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise ValueError(f"cannot tell the format of {path}: use a .csv or .parquet (.pq) path")
    if suffix != ".csv":
        try:
            import pyarrow  # noqa: F401
        except ImportError as exc:
            raise ImportError(
                "Parquet output needs pyarrow: pip install 'leo-envs[parquet]'"
            ) from exc
    if path.is_dir():
        raise ValueError(f"{path} is a folder; give a file path")
    check_output_dir(path.parent, "output folder of")
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def save_table(df: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write ``df`` to ``path`` as CSV (``.csv``) or Parquet (``.parquet``/``.pq``).

    The table goes to a temporary file in the same folder, then ``os.replace`` moves it
    into place, so readers never see a half-written file. Missing folders are created.
    The file gets the usual permissions of a new file (``0o666`` less the umask).
    """
    path = check_table_path(path)
    suffix = path.suffix.lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600 files
        with os.fdopen(fd, "wb") as fh:
            if suffix == ".csv":
                df.to_csv(fh, index=False)
            else:
                df.to_parquet(fh, index=False)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "run"


def log_tensorboard(
    df: pd.DataFrame,
    logdir: str | os.PathLike[str],
    tag_prefix: str = "eval",
    columns: Iterable[str] | None = None,
) -> list[Path]:
    """Write each numeric column of ``df`` as TensorBoard scalars, one step per episode.

    Rows are grouped by ``policy`` (one run folder ``logdir/<policy>`` each, so TensorBoard
    overlays the policies); the step is the row's index within its group. Tags are
    ``<tag_prefix>/<column>``. Identity columns (seed, episode, cell, is_exact) are skipped.
    Returns the run folders written.
    """
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError as exc:  # torch or tensorboard missing
        raise ImportError(
            "TensorBoard logging needs torch and tensorboard: pip install torch tensorboard"
        ) from exc
    logdir = Path(logdir)
    if columns is None:
        numeric = df.select_dtypes(include=["number", "bool"]).columns
        columns = [c for c in numeric if c not in NON_SCALAR_COLUMNS]
    columns = list(columns)
    groups = df.groupby("policy", sort=False) if "policy" in df.columns else [("run", df)]
    written = []
    for policy, group in groups:
        run_dir = logdir / _safe(str(policy))
        writer = SummaryWriter(log_dir=str(run_dir))
        try:
            for step, (_, row) in enumerate(group.iterrows()):
                for col in columns:
                    value = pd.to_numeric(row[col], errors="coerce")
                    if pd.notna(value):
                        tag = f"{tag_prefix}/{col}" if tag_prefix else col
                        writer.add_scalar(tag, float(value), global_step=step)
        finally:
            writer.close()
        written.append(run_dir)
    return written
