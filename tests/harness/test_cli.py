"""The leo-bench CLI, run in-process through main([...])."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from leo_envs.harness.cli import main, parse_seeds


def test_parse_seeds() -> None:
    assert parse_seeds("0,1,5-7") == [0, 1, 5, 6, 7]
    with pytest.raises(Exception, match="bad seed list"):
        parse_seeds("a")


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
    with pytest.raises(SystemExit):
        main(["compare", toy_id, "--policies", "a", "--env-kwargs", "[1]"])


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
