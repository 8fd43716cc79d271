"""Exogenous traces, config and tasks of GreenOffloading-v0."""

import json

import numpy as np
import pytest

from leo_envs.envs.green_offloading.config import SCENARIO_NAMES, GreenOffloadingConfig
from leo_envs.envs.green_offloading.tasks import (
    SCENARIOS,
    GreenOffloadingTask,
    random_task,
    sample_tasks,
)
from leo_envs.envs.green_offloading.traces import (
    SITES,
    build_traces,
    diurnal_load_profile,
    site_ghi_slots_w_m2,
    slot_starts_utc,
)
from leo_envs.models.solar import ghi_trace_w_m2, solar_elevation_deg


def _traces(site="greensboro", day=172, error=0.05, seed=0, **kw):
    args = dict(
        n_sites=4, n_slots=96, slot_s=900.0, substeps=15, radius_km=15.0, pv_peak_w=500.0,
        peak_arrival_rate=20.0, night_floor=0.05, horizon=2,
    )  # fmt: skip
    args.update(kw)
    return build_traces(SITES[site], day, error, rng=np.random.default_rng(seed), **args)


@pytest.mark.parametrize("site", sorted(SITES))
def test_harvest_is_zero_whenever_the_sun_is_below_the_horizon(site):
    tr = _traces(site, day=80)
    offsets = (np.linspace(0, 900, 7) * 1000).astype("timedelta64[ms]")
    times = tr.slot_starts_utc.astype("datetime64[ms]")[:, None] + offsets  # [T, 7]
    el = solar_elevation_deg(times[:, :, None], tr.site_lat_deg, tr.site_lon_deg).max(axis=1)
    night = el < 0.0  # [T, N]: the sun stays down for the whole slot
    assert night.sum() > 100
    assert np.all(tr.harvest_j[night] == 0.0)
    assert np.all(tr.harvest_j[~night].max() > 0)


def test_greensboro_slots_conserve_the_shipped_hourly_energy():
    tr = _traces("greensboro", day=172)
    hourly = ghi_trace_w_m2(172 * 24, 24)
    per_hour = tr.ghi_w_m2[:, 0].reshape(24, 4).mean(axis=1)
    np.testing.assert_allclose(per_hour, hourly, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(tr.harvest_j[:, 0], tr.ghi_w_m2[:, 0] * 0.5 * 900)


def test_southern_site_gets_a_southern_summer_on_a_northern_winter_date():
    # Day 355 (22 December): long days at Hlane (26 S), short ones at Greensboro (36 N).
    lat = np.array([SITES["hlane"].lat_deg])
    lon = np.array([SITES["hlane"].lon_deg])
    _, clear_s = site_ghi_slots_w_m2(SITES["hlane"], 355, 96, 900.0, lat, lon)
    g = SITES["greensboro"]
    _, clear_n = site_ghi_slots_w_m2(
        g, 355, 96, 900.0, np.array([g.lat_deg]), np.array([g.lon_deg])
    )
    assert (clear_s > 10).sum() > (clear_n > 10).sum() + 12  # > 3 h more daylight


def test_episode_starts_at_local_midnight():
    starts = slot_starts_utc(SITES["hlane"], 0, 2, 900.0)  # UTC+2
    assert starts[0] == np.datetime64("2020-12-31T22:00:00")
    assert starts[1] - starts[0] == np.timedelta64(900, "s")


def test_forecasts_are_exact_without_error_and_noisy_with_it():
    exact = _traces(error=0.0)
    h = exact.harvest_forecast_j.shape[1]
    for lead in range(h):
        np.testing.assert_allclose(
            exact.harvest_forecast_j[: 96 - lead, lead], exact.harvest_j[lead:], atol=1e-6
        )
    noisy = _traces(error=0.2)
    day = exact.harvest_j > 0
    assert np.abs(noisy.harvest_forecast_j[:, 0][day] - noisy.harvest_j[day]).mean() > 1000.0


def test_arrivals_follow_the_diurnal_profile_and_seed():
    tr = _traces(seed=3)
    again = _traces(seed=3)
    np.testing.assert_array_equal(tr.arrivals, again.arrivals)
    assert not np.array_equal(tr.arrivals, _traces(seed=4).arrivals)
    per_slot = tr.arrivals.sum(axis=(1, 2))
    assert per_slot[48:52].mean() > 10 * per_slot[:8].mean()  # noon vs night
    prof = diurnal_load_profile(np.array([3.0, 12.5, 22.0]), 0.05)
    assert prof[0] == pytest.approx(0.05, abs=1e-3) and prof[1] == pytest.approx(1.0)
    # site weights have mean one: the cluster mean peaks at the configured rate
    assert tr.arrival_rate.max(axis=0).mean() == pytest.approx(20.0, rel=1e-2)


def test_config_rejects_bad_values_naming_the_field():
    for kwargs, name in [
        ({"n_sites": 0}, "n_sites"),
        ({"slot_s": 700.0}, "slot_s"),
        ({"substep_s": 7.0}, "substep_s"),
        ({"charge_efficiency": 0.0}, "charge_efficiency"),
        ({"sat_path": "teleport"}, "sat_path"),
        ({"forecast_error": float("nan")}, "forecast_error"),
        ({"container_max_w": 1.0}, "container_max_w"),
        ({"sat_background_low": 0.5, "sat_background_high": 0.4}, "sat_background_high"),
        ({"slot_s": 3600.0, "substep_s": 900.0}, "substep_s"),
        ({"n_slots": 961}, "n_slots"),
    ]:
        with pytest.raises((ValueError, TypeError), match=name):
            GreenOffloadingConfig(**kwargs)


def test_config_defaults_are_table_1():
    cfg = GreenOffloadingConfig()
    assert (cfg.n_sites, cfg.containers_per_site, cfg.slot_s) == (20, 20, 900.0)
    assert (cfg.eirp_dbw, cfg.g_over_t_db_per_k, cfg.carrier_hz, cfg.bandwidth_hz) == (
        34.9, 15.84, 30e9, 10e6,
    )  # fmt: skip
    assert (cfg.bs_power_w, cfg.sat_antenna_power_w, cfg.battery_capacity_j) == (10.6, 50.0, 1e5)
    assert (cfg.self_discharge_per_slot, cfg.delay_bound_s, cfg.snr_threshold_db) == (
        0.9999, 0.8, 10.0,
    )  # fmt: skip


def test_scenarios_match_the_config_choices_and_tasks_round_trip():
    assert SCENARIOS.names() == SCENARIO_NAMES
    rng = np.random.default_rng(0)
    task = random_task(rng)
    rebuilt = GreenOffloadingTask.from_dict(json.loads(json.dumps(task.to_dict())))
    assert rebuilt.task_id == task.task_id
    cfg = GreenOffloadingConfig(scenario="random_task")
    tasks = sample_tasks(5, np.random.default_rng(1), cfg)
    assert len({t.task_id for t in tasks}) == 5
    same = SCENARIOS.get("fixed_day").next_task(cfg, task, rng)
    assert same is task
    moved = SCENARIOS.get("daily_weather").next_task(cfg, task, np.random.default_rng(2))
    assert moved.site == task.site and moved.forecast_error == task.forecast_error


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("site", "atlantis"),
        ("day_of_year", 365),
        ("forecast_error", -0.1),
        ("forecast_error", float("nan")),
        ("epoch_offset_h", 500.0),
        ("epoch_offset_h", [1.0, 2.0]),
    ],
)
def test_malformed_task_names_the_field(field, value):
    task = GreenOffloadingTask().replace(**{field: value})
    with pytest.raises(ValueError, match=field):
        task.validate(GreenOffloadingConfig())
