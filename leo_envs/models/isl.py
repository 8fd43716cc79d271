"""Inter-satellite links: the +Grid topology of a Walker shell, chord lengths, line of sight.

Satellites are indexed plane-major, ``sat = plane * sats_per_plane + slot`` (the order of
:func:`leo_envs.models.shells.walker_delta`).  The +Grid gives each satellite four
links: its two ring neighbours in the same plane and one satellite in each adjacent
plane (the "+Grid" of Bhattacherjee & Singla, "Network topology design at 27,000 km/hour",
CoNEXT 2019, also used by Hypatia, Kassing et al. IMC 2020).

The seam is the set of links between the last plane and the first.  In a Walker-star
(near-polar) layout those two planes move in opposite directions, so links across the seam
sweep at several km/s and are usually not built; ``seam="auto"`` drops them for
near-polar inclinations (80-100 deg) and keeps them otherwise.
"""

from __future__ import annotations

import operator

import numpy as np
from numpy.typing import ArrayLike, NDArray

from leo_envs.models._checks import finite_float, positive_int
from leo_envs.models.frames import WGS84_A_KM, WGS84_F

__all__ = [
    "DEFAULT_GRAZING_ALTITUDE_KM",
    "POLAR_INCLINATION_DEG",
    "chord_length_km",
    "line_of_sight",
    "neighbors",
    "plus_grid_links",
]

#: Lowest altitude [km] a link may pass over the ellipsoid (the mesosphere: below ~80 km
#: the atmosphere absorbs and refracts optical / Ka-band inter-satellite links).
DEFAULT_GRAZING_ALTITUDE_KM = 80.0
#: Inclinations [deg] treated as near-polar by ``seam="auto"`` (counter-rotating seam).
POLAR_INCLINATION_DEG = (80.0, 100.0)
_WGS84_B_KM = WGS84_A_KM * (1.0 - WGS84_F)
_SEAMS = ("keep", "drop", "auto")


def _integer(value: object, name: str) -> int:
    if isinstance(value, bool):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    try:
        return operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"{name} must be an integer, got {value!r}") from None


def plus_grid_links(
    n_planes: int,
    sats_per_plane: int,
    isl_shift: int = 0,
    seam: str = "keep",
    inclination_deg: float | None = None,
    phasing: int = 0,
) -> NDArray[np.int64]:
    """+Grid inter-satellite links of a ``n_planes x sats_per_plane`` shell.

    Args:
        n_planes: planes P >= 1.
        sats_per_plane: satellites per plane S >= 1.
        isl_shift: slot offset of the cross-plane neighbour: ``(p, s)`` links to
            ``(p + 1, s + isl_shift)`` (any integer, taken modulo S).
        seam: ``"keep"`` the links between plane P-1 and plane 0, ``"drop"`` them, or
            ``"auto"``: drop them for a near-polar ``inclination_deg`` (in
            ``POLAR_INCLINATION_DEG``), keep them otherwise.
        inclination_deg: the shell's inclination in [0, 180] deg (required by ``"auto"``).
        phasing: the Walker phasing factor F of the shell (0 <= F < P).  Plane P-1's
            cross-plane neighbour lies in plane 0 shifted by F slots (plane P is plane 0
            advanced by F/S of a revolution), so seam links join the same along-track
            neighbours as every other plane pair.

    Returns:
        int64 array [n_links, 2], each row ``(i, j)`` with ``i < j``, rows sorted and
        unique: the intra-plane rings (S links per plane when S >= 3, 1 when S == 2) then
        the cross-plane links.  With S >= 3 and P >= 3 there are ``2 P S`` links with
        the seam and ``2 P S - S`` without.

    Raises:
        ValueError / TypeError: naming the bad argument and its allowed values.
    """
    n_planes = positive_int(n_planes, "n_planes")
    sats_per_plane = positive_int(sats_per_plane, "sats_per_plane")
    isl_shift = _integer(isl_shift, "isl_shift")
    phasing = _integer(phasing, "phasing")
    if not 0 <= phasing < n_planes:
        raise ValueError(f"phasing must be an integer in [0, n_planes-1={n_planes - 1}]")
    if seam not in _SEAMS:
        raise ValueError(f"seam must be one of {_SEAMS}, got {seam!r}")
    if inclination_deg is not None:
        inclination_deg = finite_float(inclination_deg, "inclination_deg", "[0, 180] deg")
        if not 0.0 <= inclination_deg <= 180.0:
            raise ValueError(f"inclination_deg must be in [0, 180] deg, got {inclination_deg}")
    if seam == "auto":
        if inclination_deg is None:
            raise ValueError('seam="auto" needs inclination_deg (the shell inclination, deg)')
        low, high = POLAR_INCLINATION_DEG
        seam = "drop" if low < inclination_deg < high else "keep"

    plane = np.repeat(np.arange(n_planes), sats_per_plane)
    slot = np.tile(np.arange(sats_per_plane), n_planes)
    sat = plane * sats_per_plane + slot
    pairs = []
    if sats_per_plane >= 2:
        pairs.append(np.stack([sat, plane * sats_per_plane + (slot + 1) % sats_per_plane], 1))
    if n_planes >= 2:
        next_plane = plane + 1
        offset = np.where(next_plane == n_planes, isl_shift + phasing, isl_shift)
        cross = np.stack(
            [sat, (next_plane % n_planes) * sats_per_plane + (slot + offset) % sats_per_plane],
            axis=1,
        )
        if seam == "drop":
            cross = cross[next_plane < n_planes]
        pairs.append(cross)
    if not pairs:
        return np.zeros((0, 2), dtype=np.int64)
    links = np.sort(np.concatenate(pairs), axis=1)
    links = links[links[:, 0] != links[:, 1]]
    return np.unique(links, axis=0).astype(np.int64)


def neighbors(links: ArrayLike, n_sat: int) -> list[NDArray[np.int64]]:
    """Sorted neighbour indices of every satellite ``0 .. n_sat-1`` under ``links`` [n, 2]."""
    n_sat = positive_int(n_sat, "n_sat")
    pairs = np.asarray(links)
    if pairs.ndim != 2 or pairs.shape[1] != 2 or pairs.dtype.kind not in "iu":
        raise ValueError(f"links must be an integer array [n_links, 2], got {pairs.shape}")
    if pairs.size and (pairs.min() < 0 or pairs.max() >= n_sat):
        raise ValueError(f"links must index satellites in [0, {n_sat - 1}]")
    both = np.concatenate([pairs, pairs[:, ::-1]])
    both = both[np.lexsort((both[:, 1], both[:, 0]))]
    bounds = np.searchsorted(both[:, 0], np.arange(n_sat + 1))
    return [both[bounds[i] : bounds[i + 1], 1].astype(np.int64) for i in range(n_sat)]


def chord_length_km(a_km: ArrayLike, b_km: ArrayLike) -> NDArray[np.float64]:
    """Straight-line distance [km] between ECEF (or any common Cartesian) points [..., 3]."""
    a, b = _points(a_km, "a_km"), _points(b_km, "b_km")
    return np.linalg.norm(a - b, axis=-1)


def line_of_sight(
    a_km: ArrayLike, b_km: ArrayLike, grazing_altitude_km: float = DEFAULT_GRAZING_ALTITUDE_KM
) -> NDArray[np.bool_]:
    """Whether the segment between ECEF points ``a_km`` and ``b_km`` [..., 3] clears the
    Earth by ``grazing_altitude_km`` everywhere.

    The obstacle is the WGS84 ellipsoid grown by the grazing altitude (semi-axes
    ``a + h``, ``a + h``, ``b + h``).  Scaling z by ``(a + h) / (b + h)`` turns it into a
    sphere of radius ``a + h``; the segment clears it iff its closest point to the centre
    ``a + t (b - a)``, ``t = clip(-a.(b - a) / |b - a|^2, 0, 1)``, lies outside.  Meant
    for satellite endpoints (above the grazing shell): an endpoint inside it has no line
    of sight.
    """
    h = finite_float(grazing_altitude_km, "grazing_altitude_km", "[0, 1000] km")
    if not 0.0 <= h <= 1000.0:
        raise ValueError(f"grazing_altitude_km must be in [0, 1000] km, got {h}")
    radius = WGS84_A_KM + h
    scale = np.array([1.0, 1.0, radius / (_WGS84_B_KM + h)])
    a = _points(a_km, "a_km") * scale
    b = _points(b_km, "b_km") * scale
    d = b - a
    dd = np.einsum("...i,...i->...", d, d)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.clip(-np.einsum("...i,...i->...", a, d) / dd, 0.0, 1.0)
    t = np.where(dd > 0.0, t, 0.0)
    closest = a + t[..., None] * d
    return np.einsum("...i,...i->...", closest, closest) > radius**2


def _points(x: ArrayLike, name: str) -> NDArray[np.float64]:
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim == 0 or arr.shape[-1] != 3:
        raise ValueError(f"{name} must have shape (..., 3), got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite")
    return arr
