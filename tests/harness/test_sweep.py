"""sweep(): grid expansion and the serial / process / Ray backends agree."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from leo_envs.harness import sweep
from leo_envs.harness.evaluate import TIMING_COLUMNS, ConfigError
from leo_envs.harness.sweep import connect_ray, expand_grid


def _grid(env_id: str) -> dict:
    return {
        "policy": ["toy_policies:SeededRandom", "toy_policies:ExactPlanner", "not-a-policy"],
        "env_id": env_id,
        "seeds": [[0, 1]],
        "episodes": 2,
        "env_kwargs": [{}, {"n_steps": 3}],
    }


def _comparable(df: pd.DataFrame) -> pd.DataFrame:
    return df.drop(columns=list(TIMING_COLUMNS))


def test_expand_grid() -> None:
    cells = expand_grid({"policy": ["a", "b"], "env_id": "E", "seeds": [0, 1]})
    assert [(c["policy"], c["seeds"]) for c in cells] == [
        ("a", [0]), ("a", [1]), ("b", [0]), ("b", [1]),
    ]  # fmt: skip
    assert cells[0]["episodes"] == 1 and cells[0]["env_kwargs"] == {}
    cells = expand_grid([{"policy": "a", "env_id": "E", "seeds": 3, "name": "lbl"}])
    assert cells == [
        {"policy": "a", "env_id": "E", "seeds": [3], "episodes": 1, "env_kwargs": {},
         "name": "lbl", "timeout_s": None, "episode_timeout_s": None}
    ]  # fmt: skip
    with pytest.raises(ValueError, match="unknown keys"):
        expand_grid([{"policy": "a", "env_id": "E", "seed": 0}])
    with pytest.raises(ValueError, match="missing keys"):
        expand_grid([{"policy": "a"}])
    with pytest.raises(ValueError, match="backend"):
        sweep([], backend="spark")
    assert sweep([], backend="serial").empty


def test_serial_sweep_rows(toy_id: str) -> None:
    df = sweep(_grid(toy_id), backend="serial", progress=False)
    assert len(df) == 3 * 2 * 2 * 2
    assert list(df.columns[:3]) == ["cell", "policy", "env_id"]
    assert df["cell"].is_monotonic_increasing
    bad = df[df.policy == "not-a-policy"]
    assert len(bad) == 8 and bad["error"].str.contains("unknown policy 'not-a-policy'").all()
    good = df[df.policy != "not-a-policy"]
    assert good["error"].isna().all()
    assert set(good["n_steps"]) == {3, 5}
    # gap_to_opt is matched on env spec, seed and episode: the exact planner is the reference.
    assert (df.loc[df.policy == "toy_policies:ExactPlanner", "gap_to_opt"] == 0).all()
    assert (df.loc[df.policy == "toy_policies:SeededRandom", "gap_to_opt"] >= 0).all()


def test_process_backend_equals_serial(toy_id: str) -> None:
    grid = _grid(toy_id)
    serial = sweep(grid, backend="serial", progress=False)
    process = sweep(grid, backend="process", max_workers=2, progress=False)
    pd.testing.assert_frame_equal(_comparable(serial), _comparable(process))


def test_crashing_worker_fails_only_its_cell(toy_id: str) -> None:
    grid = [
        {"policy": "toy_policies:crash_worker", "env_id": toy_id, "seeds": [0, 1]},
        {"policy": "toy_policies:Greedy", "env_id": toy_id, "seeds": [0, 1]},
    ]
    df = sweep(grid, backend="process", max_workers=2, progress=False)
    assert len(df) == 4
    assert df.loc[df.cell == 0, "error"].str.contains(r"crashed \(exit code 3\)").all()
    assert df.loc[df.cell == 1, "error"].isna().all()
    assert df.loc[df.cell == 1, "objective"].notna().all()


def test_ray_backend_equals_local(toy_id: str) -> None:
    ray = pytest.importorskip("ray")
    grid = _grid(toy_id)
    local = sweep(grid, backend="serial", progress=False)
    ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR")
    try:
        remote = sweep(grid, backend="ray", progress=False)
        assert ray.is_initialized()  # a cluster the caller started is left running
    finally:
        ray.shutdown()
    pd.testing.assert_frame_equal(_comparable(local), _comparable(remote))


def test_grid_seeds_episodes_and_timeouts_are_validated() -> None:
    for bad in ([1.5], "12", [True]):
        with pytest.raises(TypeError, match="grid cell 0: seeds"):
            expand_grid([{"policy": "a", "env_id": "E", "seeds": bad}])
    with pytest.raises(TypeError, match="episodes"):
        expand_grid([{"policy": "a", "env_id": "E", "episodes": 2.0}])
    with pytest.raises(ValueError, match="timeout_s"):
        expand_grid([{"policy": "a", "env_id": "E", "timeout_s": 0}])


def test_bad_env_config_fails_the_sweep_before_running(toy_id: str) -> None:
    grid = [
        {"policy": "toy_policies:Greedy", "env_id": toy_id},
        {"policy": "toy_policies:Greedy", "env_id": toy_id, "env_kwargs": {"bogus": 1}},
    ]
    with pytest.raises(ConfigError, match=r"grid cell 1: .*bogus"):
        sweep(grid, backend="serial", progress=False)


def test_crashed_worker_loses_only_its_episode(toy_id: str) -> None:
    grid = [{"policy": "toy_policies:KillOnEpisode1", "env_id": toy_id, "seeds": [0, 1],
             "episodes": 3}]  # fmt: skip
    df = sweep(grid, backend="process", progress=False)
    assert len(df) == 6
    assert df["error"].notna().tolist() == [False, True, False, False, False, False]
    error = df["error"][1]
    assert "seed 0 episode 1" in error and "signal 9 (SIGKILL)" in error
    serial = sweep([{**grid[0], "policy": "toy_policies:Greedy"}], backend="serial",
                   progress=False)  # fmt: skip
    keep = [0, 2, 3, 4, 5]  # the finished and the resumed episodes are the same episodes
    np.testing.assert_allclose(df["objective"][keep], serial["objective"][keep])


def test_episode_timeouts(toy_id: str) -> None:
    cell = {"env_id": toy_id, "seeds": [0], "episodes": 3}
    # In-process: SIGALRM interrupts the sleeping episode.
    df = sweep([{**cell, "policy": "toy_policies:SleepOnEpisode1"}], backend="serial",
               episode_timeout_s=0.5, progress=False)  # fmt: skip
    assert df["error"].notna().tolist() == [False, True, False]
    assert "episode_timeout_s=0.5 s" in df["error"][1]
    # A worker that ignores the alarm is killed by the parent; the rest of the cell runs.
    df = sweep([{**cell, "policy": "toy_policies:DeafSleepOnEpisode1",
                 "episode_timeout_s": 0.5}], backend="process", progress=False)  # fmt: skip
    assert df["error"].notna().tolist() == [False, True, False]
    assert "seed 0 episode 1 ran past episode_timeout_s=0.5 s" in df["error"][1]
    assert "killed" in df["error"][1]


def test_cell_timeout_fails_what_is_left(toy_id: str) -> None:
    grid = [{"policy": "toy_policies:SleepOnEpisode1", "env_id": toy_id, "seeds": [0],
             "episodes": 3, "timeout_s": 0.5}]  # fmt: skip
    df = sweep(grid, backend="serial", progress=False)
    assert df["error"].notna().tolist() == [False, True, True]
    assert "seed 0 episode 1" in df["error"][1] and "seed 0 episode 2" in df["error"][2]
    assert df["error"][1:].str.contains("timeout_s=0.5 s ran out").all()


def test_wrong_ray_address_fails_fast() -> None:
    pytest.importorskip("ray")
    with pytest.raises(ConnectionError, match=r"no Ray cluster at '127\.0\.0\.1:1'"):
        connect_ray("127.0.0.1:1", num_cpus=1, timeout_s=5)
