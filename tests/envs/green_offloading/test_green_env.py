"""GreenOffloading-v0 behaviour beyond the conformance suite: conservation laws over a day,
the orbit geometry behind the satellite table, the reward and the observation layout."""

import gymnasium as gym
import numpy as np
import pytest

import leo_envs  # noqa: F401
from leo_envs.envs.green_offloading.env import action_to_shares, shares_to_action
from leo_envs.envs.green_offloading.sky import TLE_EPOCH, constellation
from leo_envs.models.frames import look_angles
from leo_envs.models.visibility import GroundSite, VisibilityIndex

SMALL = {"n_sites": 4}


def _site_info(info):
    return {k[5:]: v for k, v in info.items() if k.startswith("site_")}


def _play_day(env, shares):
    env.reset(seed=11)
    infos = []
    start_battery = env.unwrapped.instance().initial_battery_j.copy()
    for _ in range(env.unwrapped.config.n_slots):
        _, reward, terminated, truncated, info = env.step(shares_to_action(shares))
        infos.append((reward, info))
        assert not terminated
    assert truncated
    return start_battery, infos


@pytest.fixture(scope="module")
def day():
    env = gym.make("leo_envs/GreenOffloading-v0", **SMALL)
    shares = np.tile([1.0, 0.25, 0.3], (SMALL["n_sites"], 1))
    return env, *_play_day(env, shares)


def test_battery_energy_is_conserved_over_a_day(day):
    _env, start, infos = day
    sites = [_site_info(i) for _, i in infos]
    harvested = sum(s["harvest_j"] for s in sites)
    used = sum(s["used_green_j"] for s in sites)
    lost = sum(s["lost_j"] for s in sites)
    spilled = sum(s["spilled_j"] for s in sites)
    stored = sites[-1]["battery_j"] - start
    np.testing.assert_allclose(harvested, used + stored + lost + spilled, rtol=1e-9)
    demand = sum(s["energy_j"] for s in sites)
    backup = sum(s["backup_j"] for s in sites)
    np.testing.assert_allclose(used + backup, demand, rtol=1e-9)
    assert harvested.min() > 0 and backup.min() > 0  # a real day: sun by day, backup by night


def test_every_attempt_is_served_locally_by_satellite_or_dropped(day):
    _, _, infos = day
    for _, info in infos:
        s = _site_info(info)
        np.testing.assert_allclose(s["attempts"], s["local"] + s["sat"] + s["dropped"], rtol=1e-9)
        assert np.all(s["drop_no_sat"] <= s["dropped"] + 1e-9)
    assert sum(_site_info(i)["sat"].sum() for _, i in infos) > 0


def test_reward_is_the_documented_combination(day):
    env, _, infos = day
    cfg = env.unwrapped.config
    for reward, info in infos[::7]:
        s = _site_info(info)
        excess = s["delay_excess_sum_s"].sum() / s["served"].sum() / cfg.delay_bound_s
        expected = (
            -info["energy_j"] / info["energy_bench_j"]
            - cfg.drop_weight * s["dropped"].sum() / s["attempts"].sum()
            - cfg.backup_weight * s["backup_j"].mean() / cfg.backup_energy_ref_j
            - cfg.delay_weight * excess
        )
        assert reward == pytest.approx(expected, rel=1e-12)
        assert info["energy_saving"] == pytest.approx(1 - info["energy_j"] / info["energy_bench_j"])
    total = sum(i["energy_j"] for _, i in infos) / sum(i["energy_bench_j"] for _, i in infos)
    assert infos[-1][1]["objective"] == pytest.approx(1 - total)  # the day's saving


def test_serving_satellites_are_visible_from_the_sites(day):
    env, _, infos = day
    inst = env.unwrapped.instance()
    cfg = inst.config
    lat, lon = inst.traces.site_lat_deg, inst.traces.site_lon_deg
    index = VisibilityIndex(
        constellation(cfg.constellation, TLE_EPOCH),
        [GroundSite(float(a), float(b)) for a, b in zip(lat, lon, strict=True)],
        TLE_EPOCH,
        cfg.n_slots * cfg.slot_s,
        cfg.substep_s,
        cfg.min_elevation_deg - 0.5,  # the table uses the cluster centre's passes
    )
    checked = 0
    for t, (_, info) in enumerate(infos[30:60], start=30):
        serving = info["site_serving_sats"]  # [S, N]
        for s_idx, row in enumerate(serving):
            time_s = (t * cfg.substeps_per_slot + s_idx) * cfg.substep_s
            for site, sat in enumerate(row):
                if sat >= 0:
                    el, _, _ = index.look_angles(site, time_s)
                    assert el[sat] >= cfg.min_elevation_deg - 0.5
                    checked += 1
    assert checked > 100


def test_slant_range_at_30_degrees_for_550_km_from_the_orbit_model():
    # Site on the equator (the WGS-84 section there is a circle of radius a), satellite
    # 550 km up at central angle psi = 7.1294 deg: spec 1.2's closed form gives 992.870 km.
    r = 6378.137 + 550.0
    psi = np.deg2rad(7.1294)
    sat = np.array([r * np.cos(psi), r * np.sin(psi), 0.0])
    el, _, rng_km = look_angles(sat, 0.0, 0.0, 0.0)
    assert el == pytest.approx(30.0, abs=1e-3)
    assert rng_km == pytest.approx(992.870, abs=1e-2)


def test_observation_layout_and_shares_round_trip():
    env = gym.make("leo_envs/GreenOffloading-v0", **SMALL, forecast_horizon=3)
    obs, info = env.reset(seed=0)
    layout = env.unwrapped.layout
    assert obs.shape == (SMALL["n_sites"] * (3 * 3 + 10) + 2,)
    parts = layout.split(obs)
    assert layout.stack("harvest_forecast", parts).shape == (3, SMALL["n_sites"])
    np.testing.assert_allclose(parts["battery"], 0.5)
    assert parts["hour_sin"] == pytest.approx(0.0) and parts["hour_cos"] == pytest.approx(1.0)
    shares = np.array([[0.0, 0.5, 1.0]] * SMALL["n_sites"])
    np.testing.assert_allclose(action_to_shares(shares_to_action(shares)), shares, atol=1e-7)
    _, _, _, _, info = env.step(shares_to_action(shares))
    np.testing.assert_allclose(info["played_action"], shares, atol=1e-6)
    assert np.all(info["site_containers_on"] == 20)
    with pytest.raises(ValueError, match="obs must have shape"):
        layout.split(obs[:-1])


def test_instance_exposes_read_only_episode_data():
    env = gym.make("leo_envs/GreenOffloading-v0", **SMALL)
    env.reset(seed=2)
    inst = env.unwrapped.instance()
    assert inst.traces.arrivals.shape == (96, 15, SMALL["n_sites"])
    assert inst.sky.sat.shape[:2] == (96 * 15, SMALL["n_sites"])
    with pytest.raises(ValueError):
        inst.traces.harvest_j[0, 0] = 1.0
    with pytest.raises(ValueError):
        inst.sat_capacity_rate[0] = 1.0


def test_task_switch_is_flagged_on_the_reset_only():
    env = gym.make(
        "leo_envs/GreenOffloading-v0", n_sites=2, n_slots=2, scenario="daily_weather",
        update_interval=2,
    )  # fmt: skip
    _, info = env.reset(seed=0)
    ids = [info["task_id"]]
    for _ in range(3):
        for _ in range(2):
            _, _, _, truncated, info = env.step(env.action_space.sample())
            assert info["task_switched"] is False and info["task_id"] == ids[-1]
        assert truncated
        _, info = env.reset()
        assert info["task_switched"] is True and info["task_id"] != ids[-1]
        ids.append(info["task_id"])
