"""Energy buffer of a solar-powered base-station site (paper 003, eqs. 9-11).

Pure numpy, vectorised over sites. One slot of the battery, in joules:

* eq. (9): the harvest ``H`` splits into energy used at once, ``upsilon_o = min(H, demand)``,
  and energy sent to the battery, ``upsilon_c = H - upsilon_o`` (so eq. 10,
  ``upsilon_c + upsilon_o <= H``, holds with equality: nothing harvestable is thrown away
  before the battery is full).
* The rest of the demand, ``D = demand - upsilon_o``, comes from the stored energy; what the
  battery cannot cover is the *deficit* (backup/grid energy in the GENM lineage, reported so
  an env can penalise it).
* eq. (11), reconstructed in spec B2 without double counting:
  ``level(t) = min(capacity, zeta * (level(t-1) - min(D, level(t-1))) + phi * upsilon_c)``
  with self-discharge factor ``zeta`` per slot (Table 1: 0.9999) and charging efficiency
  ``phi`` (Phi(x) = phi x, default 0.9). Energy above the capacity is *spilled*.

Conservation, per site and slot (a test checks it over a day)::

    harvested = used_from_harvest + used_from_battery + (level(t) - level(t-1)) + lost + spilled

where ``used = demand - deficit`` and ``lost`` = self-discharge + charging losses.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray


class BatteryStep(NamedTuple):
    """Result of one slot of ``battery_step``; every field in joules, shaped like the sites."""

    level_j: NDArray[np.float64]
    """Stored energy at the end of the slot, in [0, capacity]."""
    used_j: NDArray[np.float64]
    """Demand actually served from green energy (harvest used at once + battery draw)."""
    lost_j: NDArray[np.float64]
    """Self-discharge (1 - zeta) of the stored energy + charging loss (1 - phi) of upsilon_c."""
    spilled_j: NDArray[np.float64]
    """Energy that arrived at a full battery and was thrown away."""
    deficit_j: NDArray[np.float64]
    """Demand that neither the harvest nor the battery could cover (backup energy)."""


def _array(name: str, value: ArrayLike, *, low: float = 0.0) -> NDArray[np.float64]:
    arr = np.asarray(value, dtype=np.float64)
    if not np.all(np.isfinite(arr)) or np.any(arr < low):
        raise ValueError(f"{name} must be finite and >= {low:g} J, got {value!r}")
    return arr


def battery_step(
    level_j: ArrayLike,
    harvested_j: ArrayLike,
    demand_j: ArrayLike,
    capacity_j: ArrayLike,
    self_discharge_per_slot: ArrayLike = 0.9999,
    charge_efficiency: ArrayLike = 0.9,
) -> BatteryStep:
    """Advance the battery of every site by one slot (paper 003, eqs. 9-11).

    Args:
        level_j: stored energy at the start of the slot, in [0, capacity_j] (J).
        harvested_j: PV energy harvested during the slot, >= 0 (J).
        demand_j: site energy consumption beta^site of the slot (eq. 6), >= 0 (J).
        capacity_j: battery capacity Upsilon_max, > 0 (J; Table 1: 100 kJ).
        self_discharge_per_slot: retention factor zeta in (0, 1] per slot (Table 1: 0.9999).
        charge_efficiency: charging efficiency phi in (0, 1] (Table 1: Phi in (0, 1]).

    All arguments broadcast (one value per site or shared). Inputs are not modified.
    Worked example (spec B7): level 50 kJ, demand 60 kJ, harvest 40 kJ -> 29.997 kJ.
    """
    level = _array("level_j", level_j)
    harvest = _array("harvested_j", harvested_j)
    demand = _array("demand_j", demand_j)
    capacity = _array("capacity_j", capacity_j)
    if np.any(capacity <= 0.0):
        raise ValueError(f"capacity_j must be > 0 J, got {capacity_j!r}")
    if np.any(level > capacity * (1.0 + 1e-12)):
        raise ValueError("level_j must not exceed capacity_j")
    zeta = np.asarray(self_discharge_per_slot, dtype=np.float64)
    phi = np.asarray(charge_efficiency, dtype=np.float64)
    for name, v in (("self_discharge_per_slot", zeta), ("charge_efficiency", phi)):
        if not np.all(np.isfinite(v)) or np.any(v <= 0.0) or np.any(v > 1.0):
            raise ValueError(f"{name} must lie in (0, 1], got {v!r}")

    return battery_update(level, harvest, demand, capacity, zeta, phi)


def battery_update(
    level: NDArray[np.float64],
    harvest: NDArray[np.float64],
    demand: NDArray[np.float64],
    capacity: float | NDArray[np.float64],
    zeta: float | NDArray[np.float64],
    phi: float | NDArray[np.float64],
) -> BatteryStep:
    """``battery_step`` without its argument checks (same arguments, in J; ``zeta`` the
    self-discharge retention, ``phi`` the charging efficiency), for a simulator's hot loop
    whose inputs are valid by construction. The one implementation of eqs. (9)-(11):
    ``battery_step`` calls it after checking its arguments."""
    direct = np.minimum(harvest, demand)  # upsilon_o, eq. (9)
    to_battery = harvest - direct  # upsilon_c
    remaining = demand - direct  # D
    drawn = np.minimum(remaining, level)
    deficit = remaining - drawn
    kept = level - drawn
    charged = zeta * kept + phi * to_battery
    new_level = np.minimum(charged, capacity)
    spilled = charged - new_level
    lost = (1.0 - zeta) * kept + (1.0 - phi) * to_battery
    return BatteryStep(
        level_j=new_level,
        used_j=direct + drawn,
        lost_j=lost,
        spilled_j=spilled,
        deficit_j=deficit,
    )
