"""GreenOffloading-v0 with ``sat_selection="agent"`` (issue 13): the agent picks the
serving satellite through a 4th action column; the paper's queue rule stays the default."""

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import leo_envs  # noqa: F401
from leo_envs.envs.green_offloading.env import shares_to_action

AGENT = {"n_sites": 3, "n_slots": 6, "sat_selection": "agent"}


def _expected_serving(sky, rows, threshold, choice):
    """Independent numpy replay of the documented rule: rank the satellites with SNR >=
    threshold by SNR (best first, ties by column), pick rank min(floor(x m), m - 1)."""
    sat, snr = sky.sat[rows], sky.snr_db[rows]  # [S, N, K]
    out = np.full(sat.shape[:2], -1, dtype=np.int64)
    for s in range(sat.shape[0]):
        for n in range(sat.shape[1]):
            cols = [
                k for k in range(sat.shape[2]) if sat[s, n, k] >= 0 and snr[s, n, k] >= threshold
            ]
            if not cols:
                continue
            ranked = sorted(cols, key=lambda k: (-snr[s, n, k], k))
            m = len(ranked)
            out[s, n] = sat[s, n, ranked[min(int(choice[n] * m), m - 1)]]
    return out


def test_default_keeps_the_three_column_action_and_agent_mode_adds_a_fourth():
    assert gym.make("leo_envs/GreenOffloading-v0", n_sites=3).action_space.shape == (3, 3)
    assert gym.make("leo_envs/GreenOffloading-v0", **AGENT).action_space.shape == (3, 4)


@pytest.mark.parametrize("choice", [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [0.0, 0.5, 0.99]])
def test_the_agents_choice_is_the_serving_satellite(choice):
    env = gym.make("leo_envs/GreenOffloading-v0", **AGENT)
    env.reset(seed=2)
    cfg, sky = env.unwrapped.config, env.unwrapped.instance().sky
    s = cfg.substeps_per_slot
    shares = np.column_stack([np.ones(3), np.full(3, 0.5), np.full(3, 0.5), choice])
    seen_any = False
    for t in range(cfg.n_slots):
        _, _, _, _, info = env.step(shares_to_action(shares))
        expected = _expected_serving(sky, slice(t * s, (t + 1) * s), cfg.snr_threshold_db, choice)
        np.testing.assert_array_equal(info["site_serving_sats"], expected)
        np.testing.assert_array_equal(info["played_action"], shares.astype(np.float32))
        seen_any |= bool((expected >= 0).any())
    assert seen_any  # the scenario does have eligible satellites to choose from


def test_strongest_and_weakest_choices_differ_where_several_are_eligible():
    served = {}
    for x in (0.0, 1.0):
        env = gym.make("leo_envs/GreenOffloading-v0", **AGENT)
        env.reset(seed=2)
        shares = np.tile([1.0, 0.5, 0.5, x], (3, 1))
        served[x] = env.step(shares_to_action(shares))[4]["site_serving_sats"]
    assert (served[0.0] != served[1.0]).any()


def test_a_three_column_action_is_rejected_in_agent_mode_with_state_unchanged():
    env = gym.make("leo_envs/GreenOffloading-v0", **AGENT)
    env.reset(seed=0)
    battery = env.unwrapped._episode.state.battery_j.copy()
    with pytest.raises(ValueError, match=r"shape \(3, 4\)"):
        env.step(np.zeros((3, 3), dtype=np.float32))
    assert env.unwrapped._episode.t == 0
    np.testing.assert_array_equal(env.unwrapped._episode.state.battery_j, battery)


def test_agent_mode_passes_gymnasiums_env_checker():
    check_env(gym.make("leo_envs/GreenOffloading-v0", **AGENT).unwrapped, skip_render_check=True)
