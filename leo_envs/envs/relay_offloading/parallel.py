"""Multi-agent RelayOffloading (PettingZoo ``ParallelEnv``): each satellite is an agent.

Every reset draws a new task of the config's scenario (t0, arrival case).

Same simulator core as the Gymnasium env, stepped in slots of ``marl_slot_s`` (spec A8):
in each slot every agent with a pending task decides for its head-of-line task (the
``has_task`` flag, the last observation entry, says whether it has one; actions of agents
without a task are ignored); further arrivals wait on board, and the wait counts in their
latency. Agents decide in index order within a slot. At the end of the episode the tasks
still waiting run on board. ``state()`` concatenates all agents' observations (for CTDE).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from gymnasium import spaces
from pettingzoo import ParallelEnv

from leo_envs.envs.common.render import check_render_mode
from leo_envs.envs.relay_offloading import actions, timing
from leo_envs.envs.relay_offloading.config import RelayOffloadingConfig
from leo_envs.envs.relay_offloading.core import PLACEMENTS, RelaySimulator
from leo_envs.envs.relay_offloading.episode import draw_episode, task_geometry
from leo_envs.envs.relay_offloading.observation import Observer, obs_dim
from leo_envs.envs.relay_offloading.render import frame_of, render_ansi, render_rgb
from leo_envs.envs.relay_offloading.tasks import first_task


class RelayOffloadingParallelEnv(ParallelEnv):
    """PettingZoo variant of RelayOffloading-v0 (see ``RelayOffloadingEnv`` for the model)."""

    metadata: ClassVar[dict[str, Any]] = {
        "render_modes": ["ansi", "rgb_array"],
        "name": "relay_offloading_v0",
        "is_parallelizable": True,
    }

    def __init__(
        self,
        config: RelayOffloadingConfig | None = None,
        render_mode: str | None = None,
        **overrides: Any,
    ) -> None:
        self.render_mode = check_render_mode(render_mode, self.metadata["render_modes"])
        self.config = RelayOffloadingConfig.resolve(config, overrides)
        cfg = self.config
        self.possible_agents = [f"sat_{i}" for i in range(cfg.n_agents)]
        self.agents: list[str] = []
        o = cfg.n_containers
        self._obs_space = spaces.Box(0.0, 1.0, (obs_dim(o) + 1,), dtype=np.float32)
        self._act_space = spaces.Discrete(actions.n_actions(cfg.action_mode, o))
        self._rng = np.random.default_rng()
        self.sim: RelaySimulator | None = None

    def observation_space(self, agent: str) -> spaces.Box:
        return self._obs_space

    def action_space(self, agent: str) -> spaces.Discrete:
        return self._act_space

    # ------------------------------------------------------------------ API
    def reset(self, seed: int | None = None, options: dict | None = None):
        if seed is not None:
            self._rng = np.random.default_rng(seed)
            self._act_space.seed(seed)
            self._obs_space.seed(seed)
        cfg = self.config
        self.task = first_task(cfg, self._rng)  # a new task (t0, case) every episode
        self.sim = RelaySimulator(
            cfg,
            task_geometry(cfg, self.task),
            draw_episode(cfg, self.task, cfg.n_agents, self._rng),
        )
        self._observer = Observer(self.sim)
        self.agents = list(self.possible_agents)
        self._t = 0.0
        # Per-agent FIFO of undecided task indices (arrival order).
        data = self.sim.data
        self._queues = [list(np.flatnonzero(data.agent == n)) for n in range(cfg.n_agents)]
        self._heads = [0] * cfg.n_agents
        self._last: dict[str, str] = {}
        return self._observe_all()

    def step(self, action_dict: dict[str, Any]):
        if self.sim is None or not self.agents:
            raise RuntimeError("call reset() before step()")
        cfg, sim = self.config, self.sim
        rewards = {a: 0.0 for a in self.agents}
        played: dict[str, int] = {}
        for n, agent in enumerate(self.possible_agents):
            task = self._head_task(n)
            if task is None:
                continue
            if agent not in action_dict:
                raise ValueError(f"missing action for {agent}, which has a pending task")
            a = self._check_action(agent, action_dict[agent])
            # Fresh view: earlier agents of this slot may have taken a relay or a container.
            cand = sim.candidates(task, self._t)
            path, container, played[agent] = actions.decode(
                cfg.action_mode, a, cand, cfg.n_containers
            )
            out = sim.apply(task, cand, path, container)
            rewards[agent] = float(out.reward)
            self._last[agent] = PLACEMENTS[out.placement]
            self._heads[n] += 1
        self._t += cfg.marl_slot_s
        done = self._t >= cfg.episode_s
        if done:
            self._flush_local()
        obs, infos = self._observe_all()
        for agent, a in played.items():
            infos[agent]["played_action"] = a
        terminations = {a: False for a in self.agents}
        truncations = {a: done for a in self.agents}
        if done:
            summary = sim.episode_summary()
            for agent in self.agents:
                infos[agent]["episode"] = summary
            self.agents = []
        return obs, rewards, terminations, truncations, infos

    def state(self) -> np.ndarray:
        obs, _ = self._observe_all()
        return np.concatenate([obs[a] for a in self.possible_agents]) if obs else np.zeros(0)

    def render(self):
        if self.render_mode is None or self.sim is None:
            return None
        frame = frame_of(self.sim, min(self._t, self.config.episode_s), (), "multi-agent")
        return render_ansi(frame) if self.render_mode == "ansi" else render_rgb(frame)

    def close(self) -> None:
        self.sim = None

    # ------------------------------------------------------------------ internals
    def _check_action(self, agent: str, action: Any) -> int:
        n = self._act_space.n
        try:
            a = int(action)
        except (TypeError, ValueError):
            raise ValueError(
                f"action of {agent} must be an integer in [0, {n - 1}], got {action!r}"
            ) from None
        if np.ndim(action) != 0 or a != action or not 0 <= a < n:
            raise ValueError(
                f"action of {agent} must be an integer in [0, {n - 1}], got {action!r}"
            )
        return a

    def _head_task(self, n: int) -> int | None:
        q, h = self._queues[n], self._heads[n]
        if h < len(q) and self.sim.data.arrival_s[q[h]] <= self._t:
            return int(q[h])
        return None

    def _observe_all(self):
        cfg, sim = self.config, self.sim
        obs, infos = {}, {}
        dim = self._obs_space.shape[0]
        for n, agent in enumerate(self.possible_agents):
            if agent not in self.agents:
                continue
            task = self._head_task(n)
            vec = np.zeros(dim, dtype=np.float32)
            vec[-2] = min(1.0, self._t / cfg.episode_s)
            mask = np.zeros(self._act_space.n, dtype=bool)
            mask[0] = True
            if task is not None:
                cand = sim.candidates(task, self._t)
                vec[:-1] = self._observer(cand)
                vec[-1] = 1.0
                mask = actions.action_mask(cfg.action_mode, cand.feasible_list, cfg.n_containers)
            obs[agent] = vec
            infos[agent] = {
                "action_mask": mask,
                "has_task": task is not None,
                "sim_time_s": self._t,
                "placement": self._last.get(agent, "none"),
            }
        return obs, infos

    def _flush_local(self) -> None:
        """Tasks still waiting at the end run on board (recorded, no reward)."""
        sim = self.sim
        for n in range(self.config.n_agents):
            for task in self._queues[n][self._heads[n] :]:
                t = max(float(sim.data.arrival_s[task]), self._t)
                sim.apply(int(task), sim.candidates(int(task), t), timing.PATH_LOCAL)
            self._heads[n] = len(self._queues[n])


def parallel_env(**kwargs: Any) -> RelayOffloadingParallelEnv:
    """Factory in PettingZoo's style: ``parallel_env(scenario="heavy", ...)``."""
    return RelayOffloadingParallelEnv(**kwargs)
