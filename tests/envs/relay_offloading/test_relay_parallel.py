"""The PettingZoo variant of RelayOffloading: PettingZoo's API and seed tests, and that it
runs the same core (the same episode draws and the Alg. 4 mask)."""

import numpy as np
import pytest

pytest.importorskip("pettingzoo")  # the `marl` extra (included in `dev`)
from pettingzoo.test import parallel_api_test, parallel_seed_test

from leo_envs.envs.relay_offloading import parallel_env
from leo_envs.envs.relay_offloading.config import TEST_KWARGS


def make(**kw):
    return parallel_env(**{**TEST_KWARGS, "episode_s": 20.0, **kw})


def test_parallel_api():
    parallel_api_test(make(scenario="heavy"), num_cycles=1000)


def test_parallel_seed():
    parallel_seed_test(lambda: make(scenario="heavy"))


def test_decisions_follow_mask_and_episode_accounts_every_task():
    env = make(scenario="heavy", action_mode="route")
    obs, infos = env.reset(seed=2)
    assert env.observation_space("sat_0") is env.observation_space("sat_1")
    rng = np.random.default_rng(0)
    decided = 0
    while env.agents:
        actions = {}
        for agent in env.agents:
            mask = infos[agent]["action_mask"]
            assert bool(obs[agent][-1]) == infos[agent]["has_task"]
            if not infos[agent]["has_task"]:
                assert mask.tolist() == [1] + [0] * (mask.size - 1)
            actions[agent] = int(rng.choice(np.flatnonzero(mask)))
        decided += sum(infos[a]["has_task"] for a in env.agents)
        obs, _, _, _, infos = env.step(actions)
    summary = next(iter(infos.values()))["episode"]
    assert summary["n_tasks"] == env.sim.data.n_tasks  # decided + flushed at the end
    assert decided <= summary["n_tasks"] and decided > 0


def test_state_is_concatenated_observations():
    env = make()
    obs, _ = env.reset(seed=0)
    state = env.state()
    np.testing.assert_array_equal(state, np.concatenate([obs[a] for a in env.possible_agents]))


@pytest.mark.parametrize("mode", ["ansi", "rgb_array"])
def test_parallel_render(mode):
    env = make(render_mode=mode)
    env.reset(seed=0)
    frame = env.render()
    if mode == "ansi":
        assert "edge load" in frame
    else:
        assert frame.dtype == np.uint8 and frame.ndim == 3 and frame.std() > 0
