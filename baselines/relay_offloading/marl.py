"""MARL and A3C stand-ins for RelayOffloading (paper 001's refs [34] and A3C, whose details
are not available): Stable-Baselines3 learners trained on the PettingZoo variant with one
set of parameters shared by all satellites.

* :class:`ParallelVecEnv` flattens a PettingZoo ``ParallelEnv`` whose agents share spaces
  into an SB3 ``VecEnv`` (one sub-env index per agent; the whole episode resets when it
  ends, the terminal observation goes into ``infos[i]["terminal_observation"]``), like
  SuperSuit's ``pettingzoo_env_to_vec_env_v1`` without the dependency.
* ``MARL``: parameter-shared PPO (IPPO with shared weights). ``A3C``: SB3's A2C, the
  synchronous variant of A3C (SB3 has no asynchronous learner), one shared actor-critic.

Both train lazily at the first ``reset(env)`` on the env's own config (``train_steps``
agent-steps), or use a model passed in. torch is imported only here, only when training.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from stable_baselines3.common.vec_env.base_vec_env import VecEnv

from baselines.relay_offloading.common import EnvAwarePolicy


class ParallelVecEnv(VecEnv):
    """An SB3 ``VecEnv`` over the agents of a PettingZoo ``ParallelEnv`` (shared spaces)."""

    def __init__(self, penv: Any, seed: int | None = None) -> None:
        self.penv = penv
        self.agents = list(penv.possible_agents)
        first = self.agents[0]
        super().__init__(len(self.agents), penv.observation_space(first), penv.action_space(first))
        self._next_seed = seed
        self._actions: np.ndarray | None = None

    def _stack(self, obs: dict[str, np.ndarray]) -> np.ndarray:
        dim = self.observation_space.shape[0]
        return np.stack([obs.get(a, np.zeros(dim, np.float32)) for a in self.agents])

    def reset(self) -> np.ndarray:
        obs, _ = self.penv.reset(seed=self._next_seed)
        self._next_seed = None
        return self._stack(obs)

    def step_async(self, actions: np.ndarray) -> None:
        self._actions = np.asarray(actions)

    def step_wait(self):
        acts = {
            a: int(self._actions[i]) for i, a in enumerate(self.agents) if a in self.penv.agents
        }
        obs, rewards, _terms, _truncs, _ = self.penv.step(acts)
        rew = np.array([rewards.get(a, 0.0) for a in self.agents], dtype=np.float32)
        done = not self.penv.agents
        dones = np.full(self.num_envs, done)
        infos: list[dict[str, Any]] = [{} for _ in self.agents]
        stacked = self._stack(obs)
        if done:
            for i in range(self.num_envs):
                infos[i]["terminal_observation"] = stacked[i]
                infos[i]["TimeLimit.truncated"] = True
            stacked = self.reset()
        return stacked, rew, dones, infos

    def close(self) -> None:
        self.penv.close()

    def seed(self, seed: int | None = None):
        self._next_seed = seed
        return [seed] * self.num_envs

    def get_attr(self, attr_name: str, indices=None) -> list[Any]:
        return [getattr(self.penv, attr_name)] * len(self._get_indices(indices))

    def set_attr(self, attr_name: str, value: Any, indices=None) -> None:
        setattr(self.penv, attr_name, value)

    def env_method(self, method_name: str, *args, indices=None, **kwargs) -> list[Any]:
        result = getattr(self.penv, method_name)(*args, **kwargs)
        return [result] * len(self._get_indices(indices))

    def env_is_wrapped(self, wrapper_class, indices=None) -> list[bool]:
        return [False] * len(self._get_indices(indices))


def train_shared(algo: str, config: Any, train_steps: int, seed: int = 0, n_steps: int = 64):
    """Train a parameter-shared ``PPO`` or ``A2C`` on the PettingZoo variant of ``config``;
    ``train_steps`` counts agent-steps (n_agents per slot); rewards are normalised by
    SB3's ``VecNormalize``."""
    from stable_baselines3 import A2C, PPO
    from stable_baselines3.common.vec_env import VecNormalize

    from leo_envs.envs.relay_offloading.parallel import RelayOffloadingParallelEnv

    # Rewards are in units of c_ref = 0.1 s and reach tens when on-board queues grow:
    # normalise them (observations are already in [0, 1], so the policy needs no wrapper).
    venv = VecNormalize(
        ParallelVecEnv(RelayOffloadingParallelEnv(config), seed=seed),
        norm_obs=False,
        norm_reward=True,
    )
    if algo == "ppo":
        model = PPO(
            "MlpPolicy",
            venv,
            n_steps=n_steps,
            batch_size=max(32, n_steps),
            n_epochs=4,
            seed=seed,
            verbose=0,
            device="cpu",
        )
    elif algo == "a2c":
        model = A2C("MlpPolicy", venv, n_steps=8, seed=seed, verbose=0, device="cpu")
    else:
        raise ValueError(f"algo must be 'ppo' or 'a2c', got {algo!r}")
    model.learn(total_timesteps=int(train_steps))
    return model


class _SharedLearner(EnvAwarePolicy):
    algo = "ppo"

    def __init__(self, model: Any = None, train_steps: int = 20_000, seed: int = 0) -> None:
        super().__init__()
        self.model, self.train_steps, self.train_seed = model, int(train_steps), int(seed)

    def reset(self, env: Any) -> None:
        super().reset(env)
        if self.model is None:
            self.model = train_shared(self.algo, env.config, self.train_steps, self.train_seed)

    def act(self, obs: np.ndarray, info: dict[str, Any]) -> int:
        if self.model is None:
            raise RuntimeError(f"{self.name} needs reset(env) (trains) or a model")
        flagged = np.append(np.asarray(obs, dtype=np.float32), np.float32(1.0))  # has_task
        action, _ = self.model.predict(flagged, deterministic=True)
        return int(action)


class MARL(_SharedLearner):
    """Parameter-shared PPO on the multi-agent variant (stand-in for paper 001's MARL [34])."""

    name = "marl"
    algo = "ppo"


class A3C(_SharedLearner):
    """Shared actor-critic via SB3's A2C (synchronous A3C) on the multi-agent variant."""

    name = "a3c"
    algo = "a2c"
