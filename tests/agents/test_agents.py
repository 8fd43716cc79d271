"""The link-scheduling agents: Wolpertinger mapping, learning, checkpoints, harness use."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from agent_helpers import ENV_ID, TINY, brute_force_neighbors, make_env, tasks_of

from agents.ac_ddpg import ACDDPG, ACDDPGArgs
from agents.ac_maml import ACMAML, ACMAMLArgs
from agents.common import MetaTrainer, OnlineTrainer
from agents.emcl import EMCL, EMCLArgs
from agents.wolpertinger import DDPGArgs, WolpertingerDDPG

SMALL_NETS = {"batch_size": 16, "learning_starts": 16}


def ddpg(neighbors=None, **kw):
    return WolpertingerDDPG(DDPGArgs(hidden=32, **{**SMALL_NETS, **kw}), neighbors)


def acddpg(neighbors=None, **kw):
    return ACDDPG(ACDDPGArgs(hidden=32, **{**SMALL_NETS, **kw}), neighbors)


def acmaml(neighbors=None, **kw):
    return ACMAML(ACMAMLArgs(hidden=32, **{**SMALL_NETS, **kw}), neighbors)


def emcl(neighbors=None, **kw):
    args = EMCLArgs(channels=8, lstm_hidden=8, history_len=4, **{**SMALL_NETS, **kw})
    return EMCL(args, neighbors)


def ddpg_mlp(neighbors=None, **kw):
    return ddpg(neighbors, net="mlp", **kw)


FACTORIES = {"wolpertinger": ddpg, "ac_ddpg": acddpg, "ac_maml": acmaml, "emcl": emcl}
META = {"emcl", "ac_maml"}


def _ready(agent, env, seed=0):
    obs, info = env.reset(seed=seed)
    agent.reset(env.unwrapped)
    return obs, info


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_k1_plays_the_simple_mapping(name):
    env = make_env()
    agent = FACTORIES[name](k=1, explore=False)
    obs, info = _ready(agent, env)
    for _ in range(5):
        with torch.no_grad():
            proto = agent.proto_action(agent._tensor(obs), explore=False)
        simple, _ = env.unwrapped.action_neighbors(proto.reshape(4, -1).double().numpy(), 1)
        action = agent.act(obs, info)
        np.testing.assert_array_equal(action, simple[0])
        obs, _, _, _, info = env.step(action)
        assert info["repaired_links"] == 0  # the env's neighbours are valid as they stand


def test_the_neighbourhood_can_be_injected():
    env = make_env()
    calls = []

    def standin(env_, proto, k):
        calls.append(k)
        return brute_force_neighbors(env_, proto, k)

    agent = ddpg(neighbors=standin, k=3, explore=False)
    obs, info = _ready(agent, env)
    agent.act(obs, info)
    assert calls == [3]


@pytest.mark.parametrize("name", ["wolpertinger", "emcl"])
def test_wolpertinger_plays_the_candidate_the_critic_scores_highest(name):
    env = make_env()
    agent = FACTORIES[name](k=8, explore=False)
    obs, info = _ready(agent, env)
    obs_t = agent._tensor(obs)
    with torch.no_grad():
        proto = agent.proto_action(obs_t, explore=False).reshape(4, -1).double().numpy()
    groups, _ = env.unwrapped.action_neighbors(proto, 8)
    with torch.no_grad():
        q = agent.q_values(obs_t, torch.as_tensor(agent.layout.links(groups)).unsqueeze(0))[0]
    action = agent.act(obs, info)
    np.testing.assert_array_equal(action, groups[int(torch.argmax(q))])
    assert len(groups) >= 2 and len({tuple(g) for g in groups}) == len(groups)


@pytest.mark.parametrize("name", ["wolpertinger", "wolpertinger_mlp", "emcl"])
def test_sparse_group_scoring_equals_the_dense_link_matrix_path(name):
    env = make_env(n_devices=5, max_devices=6)
    agent = {**FACTORIES, "wolpertinger_mlp": ddpg_mlp}[name](k=6)
    obs, _ = _ready(agent, env)
    obs_t = agent._tensor(obs).expand(3, -1) + torch.rand(3, agent._tensor(obs).shape[1])
    rng = np.random.default_rng(0)  # unicast groups: distinct devices, some transmitters idle
    groups = np.array([[rng.permutation(7)[:4] for _ in range(5)] for _ in range(3)])
    groups = torch.as_tensor(groups * (rng.random((3, 5, 4)) < 0.7))
    with torch.no_grad():
        sparse = agent.q_groups(obs_t, groups)
        dense = agent.q_values(obs_t, torch.as_tensor(agent.layout.links(groups.numpy())))
    torch.testing.assert_close(sparse, dense, rtol=1e-5, atol=1e-6)


def test_critic_target_uses_the_wolpertinger_action_at_the_next_state():
    env = make_env()
    agent = ddpg(k=4, learning_starts=10**9)  # store only, no update
    obs, info = _ready(agent, env)
    for _ in range(3):
        action = agent.act(obs, info)
        next_obs, reward, terminated, truncated, info = env.step(action)
        agent.observe(obs, action, reward, next_obs, terminated, truncated, info)
        obs = next_obs
    mem = agent.memory.data
    row = 1
    cands = mem["next_candidates"][row][mem["next_candidate_valid"][row]]
    assert len(cands) >= 2
    np.testing.assert_array_equal(mem["obs"][row + 1], mem["next_obs"][row])
    # the candidates stored for s' are the ones the agent chose its next action from
    assert any(np.array_equal(c, mem["action"][row + 1]) for c in cands)
    s_next = torch.as_tensor(mem["next_obs"][row : row + 1])
    q_next = agent._q(
        agent.critic_target, s_next, torch.as_tensor(agent.layout.links(cands)).unsqueeze(0)
    ).max()
    with torch.no_grad():
        q_next = float(q_next)
    target = agent.td_target(agent.memory.sample_rows([row]))
    assert float(target[0]) == pytest.approx(float(mem["reward"][row] + 0.9 * q_next), rel=1e-6)


def test_terminal_transitions_do_not_bootstrap_and_timeouts_do():
    env = make_env()
    agent = ddpg(k=2, learning_starts=10**9)
    obs, info = _ready(agent, env)
    terminated = False
    while not terminated:
        action = agent.act(obs, info)
        next_obs, reward, terminated, truncated, info = env.step(action)
        agent.observe(obs, action, reward, next_obs, terminated, truncated, info)
        obs = next_obs
    last = len(agent.memory) - 1
    batch = agent.memory.sample_rows([last, last - 1])
    assert batch["terminated"][0] == 1.0 and not batch["next_candidate_valid"][0].any()
    target = agent.td_target(batch)
    assert float(target[0]) == pytest.approx(float(batch["reward"][0]))
    # a truncation (time-out) keeps the candidates at s' and bootstraps
    env2 = make_env()
    agent2 = ddpg(k=2, learning_starts=10**9)
    obs, info = _ready(agent2, env2)
    action = agent2.act(obs, info)
    next_obs, reward, _, _, info = env2.step(action)
    agent2.observe(obs, action, reward, next_obs, False, True, info)
    batch = agent2.memory.sample_rows([0])
    assert batch["terminated"][0] == 0.0 and batch["next_candidate_valid"][0].all()
    assert float(agent2.td_target(batch)[0]) != pytest.approx(float(batch["reward"][0]))


def _online_losses(agent, trainer, n):
    losses = []
    for _ in range(n):
        trainer.run(1)
        losses.append(dict(agent.last_losses))
    return losses


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_decisions_equal_the_plain_no_grad_computation_while_learning(name):
    """Same seed, same actions: an agent whose decisions (proto-action, the env's
    neighbours, the critic's choice) run under ``torch.no_grad`` as plain code plays exactly
    what ``act`` (inference mode) plays, step after step, exploring and learning."""

    def plain(agent):
        def candidates(obs_t):
            with torch.no_grad():
                proto = agent.proto_action(obs_t, explore=agent.args.explore and agent.training)
            groups, _ = agent.neighbors(agent.env, proto.reshape(4, -1).double().numpy(), 4)
            return np.asarray(groups[:4], dtype=np.int64)

        def choose(obs_t, groups):
            with torch.no_grad():
                q = agent.q_groups(obs_t, torch.as_tensor(groups).unsqueeze(0))[0]
            return groups[int(torch.argmax(q))].copy()

        agent.candidates, agent.choose = candidates, choose
        return agent

    agents = [FACTORIES[name](k=4, learning_starts=8, batch_size=8) for _ in range(2)]
    plain(agents[1])
    envs = [make_env(n_devices=6, max_devices=6) for _ in agents]
    actions = [[], []]
    for agent, env, played in zip(agents, envs, actions, strict=True):
        trainer = OnlineTrainer(agent, env)
        trainer.start(seed=0)
        act = agent.act
        agent.act = lambda obs, info, act=act, played=played: (
            played.append(act(obs, info)) or (played[-1])
        )
        trainer.run(20)
    assert agents[0].n_updates > 0
    np.testing.assert_array_equal(actions[0], actions[1])


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_save_load_continue_gives_identical_losses(name, tmp_path):
    env = make_env(scenario="user_churn", update_interval=20)
    agent = FACTORIES[name]()
    if name in META:
        meta = MetaTrainer(agent, env, tasks_of(env, 3), tasks_per_iteration=2, seed=0)
        meta.run(2)
        meta.save(tmp_path / "meta.pt")
        meta.run(2)
        after = copy.deepcopy(agent.last_losses)
        agent2 = FACTORIES[name]()
        meta2 = MetaTrainer(
            agent2,
            make_env(scenario="user_churn", update_interval=20),
            tasks_of(env, 3),
            tasks_per_iteration=2,
            seed=0,
        )
        meta2.load(tmp_path / "meta.pt")
        meta2.run(2)
        assert agent2.last_losses == after and after
        agent.start_online()
        env = meta.env
    trainer = OnlineTrainer(agent, env)
    trainer.start(seed=1)
    trainer.run(30)
    trainer.save(tmp_path / "online.pt")
    expected = _online_losses(agent, trainer, 25)
    agent2 = FACTORIES[name]()
    trainer2 = OnlineTrainer(agent2, make_env())
    trainer2.load(tmp_path / "online.pt")
    assert _online_losses(agent2, trainer2, 25) == expected
    assert any(expected)


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_critic_loss_falls_on_a_tiny_stationary_task(name):
    env = make_env()
    agent = FACTORIES[name](learning_starts=32)
    losses = []
    learn_step = agent.learn_step

    def recording_learn_step():  # every update's critic loss, not one per logging call
        before = agent.n_updates
        learn_step()
        if agent.n_updates > before and "critic" in agent.last_losses:
            losses.append(agent.last_losses["critic"])

    agent.learn_step = recording_learn_step
    if name == "emcl":  # its critic learns in meta-training: one task is the stationary case
        MetaTrainer(agent, env, tasks_of(env, 1), tasks_per_iteration=1, seed=0).run(40)
    else:  # AC-MAML: adapting online from its (initial) meta-initialisation
        trainer = OnlineTrainer(agent, env)
        trainer.start(seed=0)
        trainer.run(400)
    n = len(losses) // 4
    assert n >= 80
    assert np.mean(losses[-n:]) < 0.7 * np.mean(losses[:n])


def test_emcl_trains_its_task_encoder_and_freezes_the_critic_online():
    env = make_env(scenario="user_churn", update_interval=20)
    agent = emcl()
    meta = MetaTrainer(agent, env, tasks_of(env, 3), tasks_per_iteration=2, seed=0)
    meta.run(1)
    lstm_before = copy.deepcopy(agent.critic.lstm.state_dict())
    meta.run(3)
    assert any(
        not torch.equal(lstm_before[k], v) for k, v in agent.critic.lstm.state_dict().items()
    )
    assert len(agent.actors) == 3
    agent.start_online()
    critic_before = copy.deepcopy(agent.critic.state_dict())
    actor_before = copy.deepcopy(agent.online_actor.state_dict())
    trainer = OnlineTrainer(agent, meta.env)
    trainer.start(seed=3)
    trainer.run(40)
    assert all(torch.equal(critic_before[k], v) for k, v in agent.critic.state_dict().items())
    assert any(
        not torch.equal(actor_before[k], v) for k, v in agent.online_actor.state_dict().items()
    )


def test_ac_ddpg_retrains_from_scratch_at_a_switch_and_ac_maml_readapts_from_meta_init():
    env = make_env()
    agent = acddpg()
    trainer = OnlineTrainer(agent, env)
    trainer.start(seed=0)
    trainer.run(30)
    trained = copy.deepcopy(agent.actor.state_dict())
    assert len(agent.memory) == 30
    agent.act(trainer.obs, {**trainer.info, "task_switched": True})
    assert len(agent.memory) == 0
    assert any(not torch.equal(trained[k], v) for k, v in agent.actor.state_dict().items())

    agent = acmaml()
    meta = MetaTrainer(agent, make_env(), tasks_of(env, 2), tasks_per_iteration=2, seed=0)
    meta_before = copy.deepcopy(agent.meta_actor.state_dict()) if agent.layout else None
    meta.run(4)
    assert meta_before is None or any(
        not torch.equal(meta_before[k], v) for k, v in agent.meta_actor.state_dict().items()
    )
    agent.start_online()
    trainer = OnlineTrainer(agent, meta.env)
    trainer.start(seed=0)
    trainer.run(30)
    agent.act(trainer.obs, {**trainer.info, "task_switched": True})
    for k, v in agent.meta_actor.state_dict().items():
        assert torch.equal(agent.actor.state_dict()[k], v)
    assert len(agent.memory) == 0


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_harness_runs_every_agent_and_it_learns_online(name):
    from leo_envs.harness import run_continual

    agent = FACTORIES[name]()
    curve = run_continual(
        agent,
        ENV_ID,
        n_slots=40,
        seed=0,
        env_kwargs={**TINY, "scenario": "user_churn", "update_interval": 20},
    )
    assert len(curve) == 40 and curve["objective"].notna().sum() == 4
    assert agent.n_steps == 40 and agent.n_updates > 0
    assert curve["task_id"].nunique() == 2  # one switch, seen by the agent
    if name == "ac_ddpg":
        assert agent.n_restarts == 1  # re-trained from scratch
    with pytest.raises(ValueError, match="env shape"):
        agent.reset(make_env(n_devices=4, max_devices=5).unwrapped)
