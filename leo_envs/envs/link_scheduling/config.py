"""Configuration of LinkScheduling-v0: Table I of paper 002 plus documented choices."""

from __future__ import annotations

from dataclasses import dataclass

from leo_envs.envs.common.config import (
    EnvConfig,
    check_choice,
    check_float,
    check_int,
    check_memory,
)

INVALID_ACTION_MODES = ("repair", "raise", "penalise")
TRANSMITTERS = ("LEO", "BS", "TST1", "TST2")
# Bytes per (slot, transmitter, device) link of one episode's tables: gains, levels, masks,
# features and received powers of the episode block, and the instance's 8 C-band subsets.
BYTES_PER_LINK = 200

# Allowed range of every numeric field: finite, so nothing overflows to NaN.
RANGES: dict[str, tuple] = {
    "n_devices": (1, 10_000),
    "max_devices": (1, 10_000),
    "iot_fraction": (0.0, 1.0),
    "n_slots": (1, 10_000),
    "slot_s": (1e-6, 10.0),
    "leo_altitude_km": (160.0, 2000.0),
    "leo_inclination_deg": (0.0, 180.0),
    "leo_frequency_hz": (1e8, 1e12),
    "leo_bandwidth_hz": (1.0, 1e11),
    "leo_power_w": (1e-6, 1e5),
    "leo_antenna_gain_dbi": (-20.0, 80.0),
    "leo_k_factor_db": (-30.0, 60.0),
    "leo_pitch_rolloff": (0.0, 1000.0),
    "leo_min_elevation_deg": (0.0, 89.0),
    "rain_attenuation_db_per_km": (0.0, 10.0),
    "leo_doppler_hz": (0.0, 1e4),
    "c_frequency_hz": (1e8, 1e12),
    "c_bandwidth_hz": (1.0, 1e11),
    "bs_power_w": (1e-6, 1e5),
    "tst_power_w": (1e-6, 1e5),
    "bs_antenna_gain_dbi": (-20.0, 80.0),
    "tst_antenna_gain_dbi": (-20.0, 80.0),
    "path_loss_exponent": (1.0, 8.0),
    "terrestrial_doppler_hz": (0.0, 1e4),
    "cell_radius_m": (10.0, 1e5),
    "tst_distance_m": (0.0, 1e5),
    "site_lat_deg": (-89.0, 89.0),
    "site_lon_deg": (-180.0, 180.0),
    "noise_psd_dbm_per_hz": (-250.0, 0.0),
    "fsmc_levels": (1, 64),
    "demand_mbit_low": (1e-6, 1e6),
    "demand_mbit_high": (1e-6, 1e6),
    "served_threshold_fraction": (1e-6, 1.0),
    "sinr_threshold_db": (-30.0, 60.0),
    "vip_fraction": (0.0, 1.0),
    "vip_weight": (1e-3, 1e3),
    "served_term_weight": (0.0, 1e6),
    "data_term_weight": (0.0, 1e6),
    "update_interval": (1, 10**9),
    "invalid_action_penalty": (0.0, 1e6),
}


@dataclass(frozen=True)
class LinkSchedulingConfig(EnvConfig):
    """Every parameter of LinkScheduling-v0. Table I values are defaults; ``[C]`` marks
    our choices where paper 002 is silent (the env card explains each one).

    Units are in the names: ``_w`` watts, ``_hz`` hertz, ``_db``/``_dbi`` decibels,
    ``_m``/``_km`` metres/kilometres, ``_s`` seconds, ``_mbit`` megabits. Allowed ranges
    are in ``RANGES``; a value outside raises ``ValueError`` naming the field.
    """

    n_devices: int = 60
    """Ground devices present at the start of a task (Table I: 50-100)."""
    max_devices: int = 100
    """K: device slots in the observation and action (churn adds devices up to it)."""
    iot_fraction: float = 0.3
    """[C] Share of dual-mode IoT terminals, the only devices the LEO (Ka) can serve."""
    n_slots: int = 10
    """T: slots per episode, the delay budget of the problem (Table I)."""
    slot_s: float = 0.1
    """Slot length in seconds (Table I)."""
    leo_altitude_km: float = 780.0
    """LEO altitude in km (Table I)."""
    leo_inclination_deg: float = 86.4
    """[C] Inclination of the Walker shell (Iridium-like at Table I's altitude), degrees."""
    leo_frequency_hz: float = 30e9
    """Ka-band carrier of the LEO link, Hz (Table I)."""
    leo_bandwidth_hz: float = 400e6
    """LEO bandwidth, Hz (Table I)."""
    leo_power_w: float = 100.0
    """LEO transmit power, W (Table I)."""
    leo_antenna_gain_dbi: float = 46.0
    """[C] Total antenna gain of the LEO link (spot beam + IoT terminal dish), dBi."""
    leo_k_factor_db: float = 20.0
    """[C] Rician K-factor of the satellite link, dB."""
    leo_pitch_rolloff: float = 20.0
    """[C] Exponent n of the cos^n antenna roll-off of eq. (4)."""
    leo_min_elevation_deg: float = 30.0
    """[C] Minimum elevation of the passes used for tasks, degrees."""
    rain_attenuation_db_per_km: float = 0.05
    """[C] chi of eq. (5), clear-sky clouds, dB/km."""
    leo_doppler_hz: float = 1.0
    """[C] Residual Doppler after pre-compensation (FSMC correlation), Hz; 0 = static."""
    c_frequency_hz: float = 4e9
    """C-band carrier of the BS and TSTs, Hz (Table I)."""
    c_bandwidth_hz: float = 20e6
    """C-band bandwidth, Hz (Table I)."""
    bs_power_w: float = 40.0
    """BS transmit power, W (Table I)."""
    tst_power_w: float = 2.0
    """TST transmit power, W (Table I)."""
    bs_antenna_gain_dbi: float = 12.0
    """[C] BS sector antenna gain, dBi."""
    tst_antenna_gain_dbi: float = 5.0
    """[C] TST antenna gain, dBi."""
    path_loss_exponent: float = 3.5
    """[C] Urban log-distance path-loss exponent of the terrestrial links."""
    terrestrial_doppler_hz: float = 1.0
    """[C] Doppler of the terrestrial links (quasi-static devices), Hz."""
    cell_radius_m: float = 500.0
    """[C] Radius of the cell the devices live in, m."""
    tst_distance_m: float = 300.0
    """[C] Distance of the TSTs from the BS, m (a ring; at most cell_radius_m)."""
    site_lat_deg: float = 49.61
    """[C] Latitude of the cell centre (Luxembourg), degrees."""
    site_lon_deg: float = 6.13
    """[C] Longitude of the cell centre, degrees."""
    noise_psd_dbm_per_hz: float = -174.0
    """Thermal noise power spectral density, dBm/Hz."""
    fsmc_levels: int = 8
    """[C] L: levels of the finite-state Markov channel of eq. (10)."""
    demand_mbit_low: float = 5.0
    """[C] Lower end of the uniform demand range, Mbit."""
    demand_mbit_high: float = 40.0
    """[C] Upper end of the uniform demand range, Mbit (>= demand_mbit_low)."""
    served_threshold_fraction: float = 0.5
    """[C] D_th = fraction x D: a device is served once it received this share."""
    sinr_threshold_db: float = 0.0
    """[C] gamma_th of constraint (20b), dB."""
    vip_fraction: float = 0.1
    """[C] Share of priority devices."""
    vip_weight: float = 4.0
    """[C] Priority weight w_k of a priority device (others: 1)."""
    served_term_weight: float = 1.0
    """Weight of the served-devices term of the objective (19)."""
    data_term_weight: float = 1.0
    """Weight of the data-shortfall term of the objective (19)."""
    scenario: str = "static"
    """Non-stationarity (Sec. V-A): static, user_churn, bursty_demand, channel_shock."""
    update_interval: int = 200
    """Slots between task switches (a multiple of n_slots: tasks switch between episodes)."""
    invalid_action: str = "repair"
    """What an invalid link group does: repair (drop bad links), penalise, raise."""
    invalid_action_penalty: float = 0.1
    """Reward subtracted per invalid group in penalise mode."""

    def __post_init__(self) -> None:
        from leo_envs.envs.link_scheduling.scenarios import SCENARIOS

        self.check_fields(RANGES)
        check_choice("scenario", self.scenario, SCENARIOS.names())
        check_choice("invalid_action", self.invalid_action, INVALID_ACTION_MODES)
        # cross-field checks name the field that depends on the other
        if self.n_devices > self.max_devices:
            raise ValueError(
                f"n_devices must be <= max_devices={self.max_devices}, got {self.n_devices}"
            )
        check_float("demand_mbit_high", self.demand_mbit_high, self.demand_mbit_low, 1e6)
        check_float("tst_distance_m", self.tst_distance_m, 0.0, self.cell_radius_m)
        check_int("update_interval", self.update_interval, self.n_slots, 10**9)
        if self.update_interval % self.n_slots:
            raise ValueError(
                f"update_interval must be a multiple of n_slots={self.n_slots} (tasks switch "
                f"at episode boundaries), got {self.update_interval}"
            )
        if self.served_term_weight + self.data_term_weight <= 0:
            raise ValueError("served_term_weight + data_term_weight must be > 0, got 0")
        links = self.n_slots * len(TRANSMITTERS) * self.max_devices
        check_memory(("n_slots", "max_devices"), links * BYTES_PER_LINK)
