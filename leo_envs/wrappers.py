"""Generic Gymnasium wrappers.

``TransitionHistory`` appends the last N (action, reward, done) triples to the observation,
as RL² (Duan et al. 2016) and Meta-World's ``RNNBasedMetaRLWrapper`` do: a memory-less
learner (an SB3 MLP, a meta critic's task encoder) can then tell tasks apart from how the
environment has responded lately. ``HistoryBuffer`` is the same history without the wrapper,
for agents that keep it themselves (the harness hands them raw observations).
"""

from __future__ import annotations

from typing import Any, SupportsFloat

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from numpy.typing import NDArray

__all__ = ["ACTION_ENCODINGS", "HistoryBuffer", "TransitionHistory", "action_features"]

ACTION_ENCODINGS = ("onehot", "scaled")


def _check_action_space(space: spaces.Space, encoding: str) -> None:
    if encoding not in ACTION_ENCODINGS:
        raise ValueError(f"action_encoding must be one of {ACTION_ENCODINGS}, got {encoding!r}")
    if not isinstance(space, spaces.Discrete | spaces.MultiDiscrete | spaces.Box):
        raise TypeError(
            "TransitionHistory supports Discrete, MultiDiscrete and Box action spaces, "
            f"got {type(space).__name__}"
        )
    if isinstance(space, spaces.Box) and not (
        np.all(np.isfinite(space.low)) and np.all(np.isfinite(space.high))
    ):
        raise ValueError("TransitionHistory needs a Box action space with finite bounds")


def action_features(space: spaces.Space, encoding: str = "onehot") -> int:
    """Number of floats one action takes in the history for ``space`` and ``encoding``.

    ``"onehot"``: Discrete(n) -> n, MultiDiscrete(nvec) -> sum(nvec), Box -> its size.
    ``"scaled"``: Discrete -> 1, MultiDiscrete -> len(nvec), Box -> its size; every
    value mapped to [0, 1] (integer a in [start, start + n) becomes (a - start) / (n - 1)).
    """
    _check_action_space(space, encoding)
    if isinstance(space, spaces.Box):
        return int(np.prod(space.shape))
    if isinstance(space, spaces.Discrete):
        return int(space.n) if encoding == "onehot" else 1
    nvec = np.asarray(space.nvec).ravel()
    return int(nvec.sum()) if encoding == "onehot" else int(nvec.size)


class HistoryBuffer:
    """The last ``n`` (action, reward, done) steps as one flat float32 vector, oldest first.

    Each step takes ``action_features(space, encoding) + 2`` floats: the encoded action
    (Box actions rescaled to [0, 1] per dimension), the reward times ``reward_scale``
    (then clipped to ``reward_clip`` when given) and the done flag. Slots not yet filled
    are zeros, so an empty history reads as all zeros.
    """

    def __init__(
        self,
        action_space: spaces.Space,
        n: int,
        encoding: str = "onehot",
        reward_scale: float = 1.0,
        reward_clip: tuple[float, float] | None = None,
    ) -> None:
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
            raise ValueError(f"n (history length) must be an integer >= 1, got {n!r}")
        if not np.isfinite(reward_scale):
            raise ValueError(f"reward_scale must be finite, got {reward_scale!r}")
        self.action_space = action_space
        self.encoding = encoding
        self.n = int(n)
        self.reward_scale = float(reward_scale)
        self.reward_clip = reward_clip
        self.step_size = action_features(action_space, encoding) + 2
        self._data = np.zeros((self.n, self.step_size), dtype=np.float32)

    @property
    def size(self) -> int:
        """Length of ``vector()``."""
        return self.n * self.step_size

    def clear(self) -> None:
        self._data[:] = 0.0

    def encode_action(self, action: Any) -> NDArray[np.float32]:
        space = self.action_space
        if not space.contains(np.asarray(action, dtype=space.dtype)):
            raise ValueError(f"action {action!r} is not in the action space {space}")
        if isinstance(space, spaces.Box):
            low, high = space.low.astype(np.float64), space.high.astype(np.float64)
            span = np.where(high > low, high - low, 1.0)
            return ((np.asarray(action, np.float64) - low) / span).ravel().astype(np.float32)
        if isinstance(space, spaces.Discrete):
            nvec, start = np.array([space.n]), np.array([space.start])
        else:
            nvec, start = np.asarray(space.nvec).ravel(), np.asarray(space.start).ravel()
        index = np.asarray(action, dtype=np.int64).ravel() - start
        if self.encoding == "scaled":
            return (index / np.maximum(nvec - 1, 1)).astype(np.float32)
        out = np.zeros(int(nvec.sum()), dtype=np.float32)
        out[np.concatenate([[0], np.cumsum(nvec)[:-1]]) + index] = 1.0
        return out

    def push(self, action: Any, reward: SupportsFloat, done: bool) -> None:
        """Append one step; the oldest step drops out."""
        row = np.empty(self.step_size, dtype=np.float32)
        row[:-2] = self.encode_action(action)
        value = float(reward) * self.reward_scale
        if self.reward_clip is not None:
            value = min(max(value, self.reward_clip[0]), self.reward_clip[1])
        row[-2] = value
        row[-1] = float(bool(done))
        self._data[:-1] = self._data[1:]
        self._data[-1] = row

    def vector(self) -> NDArray[np.float32]:
        """A fresh copy of the history, flat, oldest step first."""
        return self._data.ravel().copy()

    def get_state(self) -> NDArray[np.float32]:
        return self._data.copy()

    def set_state(self, data: NDArray[np.float32]) -> None:
        data = np.asarray(data, dtype=np.float32)
        if data.shape != self._data.shape:
            raise ValueError(f"history state must have shape {self._data.shape}, got {data.shape}")
        self._data[:] = data


class TransitionHistory(gym.ObservationWrapper, gym.utils.RecordConstructorArgs):
    """Appends the last ``n`` (action, reward, done) steps to a flat ``Box`` observation.

    The observation becomes ``Box`` of ``obs_size + n * (action_features + 2)`` float32
    values: the original (flattened) observation followed by ``HistoryBuffer.vector()``.
    ``reset`` clears the history (a new trial starts with zeros). Discrete and
    MultiDiscrete actions are one-hot encoded by default (``action_encoding="scaled"``
    keeps one number per dimension instead: compact for large MultiDiscrete spaces).
    The history records ``reward * reward_scale`` clipped to ``reward_bounds`` (given in
    reward units) so that the observation space stays bounded.

    Works with Stable-Baselines3 (Box observations) and passes Gymnasium's ``check_env``.
    """

    def __init__(
        self,
        env: gym.Env,
        n: int = 8,
        action_encoding: str = "onehot",
        reward_bounds: tuple[float, float] = (-10.0, 10.0),
        reward_scale: float = 1.0,
    ) -> None:
        gym.utils.RecordConstructorArgs.__init__(
            self,
            n=n,
            action_encoding=action_encoding,
            reward_bounds=reward_bounds,
            reward_scale=reward_scale,
        )
        gym.ObservationWrapper.__init__(self, env)
        obs_space = env.observation_space
        if not isinstance(obs_space, spaces.Box):
            raise TypeError(
                f"TransitionHistory needs a Box observation space, got {type(obs_space).__name__}"
            )
        low_r, high_r = (float(b) for b in reward_bounds)
        if not (np.isfinite(low_r) and np.isfinite(high_r) and low_r < high_r):
            raise ValueError(
                f"reward_bounds must be finite (low, high), low < high; got {reward_bounds!r}"
            )
        if not np.isfinite(reward_scale) or reward_scale <= 0:
            raise ValueError(f"reward_scale must be a finite number > 0, got {reward_scale!r}")
        clip = (low_r * reward_scale, high_r * reward_scale)
        self.history = HistoryBuffer(env.action_space, n, action_encoding, reward_scale, clip)
        step_low = np.zeros(self.history.step_size, dtype=np.float32)
        step_high = np.ones(self.history.step_size, dtype=np.float32)
        step_low[-2], step_high[-2] = clip
        self.observation_space = spaces.Box(
            np.concatenate([obs_space.low.ravel(), np.tile(step_low, n)]).astype(np.float32),
            np.concatenate([obs_space.high.ravel(), np.tile(step_high, n)]).astype(np.float32),
            dtype=np.float32,
        )

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[NDArray[np.float32], dict[str, Any]]:
        self.history.clear()
        return super().reset(seed=seed, options=options)

    def step(self, action: Any) -> tuple[NDArray[np.float32], SupportsFloat, bool, bool, dict]:
        obs, reward, terminated, truncated, info = self.env.step(action)
        self.history.push(action, reward, terminated or truncated)
        return self.observation(obs), reward, terminated, truncated, info

    def observation(self, observation: Any) -> NDArray[np.float32]:
        flat = np.asarray(observation, dtype=np.float32).ravel()
        return np.concatenate([flat, self.history.vector()])
