"""LEO pass geometry of LinkScheduling-v0 (envs/link_scheduling/geometry.py)."""

import numpy as np
import pytest

from leo_envs.envs.link_scheduling import LinkSchedulingConfig, LinkSchedulingEnv, geometry
from leo_envs.envs.link_scheduling.vector_env import LinkSchedulingVectorEnv
from leo_envs.models import frames

NO_PASS = {"site_lat_deg": 80.0, "leo_inclination_deg": 30.0, "leo_min_elevation_deg": 40.0}


@pytest.mark.parametrize("make", [LinkSchedulingEnv, LinkSchedulingVectorEnv])
def test_a_site_that_never_sees_a_satellite_is_rejected_at_construction(make):
    with pytest.raises(ValueError) as info:
        make(**NO_PASS)
    for field in ("site_lat_deg", "leo_inclination_deg", "leo_min_elevation_deg"):
        assert field in str(info.value)


def test_pass_table_times_see_the_serving_satellite_high_enough():
    cfg = LinkSchedulingConfig()
    args = geometry.pass_key(cfg)
    times, best = geometry.pass_table(*args)
    assert times.size > 0 and np.all(times < geometry.PASS_TABLE_HOURS * 3600.0)
    np.testing.assert_array_equal(times % geometry.PASS_TABLE_STEP_S, 0.0)
    index = geometry.pass_index(*args)
    for k in (0, times.size // 2, times.size - 1):
        elevation = index.look_angles(0, times[k])[0]
        assert int(np.argmax(elevation)) == best[k]
        assert elevation[best[k]] >= cfg.leo_min_elevation_deg
        # the pass table agrees with the index's refined passes
        assert best[k] in index.visible_sats(0, times[k])


def test_leo_geometry_places_devices_on_the_ellipsoid():
    cfg = LinkSchedulingConfig()
    times, _ = geometry.pass_table(*geometry.pass_key(cfg))
    offsets = np.array([[0.0, 0.0], [400.0, 0.0], [0.0, -300.0], [250.0, 250.0]])
    slant_km, angle, elevation = geometry.leo_geometry(cfg, float(times[0]), offsets)
    assert slant_km.shape == angle.shape == (cfg.n_slots, 4)
    assert elevation >= cfg.leo_min_elevation_deg
    # the beam points at the cell centre (device 0)
    np.testing.assert_allclose(angle[:, 0], 0.0, atol=1e-6)
    # slant range from 780 km altitude at >= 30 deg elevation: 780 .. ~1400 km
    assert np.all((slant_km > 770.0) & (slant_km < 1500.0))
    # devices lie on WGS84 at their offsets: chord from the centre = offset length (< 1 cm)
    lat, lon = frames.enu_offset_to_geodetic(
        cfg.site_lat_deg, cfg.site_lon_deg, offsets[:, 0], offsets[:, 1]
    )
    ecef = frames.geodetic_to_ecef_km(lat, lon, 0.0)
    chord_m = np.linalg.norm(ecef - ecef[0], axis=1) * 1e3
    np.testing.assert_allclose(chord_m, np.hypot(offsets[:, 0], offsets[:, 1]), atol=0.01)
