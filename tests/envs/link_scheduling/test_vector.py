"""The native batched env agrees exactly with single envs on the same seeds."""

import gymnasium as gym
import numpy as np
import pytest

from leo_envs.envs.link_scheduling import LinkSchedulingVectorEnv

ENV_ID = "leo_envs/LinkScheduling-v0"


@pytest.mark.parametrize("scenario", ["static", "user_churn", "bursty_demand", "channel_shock"])
@pytest.mark.parametrize("invalid_action", ["repair", "penalise"])
def test_vector_env_matches_single_envs_step_for_step(scenario, invalid_action):
    n_envs = 3
    kwargs = {
        "scenario": scenario,
        "update_interval": 20,
        "invalid_action": invalid_action,
        "n_devices": 20,
        "max_devices": 24,
    }
    venv = gym.make_vec(ENV_ID, num_envs=n_envs, vectorization_mode="vector_entry_point", **kwargs)
    assert isinstance(venv.unwrapped, LinkSchedulingVectorEnv)
    singles = [gym.make(ENV_ID, **kwargs) for _ in range(n_envs)]
    v_obs, _ = venv.reset(seed=11)
    for i, env in enumerate(singles):
        obs, _ = env.reset(seed=11 + i)
        np.testing.assert_array_equal(obs, v_obs[i])
    rng = np.random.default_rng(0)
    needs_reset = np.zeros(n_envs, dtype=bool)
    for _ in range(70):  # 7 episodes: crosses several task switches
        actions = rng.integers(0, 25, size=(n_envs, 4))  # many invalid groups on purpose
        v_obs, v_rew, v_term, v_trunc, v_info = venv.step(actions)
        for i, env in enumerate(singles):
            if needs_reset[i]:  # NEXT_STEP autoreset ignores the action
                obs, info = env.reset()
                reward, terminated = 0.0, False
            else:
                obs, reward, terminated, _, info = env.step(actions[i])
            np.testing.assert_array_equal(obs, v_obs[i])
            assert reward == v_rew[i] and terminated == v_term[i] and not v_trunc[i]
            for key in (
                "objective",
                "served_devices",
                "task_id",
                "task_switched",
                "delivered_bits",
                "action_mask",
            ):
                np.testing.assert_array_equal(info[key], v_info[key][i], err_msg=key)
        needs_reset = v_term


def test_vector_env_instance_and_seed_list():
    venv = LinkSchedulingVectorEnv(num_envs=2, n_devices=10, max_devices=10)
    obs_a, _ = venv.reset(seed=[5, 9])
    single = gym.make(ENV_ID, n_devices=10, max_devices=10)
    obs_b, _ = single.reset(seed=9)
    np.testing.assert_array_equal(obs_a[1], obs_b)
    np.testing.assert_array_equal(venv.instance(1).gain, single.unwrapped.instance().gain)


def test_vector_env_bad_input():
    with pytest.raises(ValueError, match="num_envs"):
        LinkSchedulingVectorEnv(num_envs=0)
    venv = LinkSchedulingVectorEnv(num_envs=2, n_devices=10, max_devices=10)
    with pytest.raises(RuntimeError, match="reset"):
        venv.step(np.zeros((2, 4), dtype=np.int64))
    venv.reset(seed=0)
    with pytest.raises(ValueError, match="shape"):
        venv.step(np.zeros((3, 4), dtype=np.int64))
    with pytest.raises(ValueError, match="seed list"):
        venv.reset(seed=[1, 2, 3])
    raising = LinkSchedulingVectorEnv(
        num_envs=2, n_devices=10, max_devices=10, invalid_action="raise"
    )
    raising.reset(seed=0)
    before = raising._batch.delivered.copy()
    with pytest.raises(ValueError, match="sub-env"):
        raising.step(np.array([[0, 1, 1, 0], [0, 0, 0, 0]]))
    np.testing.assert_array_equal(before, raising._batch.delivered)
