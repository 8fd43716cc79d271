"""Users of a TST announcing its transmit power: task success ratio of paper 000 Fig. 4.

Paper 000: users decide between local computing (eqs. 1-2) and TST-assisted offloading to
the satellite edge server (eqs. 3-6) from the TST's *announced* power; "when a user chooses
TST-assisted offloading but does not receive the expected number of allocated subcarriers
for transmission, [its offloading] is unsuccessful". Our reading ([P/R/C], spec section 5):

* OFDM with ``n_subcarriers`` over the TST bandwidth B_b at a fixed power per subcarrier
  p_sc = P_max / N_sc, so a power p gives N = floor(p / p_sc) subcarriers; an offloading user
  needs ``n_required`` of them;
* a user prefers offloading iff alpha (t_SEC + t_TS) + beta E_off < alpha t_LC + beta E_LC
  with its ``n_required`` subcarriers' rate on the TST hop (p_sc is fixed, so the announced
  power only sets the capacity);
* the TST admits K_hat = min(#preferring, floor(N_hat / n_required)) users from the announced
  power; failures = max(0, K_hat - floor(N / n_required)) from the actual power (or all
  admitted users when the TST's own split broke the interruption tolerance).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from leo_envs.models.channels import db_to_linear
from leo_envs.models.compute_energy import cpu_energy_j, cpu_time_s, propagation_delay_s
from leo_envs.models.links import shannon_rate_bps


@dataclass(frozen=True)
class UserParams:
    """User population and links of the Fig. 4 experiment ([C] unless noted)."""

    n_users: int = 20
    task_mbit_low: int = 1
    task_mbit_high: int = 10
    user_cpu_hz: float = 0.2e9
    user_tx_power_w: float = 0.1
    user_bandwidth_hz: float = 1e6
    user_snr_db: float = 20.0
    n_subcarriers: int = 64
    n_required: int = 4
    p_max_w: float = 2.0  # 000 Table I
    tst_bandwidth_hz: float = 20e6
    cycles_per_bit: float = 120.0  # 000 Table I
    chip_coeff: float = 1e-26  # 000 Table I
    sec_cpu_hz: float = 3e9  # 000 Table I
    distance_m: float = 780e3  # 000 Table I
    alpha: float = 1.0
    beta: float = 1.0


def prefers_offloading(task_bits: ArrayLike, tst_snr_per_subcarrier: float,
                       p: UserParams) -> NDArray[np.bool_]:  # fmt: skip
    """Whether each user's cost of offloading (eqs. 3-6) beats local computing (eqs. 1-2)."""
    m = np.asarray(task_bits, dtype=np.float64)
    t_lc = cpu_time_s(m, p.cycles_per_bit, p.user_cpu_hz)
    e_lc = cpu_energy_j(m, p.cycles_per_bit, p.user_cpu_hz, p.chip_coeff)
    r_user = shannon_rate_bps(p.user_bandwidth_hz, db_to_linear(p.user_snr_db))
    r_tst = shannon_rate_bps(p.n_required * p.tst_bandwidth_hz / p.n_subcarriers,
                             tst_snr_per_subcarrier)  # fmt: skip
    t_sec = cpu_time_s(m, p.cycles_per_bit, p.sec_cpu_hz)
    t_ts = propagation_delay_s(p.distance_m) + m / r_tst + m / r_user  # eq. (4), read [R]
    e_off = p.user_tx_power_w * m / r_user
    return p.alpha * (t_sec + t_ts) + p.beta * e_off < p.alpha * t_lc + p.beta * e_lc


def success_ratio(
    p_actual_w: ArrayLike,
    p_announced_w: ArrayLike,
    tst_gain: float,
    noise_psd_w_hz: float,
    rng: np.random.Generator,
    params: UserParams | None = None,
    split_violated: ArrayLike | None = None,
) -> NDArray[np.float64]:
    """Share of the ``n_users`` users per step whose task succeeds (arrays [T])."""
    p = params or UserParams()
    actual = np.asarray(p_actual_w, dtype=np.float64)
    announced = np.minimum(np.asarray(p_announced_w, dtype=np.float64), p.p_max_w)
    p_sc = p.p_max_w / p.n_subcarriers
    snr_sc = p_sc * tst_gain / (noise_psd_w_hz * p.tst_bandwidth_hz / p.n_subcarriers)
    tasks = rng.integers(p.task_mbit_low, p.task_mbit_high + 1, size=(actual.size, p.n_users))
    n_prefer = prefers_offloading(tasks * 1e6, snr_sc, p).sum(axis=1)
    # floor with a tiny slack so that p = k p_sc exactly gives k subcarriers
    cap_hat = np.floor(announced / p_sc + 1e-9) // p.n_required
    cap = np.floor(actual / p_sc + 1e-9) // p.n_required
    admitted = np.minimum(n_prefer, cap_hat)
    failures = np.maximum(0.0, admitted - cap)
    if split_violated is not None:
        failures = np.where(np.asarray(split_violated, dtype=bool), admitted, failures)
    return 1.0 - failures / p.n_users
