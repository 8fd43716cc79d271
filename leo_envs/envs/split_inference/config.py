"""Configuration of SplitInference-v0: one preset per paper, Table I values as defaults.

``preset="000"`` (Zheng et al., pruning-split LSTM on a terrestrial-satellite terminal) and
``preset="004"`` (Krouka et al., PIMRC 2021, compression and time-varying split). Fields
that one preset does not use are ignored by it (the env card lists which). ``None`` means
"the preset's default" for the fields whose defaults differ between presets.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from leo_envs.envs.common.config import EnvConfig, check_bool, check_choice, check_float, check_int

PRESETS = ("000", "004")
ON_VIOLATION = ("penalize", "fallback_local")
DECISION_INFO = ("realtime", "predicted")
CSI_MODES = ("perfect", "outdated")
PREDICTORS = ("pruned", "dense", "persistence", "fixed")
SCENARIO_NAMES = ("paper", "resample")

# P1..P6 of 004 Fig. 4(a) [C] (m, server at the origin), spec section 3.
DEFAULT_WAYPOINTS_M = ((100.0, 40.0), (20.0, 15.0), (60.0, 30.0), (90.0, -50.0),
                       (35.0, -20.0), (70.0, 70.0))  # fmt: skip

_PRESET_DEFAULTS: dict[str, dict[str, Any]] = {
    "000": {"profile": "zheng_lstm_pruned70", "bandwidth_hz": 20e6, "tx_power_w": 2.0,
            "episode_steps": 36},
    "004": {"profile": "krouka_cnn_compressed", "bandwidth_hz": 5e6, "tx_power_w": 1e-3,
            "episode_steps": 60},
}  # fmt: skip


@dataclass(frozen=True)
class SplitInferenceConfig(EnvConfig):
    """Every parameter of SplitInference-v0 ([C] = our choice where the papers are silent)."""

    preset: str = "000"
    """which paper: "000" (TST pruning-split LSTM) or "004" (compressed CNN, 2-D trajectory)"""
    profile: str | None = None
    """model profile: a shipped name (000: zheng_lstm_pruned70; 004: krouka_cnn_compressed) or
    the path of a profile JSON written by agents.profiling.profile_module + save_profile"""
    episode_steps: int | None = None
    """inferences per episode (000: 36 = 14:00-17:00 every 5 min; 004: 60 = 6 legs x 10)"""
    bandwidth_hz: float | None = None
    """uplink bandwidth B (000: 20 MHz TST->satellite [C]; 004: W = 5 MHz, Sec. IV)"""
    tx_power_w: float | None = None
    """000: P_max of the TST (Table I: 2 W); 004: client power P (1 mW, Sec. IV)"""
    scenario: str = "paper"
    """task scenario: "paper" (000: a fresh test-day afternoon each episode; 004: the paper's
    P1..P6 trajectory) or "resample" (a freshly sampled task every task_interval episodes)"""
    task_interval: int = 1
    """episodes between task switches of the scenario"""
    # ---- paper 000 ----
    cycles_per_bit: float = 120.0
    """000 delta, CPU cycles per bit (Table I)"""
    chip_coeff: float = 1e-26
    """000 epsilon, effective switched capacitance (Table I)"""
    tst_cpu_hz: float = 0.3e9
    """000 f_b, TST CPU frequency (Table I)"""
    sec_cpu_hz: float = 3e9
    """000 f_a, satellite edge server CPU frequency (Table I)"""
    distance_m: float = 780e3
    """000 h, TST-satellite distance (Table I, zenith)"""
    carrier_hz: float = 30e9
    """000 Ka carrier frequency (Table I)"""
    tx_gain_dbi: float = 35.0
    """000 TST antenna gain [C]"""
    rx_gain_dbi: float = 30.0
    """000 satellite antenna gain [C]"""
    misc_loss_db: float = 4.0
    """000 miscellaneous link losses [C]"""
    noise_psd_dbm_hz: float = -174.0
    """000 noise PSD N_0 [C]"""
    ka_fading: bool = False
    """000: Rician fading on the Ka link per step (K = ka_k_factor_db) [C]"""
    ka_k_factor_db: float = 20.0
    """000 Rician K-factor when ka_fading [C]"""
    alpha: float = 1.0
    """000 weight of latency in the cost, 1/s (Table I)"""
    beta: float = 1.0
    """000 weight of energy in the cost, 1/J (Table I)"""
    tolerance_min_s: float = 0.02
    """000 lower end of the per-step interruption tolerance varsigma ~ U[min, max] [C]"""
    tolerance_max_s: float = 0.4
    """000 upper end of the tolerance range (Fig. 3 sweeps 0-400 ms) [C]"""
    min_accuracy: float = 0.9
    """000 A of Alg. 1: the profile's measured accuracy must exceed it [C]"""
    decision_info: str = "realtime"
    """000: "realtime" (actual p_b observed, the paper) or "predicted" (LSTM forecast)"""
    predictor: str = "pruned"
    """000 transmit-power forecast in the observation: pruned/dense LSTM, persistence, fixed"""
    on_violation: str = "penalize"
    """000: a split violating the tolerance is "penalize"d (kappa) or replaced by all-local"""
    violation_penalty: float = 1.0
    """000 kappa, reward penalty per tolerance violation (in units of c_ref) [C]"""
    # ---- paper 004 ----
    noise_psd_w_hz: float = 1e-9
    """004 N_0 (Sec. IV)"""
    steps_per_leg: int = 10
    """004 inferences per trajectory leg [C]"""
    reference_distance_m: float = 50.0
    """004 d_ref of the distance gain (d_ref / d)^eta [C]"""
    path_loss_exponent: float = 3.0
    """004 eta [C]"""
    csi: str = "perfect"
    """004: "perfect" (Remark 1) or "outdated" (observe h_{t-1}; AR(1) fading) [C]"""
    csi_rho: float = 0.9
    """004 AR(1) correlation of the fading between inferences when csi="outdated" [C]"""
    allow_raw_offload: bool = False
    """004: add cut 0 (send the raw input, compute nothing) [C]"""
    carbon_intensity: float = 0.275
    """004 CI, kg CO2e per kWh (EU average, Sec. IV)"""
    energy_scale_j: float = 1e-4
    """004 reward = -E / energy_scale_j [C]"""
    precision: str = "fp32"
    """004 arithmetic precision of Table I"""

    def __post_init__(self) -> None:
        check_choice("preset", self.preset, PRESETS)
        for name, value in _PRESET_DEFAULTS[self.preset].items():
            if getattr(self, name) is None:
                object.__setattr__(self, name, value)
        if not isinstance(self.profile, str) or not self.profile:
            raise ValueError(f"profile must be a non-empty string, got {self.profile!r}")
        check_choice("scenario", self.scenario, SCENARIO_NAMES)
        self._set_int("task_interval", self.task_interval, 1, 10**9)
        max_steps = 36 if self.preset == "000" else 100_000  # the TST trace covers 14:00-17:00
        self._set_int("episode_steps", self.episode_steps, 1, max_steps)
        self._set_float("bandwidth_hz", self.bandwidth_hz, 1.0, 1e12)
        self._set_float("tx_power_w", self.tx_power_w, 0.0, 1e4, low_open=True)
        for name in ("cycles_per_bit", "tst_cpu_hz", "sec_cpu_hz", "distance_m", "carrier_hz"):
            self._set_float(name, getattr(self, name), 0.0, 1e15, low_open=True)
        self._set_float("chip_coeff", self.chip_coeff, 0.0, 1e-10)
        for name in ("tx_gain_dbi", "rx_gain_dbi"):
            self._set_float(name, getattr(self, name), -20.0, 80.0)
        self._set_float("misc_loss_db", self.misc_loss_db, 0.0, 100.0)
        self._set_float("noise_psd_dbm_hz", self.noise_psd_dbm_hz, -250.0, 0.0)
        self._set_float("ka_k_factor_db", self.ka_k_factor_db, -30.0, 60.0)
        self._set_float("alpha", self.alpha, 0.0, 1e6)
        self._set_float("beta", self.beta, 0.0, 1e6)
        if self.alpha + self.beta <= 0:
            raise ValueError("alpha + beta must be > 0")
        self._set_float("tolerance_min_s", self.tolerance_min_s, 0.0, 100.0)
        self._set_float("tolerance_max_s", self.tolerance_max_s, self.tolerance_min_s, 100.0)
        self._set_float("min_accuracy", self.min_accuracy, 0.0, 1.0)
        check_choice("decision_info", self.decision_info, DECISION_INFO)
        check_choice("predictor", self.predictor, PREDICTORS)
        check_choice("on_violation", self.on_violation, ON_VIOLATION)
        self._set_float("violation_penalty", self.violation_penalty, 0.0, 1e6)
        self._set_float("noise_psd_w_hz", self.noise_psd_w_hz, 0.0, 1.0, low_open=True)
        self._set_int("steps_per_leg", self.steps_per_leg, 1, 10_000)
        self._set_float("reference_distance_m", self.reference_distance_m, 0.0, 1e7, low_open=True)
        self._set_float("path_loss_exponent", self.path_loss_exponent, 0.0, 10.0)
        check_choice("csi", self.csi, CSI_MODES)
        self._set_float("csi_rho", self.csi_rho, 0.0, 1.0)
        self._set_float("carbon_intensity", self.carbon_intensity, 0.0, 10.0)
        self._set_float("energy_scale_j", self.energy_scale_j, 0.0, 1e6, low_open=True)
        check_choice("precision", self.precision, ("int8", "fp16", "int32", "fp32"))
        for name in ("ka_fading", "allow_raw_offload"):
            self._set(name, check_bool(name, getattr(self, name)))

    def _set_int(self, name: str, value: Any, low: int, high: int) -> None:
        self._set(name, check_int(name, value, low, high))

    def _set_float(self, name: str, value: Any, low: float, high: float, low_open=False) -> None:
        self._set(name, check_float(name, value, low, high, low_open))

    @classmethod
    def from_overrides(
        cls, base: SplitInferenceConfig | None = None, **overrides: Any
    ) -> SplitInferenceConfig:
        """``base`` (or the preset's defaults) with ``overrides``; unknown names raise
        ``TypeError`` (the preset-dependent defaults are resolved after the preset is known)."""
        names = sorted(f.name for f in fields(cls))
        unknown = sorted(set(overrides) - set(names))
        if unknown:
            raise TypeError(f"unknown SplitInferenceConfig parameter(s) {unknown}; valid: {names}")
        if base is None:
            return cls(**overrides)
        if "preset" in overrides and overrides["preset"] != base.preset:
            raise ValueError("preset cannot be changed on an existing config; build a new one")
        return replace(base, **overrides)
