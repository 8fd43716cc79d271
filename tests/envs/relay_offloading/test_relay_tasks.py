"""RelayOffloading tasks: scenarios set the arrival case, tasks drive the episode's geometry
and rates, bad tasks are rejected naming the field."""

import gymnasium as gym
import numpy as np
import pytest

from leo_envs.envs.relay_offloading.arrivals import MEAN_INTERARRIVAL_S
from leo_envs.envs.relay_offloading.config import TEST_KWARGS
from leo_envs.envs.relay_offloading.tasks import SCENARIOS

ENV_ID = "leo_envs/RelayOffloading-v0"


def make(**kw):
    return gym.make(ENV_ID, **{**TEST_KWARGS, **kw}).unwrapped


def test_scenarios_registered_and_cases():
    assert set(SCENARIOS.names()) == {"light", "normal", "heavy", "mixed"}
    for case in ("light", "normal", "heavy"):
        env = make(scenario=case)
        for task in env.sample_tasks(5, seed=1):
            assert task.case == case
            assert (task.interarrival_low_s, task.interarrival_high_s) == MEAN_INTERARRIVAL_S[case]
            assert abs(task.epoch_offset_s) <= env.config.epoch_offset_max_s
    mixed = {t.case for t in make(scenario="mixed").sample_tasks(30, seed=0)}
    assert mixed == {"light", "normal", "heavy"}


def test_task_drives_geometry_and_rates():
    env = make(scenario="heavy")
    heavy, other = env.sample_tasks(2, seed=3)
    env.reset(seed=0, options={"task": heavy})
    agents_a = env.sim.geometry.sat_index[:3].copy()
    n_heavy = env.sim.data.n_tasks
    env.reset(seed=0, options={"task": other})  # another t0: other satellites pass
    assert not np.array_equal(agents_a, env.sim.geometry.sat_index[:3])
    light = heavy.replace(case="light", interarrival_low_s=5.0, interarrival_high_s=10.0)
    env.reset(seed=0, options={"task": light})
    np.testing.assert_array_equal(agents_a, env.sim.geometry.sat_index[:3])  # same t0
    assert env.sim.data.n_tasks < n_heavy / 3  # 1 task/s vs 1 per 5-10 s


def test_tasks_switch_every_update_interval():
    env = make(scenario="normal", update_interval=2)
    _, info = env.reset(seed=0)
    ids = [info["task_id"]]
    for _ in range(4):
        _, info = env.reset()
        ids.append(info["task_id"])
    assert ids[0] == ids[1] != ids[2] == ids[3] != ids[4]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("case", "medium"),
        ("epoch_offset_s", 1e9),
        ("interarrival_low_s", -1.0),
        ("gs_lat_deg", 91.0),
        ("interarrival_high_s", 0.5),
    ],
)
def test_bad_task_fields_are_named(field, value):
    env = make()
    env.reset(seed=0)
    task = env.sample_tasks(1, seed=0)[0].replace(**{field: value})
    with pytest.raises(ValueError, match=field):
        env.reset(options={"task": task})
