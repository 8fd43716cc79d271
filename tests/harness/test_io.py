"""save_table(), log_tensorboard(), summary_table()."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import toy_policies as tp

from leo_envs.harness import compare, print_summary, save_table, summary_table
from leo_envs.harness.io import check_output_dir, check_table_path, log_tensorboard


@pytest.fixture
def results(toy_id: str) -> pd.DataFrame:
    return compare(
        {"const": tp.Constant(), "opt": tp.ExactPlanner(), "raising": tp.Raising()},
        toy_id, seeds=(0, 1), episodes=2, progress=False,
    )  # fmt: skip


@pytest.mark.parametrize("name", ["r.csv", "sub/dir/r.parquet"])
def test_save_table_round_trip_and_atomic(results: pd.DataFrame, tmp_path: Path, name: str) -> None:
    path = save_table(results, tmp_path / name)
    assert path == tmp_path / name and path.exists()
    leftovers = [p for p in path.parent.iterdir() if p != path]
    assert leftovers == []  # no temp files
    back = pd.read_csv(path) if path.suffix == ".csv" else pd.read_parquet(path)
    assert list(back.columns) == list(results.columns)
    assert len(back) == len(results)
    for col in ["seed", "episode", "return", "objective", "gap_to_opt"]:
        np.testing.assert_allclose(back[col].astype(float), results[col].astype(float))
    assert back["error"].isna().tolist() == results["error"].isna().tolist()
    # Overwriting replaces the file in one move.
    save_table(results.head(2), path)
    again = pd.read_csv(path) if path.suffix == ".csv" else pd.read_parquet(path)
    assert len(again) == 2


def test_save_table_failure_leaves_nothing(tmp_path: Path) -> None:
    class Boom(pd.DataFrame):
        def to_csv(self, *args, **kwargs):
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        save_table(Boom({"a": [1]}), tmp_path / "x.csv")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError, match=r"csv or \.parquet"):
        save_table(pd.DataFrame({"a": [1]}), tmp_path / "x.xlsx")


def test_tensorboard_scalars(results: pd.DataFrame, tmp_path: Path) -> None:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    runs = log_tensorboard(results, tmp_path, tag_prefix="toy")
    assert {r.name for r in runs} == {"const", "opt", "raising"}
    acc = EventAccumulator(str(tmp_path / "const"))
    acc.Reload()
    tags = acc.Tags()["scalars"]
    assert {"toy/objective", "toy/return", "toy/gap_to_opt", "toy/decision_time_s"} <= set(tags)
    assert "toy/seed" not in tags and "toy/episode" not in tags
    events = acc.Scalars("toy/objective")
    assert [e.step for e in events] == [0, 1, 2, 3]
    expected = results.loc[results.policy == "const", "objective"].to_numpy()
    np.testing.assert_allclose([e.value for e in events], expected, rtol=1e-6)


def test_summary_table(results: pd.DataFrame, capsys: pytest.CaptureFixture[str]) -> None:
    table = summary_table(results)
    assert table["policy"].tolist() == ["const", "opt", "raising"]
    assert table["episodes"].tolist() == [4, 4, 4]
    assert table["errors"].tolist() == [0, 0, 4]
    const = results[results.policy == "const"]
    row = table.set_index("policy").loc["const"]
    assert row["objective_mean"] == pytest.approx(const["objective"].mean())
    assert row["objective_std"] == pytest.approx(const["objective"].std())
    assert table.set_index("policy").loc["opt", "gap_to_opt_mean"] == 0
    text = print_summary(results)
    assert "±" in text and "raising" in capsys.readouterr().out


def test_saved_tables_get_normal_permissions(results: pd.DataFrame, tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        for name in ("r.csv", "r.parquet"):
            path = save_table(results, tmp_path / name)
            assert stat.S_IMODE(path.stat().st_mode) == 0o644, name  # not mkstemp's 0600
    finally:
        os.umask(umask)


def test_output_paths_are_checked(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match="is not a folder"):
        check_table_path(tmp_path / "file" / "r.csv")
    (tmp_path / "d.csv").mkdir()
    with pytest.raises(ValueError, match="is a folder"):
        check_table_path(tmp_path / "d.csv")
    with pytest.raises(ValueError, match="not a folder"):
        check_output_dir(tmp_path / "file", "--tensorboard")
    assert check_table_path(tmp_path / "new" / "dir" / "r.csv") == tmp_path / "new/dir/r.csv"
    assert not (tmp_path / "new").exists()  # checking creates nothing


def test_plot_axes_name_units_direction_and_percent(toy_id: str) -> None:
    from leo_envs.harness.plot import summary_figure

    df = compare({"worst": tp.WorstPlanner(), "opt": tp.ExactPlanner()}, toy_id, seeds=(0, 1),
                 progress=False)  # fmt: skip
    axes = summary_figure(df).axes
    labels = [ax.get_ylabel() for ax in axes]
    assert len(axes) == 2 and "lower is better" in labels[0] and "(%)" in labels[1]
    worst_gap = df.loc[df.policy == "worst", "gap_to_opt"].mean()
    heights = [bar.get_height() for bar in axes[1].patches]
    assert heights[0] == pytest.approx(100 * worst_gap)  # drawn in %
    assert all(ax.get_xlabel() == "policy" for ax in axes)
    # OPT == 0: the relative gap is n/a and the absolute gap gets its own panel.
    zero = compare({"worst": tp.WorstPlanner(), "opt": tp.ExactPlanner()}, toy_id, seeds=0,
                   env_kwargs={"zero_cost_action": 0}, progress=False)  # fmt: skip
    axes = summary_figure(zero).axes
    assert [ax.get_title() for ax in axes] == ["objective", "gap to opt", "gap abs"]
    assert "n/a" in [t.get_text() for t in axes[1].texts]
    assert "absolute gap" in axes[2].get_ylabel()
