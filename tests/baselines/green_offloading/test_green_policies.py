"""Strategies of paper 003 on GreenOffloading-v0: orderings, the J_n rule, DO's set-up."""

import gymnasium as gym
import numpy as np
import pytest

import leo_envs  # noqa: F401
from baselines.green_offloading import (
    AssistedOffloading,
    DirectOffload,
    DriftPlusPenalty,
    LocalOnly,
    NoManagement,
)
from baselines.green_offloading.evaluation import hourly, run_episode, summarise
from leo_envs.harness.policy import resolve_policy

SMALL = {"n_sites": 6}


def _day(policy, seed=5, **overrides):
    env = gym.make("leo_envs/GreenOffloading-v0", **{**SMALL, **overrides})
    obs, info = env.reset(seed=seed)
    policy.reset(env.unwrapped)
    energy = bench = dropped = attempts = 0.0
    truncated = False
    while not truncated:
        obs, _, _, truncated, info = env.step(policy.act(obs, info))
        energy += info["energy_j"]
        bench += info["energy_bench_j"]
        dropped += info["dropped"]
        attempts += info["site_attempts"].sum()
    return 1.0 - energy / bench, dropped / attempts


@pytest.fixture(scope="module")
def results():
    return {p.name: _day(p) for p in (NoManagement(), LocalOnly(), AssistedOffloading())}


def test_no_management_is_the_reference(results):
    saving, drops = results["no_management"]
    assert saving == pytest.approx(0.0, abs=1e-12) and drops == 0.0


def test_lo_saves_energy_and_lo_ao_saves_at_least_as_much(results):
    lo, lo_ao = results["lo"][0], results["lo_ao"][0]
    assert 0.25 < lo < 0.65
    assert lo_ao >= lo


def test_lo_ao_drops_stay_below_ten_percent(results):
    assert results["lo"][1] < 0.01
    assert results["lo_ao"][1] < 0.10


def test_evaluation_records_match_the_env_totals():
    frame = run_episode(LocalOnly(), 5, n_sites=3, n_slots=8)
    summary = summarise(frame)
    assert len(frame) == 8 and frame["slot"].tolist() == list(range(8))
    assert summary["saving"] == pytest.approx(1 - frame.energy_j.sum() / frame.bench_j.sum())
    assert summary["sat_share"] == 0.0 and 0.79 < summary["delay_s"] < 0.81
    assert hourly(frame, "saving").shape == (2,)


def test_lo_ao_plays_lo_when_green_energy_suffices():
    env = gym.make("leo_envs/GreenOffloading-v0", **SMALL, pv_peak_w=1e5)
    obs, info = env.reset(seed=0)
    lo, lo_ao = LocalOnly(), AssistedOffloading()
    lo.reset(env.unwrapped)
    lo_ao.reset(env.unwrapped)
    for _ in range(48):  # until noon: batteries and harvest cover the expected consumption
        action = lo_ao.act(obs, info)
        if np.all(lo_ao.last_plan["j_ratio"] >= 1.0):
            np.testing.assert_array_equal(action, lo.act(obs, info))
        obs, _, _, _, info = env.step(action)
    assert np.all(lo_ao.last_plan["j_ratio"] >= 1.0)


def test_lo_ao_offloads_only_when_j_is_below_one():
    env = gym.make("leo_envs/GreenOffloading-v0", **SMALL)
    obs, info = env.reset(seed=1)
    policy = AssistedOffloading()
    policy.reset(env.unwrapped)
    offloaded = 0
    for _ in range(96):
        action = policy.act(obs, info)
        share = (action[:, 1] + 1) / 2
        assert np.all(share[policy.last_plan["j_ratio"] >= 1.0] == 0.0)
        offloaded += np.count_nonzero(share > 0)
        obs, _, _, _, info = env.step(action)
    assert offloaded > 0


def test_do_needs_its_env_and_runs_there():
    env = gym.make("leo_envs/GreenOffloading-v0", **SMALL)
    env.reset(seed=0)
    with pytest.raises(ValueError, match="sat_path"):
        DirectOffload().reset(env.unwrapped)
    saving, drops = _day(DirectOffload(), n_slots=8, **DirectOffload.env_overrides)
    assert saving > 0.5 and 0.0 < drops <= 1.0  # containers off; satellites drop the excess


def test_policies_are_registered_entry_points():
    for name, cls in [
        ("green_offloading.lo", LocalOnly),
        ("green_offloading.lo_ao", AssistedOffloading),
        ("green_offloading.do", DirectOffload),
        ("green_offloading.no_management", NoManagement),
        ("green_offloading.lyapunov", DriftPlusPenalty),
    ]:
        assert isinstance(resolve_policy(name), cls)


def test_bad_policy_arguments_are_rejected():
    with pytest.raises(ValueError, match="forecaster"):
        LocalOnly(forecaster="crystal_ball")
    with pytest.raises(ValueError, match="uplink_utilisation"):
        AssistedOffloading(uplink_utilisation=0.0)
    with pytest.raises(ValueError, match="min_coverage"):
        AssistedOffloading(min_coverage=1.5)
    with pytest.raises(ValueError, match="target_fraction"):
        DriftPlusPenalty(target_fraction=1.5)
    with pytest.raises(RuntimeError, match="reset"):
        LocalOnly().act(np.zeros(3), {})


def test_drift_plus_penalty_spends_more_energy_with_a_fuller_battery():
    env = gym.make("leo_envs/GreenOffloading-v0", **SMALL)
    obs, info = env.reset(seed=0)
    for _ in range(44):  # late morning: real load, satellites around
        obs, *_, info = env.step(_lo(env, obs, info))
    layout = env.unwrapped.layout
    policy = DriftPlusPenalty(v_j=2e4)
    policy.reset(env.unwrapped)
    chosen = {}
    for level in (0.0, 1.0):
        tweaked = obs.copy()
        parts = layout.split(tweaked)
        parts["battery"][:] = level  # a view into ``tweaked``
        policy.act(tweaked, info)
        chosen[level] = policy.last_choice["containers"].copy()
        assert np.all(np.sign(policy.last_choice["battery_queue_j"]) == (1 if level else -1))
    assert np.all(chosen[1.0] >= chosen[0.0]) and np.any(chosen[1.0] > chosen[0.0])


def _lo(env, obs, info):
    policy = LocalOnly()
    policy.reset(env.unwrapped)
    return policy.act(obs, info)


def test_drift_plus_penalty_day_saves_energy_with_few_drops():
    saving, drops = _day(DriftPlusPenalty())
    assert saving > 0.3 and drops < 0.05
