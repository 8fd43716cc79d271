"""One 15-minute slot of GreenOffloading-v0 for all N sites at once (paper 003, Sec. 2-3).

The ``substep_s`` sub-steps inside the slot (queues, arrivals and the serving satellite
change every sub-step, spec B5) run in a compiled loop over sub-steps and sites
(``_kernel.run_substeps``); energy and battery are then vectorised over sites here.

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

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from leo_envs.envs.green_offloading._kernel import (
    ARRIVED,
    ATTEMPTS,
    DELAY_SUM,
    DROP_NO_SAT,
    DROPPED,
    EXCESS_SUM,
    LOCAL,
    N_TOTALS,
    QUEUED,
    REJECTED,
    SAT,
    WORK,
    queue_drop_array,
    run_substeps,
)
from leo_envs.envs.green_offloading.config import GreenOffloadingConfig
from leo_envs.envs.green_offloading.radio import (
    BITS_PER_BYTE,
    link_rate_bps,
    local_delay_s,
    satellite_delay_s,
    server_delay_s,
)
from leo_envs.envs.green_offloading.sky import SkyTable
from leo_envs.models.battery import battery_update


@dataclass
class SiteState:
    """Mutable state of the N sites and of the satellites they use."""

    battery_j: NDArray[np.float64]  # [N]
    containers_on: NDArray[np.int64]  # [N] G_on of the previous slot
    local_backlog: NDArray[np.float64]  # [N] tasks waiting in the site MEC
    uplink_backlog: NDArray[np.float64]  # [N] tasks waiting for the site's Starlink uplink
    retry: NDArray[np.float64]  # [N] dropped tasks retrying in the next sub-step
    sat_backlog: NDArray[np.float64]  # [n_sat] our tasks waiting on each satellite
    sat_capacity_rate: NDArray[np.float64]  # [n_sat] tasks/s left by background load

    def copy(self) -> SiteState:
        return SiteState(**{k: v.copy() for k, v in self.__dict__.items()})


@dataclass
class SlotResult:
    """Per-site outcome of one slot (arrays [N]); totals in tasks and joules."""

    arrived: NDArray
    attempts: NDArray
    local: NDArray
    sat: NDArray
    dropped: NDArray
    drop_no_sat: NDArray
    rejected: NDArray
    delay_sum_s: NDArray
    delay_excess_sum_s: NDArray
    energy_j: NDArray  # beta^site, eq. (6)
    energy_bs_j: NDArray  # beta^bs, eq. (7)
    energy_edge_j: NDArray  # beta^edg, eq. (8)
    energy_bench_j: NDArray  # no-management reference
    harvest_j: NDArray
    battery_j: NDArray
    backup_j: NDArray
    spilled_j: NDArray
    lost_j: NDArray
    used_green_j: NDArray
    containers_on: NDArray
    serving_sats: NDArray  # [S, N] satellite per sub-step (-1: none)

    served: NDArray = field(init=False)  # local + sat
    mean_delay_s: NDArray = field(init=False)  # delay_sum_s / served (0 where none served)

    def __post_init__(self) -> None:
        # The env hands these arrays out through ``info`` and keeps them for render():
        # read-only once built, so no view per array and step is needed.
        self.served = self.local + self.sat
        self.mean_delay_s = np.divide(
            self.delay_sum_s, self.served, out=np.zeros_like(self.served), where=self.served > 0
        )
        for value in self.__dict__.values():
            value.setflags(write=False)


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


def base_delays(cfg: GreenOffloadingConfig, snr_db: NDArray, range_km: NDArray):
    """Zero-queue local delay (scalar) and satellite delay/uplink rate per table entry."""
    t_loc = float(
        local_delay_s(
            cfg.task_up_bytes,
            cfg.task_down_bytes,
            cfg.device_rate_bps,
            cfg.access_s,
            server_delay_s(cfg.task_up_bytes, cfg.server_rate_bps, cfg.local_service_s, 0.0),
        )
    )
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
    return t_loc, np.where(np.isfinite(snr_db), t_sat, np.inf), rate


def simulate_slot(
    cfg: GreenOffloadingConfig,
    state: SiteState,
    action: NDArray[np.float64],
    arrivals: NDArray[np.float64],
    harvest_j: NDArray[np.float64],
    sky: SkyTable,
    sky_offset: int,
    base: tuple,
) -> SlotResult:
    """Advance ``state`` in place by one slot under ``action`` [N, 3] = (admit share,
    satellite share of admitted, active-container fraction), all in [0, 1], plus a 4th
    column, the satellite choice, when ``cfg.sat_selection == 'agent'`` (``_kernel.agent_pick``).

    ``arrivals`` [S, N] are the sub-steps' new tasks, ``harvest_j`` [N] the slot's PV energy,
    ``sky_offset`` the first sub-step's row in ``sky``, ``base`` from ``base_delays``.
    """
    n = state.battery_j.shape[0]
    admit, share, frac = action[:, 0], action[:, 1], action[:, 2]
    by_agent = cfg.sat_selection == "agent"
    # The agent's satellite choice (4th column); the kernel ignores it unless by_agent.
    choice = np.ascontiguousarray(action[:, 3] if by_agent else admit)
    g_prev = state.containers_on
    g_on = np.rint(frac * cfg.containers_per_site).astype(np.int64)
    t_loc0, t_sat0, sat_rate_bps = base
    direct = cfg.sat_path == "direct"
    rows = slice(sky_offset, sky_offset + arrivals.shape[0])
    totals = np.zeros((N_TOTALS, n))
    serving = np.empty((arrivals.shape[0], n), dtype=np.int64)
    run_substeps(
        np.ascontiguousarray(arrivals, dtype=np.float64),
        np.ascontiguousarray(admit),
        np.ascontiguousarray(share),
        g_on / cfg.local_service_s,
        sky.sat[rows],
        sky.elevation_deg[rows],
        sky.snr_db[rows],
        t_sat0[rows],
        sat_rate_bps[rows],
        state.local_backlog,
        state.uplink_backlog,
        state.retry,
        state.sat_backlog,
        state.sat_capacity_rate,
        float(cfg.substep_s),
        float(cfg.delay_bound_s),
        float(cfg.drop_steepness),
        float(t_loc0),
        float(cfg.retry_share),
        float(cfg.local_service_s),
        cfg.task_up_bytes * BITS_PER_BYTE,
        float(cfg.snr_threshold_db),
        direct,
        cfg.sat_selection == "elevation",
        by_agent,
        choice,
        QUEUE_POINTS,
        totals,
        serving,
    )
    totals.setflags(write=False)  # its rows go into the (read-only) result
    zeros = np.zeros(n)
    energy_bs, energy_edge = slot_energy_j(
        cfg,
        g_on=g_on,
        g_prev=g_prev,
        work_container_s=totals[WORK],
        device_tasks=zeros if direct else totals[LOCAL] + totals[SAT],
        server_tasks=totals[LOCAL],
        queued_task_substeps=totals[QUEUED],
    )
    energy = energy_bs + energy_edge
    bench = benchmark_energy_j(cfg, totals[ARRIVED])
    # Inputs are valid by construction: skip battery_step's argument checks.
    step = battery_update(
        state.battery_j,
        harvest_j,
        energy,
        cfg.battery_capacity_j,
        cfg.self_discharge_per_slot,
        cfg.charge_efficiency,
    )
    state.battery_j = step.level_j
    state.containers_on = g_on
    return SlotResult(
        arrived=totals[ARRIVED],
        attempts=totals[ATTEMPTS],
        local=totals[LOCAL],
        sat=totals[SAT],
        dropped=totals[DROPPED],
        drop_no_sat=totals[DROP_NO_SAT],
        rejected=totals[REJECTED],
        delay_sum_s=totals[DELAY_SUM],
        delay_excess_sum_s=totals[EXCESS_SUM],
        energy_j=energy,
        energy_bs_j=energy_bs,
        energy_edge_j=energy_edge,
        energy_bench_j=bench,
        harvest_j=np.array(harvest_j, dtype=np.float64),
        battery_j=step.level_j.copy(),
        backup_j=step.deficit_j,
        spilled_j=step.spilled_j,
        lost_j=step.lost_j,
        used_green_j=step.used_j,
        containers_on=g_on.copy(),
        serving_sats=serving,
    )


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
    """
    tau = cfg.slot_s
    task_bytes = cfg.task_up_bytes + cfg.task_down_bytes
    energy_bs = (
        (cfg.bs_power_w + cfg.sat_antenna_power_w) * tau
        + cfg.device_link_j_per_byte * np.asarray(device_tasks) * task_bytes
        + cfg.server_link_j_per_byte * np.asarray(server_tasks) * task_bytes
    )
    energy_edge = (
        tau * np.asarray(g_on) * cfg.container_idle_w
        + (cfg.container_max_w - cfg.container_idle_w) * np.asarray(work_container_s)
        + switching_energy_j(cfg, g_on, g_prev)
        + cfg.queue_j_per_byte * np.asarray(queued_task_substeps) * cfg.task_up_bytes
    )
    return energy_bs, energy_edge


def switching_energy_j(cfg: GreenOffloadingConfig, g_on: NDArray, g_prev: NDArray) -> NDArray:
    """e_sw |G_on(t) - G_on(t-1)| (J), the switching term of eq. (8)."""
    return cfg.switch_energy_j * np.abs(np.asarray(g_on) - np.asarray(g_prev))


def benchmark_energy_j(cfg: GreenOffloadingConfig, arrived: NDArray) -> NDArray:
    """No-management reference of one slot (the savings denominator, spec B3): all G
    containers on, every arriving task served locally, no switching."""
    tau = cfg.slot_s
    task_bytes = cfg.task_up_bytes + cfg.task_down_bytes
    g = cfg.containers_per_site
    work = np.minimum(arrived * cfg.local_service_s, g * tau)
    return (
        (cfg.bs_power_w + cfg.sat_antenna_power_w) * tau
        + cfg.device_link_j_per_byte * arrived * task_bytes
        + cfg.server_link_j_per_byte * arrived * task_bytes
        + tau * g * cfg.container_idle_w
        + (cfg.container_max_w - cfg.container_idle_w) * work
    )


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
