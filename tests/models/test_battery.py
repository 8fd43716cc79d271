"""Battery of a solar-powered site (paper 003, eqs. 9-11): hand values, conservation, errors."""

import numpy as np
import pytest

from leo_envs.models.battery import battery_step

KJ = 1000.0


@pytest.mark.parametrize(
    ("level_kj", "demand_kj", "harvest_kj", "expected_kj", "spilled_kj", "deficit_kj"),
    [
        (50, 60, 40, 29.997, 0.0, 0.0),  # battery covers the 20 kJ shortfall
        (50, 60, 100, 85.995, 0.0, 0.0),  # 40 kJ surplus charged at phi = 0.9
        (90, 60, 100, 100.0, 25.991, 0.0),  # over capacity: spill
        (10, 60, 40, 0.0, 0.0, 10.0),  # battery empties, 10 kJ from backup
    ],
)
def test_spec_b7_hand_values(level_kj, demand_kj, harvest_kj, expected_kj, spilled_kj, deficit_kj):
    step = battery_step(level_kj * KJ, harvest_kj * KJ, demand_kj * KJ, 100 * KJ, 0.9999, 0.9)
    assert step.level_j == pytest.approx(expected_kj * KJ, abs=1e-6)
    assert step.spilled_j == pytest.approx(spilled_kj * KJ, abs=1e-6)
    assert step.deficit_j == pytest.approx(deficit_kj * KJ, abs=1e-6)
    assert step.used_j == pytest.approx((demand_kj - deficit_kj) * KJ, abs=1e-6)


def test_update_by_hand_with_losses_itemised():
    # level 50 kJ, demand 60 kJ, harvest 100 kJ: 60 kJ used at once, 40 kJ to the battery.
    # kept = 50 kJ, self-discharge loss (1 - 0.9999) * 50 kJ = 5 J; charging loss 0.1 * 40 kJ.
    step = battery_step(50 * KJ, 100 * KJ, 60 * KJ, 100 * KJ, 0.9999, 0.9)
    assert step.lost_j == pytest.approx(5.0 + 4000.0, abs=1e-9)
    assert step.level_j == pytest.approx(50_000 - 5.0 + 36_000.0, abs=1e-9)
    assert step.used_j == pytest.approx(60 * KJ)


def test_energy_conservation_over_a_day_for_20_sites():
    rng = np.random.default_rng(3)
    n_sites, n_slots, capacity = 20, 96, 100 * KJ
    hours = (np.arange(n_slots) + 0.5) / 4.0
    sun = np.clip(np.sin(np.pi * (hours - 6.0) / 12.0), 0.0, None)
    harvest = 450.0 * 900.0 * sun[:, None] * rng.uniform(0.2, 1.2, (n_slots, n_sites))
    demand = rng.uniform(20 * KJ, 120 * KJ, (n_slots, n_sites))
    level = rng.uniform(0.0, capacity, n_sites)
    start = level.copy()
    totals = dict.fromkeys(("used", "lost", "spilled", "deficit"), np.zeros(n_sites))
    for t in range(n_slots):
        step = battery_step(level, harvest[t], demand[t], capacity, 0.9999, 0.9)
        assert np.all((step.level_j >= 0.0) & (step.level_j <= capacity))
        totals = {
            "used": totals["used"] + step.used_j,
            "lost": totals["lost"] + step.lost_j,
            "spilled": totals["spilled"] + step.spilled_j,
            "deficit": totals["deficit"] + step.deficit_j,
        }
        level = step.level_j
    stored = level - start
    harvested = harvest.sum(axis=0)
    np.testing.assert_allclose(
        harvested, totals["used"] + stored + totals["lost"] + totals["spilled"], rtol=1e-12
    )
    np.testing.assert_allclose(totals["used"] + totals["deficit"], demand.sum(axis=0), rtol=1e-12)
    # The day exercises every branch: spills, deficits and losses all occur somewhere.
    assert totals["spilled"].sum() > 0 and totals["deficit"].sum() > 0


def test_vectorised_equals_per_site_calls():
    rng = np.random.default_rng(0)
    level, harvest, demand = (rng.uniform(0, 100 * KJ, 7) for _ in range(3))
    zeta = rng.uniform(0.99, 1.0, 7)
    vec = battery_step(level, harvest, demand, 100 * KJ, zeta, 0.85)
    for i in range(7):
        one = battery_step(level[i], harvest[i], demand[i], 100 * KJ, zeta[i], 0.85)
        for a, b in zip(vec, one, strict=True):
            assert a[i] == pytest.approx(float(b), abs=1e-9)


def test_inputs_are_not_modified():
    level = np.array([10.0, 20.0])
    harvest = np.array([5.0, 50.0])
    demand = np.array([30.0, 1.0])
    battery_step(level, harvest, demand, 40.0)
    assert level.tolist() == [10.0, 20.0] and harvest.tolist() == [5.0, 50.0]


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"level_j": -1.0}, "level_j"),
        ({"harvested_j": np.nan}, "harvested_j"),
        ({"demand_j": -5.0}, "demand_j"),
        ({"capacity_j": 0.0}, "capacity_j"),
        ({"level_j": 200.0}, "level_j"),
        ({"self_discharge_per_slot": 1.1}, "self_discharge_per_slot"),
        ({"charge_efficiency": 0.0}, "charge_efficiency"),
    ],
)
def test_bad_input_names_the_parameter(kwargs, name):
    args = {"level_j": 10.0, "harvested_j": 1.0, "demand_j": 1.0, "capacity_j": 100.0}
    args.update(kwargs)
    with pytest.raises(ValueError, match=name):
        battery_step(**args)
