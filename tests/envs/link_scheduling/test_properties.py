"""Property tests: any action under extreme channels keeps the env finite and consistent."""

import gymnasium as gym
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leo_envs.envs.link_scheduling.groups import IDLE, repair_group

ENV_ID = "leo_envs/LinkScheduling-v0"

extreme_configs = st.fixed_dictionaries(
    {
        "n_devices": st.integers(1, 12),
        "rain_attenuation_db_per_km": st.sampled_from([0.0, 0.05, 5.0, 10.0]),
        "leo_antenna_gain_dbi": st.sampled_from([-20.0, 46.0, 80.0]),
        "bs_antenna_gain_dbi": st.sampled_from([-20.0, 12.0, 80.0]),
        "path_loss_exponent": st.sampled_from([2.0, 3.5, 6.0]),
        "sinr_threshold_db": st.sampled_from([-30.0, 0.0, 30.0]),
        "demand_mbit_low": st.sampled_from([0.001, 5.0]),
        "scenario": st.sampled_from(["static", "channel_shock", "bursty_demand"]),
        "invalid_action": st.sampled_from(["repair", "penalise"]),
    }
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(config=extreme_configs, seed=st.integers(0, 2**16), data=st.data())
def test_any_action_keeps_env_finite_bounded_and_within_link_capacity(config, seed, data):
    env = gym.make(
        ENV_ID,
        max_devices=12,
        update_interval=10,
        demand_mbit_high=config["demand_mbit_low"] * 4,
        **config,
    )
    obs, info = env.reset(seed=seed)
    unwrapped = env.unwrapped
    penalty = unwrapped.config.invalid_action_penalty
    for _episode in range(2):
        instance = unwrapped.instance()
        delivered = np.zeros(instance.n_devices)
        terminated = False
        while not terminated:
            action = np.array(data.draw(st.lists(st.integers(0, 12), min_size=4, max_size=4)))
            obs, reward, terminated, _truncated, info = env.step(action)
            assert env.observation_space.contains(obs)
            assert np.all(np.isfinite(obs))
            assert -penalty - 1e-12 <= reward <= 2.0 + 1e-12
            assert 0.0 <= info["objective"] <= 2.0 + 1e-12
            # delivered bits never exceed what the played links could carry (eq. 15)
            group = np.array(unwrapped._last_groups)
            t = info["slot"] - 1
            # the env plays the reference repair of the link-group API
            np.testing.assert_array_equal(group, repair_group(instance, t, action))
            s = instance.active_set_index(group)
            capacity = sum(
                instance.rate_bits[t, s, j, group[j] - 1] for j in range(4) if group[j] > IDLE
            )
            assert info["delivered_bits"] <= capacity * (1 + 1e-9) + 1e-6
            new_delivered = unwrapped.delivered_bits
            assert np.all(new_delivered >= delivered)
            assert np.all(new_delivered <= instance.demand_bits + 1e-6)
            delivered = new_delivered
        obs, info = env.reset()
