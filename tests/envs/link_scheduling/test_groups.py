"""The one link-group and objective API (``link_scheduling.groups``) against the env's own
batched and scalar paths."""

from __future__ import annotations

import itertools

import gymnasium as gym
import numpy as np
import pytest

import leo_envs  # noqa: F401  (registers the env)
from leo_envs.envs.link_scheduling.groups import (
    IDLE,
    Objective,
    apply_group,
    group_violations,
    instance_objective_terms,
    is_valid_group,
    objective_from_totals,
    repair_group,
    replay,
    valid_groups,
)

ENV_ID = "leo_envs/LinkScheduling-v0"


def random_groups(rng: np.random.Generator, n: int, k: int) -> np.ndarray:
    """Groups with many duplicates and ineligible links: receivers drawn from few devices."""
    return rng.integers(0, min(k, 4) + 1, size=(n, 4)) * (rng.random((n, 4)) < 0.8)


@pytest.mark.parametrize("k", [3, 12])
def test_single_env_plays_the_reference_repair_and_apply(k):
    env = gym.make(ENV_ID, n_devices=k, max_devices=k, sinr_threshold_db=5.0)
    env.reset(seed=4)
    rng = np.random.default_rng(0)
    repaired_some = False
    for _episode in range(3):
        inst = env.unwrapped.instance()
        delivered = np.zeros(k)
        for t in range(inst.n_slots):
            action = random_groups(rng, 1, k)[0]
            played = repair_group(inst, t, action)
            _, _, terminated, _, info = env.step(action)
            assert info["repaired_links"] == int((played != action).sum())
            repaired_some |= info["repaired_links"] > 0
            assert is_valid_group(inst, t, played)
            new = apply_group(inst, t, played, delivered)
            assert info["delivered_bits"] == pytest.approx((new - delivered).sum(), rel=1e-12)
            delivered = new
        assert terminated
        assert info["objective"] == pytest.approx(
            instance_objective_terms(inst, delivered)["objective"],
            rel=1e-12,
            abs=1e-15,
        )
        env.reset()
    assert repaired_some


def test_vector_env_plays_the_reference_repair():
    venv = gym.make_vec(
        ENV_ID, num_envs=4, vectorization_mode="vector_entry_point", n_devices=5, max_devices=5
    )
    venv.reset(seed=2)
    rng = np.random.default_rng(1)
    for t in range(10):
        actions = random_groups(rng, 4, 5)
        played = [repair_group(venv.unwrapped.instance(i), t, actions[i]) for i in range(4)]
        _, _, _, _, info = venv.step(actions)
        expected = [int((p != a).sum()) for p, a in zip(played, actions, strict=True)]
        np.testing.assert_array_equal(info["repaired_links"], expected)


def test_validity_repair_and_enumeration_agree_on_every_group():
    env = gym.make(ENV_ID, n_devices=3, max_devices=3, n_slots=3, update_interval=30)
    env.reset(seed=7)
    inst = env.unwrapped.instance()
    every = np.array(list(itertools.product(range(4), repeat=4)))
    for t in range(inst.n_slots):
        valid = [g for g in every if not group_violations(inst, t, g)]
        assert [is_valid_group(inst, t, g) for g in every] == [
            not group_violations(inst, t, g) for g in every
        ]
        np.testing.assert_array_equal(valid_groups(inst, t), np.array(valid))
        for g in every:  # repair always returns a valid group that keeps valid groups
            fixed = repair_group(inst, t, g)
            assert is_valid_group(inst, t, fixed)
            assert np.all((fixed == g) | (fixed == IDLE))


def test_objective_forms_agree():
    env = gym.make(ENV_ID, n_devices=20, max_devices=24)
    env.reset(seed=3)
    inst = env.unwrapped.instance()
    rng = np.random.default_rng(0)
    separable = Objective(inst)
    for _ in range(20):
        delivered = inst.demand_bits * rng.random(inst.n_devices) * rng.integers(0, 2, 24)
        terms = instance_objective_terms(inst, delivered)
        assert separable(delivered) == pytest.approx(terms["objective"], rel=1e-12)
        assert 0.0 <= terms["served_gap_term"] <= 1.0 and 0.0 <= terms["data_gap_term"] <= 1.0
    # Python floats (single env) and numpy arrays (vector env) give the same bits
    values = (3, 7, 1.25e14, 9.5e14, 0.5, 2.0)
    scalar = objective_from_totals(*values)
    array = objective_from_totals(*(np.array([v]) for v in values[:4]), *values[4:])
    assert [float(a[0]) for a in array] == list(scalar)


def test_replay_scores_like_the_instance():
    env = gym.make(ENV_ID, n_devices=6, max_devices=6)
    env.reset(seed=1)
    inst = env.unwrapped.instance()
    schedule = np.stack([valid_groups(inst, t)[-1] for t in range(inst.n_slots)])
    delivered = replay(inst, schedule)
    np.testing.assert_array_equal(delivered, inst.schedule_delivered_bits(schedule))
    assert (
        inst.score(schedule)["objective"] == instance_objective_terms(inst, delivered)["objective"]
    )


def test_batched_sinr_equals_the_eq14_reference_bit_for_bit():
    """The vector env's chosen-link SINR against ``models.links.sinr_linear``."""
    from leo_envs.models.links import sinr_linear

    venv = gym.make_vec(
        ENV_ID, num_envs=6, vectorization_mode="vector_entry_point", n_devices=30, max_devices=30
    )
    venv.reset(seed=8)
    dynamics, batch = venv.unwrapped.dynamics, venv.unwrapped._batch
    rng = np.random.default_rng(2)
    for _ in range(5):
        groups = rng.integers(0, 31, size=(6, 4))
        sinr = dynamics.link_sinr(batch, groups)
        for b in range(6):
            inst = venv.unwrapped.instance(b)
            active = groups[b] > IDLE
            receivers = np.where(active, groups[b] - 1, 0)
            gain = inst.gain[int(batch.t[b])][:, receivers]  # [i, link j]
            reference = sinr_linear(gain, inst.tx_power_w, inst.noise_w, inst.band, active)
            expected = np.where(active, reference[np.arange(4), np.arange(4)], 0.0)
            np.testing.assert_array_equal(sinr[b], expected)
        venv.step(groups)
