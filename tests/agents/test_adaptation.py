"""Adaptation metrics of leo_envs.harness.adaptation on hand-made curves."""

import math

import numpy as np
import pandas as pd
import pytest

from leo_envs.harness.adaptation import (
    adaptation_gains,
    adaptation_report,
    bootstrap_ci,
    forgetting,
    forward_transfer,
    summarise_over_seeds,
)


def _curve(values, tasks, **cols):
    return pd.DataFrame(
        {"slot": np.arange(len(values)), "reward": values, "task_id": tasks, **cols}
    )


def test_adaptation_gain_is_late_minus_early_per_switch():
    values = [1, 1, 0, 0.5, 1, 1, 0.2, 0.4]
    tasks = [0, 0, 1, 1, 1, 1, 2, 2]
    out = adaptation_gains(_curve(values, tasks), window=2)
    assert out["switch_slot"].tolist() == [2, 6]
    assert out["gain"].tolist() == pytest.approx([1.0 - 0.25, 0.0])
    lower = adaptation_gains(_curve(values, tasks), window=2, higher_is_better=False)
    assert lower["gain"].tolist() == pytest.approx([-0.75, 0.0])


def test_forgetting_and_forward_transfer_follow_continual_world():
    perf = np.array([[0.8, 0.1, 0.0], [0.5, 0.9, 0.2], [0.4, 0.7, 1.0]])
    np.testing.assert_allclose(forgetting(perf), [0.4, 0.2, 0.0])
    assert forward_transfer([0.5, 0.7, 0.9], [0.1, 0.3, 0.5]) == pytest.approx(0.4 / 0.7)
    with pytest.raises(ValueError, match="square"):
        forgetting(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="best"):
        forward_transfer([1.0], [1.0])


def test_bootstrap_ci_brackets_the_mean_and_handles_degenerate_input():
    mean, low, high = bootstrap_ci([1.0, 2.0, 3.0, 4.0])
    assert mean == 2.5 and low < mean < high and 1.0 <= low and high <= 4.0
    assert bootstrap_ci([2.0, 2.0, 2.0]) == (2.0, 2.0, 2.0)
    m, lo, hi = bootstrap_ci([3.0, math.nan])
    assert m == 3.0 and math.isnan(lo) and math.isnan(hi)
    with pytest.raises(ValueError, match="confidence"):
        bootstrap_ci([1.0, 2.0], confidence=1.5)


def test_report_over_seeds_counts_unrecovered_switches_as_their_whole_segment():
    tasks = [0] * 4 + [1] * 6
    fast = [1, 1, 1, 1, 0, 1, 1, 1, 1, 1]  # recovers after 1 slot (window 1)
    never = [1, 1, 1, 1, 0, 0, 0, 0, 0, 0]
    curves = pd.concat(
        [_curve(fast, tasks, seed=s, policy="fast") for s in range(3)]
        + [_curve(never, tasks, seed=s, policy="never") for s in range(3)]
    )
    per_switch, summary = adaptation_report(curves, window=1, tolerance=0.05)
    assert len(per_switch) == 6
    s = summary.set_index("policy")
    assert s.loc["fast", "mean_recovery"] == 1.0 and s.loc["fast", "unrecovered"] == 0
    assert s.loc["never", "mean_recovery"] == 6.0 and s.loc["never", "unrecovered"] == 3
    assert s.loc["fast", "n_recovery"] == 3
    table = summarise_over_seeds(per_switch, "gain")
    assert set(table["policy"]) == {"fast", "never"}
    with pytest.raises(ValueError, match="seed"):
        adaptation_report(_curve(fast, tasks))
