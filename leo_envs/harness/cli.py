"""``leo-bench``: evaluate, compare and sweep policies from the command line.

Examples::

    leo-bench evaluate leo_envs/LinkScheduling-v0 --policy greedy --seeds 0,1 --episodes 5
    leo-bench compare leo_envs/LinkScheduling-v0 --policies random,greedy,admm,opt \\
        --episodes 20 --seeds 0,1 --out results.csv --plot results.png
    leo-bench sweep grid.json --backend process --out sweep.parquet --tensorboard runs/sweep

Policies are entry-point names of the ``leo_envs.policies`` group or ``module:attr`` specs
(modules in the current folder can be named too). The exit status is 0 when every episode
ran, 1 when some failed (their rows carry ``error``), 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from .evaluate import compare, evaluate
from .io import log_tensorboard, save_table
from .policy import available_policies
from .summary import print_summary
from .sweep import BACKENDS, sweep

__all__ = ["build_parser", "main", "parse_seeds"]


def parse_seeds(text: str) -> list[int]:
    """``"0,1,5-7"`` -> ``[0, 1, 5, 6, 7]`` (ranges are inclusive; seeds are >= 0)."""
    seeds: list[int] = []
    try:
        for part in text.split(","):
            part = part.strip()
            if not part:
                continue
            if "-" in part:
                lo, hi = part.split("-", 1)
                seeds.extend(range(int(lo), int(hi) + 1))
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
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    out = common.add_argument_group("output")
    out.add_argument("--out", type=Path, help="write the rows to a .csv or .parquet file")
    out.add_argument("--tensorboard", type=Path, metavar="DIR", help="write TensorBoard scalars")
    out.add_argument("--plot", type=Path, metavar="PNG", help="bar chart of objective / gap")
    out.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="tqdm progress bars (default: on for more than a few episodes)",
    )
    common.add_argument(
        "--env-kwargs", type=_json_dict, default=None, metavar="JSON", help="gym.make kwargs"
    )
    runs = argparse.ArgumentParser(add_help=False)
    runs.add_argument("--seeds", type=parse_seeds, default=[0], help="e.g. 0,1,2 or 0-4")
    runs.add_argument("--episodes", type=_positive_int, default=1, help="episodes per seed")

    names = ", ".join(sorted(available_policies())) or "(none installed)"
    parser = argparse.ArgumentParser(
        prog="leo-bench",
        description="Evaluate policies on leo-envs environments.",
        epilog=f"Named policies: {names}. Or use module:attr specs.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("evaluate", parents=[common, runs], help="run one policy")
    p.add_argument("env_id")
    p.add_argument("--policy", required=True, help="policy name or module:attr spec")

    p = sub.add_parser("compare", parents=[common, runs], help="run policies on the same episodes")
    p.add_argument("env_id")
    p.add_argument("--policies", required=True, help="comma-separated names or specs")
    p.add_argument("--reference", help="policy whose objective defines gap_to_opt")

    p = sub.add_parser("sweep", parents=[common], help="run a grid of cells from a JSON file")
    p.add_argument("grid", type=Path, help="JSON: a list of cells or a dict of option lists")
    p.add_argument("--backend", choices=BACKENDS, default="process")
    p.add_argument("--max-workers", type=_positive_int, default=None)
    p.add_argument("--ray-address", default=None, help="Ray cluster address (backend=ray)")
    return parser


def _with_env_kwargs(grid: Any, env_kwargs: dict[str, Any] | None) -> Any:
    """Merge ``--env-kwargs`` under each cell's own ``env_kwargs``."""
    if not env_kwargs:
        return grid
    if isinstance(grid, dict):
        options = grid.get("env_kwargs", {})
        options = options if isinstance(options, list) else [options]
        return {**grid, "env_kwargs": [{**env_kwargs, **(o or {})} for o in options]}
    return [
        {**cell, "env_kwargs": {**env_kwargs, **(cell.get("env_kwargs") or {})}} for cell in grid
    ]


def _run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> pd.DataFrame:
    if args.command == "evaluate":
        return evaluate(
            args.policy,
            args.env_id,
            args.seeds,
            args.episodes,
            env_kwargs=args.env_kwargs,
            progress=args.progress,
        )
    if args.command == "compare":
        labels = [p.strip() for p in args.policies.split(",") if p.strip()]
        if not labels:
            parser.error("--policies is empty")
        return compare(
            {label: label for label in labels},
            args.env_id,
            args.seeds,
            args.episodes,
            env_kwargs=args.env_kwargs,
            progress=args.progress,
            reference=args.reference,
        )
    try:
        grid = json.loads(args.grid.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        parser.error(f"cannot read grid {args.grid}: {exc}")
    return sweep(
        _with_env_kwargs(grid, args.env_kwargs),
        backend=args.backend,
        max_workers=args.max_workers,
        progress=True if args.progress is None else args.progress,
        ray_address=args.ray_address,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``leo-bench``; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    # Like `python -m`, let `module:attr` specs and `module:env-id`s name modules in the
    # current folder (console scripts do not put it on sys.path).
    if os.getcwd() not in sys.path:
        sys.path.append(os.getcwd())
    try:
        df = _run(args, parser)
    except (ValueError, TypeError, ImportError) as exc:
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
