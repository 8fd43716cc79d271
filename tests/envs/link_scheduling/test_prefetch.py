"""Episodes drawn ahead in blocks are the episodes drawn one at a time."""

import gymnasium as gym
import numpy as np
import pytest

from leo_envs.envs.link_scheduling import tasks as ls_tasks
from leo_envs.envs.link_scheduling.config import LinkSchedulingConfig
from leo_envs.envs.link_scheduling.dynamics import LinkDynamics
from leo_envs.envs.link_scheduling.prefetch import EpisodePrefetcher

ENV_ID = "leo_envs/LinkScheduling-v0"


def episode_arrays(episode):
    row = episode.row()
    return {
        "levels": row.levels[0].copy(),
        "demand": row.demand[0].copy(),
        "observations": episode.observations.copy(),
        "masks": episode.masks.copy(),
        "received_w": episode.received_w.copy(),
        "weighted_demand": episode.weighted_demand,
    }


def test_block_size_never_changes_the_episodes():
    config = LinkSchedulingConfig(n_devices=12, max_devices=16, scenario="user_churn")
    dynamics = LinkDynamics(config)
    rng = np.random.default_rng(3)
    task_a = ls_tasks.initial_task(config, rng)
    task_b = ls_tasks.initial_task(config, rng)
    # task changes after 1, 5 and 2 episodes: the big prefetcher abandons blocks early
    requests = [(task_a, None)] * 1 + [(task_b, 7)] * 5 + [(task_a, None)] * 2 + [(task_b, 2)]
    one_at_a_time = EpisodePrefetcher(dynamics, np.random.SFC64(5), max_block=1)
    blocks = EpisodePrefetcher(dynamics, np.random.SFC64(5), max_block=8)
    for task, horizon in requests:
        a = episode_arrays(one_at_a_time.next_episode(task, horizon))
        b = episode_arrays(blocks.next_episode(task, horizon))
        for key in a:
            np.testing.assert_array_equal(a[key], b[key], err_msg=key)


def test_pinning_a_task_every_reset_is_reproducible_and_stays_cheap():
    env_a, env_b = (gym.make(ENV_ID, n_devices=10, max_devices=12).unwrapped for _ in range(2))
    tasks = env_a.sample_tasks(3, np.random.default_rng(0))
    env_a.reset(seed=4)
    env_b.reset(seed=4)
    for episode in range(9):
        task = tasks[episode % 3]
        obs_a, _ = env_a.reset(options={"task": task})
        obs_b, _ = env_b.reset(options={"task": task})
        np.testing.assert_array_equal(obs_a, obs_b)
        assert env_a.task is task
    # a block abandoned at every reset shrinks, so pinning does not draw 32 episodes each time
    assert env_a._episodes._block_size <= 2


@pytest.mark.parametrize("scenario", ["static", "bursty_demand"])
def test_episodes_are_independent_of_the_task_draws(scenario):
    """The fading of episode n depends only on the seed's episode stream."""
    kwargs = {"n_devices": 10, "max_devices": 12, "scenario": scenario, "update_interval": 10}
    env_a, env_b = (gym.make(ENV_ID, **kwargs).unwrapped for _ in range(2))
    env_a.reset(seed=9)
    env_b.reset(seed=9)
    levels_a, levels_b = [], []
    for _ in range(4):
        env_a.reset()
        env_b.reset(options={"task": env_b.task})  # pinned: never switches
        levels_a.append(env_a._batch.levels[0].copy())
        levels_b.append(env_b._batch.levels[0].copy())
    np.testing.assert_array_equal(np.stack(levels_a), np.stack(levels_b))
