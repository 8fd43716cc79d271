"""``leo-train``: train an agent of ours, or a Stable-Baselines3 / sb3-contrib algorithm, on a
registered env, with TensorBoard scalars, a progress bar, checkpoints and ``--resume``.

Examples::

    leo-train --agent emcl --scenario user_churn --steps 800 --meta-iterations 50 \\
        --logdir runs/emcl --env-kwargs n_devices=60
    leo-train --agent ac_ddpg --steps 800 --logdir runs/acddpg
    leo-train --agent sb3:MaskablePPO --steps 20000 --logdir runs/mppo
    leo-train --agent sb3:PPO --env CartPole-v1 --steps 10000 --logdir runs/ppo

Our agents (``emcl``, ``emcl_k1``, ``wolpertinger``, ``ac_ddpg``, ``ac_maml``) train online
for ``--steps`` slots; the meta-learners first meta-train for ``--meta-iterations`` over the
env's train task set (``env.unwrapped.task_set("train")``). ``wolpertinger_td3`` is
``agents.wolpertinger.WolpertingerTD3``. ``sb3:<Algo>`` is any algorithm class of
``stable_baselines3`` or ``sb3_contrib`` (DQN only where the action space is Discrete).
The checkpoint (``<logdir>/checkpoint.pt``, or ``model.zip`` for SB3) is written every
``--checkpoint-every`` steps and at the end; ``--resume`` continues from it.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import importlib
import inspect
import itertools
import json
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
from tqdm.auto import tqdm

import leo_envs  # noqa: F401  (registers the env ids)

__all__ = ["AGENTS", "TrainArgs", "main", "train"]


@dataclass
class TrainArgs:
    """Arguments of ``leo-train``."""

    agent: str = "emcl"
    """agent name (emcl, emcl_k1, wolpertinger, ac_ddpg, ac_maml, wolpertinger_td3) or
    sb3:<Algo> (e.g. sb3:PPO, sb3:MaskablePPO, sb3:DQN)"""
    env: str = "leo_envs/LinkScheduling-v0"
    """registered env id"""
    scenario: str | None = None
    """the env's non-stationarity scenario (sets env kwarg ``scenario``)"""
    steps: int = 1000
    """environment steps to train online (in total, counting resumed ones)"""
    meta_iterations: int = 20
    """meta-training iterations before the online phase (emcl, emcl_k1, ac_maml)"""
    tasks_per_iteration: int = 4
    """tasks sampled per meta-training iteration"""
    seed: int = 0
    """seed of the env, the agent and every RNG"""
    logdir: str = "runs/leo-train"
    """TensorBoard logs and checkpoints go here"""
    resume: bool = False
    """continue from the checkpoint in ``logdir``"""
    checkpoint_every: int = 1000
    """steps between checkpoints (0: only at the end)"""
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    """extra env keyword arguments, as key=value (values parsed as JSON when possible)"""
    agent_kwargs: dict[str, Any] = field(default_factory=dict)
    """overrides of the agent's arguments dataclass (or SB3 constructor), as key=value"""
    neighbors: str | None = None
    """'module:function' supplying neighbors(env, proto, k); default: the env's
    action_neighbors"""
    progress: bool = True
    """show a tqdm progress bar"""


def _field_docs(cls: type) -> dict[str, str]:
    """Attribute docstrings (the string literal after each field) of a dataclass."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    body = tree.body[0].body
    docs = {}
    for node, nxt in itertools.pairwise(body):
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(nxt, ast.Expr)
            and isinstance(nxt.value, ast.Constant)
            and isinstance(nxt.value.value, str)
        ):
            docs[node.target.id] = " ".join(nxt.value.value.split())
    return docs


def _agent_registry() -> dict[str, tuple[str, str, dict[str, Any]]]:
    return {
        "emcl": ("agents.emcl", "EMCL", {}),
        "emcl_k1": ("agents.emcl", "EMCL", {"k": 1}),
        "wolpertinger": ("agents.wolpertinger", "WolpertingerDDPG", {}),
        "ac_ddpg": ("agents.ac_ddpg", "ACDDPG", {}),
        "ac_maml": ("agents.ac_maml", "ACMAML", {}),
    }


AGENTS = (*_agent_registry(), "wolpertinger_td3")
META_AGENTS = ("emcl", "emcl_k1", "ac_maml")


def _parse_kv(items: list[str], flag: str) -> dict[str, Any]:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ValueError(f"{flag} expects key=value, got {item!r}")
        try:
            out[key] = json.loads(value)
        except json.JSONDecodeError:
            out[key] = value
    return out


def _load_callable(spec: str) -> Any:
    module, _, attr = spec.partition(":")
    if not module or not attr:
        raise ValueError(f"--neighbors must be 'module:function', got {spec!r}")
    fn = getattr(importlib.import_module(module), attr, None)
    if not callable(fn):
        raise ValueError(f"--neighbors {spec!r} is not a callable")
    return fn


def make_agent(name: str, overrides: dict[str, Any], seed: int, neighbors: Any = None) -> Any:
    """One of our agents by name, its arguments dataclass updated by ``overrides``."""
    registry = _agent_registry()
    if name not in registry:
        raise ValueError(f"agent must be one of {sorted(registry)}, got {name!r}")
    module_name, cls_name, preset = registry[name]
    cls = getattr(importlib.import_module(module_name), cls_name)
    args_cls = inspect.signature(cls.__init__).parameters["args"].annotation
    args_cls = getattr(importlib.import_module(cls.__module__), args_cls.split(" ")[0])
    valid = {f.name for f in dataclasses.fields(args_cls)}
    unknown = sorted(set(overrides) - valid)
    if unknown:
        raise ValueError(f"unknown {args_cls.__name__} field(s) {unknown}; valid: {sorted(valid)}")
    args = args_cls(**{**preset, **overrides, "seed": seed})
    return cls(args, neighbors)


def train(args: TrainArgs) -> dict[str, Any]:
    """Run ``leo-train`` with ``args``; returns a summary (steps, last objectives, paths)."""
    if args.steps < 0:
        raise ValueError(f"steps must be >= 0, got {args.steps}")
    logdir = Path(args.logdir)
    logdir.mkdir(parents=True, exist_ok=True)
    env_kwargs = dict(args.env_kwargs)
    if args.scenario is not None:
        env_kwargs["scenario"] = args.scenario
    neighbors = _load_callable(args.neighbors) if args.neighbors else None
    if args.agent.startswith("sb3:") or args.agent == "wolpertinger_td3":
        return _train_sb3(args, env_kwargs, neighbors, logdir)
    return _train_ours(args, env_kwargs, neighbors, logdir)


def _train_ours(args: TrainArgs, env_kwargs: dict, neighbors: Any, logdir: Path) -> dict:
    from agents.common import (
        MetaTrainer,
        OnlineTrainer,
        ScalarLogger,
        load_checkpoint,
        save_checkpoint,
        seed_everything,
        train_tasks,
    )

    seed_everything(args.seed)
    agent = make_agent(args.agent, args.agent_kwargs, args.seed, neighbors)
    env = gym.make(args.env, **env_kwargs)
    logger = ScalarLogger(logdir, hparams=dataclasses.asdict(args))
    path = logdir / "checkpoint.pt"
    online = OnlineTrainer(agent, env, logger)
    meta = None
    phase = "meta" if args.agent in META_AGENTS and args.meta_iterations > 0 else "online"
    if phase == "meta":
        meta = MetaTrainer(
            agent,
            env,
            train_tasks(env),
            min(args.tasks_per_iteration, len(train_tasks(env))),
            seed=args.seed,
            logger=logger,
        )
    if args.resume:
        state = load_checkpoint(path)
        phase = state["phase"]
        if phase == "meta":
            meta.load_state_dict(state["trainer"])
        else:
            online.load_state_dict(state["trainer"])

    def checkpoint() -> None:
        trainer = meta if phase == "meta" else online
        save_checkpoint(path, {"phase": phase, "trainer": trainer.state_dict()})

    try:
        if phase == "meta":
            todo = args.meta_iterations - meta.iteration
            with tqdm(
                total=args.meta_iterations,
                initial=meta.iteration,
                desc="meta-train",
                unit="it",
                disable=not args.progress,
            ) as bar:
                meta.run(todo, progress=bar)
            meta.finish()
            agent.start_online()
            online.env = meta.env
            phase = "online"
            online.start(args.seed)
            checkpoint()
        elif online.obs is None:
            if callable(getattr(agent, "start_online", None)):
                agent.attach(env.unwrapped)
                agent.start_online()
            online.start(args.seed)
        with tqdm(
            total=args.steps,
            initial=online.step,
            desc=args.agent,
            unit="step",
            disable=not args.progress,
        ) as bar:
            while online.step < args.steps:
                chunk = args.steps - online.step
                if args.checkpoint_every > 0:
                    chunk = min(chunk, args.checkpoint_every - online.step % args.checkpoint_every)
                online.run(chunk, progress=bar)
                checkpoint()
        checkpoint()
    finally:
        logger.close()
    return {
        "agent": args.agent,
        "steps": online.step,
        "updates": agent.n_updates,
        "last_objectives": online.objectives[-10:],
        "checkpoint": str(path),
        "logdir": str(logdir),
    }


def _train_sb3(args: TrainArgs, env_kwargs: dict, neighbors: Any, logdir: Path) -> dict:
    from agents.common import seed_everything

    seed_everything(args.seed)
    env = gym.make(args.env, **env_kwargs)
    kwargs = {"seed": args.seed, "verbose": 0, "tensorboard_log": str(logdir), **args.agent_kwargs}
    if args.agent == "wolpertinger_td3":
        from agents.wolpertinger import ProtoActionWrapper, WolpertingerTD3

        algo_cls, env = WolpertingerTD3, ProtoActionWrapper(env, neighbors)
    else:
        algo_cls = _sb3_class(args.agent.removeprefix("sb3:"))
    path = logdir / "model.zip"
    if args.resume:
        model = algo_cls.load(path, env=env, **({"neighbors": neighbors} if neighbors else {}))
    else:
        try:
            model = algo_cls("MlpPolicy", env, **kwargs)
        except AssertionError as exc:  # SB3 asserts the action space it supports
            raise ValueError(f"{algo_cls.__name__} cannot train on {args.env}: {exc}") from exc
    remaining = max(args.steps - model.num_timesteps, 0)
    model.learn(
        remaining,
        progress_bar=False,
        reset_num_timesteps=not args.resume,
        tb_log_name=args.agent.replace(":", "_"),
    )
    model.save(path)
    return {
        "agent": args.agent,
        "steps": int(model.num_timesteps),
        "checkpoint": str(path),
        "logdir": str(logdir),
    }


def _sb3_class(name: str) -> type:
    for module in ("stable_baselines3", "sb3_contrib"):
        cls = getattr(importlib.import_module(module), name, None)
        if isinstance(cls, type):
            return cls
    raise ValueError(f"no algorithm {name!r} in stable_baselines3 or sb3_contrib")


def build_parser() -> argparse.ArgumentParser:
    docs = _field_docs(TrainArgs)
    defaults = TrainArgs()
    parser = argparse.ArgumentParser(
        prog="leo-train",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    for f in dataclasses.fields(TrainArgs):
        flag = "--" + f.name.replace("_", "-")
        default = getattr(defaults, f.name)
        if f.name == "resume":
            parser.add_argument(flag, action="store_true", help=docs[f.name])
        elif f.name == "progress":
            parser.add_argument(
                flag, action=argparse.BooleanOptionalAction, default=default, help=docs[f.name]
            )
        elif f.name in ("env_kwargs", "agent_kwargs"):
            parser.add_argument(flag, nargs="*", default=[], metavar="KEY=VALUE", help=docs[f.name])
        elif f.name in (
            "steps",
            "meta_iterations",
            "tasks_per_iteration",
            "seed",
            "checkpoint_every",
        ):
            parser.add_argument(flag, type=int, default=default, help=docs[f.name])
        else:
            parser.add_argument(flag, type=str, default=default, help=docs[f.name])
    return parser


def main(argv: list[str] | None = None) -> int:
    ns = build_parser().parse_args(argv)
    try:
        values = vars(ns)
        values["env_kwargs"] = _parse_kv(values["env_kwargs"], "--env-kwargs")
        values["agent_kwargs"] = _parse_kv(values["agent_kwargs"], "--agent-kwargs")
        summary = train(TrainArgs(**values))
    except (ValueError, TypeError, FileNotFoundError) as exc:
        print(f"leo-train: error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(summary, default=lambda x: float(x) if np.isscalar(x) else str(x)))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
