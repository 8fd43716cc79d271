"""``action_neighbors``: the k valid link groups nearest to a proto-action (Murty's k-best)."""

from __future__ import annotations

import itertools

import gymnasium as gym
import numpy as np
import pytest

import leo_envs  # noqa: F401  (registers the env)
from leo_envs.envs.link_scheduling import neighbors
from leo_envs.envs.link_scheduling.groups import active_set_indices, is_valid_group, subset_activity
from leo_envs.envs.link_scheduling.tasks import BAND

ENV_ID = "leo_envs/LinkScheduling-v0"


def brute_force_ranking(inst, t: int, proto: np.ndarray):
    """Every valid group of slot t (over all (K+1)^J groups) with its score -||a - p||^2,
    best first."""
    n_tx, n_dev = proto.shape
    every = np.array(list(itertools.product(range(n_dev + 1), repeat=n_tx)))
    valid = np.array([g for g in every if is_valid_group(inst, t, g)])
    links = np.zeros((len(valid), n_tx, n_dev))
    for i, group in enumerate(valid):
        for j, code in enumerate(group):
            if code:
                links[i, j, code - 1] = 1.0
    scores = -np.square(links - proto).sum(axis=(1, 2))
    order = np.argsort(-scores, kind="stable")
    return valid[order], scores[order]


@pytest.mark.parametrize(
    ("k_devices", "seed", "threshold_db"),
    # fewer devices than C-band transmitters too (patterns with every C transmitter are empty)
    [(3, 0, 5.0), (4, 1, 5.0), (5, 2, 0.0), (5, 3, 12.0), (1, 4, 0.0), (2, 5, -5.0)],
)
def test_neighbors_are_exactly_the_brute_force_top_k(k_devices, seed, threshold_db):
    env = gym.make(
        ENV_ID, n_devices=k_devices, max_devices=k_devices, sinr_threshold_db=threshold_db
    )
    env.reset(seed=seed)
    unwrapped = env.unwrapped
    rng = np.random.default_rng(seed)
    for t in range(4):
        inst = unwrapped.instance()
        proto = rng.random((4, k_devices))
        if t % 2:  # quantised: many exactly equal scores, ranked in ascending group order
            proto = np.round(4.0 * proto) / 4.0
        valid, scores = brute_force_ranking(inst, t, proto)
        for k in (1, 3, 10, len(valid), len(valid) + 5):
            groups, got = unwrapped.action_neighbors(proto, k)
            n = min(k, len(valid))
            assert groups.shape == (n, 4) and groups.dtype == np.int64
            np.testing.assert_array_equal(groups, valid[:n])
            np.testing.assert_allclose(got, scores[:n], rtol=0, atol=1e-12)
        env.step(groups[0])


def test_neighbors_are_valid_distinct_and_sorted_at_scale():
    env = gym.make(ENV_ID, n_devices=60, max_devices=60)
    env.reset(seed=5)
    unwrapped = env.unwrapped
    rng = np.random.default_rng(0)
    for t in range(10):
        inst = unwrapped.instance()
        proto = rng.random((4, 60))
        groups, scores = unwrapped.action_neighbors(proto, 25)
        assert len(groups) == 25
        assert len({tuple(g) for g in groups.tolist()}) == 25
        assert all(is_valid_group(inst, t, g) for g in groups)
        assert np.all(np.diff(scores) <= 0.0)
        links = np.zeros((25, 4, 60))
        for i, group in enumerate(groups):
            for j, code in enumerate(group):
                if code:
                    links[i, j, code - 1] = 1.0
        np.testing.assert_allclose(scores, -np.square(links - proto).sum(axis=(1, 2)), atol=1e-9)
        # the best group is never repaired by the env
        _, _, _, _, info = env.step(groups[0])
        assert info["repaired_links"] == 0


def test_k1_is_the_nearest_valid_group_and_prefixes_agree():
    env = gym.make(ENV_ID, n_devices=20, max_devices=20)
    env.reset(seed=9)
    proto = np.random.default_rng(2).random((4, 20))
    best, best_score = env.unwrapped.action_neighbors(proto, 1)
    top, top_scores = env.unwrapped.action_neighbors(proto, 8)
    np.testing.assert_array_equal(best, top[:1])
    assert best_score[0] == top_scores[0]
    # an all-low proto asks for nothing: the all-idle group is nearest
    idle, _ = env.unwrapped.action_neighbors(np.zeros((4, 20)), 1)
    np.testing.assert_array_equal(idle, [[0, 0, 0, 0]])


def test_vector_env_neighbors_match_single_envs():
    venv = gym.make_vec(
        ENV_ID, num_envs=3, vectorization_mode="vector_entry_point", n_devices=8, max_devices=8
    )
    venv.reset(seed=11)
    singles = [gym.make(ENV_ID, n_devices=8, max_devices=8) for _ in range(3)]
    for i, env in enumerate(singles):
        env.reset(seed=11 + i)
    rng = np.random.default_rng(3)
    for _ in range(12):  # crosses an episode end (NEXT_STEP autoreset)
        protos = rng.random((3, 4, 8))
        actions = []
        for i, env in enumerate(singles):
            groups, scores = venv.unwrapped.action_neighbors(i, protos[i], 4)
            if env.unwrapped._episode.t < 10:
                ref_groups, ref_scores = env.unwrapped.action_neighbors(protos[i], 4)
                np.testing.assert_array_equal(groups, ref_groups)
                np.testing.assert_array_equal(scores, ref_scores)
            actions.append(groups[0])
        venv.step(np.array(actions))
        for env, action in zip(singles, actions, strict=True):
            if env.unwrapped._episode.t >= 10:
                env.reset()
            else:
                env.step(action)


@pytest.mark.parametrize(
    ("proto", "k", "name"),
    [
        (np.zeros((4, 5)), 1, "proto"),
        (np.zeros((5, 6)), 1, "proto"),
        (np.full((4, 6), np.nan), 1, "proto"),
        (np.full((4, 6), np.inf), 1, "proto"),
        ("abc", 1, "proto"),
        (np.zeros((4, 6)), 0, "k"),
        (np.zeros((4, 6)), -3, "k"),
        (np.zeros((4, 6)), 2.5, "k"),
        (np.zeros((4, 6)), True, "k"),
    ],
)
def test_bad_input_is_rejected_naming_the_parameter(proto, k, name):
    env = gym.make(ENV_ID, n_devices=6, max_devices=6)
    env.reset(seed=0)
    with pytest.raises(ValueError, match=name):
        env.unwrapped.action_neighbors(proto, k)
    venv = gym.make_vec(
        ENV_ID, num_envs=2, vectorization_mode="vector_entry_point", n_devices=6, max_devices=6
    )
    venv.reset(seed=0)
    with pytest.raises(ValueError, match=name):
        venv.unwrapped.action_neighbors(1, proto, k)


def test_state_errors():
    env = gym.make(ENV_ID, n_devices=4, max_devices=4)
    with pytest.raises(RuntimeError, match="reset"):
        env.unwrapped.action_neighbors(np.zeros((4, 4)), 1)
    venv = gym.make_vec(
        ENV_ID, num_envs=2, vectorization_mode="vector_entry_point", n_devices=4, max_devices=4
    )
    venv.reset(seed=0)
    with pytest.raises(ValueError, match="index"):
        venv.unwrapped.action_neighbors(2, np.zeros((4, 4)), 1)


def vectorised_brute_force(proto: np.ndarray, feasible: np.ndarray, k: int):
    """The k best valid groups of ``nearest_groups``' problem (random tables allowed) by
    enumerating all (K+1)^4 groups: scores best first, equal scores in ascending group
    order (the enumeration order, kept by a stable sort)."""
    n_tx, n_dev = proto.shape
    every = np.array(list(itertools.product(range(n_dev + 1), repeat=n_tx)))
    linked = every > 0
    device = np.maximum(every - 1, 0)
    pattern = active_set_indices(every, BAND)
    ok = np.where(linked, feasible[pattern[:, None], np.arange(n_tx), device], True).all(1)
    served = np.where(linked, every, -np.arange(n_tx) - 1)  # idle never collides
    distinct = np.array([len(set(row)) == n_tx for row in served.tolist()])
    must_serve = (BAND == 1) & (((pattern[:, None] >> np.array([0, 0, 1, 2])) & 1) == 1)
    valid = ok & distinct & np.all(linked | ~must_serve, axis=1)
    links = np.where(linked, 1.0 - 2.0 * proto[np.arange(n_tx), device], 0.0)
    scores = -(np.square(proto).sum() + links.sum(1))
    groups, scores = every[valid], scores[valid]
    order = np.argsort(-scores, kind="stable")[:k]
    return groups[order], scores[order]


def test_search_equals_brute_force_on_random_tables():
    """Random feasibility tables and proto-actions, including ones where every transmitter
    wants the same devices (every relaxation collides: the exact search runs) and quantised
    ones (many equal scores: the result is the ranking's first k, ties in group order)."""
    rng = np.random.default_rng(0)
    band = tuple(BAND.tolist())
    for trial in range(60):
        n_dev = int(rng.integers(2, 7))
        feasible = rng.random((8, 4, n_dev)) < rng.uniform(0.3, 1.0)
        feasible &= subset_activity(BAND)[:, :, None]  # as the env's tables are
        proto = rng.random((4, n_dev))
        if trial % 3 == 0:
            proto[:] = rng.random(n_dev)  # identical rows
        if trial % 4 == 0:
            proto = rng.integers(0, 5, proto.shape) / 4.0  # exact ties, as clamped protos give
        for k in (1, 4, 12, 40):
            want_groups, want_scores = vectorised_brute_force(proto, feasible, k)
            groups, scores = neighbors.nearest_groups(proto, feasible, band, k)
            # equal scores (identical rows tie a lot) in ascending group order, as sorted here
            np.testing.assert_array_equal(groups, want_groups)
            np.testing.assert_array_equal(scores, want_scores)
            assert len({tuple(g) for g in groups.tolist()}) == len(groups)
