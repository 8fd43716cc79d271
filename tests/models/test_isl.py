"""Tests for leo_envs.models.isl (+Grid links, chord lengths, line of sight)."""

from __future__ import annotations

import math
from datetime import datetime

import numpy as np
import pytest

from leo_envs.models.frames import WGS84_A_KM, WGS84_F
from leo_envs.models.isl import chord_length_km, line_of_sight, neighbors, plus_grid_links
from leo_envs.models.shells import R_EARTH_WGS72_KM, walker_delta
from leo_envs.models.visibility import GroundSite, VisibilityIndex

EPOCH = datetime(2020, 5, 7)


def test_link_counts_with_and_without_seam():
    keep = plus_grid_links(72, 22, seam="keep")
    drop = plus_grid_links(72, 22, seam="drop")
    assert keep.shape == (2 * 72 * 22, 2) and keep.dtype == np.int64
    assert drop.shape == (2 * 72 * 22 - 22, 2)
    assert np.all(keep[:, 0] < keep[:, 1])
    assert len(np.unique(keep, axis=0)) == len(keep)
    degree = np.bincount(keep.ravel(), minlength=1584)
    assert np.all(degree == 4)
    degree = np.bincount(drop.ravel(), minlength=1584)
    # planes 0 and 71 lose their seam neighbour
    assert np.all(degree[:22] == 3) and np.all(degree[-22:] == 3)
    assert np.all(degree[22:-22] == 4)


def test_seam_auto_follows_the_inclination():
    np.testing.assert_array_equal(
        plus_grid_links(6, 11, seam="auto", inclination_deg=86.4),
        plus_grid_links(6, 11, seam="drop"),
    )
    np.testing.assert_array_equal(
        plus_grid_links(72, 22, seam="auto", inclination_deg=53.0),
        plus_grid_links(72, 22, seam="keep"),
    )
    with pytest.raises(ValueError, match="inclination_deg"):
        plus_grid_links(6, 11, seam="auto")


def test_neighbours_in_a_72x22_shell_with_shift_and_phasing():
    links = plus_grid_links(72, 22, isl_shift=0, phasing=1)
    nbr = neighbors(links, 1584)
    # plane 0 slot 0: ring 1 and 21, plane 1 slot 0 (sat 22), and from plane 71 across
    # the seam: plane 71 slot 21 (plane 72 == plane 0 advanced by F = 1 slot)
    np.testing.assert_array_equal(nbr[0], [1, 21, 22, 71 * 22 + 21])
    # plane 5 slot 10 = sat 120: ring 119 / 121, plane 4 slot 10 = 98, plane 6 slot 10 = 142
    np.testing.assert_array_equal(nbr[120], [98, 119, 121, 142])
    shifted = neighbors(plus_grid_links(72, 22, isl_shift=2), 1584)
    # (5, 10) -> (6, 12) = 144, and (4, 8) = 96 -> (5, 10)
    np.testing.assert_array_equal(shifted[120], [96, 119, 121, 144])
    assert all(len(n) == 4 for n in nbr)


def test_small_shells_have_no_self_or_duplicate_links():
    assert plus_grid_links(1, 1).shape == (0, 2)
    np.testing.assert_array_equal(plus_grid_links(1, 2), [[0, 1]])
    np.testing.assert_array_equal(plus_grid_links(1, 3), [[0, 1], [0, 2], [1, 2]])
    two_planes = plus_grid_links(2, 1)
    np.testing.assert_array_equal(two_planes, [[0, 1]])


def test_grid_links_of_a_real_shell_are_short_and_in_line_of_sight():
    shell = walker_delta(72, 22, 1, 550.0, 53.0, EPOCH)
    index = VisibilityIndex(shell, [GroundSite(0.0, 0.0)], EPOCH, 600.0, 60.0)
    pos = index.sat_ecef_km(0.0)
    links = plus_grid_links(72, 22, phasing=1)
    length = chord_length_km(pos[links[:, 0]], pos[links[:, 1]])
    intra = links[:, 1] - links[:, 0] < 22
    # ring neighbours: 2 r sin(pi / 22) at r = 6928 km
    ring = 2 * (R_EARTH_WGS72_KM + 550.0) * math.sin(math.pi / 22)
    np.testing.assert_allclose(length[intra], ring, rtol=0.01)
    # cross-plane links, seam included (phasing taken into account), are all alike:
    # 391-621 km between planes 5 deg of RAAN apart (closest near the turning latitude)
    seam = (links[:, 0] < 22) & (links[:, 1] >= 71 * 22)
    assert seam.sum() == 22
    cross = length[~intra]
    assert 350.0 < cross.min() and cross.max() < 650.0
    assert 350.0 < length[seam].min() and length[seam].max() < 650.0
    assert np.all(line_of_sight(pos[links[:, 0]], pos[links[:, 1]]))
    # the seam built without the phasing offset would join satellites a slot apart
    wrong = plus_grid_links(72, 22, phasing=0)
    wrong_seam = (wrong[:, 0] < 22) & (wrong[:, 1] >= 71 * 22)
    wrong_length = chord_length_km(pos[wrong[wrong_seam, 0]], pos[wrong[wrong_seam, 1]])
    assert wrong_length.min() > 1500.0


def test_line_of_sight_hand_checked_geometry():
    r = 6928.0
    # opposite sides of the Earth: the segment goes through the centre
    assert not line_of_sight([r, 0, 0], [-r, 0, 0])
    # same point and neighbours: clear
    assert line_of_sight([r, 0, 0], [r, 0, 0])
    assert line_of_sight([r, 0, 0], [r * math.cos(0.1), r * math.sin(0.1), 0])
    # in the equatorial plane the chord grazes h above the equator when
    # cos(theta / 2) = (a + h) / r
    half = math.acos((WGS84_A_KM + 80.0) / r)
    inside = 2 * half * 1.001
    outside = 2 * half * 0.999
    a = np.array([r * math.cos(-inside / 2), r * math.sin(-inside / 2), 0.0])
    b = np.array([r * math.cos(inside / 2), r * math.sin(inside / 2), 0.0])
    assert not line_of_sight(a, b)
    a2 = np.array([r * math.cos(-outside / 2), r * math.sin(-outside / 2), 0.0])
    b2 = np.array([r * math.cos(outside / 2), r * math.sin(outside / 2), 0.0])
    assert line_of_sight(a2, b2)
    # a lower grazing altitude admits the longer link
    assert line_of_sight(a, b, grazing_altitude_km=0.0)
    # vectorised over leading axes
    out = line_of_sight(np.stack([a, a2]), np.stack([b, b2]))
    np.testing.assert_array_equal(out, [False, True])


def test_line_of_sight_uses_the_flattened_ellipsoid_over_the_poles():
    polar_b = WGS84_A_KM * (1 - WGS84_F)  # 6356.752 km
    # a chord whose midpoint passes 85 km above the pole clears the 80 km shell there,
    # although it is below 80 km over a sphere of the equatorial radius
    z = polar_b + 85.0
    a, b = [1000.0, 0.0, z], [-1000.0, 0.0, z]
    assert line_of_sight(a, b)
    assert not line_of_sight([1000.0, 0.0, polar_b + 75.0], [-1000.0, 0.0, polar_b + 75.0])


def test_chord_length_and_bad_inputs():
    np.testing.assert_allclose(chord_length_km([0, 0, 0], [3, 4, 0]), 5.0)
    with pytest.raises(ValueError, match="a_km"):
        chord_length_km([1.0, 2.0], [0, 0, 0])
    with pytest.raises(ValueError, match="b_km"):
        line_of_sight([7000.0, 0, 0], [np.nan, 0, 0])
    with pytest.raises(ValueError, match="grazing_altitude_km"):
        line_of_sight([7000.0, 0, 0], [0, 7000.0, 0], grazing_altitude_km=-1.0)
    with pytest.raises(ValueError, match="seam"):
        plus_grid_links(4, 4, seam="sometimes")
    with pytest.raises(ValueError, match="n_planes"):
        plus_grid_links(0, 4)
    with pytest.raises(TypeError, match="isl_shift"):
        plus_grid_links(4, 4, isl_shift=1.5)
    with pytest.raises(ValueError, match="phasing"):
        plus_grid_links(4, 4, phasing=4)
    with pytest.raises(ValueError, match="links"):
        neighbors(np.array([[0, 5]]), 5)


def test_line_of_sight_rejects_the_impossible_links_of_a_sparse_shell():
    # two satellites per plane sit half an orbit apart: their ring link crosses the Earth,
    # while the cross-plane links of a 53 deg shell stay clear of it
    shell = walker_delta(4, 2, 0, 550.0, 53.0, EPOCH)
    pos = VisibilityIndex(shell, [GroundSite(0.0, 0.0)], EPOCH, 600.0, 60.0).sat_ecef_km(0.0)
    links = plus_grid_links(4, 2, seam="keep")
    ok = line_of_sight(pos[links[:, 0]], pos[links[:, 1]])
    ring = links[:, 0] // 2 == links[:, 1] // 2
    assert ring.sum() == 4 and not ok[ring].any()
    # chords through the Earth are longer than the 550 km shell's horizon-to-horizon
    # limit 2 sqrt(r^2 - (a + 80 km)^2)
    r = R_EARTH_WGS72_KM + 550.0
    limit = 2 * math.sqrt(r**2 - (WGS84_A_KM + 80.0) ** 2)
    assert np.all(chord_length_km(pos[links[ring, 0]], pos[links[ring, 1]]) > limit)
