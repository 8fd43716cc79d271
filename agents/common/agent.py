"""What every link-scheduling agent shares: the harness policy hooks, the Wolpertinger
choice among the env's neighbours, pending next-state candidates, and save/load.

An agent *is* a harness policy (``act(obs, info)``, ``observe(...)``, ``reset(env)``,
``seed(seed)``, ``name``), so ``leo_envs.harness.run_continual(agent, ...)`` runs it and it
learns online through ``observe``. Subclasses build their networks in ``build(layout)``,
score candidates in ``q_values``, draw proto-actions in ``proto_action`` and learn in
``learn_step``; the update rules live in the subclasses' own files.

Next-state candidates. The critic target needs the Wolpertinger action at s', which is the
best of the k valid groups nearest to the actor's proto-action at s'. Only the env knows
which groups are valid in a slot, and only while it sits in that slot, so ``observe``
(called right after ``env.step``, before any reset) asks the env for the candidates at s'
and stores them with the transition; the target network picks among them at training time.
The same candidates then serve the next ``act``, so the env is asked once per slot.
Terminal transitions (the T-slot problem is over) store none and do not bootstrap;
truncations (time-outs, never terminal) do bootstrap.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from typing import Any

import numpy as np
import torch

from agents.common.checkpoint import load_checkpoint, save_checkpoint
from agents.common.layout import GridLayout
from agents.common.neighbors import NeighborFn, env_neighbors
from agents.common.replay import ReplayMemory
from leo_envs.wrappers import HistoryBuffer

__all__ = ["LinkAgent"]


class LinkAgent(ABC):
    """Base of the link-scheduling agents (see the module docstring).

    ``args`` is the agent's arguments dataclass; it must have ``seed``, ``k`` (neighbours
    scored per decision), ``buffer_size``, ``batch_size``, ``learning_starts``,
    ``history_len`` and ``explore`` fields. ``neighbors`` replaces the env's
    ``action_neighbors`` (tests inject a stand-in through it).
    """

    name = "agent"

    def __init__(self, args: Any, neighbors: NeighborFn | None = None) -> None:
        if isinstance(args.k, bool) or not isinstance(args.k, int) or args.k < 1:
            raise ValueError(f"k (neighbours per decision) must be an integer >= 1, got {args.k!r}")
        self.args = args
        self.neighbors = neighbors or env_neighbors
        self.env: Any = None
        self.layout: GridLayout | None = None
        self.rng = np.random.default_rng(args.seed)
        self.training = True
        self.n_updates = 0
        self.n_steps = 0
        self.n_restarts = 0
        self.last_losses: dict[str, float] = {}
        self._next_candidates: np.ndarray | None = None

    # ------------------------------------------------------------------ construction
    def setup(self, env: Any) -> None:
        """Build networks and memories for ``env``'s shapes (once)."""
        if self.layout is not None:
            return
        torch.manual_seed(self.args.seed)
        self.layout = GridLayout.from_env(env)
        self.history = HistoryBuffer(
            env.unwrapped.action_space, self.args.history_len, encoding="scaled"
        )
        self.build(self.layout)

    @abstractmethod
    def build(self, layout: GridLayout) -> None:
        """Create the networks and optimisers for ``layout``."""

    def new_memory(self, capacity: int) -> ReplayMemory:
        lay = self.layout
        h = self.history.size
        return ReplayMemory(
            capacity,
            {
                "obs": ((lay.obs_size,), np.float32),
                "hist": ((h,), np.float32),
                "action": ((lay.n_tx,), np.int64),
                "reward": ((), np.float32),
                "next_obs": ((lay.obs_size,), np.float32),
                "next_hist": ((h,), np.float32),
                "next_candidates": ((self.args.k, lay.n_tx), np.int64),
                "next_candidate_valid": ((self.args.k,), np.bool_),
                "terminated": ((), np.float32),
            },
        )

    # ------------------------------------------------------------------ harness hooks
    def seed(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        torch.manual_seed(seed)

    def reset(self, env: Any) -> None:
        """Episode start: remember the env (for its neighbourhood); drop stale candidates."""
        self.attach(env)
        self._next_candidates = None

    def attach(self, env: Any) -> None:
        if self.layout is not None and GridLayout.from_env(env) != self.layout:
            raise ValueError(
                f"{self.name} was built for {self.layout}, not for this env's "
                f"{GridLayout.from_env(env)}: use an agent per env shape"
            )
        self.env = env.unwrapped
        self.setup(self.env)

    def act(self, obs: Any, info: dict[str, Any]) -> np.ndarray:
        """The Wolpertinger action: the candidate the critic scores highest."""
        if self.env is None:
            raise RuntimeError(f"{self.name}: call reset(env) before act()")
        if info.get("task_switched"):
            self.on_task_switch()
        obs_t = self._tensor(obs)
        if self._next_candidates is None:
            self._next_candidates = self.candidates(obs_t)
        groups, self._next_candidates = self._next_candidates, None
        return self.choose(obs_t, groups)

    def observe(self, obs, action, reward, next_obs, terminated, truncated, info) -> None:
        """Store the transition (with the candidates at s') and learn.

        The critic learns the value of the group the env actually played
        (``info["played_action"]``, after any repair), not of the group asked for."""
        action = info.get("played_action", action)
        hist = self.history.vector()
        self.history.push(
            np.asarray(action, dtype=np.int64), float(reward), bool(terminated or truncated)
        )
        next_hist = self.history.vector()
        k, n_tx = self.args.k, self.layout.n_tx
        cands = np.zeros((k, n_tx), dtype=np.int64)
        valid = np.zeros(k, dtype=bool)
        self._next_candidates = None
        if not terminated:
            groups = self.candidates(self._tensor(next_obs, next_hist))
            cands[: len(groups)], valid[: len(groups)] = groups, True
            if not truncated:
                self._next_candidates = groups
        self.n_steps += 1
        if not self.training:
            return
        self.store(
            obs=np.asarray(obs, np.float32),
            hist=hist,
            action=np.asarray(action, np.int64),
            reward=np.float32(reward),
            next_obs=np.asarray(next_obs, np.float32),
            next_hist=next_hist,
            next_candidates=cands,
            next_candidate_valid=valid,
            terminated=np.float32(bool(terminated)),
        )
        self.learn_step()

    def on_task_switch(self) -> None:  # noqa: B027 (an optional hook, empty by default)
        """Called when ``info["task_switched"]`` is set (default: nothing)."""

    # ------------------------------------------------------------------ Wolpertinger
    def candidates(self, obs_t: torch.Tensor) -> np.ndarray:
        """The env's k valid groups nearest to the actor's proto-action at this slot."""
        with torch.inference_mode():
            proto = self.proto_action(obs_t, explore=self.args.explore and self.training)
        groups, _ = self.neighbors(
            self.env, proto.reshape(self.layout.n_tx, -1).double().numpy(), self.args.k
        )
        return np.asarray(groups[: self.args.k], dtype=np.int64)

    def choose(self, obs_t: torch.Tensor, groups: np.ndarray) -> np.ndarray:
        """argmax_a Q(s, a) over the candidate groups (the first one when there is one)."""
        if len(groups) == 1:
            return groups[0].copy()
        with torch.inference_mode():
            q = self.q_groups(obs_t, torch.as_tensor(groups).unsqueeze(0))[0]
        return groups[int(torch.argmax(q))].copy()

    def _tensor(self, obs: Any, hist: np.ndarray | None = None) -> torch.Tensor:
        """``[1, obs_size + history]``: the observation and the task history."""
        hist = self.history.vector() if hist is None else hist
        flat = np.concatenate([np.asarray(obs, np.float32).ravel(), hist])
        return torch.as_tensor(flat).unsqueeze(0)

    # ------------------------------------------------------------------ subclass hooks
    @abstractmethod
    def proto_action(self, obs_t: torch.Tensor, explore: bool) -> torch.Tensor:
        """The continuous proto-action ``[1, J, K]`` for the observation."""

    @abstractmethod
    def q_values(self, obs_t: torch.Tensor, links: torch.Tensor) -> torch.Tensor:
        """Q of 0/1 link matrices ``links`` in state ``obs_t``."""

    def q_groups(self, obs_t: torch.Tensor, groups: torch.Tensor) -> torch.Tensor:
        """Q of link groups ``[B, n, J]`` (action encoding) -> ``[B, n]``."""
        return self.q_values(obs_t, torch.as_tensor(self.layout.links(groups.numpy())))

    @abstractmethod
    def store(self, **row: Any) -> None:
        """Keep one transition in the agent's replay memory."""

    @abstractmethod
    def learn_step(self) -> None:
        """One gradient update of the agent's networks."""

    # ------------------------------------------------------------------ checkpoints
    def state_dict(self) -> dict[str, Any]:
        return {
            "args": self.args,
            "rng": self.rng.bit_generator.state,
            "n_updates": self.n_updates,
            "n_steps": self.n_steps,
            "n_restarts": self.n_restarts,
            "history": self.history.get_state() if self.layout is not None else None,
            "next_candidates": self._next_candidates,
            "training": self.training,
            "last_losses": dict(self.last_losses),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.rng.bit_generator.state = state["rng"]
        if state["args"] != self.args:
            raise ValueError(f"checkpoint was written with other arguments: {state['args']}")
        self.n_updates, self.n_steps = state["n_updates"], state["n_steps"]
        self.n_restarts = state["n_restarts"]
        if state["history"] is not None:
            self.history.set_state(state["history"])
        self._next_candidates = state["next_candidates"]
        self.training = state["training"]
        self.last_losses = dict(state["last_losses"])

    def save(self, path: str | os.PathLike) -> None:
        """Everything (nets, optimisers, replay, RNGs) to one file; see ``load``."""
        save_checkpoint(path, {"agent": self.state_dict()})

    def load(self, path: str | os.PathLike, env: Any) -> None:
        """Restore a ``save``d agent; ``env`` gives the shapes (the nets are built for it)."""
        self.attach(env)
        self.load_state_dict(load_checkpoint(path)["agent"])
