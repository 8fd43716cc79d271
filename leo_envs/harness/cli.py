"""``leo-bench``: evaluate, compare and sweep policies from the command line.

Examples::

    leo-bench list
    leo-bench evaluate leo_envs/LinkScheduling-v0 --policy greedy --seeds 0,1 --episodes 5
    leo-bench evaluate leo_envs/LinkScheduling-v0 --policy sb3:models/ppo.zip
    leo-bench compare leo_envs/LinkScheduling-v0 --policies random,greedy,admm,opt \\
        --episodes 20 --seeds 0,1 --out results.csv --plot results.png
    leo-bench sweep examples/grid.json --backend process --out sweep.parquet \\
        --tensorboard runs/sweep

Policies are entry-point names of the ``leo_envs.policies`` group (``link_scheduling.greedy``,
or ``greedy`` where unambiguous), ``module:attr`` specs (modules in the current folder can be
named too; a plain function ``f(obs, info)`` works) or ``sb3:path/to/model.zip`` (saved
Stable-Baselines3 / sb3-contrib models; ``sb3:ALGO:path`` names the algorithm). Every
argument, output path, env config and policy is checked before any episode runs. The exit
status is 0 when every episode ran, 1 when some failed (their rows carry ``error``), 2 for
bad arguments (nothing ran).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from .evaluate import check_env, compare, evaluate
from .io import check_output_dir, check_table_path, log_tensorboard, save_table
from .policy import as_policy, available_policies, env_family
from .summary import print_summary
from .sweep import BACKENDS, GRID_FORMAT, RAY_CONNECT_TIMEOUT_S, check_cells, expand_grid, sweep

__all__ = ["build_parser", "main", "merge_env_kwargs", "parse_seeds"]


class UsageError(ValueError):
    """A bad command-line argument: reported with exit status 2 before anything runs."""


def parse_seeds(text: str) -> list[int]:
    """``"0,1,5-7"`` -> ``[0, 1, 5, 6, 7]`` (ranges are inclusive; seeds are >= 0)."""
    seeds: list[int] = []
    try:
        for part in text.split(","):
            part = part.strip()
            if not part:
                continue
            if "-" in part:
                lo, hi = (int(x) for x in part.split("-", 1))
                if hi < lo:
                    raise ValueError
                seeds.extend(range(lo, hi + 1))
            else:
                seeds.append(int(part))
    except ValueError:
        raise argparse.ArgumentTypeError(f"bad seed list {text!r}: use e.g. 0,1,2 or 0-4") from None
    if not seeds:
        raise argparse.ArgumentTypeError(f"empty seed list {text!r}")
    return seeds


def _json_dict(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"--env-kwargs is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("--env-kwargs must be a JSON object")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"expected a number of seconds > 0, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    out = common.add_argument_group("output (checked before anything runs)")
    out.add_argument("--out", type=Path, help="write the rows to a .csv or .parquet file")
    out.add_argument("--tensorboard", type=Path, metavar="DIR", help="write TensorBoard scalars")
    out.add_argument(
        "--plot", type=Path, metavar="FILE", help="bar charts per policy (.png, .pdf, .svg ...)"
    )
    out.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="tqdm progress bars (default: on for more than a few episodes)",
    )
    common.add_argument(
        "--env-kwargs", type=_json_dict, default=None, metavar="JSON", help="gym.make kwargs"
    )
    common.add_argument(
        "--episode-timeout-s",
        type=_seconds,
        default=None,
        metavar="S",
        help="fail an episode that runs longer than S seconds (its row gets the error)",
    )
    runs = argparse.ArgumentParser(add_help=False)
    runs.add_argument("--seeds", type=parse_seeds, default=[0], help="e.g. 0,1,2 or 0-4")
    runs.add_argument("--episodes", type=_positive_int, default=1, help="episodes per seed")

    parser = argparse.ArgumentParser(
        prog="leo-bench",
        description="Evaluate policies on leo-envs environments.",
        epilog="`leo-bench list` shows the env ids and named policies. Policies: names, "
        "module:attr specs or sb3:path/to/model.zip. Exit status: 0 all episodes ran, 1 some "
        "failed (rows with error), 2 bad arguments (nothing ran).",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("list", help="show env ids and named policies")

    p = sub.add_parser("evaluate", parents=[common, runs], help="run one policy")
    p.add_argument("env_id")
    p.add_argument("--policy", required=True, help="policy name, module:attr spec or sb3:model.zip")

    p = sub.add_parser("compare", parents=[common, runs], help="run policies on the same episodes")
    p.add_argument("env_id")
    p.add_argument("--policies", required=True, help="comma-separated names or specs")
    p.add_argument("--reference", help="policy whose objective defines gap_to_opt")

    p = sub.add_parser(
        "sweep",
        parents=[common],
        help="run a grid of cells from a JSON file",
        description="Run every cell of a grid file.",
        epilog=GRID_FORMAT,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("grid", type=Path, help="grid JSON file (format below)")
    p.add_argument("--backend", choices=BACKENDS, default="process")
    p.add_argument("--max-workers", type=_positive_int, default=None)
    p.add_argument(
        "--timeout-s",
        type=_seconds,
        default=None,
        metavar="S",
        help="fail what is left of a cell after S seconds (cells may set their own timeout_s)",
    )
    p.add_argument("--ray-address", default=None, help="Ray cluster address (backend=ray)")
    p.add_argument(
        "--ray-timeout-s",
        type=_seconds,
        default=RAY_CONNECT_TIMEOUT_S,
        metavar="S",
        help="give up connecting to --ray-address after S seconds "
        f"(default {RAY_CONNECT_TIMEOUT_S:g})",
    )
    return parser


def merge_env_kwargs(grid: Any, env_kwargs: dict[str, Any] | None) -> Any:
    """Add ``--env-kwargs`` to each cell's own ``env_kwargs``.

    A key that a cell (or an option of a dict grid) sets to a different value is an error
    (``UsageError``): the command line never silently loses to the grid, nor the reverse.
    """
    if not env_kwargs:
        return grid

    def merged(own: Any, where: str) -> dict[str, Any]:
        own = own or {}
        if not isinstance(own, dict):
            raise UsageError(f"{where}: env_kwargs must be a dict, got {own!r}")
        clash = sorted(k for k in env_kwargs if k in own and own[k] != env_kwargs[k])
        if clash:
            details = ", ".join(f"{k}: {own[k]!r} vs {env_kwargs[k]!r}" for k in clash)
            raise UsageError(f"--env-kwargs conflicts with {where}'s env_kwargs ({details})")
        return {**env_kwargs, **own}

    if isinstance(grid, dict):
        options = grid.get("env_kwargs", {})
        if isinstance(options, list):
            return {
                **grid,
                "env_kwargs": [merged(o, f"env_kwargs option {i}") for i, o in enumerate(options)],
            }
        return {**grid, "env_kwargs": merged(options, "the grid")}
    if not isinstance(grid, list):
        raise UsageError(f"a grid is a JSON list of cells or a dict of options, got {grid!r}")
    return [
        {**cell, "env_kwargs": merged(cell.get("env_kwargs"), f"grid cell {i}")}
        if isinstance(cell, dict)
        else cell
        for i, cell in enumerate(grid)
    ]


def _check_outputs(args: argparse.Namespace) -> None:
    """Every output path can be written: fail now, not after the run."""
    if args.out is not None:
        check_table_path(args.out)
    if args.plot is not None:
        from .plot import check_plot_path

        check_plot_path(args.plot)
    if args.tensorboard is not None:
        check_output_dir(args.tensorboard, "--tensorboard")


def _policy_labels(text: str) -> list[str]:
    labels = [p.strip() for p in text.split(",") if p.strip()]
    if not labels:
        raise UsageError("--policies is empty")
    if len(set(labels)) != len(labels):
        raise UsageError(f"--policies names a policy twice: {text!r}")
    return labels


def _prepare(args: argparse.Namespace) -> dict[str, Any]:
    """Check every argument and build the policies; raise before any episode runs."""
    _check_outputs(args)
    if args.command in ("evaluate", "compare"):
        check_env(args.env_id, args.env_kwargs)
        labels = [args.policy] if args.command == "evaluate" else _policy_labels(args.policies)
        if args.command == "compare" and args.reference and args.reference not in labels:
            raise UsageError(f"--reference {args.reference!r} is not one of --policies {labels}")
        return {label: as_policy(label, env_id=args.env_id) for label in labels}
    try:
        raw = json.loads(args.grid.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"cannot read grid {args.grid}: {exc}") from exc
    cells = expand_grid(merge_env_kwargs(raw, args.env_kwargs))
    check_cells(cells, policies=True)
    return {"grid": cells}


def _run(args: argparse.Namespace, prepared: dict[str, Any]) -> pd.DataFrame:
    if args.command == "evaluate":
        ((label, policy),) = prepared.items()
        return evaluate(
            policy,
            args.env_id,
            args.seeds,
            args.episodes,
            env_kwargs=args.env_kwargs,
            progress=args.progress,
            name=label,
            episode_timeout_s=args.episode_timeout_s,
        )
    if args.command == "compare":
        return compare(
            prepared,
            args.env_id,
            args.seeds,
            args.episodes,
            env_kwargs=args.env_kwargs,
            progress=args.progress,
            reference=args.reference,
            episode_timeout_s=args.episode_timeout_s,
        )
    return sweep(
        prepared["grid"],
        backend=args.backend,
        max_workers=args.max_workers,
        progress=True if args.progress is None else args.progress,
        ray_address=args.ray_address,
        timeout_s=args.timeout_s,
        episode_timeout_s=args.episode_timeout_s,
        ray_timeout_s=args.ray_timeout_s,
    )


def list_registered() -> str:
    """The text of ``leo-bench list``: leo-envs ids and the named policies by family."""
    import gymnasium as gym

    import leo_envs

    lines = ["Environments (gym.make id):"]
    families = {}
    for env_id in leo_envs.ENV_IDS:
        family = env_family(env_id)
        families[family] = env_id
        lines.append(f"  {env_id}  (policy family: {family})")
    extra = sorted(
        i for i in gym.registry if i.startswith("leo_envs/") and i not in families.values()
    )
    lines += [f"  {i}" for i in extra]
    lines.append(
        "Policies (entry points of group leo_envs.policies; short names work when unambiguous):"
    )
    eps = available_policies()
    if not eps:
        lines.append("  (none installed: pip install -e . registers the baselines)")
    width = max((len(n) for n in eps), default=0)
    for name in sorted(eps):
        lines.append(f"  {name:<{width}}  {eps[name].value}")
    lines.append(
        "Also: module:attr specs and sb3:path/to/model.zip (saved SB3 / sb3-contrib models)."
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``leo-bench``; returns the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse's own errors and --help
        return int(exc.code or 0)
    if args.command == "list":
        print(list_registered())
        return 0
    # Like `python -m`, let `module:attr` specs and `module:env-id`s name modules in the
    # current folder (console scripts do not put it on sys.path).
    if os.getcwd() not in sys.path:
        sys.path.append(os.getcwd())
    try:
        prepared = _prepare(args)
        df = _run(args, prepared)
    except (ValueError, TypeError, ImportError, ConnectionError, TimeoutError) as exc:
        print(f"leo-bench: error: {exc}", file=sys.stderr)
        return 2
    print_summary(df)
    if args.out:
        print(f"rows: {save_table(df, args.out)}")
    if args.tensorboard:
        log_tensorboard(df, args.tensorboard, tag_prefix=args.command)
        print(f"tensorboard: {args.tensorboard}")
    if args.plot and not df.empty:
        from .plot import plot_summary

        print(f"plot: {plot_summary(df, args.plot)}")
    failed = int(df["error"].notna().sum()) if "error" in df.columns else 0
    if failed:
        print(f"leo-bench: {failed} of {len(df)} episodes failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
