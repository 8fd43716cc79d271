"""GreenOffloadingVectorEnv: M sub-envs in lockstep behave exactly like M single envs."""

import gymnasium as gym
import numpy as np
import pytest

import leo_envs  # noqa: F401
from leo_envs.envs.green_offloading.tasks import GreenOffloadingTask

ENV_ID = "leo_envs/GreenOffloading-v0"
SMALL = {"n_sites": 4, "n_slots": 5, "scenario": "daily_weather", "update_interval": 5}


def _vec(num_envs, **kwargs):
    return gym.make_vec(
        ENV_ID, num_envs=num_envs, vectorization_mode="vector_entry_point", **{**SMALL, **kwargs}
    )


def _assert_info_equal(batch, i, single):
    assert set(batch) == set(single), set(batch) ^ set(single)
    for key, value in single.items():
        np.testing.assert_array_equal(np.asarray(batch[key][i]), np.asarray(value), key)


@pytest.mark.parametrize("kwargs", [{}, {"sat_selection": "agent"}])
def test_trajectories_equal_single_envs_across_autoresets(kwargs):
    m = 3
    vec = _vec(m, **kwargs)
    singles = [gym.make(ENV_ID, **{**SMALL, **kwargs}) for _ in range(m)]
    obs, infos = vec.reset(seed=21)
    for i, env in enumerate(singles):
        s_obs, s_info = env.reset(seed=21 + i)
        np.testing.assert_array_equal(obs[i], s_obs)
        _assert_info_equal(infos, i, s_info)
    vec.action_space.seed(4)
    episodes = 0
    for _ in range(3 * (SMALL["n_slots"] + 1)):
        actions = vec.action_space.sample()
        obs, rewards, terminated, truncated, infos = vec.step(actions)
        if infos["elapsed_s"][0] == 0.0:  # the autoreset step: every sub-env reset
            episodes += 1
            for i, env in enumerate(singles):
                s_obs, s_info = env.reset()
                np.testing.assert_array_equal(obs[i], s_obs)
                _assert_info_equal(infos, i, s_info)
            assert not rewards.any() and not truncated.any()
            continue
        for i, env in enumerate(singles):
            s_obs, s_reward, s_term, s_trunc, s_info = env.step(actions[i])
            np.testing.assert_array_equal(obs[i], s_obs)
            assert rewards[i] == s_reward
            assert (terminated[i], truncated[i]) == (s_term, s_trunc)
            _assert_info_equal(infos, i, s_info)
    assert episodes == 3
    # new days were drawn at the task switches, independently per sub-env
    assert len({str(t) for t in infos["task_id"]}) > 1


def test_a_bad_action_in_one_sub_env_changes_no_sub_env():
    vec = _vec(3)
    vec.reset(seed=1)
    envs = vec.unwrapped.envs
    batteries = [env._episode.state.battery_j.copy() for env in envs]
    actions = np.zeros(vec.action_space.shape, dtype=np.float32)
    actions[2, 1, 0] = np.nan
    with pytest.raises(ValueError, match="finite"):
        vec.step(actions)
    actions[2, 1, 0] = 1.5
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        vec.step(actions)
    with pytest.raises(ValueError, match="shape"):
        vec.step(actions[:2])
    for env, battery in zip(envs, batteries, strict=True):
        assert env._episode.t == 0
        np.testing.assert_array_equal(env._episode.state.battery_j, battery)


def test_reset_options_pin_a_task_per_sub_env_or_one_for_all():
    vec = _vec(2)
    a = GreenOffloadingTask(day_of_year=10)
    b = GreenOffloadingTask(day_of_year=200, site="hlane")
    _, infos = vec.reset(seed=0, options={"task": [a, b]})
    assert infos["task_id"].tolist() == [a.task_id, b.task_id]
    _, infos = vec.reset(options={"task": b})
    assert infos["task_id"].tolist() == [b.task_id, b.task_id]
    with pytest.raises(ValueError, match="2 entries"):
        vec.reset(options={"task": [a]})
    with pytest.raises(ValueError, match="seed list"):
        vec.reset(seed=[1, 2, 3])


def test_num_envs_must_be_a_positive_integer():
    from leo_envs.envs.green_offloading.vector_env import GreenOffloadingVectorEnv

    for bad in (0, -1, 2.0, True):  # wrong types are TypeErrors, as in every config check
        with pytest.raises((TypeError, ValueError), match="num_envs"):
            GreenOffloadingVectorEnv(num_envs=bad, **SMALL)
    with pytest.raises(RuntimeError, match="reset"):
        GreenOffloadingVectorEnv(num_envs=1, **SMALL).step(np.zeros((1, 4, 3), np.float32))
