"""Episode generation of SplitInference-v0: every step's candidate costs, precomputed.

No state couples the steps (each step is one inference whose cost depends only on that
step's exogenous channel, power and tolerance), so an episode is a table: for step t and
action a, the cost terms of 000 eqs. (7)-(8) or 004 eqs. (1)-(6). ``reset`` builds the table
(vectorised over steps and actions), ``step`` looks it up, and ``instance()`` hands the same
table to exact planners: the per-step argmin is the episode optimum.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from leo_envs.models import split_channels as sc
from leo_envs.models.channels import correlated_complex_fading, dbm_to_w, linear_to_db
from leo_envs.models.compute_energy import (
    co2_kg,
    op_energies,
    snr_linear,
    split_terms,
    transmission_energy_j,
    upload_time_s,
)
from leo_envs.models.links import shannon_rate_bps
from leo_envs.models.split_costs import cut_processing_energy_j, tst_split_bits
from leo_envs.models.split_profiles import ModelProfile, data_path, load_profile, read_profile

from .config import SplitInferenceConfig

OBS_LABELS = (
    "log10_rate_bps", "snr_db", "tx_power_w", "tx_power_pred_w", "tolerance_s",
    "log10_bandwidth_hz", "soc", "tod_sin", "tod_cos", "progress",
)  # fmt: skip
OBS_LOW = np.array([0.0, -100.0, 0.0, 0.0, 0.0, 0.0, 0.0, -1.0, -1.0, 0.0], dtype=np.float32)
OBS_HIGH = np.array([13.0, 100.0, 1e4, 1e4, 100.0, 13.0, 1.0, 1.0, 1.0, 1.0], dtype=np.float32)
TST_TRACE_FILE = "tst_afternoons.npz"
SLOT_S_000 = 300.0  # 5-minute steps (spec section 5)


@lru_cache(maxsize=8)
def cached_profile(name: str) -> ModelProfile:
    """A shipped profile by name, or any profile JSON file by path (``*.json``)."""
    if name.endswith(".json"):
        path = Path(name)
        if not path.is_file():
            raise ValueError(f"profile file {name!r} does not exist")
        return read_profile(path)
    return load_profile(name)


@lru_cache(maxsize=1)
def tst_trace() -> dict[str, NDArray]:
    """The shipped TST afternoons (see ``agents/split_models/train_lstm.py``), read-only."""
    path = data_path(TST_TRACE_FILE)
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} is missing: run `python -m agents.split_models.train_lstm` to build it"
        )
    with np.load(path) as z:
        out = {k: z[k] for k in z.files}
    for v in out.values():
        v.setflags(write=False)
    return out


@dataclass(frozen=True)
class EpisodeTable:
    """All steps x actions of one episode. Arrays [T, A] unless noted; units in names.

    ``cost`` is the per-step objective (normalised cost incl. the violation penalty, i.e.
    minus the reward); ``raw_cost`` the paper's cost (000: alpha t + beta e; 004: E in J).
    ``feasible`` is feasibility under the *actual* exogenous values, ``mask`` what the agent
    is told at decision time. Exogenous arrays are [T].
    """

    cut_names: tuple[str, ...]
    cost: NDArray[np.float64]
    raw_cost: NDArray[np.float64]
    feasible: NDArray[np.bool_]
    mask: NDArray[np.bool_]
    obs: NDArray[np.float32]
    t_local_s: NDArray[np.float64]
    t_remote_s: NDArray[np.float64]
    t_prop_s: NDArray[np.float64]
    t_tx_s: NDArray[np.float64]
    ec_j: NDArray[np.float64]
    em_j: NDArray[np.float64]
    e_tx_j: NDArray[np.float64]
    payload_bits: NDArray[np.float64]  # [A]
    rate_bps: NDArray[np.float64]  # actual [T]
    rate_decision_bps: NDArray[np.float64]  # [T]
    tx_power_w: NDArray[np.float64]  # actual [T]
    tx_power_pred_w: NDArray[np.float64]  # [T]
    channel_gain: NDArray[np.float64]  # actual |h|^2 or g_b [T]
    tolerance_s: NDArray[np.float64]  # [T] (inf: none)
    positions_m: NDArray[np.float64]  # [T, 2] (004) or [T, 0]
    cost_scale: float
    fallback: int  # action played instead of a violating one (-1: none)

    @property
    def e_local_j(self) -> NDArray[np.float64]:
        return self.ec_j + self.em_j

    @property
    def e_j(self) -> NDArray[np.float64]:
        return self.e_local_j + self.e_tx_j

    @property
    def t_s(self) -> NDArray[np.float64]:
        return self.t_local_s + self.t_remote_s + self.t_prop_s + self.t_tx_s

    @property
    def co2_kg(self) -> NDArray[np.float64]:
        return co2_kg(self.e_j)


def n_actions(config: SplitInferenceConfig) -> int:
    prof = cached_profile(config.profile)
    if config.preset == "000":
        return prof.n_units + 1  # 0 = all local, i = units 1..i local (no all-remote)
    return prof.n_units + int(config.allow_raw_offload)


def action_names(config: SplitInferenceConfig) -> tuple[str, ...]:
    prof = cached_profile(config.profile)
    if config.preset == "000":
        return tst_split_bits(prof).names
    return cut_processing_energy_j(
        prof, op_energies(config.precision), include_raw=config.allow_raw_offload
    ).names


def _rate(config, power_w, gain):
    noise_psd = (
        dbm_to_w(config.noise_psd_dbm_hz) if config.preset == "000" else config.noise_psd_w_hz
    )
    snr = snr_linear(power_w, gain, noise_psd, config.bandwidth_hz)
    return shannon_rate_bps(config.bandwidth_hz, snr), snr


@lru_cache(maxsize=16)
def cached_split_bits(config: SplitInferenceConfig):
    """000 M_loc / M_rem of every split of the config's profile (cached)."""
    return tst_split_bits(cached_profile(config.profile))


@lru_cache(maxsize=16)
def cached_ka_gain(config: SplitInferenceConfig) -> float:
    return float(sc.ka_link_gain_linear(config.distance_m, config.carrier_hz,
                                        config.tx_gain_dbi, config.rx_gain_dbi,
                                        config.misc_loss_db))  # fmt: skip


@lru_cache(maxsize=16)
def local_cost_000(config: SplitInferenceConfig) -> float:
    """c_ref of 000: the all-local cost alpha t_0 + beta e_0 (independent of the power)."""
    bits = cached_split_bits(config)
    terms = _split_terms_000(config, bits, np.array([1.0]), np.array([1.0]))
    return float(config.alpha * terms.t_s[0, 0] + config.beta * terms.e_j[0, 0])


def _split_terms_000(config, bits, rate, power):
    return split_terms(
        bits.local_bits[None, :],
        bits.remote_bits[None, :],
        rate_bps=rate[:, None],
        tx_power_w=power[:, None],
        distance_m=config.distance_m,
        cycles_per_bit=config.cycles_per_bit,
        tst_hz=config.tst_cpu_hz,
        sec_hz=config.sec_cpu_hz,
        chip_coeff=config.chip_coeff,
    )


def tst_exogenous(config: SplitInferenceConfig, task, day_index: int, rng: np.random.Generator,
                  tolerance_s: float | None = None) -> dict[str, NDArray]:  # fmt: skip
    """Actual and predicted TST power, SoC, PV, Ka gain and tolerance for one afternoon."""
    trace = tst_trace()
    T = config.episode_steps
    sl = slice(1, T + 1)  # column 0 is the step before 14:00 (persistence / last measurement)
    p = trace["p_tx_w"][day_index].astype(np.float64)
    if config.predictor == "pruned":
        pred = trace["p_pred_pruned_w"][day_index, sl].astype(np.float64)
    elif config.predictor == "dense":
        pred = trace["p_pred_dense_w"][day_index, sl].astype(np.float64)
    elif config.predictor == "persistence":
        pred = p[:T]
    else:
        pred = np.full(T, config.tx_power_w)
    g0 = cached_ka_gain(config)
    if config.ka_fading:  # i.i.d. unit-power Rician per step
        beta = correlated_complex_fading(rng, T + 1, 1, 0.0, config.ka_k_factor_db)[:, 0]
        fading = np.abs(beta) ** 2
    else:
        fading = np.ones(T + 1)
    if tolerance_s is None:
        low, high = (float(v) for v in task.tolerance_range_s)
        tol = rng.uniform(low, high, size=T)
    else:
        tol = np.full(T, float(tolerance_s))
    return {
        "p_actual": np.minimum(p[sl], config.tx_power_w),
        "p_prev": np.minimum(p[:T], config.tx_power_w),
        "p_pred": np.clip(pred, 0.0, config.tx_power_w),
        "soc": trace["soc"][day_index, sl].astype(np.float64),
        "hour": trace["hour"][sl].astype(np.float64),
        "gain": g0 * fading[1:],
        "gain_prev": g0 * fading[:-1],
        "tolerance_s": tol,
    }


def build_table_000(config: SplitInferenceConfig, ex: dict[str, NDArray]) -> EpisodeTable:
    """000 eqs. (7)-(8) for every step and split; mask M_rem(i)/R_dec <= tolerance."""
    bits = cached_split_bits(config)
    rate, _ = _rate(config, ex["p_actual"], ex["gain"])
    if config.decision_info == "realtime":
        p_dec, g_dec, p_shown = ex["p_actual"], ex["gain"], ex["p_actual"]
    else:
        p_dec, g_dec, p_shown = ex["p_pred"], ex["gain_prev"], ex["p_prev"]
    rate_dec, snr_dec = _rate(config, p_dec, g_dec)
    terms = _split_terms_000(config, bits, rate, ex["p_actual"])
    raw = config.alpha * terms.t_s + config.beta * terms.e_j
    tol = ex["tolerance_s"][:, None]
    feasible = upload_time_s(bits.remote_bits[None, :], rate[:, None]) <= tol
    mask = upload_time_s(bits.remote_bits[None, :], rate_dec[:, None]) <= tol
    scale = local_cost_000(config)
    T = raw.shape[0]
    penalty = 0.0 if config.on_violation == "fallback_local" else config.violation_penalty
    played_raw = raw if config.on_violation == "penalize" else np.where(feasible, raw, raw[:, :1])
    cost = played_raw / scale + penalty * ~feasible
    tod = 2 * np.pi * ex["hour"] / 24.0
    obs = np.column_stack([
        np.log10(np.maximum(rate_dec, 1.0)), linear_to_db(np.maximum(snr_dec, 1e-10)),
        p_shown, ex["p_pred"], ex["tolerance_s"], np.full(T, np.log10(config.bandwidth_hz)),
        ex["soc"], np.sin(tod), np.cos(tod), np.arange(T) / T,
    ])  # fmt: skip
    return EpisodeTable(
        cut_names=bits.names,
        cost=cost,
        raw_cost=raw,
        feasible=feasible,
        mask=mask,
        obs=np.clip(obs, OBS_LOW, OBS_HIGH).astype(np.float32),
        t_local_s=np.broadcast_to(terms.t_local_s, raw.shape).copy(),
        t_remote_s=np.broadcast_to(terms.t_remote_s, raw.shape).copy(),
        t_prop_s=np.broadcast_to(terms.t_prop_s, raw.shape).copy(),
        t_tx_s=terms.t_tx_s,
        ec_j=np.broadcast_to(terms.e_local_j, raw.shape).copy(),
        em_j=np.zeros_like(raw),
        e_tx_j=terms.e_tx_j,
        payload_bits=bits.remote_bits.copy(),
        rate_bps=rate,
        rate_decision_bps=rate_dec,
        tx_power_w=ex["p_actual"],
        tx_power_pred_w=ex["p_pred"],
        channel_gain=ex["gain"],
        tolerance_s=ex["tolerance_s"],
        positions_m=np.zeros((T, 0)),
        cost_scale=scale,
        fallback=0 if config.on_violation == "fallback_local" else -1,
    )


@lru_cache(maxsize=64)
def _trajectory(config: SplitInferenceConfig, waypoints: tuple) -> tuple[NDArray, NDArray]:
    """Positions [T, 2] and distance gains [T] of a trajectory (cached per task)."""
    T = config.episode_steps
    pos = sc.trajectory_positions_m(np.array(waypoints), config.steps_per_leg, closed=True)
    pos = pos[np.arange(T) % len(pos)]
    omega = sc.distance_gain(np.linalg.norm(pos, axis=1), config.reference_distance_m,
                             config.path_loss_exponent)  # fmt: skip
    pos.setflags(write=False)
    omega.setflags(write=False)
    return pos, omega


@lru_cache(maxsize=16)
def cached_cuts(config: SplitInferenceConfig):
    """004 per-cut processing energies and payloads of the config's profile (cached)."""
    return cut_processing_energy_j(cached_profile(config.profile), op_energies(config.precision),
                                   include_raw=config.allow_raw_offload)  # fmt: skip


def client_exogenous(config: SplitInferenceConfig, waypoints_m: NDArray,
                     rng: np.random.Generator) -> dict[str, NDArray]:  # fmt: skip
    """004: positions along the closed trajectory, actual and observed |h|^2 per inference."""
    T = config.episode_steps
    pos, omega = _trajectory(config, tuple(map(tuple, np.asarray(waypoints_m).tolist())))
    if config.csi == "perfect":  # i.i.d. Rayleigh block fading, known at decision time
        g = correlated_complex_fading(rng, T, 1, 0.0, None)[:, 0]
        g_obs = g
    else:  # AR(1): the agent sees the previous inference's coefficient
        seq = correlated_complex_fading(rng, T + 1, 1, config.csi_rho, None)[:, 0]
        g, g_obs = seq[1:], seq[:-1]
    return {"positions_m": pos, "gain": omega * np.abs(g) ** 2,
            "gain_obs": omega * np.abs(g_obs) ** 2}  # fmt: skip


def build_table_004(config: SplitInferenceConfig, ex: dict[str, NDArray]) -> EpisodeTable:
    """004 eqs. (1)-(6): E_l = E_p,l + P 32 d_l / R(h_t) for every step and cut."""
    cuts = cached_cuts(config)
    rate, _ = _rate(config, config.tx_power_w, ex["gain"])
    rate_obs, snr_obs = _rate(config, config.tx_power_w, ex["gain_obs"])
    tau = upload_time_s(cuts.payload_bits[None, :], rate[:, None])
    e_tx = transmission_energy_j(config.tx_power_w, tau)
    T, A = tau.shape
    ec = np.broadcast_to(cuts.computation_j, (T, A)).copy()
    em = np.broadcast_to(cuts.memory_j, (T, A)).copy()
    raw = ec + em + e_tx
    obs = np.column_stack([
        np.log10(np.maximum(rate_obs, 1.0)), linear_to_db(np.maximum(snr_obs, 1e-10)),
        np.full(T, config.tx_power_w), np.full(T, config.tx_power_w), np.zeros(T),
        np.full(T, np.log10(config.bandwidth_hz)), np.zeros(T), np.zeros(T), np.zeros(T),
        np.arange(T) / T,
    ])  # fmt: skip
    zeros = np.zeros((T, A))
    ones = np.ones((T, A), dtype=bool)
    return EpisodeTable(
        cut_names=cuts.names,
        cost=raw / config.energy_scale_j,
        raw_cost=raw,
        feasible=ones,
        mask=ones.copy(),
        obs=np.clip(obs, OBS_LOW, OBS_HIGH).astype(np.float32),
        t_local_s=zeros,
        t_remote_s=zeros.copy(),
        t_prop_s=zeros.copy(),
        t_tx_s=tau,
        ec_j=ec,
        em_j=em,
        e_tx_j=e_tx,
        payload_bits=cuts.payload_bits.copy(),
        rate_bps=rate,
        rate_decision_bps=rate_obs,
        tx_power_w=np.full(T, config.tx_power_w),
        tx_power_pred_w=np.full(T, config.tx_power_w),
        channel_gain=ex["gain"],
        tolerance_s=np.full(T, np.inf),
        positions_m=ex["positions_m"],
        cost_scale=config.energy_scale_j,
        fallback=-1,
    )
