"""evaluate() and compare() on the toy env."""

from __future__ import annotations

import json
import math

import gymnasium as gym
import numpy as np
import pandas as pd
import pytest
import toy_policies as tp

from leo_envs.harness import CallablePolicy, compare, evaluate
from leo_envs.harness.evaluate import TIMING_COLUMNS, ConfigError


def _costs(env_id: str, seed: int, episodes: int) -> list[np.ndarray]:
    env = gym.make(env_id)
    out = []
    for ep in range(episodes):
        env.reset(seed=seed) if ep == 0 else env.reset()
        out.append(env.unwrapped.instance()["costs"])
    return out


def test_rows_and_columns(toy_id: str) -> None:
    df = evaluate(tp.SeededRandom(), toy_id, seeds=(0, 1), episodes=3, progress=False)
    assert len(df) == 6
    assert list(df[["seed", "episode"]].itertuples(index=False, name=None)) == [
        (s, e) for s in (0, 1) for e in range(3)
    ]
    for col in ["policy", "env_id", "return", "n_steps", "objective", "served_devices",
                "delivered_bits", "done_flag", "task_id", "info.episode", "decision_time_s",
                "plan_time_s", "is_exact", "env_spec", "error"]:  # fmt: skip
        assert col in df.columns, col
    assert "note" not in df.columns and "action_mask" not in df.columns  # not numeric scalars
    assert (df["policy"] == "seeded_random").all()
    assert (df["n_steps"] == 5).all()
    assert df["error"].isna().all()
    np.testing.assert_allclose(df["objective"], -df["return"])
    assert df["plan_time_s"].isna().all() and (df["decision_time_s"] > 0).all()
    spec = json.loads(df["env_spec"].iloc[0])
    assert spec["id"] == "harness_toy/Toy-v0"


def test_identical_seeds_give_identical_rows(toy_id: str) -> None:
    pol = tp.SeededRandom()
    a = evaluate(pol, toy_id, seeds=(3, 4), episodes=3, progress=False)
    b = evaluate(pol, toy_id, seeds=(3, 4), episodes=3, progress=False)
    pd.testing.assert_frame_equal(a.drop(columns=list(TIMING_COLUMNS)),
                                  b.drop(columns=list(TIMING_COLUMNS)))  # fmt: skip
    c = evaluate(pol, toy_id, seeds=(5,), episodes=3, progress=False)
    assert not np.allclose(a["objective"].iloc[:3], c["objective"])


def test_episode_sequence_independent_of_actions(toy_id: str) -> None:
    expected = [c.min(axis=1).sum() for c in _costs(toy_id, 7, 3)]
    for pol in (tp.Constant(), tp.SeededRandom(), tp.Greedy()):
        df = evaluate(pol, toy_id, seeds=7, episodes=3, progress=False)
        assert (df["objective"].to_numpy() >= np.array(expected) - 1e-12).all()
    greedy = evaluate(tp.Greedy(), toy_id, seeds=7, episodes=3, progress=False)
    np.testing.assert_allclose(greedy["objective"], expected)


def test_planner_schedule_is_replayed_and_scored(toy_id: str) -> None:
    costs = _costs(toy_id, 2, 2)
    planner = tp.ExactPlanner()
    df = evaluate(planner, toy_id, seeds=2, episodes=2, progress=False)
    assert planner.plans == 2
    np.testing.assert_allclose(df["objective"], [c.min(axis=1).sum() for c in costs])
    worst = evaluate(tp.WorstPlanner(), toy_id, seeds=2, episodes=2, progress=False)
    np.testing.assert_allclose(worst["objective"], [c.max(axis=1).sum() for c in costs])
    assert (df["plan_time_s"] > 0).all()
    np.testing.assert_allclose(df["decision_time_s"], df["plan_time_s"] / df["n_steps"])
    assert (df["gap_to_opt"] == 0).all()  # an exact policy alone is its own reference


def test_short_plan_fails_only_its_episode(toy_id: str) -> None:
    class ShortPlanner:
        def plan(self, instance):
            return np.zeros(2, dtype=int)

    df = evaluate(ShortPlanner(), toy_id, seeds=(0, 1), episodes=1, progress=False)
    assert df["error"].str.contains("plan has 2 rows").all()
    assert df["objective"].isna().all() if "objective" in df else True


def test_compare_adds_gap_to_opt(toy_id: str) -> None:
    df = compare(
        {"const": tp.Constant(), "opt": tp.ExactPlanner(), "worst": tp.WorstPlanner()},
        toy_id, seeds=(0, 1), episodes=2, progress=False,
    )  # fmt: skip
    assert len(df) == 12
    assert list(df["policy"].unique()) == ["const", "opt", "worst"]
    opt = df[df.policy == "opt"].set_index(["seed", "episode"])["objective"]
    assert (df.loc[df.policy == "opt", "gap_to_opt"] == 0).all()
    for name in ("const", "worst"):
        rows = df[df.policy == name].set_index(["seed", "episode"])
        expected = (rows["objective"] - opt) / opt.abs()
        np.testing.assert_allclose(rows["gap_to_opt"], expected)
        assert (rows["gap_to_opt"] >= 0).all()
    assert (df.loc[df.policy == "worst", "gap_to_opt"] > 0).all()


def test_compare_reference_and_no_reference(toy_id: str) -> None:
    plain = compare({"a": tp.Constant(), "b": tp.Greedy()}, toy_id, progress=False)
    assert "gap_to_opt" not in plain.columns
    ref = compare({"a": tp.Constant(), "b": tp.Greedy()}, toy_id, progress=False, reference="b")
    assert ref.loc[ref.policy == "b", "gap_to_opt"].iloc[0] == 0
    assert ref.loc[ref.policy == "a", "gap_to_opt"].iloc[0] > 0
    with pytest.raises(ValueError, match="reference"):
        compare({"a": tp.Constant()}, toy_id, progress=False, reference="zzz")


def test_evaluate_with_reference_policy(toy_id: str) -> None:
    df = evaluate(tp.Constant(), toy_id, seeds=(0, 1), reference=tp.ExactPlanner(), progress=False)
    opt = evaluate(tp.ExactPlanner(), toy_id, seeds=(0, 1), progress=False)
    np.testing.assert_allclose(
        df["gap_to_opt"], (df["objective"] - opt["objective"]) / opt["objective"]
    )


def test_raising_policy_fails_only_its_rows(toy_id: str) -> None:
    df = compare(
        {"raising": tp.Raising(), "const": tp.Constant(), "missing": "no_such_mod_q:X",
         "opt": tp.ExactPlanner()},
        toy_id, seeds=(0, 1), episodes=2, progress=False,
    )  # fmt: skip
    assert len(df) == 16
    bad = df[df.policy == "raising"]
    assert (bad["error"] == "RuntimeError: boom").all()
    assert (
        bad[["return", "n_steps", "objective", "decision_time_s", "gap_to_opt"]].isna().all().all()
    )
    assert df.loc[df.policy == "missing", "error"].str.contains("cannot import").all()
    good = df[df.policy.isin(["const", "opt"])]
    assert good["error"].isna().all()
    assert good["objective"].notna().all() and good["gap_to_opt"].notna().all()


def test_bad_env_config_is_a_config_error_not_failed_episodes(toy_id: str) -> None:
    with pytest.raises(ConfigError, match="DoesNotExist"):
        evaluate(tp.Constant(), "harness_toy/DoesNotExist-v0", seeds=(0, 1), progress=False)
    with pytest.raises(ConfigError, match="n_steps must be an integer"):
        evaluate(tp.Constant(), toy_id, env_kwargs={"n_steps": 0}, progress=False)
    with pytest.raises(ConfigError, match="bogus"):
        compare({"c": tp.Constant()}, toy_id, env_kwargs={"bogus": 1}, progress=False)
    assert issubclass(ConfigError, ValueError)


@pytest.mark.parametrize(
    ("seeds", "error"),
    [([1.5], TypeError), ("12", TypeError), ([1.0], TypeError), ([True], TypeError),
     (2.0, TypeError), ([-1], ValueError), ([], ValueError)],
)  # fmt: skip
def test_seeds_are_validated_not_coerced(toy_id: str, seeds: object, error: type) -> None:
    with pytest.raises(error, match="seeds"):
        evaluate(tp.Constant(), toy_id, seeds=seeds, progress=False)  # type: ignore[arg-type]


def test_numpy_integer_seeds_and_episodes_are_accepted(toy_id: str) -> None:
    df = evaluate(tp.Constant(), toy_id, seeds=np.array([3, 4]), episodes=np.int64(2),
                  progress=False)  # fmt: skip
    assert df["seed"].tolist() == [3, 3, 4, 4]
    with pytest.raises(TypeError, match="episodes"):
        evaluate(tp.Constant(), toy_id, episodes=1.5, progress=False)  # type: ignore[arg-type]


def test_non_finite_metrics_are_error_rows(toy_id: str) -> None:
    df = evaluate(tp.Greedy(), toy_id, seeds=0, episodes=3, env_kwargs={"nan_episode": 1},
                  progress=False)  # fmt: skip
    assert df["error"].isna().tolist() == [True, False, True]
    assert "NonFiniteMetrics" in df["error"].iloc[1] and "objective=nan" in df["error"].iloc[1]
    assert np.isfinite(df.loc[[0, 2], "objective"]).all()


def test_episode_timeout_fails_only_that_episode(toy_id: str) -> None:
    df = evaluate(tp.SleepOnEpisode1(), toy_id, seeds=(0, 1), episodes=3, progress=False,
                  episode_timeout_s=0.5)  # fmt: skip
    assert df["error"].notna().tolist() == [False, True, False, False, False, False]
    assert "EpisodeTimeout: seed 0 episode 1 ran past episode_timeout_s=0.5 s" in df["error"][1]
    with pytest.raises(ValueError, match="episode_timeout_s"):
        evaluate(tp.Constant(), toy_id, episode_timeout_s=-1)


def test_relative_gap_is_undefined_where_opt_is_zero(toy_id: str, tmp_path) -> None:
    # Action 0 costs nothing: OPT's objective is exactly 0 and the relative gap undefined.
    df = compare({"worst": tp.WorstPlanner(), "opt": tp.ExactPlanner()}, toy_id, seeds=(0, 1),
                 env_kwargs={"zero_cost_action": 0}, progress=False)  # fmt: skip
    opt = df[df.policy == "opt"]
    worst = df[df.policy == "worst"]
    assert (opt["objective"] == 0).all()
    assert df["gap_to_opt"].isna().all()  # not 1e12 x the absolute gap
    np.testing.assert_allclose(worst["gap_abs"], worst["objective"])
    assert (worst["gap_abs"] > 0).all()
    from leo_envs.harness import save_table

    back = pd.read_csv(save_table(df, tmp_path / "r.csv"), keep_default_na=False)
    assert (back["gap_to_opt"] == "").all()  # empty cells in the CSV
    assert (back["gap_abs"] != "").all()


def test_planner_banner_does_not_reach_stdout(toy_id: str, capfd: pytest.CaptureFixture[str]):
    df = evaluate(tp.BannerPlanner(), toy_id, seeds=0, episodes=2, progress=False)
    assert df["error"].isna().all()
    out = capfd.readouterr().out
    assert "Running HiGHS" not in out
    assert out.count("planner says hello") == 2  # other output is kept


def test_hooks_seed_reset_observe(toy_id: str) -> None:
    learner = tp.Learner()
    seeds_seen: list[int] = []
    learner.seed = seeds_seen.append  # type: ignore[attr-defined]
    df = evaluate(learner, toy_id, seeds=(4, 9), episodes=2, progress=False)
    assert seeds_seen == [4, 9]
    assert learner.resets == 4
    assert len(learner.observed) == int(df["n_steps"].sum()) == 20
    assert [o[2] for o in learner.observed[:5]] == [False] * 4 + [True]
    frozen = tp.Learner()
    evaluate(frozen, toy_id, progress=False, learn=False)
    assert frozen.observed == []


def test_callable_and_env_kwargs_fallback_spec(toy_id: str) -> None:
    class Opaque:  # not JSON-able: EnvSpec.to_json fails, the harness falls back
        pass

    df = evaluate(
        CallablePolicy(lambda obs, info: 1, name="one"), toy_id,
        env_kwargs={"n_steps": 3, "n_actions": 2, "label": Opaque()}, progress=False,
    )  # fmt: skip
    assert df["policy"].iloc[0] == "one" and df["n_steps"].iloc[0] == 3
    spec = json.loads(df["env_spec"].iloc[0])
    assert spec["id"] == toy_id and "Opaque" in spec["kwargs"]["label"]
    assert math.isnan(df["plan_time_s"].iloc[0])


def test_bad_arguments(toy_id: str) -> None:
    with pytest.raises(ValueError, match="episodes"):
        evaluate(tp.Constant(), toy_id, episodes=0)
    with pytest.raises(ValueError, match="episodes"):
        compare({"c": tp.Constant()}, toy_id, episodes=0)
    with pytest.raises(ValueError, match="seeds"):
        evaluate(tp.Constant(), toy_id, seeds=())
