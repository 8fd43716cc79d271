"""RelayOffloading baselines: LEOEdge's dual steps by hand, its message counts per task, and
the heuristics' decision rules on the env."""

import itertools

import gymnasium as gym
import numpy as np
import pytest

from baselines.relay_offloading import LEOEdge, LocalOnly, Threshold, WorkloadBased
from baselines.relay_offloading.leoedge import DualState, dual_update, run_epoch
from leo_envs.envs.relay_offloading.config import TEST_KWARGS
from leo_envs.envs.relay_offloading.messages import leoedge_messages_per_decision

ENV_ID = "leo_envs/RelayOffloading-v0"


def test_one_dual_step_by_hand():
    # spec A11: lambda = 0.1, gamma'' = 0.5, g_S = 0.62, p = 0.5 -> 0.16 (eq. 23)
    assert dual_update(0.1, 0.5, 0.62 - 0.5) == pytest.approx(0.16)
    assert dual_update(0.1, 0.5, 0.30 - 0.5) == 0.0  # projected, never negative


def test_epoch_price_chain_and_mu_never_negative():
    state = DualState(eta=np.zeros(3))
    idle = np.full(12, 0.2)
    for _ in range(50):
        res = run_epoch(state, 1.0, idle, 3, 0.5)
        assert state.mu >= 0.0 and state.lam >= 0.0 and np.all(state.eta >= 0.0)
    assert res.y1 >= 0.5  # an idle cluster: the satellite is asked to offload
    busy = np.full(12, 0.9)
    for _ in range(200):
        res = run_epoch(state, 1.0, busy, 3, 0.5)
        assert state.mu >= 0.0 and state.lam >= 0.0
    assert state.lam > state.mu and res.y1 < 0.5  # overloaded: the price keeps tasks local


def test_first_epoch_by_hand():
    # idle cluster with L_o = 0.2 and w = 1: after one epoch (K1, K2, K3 = 1, 1, 1)
    state = DualState(eta=np.zeros(1))
    res = run_epoch(state, 1.0, np.full(2, 0.2), 1, 0.5, iters=(1, 1, 1))
    # (18): y3 = 0.5 + 0.5 * (1 / 1.5 - 0) = 0.8333
    np.testing.assert_allclose(res.y3, 0.5 + 0.5 / 1.5)
    # (19): eta = 0.5 * (mean(0.2 + y3) - (0.2 + 0.5 / 2)) = 0.5 * (1.0333 - 0.45)
    assert state.eta[0] == pytest.approx(0.5 * (0.2 + 0.5 + 0.5 / 1.5 - 0.45))
    # (20): y2 = 0.5 + 0.5 * (eta - 0) / 1 * (1/2); (21): mu from mean(L_s) - g_S
    y2 = 0.5 + 0.5 * state.eta[0] * 0.5
    assert res.y2[0] == pytest.approx(y2)
    mu = max(0.0, 0.5 * ((0.2 + y2 / 2) - (0.2 + 0.5 / 2)))
    assert state.mu == pytest.approx(mu)
    # (22): y1 = 0.5 + 0.5 * (mu - 0) / 2; (23): lambda = [0 + 0.5 (0.2 + y1/2 - 0.5)]+
    y1 = 0.5 + 0.5 * mu / 2
    assert res.y1 == pytest.approx(y1)
    assert state.lam == pytest.approx(max(0.0, 0.5 * (0.2 + y1 / 2 - 0.5)))
    assert res.messages == (2, 3, 4)  # 2 per sat; J + 2J; 2 O


def run(policy, **kw):
    env = gym.make(ENV_ID, **{**TEST_KWARGS, "scenario": "heavy", **kw}).unwrapped
    obs, info = env.reset(seed=2)
    policy.reset(env)
    infos = [info]
    done = False
    while not done:
        action = policy.act(obs, info)
        obs, _, _, done, info = env.step(action)
        infos.append(info)
    return env, infos


def test_leoedge_messages_per_task_equal_formula():
    env, infos = run(LEOEdge(), action_mode="route_place")
    n_tasks = env.sim.data.n_tasks
    per_task = leoedge_messages_per_decision(3, 12, 3, 2, 1)
    assert infos[-1]["messages"] == dict(
        zip(
            ("sat_lbs", "lbs_server", "server_container"),
            (per_task * n_tasks).tolist(),
            strict=True,
        )
    )
    ep = infos[-1]["episode"]
    assert ep["counts"]["direct"] + ep["counts"]["relay"] > 0  # it did offload


def test_heuristic_rules():
    env, infos = run(LocalOnly())
    assert infos[-1]["episode"]["counts"]["local"] == env.sim.data.n_tasks
    assert infos[-1]["messages"]["sat_lbs"] == 0

    env, infos = run(Threshold(), action_mode="route")
    for before, after in itertools.pairwise(infos):
        wants = before["image_latency_s"] > 0.020 and before["alg4_path"] >= 0
        assert after["played_action"] == (1 + before["alg4_path"] if wants else 0)
    assert infos[-1]["messages"]["sat_lbs"] == 0

    env, infos = run(WorkloadBased())
    assert infos[-1]["messages"]["sat_lbs"] == env.sim.data.n_tasks  # one refresh per task
    for before, after in itertools.pairwise(infos):
        wants = before["cluster_load"] < 0.5 and before["alg4_path"] >= 0
        assert after["played_action"] == int(wants)


def test_marl_and_a3c_smoke_train_and_act():
    pytest.importorskip("pettingzoo")
    from baselines.relay_offloading.marl import A3C, MARL, ParallelVecEnv
    from leo_envs.envs.relay_offloading.parallel import RelayOffloadingParallelEnv

    venv = ParallelVecEnv(RelayOffloadingParallelEnv(**{**TEST_KWARGS, "episode_s": 5.0}), seed=0)
    obs = venv.reset()
    assert obs.shape == (3, venv.observation_space.shape[0])
    for _ in range(12):  # 5 s / 0.5 s slots: crosses an episode end and auto-resets
        obs, _rew, dones, infos = venv.step(np.zeros(3, dtype=np.int64))
        if dones.all():
            assert "terminal_observation" in infos[0]
            break
    else:
        pytest.fail("the episode never ended")
    for cls in (MARL, A3C):
        env, infos = run(cls(train_steps=192, seed=0), episode_s=20.0)
        assert infos[-1]["episode"]["n_tasks"] == env.sim.data.n_tasks
