"""run_continual() on the toy env and recovery_times() on hand-made curves."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import toy_policies as tp

from leo_envs.harness import recovery_times, run_continual


def _curve(values: list[float], tasks: list[int]) -> pd.DataFrame:
    return pd.DataFrame({"slot": range(len(values)), "reward": values, "task_id": tasks})


def test_recovery_times_hand_computed() -> None:
    # task 0: slots 0-5 at 1.0; task 1 from slot 6: 0, .5, 1, 1, 1, 1; task 2 from 12: all 0.
    values = [1.0] * 6 + [0.0, 0.5, 1.0, 1.0, 1.0, 1.0] + [0.0] * 4
    tasks = [0] * 6 + [1] * 6 + [2] * 4
    out = recovery_times(_curve(values, tasks), window=2, tolerance=0.1)
    assert list(out.columns) == ["switch_slot", "pre_level", "min_level", "recovery_slots"]
    assert out["switch_slot"].tolist() == [6, 12]
    assert out["pre_level"].tolist() == [1.0, 1.0]
    # post-switch moving averages (window 2, not reaching before the switch):
    # slot 6: 0, 7: .25, 8: .75, 9: 1, 10: 1, 11: 1 -> inside the band from slot 9 on.
    assert out["min_level"].tolist() == [0.0, 0.0]
    assert out["recovery_slots"].iloc[0] == 3
    assert math.isnan(out["recovery_slots"].iloc[1])  # never recovered


def test_recovery_must_last_until_next_switch() -> None:
    # window 1: the moving average is the value itself. Inside, outside, then inside for good.
    values = [2.0, 2.0, 2.0, 2.0, 1.0, 2.0, 2.0]
    out = recovery_times(_curve(values, [0, 0, 0, 1, 1, 1, 1]), window=1, tolerance=0.05)
    assert out["recovery_slots"].tolist() == [2.0]  # from slot 5 on
    assert out["min_level"].tolist() == [1.0]
    # A curve that never dips recovers in 0 slots.
    out = recovery_times(_curve([2.0] * 6, [0, 0, 0, 1, 1, 1]), window=3)
    assert out["recovery_slots"].tolist() == [0.0]


def test_recovery_negative_levels_floor_and_explicit_switches() -> None:
    # Negative level: tolerance relative to |pre| = 10 -> band 0.5.
    values = [-10.0] * 4 + [-12.0, -10.4, -9.7, -10.2]
    df = pd.DataFrame({"reward": values})  # no slot, no task_id: give switches explicitly
    out = recovery_times(df, switch_slots=[4], window=1, tolerance=0.05)
    assert out["pre_level"].tolist() == [-10.0]
    assert out["recovery_slots"].tolist() == [1.0]
    with pytest.raises(ValueError, match="task_id"):
        recovery_times(df)
    # Zero level: the absolute floor makes exact zeros count as recovered.
    zeros = _curve([0.0] * 6, [0, 0, 0, 1, 1, 1])
    assert recovery_times(zeros, window=2)["recovery_slots"].tolist() == [0.0]
    # A switch at the first slot has no pre-switch level.
    first = recovery_times(zeros, switch_slots=[0], window=2)
    assert math.isnan(first["pre_level"].iloc[0]) and math.isnan(first["recovery_slots"].iloc[0])


def test_recovery_ignores_nan_metric_values() -> None:
    # objective only at episode ends (every 2nd slot), NaN elsewhere.
    obj = [np.nan, 5.0, np.nan, 5.0, np.nan, 9.0, np.nan, 5.0, np.nan, 5.0]
    tasks = [0, 0, 0, 0, 1, 1, 1, 1, 1, 1]
    df = pd.DataFrame({"slot": range(10), "objective": obj, "task_id": tasks})
    out = recovery_times(df, window=2, tolerance=0.01, metric="objective")
    # pre: slots 2-3 -> 5. ma: slot 4 NaN (outside), 5: 9, 6: 9, 7: 5, 8: 5, 9: 5 -> from slot 7.
    assert out["pre_level"].tolist() == [5.0]
    assert out["recovery_slots"].tolist() == [3.0]
    assert out["min_level"].tolist() == [5.0]


def test_run_continual_rows_and_online_learning(toy_id: str) -> None:
    learner = tp.Learner()
    curve = run_continual(learner, toy_id, n_slots=23, seed=1, env_kwargs={"task_every": 2})
    assert len(curve) == 23 and curve["slot"].tolist() == list(range(23))
    assert len(learner.observed) == 23  # observe() after every step
    assert learner.resets == 5  # 4 full episodes + the started 5th
    assert curve["episode"].tolist() == [i // 5 for i in range(23)]
    assert curve["step"].tolist() == [i % 5 for i in range(23)]
    assert curve["task_id"].tolist() == [(i // 5) // 2 for i in range(23)]
    ends = curve["terminated"].to_numpy()
    assert ends.sum() == 4 and curve.loc[ends, "objective"].notna().all()
    assert curve.loc[~ends, "objective"].isna().all()
    per_episode = curve[curve.episode < 4].groupby("episode")["reward"].sum()
    np.testing.assert_allclose(-per_episode.to_numpy(), curve.loc[ends, "objective"].to_numpy())
    rec = recovery_times(curve, window=3)
    assert rec["switch_slot"].tolist() == [10, 20]


def test_run_continual_planner_matches_evaluate(toy_id: str) -> None:
    from leo_envs.harness import evaluate

    curve = run_continual(tp.ExactPlanner(), toy_id, n_slots=10, seed=3)
    df = evaluate(tp.ExactPlanner(), toy_id, seeds=3, episodes=2, progress=False)
    np.testing.assert_allclose(curve["objective"].dropna(), df["objective"])
