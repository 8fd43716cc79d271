"""Configuration of LinkScheduling-v0: Table I of paper 002 plus documented choices."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields

SCENARIOS = ("static", "user_churn", "bursty_demand", "channel_shock")
INVALID_ACTION_MODES = ("repair", "raise", "penalise")
TRANSMITTERS = ("LEO", "BS", "TST1", "TST2")


@dataclass(frozen=True)
class LinkSchedulingConfig:
    """Every parameter of LinkScheduling-v0. Table I values are defaults; ``[C]`` marks
    our choices where paper 002 is silent (the env card explains each one).

    Units are in the names: ``_w`` watts, ``_hz`` hertz, ``_db``/``_dbi`` decibels,
    ``_m``/``_km`` metres/kilometres, ``_s`` seconds, ``_mbit`` megabits.
    """

    # Network size (Table I: 50-100 ground devices, 1 LEO, 1 BS, 2 TSTs).
    n_devices: int = 60
    max_devices: int = 100
    iot_fraction: float = 0.3  # [C] share of dual-mode IoT terminals (LEO-capable)
    # Time (Table I).
    n_slots: int = 10
    slot_s: float = 0.1
    # LEO, Ka band (Table I) and its link budget [C].
    leo_altitude_km: float = 780.0
    leo_inclination_deg: float = 86.4  # [C] Iridium-like Walker shell at Table I's altitude
    leo_frequency_hz: float = 30e9
    leo_bandwidth_hz: float = 400e6
    leo_power_w: float = 100.0
    leo_antenna_gain_dbi: float = 46.0  # [C] spot beam + IoT terminal dish, both ends
    leo_k_factor_db: float = 20.0  # [C] Rician K-factor of a satellite link
    leo_pitch_rolloff: float = 20.0  # [C] cos^n antenna roll-off of eq. (4)
    leo_min_elevation_deg: float = 30.0  # [C] passes used for tasks
    rain_attenuation_db_per_km: float = 0.05  # [C] chi of eq. (5), clear-sky clouds
    leo_doppler_hz: float = 1.0  # [C] residual after Doppler pre-compensation
    # Terrestrial, C band (Table I) and link budget [C].
    c_frequency_hz: float = 4e9
    c_bandwidth_hz: float = 20e6
    bs_power_w: float = 40.0
    tst_power_w: float = 2.0
    bs_antenna_gain_dbi: float = 12.0  # [C] sector antenna
    tst_antenna_gain_dbi: float = 5.0  # [C]
    path_loss_exponent: float = 3.5  # [C] urban log-distance exponent
    terrestrial_doppler_hz: float = 1.0  # [C] quasi-static devices
    cell_radius_m: float = 500.0  # [C]
    tst_distance_m: float = 300.0  # [C] TSTs sit on a ring around the BS
    site_lat_deg: float = 49.61  # [C] ground area (Luxembourg)
    site_lon_deg: float = 6.13
    noise_psd_dbm_per_hz: float = -174.0
    fsmc_levels: int = 8  # [C] L of eq. (10)
    # Demand and priorities [C].
    demand_mbit_low: float = 5.0
    demand_mbit_high: float = 40.0
    served_threshold_fraction: float = 0.5  # D_th = fraction * D
    sinr_threshold_db: float = 0.0  # gamma_th of (20b)
    vip_fraction: float = 0.1
    vip_weight: float = 4.0
    served_term_weight: float = 1.0
    data_term_weight: float = 1.0
    # Non-stationarity (Sec. V-A).
    scenario: str = "static"
    update_interval: int = 200
    # Invalid actions.
    invalid_action: str = "repair"
    invalid_action_penalty: float = 0.1

    def __post_init__(self) -> None:
        _check_int("n_devices", self.n_devices, 1, self.max_devices)
        _check_int("max_devices", self.max_devices, 1, 10_000)
        _check_int("n_slots", self.n_slots, 1, 10_000)
        _check_int("fsmc_levels", self.fsmc_levels, 1, 64)
        _check_int("update_interval", self.update_interval, self.n_slots, 10**9)
        if self.update_interval % self.n_slots:
            raise ValueError(
                f"update_interval must be a multiple of n_slots={self.n_slots} (tasks switch "
                f"at episode boundaries), got {self.update_interval}"
            )
        positive = (
            "slot_s", "leo_altitude_km", "leo_frequency_hz", "leo_bandwidth_hz", "leo_power_w",
            "c_frequency_hz", "c_bandwidth_hz", "bs_power_w", "tst_power_w", "cell_radius_m",
            "demand_mbit_low", "vip_weight", "path_loss_exponent",
        )
        for name in positive:
            _check_float(name, getattr(self, name), 0.0, math.inf, low_open=True)
        _check_float("leo_altitude_km", self.leo_altitude_km, 160.0, 2000.0)
        _check_float("iot_fraction", self.iot_fraction, 0.0, 1.0)
        _check_float("vip_fraction", self.vip_fraction, 0.0, 1.0)
        _check_float("served_threshold_fraction", self.served_threshold_fraction, 0.0, 1.0,
                     low_open=True)
        _check_float("demand_mbit_high", self.demand_mbit_high, self.demand_mbit_low, math.inf)
        _check_float("leo_inclination_deg", self.leo_inclination_deg, 0.0, 180.0)
        _check_float("leo_min_elevation_deg", self.leo_min_elevation_deg, 0.0, 89.0)
        _check_float("rain_attenuation_db_per_km", self.rain_attenuation_db_per_km, 0.0, 10.0)
        _check_float("leo_doppler_hz", self.leo_doppler_hz, 0.0, 1e4)
        _check_float("terrestrial_doppler_hz", self.terrestrial_doppler_hz, 0.0, 1e4)
        _check_float("tst_distance_m", self.tst_distance_m, 0.0, self.cell_radius_m)
        _check_float("site_lat_deg", self.site_lat_deg, -89.0, 89.0)
        _check_float("site_lon_deg", self.site_lon_deg, -180.0, 180.0)
        _check_float("noise_psd_dbm_per_hz", self.noise_psd_dbm_per_hz, -250.0, 0.0)
        _check_float("sinr_threshold_db", self.sinr_threshold_db, -30.0, 60.0)
        _check_float("leo_k_factor_db", self.leo_k_factor_db, -30.0, 60.0)
        _check_float("leo_pitch_rolloff", self.leo_pitch_rolloff, 0.0, 1000.0)
        for name in ("leo_antenna_gain_dbi", "bs_antenna_gain_dbi", "tst_antenna_gain_dbi"):
            _check_float(name, getattr(self, name), -20.0, 80.0)
        for name in ("served_term_weight", "data_term_weight", "invalid_action_penalty"):
            _check_float(name, getattr(self, name), 0.0, 1e6)
        if self.served_term_weight + self.data_term_weight <= 0:
            raise ValueError("served_term_weight + data_term_weight must be > 0")
        if self.scenario not in SCENARIOS:
            raise ValueError(f"scenario must be one of {SCENARIOS}, got {self.scenario!r}")
        if self.invalid_action not in INVALID_ACTION_MODES:
            raise ValueError(
                f"invalid_action must be one of {INVALID_ACTION_MODES}, got {self.invalid_action!r}"
            )

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_overrides(cls, base: LinkSchedulingConfig | None = None, **overrides: object):
        """A config from keyword overrides; unknown names raise ``TypeError`` listing valid ones."""
        valid = {f.name for f in fields(cls)}
        unknown = sorted(set(overrides) - valid)
        if unknown:
            raise TypeError(
                f"unknown LinkSchedulingConfig parameter(s) {unknown}; valid: {sorted(valid)}"
            )
        values = (base or cls()).to_dict()
        values.update(overrides)
        return cls(**values)


def _check_int(name: str, value: object, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or int(value) != value:
        raise ValueError(f"{name} must be an integer in [{low}, {high}], got {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be an integer in [{low}, {high}], got {value!r}")


def _check_float(
    name: str, value: object, low: float, high: float, low_open: bool = False
) -> None:
    ok_type = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok_type or not math.isfinite(float(value)):
        raise ValueError(f"{name} must be a finite number in [{low}, {high}], got {value!r}")
    bad_low = value <= low if low_open else value < low
    if bad_low or value > high:
        bracket = "(" if low_open else "["
        raise ValueError(f"{name} must lie in {bracket}{low}, {high}], got {value!r}")
