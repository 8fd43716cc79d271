"""What the install extras promise: RLlib on remote env runners (`rllib`), executing
notebooks with widget progress bars (`dev`), and `render_mode="human"` (pygame)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

import leo_envs
from leo_envs.rllib import make_env, register_rllib_envs

ENV_ID = "leo_envs/LinkScheduling-v0"
SMALL = {"n_devices": 20, "max_devices": 20}


@pytest.mark.slow  # ~40 s on an idle 2-core machine, mostly starting Ray: CI runs it
def test_rllib_ppo_trains_one_iteration_on_a_remote_env_runner() -> None:
    # Without register_rllib_envs() the remote runner fails: NamespaceNotFound: leo_envs.
    ray = pytest.importorskip("ray")
    from ray.rllib.algorithms.ppo import PPOConfig

    ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR")
    try:
        assert register_rllib_envs() == list(leo_envs.ENV_IDS)
        config = (
            PPOConfig()
            .environment(ENV_ID, env_config=SMALL)
            .env_runners(num_env_runners=1, rollout_fragment_length=50)
            .training(train_batch_size_per_learner=100, minibatch_size=50, num_epochs=1)
            .debugging(seed=0)
        )
        algo = config.build_algo()
        try:
            result = algo.train()
        finally:
            algo.stop()
    finally:
        ray.shutdown()
    runners = result["env_runners"]
    assert runners["num_env_steps_sampled_lifetime"] >= 100
    assert np.isfinite(runners["episode_return_mean"])


def test_rllib_helpers_validate_and_build() -> None:
    pytest.importorskip("ray")
    with pytest.raises(ValueError, match="unknown env ids"):
        register_rllib_envs(["leo_envs/Nope-v0"])
    env = make_env(ENV_ID, {**SMALL})
    assert env.unwrapped.config.n_devices == 20
    env.close()


def test_nbconvert_executes_a_notebook_with_widget_progress_bars(tmp_path: Path) -> None:
    cells = [
        "import warnings\n"
        "warnings.simplefilter('error')  # tqdm warns 'IProgress not found' without ipywidgets\n"
        "from tqdm.auto import tqdm\n"
        "bar = tqdm(range(3))\n"
        "for _ in bar:\n"
        "    pass\n"
        "import tqdm.notebook\n"
        "print(isinstance(bar, tqdm.notebook.tqdm), hasattr(bar, 'container'))",
    ]
    notebook = {
        "cells": [
            {"cell_type": "code", "metadata": {}, "source": c, "outputs": [],
             "execution_count": None} for c in cells
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                    "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }  # fmt: skip
    path = tmp_path / "bars.ipynb"
    path.write_text(json.dumps(notebook))
    jupyter = Path(sys.executable).with_name("jupyter")
    done = subprocess.run(
        [str(jupyter), "nbconvert", "--to", "notebook", "--execute", str(path),
         "--output", "executed.ipynb", "--ExecutePreprocessor.timeout=120"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    executed = json.loads((tmp_path / "executed.ipynb").read_text())
    outputs = executed["cells"][0]["outputs"]
    text = "".join("".join(o.get("text", "")) for o in outputs if o["output_type"] == "stream")
    assert "True True" in text  # a widget bar, not the text fallback
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)


def test_render_mode_human_opens_a_pygame_window(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")  # headless
    pygame = pytest.importorskip("pygame")
    env = gym.make(ENV_ID, render_mode="human", **SMALL)
    assert env.render_mode == "human"
    env.reset(seed=0)
    env.step(env.action_space.sample())
    assert env.render() is None  # drawn to the window
    assert pygame.display.get_surface() is not None
    assert pygame.display.get_surface().get_size()[0] > 100
    env.close()


def test_unsupported_render_mode_lists_the_supported_ones() -> None:
    with pytest.raises(ValueError, match=r"render_mode must be one of \['ansi', 'rgb_array'\]"):
        gym.make(ENV_ID, render_mode="video", disable_env_checker=True, **SMALL)


def test_human_rendering_without_pygame_says_what_to_install() -> None:
    code = (
        "import sys; sys.modules['pygame'] = None\n"
        "import gymnasium as gym, leo_envs\n"
        f"env = gym.make({ENV_ID!r}, render_mode='human', n_devices=20, max_devices=20)\n"
        "env.reset(seed=0)\n"  # the first frame is drawn at reset
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "SDL_VIDEODRIVER": "dummy"})  # fmt: skip
    assert done.returncode != 0 and "pygame is not installed" in done.stderr
