"""TransitionHistory: RL²-style (action, reward, done) history appended to the observation."""

import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from stable_baselines3 import PPO
from stable_baselines3.common.env_checker import check_env as sb3_check_env

from leo_envs.wrappers import HistoryBuffer, TransitionHistory, action_features

SMALL = {"n_devices": 4, "max_devices": 4}


def test_cartpole_history_holds_the_last_steps_in_order_and_reset_clears_it():
    env = TransitionHistory(gym.make("CartPole-v1"), n=3)
    obs, _ = env.reset(seed=0)
    assert obs.shape == (4 + 3 * 4,)
    assert np.all(obs[4:] == 0)
    actions = [1, 0, 1, 1]
    for a in actions:
        obs, *_ = env.step(a)
    hist = obs[4:].reshape(3, 4)  # one-hot action (2), reward, done
    np.testing.assert_array_equal(hist[:, :2], np.eye(2)[actions[1:]])
    np.testing.assert_array_equal(hist[:, 2], [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(hist[:, 3], [0.0, 0.0, 0.0])
    assert env.observation_space.contains(obs)
    obs, _ = env.reset()
    assert np.all(obs[4:] == 0)


def test_done_flag_and_reward_clip_recorded():
    env = TransitionHistory(gym.make("CartPole-v1"), n=2, reward_bounds=(-0.5, 0.5))
    env.reset(seed=1)
    terminated = truncated = False
    while not (terminated or truncated):
        obs, _, terminated, truncated, _ = env.step(0)
    last = obs[4:].reshape(2, 4)[-1]
    assert last[3] == 1.0 and last[2] == pytest.approx(0.5)  # reward 1 clipped to 0.5


def test_multidiscrete_scaled_encoding_on_link_scheduling():
    base = gym.make("leo_envs/LinkScheduling-v0", **SMALL)
    env = TransitionHistory(base, n=2, action_encoding="scaled")
    obs, _ = env.reset(seed=0)
    step = action_features(base.action_space, "scaled") + 2
    assert step == 6 and obs.shape == (base.observation_space.shape[0] + 2 * step,)
    action = np.array([0, 1, 4, 2])
    obs, reward, *_ = env.step(action)
    np.testing.assert_allclose(obs[-step:], [0.0, 0.25, 1.0, 0.5, reward, 0.0], rtol=1e-6)


def test_gymnasium_and_sb3_checkers_accept_the_wrapped_env():
    env = TransitionHistory(gym.make("leo_envs/LinkScheduling-v0", **SMALL), n=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # the checker always notes that a wrapped env is not its unwrapped self: expected
        warnings.filterwarnings("ignore", message=".*different from the unwrapped version")
        check_env(env, skip_render_check=True)
        sb3_check_env(env, warn=True)


def test_ppo_trains_on_the_wrapped_env():
    env = TransitionHistory(gym.make("CartPole-v1"), n=4)
    model = PPO(
        "MlpPolicy",
        env,
        n_steps=64,
        batch_size=32,
        n_epochs=1,
        seed=0,
        policy_kwargs={"net_arch": [16]},
    )
    model.learn(128)
    obs, _ = env.reset(seed=0)
    action, _ = model.predict(obs)
    assert env.action_space.contains(action)


def test_bad_arguments_are_rejected_by_name():
    env = gym.make("CartPole-v1")
    with pytest.raises(ValueError, match="n"):
        TransitionHistory(env, n=0)
    with pytest.raises(ValueError, match="action_encoding"):
        TransitionHistory(env, action_encoding="binary")
    with pytest.raises(ValueError, match="reward_bounds"):
        TransitionHistory(env, reward_bounds=(1.0, -1.0))
    with pytest.raises(TypeError, match="Box observation"):
        TransitionHistory(gym.make("FrozenLake-v1"))
    buf = HistoryBuffer(env.action_space, 2)
    with pytest.raises(ValueError, match="action"):
        buf.push(5, 0.0, False)
    assert np.all(buf.vector() == 0)  # state unchanged
