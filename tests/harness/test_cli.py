"""The leo-bench CLI, run in-process through main([...])."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from leo_envs.harness.cli import main, parse_seeds


def test_parse_seeds() -> None:
    assert parse_seeds("0,1,5-7") == [0, 1, 5, 6, 7]
    for bad in ("a", "1.5", "3-1", "-1"):
        with pytest.raises(Exception, match="bad seed list"):
            parse_seeds(bad)


def test_compare_writes_csv_plot_and_tensorboard(
    toy_id: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, png, tb = tmp_path / "results.csv", tmp_path / "plot.png", tmp_path / "tb"
    rc = main(
        ["compare", toy_id, "--policies", "toy_policies:Constant,toy_policies:ExactPlanner",
         "--episodes", "2", "--seeds", "0,1", "--out", str(out), "--plot", str(png),
         "--tensorboard", str(tb), "--env-kwargs", '{"n_steps": 4}', "--no-progress"]
    )  # fmt: skip
    assert rc == 0
    df = pd.read_csv(out)
    assert len(df) == 8 and (df["n_steps"] == 4).all()
    assert df["policy"].unique().tolist() == ["toy_policies:Constant", "toy_policies:ExactPlanner"]
    assert (df.loc[df.policy == "toy_policies:ExactPlanner", "gap_to_opt"] == 0).all()
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert any(tb.rglob("events.out.tfevents.*"))
    printed = capsys.readouterr().out
    assert "toy_policies:Constant" in printed and "gap_to_opt" in printed


def test_evaluate_and_errors(toy_id: str, tmp_path: Path) -> None:
    out = tmp_path / "e.parquet"
    assert main(["evaluate", toy_id, "--policy", "toy_policies:Greedy", "--out", str(out)]) == 0
    assert len(pd.read_parquet(out)) == 1
    # A failing policy still writes its rows, and the exit status says so.
    assert main(["evaluate", toy_id, "--policy", "toy_policies:Raising", "--out", str(out)]) == 1
    assert pd.read_parquet(out)["error"].notna().all()
    assert main(["compare", toy_id, "--policies", "toy_policies:Greedy", "--reference", "x"]) == 2
    assert main(["compare", toy_id, "--policies", "a", "--env-kwargs", "[1]"]) == 2


def test_sweep_serial_from_json(toy_id: str, tmp_path: Path) -> None:
    grid = tmp_path / "grid.json"
    grid.write_text(
        json.dumps(
            {"policy": ["toy_policies:Greedy", "toy_policies:ExactPlanner"], "env_id": toy_id,
             "seeds": [0, 1], "episodes": 2}
        )
    )  # fmt: skip
    out = tmp_path / "sweep.csv"
    rc = main(["sweep", str(grid), "--backend", "serial", "--out", str(out), "--no-progress",
               "--env-kwargs", '{"n_steps": 2}'])  # fmt: skip
    assert rc == 0
    df = pd.read_csv(out)
    assert len(df) == 8 and df["cell"].tolist() == [0, 0, 1, 1, 2, 2, 3, 3]
    assert (df["n_steps"] == 2).all()
    assert df["gap_to_opt"].abs().max() < 1e-12  # greedy is optimal on the toy env


@pytest.mark.parametrize(
    "args",
    [
        ["evaluate", "harness_toy/NoSuchEnv-v0", "--policy", "toy_policies:Greedy"],
        ["evaluate", "{toy}", "--policy", "toy_policies:Greedy", "--env-kwargs", '{"bogus": 1}'],
        ["evaluate", "{toy}", "--policy", "toy_policies:Greedy", "--env-kwargs", '{"n_steps": 0}'],
        ["evaluate", "{toy}", "--policy", "toy_policies:Greedy", "--env-kwargs", "{bad json"],
        ["compare", "{toy}", "--policies", "toy_policies:Greedy,no-such-policy"],
        ["evaluate", "{toy}", "--policy", "sb3:/no/such/model.zip"],
        ["evaluate", "{toy}", "--policy", "toy_policies:Greedy", "--seeds", "1.5"],
        ["evaluate", "{toy}", "--policy", "toy_policies:Greedy", "--episodes", "0"],
        ["evaluate", "{toy}", "--policy", "toy_policies:Greedy", "--episode-timeout-s", "-1"],
        ["evaluate", "{toy}", "--policy", "toy_policies:Greedy", "--out", "{tmp}/r.txt"],
        ["evaluate", "{toy}", "--policy", "toy_policies:Greedy", "--out", "{tmp}/file/r.csv"],
        ["evaluate", "{toy}", "--policy", "toy_policies:Greedy", "--plot", "{tmp}/p.xyz"],
        ["evaluate", "{toy}", "--policy", "toy_policies:Greedy", "--tensorboard", "{tmp}/file"],
        ["sweep", "{tmp}/no-such-grid.json"],
    ],
)
def test_bad_arguments_exit_2_before_anything_runs(
    args: list[str], toy_id: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "file").write_text("x")
    argv = [a.replace("{toy}", toy_id).replace("{tmp}", str(tmp_path)) for a in args]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert "error" in captured.err
    assert "episodes" not in captured.out  # no summary table: nothing ran
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_sweep_env_kwargs_conflicting_with_a_cell_is_an_error(
    toy_id: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    grid = tmp_path / "grid.json"
    grid.write_text(json.dumps([{"policy": "toy_policies:Greedy", "env_id": toy_id,
                                 "env_kwargs": {"n_steps": 3}}]))  # fmt: skip
    argv = ["sweep", str(grid), "--backend", "serial", "--no-progress"]
    assert main([*argv, "--env-kwargs", '{"n_steps": 2}']) == 2
    assert "conflicts with grid cell 0's env_kwargs (n_steps: 3 vs 2)" in capsys.readouterr().err
    assert main([*argv, "--env-kwargs", '{"n_steps": 3, "n_actions": 2}']) == 0  # agreeing


def test_sweep_unknown_policy_or_bad_config_exit_2(toy_id: str, tmp_path: Path) -> None:
    grid = tmp_path / "grid.json"
    grid.write_text(json.dumps({"policy": ["toy_policies:Greedy", "nope"], "env_id": toy_id}))
    assert main(["sweep", str(grid), "--backend", "serial"]) == 2
    grid.write_text(json.dumps({"policy": "toy_policies:Greedy", "env_id": toy_id,
                                "seeds": [[0, 1.5]]}))  # fmt: skip
    assert main(["sweep", str(grid), "--backend", "serial"]) == 2


def test_sweep_help_documents_the_grid_format(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sweep", "--help"]) == 0
    text = capsys.readouterr().out
    for word in ("list of cells", "dict of options", "cartesian product", "timeout_s",
                 "episode_timeout_s", "examples/grid.json"):  # fmt: skip
        assert word in text, word


def test_example_grid_is_valid() -> None:
    from leo_envs.harness.sweep import check_cells, expand_grid

    grid = Path(__file__).resolve().parents[2] / "examples" / "grid.json"
    cells = expand_grid(json.loads(grid.read_text()))
    assert len(cells) >= 2
    check_cells(cells, policies=True)  # every env builds and every policy resolves


def test_plain_function_policy_spec(toy_id: str, tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    spec = "toy_policies:first_action"
    assert main(["evaluate", toy_id, "--policy", spec, "--out", str(out)]) == 0
    df = pd.read_csv(out)
    assert df["error"].isna().all() and df["policy"].tolist() == ["toy_policies:first_action"]


def test_list_shows_env_ids_and_policies(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"]) == 0
    text = capsys.readouterr().out
    assert "leo_envs/LinkScheduling-v0" in text
    assert "link_scheduling.greedy" in text and "link_scheduling.opt" in text


def test_saved_sb3_models_evaluate_from_the_cli(toy_id: str, tmp_path: Path) -> None:
    import gymnasium as gym
    from sb3_contrib import MaskablePPO
    from stable_baselines3 import A2C, PPO

    env = gym.make(toy_id)
    for algo, extra in ((PPO, {"batch_size": 8}), (A2C, {}), (MaskablePPO, {"batch_size": 8})):
        model = algo("MlpPolicy", env, n_steps=8, seed=0, device="cpu", **extra)
        model.save(tmp_path / algo.__name__)
    out = tmp_path / "r.csv"
    specs = [f"sb3:{tmp_path}/PPO.zip", f"sb3:A2C:{tmp_path}/A2C.zip",
             f"sb3:{tmp_path}/MaskablePPO.zip"]  # fmt: skip
    assert main(["compare", toy_id, "--policies", ",".join(specs), "--out", str(out)]) == 0
    df = pd.read_csv(out)
    assert df["error"].isna().all() and df["policy"].tolist() == specs
    from leo_envs.harness import resolve_policy

    assert resolve_policy(specs[2]).model.__class__ is MaskablePPO  # read from the zip
    assert resolve_policy(specs[0]).model.__class__ is PPO
