"""The Wolpertinger variant of SB3's TD3 trains on LinkScheduling-v0 through gym.make."""

import gymnasium as gym
import numpy as np
import pytest
import torch
from agent_helpers import ENV_ID, TINY, brute_force_neighbors

from agents.common import groups_to_links
from agents.wolpertinger import ProtoActionWrapper, WolpertingerTD3


def _model(k=4, **kw):
    env = ProtoActionWrapper(gym.make(ENV_ID, **TINY), brute_force_neighbors)
    return WolpertingerTD3(
        "MlpPolicy",
        env,
        k=k,
        learning_starts=20,
        batch_size=16,
        seed=0,
        policy_kwargs={"net_arch": [32]},
        **kw,
    )


def test_wrapper_plays_the_nearest_valid_group_and_a_link_matrix_as_itself():
    env = ProtoActionWrapper(gym.make(ENV_ID, **TINY), brute_force_neighbors)
    env.reset(seed=0)
    proto = np.random.default_rng(0).random(env.action_space.shape).astype(np.float32)
    nearest, _ = brute_force_neighbors(env, proto.reshape(4, -1).astype(float), 1)
    np.testing.assert_array_equal(env.action(proto), nearest[0])
    links = groups_to_links(nearest[0], 3).ravel()
    np.testing.assert_array_equal(env.action(links), nearest[0])
    with pytest.raises(ValueError, match="proto-action"):
        env.action(np.zeros(5))


def test_wolpertinger_td3_learns_with_next_state_candidates():
    model = _model()
    before = [p.detach().clone() for p in model.critic.parameters()]
    model.learn(120)
    after = list(model.critic.parameters())
    assert any(not torch.equal(a, b) for a, b in zip(after, before, strict=True))
    buf = model.replay_buffer
    n = buf.pos
    actions = buf.actions[:n, 0]
    assert set(np.unique(actions)) <= {-1.0, 1.0}  # every stored action is a link matrix
    not_done = ~buf.dones[: n - 1, 0].astype(bool)
    assert buf.next_valid[: n - 1][not_done].all()
    assert not buf.next_valid[: n - 1][~not_done].any()
    # the next action played was one of the candidates stored for s'
    for i in np.flatnonzero(not_done)[:20]:
        cands = groups_to_links(buf.next_candidates[i], 3).reshape(model.k, -1) * 2 - 1
        assert any(np.array_equal(c, actions[i + 1]) for c in cands)
    assert len(model.last_critic_losses) > 0


def test_wolpertinger_td3_needs_the_proto_wrapper():
    with pytest.raises(TypeError, match="ProtoActionWrapper"):
        WolpertingerTD3("MlpPolicy", gym.make("Pendulum-v1"))


def test_predict_group_plays_the_candidate_critic_1_scores_highest():
    model = _model(k=5)
    model.learn(40)  # past learning_starts: trained a little
    env = model.env.envs[0].unwrapped
    obs, _ = env.reset(seed=3)
    for _ in range(4):
        proto, _ = model.predict(obs, deterministic=True)
        cands, _ = brute_force_neighbors(env, proto.reshape(4, -1).astype(float), 5)
        links = torch.as_tensor(groups_to_links(cands, 3).reshape(len(cands), -1) * 2.0 - 1.0)
        with torch.no_grad():
            obs_t = torch.as_tensor(obs, dtype=torch.float32).expand(len(cands), -1)
            q = model.critic.q1_forward(obs_t, links)[:, 0]
        group = model.predict_group(obs)
        np.testing.assert_array_equal(group, cands[int(torch.argmax(q))])
        assert len(cands) >= 2
        obs, _, terminated, _, _ = env.step(group)
        if terminated:
            obs, _ = env.reset()
