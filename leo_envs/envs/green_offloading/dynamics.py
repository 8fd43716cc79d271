"""One 15-minute slot of GreenOffloading-v0 for all N sites at once (paper 003, Sec. 2-3).

Plain and vectorised over sites; a short loop runs the ``substep_s`` sub-steps inside the
slot (queues, arrivals and the serving satellite change every sub-step, spec B5).

Queues are fluid Lindley recursions in tasks (spec B2): ``Q(k+1) = max(0, Q(k) + A(k) - c)``
with capacity ``c`` per sub-step; the sub-step's tasks wait ``(Q(k) + Q(k+1)) / (2 rate)``.
Delays follow eqs. (12)-(14) (``radio``); tasks whose delay exceeds sigma are dropped with
the soft-drop probability (applied as an expected share: the fluid model has no per-task
draw); a share ``retry_share`` of the dropped tasks retries in the next sub-step.
Energy follows eqs. (6)-(8) with spec B2's concrete terms; the battery eqs. (9)-(11)
(``leo_envs.models.battery``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from leo_envs.envs.green_offloading.config import GreenOffloadingConfig
from leo_envs.envs.green_offloading.radio import (
    BITS_PER_BYTE,
    drop_probability,
    link_rate_bps,
    local_delay_s,
    satellite_delay_s,
    server_delay_s,
)
from leo_envs.envs.green_offloading.sky import SkyTable
from leo_envs.models.battery import battery_step


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
    extra: dict = field(default_factory=dict)

    @property
    def served(self) -> NDArray:
        return self.local + self.sat

    @property
    def mean_delay_s(self) -> NDArray:
        return np.divide(
            self.delay_sum_s, self.served, out=np.zeros_like(self.served), where=self.served > 0
        )


def queue_drop(
    backlog: NDArray,
    inflow: NDArray,
    rate: NDArray,
    dt: float,
    base_delay_s: NDArray,
    bound_s: float,
    steepness: float,
    points: int = 4,
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
    """
    q0 = np.asarray(backlog, dtype=np.float64)
    lam = np.asarray(inflow, dtype=np.float64) / dt
    mu = np.asarray(rate, dtype=np.float64)
    base = np.asarray(base_delay_s, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        overload = np.where(mu > 0, np.maximum(lam / mu, 1.0), np.inf)
        t_star = bound_s * overload ** (1.0 / steepness)
        q_star = np.where(mu > 0, mu * np.maximum(t_star - base, 0.0), 0.0)
    tau = (np.arange(points) + 0.5) / points * dt  # [P]
    rising = q0[..., None] + (lam - mu)[..., None] * tau
    q = np.clip(rising, 0.0, np.maximum(q0, q_star)[..., None])  # [N, P]
    r = mu[..., None]
    with np.errstate(divide="ignore", invalid="ignore"):
        wait = np.where(r > 0, q / r, np.inf)
    delay = base[..., None] + wait
    p = drop_probability(delay, bound_s, steepness)
    kept = 1.0 - p
    share = p.mean(axis=-1)
    kept_sum = kept.sum(axis=-1)
    weighted = (np.where(kept > 0, delay, 0.0) * kept).sum(axis=-1)
    mean_delay = np.divide(weighted, kept_sum, out=np.full_like(share, np.inf), where=kept_sum > 0)
    return share, mean_delay


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


def choose_satellites(
    cfg: GreenOffloadingConfig,
    sky: SkyTable,
    k: int,
    sat_wait_s: NDArray,
    base_sat_s: NDArray,
) -> NDArray[np.int64]:
    """Serving entry (position in the padded table) per site at sub-step ``k``; -1 if none.

    'queue' (AO, spec B3): among satellites with SNR >= Gamma_th, the least expected
    satellite queue wait whose expected delay meets sigma; 'elevation' (DO): the highest
    visible satellite, no admission test.
    """
    sats = sky.sat[k]  # [N, K]
    valid = sats >= 0
    if cfg.sat_selection == "elevation":
        score = np.where(valid, sky.elevation_deg[k], -np.inf)
        best = np.argmax(score, axis=1)
        return np.where(np.isfinite(score.max(axis=1)), best, -1)
    wait = np.where(valid, sat_wait_s[np.maximum(sats, 0)], np.inf)
    ok = (
        valid & (sky.snr_db[k] >= cfg.snr_threshold_db) & (base_sat_s[k] + wait < cfg.delay_bound_s)
    )
    # Least wait; ties (empty queues) go to the better link.
    score = np.where(ok, wait - 1e-6 * sky.snr_db[k], np.inf)
    best = np.argmin(score, axis=1)
    return np.where(np.isfinite(score.min(axis=1)), best, -1)


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
    satellite share of admitted, active-container fraction), all in [0, 1].

    ``arrivals`` [S, N] are the sub-steps' new tasks, ``harvest_j`` [N] the slot's PV energy,
    ``sky_offset`` the first sub-step's row in ``sky``, ``base`` from ``base_delays``.
    """
    n = state.battery_j.shape[0]
    dt = cfg.substep_s
    sigma = cfg.delay_bound_s
    admit, share, frac = action[:, 0], action[:, 1], action[:, 2]
    g_prev = state.containers_on
    g_on = np.rint(frac * cfg.containers_per_site).astype(np.int64)
    local_rate = g_on / cfg.local_service_s  # tasks/s the containers serve
    t_loc0, t_sat0, sat_rate_bps = base
    bits_per_task = cfg.task_up_bytes * BITS_PER_BYTE
    direct = cfg.sat_path == "direct"

    zeros = np.zeros(n)
    tot = {
        key: zeros.copy()
        for key in (
            "arrived", "attempts", "local", "sat", "dropped", "drop_no_sat", "rejected",
            "delay_sum", "excess_sum", "work", "queued",
        )
    }  # fmt: skip
    serving = np.full((arrivals.shape[0], n), -1, dtype=np.int64)
    rows = np.arange(n)
    for s in range(arrivals.shape[0]):
        k = sky_offset + s
        new = arrivals[s]
        attempts = new + state.retry
        admitted = admit * attempts
        rejected = attempts - admitted
        to_sat = share * admitted
        to_loc = admitted - to_sat

        # Local MEC: fluid queue on G_on containers, eqs. (12)-(13).
        cap_loc = local_rate * dt
        q0 = state.local_backlog
        p_loc, t_loc = queue_drop(q0, to_loc, local_rate, dt, t_loc0, sigma, cfg.drop_steepness)
        drop_loc = p_loc * to_loc
        served_loc = to_loc - drop_loc
        done = np.minimum(q0 + served_loc, cap_loc)
        state.local_backlog = q0 + served_loc - done
        # A backlog only exists on running containers; switching them all off drops it.
        stranded = np.where(local_rate > 0, 0.0, state.local_backlog)
        state.local_backlog = state.local_backlog - stranded

        # Satellite: serving satellite per site, uplink queue, satellite queue, eq. (14).
        sat_wait = np.divide(
            state.sat_backlog,
            state.sat_capacity_rate,
            out=np.full_like(state.sat_backlog, np.inf),
            where=state.sat_capacity_rate > 0,
        )
        entry = choose_satellites(cfg, sky, k, sat_wait, t_sat0)
        has = entry >= 0
        e = np.maximum(entry, 0)
        sat_idx = np.where(has, sky.sat[k][rows, e], -1)
        serving[s] = sat_idx
        no_sat = np.where(has, 0.0, to_sat)
        to_sat = to_sat - no_sat
        ul_rate = np.where(has, sat_rate_bps[k][rows, e] / bits_per_task, 0.0)  # tasks/s
        w_sat = np.where(has, sat_wait[np.maximum(sat_idx, 0)], 0.0)
        base_sat = np.where(has, t_sat0[k][rows, e], np.inf) + w_sat
        if direct:  # every device has its own terminal: no shared site uplink queue
            p_sat = drop_probability(base_sat, sigma, cfg.drop_steepness)
            t_sat = base_sat
        else:
            p_sat, t_sat = queue_drop(
                state.uplink_backlog, to_sat, ul_rate, dt, base_sat, sigma, cfg.drop_steepness
            )
        p_sat = np.where(to_sat > 0, p_sat, 0.0)
        drop_sat = p_sat * to_sat
        served_sat = to_sat - drop_sat
        if direct:
            sent = served_sat
        else:
            sent = np.where(has, np.minimum(state.uplink_backlog + served_sat, ul_rate * dt), 0.0)
            state.uplink_backlog = state.uplink_backlog + served_sat - sent
        inflow = np.bincount(np.maximum(sat_idx, 0), weights=sent, minlength=sky.n_sat)
        state.sat_backlog = np.maximum(
            0.0, state.sat_backlog + inflow - state.sat_capacity_rate * dt
        )

        dropped = drop_loc + drop_sat + no_sat + rejected + stranded
        state.retry = cfg.retry_share * dropped
        finite_loc = np.where(np.isfinite(t_loc), t_loc, 0.0)
        finite_sat = np.where(np.isfinite(t_sat), t_sat, 0.0)
        tot["arrived"] += new
        tot["attempts"] += attempts
        tot["local"] += served_loc
        tot["sat"] += served_sat
        tot["dropped"] += dropped
        tot["drop_no_sat"] += no_sat
        tot["rejected"] += rejected
        tot["delay_sum"] += served_loc * finite_loc + served_sat * finite_sat
        tot["excess_sum"] += served_loc * np.maximum(0.0, finite_loc - sigma) + (
            served_sat * np.maximum(0.0, finite_sat - sigma)
        )
        tot["work"] += done * cfg.local_service_s
        tot["queued"] += state.local_backlog + (0.0 if direct else state.uplink_backlog)

    energy_bs, energy_edge = slot_energy_j(
        cfg,
        g_on=g_on,
        g_prev=g_prev,
        work_container_s=tot["work"],
        device_tasks=zeros if direct else tot["local"] + tot["sat"],
        server_tasks=tot["local"],
        queued_task_substeps=tot["queued"],
    )
    energy = energy_bs + energy_edge
    bench = benchmark_energy_j(cfg, tot["arrived"])
    step = battery_step(
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
        arrived=tot["arrived"],
        attempts=tot["attempts"],
        local=tot["local"],
        sat=tot["sat"],
        dropped=tot["dropped"],
        drop_no_sat=tot["drop_no_sat"],
        rejected=tot["rejected"],
        delay_sum_s=tot["delay_sum"],
        delay_excess_sum_s=tot["excess_sum"],
        energy_j=energy,
        energy_bs_j=energy_bs,
        energy_edge_j=energy_edge,
        energy_bench_j=bench,
        harvest_j=np.asarray(harvest_j, dtype=np.float64).copy(),
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
        + cfg.switch_energy_j * np.abs(np.asarray(g_on) - np.asarray(g_prev))
        + cfg.queue_j_per_byte * np.asarray(queued_task_substeps) * cfg.task_up_bytes
    )
    return energy_bs, energy_edge


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
    load = np.asarray(load_tasks, dtype=np.float64)
    local = (1.0 - np.asarray(sat_share)) * load
    work = np.minimum(local * cfg.local_service_s, np.asarray(containers) * cfg.slot_s)
    bs, edge = slot_energy_j(
        cfg,
        g_on=containers,
        g_prev=containers_prev,
        work_container_s=work,
        device_tasks=load,
        server_tasks=local,
        queued_task_substeps=np.zeros_like(load),
    )
    return bs + edge
