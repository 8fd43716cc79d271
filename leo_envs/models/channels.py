"""Channel models of paper 002 (Yuan et al., IEEE TWC 2022), Sec. II-B.

Pure numpy, no Gymnasium. Every function states its units; gains are *power* gains
(linear, dimensionless) unless the name ends in ``_db``. Equation numbers refer to
paper 002 as reconstructed in ``specs/link_scheduling_emcl.md``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

SPEED_OF_LIGHT_M_S = 299_792_458.0
BOLTZMANN_PSD_DBM_HZ = -174.0  # thermal noise density at 290 K


def db_to_linear(value_db: ArrayLike) -> NDArray[np.float64]:
    """Convert a power ratio from dB to linear."""
    return np.power(10.0, np.asarray(value_db, dtype=np.float64) / 10.0)


def linear_to_db(value_linear: ArrayLike) -> NDArray[np.float64]:
    """Convert a linear power ratio to dB (``-inf`` for zero)."""
    with np.errstate(divide="ignore"):
        return 10.0 * np.log10(np.asarray(value_linear, dtype=np.float64))


def dbm_to_w(power_dbm: ArrayLike) -> NDArray[np.float64]:
    """Convert a power in dBm to watts."""
    return np.power(10.0, (np.asarray(power_dbm, dtype=np.float64) - 30.0) / 10.0)


def w_to_dbm(power_w: ArrayLike) -> NDArray[np.float64]:
    """Convert a power in watts to dBm."""
    with np.errstate(divide="ignore"):
        return 10.0 * np.log10(np.asarray(power_w, dtype=np.float64)) + 30.0


def noise_power_w(psd_dbm_per_hz: float, bandwidth_hz: ArrayLike) -> NDArray[np.float64]:
    """AWGN power N0*B in watts, from a PSD in dBm/Hz and a bandwidth in Hz (Table I).

    -174 dBm/Hz over 20 MHz gives -100.99 dBm.
    """
    return dbm_to_w(psd_dbm_per_hz) * np.asarray(bandwidth_hz, dtype=np.float64)


def free_space_gain_linear(distance_m: ArrayLike, frequency_hz: ArrayLike) -> NDArray[np.float64]:
    """Free-space power gain (c / (4 pi d f))^2, the first factor of eqs. (4) and (6).

    ``distance_m`` in metres, ``frequency_hz`` in hertz.
    """
    d = np.asarray(distance_m, dtype=np.float64)
    f = np.asarray(frequency_hz, dtype=np.float64)
    return (SPEED_OF_LIGHT_M_S / (4.0 * np.pi * d * f)) ** 2


def fspl_db(distance_m: ArrayLike, frequency_hz: ArrayLike) -> NDArray[np.float64]:
    """Free-space path loss in dB: 20 log10(4 pi d f / c). 179.83 dB at 780 km, 30 GHz."""
    return -linear_to_db(free_space_gain_linear(distance_m, frequency_hz))


def log_distance_path_loss_db(
    distance_m: ArrayLike,
    frequency_hz: ArrayLike,
    exponent: float,
    reference_m: float = 1.0,
) -> NDArray[np.float64]:
    """Log-distance path loss in dB: FSPL(reference_m) + 10 n log10(d / reference_m).

    Generalises the free-space factor of eq. (6) (exponent 2) to urban exponents; the
    terrestrial links of LinkScheduling-v0 use it (spec section 3, choice [C]).
    """
    d = np.maximum(np.asarray(distance_m, dtype=np.float64), reference_m)
    return fspl_db(reference_m, frequency_hz) + 10.0 * exponent * np.log10(d / reference_m)


def atmospheric_loss_linear(
    slant_range_km: ArrayLike, altitude_km: float, attenuation_db_per_km: ArrayLike
) -> NDArray[np.float64]:
    """Cloud and rain loss A(d) = 10^(3 chi d / (10 H)) >= 1 of eq. (5), as a *loss*.

    ``chi`` in dB/km over a 3 km rain/cloud layer; ``d / H`` is the slant factor (both km).
    Eq. (4) divides the gain by this value.
    """
    d = np.asarray(slant_range_km, dtype=np.float64)
    chi = np.asarray(attenuation_db_per_km, dtype=np.float64)
    return np.power(10.0, 3.0 * chi * d / (10.0 * altitude_km))


def pitch_angle_factor(off_boresight_rad: ArrayLike, rolloff: float) -> NDArray[np.float64]:
    """Pitch-angle fading factor phi = cos(theta)^n <= 1 of eq. (4) (antenna roll-off n)."""
    theta = np.asarray(off_boresight_rad, dtype=np.float64)
    return np.clip(np.cos(theta), 0.0, 1.0) ** rolloff


def leo_channel_gain_linear(
    distance_m: ArrayLike,
    frequency_hz: float,
    pitch_factor: ArrayLike,
    small_scale_power: ArrayLike,
    atmospheric_loss: ArrayLike,
) -> NDArray[np.float64]:
    """LEO-to-ground fading g of eq. (4): (c/(4 pi d f))^2 * phi * |beta|^2 / A(d).

    Excludes antenna gains (eq. 3 multiplies them in). All factors linear.
    """
    return (
        free_space_gain_linear(distance_m, frequency_hz)
        * np.asarray(pitch_factor)
        * np.asarray(small_scale_power)
        / np.asarray(atmospheric_loss)
    )


def terrestrial_channel_gain_linear(
    path_loss_db: ArrayLike, small_scale_power: ArrayLike
) -> NDArray[np.float64]:
    """Terrestrial fading g of eq. (6): path gain times Rayleigh power |beta|^2 ~ Exp(1)."""
    return db_to_linear(-np.asarray(path_loss_db)) * np.asarray(small_scale_power)


def correlated_complex_fading(
    rng: np.random.Generator,
    n_steps: int,
    n_paths: int,
    correlation: float,
    k_factor_db: float | None,
) -> NDArray[np.complex128]:
    """Unit-power fading amplitudes beta[t, path] with AR(1) correlation over steps.

    The scattered part follows the Gauss-Markov model s' = rho s + sqrt(1-rho^2) n with
    rho = J0(2 pi f_m dt) (Jakes); ``k_factor_db=None`` gives Rayleigh fading, otherwise
    Rician with a fixed-phase line-of-sight component of K-factor ``k_factor_db``.
    """
    noise = rng.standard_normal((n_steps, n_paths)) + 1j * rng.standard_normal((n_steps, n_paths))
    noise /= np.sqrt(2.0)
    scattered = np.empty_like(noise)
    scattered[0] = noise[0]
    innovation = np.sqrt(1.0 - correlation**2)
    for t in range(1, n_steps):
        scattered[t] = correlation * scattered[t - 1] + innovation * noise[t]
    if k_factor_db is None:
        return scattered
    k = float(db_to_linear(k_factor_db))
    los_phase = np.exp(1j * rng.uniform(0.0, 2.0 * np.pi, size=n_paths))
    return np.sqrt(k / (k + 1.0)) * los_phase + np.sqrt(1.0 / (k + 1.0)) * scattered
