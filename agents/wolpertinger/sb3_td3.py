"""A Wolpertinger variant of Stable-Baselines3's TD3 for LinkScheduling-v0.

SB3's TD3 needs a ``Box`` action space, so ``ProtoActionWrapper`` presents one: a score in
[0, 1] per transmitter x device (the proto-action, flattened ``[J * K]``). The wrapper
plays the nearest valid link group (``env.action_neighbors(proto, 1)``: the "simple"
mapping); a 0/1 link matrix of a valid group is its own nearest group, so it plays exactly
that group. The Wolpertinger mapping lives in the algorithm:

* acting (``_sample_action``): proto-action from the actor (+ exploration noise), the env's
  k nearest valid groups, the one critic 1 scores highest; its link matrix is the action
  sent to the wrapper and stored in the replay buffer;
* learning (``train``): the TD target uses the Wolpertinger action at s' (the best, under
  min(Q1', Q2'), of the k candidates the env returned at s', stored with the transition by
  ``CandidateReplayBuffer``) instead of TD3's smoothed target-actor action. A transition
  whose next state is unknown to the env any more (a time-out immediately followed by a
  reset) falls back to TD3's own target action; terminal transitions do not bootstrap.

``predict`` returns proto-actions (the wrapper then plays the simple mapping), because the
neighbourhood belongs to the env a prediction is made for, which ``predict`` does not see;
``predict_group(obs)`` is the Wolpertinger decision, without exploration, for an
observation of the model's own env in its current slot. Only one environment
(``DummyVecEnv`` of one ``ProtoActionWrapper``) is supported.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import torch as th
import torch.nn.functional as F
from gymnasium import spaces
from stable_baselines3 import TD3
from stable_baselines3.common.buffers import ReplayBuffer
from stable_baselines3.common.utils import polyak_update

from agents.common.layout import groups_to_links
from agents.common.neighbors import NeighborFn, env_neighbors

__all__ = ["CandidateReplayBuffer", "ProtoActionWrapper", "WolpertingerTD3"]


class ProtoActionWrapper(gym.ActionWrapper):
    """``Box([0, 1]^(J*K))`` proto-actions in, the nearest valid link group played.

    ``info["played_action"]`` is the group actually applied (after the env's own repair).
    ``neighbors`` replaces the env's ``action_neighbors`` (tests inject a stand-in).
    """

    def __init__(self, env: gym.Env, neighbors: NeighborFn | None = None) -> None:
        super().__init__(env)
        nvec = env.action_space.nvec
        self.n_tx, self.n_devices = len(nvec), int(nvec[0]) - 1
        self.neighbors = neighbors or env_neighbors
        self.action_space = spaces.Box(0.0, 1.0, (self.n_tx * self.n_devices,), np.float32)

    def action(self, proto: np.ndarray) -> np.ndarray:
        proto = np.asarray(proto, dtype=np.float64)
        if proto.shape != self.action_space.shape or not np.all(np.isfinite(proto)):
            raise ValueError(
                f"proto-action must be a finite array of shape {self.action_space.shape}, "
                f"got shape {proto.shape}"
            )
        groups, _ = self.neighbors(self.env, proto.reshape(self.n_tx, self.n_devices), 1)
        return groups[0]


class CandidateReplayBuffer(ReplayBuffer):
    """SB3's replay buffer plus the k candidate groups at s' of every transition."""

    def __init__(self, *args: Any, k: int = 10, n_tx: int = 4, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.n_envs != 1:
            raise ValueError(f"WolpertingerTD3 supports one environment, got n_envs={self.n_envs}")
        self.next_candidates = np.zeros((self.buffer_size, k, n_tx), dtype=np.int64)
        self.next_valid = np.zeros((self.buffer_size, k), dtype=bool)
        self.last_indices = np.zeros(0, dtype=np.int64)

    def add(self, *args: Any, **kwargs: Any) -> None:
        self.next_valid[self.pos] = False
        super().add(*args, **kwargs)

    def set_next_candidates(self, groups: np.ndarray) -> None:
        """Attach the candidates at the current state to the last transition, unless it
        ended an episode (then the current state belongs to the next episode)."""
        if self.pos == 0 and not self.full:
            return
        last = (self.pos - 1) % self.buffer_size
        if self.dones[last, 0]:
            return
        self.next_candidates[last, : len(groups)] = groups
        self.next_valid[last] = False
        self.next_valid[last, : len(groups)] = True

    def _get_samples(self, batch_inds: np.ndarray, env: Any = None):
        self.last_indices = batch_inds
        return super()._get_samples(batch_inds, env)


class WolpertingerTD3(TD3):
    """TD3 with the Wolpertinger mapping over the env's valid link groups (module docstring).

    Extra arguments: ``k`` neighbours per decision and ``neighbors`` (default: the env's
    ``action_neighbors``). ``env`` must be a ``ProtoActionWrapper`` (or a one-env VecEnv of
    one).
    """

    def __init__(
        self, policy: Any, env: Any, k: int = 10, neighbors: NeighborFn | None = None, **kwargs: Any
    ) -> None:
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise ValueError(f"k must be an integer >= 1, got {k!r}")
        self.k = k
        probe = env if isinstance(env, gym.Env) else env.envs[0]
        wrapper = _find_wrapper(probe)
        self.neighbors = neighbors or wrapper.neighbors
        kwargs.setdefault("replay_buffer_class", CandidateReplayBuffer)
        kwargs.setdefault("replay_buffer_kwargs", {"k": k, "n_tx": wrapper.n_tx})
        super().__init__(policy, env, **kwargs)
        self._n_tx, self._n_devices = wrapper.n_tx, wrapper.n_devices

    # ------------------------------------------------------------------ acting
    def _base_env(self) -> gym.Env:
        return self.env.envs[0].unwrapped

    def _links_scaled(self, groups: np.ndarray) -> np.ndarray:
        """Link matrices of ``groups [..., J]`` flattened to ``[..., J*K]`` in [-1, 1]."""
        links = groups_to_links(groups, self._n_devices)
        return 2.0 * links.reshape(*links.shape[:-2], -1) - 1.0

    def _sample_action(self, learning_starts: int, action_noise: Any = None, n_envs: int = 1):
        _, proto_scaled = super()._sample_action(learning_starts, action_noise, n_envs)
        proto = self.policy.unscale_action(proto_scaled)[0]
        groups, best = self._wolpertinger(self._last_obs, proto)
        self.replay_buffer.set_next_candidates(groups)
        buffer_action = self._links_scaled(best[None])
        return self.policy.unscale_action(buffer_action), buffer_action

    def predict_group(self, observation: np.ndarray) -> np.ndarray:
        """The Wolpertinger decision for one observation of the model's env in its current
        slot, without exploration: the actor's proto-action, the env's k nearest valid
        groups, the one critic 1 scores highest (a group ``[J]`` in action encoding)."""
        proto, _ = self.predict(observation, deterministic=True)
        return self._wolpertinger(observation, proto)[1].copy()

    def _wolpertinger(self, observation: Any, proto: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(the env's k nearest valid groups to ``proto`` [J*K] in [0, 1], the one critic 1
        scores highest at ``observation``), scored in one batched forward pass."""
        groups, _ = self.neighbors(self._base_env(), proto.reshape(self._n_tx, -1), self.k)
        groups = np.asarray(groups[: self.k], dtype=np.int64)
        if len(groups) == 1:
            return groups, groups[0]
        with th.inference_mode():
            obs = self.policy.obs_to_tensor(observation)[0]
            cands = th.as_tensor(self._links_scaled(groups), dtype=th.float32)
            q = self.critic.q1_forward(obs.expand(len(groups), -1), cands)[:, 0]
        return groups, groups[int(th.argmax(q))]

    # ------------------------------------------------------------------ learning
    def train(self, gradient_steps: int, batch_size: int = 100) -> None:
        self.policy.set_training_mode(True)
        self._update_learning_rate([self.actor.optimizer, self.critic.optimizer])
        buffer: CandidateReplayBuffer = self.replay_buffer
        actor_losses, critic_losses = [], []
        for _ in range(gradient_steps):
            self._n_updates += 1
            data = buffer.sample(batch_size, env=self._vec_normalize_env)
            idx = buffer.last_indices
            with th.no_grad():
                # Wolpertinger action at s': the best stored candidate under min(Q1', Q2').
                valid = th.as_tensor(buffer.next_valid[idx])  # [B, k]
                cands = th.as_tensor(
                    self._links_scaled(buffer.next_candidates[idx]), dtype=th.float32
                )  # [B, k, J*K]
                b, k = valid.shape
                next_obs = data.next_observations.unsqueeze(1).expand(b, k, -1).reshape(b * k, -1)
                q1, q2 = self.critic_target(next_obs, cands.reshape(b * k, -1))
                cand_q = th.min(q1, q2).reshape(b, k).masked_fill(~valid, -1e9).max(1).values
                # Fallback (next state unknown to the env): TD3's smoothed target action.
                noise = data.actions.clone().data.normal_(0, self.target_policy_noise)
                noise = noise.clamp(-self.target_noise_clip, self.target_noise_clip)
                fallback = (self.actor_target(data.next_observations) + noise).clamp(-1, 1)
                fb_q = th.min(*self.critic_target(data.next_observations, fallback))[:, 0]
                next_q = th.where(valid.any(1), cand_q, fb_q).unsqueeze(1)
                target_q = data.rewards + (1 - data.dones) * self.gamma * next_q

            current_q = self.critic(data.observations, data.actions)
            critic_loss = sum(F.mse_loss(q, target_q) for q in current_q)
            critic_losses.append(critic_loss.item())
            self.critic.optimizer.zero_grad()
            critic_loss.backward()
            self.critic.optimizer.step()

            if self._n_updates % self.policy_delay == 0:  # delayed actor update (TD3)
                actor_loss = -self.critic.q1_forward(
                    data.observations, self.actor(data.observations)
                ).mean()
                actor_losses.append(actor_loss.item())
                self.actor.optimizer.zero_grad()
                actor_loss.backward()
                self.actor.optimizer.step()
                polyak_update(self.critic.parameters(), self.critic_target.parameters(), self.tau)
                polyak_update(self.actor.parameters(), self.actor_target.parameters(), self.tau)

        self.logger.record("train/n_updates", self._n_updates, exclude="tensorboard")
        if actor_losses:
            self.logger.record("train/actor_loss", float(np.mean(actor_losses)))
        self.logger.record("train/critic_loss", float(np.mean(critic_losses)))
        self.last_critic_losses = critic_losses


def _find_wrapper(env: gym.Env) -> ProtoActionWrapper:
    while isinstance(env, gym.Wrapper):
        if isinstance(env, ProtoActionWrapper):
            return env
        env = env.env
    raise TypeError("WolpertingerTD3 needs an env wrapped in ProtoActionWrapper")
