"""leo-train trains each agent for a few steps, resumes, and trains SB3 algorithms."""

import json

import pytest
import torch

from agents import cli

TINY_ENV = ["--env-kwargs", "n_devices=3", "max_devices=3"]
STANDIN = ["--neighbors", "agent_helpers:brute_force_neighbors"]
SMALL = ["batch_size=8", "learning_starts=8"]


def _run(capsys, *argv):
    assert cli.main(list(argv)) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


@pytest.mark.parametrize("agent", ["emcl", "emcl_k1", "wolpertinger", "ac_ddpg", "ac_maml"])
def test_leo_train_trains_each_agent_and_writes_tensorboard_and_checkpoint(agent, tmp_path, capsys):
    extra = ["channels=4", "lstm_hidden=4"] if agent.startswith("emcl") else ["hidden=16"]
    out = _run(
        capsys,
        "--agent",
        agent,
        "--steps",
        "24",
        "--meta-iterations",
        "2",
        "--tasks-per-iteration",
        "2",
        "--scenario",
        "user_churn",
        "--logdir",
        str(tmp_path),
        "--no-progress",
        *TINY_ENV,
        *STANDIN,
        "--agent-kwargs",
        *SMALL,
        *extra,
    )
    assert out["steps"] == 24 and out["updates"] > 0
    assert len(out["last_objectives"]) == 2
    assert list(tmp_path.glob("events.out.tfevents.*"))
    state = torch.load(tmp_path / "checkpoint.pt", weights_only=False)["state"]
    assert state["phase"] == "online" and state["trainer"]["step"] == 24


def test_resume_continues_to_the_same_result_as_one_run(tmp_path, capsys):
    common = [
        "--agent",
        "ac_ddpg",
        "--no-progress",
        *TINY_ENV,
        *STANDIN,
        "--agent-kwargs",
        *SMALL,
        "hidden=16",
        "--checkpoint-every",
        "10",
    ]
    one = _run(capsys, *common, "--steps", "30", "--logdir", str(tmp_path / "one"))
    _run(capsys, *common, "--steps", "20", "--logdir", str(tmp_path / "two"))
    two = _run(capsys, *common, "--steps", "30", "--logdir", str(tmp_path / "two"), "--resume")
    assert two["steps"] == 30 and two["last_objectives"] == one["last_objectives"]
    a = torch.load(tmp_path / "one" / "checkpoint.pt", weights_only=False)["state"]
    b = torch.load(tmp_path / "two" / "checkpoint.pt", weights_only=False)["state"]
    for name, tensor in a["trainer"]["agent"]["nets"]["actor"].items():
        assert torch.equal(tensor, b["trainer"]["agent"]["nets"]["actor"][name])


@pytest.mark.parametrize("algo", ["sb3:PPO", "sb3:MaskablePPO", "wolpertinger_td3"])
def test_leo_train_trains_sb3_algorithms(algo, tmp_path, capsys):
    kwargs = (
        ["n_steps=16", "batch_size=16"] if "PPO" in algo else ["learning_starts=8", "batch_size=8"]
    )
    out = _run(
        capsys,
        "--agent",
        algo,
        "--steps",
        "32",
        "--logdir",
        str(tmp_path),
        "--no-progress",
        *TINY_ENV,
        *STANDIN,
        "--agent-kwargs",
        *kwargs,
    )
    assert out["steps"] >= 32 and (tmp_path / "model.zip").is_file()


def test_leo_train_trains_dqn_where_the_space_fits(tmp_path, capsys):
    argv = "--agent sb3:DQN --env CartPole-v1 --steps 64 --no-progress --agent-kwargs"
    out = _run(
        capsys, *argv.split(), "learning_starts=16", "batch_size=16", "--logdir", str(tmp_path)
    )
    assert out["steps"] == 64


def test_bad_choices_are_clear_errors(tmp_path, capsys):
    assert (
        cli.main(["--agent", "sb3:DQN", "--steps", "8", "--logdir", str(tmp_path), *TINY_ENV]) == 2
    )
    assert "DQN" in capsys.readouterr().err
    assert cli.main(["--agent", "nope", "--logdir", str(tmp_path)]) == 2
    assert "agent must be one of" in capsys.readouterr().err
    assert (
        cli.main(["--agent", "ac_ddpg", "--logdir", str(tmp_path), "--agent-kwargs", "bogus=1"])
        == 2
    )
    assert "bogus" in capsys.readouterr().err
