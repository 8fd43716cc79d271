"""LinkScheduling-v0's config: every documented range is finite, its ends work, and errors
name the field that was set wrong."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

from leo_envs.envs.link_scheduling.config import RANGES, LinkSchedulingConfig

ENV_ID = "leo_envs/LinkScheduling-v0"
SMALL = {"n_devices": 6, "max_devices": 8}
GEOMETRY = {
    "leo_altitude_km",
    "leo_inclination_deg",
    "site_lat_deg",
    "site_lon_deg",
    "leo_min_elevation_deg",
}


def test_every_numeric_field_has_a_finite_range():
    numeric = {
        name
        for name, value in LinkSchedulingConfig().to_dict().items()
        if isinstance(value, int | float) and not isinstance(value, bool)
    }
    assert numeric == set(RANGES)
    assert all(np.isfinite(bound) for low_high in RANGES.values() for bound in low_high[:2])


def _end_values():
    default = LinkSchedulingConfig()
    for name, (low, high, *_) in RANGES.items():
        if name in GEOMETRY or name in {"n_devices", "max_devices", "n_slots", "update_interval"}:
            continue
        for value in (low, high):
            overrides = {name: type(getattr(default, name))(value)}
            if name == "demand_mbit_low":
                overrides["demand_mbit_high"] = max(value, default.demand_mbit_high)
            if name == "demand_mbit_high":
                overrides["demand_mbit_low"] = min(value, default.demand_mbit_low)
            if name == "tst_distance_m":
                overrides["cell_radius_m"] = max(value, 10.0)
            if name == "cell_radius_m":
                overrides["tst_distance_m"] = min(value, default.tst_distance_m)
            yield pytest.param(overrides, id=f"{name}={value:g}")


@pytest.mark.parametrize("overrides", list(_end_values()))
def test_both_ends_of_every_range_give_finite_episodes(overrides):
    env = gym.make(ENV_ID, **SMALL, **overrides)
    env.action_space.seed(0)
    obs, info = env.reset(seed=0)
    for _ in range(3):
        obs, reward, _, _, info = env.step(env.action_space.sample())
        assert np.isfinite(obs).all() and np.isfinite(reward)
        assert np.isfinite(info["objective"]) and np.isfinite(info["delivered_bits_total"])


def test_errors_name_the_field_set_wrong():
    with pytest.raises(ValueError, match="max_devices must be an integer in"):
        LinkSchedulingConfig(max_devices=0)
    with pytest.raises(ValueError, match="n_devices must be <= max_devices=10"):
        LinkSchedulingConfig(n_devices=20, max_devices=10)
    with pytest.raises(ValueError, match="demand_mbit_high must lie in"):
        LinkSchedulingConfig(demand_mbit_high=1e200)
    with pytest.raises(ValueError, match="n_slots, max_devices too large"):
        LinkSchedulingConfig(
            n_slots=10_000, max_devices=10_000, n_devices=10, update_interval=10_000
        )
    with pytest.raises(TypeError, match="n_devices"):
        LinkSchedulingConfig(n_devices=None)


def test_numpy_integers_are_accepted():
    config = LinkSchedulingConfig(n_devices=np.int64(5), max_devices=np.int32(8))
    assert (config.n_devices, config.max_devices) == (5, 8)
    assert type(config.n_devices) is int
