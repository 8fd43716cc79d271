"""Link budget, delays and the soft-drop law of GreenOffloading-v0 (paper 003, eqs. 4-5, 12-14).

Geometry (slant range) comes from the orbit model (``leo_envs.models.orbits``), not from
003's printed spherical eqs. (1)-(3) (spec 1.2). Path loss is ``models.channels.fspl_db``
(eq. 5) and the rate is ``models.links.shannon_rate_bps``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from leo_envs.models.channels import SPEED_OF_LIGHT_M_S, fspl_db
from leo_envs.models.links import shannon_rate_bps

BOLTZMANN_DBW_PER_K_HZ = -228.60
"""10 log10(k_B) in dBW/K/Hz (eq. 4)."""
BITS_PER_BYTE = 8.0


def link_snr_db(
    slant_range_km: ArrayLike,
    eirp_dbw: float,
    g_over_t_db_per_k: float,
    carrier_hz: float,
    bandwidth_hz: float,
    extra_losses_db: float = 0.0,
) -> NDArray[np.float64]:
    """SNR of the site-satellite link in dB, eq. (4) with eq. (5)'s free-space loss:

    ``Gamma = EIRP + G/T - (FSPL + extra losses) - k - 10 log10 B``, k = -228.60 dBW/K/Hz.
    Table 1 (34.9 dBW, 15.84 dB/K, 30 GHz, 10 MHz) gives 27.411 dB at 992.870 km (30 deg).
    """
    path_loss_db = fspl_db(np.asarray(slant_range_km, dtype=np.float64) * 1e3, carrier_hz)
    return (
        eirp_dbw
        + g_over_t_db_per_k
        - (path_loss_db + extra_losses_db)
        - BOLTZMANN_DBW_PER_K_HZ
        - 10.0 * np.log10(bandwidth_hz)
    )


def link_rate_bps(snr_db: ArrayLike, bandwidth_hz: float) -> NDArray[np.float64]:
    """Shannon rate B log2(1 + 10^(Gamma/10)) in bit/s of a link with SNR ``snr_db``."""
    return shannon_rate_bps(bandwidth_hz, np.power(10.0, np.asarray(snr_db) / 10.0))


def propagation_delay_s(slant_range_km: ArrayLike) -> NDArray[np.float64]:
    """One-way propagation delay t_pg = d / c in seconds (d in km)."""
    return np.asarray(slant_range_km, dtype=np.float64) * 1e3 / SPEED_OF_LIGHT_M_S


def server_delay_s(
    up_bytes: float, server_rate_bps: float, service_s: float, queue_wait_s: ArrayLike
) -> NDArray[np.float64]:
    """Eq. (12): t_d = rho_g + t_cp + t_qu with rho_g = 2 gamma / r_g (to and from the
    container), t_cp the per-task service time and t_qu the queue wait (all seconds)."""
    rho = 2.0 * up_bytes * BITS_PER_BYTE / server_rate_bps
    return rho + service_s + np.asarray(queue_wait_s, dtype=np.float64)


def local_delay_s(
    up_bytes: float,
    down_bytes: float,
    device_rate_bps: float,
    access_s: float,
    server_s: ArrayLike,
    device_link_km: float = 0.3,
) -> NDArray[np.float64]:
    """Eq. (13): t_loc = gamma_ul/r_0 + gamma_dl/r_0 + t_ac + t_d + 2 t_pg (device-BS hop).

    Spec B2 zero-queue value: 0.48 + 0.016 + 0.001 + 0.048 + 0.25 + 2e-6 = 0.795 s.
    """
    transfer = (up_bytes + down_bytes) * BITS_PER_BYTE / device_rate_bps
    return transfer + access_s + np.asarray(server_s) + 2.0 * propagation_delay_s(device_link_km)


def satellite_delay_s(
    up_bytes: float,
    down_bytes: float,
    sat_rate_bps: ArrayLike,
    slant_range_km: ArrayLike,
    server_s: ArrayLike,
    *,
    device_rate_bps: float,
    access_s: float,
    path: str,
) -> NDArray[np.float64]:
    """Eq. (14): t_sat = t^ul_{n,s} + t^dl_{n,s} + t_d + 2 t_pg over a satellite link.

    ``path="literal"`` is the printed (14) (the satellite hop only, t^ul = gamma_ul / r^s_n);
    ``"cut_through"`` (default, spec B2 [C]) adds the device->BS hop pipelined with the
    satellite hop (t^ul = gamma_ul / min(r_0, r^s_n), same for DL) plus t_ac; ``"direct"``
    (DO, devices talk to the satellite themselves) is the literal form. Spec value at 30 deg
    (91.08 Mbps, t_pg = 3.312 ms, zero queue): cut-through 0.8016 s, literal 0.5769 s.
    """
    rate = np.asarray(sat_rate_bps, dtype=np.float64)
    extra = 0.0
    if path == "cut_through":
        rate = np.minimum(rate, device_rate_bps)
        extra = access_s
    elif path not in ("literal", "direct"):
        raise ValueError(f"path must be 'cut_through', 'literal' or 'direct', got {path!r}")
    with np.errstate(divide="ignore"):
        transfer = (up_bytes + down_bytes) * BITS_PER_BYTE / rate
    return transfer + extra + np.asarray(server_s) + 2.0 * propagation_delay_s(slant_range_km)


def drop_probability(delay_s: ArrayLike, bound_s: float, steepness: float) -> NDArray[np.float64]:
    """Soft drop q = 0 below the bound sigma, else 1 - (sigma / t)^delta (spec B2 [C]).

    The printed law q = t^delta is not a probability for t > 1 s. delta = 4: t = 1.0 s,
    sigma = 0.8 s gives 0.5904. Infinite delay (no capacity) drops with probability 1.
    """
    t = np.asarray(delay_s, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = 1.0 - np.power(bound_s / t, steepness)
    return np.where(t <= bound_s, 0.0, np.where(np.isfinite(t), q, 1.0))
