"""What made the agents learn: relaxed proto-actions, the played group, Reptile, the warm-up."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from agent_helpers import make_env
from test_agents import acmaml, ddpg, ddpg_mlp

from agents.common import MetaTrainer
from agents.common.proto import neighbor_scores, relaxed_links


def test_relaxed_links_lie_in_the_hull_of_link_groups():
    logits = torch.randn(5, 4, 7) * 3
    links = relaxed_links(logits)
    assert links.shape == (5, 4, 6)
    assert torch.all(links >= 0) and torch.all(links.sum(-1) <= 1 + 1e-6)
    scores = neighbor_scores(links)
    assert torch.all((scores >= 0) & (scores <= 1))


def test_the_nearest_group_links_a_transmitter_when_a_device_beats_idling():
    env = make_env(n_devices=3, max_devices=3)
    env.reset(seed=0)
    mask = env.unwrapped.action_masks().reshape(4, 4)  # [transmitter, idle + device]
    j, k = map(int, np.argwhere(mask[:, 1:])[0])  # one feasible link
    logits = torch.zeros(4, 4)
    logits[:, 0] = 2.0  # every transmitter prefers idling ...
    logits[j, 1:] = 1.5
    logits[j, 1 + k] = 2.2  # ... except j, which prefers device k (to idling and others)
    scores = neighbor_scores(relaxed_links(logits)).double().numpy()
    groups, _ = env.unwrapped.action_neighbors(scores, 1)
    expected = np.zeros(4, dtype=np.int64)
    expected[j] = k + 1
    np.testing.assert_array_equal(groups[0], expected)
    # thresholding the probabilities themselves at 1/2 would idle j (p_jk < 1/2 here)
    assert relaxed_links(logits)[j, k] < 0.5


def test_the_critic_learns_the_group_the_env_played():
    env = make_env(n_devices=3, max_devices=3)
    agent = ddpg(k=2, learning_starts=10**9)  # store only
    obs, info = env.reset(seed=0)
    agent.reset(env.unwrapped)
    asked = np.array([1, 1, 1, 1])  # one device on every transmitter: the env repairs it
    next_obs, reward, terminated, truncated, info = env.step(asked)
    assert info["repaired_links"] > 0
    agent.observe(obs, asked, reward, next_obs, terminated, truncated, info)
    np.testing.assert_array_equal(agent.memory.data["action"][0], info["played_action"])


@pytest.mark.parametrize("factory", [ddpg, ddpg_mlp])
def test_ddpg_plays_random_protos_until_updates_start(factory):
    env = make_env()
    agent = factory(k=1, learning_starts=5)
    obs, _ = env.reset(seed=0)
    agent.reset(env.unwrapped)
    obs_t = agent._tensor(obs)
    with torch.no_grad():
        deterministic = agent.proto_action(obs_t, explore=False)
        warm_up = [agent.proto_action(obs_t, explore=True) for _ in range(3)]
    assert not torch.equal(warm_up[0], warm_up[1])  # uniform draws, not the actor
    assert not torch.allclose(warm_up[0], deterministic)


def test_reptile_moves_the_meta_initialisation_to_the_adapted_parameters():
    env = make_env()
    tasks = env.unwrapped.sample_tasks(1, seed=0)
    agent = acmaml(k=1, learning_starts=4, meta_step=1.0)
    meta = MetaTrainer(agent, env, tasks, tasks_per_iteration=1, seed=0)
    before = [p.detach().clone() for p in agent_params(agent, meta)]
    meta.run(1)  # one task: theta <- theta + 1.0 * (theta' - theta) = theta'
    after = [p.detach() for p in (*agent.meta_actor.parameters(), *agent.meta_critic.parameters())]
    adapted = [p.detach() for p in (*agent.actor.parameters(), *agent.critic.parameters())]
    assert agent.n_updates > 0
    assert any(not torch.equal(b, a) for b, a in zip(before, after, strict=True))
    for a, f in zip(after, adapted, strict=True):
        torch.testing.assert_close(a, f)


def agent_params(agent, meta):
    meta._start()  # builds the nets (MetaTrainer.run would do it)
    return [*agent.meta_actor.parameters(), *agent.meta_critic.parameters()]
