"""The simulator's trajectories are pinned: optimisations must not change behaviour.

The golden file was written by ``python -m tests.envs.relay_offloading.fingerprint`` before
the speed work of issue 12; rewrite it only for an intended change of the model (and say so
in the env card's Version History).
"""

from __future__ import annotations

import json

import pytest

from tests.envs.relay_offloading import fingerprint as fp

GOLDEN = json.loads(fp.GOLDEN.read_text())


@pytest.mark.parametrize("case", fp.CASES, ids=lambda c: "/".join(map(str, c)))
def test_single_agent_trajectory_matches_golden(case):
    scenario, mode, seed = case
    got = fp.trajectory(scenario, mode, seed)
    want = GOLDEN[f"{scenario}/{mode}/{seed}"]
    assert got["ints"] == want["ints"]
    assert got["floats"] == want["floats"]
    assert got["obs"] == want["obs"]


def test_default_constellation_trajectory_matches_golden():
    got = fp.trajectory("normal", "offload", 4, constellation="starlink_shell1", n_agents=10)
    assert got == GOLDEN["starlink/normal/offload/4"]


def test_parallel_trajectory_matches_golden():
    assert fp.parallel_trajectory("heavy", 5) == GOLDEN["parallel/heavy/5"]
