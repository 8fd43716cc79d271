"""Sweeps: many (policy, env, seeds) cells through one evaluation path, in processes or on Ray.

The process backend runs each cell in a worker process of its own that streams every
finished episode back at once, so a worker that crashes or hangs loses only the episode it
was running: the parent records that episode as an error (naming the seed, the episode and
the exit code or signal, or the timeout) and starts a new worker for the rest of the cell.
"""

from __future__ import annotations

import itertools
import logging
import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any

import pandas as pd

from .evaluate import (
    _to_frame,
    cell_timeout,
    check_env,
    check_episodes,
    check_timeout,
    error_row,
    fallback_spec_json,
    normalize_seeds,
    order_columns,
    run_episodes,
)
from .metrics import GAP_COLUMNS, add_gap_to_opt
from .policy import as_policy, is_exact, policy_name
from .progress import progress_bar

__all__ = [
    "BACKENDS",
    "GRID_FORMAT",
    "GRID_KEYS",
    "check_cells",
    "connect_ray",
    "describe_exit",
    "expand_grid",
    "run_cell",
    "run_cell_rows",
    "sweep",
]

logger = logging.getLogger(__name__)

BACKENDS = ("process", "serial", "ray")
#: Keys of a grid cell: ``policy`` and ``env_id`` are required; ``name`` labels the rows.
GRID_KEYS = frozenset(
    {"policy", "env_id", "seeds", "episodes", "env_kwargs", "name", "timeout_s",
     "episode_timeout_s"}
)  # fmt: skip
#: The grid file format, as ``leo-bench sweep --help`` prints it.
GRID_FORMAT = """\
A grid file is JSON, in one of two forms:
  a list of cells:   [{"policy": "greedy", "env_id": "leo_envs/LinkScheduling-v0",
                       "seeds": [0, 1], "episodes": 2, "env_kwargs": {"n_devices": 20}}, ...]
  a dict of options: {"policy": ["random", "greedy"], "env_id": "leo_envs/LinkScheduling-v0",
                      "seeds": [[0, 1, 2]], "env_kwargs": [{"n_devices": 20}, {"n_devices": 40}]}
                     (list values are options, expanded as a cartesian product; wrap a
                     list meant as one value in another list: "seeds": [[0, 1]] is one
                     cell with both seeds, "seeds": [0, 1] two cells)
Cell keys: policy (required: name, module:attr or sb3:model.zip), env_id (required),
seeds (int or list of ints >= 0; default [0]), episodes (int >= 1 per seed; default 1),
env_kwargs (dict for gym.make; default {}), name (row label; default the policy),
timeout_s (seconds for the whole cell), episode_timeout_s (seconds per episode).
--env-kwargs adds keys to every cell's env_kwargs; a key that a cell sets to another
value is an error. Example: examples/grid.json."""

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
    try:
        episodes = check_episodes(raw.get("episodes", 1))
        seeds = list(normalize_seeds(raw.get("seeds", (0,))))
        timeout_s = check_timeout("timeout_s", raw.get("timeout_s"))
        episode_timeout_s = check_timeout("episode_timeout_s", raw.get("episode_timeout_s"))
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"grid cell {index}: {exc}") from None
    env_kwargs = raw.get("env_kwargs") or {}
    if not isinstance(env_kwargs, Mapping):
        raise ValueError(f"grid cell {index}: env_kwargs must be a dict, got {env_kwargs!r}")
    if not isinstance(raw["env_id"], str):
        raise TypeError(f"grid cell {index}: env_id must be a string, got {raw['env_id']!r}")
    policy = raw["policy"]
    name = raw.get("name") or (policy if isinstance(policy, str) else None)
    return {
        "policy": policy,
        "env_id": raw["env_id"],
        "seeds": seeds,
        "episodes": episodes,
        "env_kwargs": dict(env_kwargs),
        "name": name,
        "timeout_s": timeout_s,
        "episode_timeout_s": episode_timeout_s,
    }


def expand_grid(grid: Mapping[str, Any] | Iterable[Mapping[str, Any]]) -> list[Cell]:
    """The cells of ``grid``, validated and with defaults filled in (see ``GRID_FORMAT``).

    ``grid`` is a list of cell dicts, or one dict whose list values are options expanded as
    a cartesian product (non-list values are fixed; ``seeds: [0, 1]`` gives one cell per
    seed, ``seeds: [[0, 1]]`` one cell with both). Cell keys: ``policy`` (name,
    ``module:attr`` or ``sb3:`` spec, or a picklable policy), ``env_id``, ``seeds`` (default
    ``[0]``), ``episodes`` (default 1), ``env_kwargs`` (default ``{}``), ``name`` (row
    label), ``timeout_s`` and ``episode_timeout_s`` (default None: no limit). Seeds and
    episodes must be ints (nothing is coerced).
    """
    if isinstance(grid, Mapping):
        keys = list(grid)
        combos = itertools.product(*(_options(k, grid[k]) for k in keys))
        raw_cells: list[Mapping[str, Any]] = [
            dict(zip(keys, combo, strict=True)) for combo in combos
        ]
    elif isinstance(grid, (str, bytes)) or not isinstance(grid, Iterable):
        raise TypeError(f"a grid is a list of cells or a dict of options, got {grid!r}")
    else:
        raw_cells = list(grid)
    return [_check_cell(raw, i) for i, raw in enumerate(raw_cells)]


def check_cells(cells: Sequence[Cell], policies: bool = False) -> None:
    """Build every distinct (env_id, env_kwargs) of ``cells`` once: a bad config raises
    :class:`~leo_envs.harness.evaluate.ConfigError` (naming the cell) before any episode
    runs. With ``policies=True``, every policy named by a string is resolved too (unknown
    names raise ``ValueError``)."""
    seen_envs: set[str] = set()
    seen_policies: set[tuple[str, str]] = set()
    for i, cell in enumerate(cells):
        key = fallback_spec_json(cell["env_id"], cell["env_kwargs"])
        if key not in seen_envs:
            seen_envs.add(key)
            try:
                check_env(cell["env_id"], cell["env_kwargs"])
            except ValueError as exc:
                raise type(exc)(f"grid cell {i}: {exc}") from exc
        policy = cell["policy"]
        if policies and isinstance(policy, str) and (policy, cell["env_id"]) not in seen_policies:
            seen_policies.add((policy, cell["env_id"]))
            try:
                as_policy(policy, env_id=cell["env_id"])
            except Exception as exc:
                raise ValueError(f"grid cell {i}: {type(exc).__name__}: {exc}") from exc


def _cell_label(cell: Cell) -> str:
    return cell["name"] or policy_name(cell["policy"])


def _cell_episodes(cell: Cell) -> list[tuple[int, int]]:
    """(seed, episode) of every episode of ``cell``, in run order."""
    return [(s, ep) for s in cell["seeds"] for ep in range(cell["episodes"])]


def _error_rows(cell: Cell, error: str, episodes: Sequence[tuple[int, int]]) -> list[dict]:
    label = _cell_label(cell)
    spec_json = fallback_spec_json(cell["env_id"], cell["env_kwargs"])
    exact = is_exact(cell["policy"])
    return [error_row(label, cell["env_id"], s, ep, error, spec_json, exact) for s, ep in episodes]


def _error_frame(cell: Cell, error: str) -> pd.DataFrame:
    return order_columns(pd.DataFrame(_error_rows(cell, error, _cell_episodes(cell))))


def _extend_sys_path(paths: Sequence[str] | None) -> None:
    """Append the driver's import paths that this worker lacks (Ray workers do not inherit
    them; spawned processes do)."""
    for path in paths or ():
        if path and path not in sys.path and os.path.isdir(path):
            sys.path.append(path)


def _remaining(cell: Cell, resume: tuple[int, int] | None) -> list[tuple[int, int]]:
    episodes = _cell_episodes(cell)
    if resume is None:
        return episodes
    return episodes[resume[0] * cell["episodes"] + resume[1] :]


def run_cell_rows(
    cell: Cell,
    on_row: Callable[[dict[str, Any]], None],
    *,
    on_start: Callable[[int, int], None] | None = None,
    resume: tuple[int, int] | None = None,
    deadline: tuple[float, float] | None = None,
) -> None:
    """Evaluate one cell, passing each row to ``on_row`` as its episode finishes; never
    raises: failures become rows with ``error`` set. ``on_start(seed, episode)`` is called
    before each episode; ``resume=(seed_index, episode)`` starts there."""
    try:
        policy = as_policy(cell["policy"], env_id=cell["env_id"])
    except Exception as exc:
        for row in _error_rows(cell, f"{type(exc).__name__}: {exc}", _remaining(cell, resume)):
            on_row(row)
        return
    done: set[tuple[int, int]] = set()

    def record(row: dict[str, Any]) -> None:
        done.add((row["seed"], row["episode"]))
        on_row(row)

    try:
        run_episodes(
            policy, _cell_label(cell), cell["env_id"], cell["env_kwargs"], cell["seeds"],
            cell["episodes"], True, episode_timeout_s=cell.get("episode_timeout_s"),
            on_row=record, on_start=on_start, resume=resume, deadline=deadline,
        )  # fmt: skip
    except Exception as exc:
        rest = [e for e in _remaining(cell, resume) if e not in done]
        for row in _error_rows(cell, f"{type(exc).__name__}: {exc}", rest):
            on_row(row)


def run_cell(cell: Cell, sys_path: Sequence[str] | None = None) -> pd.DataFrame:
    """Evaluate one cell in this process; never raises: failures become rows with
    ``error`` set."""
    _extend_sys_path(sys_path)
    rows: list[dict[str, Any]] = []
    run_cell_rows(cell, rows.append)
    return _to_frame(rows)


def _fill(results: list[pd.DataFrame | None], cells: list[Cell]) -> list[pd.DataFrame]:
    return [
        r if r is not None else _error_frame(c, "no result")
        for r, c in zip(results, cells, strict=True)
    ]


def _deadline(cell: Cell) -> tuple[float, float] | None:
    timeout = cell.get("timeout_s")
    return None if timeout is None else (time.monotonic() + timeout, timeout)


def _run_serial(cells: list[Cell], on_done: Callable[[], None], **_: Any) -> list[pd.DataFrame]:
    results = []
    for cell in cells:
        rows: list[dict[str, Any]] = []
        run_cell_rows(cell, rows.append, deadline=_deadline(cell))
        results.append(_to_frame(rows))
        on_done()
    return results


# ---------------------------------------------------------------- process backend
#: Seconds the parent waits past a timeout before it kills a worker that did not stop.
KILL_GRACE_S = 2.0


def _worker_main(
    cell: Cell,
    sys_path: list[str],
    conn: Connection,
    resume: tuple[int, int] | None,
    deadline_left_s: float | None,
) -> None:
    """Worker process: run (the rest of) one cell, sending ("start", seed, episode) before
    and ("row", row) after each episode, then ("done",)."""
    _extend_sys_path(sys_path)
    deadline = None
    if deadline_left_s is not None:
        deadline = (time.monotonic() + deadline_left_s, cell["timeout_s"])
    run_cell_rows(
        cell,
        lambda row: conn.send(("row", row)),
        on_start=lambda seed, ep: conn.send(("start", seed, ep)),
        resume=resume,
        deadline=deadline,
    )
    conn.send(("done",))
    conn.close()


def describe_exit(exitcode: int | None) -> str:
    """``"exit code 3"`` or ``"signal 9 (SIGKILL)"`` for a dead process's exit code."""
    if exitcode is None:
        return "no exit code"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = "unknown signal"
        return f"signal {-exitcode} ({name})"
    return f"exit code {exitcode}"


@dataclass
class _CellRun:
    """The parent's view of one cell in the process backend."""

    cell: Cell
    rows: list[dict[str, Any]] = field(default_factory=list)
    started_at: float | None = None  # monotonic time the cell's first worker started
    process: Any = None
    conn: Connection | None = None
    running: tuple[int, int] | None = None  # (seed, episode) the worker is on
    episode_started_at: float = 0.0
    finished: bool = False
    deaths_before_start: int = 0

    def done_keys(self) -> set[tuple[int, int]]:
        return {(r["seed"], r["episode"]) for r in self.rows}

    def remaining(self) -> list[tuple[int, int]]:
        done = self.done_keys()
        return [e for e in _cell_episodes(self.cell) if e not in done]


class _ProcessPool:
    """Runs cells in worker processes (at most ``workers`` at once), restarting a worker
    that died or hung on the episode after the one it lost."""

    def __init__(self, cells: list[Cell], workers: int, on_done: Callable[[], None]) -> None:
        self.ctx = multiprocessing.get_context("spawn")
        self.runs = [_CellRun(cell) for cell in cells]
        self.workers = workers
        self.on_done = on_done
        self.sys_path = list(sys.path)

    def run(self) -> list[pd.DataFrame]:
        queue = list(range(len(self.runs)))
        active: list[int] = []
        try:
            while queue or active:
                while queue and len(active) < self.workers:
                    i = queue.pop(0)
                    self._start(self.runs[i])
                    active.append(i)
                self._poll(active)
                for i in [i for i in active if self.runs[i].finished]:
                    active.remove(i)
                    self.on_done()
        finally:
            for run in self.runs:
                self._stop(run)
        return [_to_frame(run.rows) for run in self.runs]

    def _start(self, run: _CellRun) -> None:
        rest = run.remaining()
        if not rest:
            run.finished = True
            return
        now = time.monotonic()
        if run.started_at is None:
            run.started_at = now
        left = None
        if run.cell.get("timeout_s") is not None:
            left = run.started_at + run.cell["timeout_s"] - now
            if left <= 0:
                self._fail_rest(run, "CellTimeout", self._cell_timeout_text(run, rest[0]))
                return
        seeds = run.cell["seeds"]
        resume = (seeds.index(rest[0][0]), rest[0][1])
        parent, child = self.ctx.Pipe(duplex=False)
        proc = self.ctx.Process(
            target=_worker_main, args=(run.cell, self.sys_path, child, resume, left), daemon=True
        )
        proc.start()
        child.close()
        run.process, run.conn, run.running = proc, parent, None
        run.episode_started_at = now

    def _poll(self, active: list[int]) -> None:
        waitables: list[Any] = []
        for i in active:
            run = self.runs[i]
            if run.conn is not None:
                waitables += [run.conn, run.process.sentinel]
        ready = wait(waitables, timeout=0.2) if waitables else []
        for i in active:
            run = self.runs[i]
            if run.conn is None or run.finished:
                continue
            if run.conn in ready or run.process.sentinel in ready:
                self._drain(run)
            if not run.finished and run.conn is not None:
                self._check_time(run)

    def _drain(self, run: _CellRun) -> None:
        conn = run.conn
        try:
            while conn.poll():
                msg = conn.recv()
                if msg[0] == "start":
                    run.running, run.episode_started_at = (msg[1], msg[2]), time.monotonic()
                    run.deaths_before_start = 0
                elif msg[0] == "row":
                    run.rows.append(msg[1])
                    run.running = None
                elif msg[0] == "done":
                    self._stop(run)
                    run.finished = True
                    return
        except (EOFError, OSError):
            pass
        if not run.process.is_alive():
            run.process.join()
            self._lost(run, f"the worker process crashed ({describe_exit(run.process.exitcode)})")

    def _check_time(self, run: _CellRun) -> None:
        now = time.monotonic()
        cell = run.cell
        if cell.get("timeout_s") is not None:
            if now > run.started_at + cell["timeout_s"] + KILL_GRACE_S:
                current = run.running or run.remaining()[0]
                self._stop(run)
                self._fail_rest(run, "CellTimeout", self._cell_timeout_text(run, current))
                return
        limit = cell.get("episode_timeout_s")
        if limit is not None and run.running is not None:
            if now > run.episode_started_at + limit + KILL_GRACE_S:
                seed, ep = run.running
                self._stop(run)
                self._lost(
                    run,
                    f"seed {seed} episode {ep} ran past episode_timeout_s={limit:g} s and its "
                    "worker was killed",
                    kind="EpisodeTimeout",
                )

    def _lost(self, run: _CellRun, why: str, kind: str = "WorkerCrashed") -> None:
        """The worker is gone: fail the episode it was on, restart it on the rest."""
        rest = run.remaining()
        run.conn, run.process = None, None
        if not rest:
            run.finished = True
            return
        seed, ep = run.running or rest[0]
        if run.running is None:
            run.deaths_before_start += 1
        where = f"at seed {seed} episode {ep}" if kind == "WorkerCrashed" else ""
        text = f"{kind}: {why} {where}".strip()
        if run.deaths_before_start >= 2:
            # It dies before any episode starts (e.g. building the policy): stop retrying.
            self._fail_rest(run, kind, f"{why} before any episode started")
            return
        run.rows.extend(_error_rows(run.cell, text, [(seed, ep)]))
        run.running = None
        self._start(run)

    def _cell_timeout_text(self, run: _CellRun, at: tuple[int, int]) -> str:
        return str(cell_timeout(run.cell["timeout_s"], *at))

    def _fail_rest(self, run: _CellRun, kind: str, text: str) -> None:
        run.rows.extend(_error_rows(run.cell, f"{kind}: {text}", run.remaining()))
        run.finished = True

    def _stop(self, run: _CellRun) -> None:
        proc, conn = run.process, run.conn
        run.process, run.conn = None, None
        if conn is not None:
            conn.close()
        if proc is not None:
            if proc.is_alive():
                proc.kill()
            proc.join()


def _run_process(
    cells: list[Cell], on_done: Callable[[], None], max_workers: int | None, **_: Any
) -> list[pd.DataFrame]:
    workers = max(1, min(max_workers or os.cpu_count() or 1, len(cells)))
    return _ProcessPool(cells, workers, on_done).run()


# ---------------------------------------------------------------- Ray backend
#: Default seconds to wait for a Ray cluster at ``ray_address``.
RAY_CONNECT_TIMEOUT_S = 60.0


def _probe_address(address: str, timeout_s: float) -> None:
    """Fail fast when ``host:port`` of a Ray address does not accept TCP connections."""
    target = address.split("://", 1)[-1]
    host, sep, port = target.rpartition(":")
    if not sep or not port.isdigit():
        return  # "auto", "local" or another form Ray resolves itself
    try:
        with socket.create_connection((host or "127.0.0.1", int(port)), timeout=timeout_s):
            pass
    except OSError as exc:
        raise ConnectionError(
            f"no Ray cluster at {address!r}: cannot connect to {host}:{port} ({exc}). Start "
            "one with `ray start --head` and pass the address it prints."
        ) from exc


def connect_ray(address: str | None, num_cpus: int, timeout_s: float) -> None:
    """``ray.init`` that gives up after ``timeout_s`` seconds instead of hanging.

    A ``host:port`` address is probed over TCP first (a wrong address fails at once);
    the connection itself is then waited for at most ``timeout_s``.
    """
    import ray

    if address is not None:
        _probe_address(address, timeout_s)
    kwargs: dict[str, Any] = {
        "address": address,
        "include_dashboard": False,
        "logging_level": logging.WARNING,
    }
    if address is None:
        kwargs["num_cpus"] = num_cpus
    failure: list[BaseException] = []

    def init() -> None:
        try:
            ray.init(**kwargs)
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=init, daemon=True, name="ray-init")
    thread.start()
    thread.join(timeout_s)
    if thread.is_alive():
        raise TimeoutError(
            f"Ray did not connect to {address or 'a local cluster'} within {timeout_s:g} s"
        )
    if failure:
        raise ConnectionError(f"ray.init(address={address!r}) failed: {failure[0]}") from failure[0]


def _run_ray(
    cells: list[Cell],
    on_done: Callable[[], None],
    max_workers: int | None,
    ray_address: str | None = None,
    ray_timeout_s: float = RAY_CONNECT_TIMEOUT_S,
    **_: Any,
) -> list[pd.DataFrame]:
    try:
        import ray
    except ImportError as exc:
        raise ImportError("backend='ray' needs Ray: pip install 'leo-envs[ray]'") from exc
    started = False
    if not ray.is_initialized():
        connect_ray(ray_address, max(1, max_workers or os.cpu_count() or 1), ray_timeout_s)
        started = True
    try:
        task = ray.remote(num_cpus=1, max_retries=1)(_ray_cell)
        sys_path = list(sys.path)
        refs = [task.remote(cell, sys_path) for cell in cells]
        index = {ref: i for i, ref in enumerate(refs)}
        begun = {ref: time.monotonic() for ref in refs}
        results: list[pd.DataFrame | None] = [None] * len(cells)
        pending = list(refs)
        while pending:
            done, pending = ray.wait(pending, num_returns=1, timeout=0.5)
            for ref in done:
                i = index[ref]
                try:
                    results[i] = ray.get(ref)
                except Exception as exc:
                    results[i] = _error_frame(cells[i], f"{type(exc).__name__}: {exc}")
                on_done()
            for ref in list(pending):  # a cell past its timeout (+ grace) is cancelled
                i = index[ref]
                timeout = cells[i].get("timeout_s")
                if timeout is not None and time.monotonic() > begun[ref] + timeout + KILL_GRACE_S:
                    ray.cancel(ref, force=True)
                    pending.remove(ref)
                    results[i] = _error_frame(
                        cells[i], f"CellTimeout: the cell's timeout_s={timeout:g} s ran out"
                    )
                    on_done()
    finally:
        if started:
            ray.shutdown()
    return _fill(results, cells)


def _ray_cell(cell: Cell, sys_path: Sequence[str]) -> pd.DataFrame:
    _extend_sys_path(sys_path)
    rows: list[dict[str, Any]] = []
    run_cell_rows(cell, rows.append, deadline=_deadline(cell))
    return _to_frame(rows)


_RUNNERS = {"serial": _run_serial, "process": _run_process, "ray": _run_ray}


def sweep(
    grid: Mapping[str, Any] | Iterable[Mapping[str, Any]],
    *,
    backend: str = "process",
    max_workers: int | None = None,
    progress: bool | None = True,
    ray_address: str | None = None,
    timeout_s: float | None = None,
    episode_timeout_s: float | None = None,
    ray_timeout_s: float = RAY_CONNECT_TIMEOUT_S,
) -> pd.DataFrame:
    """Evaluate every cell of ``grid`` (see :func:`expand_grid`) and stack the rows.

    Backends: ``"process"`` (default: each cell in a spawned worker process, at most
    ``max_workers`` at once), ``"serial"`` (in this process), ``"ray"`` (Ray remote tasks;
    connects to ``ray_address``, waiting at most ``ray_timeout_s``, or starts a local Ray
    with ``max_workers`` CPUs if Ray is not initialised, and shuts down what it started).
    All give the same table: the rows of :func:`evaluate` with a leading ``cell`` column
    (index in the grid), sorted by ``cell, seed, episode``, plus ``gap_to_opt`` and
    ``gap_abs`` when a cell's policy is exact (compared on the same env spec, seed and
    episode).

    Before anything runs, the grid is validated and every distinct env config is built
    once: a bad one raises :class:`~leo_envs.harness.evaluate.ConfigError`. After that
    nothing fails the sweep: an unknown or crashing policy gives rows with ``error`` set,
    and so does an episode that runs past ``episode_timeout_s`` or a cell past
    ``timeout_s`` (the defaults for cells that do not set their own). With the process
    backend a worker that dies (a segfault, ``os._exit``, the OOM killer) or hangs loses
    only the episode it was running; the error names it and the exit code or signal, and
    a new worker runs the rest of the cell. (With Ray a lost worker fails its whole cell.)
    """
    if backend not in _RUNNERS:
        raise ValueError(f"unknown backend {backend!r}; choose one of {BACKENDS}")
    if max_workers is not None and (
        isinstance(max_workers, bool) or not isinstance(max_workers, int) or max_workers < 1
    ):
        raise ValueError(f"max_workers must be an integer >= 1, got {max_workers!r}")
    timeout_s = check_timeout("timeout_s", timeout_s)
    episode_timeout_s = check_timeout("episode_timeout_s", episode_timeout_s)
    ray_timeout_s = check_timeout("ray_timeout_s", ray_timeout_s)
    cells = expand_grid(grid)
    for cell in cells:
        if cell["timeout_s"] is None:
            cell["timeout_s"] = timeout_s
        if cell["episode_timeout_s"] is None:
            cell["episode_timeout_s"] = episode_timeout_s
    if not cells:
        return pd.DataFrame()
    check_cells(cells)
    bar = progress_bar(len(cells), progress, desc=f"sweep ({backend})", unit="cell")
    try:
        frames = _RUNNERS[backend](
            cells, lambda: bar.update(1), max_workers=max_workers, ray_address=ray_address,
            ray_timeout_s=ray_timeout_s,
        )  # fmt: skip
    finally:
        bar.close()
    tagged = []
    for i, frame in enumerate(frames):
        frame = frame.copy()
        frame.insert(0, "cell", i)
        tagged.append(frame)
    df = order_columns(pd.concat(tagged, ignore_index=True))
    df = df.sort_values(["cell", "seed", "episode"], kind="stable").reset_index(drop=True)
    df = df.drop(columns=[c for c in GAP_COLUMNS if c in df.columns])
    return add_gap_to_opt(df)
