"""A tiny seeded env for the harness tests (registered on import as ``harness_toy/Toy-v0``).

Each episode draws a cost table ``costs[t, a]`` in [1, 2) from the env's RNG at reset;
step ``t`` with action ``a`` costs ``costs[t, a]`` and rewards ``-costs[t, a]``. The
objective (minimised) is the episode's total cost, so the exact plan is the per-step argmin.
The RNG is used only at reset, so the episode sequence of a seed is independent of actions.
"""

from __future__ import annotations

import math
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

ENV_NAME = "harness_toy/Toy-v0"
#: The id the tests pass to the harness: the module prefix makes spawned workers import it.
ENV_ID = f"toy_env:{ENV_NAME}"


class ToyEnv(gym.Env):
    """Observation: ``[t, costs[t, 0], ..., costs[t, n_actions - 1]]``."""

    metadata = {"render_modes": []}  # noqa: RUF012

    def __init__(
        self,
        n_steps: int = 5,
        n_actions: int = 3,
        task_every: int = 2,
        label: Any = None,
        nan_episode: int | None = None,
        zero_cost_action: int | None = None,
    ) -> None:
        if not isinstance(n_steps, int) or n_steps < 1:
            raise ValueError(f"n_steps must be an integer >= 1, got {n_steps!r}")
        self.label = label  # an arbitrary (maybe not JSON-able) kwarg, unused
        self.nan_episode = nan_episode  # this episode's objective is NaN (a broken metric)
        self.zero_cost_action = zero_cost_action  # this action costs 0: the optimum is 0
        self.n_steps = n_steps
        self.n_actions = n_actions
        self.task_every = task_every
        self.observation_space = spaces.Box(0.0, np.inf, (1 + n_actions,), np.float32)
        self.action_space = spaces.Discrete(n_actions)
        self._episode = -1
        self._t = 0
        self._costs = np.zeros((n_steps, n_actions))
        self._total = 0.0

    def instance(self) -> dict[str, Any]:
        return {"costs": self._costs.copy()}

    def _obs(self) -> np.ndarray:
        t = min(self._t, self.n_steps - 1)
        return np.concatenate([[self._t], self._costs[t]]).astype(np.float32)

    def _task(self) -> int:
        return self._episode // self.task_every

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        self._episode = 0 if seed is not None else self._episode + 1
        self._costs = self.np_random.uniform(1.0, 2.0, (self.n_steps, self.n_actions))
        if self.zero_cost_action is not None:
            self._costs[:, self.zero_cost_action] = 0.0
        self._t = 0
        self._total = 0.0
        return self._obs(), {"task_id": self._task(), "action_mask": np.ones(self.n_actions, bool)}

    def step(self, action):
        a = int(action)
        if not 0 <= a < self.n_actions:
            raise ValueError(f"invalid action {action!r}")
        cost = float(self._costs[self._t, a])
        self._total += cost
        self._t += 1
        terminated = self._t >= self.n_steps
        info: dict[str, Any] = {
            "task_id": self._task(),
            "action_mask": np.ones(self.n_actions, bool),
            "served_devices": int(a == int(np.argmin(self._costs[self._t - 1]))),
            "note": "strings are not logged",
        }
        if terminated:
            info.update(
                objective=math.nan if self._episode == self.nan_episode else self._total,
                delivered_bits=np.float64(1e6 * self._t),
                done_flag=True,
                episode=self._episode,  # clashes with a harness column: logged as info.episode
            )
        return self._obs(), -cost, terminated, False, info


if ENV_NAME not in gym.registry:
    gym.register(ENV_NAME, entry_point="toy_env:ToyEnv")
