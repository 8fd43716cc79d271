"""Non-stationary scenarios: tasks switch every update_interval slots, as in Sec. V-A."""

import itertools

import gymnasium as gym
import numpy as np
import pytest

ENV_ID = "leo_envs/LinkScheduling-v0"


def task_sequence(scenario, n_episodes=12, **kwargs):
    env = gym.make(ENV_ID, scenario=scenario, update_interval=20, **kwargs)
    tasks, switched = [], []
    for episode in range(n_episodes):
        _, info = env.reset(seed=0) if episode == 0 else env.reset()
        tasks.append(env.unwrapped.task)
        switched.append(info["task_switched"])
        assert info["task_id"] == tasks[-1].task_id
        assert info["seq_idx"] == sum(switched)
    return tasks, switched


def test_static_never_switches():
    tasks, switched = task_sequence("static")
    assert len({id(t) for t in tasks}) == 1 and not any(switched)


def test_switch_every_update_interval_slots():
    tasks, switched = task_sequence("user_churn")
    # update_interval=20 slots = 2 episodes of 10 slots
    assert switched == [False, False] + [True, False] * 5
    ids = [t.task_id for t in tasks]
    assert ids[::2] == ids[1::2] and len(set(ids)) == 6


def test_user_churn_moves_the_population_by_15_to_30_within_range():
    tasks, _ = task_sequence("user_churn", n_episodes=16, n_devices=60, max_devices=100)
    counts = [t.n_present for t in tasks[::2]]
    jumps = np.abs(np.diff(counts))
    assert np.all((jumps >= 1) & (jumps <= 30))
    assert min(counts) >= 50 and max(counts) <= 100


def test_bursty_demand_switches_the_demand_regime():
    tasks, _ = task_sequence("bursty_demand")
    scales = [t.demand_mbit_low / 5.0 for t in tasks[::2]]
    assert all(np.isclose(s, [0.1, 1.0, 10.0]).any() for s in scales)
    assert all(a != pytest.approx(b) for a, b in itertools.pairwise(scales))


def test_channel_shock_alternates_shock_and_recovery():
    tasks, _ = task_sequence("channel_shock")
    in_shock = [bool(t.blockage_db.any()) for t in tasks[::2]]
    assert in_shock == [False, True, False, True, False, True]
    shocked, clear = tasks[2], tasks[0]
    assert shocked.rain_attenuation_db_per_km >= 0.5
    # blockage only lowers the terrestrial gains of the same device layout
    np.testing.assert_array_equal(shocked.positions_m, clear.positions_m)
    assert np.all(shocked.large_scale_gain[:, 1:] <= clear.large_scale_gain[:, 1:])
    assert np.any(shocked.large_scale_gain[:, 1:] < clear.large_scale_gain[:, 1:])
