"""The generic task API: Task identity and JSON, the schedule, scenario registries."""

from __future__ import annotations

import json
import pickle
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pytest

from leo_envs.tasks import (
    ScenarioRegistry,
    Task,
    TaskSchedule,
    as_generator,
    check_array_field,
    derived_field,
    task_set_seed,
)


@dataclass(frozen=True, eq=False)
class ToyTask(Task):
    family: ClassVar[str] = "toy"
    load: float
    sites: np.ndarray
    label: str = "a"
    doubled: float = derived_field(default=0.0)

    @classmethod
    def build(cls, **values):
        return cls(**values, doubled=2 * values["load"])


def toy(load=1.5, sites=(1.0, 2.0), label="a") -> ToyTask:
    return ToyTask.build(load=load, sites=np.array(sites), label=label)


def test_task_id_is_a_stable_content_hash():
    a, b = toy(), toy()
    assert a.task_id == b.task_id and len(a.task_id) == 12
    assert toy(load=1.6).task_id != a.task_id
    assert toy(sites=(1.0, 2.5)).task_id != a.task_id
    # ids ignore float noise in the last bits (libm differences across machines)
    assert toy(load=1.5 * (1 + 1e-14)).task_id == a.task_id
    # and are pinned: the hash of these fields must not change between versions
    assert a.task_id == "bbdb98a2daa2"


def test_to_dict_is_json_and_round_trips_with_derived_fields_rebuilt():
    task = toy()
    data = json.loads(json.dumps(task.to_dict()))
    assert data["family"] == "toy" and "doubled" not in data["fields"]
    again = ToyTask.from_dict(data)
    assert again.task_id == task.task_id and again.doubled == 3.0
    np.testing.assert_array_equal(again.sites, task.sites)
    assert again.sites.dtype == task.sites.dtype


def test_from_dict_rejects_other_families_and_missing_fields():
    data = toy().to_dict()
    with pytest.raises(ValueError, match="family"):
        ToyTask.from_dict({**data, "family": "other"})
    with pytest.raises(ValueError, match="fields"):
        ToyTask.from_dict({"family": "toy", "fields": {"load": 1.0}})
    with pytest.raises(ValueError, match="dict"):
        ToyTask.from_dict([1, 2])


def test_replace_rebuilds_and_rejects_unknown_fields():
    task = toy()
    assert task.replace(load=4.0).doubled == 8.0
    with pytest.raises(ValueError, match="lod"):
        task.replace(lod=1.0)


def test_validate_rejects_nan_naming_the_field():
    with pytest.raises(ValueError, match="load"):
        toy(load=float("nan")).validate()
    with pytest.raises(ValueError, match="sites"):
        toy(sites=(1.0, np.inf)).validate()
    toy().validate()


def test_check_array_field_names_shape_dtype_and_range():
    with pytest.raises(ValueError, match=r"w.*shape"):
        check_array_field("w", [1.0, 2.0], (3,))
    with pytest.raises(ValueError, match=r"w.*>= 0"):
        check_array_field("w", [-1.0, 2.0], (2,), low=0.0)
    with pytest.raises(ValueError, match=r"flag.*boolean"):
        check_array_field("flag", [1, 0], (2,), kind="b")
    assert check_array_field("w", [1, 2], (2,), low=0.0).tolist() == [1, 2]


def _next(task, rng):
    return task.replace(load=task.load + rng.integers(1, 3))


def test_schedule_switches_every_interval_units_and_counts_them():
    schedule = TaskSchedule(3, _next)
    rng = np.random.default_rng(0)
    schedule.start(toy())
    switches = [schedule.advance(rng) for _ in range(10)]
    assert switches == [False, False, False, True, False, False, True, False, False, True]
    assert schedule.seq_idx == 3
    assert schedule.info_fields()["task_id"] == schedule.task.task_id


def test_schedule_pin_holds_the_task_and_remaining_counts_down():
    schedule = TaskSchedule(2, _next)
    rng = np.random.default_rng(0)
    schedule.start(toy())
    schedule.advance(rng)
    assert schedule.remaining() == 2
    pinned = toy(load=9.0)
    schedule.pin(pinned)
    assert not any(schedule.advance(rng) for _ in range(6)) and schedule.task is pinned
    assert schedule.remaining() is None
    schedule.unpin()
    assert any(schedule.advance(rng) for _ in range(3))


def test_schedule_static_rule_is_not_a_switch_and_schedule_pickles():
    schedule = TaskSchedule(1, lambda task, rng: task)
    schedule.start(toy())
    assert not any(schedule.advance(np.random.default_rng(0)) for _ in range(4))
    assert schedule.seq_idx == 0
    clone = pickle.loads(pickle.dumps(TaskSchedule(2, _next)))
    assert clone.interval == 2


def test_schedule_rejects_bad_interval_and_use_before_start():
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="interval"):
            TaskSchedule(bad, _next)
    with pytest.raises(RuntimeError, match="reset"):
        _ = TaskSchedule(None, _next).task


def test_scenario_registry_looks_up_by_name_and_refuses_duplicates():
    registry = ScenarioRegistry("toy")

    @registry.register("calm")
    def calm(config, task, rng):
        """Nothing happens."""
        return task

    assert registry.names() == ("calm",) and "calm" in registry
    assert registry.get("calm").doc == "Nothing happens."
    with pytest.raises(ValueError, match=r"one of \('calm',\)"):
        registry.get("storm")
    with pytest.raises(ValueError, match="already"):
        registry.register("calm")(calm)


def test_task_set_seeds_are_fixed_and_checked():
    assert task_set_seed("train") == 20_221_000 and task_set_seed("test") == 20_221_001
    with pytest.raises(ValueError, match="split"):
        task_set_seed("val")
    with pytest.raises(ValueError, match="version"):
        task_set_seed("train", "v9")


def test_as_generator_accepts_ints_generators_and_none_only():
    fallback = np.random.default_rng(1)
    assert as_generator(None, fallback) is fallback
    gen = np.random.default_rng(2)
    assert as_generator(gen, fallback) is gen
    assert as_generator(3, fallback).integers(100) == np.random.default_rng(3).integers(100)
    for bad in (-1, 1.5, "3"):
        with pytest.raises(ValueError, match="seed"):
            as_generator(bad, fallback)
