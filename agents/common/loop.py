"""Training loops shared by every agent: online (continual) training and meta-training over
a task set, both checkpointable so that a resumed run continues bit-identically on CPU.

Both loops drive any harness-style learner (``act``, ``observe``, ``reset``; see
``agents.common.agent``). Meta-training also calls the learner's ``begin_task(i)``,
``end_task(i)`` and ``end_iteration()`` hooks, where EMCL selects task i's actor and
AC-MAML runs MAML's inner and outer updates.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Sequence
from typing import Any

import numpy as np

from agents.common.checkpoint import load_checkpoint, save_checkpoint
from agents.common.logger import ScalarLogger

__all__ = ["MetaTrainer", "OnlineTrainer", "train_tasks"]


def train_tasks(env: Any, split: str = "train") -> list[Any]:
    """The env's fixed task set (``env.unwrapped.task_set(split)``, the house Task API)."""
    task_set = getattr(env.unwrapped, "task_set", None)
    if not callable(task_set):
        raise TypeError(
            f"{type(env.unwrapped).__name__} has no task_set(split); pass tasks=... explicitly"
        )
    return list(task_set(split))


class OnlineTrainer:
    """Runs ``agent`` on ``env`` step after step, resetting at episode ends, learning online.

    ``start(seed)`` resets env and agent; ``run(n_steps)`` continues from where the last call
    stopped. ``info`` of each step reaches the agent (``task_switched`` drives re-training
    for AC-DDPG and re-adaptation for AC-MAML). Logged scalars: ``charts/episode_return``,
    ``charts/objective`` (``info["objective"]`` at episode end) and the agent's
    ``last_losses`` under ``losses/``.
    """

    def __init__(self, agent: Any, env: Any, logger: ScalarLogger | None = None) -> None:
        self.agent, self.env = agent, env
        self.logger = logger or ScalarLogger(None)
        self.step = 0
        self.episode_return = 0.0
        self.obs: Any = None
        self.info: dict[str, Any] = {}
        self.objectives: list[float] = []

    def start(self, seed: int) -> None:
        self.agent.seed(seed)
        self.obs, self.info = self.env.reset(seed=seed)
        self.agent.reset(self.env.unwrapped)

    def run(self, n_steps: int, progress: Any = None) -> None:
        if self.obs is None:
            raise RuntimeError("call start(seed) (or load a checkpoint) before run()")
        agent, env, log = self.agent, self.env, self.logger
        for _ in range(n_steps):
            action = agent.act(self.obs, self.info)
            next_obs, reward, terminated, truncated, info = env.step(action)
            agent.observe(self.obs, action, reward, next_obs, terminated, truncated, info)
            self.step += 1
            self.episode_return += float(reward)
            self.obs, self.info = next_obs, info
            for tag, value in getattr(agent, "last_losses", {}).items():
                log.scalar(f"losses/{tag}", value, self.step)
            if terminated or truncated:
                log.scalar("charts/episode_return", self.episode_return, self.step)
                if "objective" in info:
                    self.objectives.append(float(info["objective"]))
                    log.scalar("charts/objective", float(info["objective"]), self.step)
                self.episode_return = 0.0
                self.obs, self.info = env.reset()
                agent.reset(env.unwrapped)
            if progress is not None:
                progress.update(1)

    def state_dict(self) -> dict[str, Any]:
        return {
            "agent": self.agent.state_dict(),
            "env": pickle.dumps(self.env),
            "obs": self.obs,
            "info": self.info,
            "step": self.step,
            "episode_return": self.episode_return,
            "objectives": list(self.objectives),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.env = pickle.loads(state["env"])
        self.agent.attach(self.env.unwrapped)
        self.agent.load_state_dict(state["agent"])
        self.obs, self.info = state["obs"], state["info"]
        self.step, self.episode_return = state["step"], state["episode_return"]
        self.objectives = list(state["objectives"])

    def save(self, path: str | os.PathLike) -> None:
        save_checkpoint(path, {"online": self.state_dict()})

    def load(self, path: str | os.PathLike) -> None:
        self.load_state_dict(load_checkpoint(path)["online"])


class MetaTrainer:
    """Meta-training (Alg. 2 of paper 002): each iteration samples ``tasks_per_iteration``
    tasks of ``tasks`` (without replacement, from the trainer's seeded generator), runs
    ``episodes_per_task`` episodes pinned to each (``reset(options={"task": task})``) with
    the learner's ``begin_task(i)``/``end_task(i)`` around them, then ``end_iteration()``.
    ``finish()`` unpins the task (``reset(options={"task": None})``).
    Checkpoints are taken between iterations.
    """

    def __init__(
        self,
        agent: Any,
        env: Any,
        tasks: Sequence[Any],
        tasks_per_iteration: int,
        episodes_per_task: int = 1,
        seed: int = 0,
        logger: ScalarLogger | None = None,
    ) -> None:
        if len(tasks) < 1:
            raise ValueError("tasks must hold at least one task")
        if not 1 <= tasks_per_iteration <= len(tasks):
            raise ValueError(
                f"tasks_per_iteration must be in [1, {len(tasks)}] (the number of tasks), "
                f"got {tasks_per_iteration}"
            )
        if episodes_per_task < 1:
            raise ValueError(f"episodes_per_task must be >= 1, got {episodes_per_task}")
        self.agent, self.env, self.tasks = agent, env, list(tasks)
        self.tasks_per_iteration, self.episodes_per_task = tasks_per_iteration, episodes_per_task
        self.rng = np.random.default_rng(seed)
        self.seed = seed
        self.logger = logger or ScalarLogger(None)
        self.iteration = 0
        self.step = 0
        self._started = False

    def _start(self) -> None:
        self.agent.seed(self.seed)
        self.env.reset(seed=self.seed)
        self.agent.attach(self.env.unwrapped)
        if callable(getattr(self.agent, "begin_meta_training", None)):
            self.agent.begin_meta_training(len(self.tasks))
        self._started = True

    def run(self, n_iterations: int, progress: Any = None) -> None:
        if not self._started:
            self._start()
        agent, env, log = self.agent, self.env, self.logger
        for _ in range(n_iterations):
            chosen = self.rng.choice(len(self.tasks), size=self.tasks_per_iteration, replace=False)
            returns = []
            for i in chosen.tolist():
                agent.begin_task(i)
                for _ in range(self.episodes_per_task):
                    obs, info = env.reset(options={"task": self.tasks[i]})
                    agent.reset(env.unwrapped)
                    done, total = False, 0.0
                    while not done:
                        action = agent.act(obs, info)
                        next_obs, reward, terminated, truncated, info = env.step(action)
                        agent.observe(obs, action, reward, next_obs, terminated, truncated, info)
                        obs, total, done = next_obs, total + float(reward), terminated or truncated
                        self.step += 1
                    returns.append(total)
                agent.end_task(i)
            agent.end_iteration()
            self.iteration += 1
            log.scalar("meta/episode_return", float(np.mean(returns)), self.step)
            for tag, value in getattr(agent, "last_losses", {}).items():
                log.scalar(f"meta_losses/{tag}", value, self.step)
            if progress is not None:
                progress.update(1)

    def finish(self) -> None:
        """Unpin the task so the env returns to its own task sequence."""
        self.env.reset(options={"task": None})

    def state_dict(self) -> dict[str, Any]:
        return {
            "agent": self.agent.state_dict(),
            "env": pickle.dumps(self.env),
            "rng": self.rng.bit_generator.state,
            "iteration": self.iteration,
            "step": self.step,
            "started": self._started,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.env = pickle.loads(state["env"])
        self.agent.attach(self.env.unwrapped)
        if state["started"] and callable(getattr(self.agent, "begin_meta_training", None)):
            self.agent.begin_meta_training(len(self.tasks))
        self.agent.load_state_dict(state["agent"])
        self.rng.bit_generator.state = state["rng"]
        self.iteration, self.step, self._started = (
            state["iteration"],
            state["step"],
            state["started"],
        )

    def save(self, path: str | os.PathLike) -> None:
        save_checkpoint(path, {"meta": self.state_dict()})

    def load(self, path: str | os.PathLike) -> None:
        self.load_state_dict(load_checkpoint(path)["meta"])
