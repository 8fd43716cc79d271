"""One 15-minute slot of GreenOffloading-v0 for all N sites at once (paper 003, Sec. 2-3).

The ``substep_s`` sub-steps inside the slot (queues, arrivals and the serving satellite
change every sub-step, spec B5), then energy, battery and the next observation, run in one
compiled call per slot (``_kernel.run_slot``, with its parameters from ``slot_params``).

Per sub-step and site: arrivals plus retries are admitted (share ``admit``), split between
the local containers and a satellite (share ``share``), and each part meets a fluid
Lindley queue in tasks (spec B2; ``queue_drop``: local containers, the site's Starlink
uplink, the serving satellite's containers under a background load). Delays follow eqs.
(12)-(14) (``radio``); tasks whose delay would exceed sigma are dropped with the soft-drop
probability (an expected share: the fluid model has no per-task draw); a share
``retry_share`` of the dropped tasks retries in the next sub-step. The serving satellite
is the AO queue rule (eligible = SNR >= Gamma_th and expected delay < sigma; least
expected wait), for DO the highest one, or the agent's choice among those with SNR >=
Gamma_th ranked by SNR (``sat_selection='agent'``).
Energy follows eqs. (6)-(8) with spec B2's concrete terms; the battery eqs. (9)-(11)
(``leo_envs.models.battery``).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

import leo_envs.envs.green_offloading._kernel as k
from leo_envs.envs.green_offloading._kernel import (
    SAT_BACKLOG,
    SAT_CAPACITY,
    SAT_CAPACITY_FLOOR,
    ST_BATTERY,
    ST_LOCAL_BACKLOG,
    ST_RETRY,
    ST_UPLINK_BACKLOG,
    queue_drop_array,
)
from leo_envs.envs.green_offloading.config import GreenOffloadingConfig
from leo_envs.envs.green_offloading.energy import (
    benchmark_terms_j,
    site_energy_terms_j,
    switching_terms_j,
)
from leo_envs.envs.green_offloading.observation import BACKLOG_CAP, J_CAP, WAIT_CAP
from leo_envs.envs.green_offloading.radio import (
    link_rate_bps,
    local_delay_s,
    satellite_delay_s,
    server_delay_s,
)


class SiteState:
    """Mutable state of the N sites and of the satellites they use, packed for the compiled
    slot: ``site`` [4, N] (rows ``_kernel.ST_*``), ``containers_on`` [N] int64 (G_on of the
    previous slot), ``sat`` [3, n_sat] (rows ``_kernel.SAT_*``). The named attributes are
    views of these arrays."""

    def __init__(self, site: NDArray, containers_on: NDArray, sat: NDArray) -> None:
        self.site = site
        self.containers_on = containers_on
        self.sat = sat

    @classmethod
    def initial(
        cls,
        battery_j: NDArray[np.float64],
        containers_on: NDArray[np.int64],
        sat_capacity_rate: NDArray[np.float64],
    ) -> SiteState:
        """Empty queues, the given batteries (J), containers and satellite capacities (tasks/s)."""
        site = np.zeros((4, battery_j.shape[0]))
        site[ST_BATTERY] = battery_j
        sat = np.zeros((3, sat_capacity_rate.shape[0]))
        sat[SAT_CAPACITY] = sat_capacity_rate
        sat[SAT_CAPACITY_FLOOR] = np.maximum(sat_capacity_rate, 1e-12)  # the wait ratio's
        return cls(site, np.array(containers_on, dtype=np.int64), sat)

    battery_j = property(lambda self: self.site[ST_BATTERY], doc="[N] stored energy, J")
    local_backlog = property(
        lambda self: self.site[ST_LOCAL_BACKLOG], doc="[N] tasks waiting in the site MEC"
    )
    uplink_backlog = property(
        lambda self: self.site[ST_UPLINK_BACKLOG],
        doc="[N] tasks waiting for the site's Starlink uplink",
    )
    retry = property(
        lambda self: self.site[ST_RETRY], doc="[N] dropped tasks retrying in the next sub-step"
    )
    sat_backlog = property(
        lambda self: self.sat[SAT_BACKLOG], doc="[n_sat] our tasks waiting on each satellite"
    )
    sat_capacity_rate = property(
        lambda self: self.sat[SAT_CAPACITY], doc="[n_sat] tasks/s left by background load"
    )

    def copy(self) -> SiteState:
        return SiteState(self.site.copy(), self.containers_on.copy(), self.sat.copy())


QUEUE_POINTS = 4
"""Arrival times per sub-step at which the soft-drop law is averaged (midpoint rule)."""


def queue_drop(
    backlog: NDArray,
    inflow: NDArray,
    rate: NDArray,
    dt: float,
    base_delay_s: NDArray,
    bound_s: float,
    steepness: float,
    points: int = QUEUE_POINTS,
) -> tuple[NDArray, NDArray]:
    """Expected drop share and mean delay of the served tasks, for a sub-step's ``inflow``
    tasks arriving evenly into a fluid queue served at ``rate`` tasks/s (spec B2's Lindley
    model, resolved inside the sub-step).

    A task arriving at tau waits q(tau) / rate on top of ``base_delay_s`` and is dropped
    with the soft-drop probability of that delay at once (the device gives up: it never
    joins the queue). The queue therefore rises linearly from ``backlog`` only up to the
    level q* where the accepted rate equals the service rate (drop share 1 - rate/lambda,
    delay t* = sigma (lambda/rate)^(1/delta)), and drains linearly when under-loaded. The
    drop law is averaged over ``points`` arrival times (midpoint rule). No service: all drop.
    Arrays broadcast; the compiled ``_kernel.queue_drop_scalar`` does the work (the slot
    loop calls it directly).
    """
    arrays = np.broadcast_arrays(
        *(np.asarray(x, dtype=np.float64) for x in (backlog, inflow, rate, base_delay_s))
    )
    shape = arrays[0].shape
    flat = [np.array(x, dtype=np.float64).ravel() for x in arrays]  # owned, writable copies
    share, delay = queue_drop_array(
        flat[0], flat[1], flat[2], float(dt), flat[3], float(bound_s), float(steepness), points
    )
    return share.reshape(shape), delay.reshape(shape)


def local_base_delay_s(cfg: GreenOffloadingConfig) -> float:
    """Zero-queue local delay t_loc (s), eq. (13) with eq. (12)'s server delay."""
    return float(
        local_delay_s(
            cfg.task_up_bytes,
            cfg.task_down_bytes,
            cfg.device_rate_bps,
            cfg.access_s,
            server_delay_s(cfg.task_up_bytes, cfg.server_rate_bps, cfg.local_service_s, 0.0),
        )
    )


def base_delays(cfg: GreenOffloadingConfig, snr_db: NDArray, range_km: NDArray):
    """Zero-queue local delay (scalar) and satellite delay/uplink rate per table entry."""
    rate = link_rate_bps(snr_db, cfg.bandwidth_hz)
    t_sat = satellite_delay_s(
        cfg.task_up_bytes,
        cfg.task_down_bytes,
        rate,
        np.nan_to_num(range_km, nan=0.0),
        server_delay_s(cfg.task_up_bytes, cfg.server_rate_bps, cfg.sat_service_s, 0.0),
        device_rate_bps=cfg.device_rate_bps,
        access_s=cfg.access_s,
        path=cfg.sat_path,
    )
    return local_base_delay_s(cfg), np.where(np.isfinite(snr_db), t_sat, np.inf), rate


def slot_energy_j(
    cfg: GreenOffloadingConfig,
    *,
    g_on: NDArray,
    g_prev: NDArray,
    work_container_s: NDArray,
    device_tasks: NDArray,
    server_tasks: NDArray,
    queued_task_substeps: NDArray,
) -> tuple[NDArray, NDArray]:
    """(beta^bs, beta^edg) of one slot in J, eqs. (7)-(8) with spec B2's concrete terms.

    beta^bs = eta beta_0 tau + beta_sat tau + e_ld x device bytes + e_dt x server bytes
    (eta = 1: the BS is always on; the Starlink terminal is the backhaul, always on);
    beta^edg = tau G_on P_idle + (P_max - P_idle) W + e_sw |G_on(t) - G_on(t-1)|
    + e_qu x queued bytes (beta_ch = 0), with W the busy container-seconds.
    Spec B7: G_on 3 -> 5, W = 2250 s, e_* = 0 -> 54,540 J and 33,850 J.
    (``energy.site_energy_terms_j`` holds the arithmetic, shared with the compiled slot.)
    """
    return site_energy_terms_j(
        *energy_constants(cfg)[:-1],
        cfg.switch_energy_j,
        cfg.queue_j_per_byte,
        cfg.task_up_bytes,
        np.asarray(g_on),
        np.asarray(g_prev),
        np.asarray(work_container_s),
        np.asarray(device_tasks),
        np.asarray(server_tasks),
        np.asarray(queued_task_substeps),
    )


def energy_constants(cfg: GreenOffloadingConfig) -> tuple[float, ...]:
    """The config's energy constants in the argument order of ``energy.site_energy_terms_j``
    and ``energy.benchmark_terms_j``: (beta_0 + beta_sat W, tau s, e_ld J/B, e_dt J/B,
    task bytes up + down, P_idle W, P_max - P_idle W), then G (containers per site)."""
    return (
        cfg.bs_power_w + cfg.sat_antenna_power_w,
        cfg.slot_s,
        cfg.device_link_j_per_byte,
        cfg.server_link_j_per_byte,
        cfg.task_up_bytes + cfg.task_down_bytes,
        cfg.container_idle_w,
        cfg.container_max_w - cfg.container_idle_w,
        cfg.containers_per_site,
    )


def switching_energy_j(cfg: GreenOffloadingConfig, g_on: NDArray, g_prev: NDArray) -> NDArray:
    """e_sw |G_on(t) - G_on(t-1)| (J), the switching term of eq. (8)."""
    return switching_terms_j(cfg.switch_energy_j, np.asarray(g_on), np.asarray(g_prev))


def benchmark_energy_j(cfg: GreenOffloadingConfig, arrived: NDArray) -> NDArray:
    """No-management reference of one slot (the savings denominator, spec B3): all G
    containers on, every arriving task served locally, no switching."""
    return benchmark_terms_j(*energy_constants(cfg), cfg.local_service_s, np.asarray(arrived))


def provisioned_containers(
    cfg: GreenOffloadingConfig, local_tasks_per_slot: NDArray, headroom: float = 1.15
) -> NDArray[np.int64]:
    """Fewest containers whose service rate covers ``headroom`` x the expected local load
    (so the fluid queue stays empty and t_loc stays at its zero-queue value; spec B3's
    "min count with t^_loc <= sigma")."""
    rate = np.asarray(local_tasks_per_slot, dtype=np.float64) / cfg.slot_s
    need = np.ceil(rate * cfg.local_service_s * headroom - 1e-9)
    return np.clip(need, 0, cfg.containers_per_site).astype(np.int64)


def expected_site_energy_j(
    cfg: GreenOffloadingConfig,
    load_tasks: NDArray,
    sat_share: NDArray | float,
    containers: NDArray,
    containers_prev: NDArray,
) -> NDArray:
    """Forecast beta^site (J) of a slot with ``load_tasks`` arrivals, a share ``sat_share``
    forwarded to satellites and ``containers`` on (no queues, no drops): the expected
    consumption of J_n and of the look-ahead planner."""
    bs, edge = expected_site_energy_parts_j(cfg, load_tasks, sat_share, containers, containers_prev)
    return bs + edge


def expected_site_energy_parts_j(
    cfg: GreenOffloadingConfig,
    load_tasks: NDArray,
    sat_share: NDArray | float,
    containers: NDArray,
    containers_prev: NDArray,
) -> tuple[NDArray, NDArray]:
    """(beta^bs, beta^edg) of ``expected_site_energy_j``. With ``containers_prev =
    containers`` beta^edg lacks only the switching term, which is added last in eq. (8)
    (the queue term is zero here), so ``bs + (edge + switching_energy_j(...))`` equals
    ``expected_site_energy_j`` to the bit: the env precomputes it once per episode."""
    load = np.asarray(load_tasks, dtype=np.float64)
    local = (1.0 - np.asarray(sat_share)) * load
    work = np.minimum(local * cfg.local_service_s, np.asarray(containers) * cfg.slot_s)
    return slot_energy_j(
        cfg,
        g_on=containers,
        g_prev=containers_prev,
        work_container_s=work,
        device_tasks=load,
        server_tasks=local,
        queued_task_substeps=np.zeros_like(load),
    )


def slot_params(
    cfg: GreenOffloadingConfig, t_loc0_s: float, action_tolerance: float, features_per_site: int
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """The float parameters and integer flags of ``_kernel.run_slot`` / ``observe`` (their
    ``P_*`` and ``F_*`` slots) from the config, the zero-queue local delay ``t_loc0_s``
    (``base_delays``), the action tolerance and the observation's features per site."""
    params = np.zeros(k.N_PARAMS)
    base_w, slot_s, e_ld, e_dt, task_bytes, idle_w, busy_extra_w, _ = energy_constants(cfg)
    for index, value in (
        (k.P_DT, cfg.substep_s),
        (k.P_SIGMA, cfg.delay_bound_s),
        (k.P_STEEPNESS, cfg.drop_steepness),
        (k.P_T_LOC0, t_loc0_s),
        (k.P_RETRY_SHARE, cfg.retry_share),
        (k.P_SERVICE_S, cfg.local_service_s),
        (k.P_SNR_THRESHOLD, cfg.snr_threshold_db),
        (k.P_BASE_POWER_W, base_w),
        (k.P_SLOT_S, slot_s),
        (k.P_E_LD, e_ld),
        (k.P_E_DT, e_dt),
        (k.P_TASK_BYTES, task_bytes),
        (k.P_IDLE_W, idle_w),
        (k.P_BUSY_EXTRA_W, busy_extra_w),
        (k.P_SWITCH_J, cfg.switch_energy_j),
        (k.P_QUEUE_J, cfg.queue_j_per_byte),
        (k.P_UP_BYTES, cfg.task_up_bytes),
        (k.P_CAPACITY_J, cfg.battery_capacity_j),
        (k.P_ZETA, cfg.self_discharge_per_slot),
        (k.P_PHI, cfg.charge_efficiency),
        (k.P_N_SITES, cfg.n_sites),
        (k.P_BACKUP_REF_J, cfg.backup_energy_ref_j),
        (k.P_DROP_W, cfg.drop_weight),
        (k.P_BACKUP_W, cfg.backup_weight),
        (k.P_DELAY_W, cfg.delay_weight),
        (k.P_ACTION_LOW, -1.0 - action_tolerance),
        (k.P_ACTION_HIGH, 1.0 + action_tolerance),
        (k.P_LOAD_REF, max(cfg.peak_arrival_rate * cfg.slot_s, 1e-9)),
        (k.P_LOCAL_CAPACITY, cfg.containers_per_site * cfg.slot_s / cfg.local_service_s),
        (k.P_WAIT_CAP, WAIT_CAP),
        (k.P_J_CAP, J_CAP),
        (k.P_BACKLOG_CAP, BACKLOG_CAP),
    ):
        params[index] = value
    flags = np.zeros(k.N_FLAGS, dtype=np.int64)
    flags[k.F_DIRECT] = cfg.sat_path == "direct"
    flags[k.F_BY_ELEVATION] = cfg.sat_selection == "elevation"
    flags[k.F_BY_AGENT] = cfg.sat_selection == "agent"
    flags[k.F_POINTS] = QUEUE_POINTS
    flags[k.F_CONTAINERS] = cfg.containers_per_site
    flags[k.F_FIRST_STATE_COL] = 1 + 3 * cfg.forecast_horizon
    flags[k.F_FEATURES] = features_per_site
    return params, flags
