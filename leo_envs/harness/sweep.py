"""Sweeps: many (policy, env, seeds) cells through :func:`evaluate`, in processes or on Ray."""

from __future__ import annotations

import itertools
import logging
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import pandas as pd

from .evaluate import error_row, evaluate, fallback_spec_json, normalize_seeds, order_columns
from .metrics import add_gap_to_opt
from .policy import as_policy, is_exact, policy_name
from .progress import progress_bar

__all__ = ["BACKENDS", "GRID_KEYS", "expand_grid", "run_cell", "sweep"]

logger = logging.getLogger(__name__)

BACKENDS = ("process", "serial", "ray")
#: Keys of a grid cell: ``policy`` and ``env_id`` are required; ``name`` labels the rows.
GRID_KEYS = frozenset({"policy", "env_id", "seeds", "episodes", "env_kwargs", "name"})

Cell = dict[str, Any]


def _options(key: str, value: Any) -> list[Any]:
    """The options of one key of a dict-of-lists grid (a non-list value is one option)."""
    if isinstance(value, (list, tuple)):
        if not value:
            raise ValueError(f"grid key {key!r} has an empty list of options")
        return list(value)
    return [value]


def _check_cell(raw: Mapping[str, Any], index: int) -> Cell:
    if not isinstance(raw, Mapping):
        raise TypeError(f"grid cell {index} must be a dict, got {type(raw).__name__}")
    unknown = set(raw) - GRID_KEYS
    if unknown:
        raise ValueError(
            f"grid cell {index}: unknown keys {sorted(unknown)}; allowed: {sorted(GRID_KEYS)}"
        )
    missing = {"policy", "env_id"} - set(raw)
    if missing:
        raise ValueError(f"grid cell {index}: missing keys {sorted(missing)}")
    episodes = int(raw.get("episodes", 1))
    if episodes < 1:
        raise ValueError(f"grid cell {index}: episodes must be >= 1, got {episodes}")
    env_kwargs = raw.get("env_kwargs") or {}
    if not isinstance(env_kwargs, Mapping):
        raise ValueError(f"grid cell {index}: env_kwargs must be a dict, got {env_kwargs!r}")
    policy = raw["policy"]
    name = raw.get("name") or (policy if isinstance(policy, str) else None)
    return {
        "policy": policy,
        "env_id": str(raw["env_id"]),
        "seeds": list(normalize_seeds(raw.get("seeds", (0,)))),
        "episodes": episodes,
        "env_kwargs": dict(env_kwargs),
        "name": name,
    }


def expand_grid(grid: Mapping[str, Any] | Iterable[Mapping[str, Any]]) -> list[Cell]:
    """The cells of ``grid``, validated and with defaults filled in.

    ``grid`` is a list of cell dicts, or one dict whose list values are options expanded as
    a cartesian product (non-list values are fixed; ``seeds: [0, 1]`` gives one cell per
    seed, ``seeds: [[0, 1]]`` one cell with both). Cell keys: ``policy`` (name or
    ``module:attr`` spec, or a picklable policy), ``env_id``, ``seeds`` (default ``[0]``),
    ``episodes`` (default 1), ``env_kwargs`` (default ``{}``), ``name`` (row label).
    """
    if isinstance(grid, Mapping):
        keys = list(grid)
        combos = itertools.product(*(_options(k, grid[k]) for k in keys))
        raw_cells: list[Mapping[str, Any]] = [
            dict(zip(keys, combo, strict=True)) for combo in combos
        ]
    else:
        raw_cells = list(grid)
    return [_check_cell(raw, i) for i, raw in enumerate(raw_cells)]


def _cell_label(cell: Cell) -> str:
    return cell["name"] or policy_name(cell["policy"])


def _error_frame(cell: Cell, error: str) -> pd.DataFrame:
    label = _cell_label(cell)
    spec_json = fallback_spec_json(cell["env_id"], cell["env_kwargs"])
    exact = is_exact(cell["policy"])
    return order_columns(
        pd.DataFrame(
            [
                error_row(label, cell["env_id"], s, ep, error, spec_json, exact)
                for s in cell["seeds"]
                for ep in range(cell["episodes"])
            ]
        )
    )


def _extend_sys_path(paths: Sequence[str] | None) -> None:
    """Append the driver's import paths that this worker lacks (Ray workers do not inherit
    them; spawned processes do)."""
    for path in paths or ():
        if path and path not in sys.path and os.path.isdir(path):
            sys.path.append(path)


def run_cell(cell: Cell, sys_path: Sequence[str] | None = None) -> pd.DataFrame:
    """Evaluate one cell; never raises: failures become rows with ``error`` set."""
    _extend_sys_path(sys_path)
    try:
        policy = as_policy(cell["policy"])
    except Exception as exc:
        return _error_frame(cell, f"{type(exc).__name__}: {exc}")
    try:
        return evaluate(
            policy,
            cell["env_id"],
            cell["seeds"],
            cell["episodes"],
            env_kwargs=cell["env_kwargs"],
            progress=False,
            name=_cell_label(cell),
        )
    except Exception as exc:
        return _error_frame(cell, f"{type(exc).__name__}: {exc}")


def _fill(results: list[pd.DataFrame | None], cells: list[Cell]) -> list[pd.DataFrame]:
    return [
        r if r is not None else _error_frame(c, "no result")
        for r, c in zip(results, cells, strict=True)
    ]


def _run_serial(cells: list[Cell], on_done: Callable[[], None], **_: Any) -> list[pd.DataFrame]:
    results = []
    for cell in cells:
        results.append(run_cell(cell))
        on_done()
    return results


def _run_isolated(cell: Cell, ctx: Any, sys_path: list[str]) -> pd.DataFrame:
    """Run one cell in a process of its own, to pin a crash on the cell that caused it."""
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
            return pool.submit(run_cell, cell, sys_path).result()
    except BrokenProcessPool:
        return _error_frame(cell, "worker process crashed (BrokenProcessPool)")
    except Exception as exc:
        return _error_frame(cell, f"{type(exc).__name__}: {exc}")


def _run_process(
    cells: list[Cell], on_done: Callable[[], None], max_workers: int | None, **_: Any
) -> list[pd.DataFrame]:
    ctx = multiprocessing.get_context("spawn")
    workers = max(1, min(max_workers or os.cpu_count() or 1, len(cells)))
    sys_path = list(sys.path)
    results: list[pd.DataFrame | None] = [None] * len(cells)
    broken: list[int] = []
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        futures = {pool.submit(run_cell, cell, sys_path): i for i, cell in enumerate(cells)}
        for fut in as_completed(futures):
            i = futures[fut]
            try:
                results[i] = fut.result()
            except BrokenProcessPool:
                broken.append(i)
                continue
            except Exception as exc:
                results[i] = _error_frame(cells[i], f"{type(exc).__name__}: {exc}")
            on_done()
    if broken:
        # A dead worker breaks the whole pool: rerun its unfinished cells one per process.
        logger.warning("a worker process crashed; rerunning %d cells in isolation", len(broken))
        with ThreadPoolExecutor(max_workers=workers) as threads:
            reruns = {threads.submit(_run_isolated, cells[i], ctx, sys_path): i for i in broken}
            for fut in as_completed(reruns):
                results[reruns[fut]] = fut.result()
                on_done()
    return _fill(results, cells)


def _run_ray(
    cells: list[Cell],
    on_done: Callable[[], None],
    max_workers: int | None,
    ray_address: str | None = None,
    **_: Any,
) -> list[pd.DataFrame]:
    try:
        import ray
    except ImportError as exc:
        raise ImportError("backend='ray' needs Ray: pip install 'leo-envs[ray]'") from exc
    started = False
    if not ray.is_initialized():
        init_kwargs: dict[str, Any] = {
            "address": ray_address,
            "include_dashboard": False,
            "logging_level": logging.WARNING,
        }
        if ray_address is None:
            init_kwargs["num_cpus"] = max(1, max_workers or os.cpu_count() or 1)
        ray.init(**init_kwargs)
        started = True
    try:
        task = ray.remote(num_cpus=1, max_retries=1)(run_cell)
        sys_path = list(sys.path)
        refs = [task.remote(cell, sys_path) for cell in cells]
        index = {ref: i for i, ref in enumerate(refs)}
        results: list[pd.DataFrame | None] = [None] * len(cells)
        pending = list(refs)
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            for ref in done:
                i = index[ref]
                try:
                    results[i] = ray.get(ref)
                except Exception as exc:
                    results[i] = _error_frame(cells[i], f"{type(exc).__name__}: {exc}")
                on_done()
    finally:
        if started:
            ray.shutdown()
    return _fill(results, cells)


_RUNNERS = {"serial": _run_serial, "process": _run_process, "ray": _run_ray}


def sweep(
    grid: Mapping[str, Any] | Iterable[Mapping[str, Any]],
    *,
    backend: str = "process",
    max_workers: int | None = None,
    progress: bool | None = True,
    ray_address: str | None = None,
) -> pd.DataFrame:
    """Evaluate every cell of ``grid`` (see :func:`expand_grid`) and stack the rows.

    Backends: ``"process"`` (a spawn-context ``ProcessPoolExecutor``; default),
    ``"serial"`` (in this process), ``"ray"`` (Ray remote tasks; connects to
    ``ray_address`` or starts a local Ray with ``max_workers`` CPUs if Ray is not
    initialised, and shuts down what it started). All give the same table: the rows of
    :func:`evaluate` with a leading ``cell`` column (index in the grid), sorted by
    ``cell, seed, episode``, plus ``gap_to_opt`` when a cell's policy is exact (compared on
    the same env spec, seed and episode). A failing cell (unknown policy, crashing policy,
    dead worker) gives rows with ``error`` set; it never fails the sweep.
    """
    if backend not in _RUNNERS:
        raise ValueError(f"unknown backend {backend!r}; choose one of {BACKENDS}")
    if max_workers is not None and max_workers < 1:
        raise ValueError(f"max_workers must be >= 1, got {max_workers}")
    cells = expand_grid(grid)
    if not cells:
        return pd.DataFrame()
    bar = progress_bar(len(cells), progress, desc=f"sweep ({backend})", unit="cell")
    try:
        frames = _RUNNERS[backend](
            cells, lambda: bar.update(1), max_workers=max_workers, ray_address=ray_address
        )
    finally:
        bar.close()
    tagged = []
    for i, frame in enumerate(frames):
        frame = frame.copy()
        frame.insert(0, "cell", i)
        tagged.append(frame)
    df = order_columns(pd.concat(tagged, ignore_index=True))
    df = df.sort_values(["cell", "seed", "episode"], kind="stable").reset_index(drop=True)
    if "gap_to_opt" in df.columns:
        df = df.drop(columns="gap_to_opt")
    return add_gap_to_opt(df)
