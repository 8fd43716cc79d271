"""Compiled (numba) slot of GreenOffloading-v0: action check, sub-steps, energy, battery,
reward terms and the next observation, in one call per env step.

The sub-steps of a slot are sequential (queues carry over) and the serving satellite of a
site is a small search over the visible ones, so the loop runs compiled rather than as
~40 numpy calls per sub-step; the energy, battery and observation follow in the same call
because at N = 20 each numpy call (~1 us) would cost more than its arithmetic. The physics
is documented in ``dynamics`` (module docstring, ``queue_drop`` which wraps
``queue_drop_scalar``); the energy terms and the battery are the very functions of
``energy`` and ``leo_envs.models.battery``, compiled here for one site at a time. Sums over
sites use numpy's pairwise order (``np_sum``), so every number equals the one the plain
numpy formulas give, to the bit (the fingerprint tests pin this).
numba caches the compiled code on disk (``cache=True``): the first call on a machine
compiles it (~10 s).

``error_model="numpy"``: every division here has a positive denominator (config ranges)
or is guarded, so Python's zero-division checks only cost time; results are the same.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numba.extending import register_jitable

from leo_envs.envs.green_offloading.energy import (
    benchmark_terms_j,
    site_energy_terms_j,
    switching_terms_j,
)
from leo_envs.models.battery import battery_update

# Rows of the per-slot site record [R, N] the kernel writes (``run_slot``'s ``record``): the
# first 21 in the order of the env's per-site info keys (env.SITE_INFO_FIELDS), then sums
# only the kernel needs.
ENERGY, ENERGY_BS, ENERGY_EDGE, ENERGY_BENCH, HARVEST, BATTERY, BACKUP, SPILLED, LOST = range(9)
USED_GREEN, J_RATIO, ARRIVED, ATTEMPTS, SERVED, LOCAL, SAT, DROPPED = range(9, 17)
DROP_NO_SAT, REJECTED, MEAN_DELAY, EXCESS_SUM, DELAY_SUM, WORK, QUEUED = range(17, 24)
N_RECORD = 24
N_INFO_ROWS = 21  # rows ENERGY .. EXCESS_SUM go into info as they are

# Slot sums (``run_slot``'s ``sums``), Python floats for the reward and info.
(
    S_REWARD, S_OBJECTIVE, S_ENERGY, S_BENCH, S_SAVING, S_DELAY, S_DROPPED, S_DROP_RATE,
    S_HARVEST, S_BATTERY, S_BACKUP, S_ENERGY_TOTAL, S_BENCH_TOTAL,
) = range(13)  # fmt: skip
N_SUMS = 13

# Site state rows (``state_site``) and satellite rows (``state_sat``).
ST_BATTERY, ST_LOCAL_BACKLOG, ST_UPLINK_BACKLOG, ST_RETRY = range(4)
SAT_BACKLOG, SAT_CAPACITY, SAT_CAPACITY_FLOOR = range(3)

# Float parameters (``params``), filled by ``dynamics.slot_params``.
(
    P_DT, P_SIGMA, P_STEEPNESS, P_T_LOC0, P_RETRY_SHARE, P_SERVICE_S, P_SNR_THRESHOLD,
    P_BASE_POWER_W, P_SLOT_S, P_E_LD, P_E_DT, P_TASK_BYTES, P_IDLE_W, P_BUSY_EXTRA_W,
    P_SWITCH_J, P_QUEUE_J, P_UP_BYTES, P_CAPACITY_J, P_ZETA, P_PHI, P_N_SITES,
    P_BACKUP_REF_J, P_DROP_W, P_BACKUP_W, P_DELAY_W, P_ACTION_LOW, P_ACTION_HIGH,
    P_LOAD_REF, P_LOCAL_CAPACITY, P_WAIT_CAP, P_J_CAP, P_BACKLOG_CAP,
) = range(32)  # fmt: skip
N_PARAMS = 32

# Integer flags (``flags``).
F_DIRECT, F_BY_ELEVATION, F_BY_AGENT, F_POINTS, F_CONTAINERS, F_FIRST_STATE_COL = range(6)
F_FEATURES = 6
N_FLAGS = 7

# Float sky tables (``sky_f`` [4, n_t, N, K]): elevation deg, SNR dB, zero-queue satellite
# delay s, uplink rate in tasks/s (link rate / bits per task).
SKY_ELEVATION, SKY_SNR, SKY_T_SAT0, SKY_UPLINK_TASKS = range(4)

ACTION_OK, ACTION_NOT_FINITE, ACTION_OUT_OF_RANGE = 0, 1, 2


@njit(cache=True, error_model="numpy")
def power_law(x: float, exponent: float) -> float:
    """x ** exponent for x >= 0; the default delta = 4 (and its root, 1/4) by products and
    square roots instead of libm's pow, which took half the slot's time. Each differs from
    pow by at most ~2 ulp (relative 4.4e-16; ``test_green_physics`` bounds it against
    numpy's power), far below any physical meaning of the soft-drop law."""
    if exponent == 4.0:
        x2 = x * x
        return x2 * x2
    if exponent == 0.25:
        return np.sqrt(np.sqrt(x))
    return x**exponent


@njit(cache=True, error_model="numpy")
def drop_probability_scalar(delay_s: float, bound_s: float, steepness: float) -> float:
    """Scalar form of ``radio.drop_probability``: 0 below sigma, else 1 - (sigma/t)^delta."""
    if delay_s <= bound_s:
        return 0.0
    if not np.isfinite(delay_s):
        return 1.0
    return 1.0 - power_law(bound_s / delay_s, steepness)


@njit(cache=True, error_model="numpy")
def arrival_times(points, dt):
    """The ``points`` arrival times (s) of the midpoint rule within a sub-step of ``dt``."""
    taus = np.empty(points)
    for i in range(points):
        taus[i] = (i + 0.5) / points * dt
    return taus


@njit(cache=True, error_model="numpy")
def queue_drop_scalar(
    backlog: float,
    inflow: float,
    rate: float,
    dt: float,
    base_delay_s: float,
    bound_s: float,
    steepness: float,
    taus: np.ndarray,
) -> tuple[float, float]:
    """(drop share, mean delay of the served) of one queue in one sub-step, the drop law
    averaged over the arrival times ``taus`` (``arrival_times``); see ``dynamics.queue_drop``."""
    points = taus.shape[0]
    lam = inflow / dt
    if backlog == 0.0 and 0.0 < rate and lam <= rate and base_delay_s <= bound_s:
        # Empty queue, no overload, base delay within sigma (the common case): q = 0 at
        # every point, nothing drops. The loop below would give exactly these numbers.
        weighted = 0.0
        for _ in range(points):
            weighted += base_delay_s
        return 0.0, weighted / np.float64(points)
    if rate > 0.0:
        # Without overload t* = sigma x 1^(1/delta) = sigma exactly: skip the pow.
        t_star = bound_s * power_law(lam / rate, 1.0 / steepness) if lam > rate else bound_s
        q_star = rate * max(t_star - base_delay_s, 0.0)
    else:
        q_star = 0.0
    ceiling = max(backlog, q_star)
    share = 0.0
    kept_sum = 0.0
    weighted = 0.0
    for i in range(points):
        q = min(max(backlog + (lam - rate) * taus[i], 0.0), ceiling)
        if rate > 0.0:
            delay = base_delay_s if q == 0.0 else base_delay_s + q / rate  # same number
        else:
            delay = np.inf
        p = drop_probability_scalar(delay, bound_s, steepness)
        share += p
        kept = 1.0 - p
        kept_sum += kept
        if kept > 0.0:
            weighted += delay * kept
    mean_delay = weighted / kept_sum if kept_sum > 0.0 else np.inf
    return share / points, mean_delay


@njit(cache=True, error_model="numpy")
def queue_drop_array(backlog, inflow, rate, dt, base_delay_s, bound_s, steepness, points):
    """``queue_drop_scalar`` element-wise over equal-shape 1-D arrays."""
    n = backlog.shape[0]
    share = np.empty(n)
    delay = np.empty(n)
    taus = arrival_times(points, dt)
    for i in range(n):
        share[i], delay[i] = queue_drop_scalar(
            backlog[i], inflow[i], rate[i], dt, base_delay_s[i], bound_s, steepness, taus
        )
    return share, delay


@njit(cache=True, error_model="numpy")
def agent_pick(sat_row, snr_row, snr_threshold, choice):
    """Column of the satellite an agent's ``choice`` in [0, 1] selects (-1: none eligible):
    the eligible satellites (SNR >= threshold) ranked by SNR, best first (ties: lower
    column first), and ``choice`` picks rank min(floor(choice m), m - 1) of the m."""
    n_vis = 0  # the visible satellites come first, then the padding (-1)
    while n_vis < sat_row.shape[0] and sat_row[n_vis] >= 0:
        n_vis += 1
    m = 0
    for k in range(n_vis):
        if snr_row[k] >= snr_threshold:
            m += 1
    if m == 0:
        return -1
    rank = min(int(choice * m), m - 1)
    for k in range(n_vis):
        if sat_row[k] < 0 or snr_row[k] < snr_threshold:
            continue
        better = 0
        for k2 in range(n_vis):
            if sat_row[k2] < 0 or snr_row[k2] < snr_threshold:
                continue
            if snr_row[k2] > snr_row[k] or (snr_row[k2] == snr_row[k] and k2 < k):
                better += 1
        if better == rank:
            return k
    return -1


@njit(cache=True)
def _block_sum(a, lo, n):
    """numpy's pairwise summation of a[lo:lo + n] for n <= 128 (one block of its
    ``pairwise_sum``: 8 interleaved partial sums, then the rest in order)."""
    if n < 8:
        res = 0.0
        for i in range(lo, lo + n):
            res += a[i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    while i < n - (n % 8):
        j = lo + i
        r0 += a[j]
        r1 += a[j + 1]
        r2 += a[j + 2]
        r3 += a[j + 3]
        r4 += a[j + 4]
        r5 += a[j + 5]
        r6 += a[j + 6]
        r7 += a[j + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@njit(cache=True)
def np_sum(a):
    """``float(a.sum())`` of a 1-D float64 array of up to 240 entries (n_sites <= 200), in
    numpy's order, so bit-identical. (numpy halves arrays longer than 128 recursively; one
    halving covers up to 240, and numba's cache cannot hold recursive functions.)"""
    n = a.shape[0]
    if n <= 128:
        return 0.0 + _block_sum(a, 0, n)
    half = n // 2
    half -= half % 8
    if n - half > 128:
        raise ValueError("np_sum covers at most 240 entries")
    return 0.0 + (_block_sum(a, 0, half) + _block_sum(a, half, n - half))


register_jitable(battery_update)  # the one battery model (eqs. 9-11), compiled in here


@njit(cache=True)
def _clip(value, low, high):
    """np.clip's float rule: NaN stays, else max(value, low) then min(., high)."""
    if value != value:
        return value
    value = value if value > low else low
    return value if value < high else high


@njit(cache=True, error_model="numpy")
def check_action(action, params):
    """ACTION_OK, ACTION_NOT_FINITE or ACTION_OUT_OF_RANGE for an [N, C] action."""
    low, high = params[P_ACTION_LOW], params[P_ACTION_HIGH]
    out_of_range = False
    for n in range(action.shape[0]):
        for c in range(action.shape[1]):
            a = np.float64(action[n, c])
            if not np.isfinite(a):
                return ACTION_NOT_FINITE
            if a < low or a > high:
                out_of_range = True
    return ACTION_OUT_OF_RANGE if out_of_range else ACTION_OK


@njit(cache=True, error_model="numpy")
def observe(
    t,  # the episode's slot counter (0 .. T)
    template,  # [T + 1, size] slot-only observation columns (forecasts, sky, hour)
    bounds,  # [2, size] low, high
    state_site,  # [4, N]
    containers,  # [N] int64
    state_sat,  # [3, n_sat]
    wait_index,  # [T, N, K] eligible satellites at slot starts (n_sat: none)
    j_tables,  # [3, T, N] expected beta^bs, expected beta^edg less switching, harvest fc
    need,  # [T, N] int64 provisioned containers of J_n
    last_load,  # [N] arrivals of the last slot
    params,
    flags,
    j_out,  # [N] out: J_n
    obs,  # [size] float32 out
):
    """The observation at slot counter ``t`` (see the env's Observation Space): the slot's
    template plus the state columns, clipped into the Box, as float32; J_n into ``j_out``."""
    n_slots = need.shape[0]
    n_sites = containers.shape[0]
    n_sat = state_sat.shape[1]
    tt = min(t, n_slots - 1)  # the final observation repeats the last slot's view
    feats, c = flags[F_FEATURES], flags[F_FIRST_STATE_COL]
    g_total = flags[F_CONTAINERS]
    row = template[t]
    low, high = bounds[0], bounds[1]
    for i in range(row.shape[0]):
        obs[i] = np.float32(_clip(row[i], low[i], high[i]))
    for n in range(n_sites):
        battery = state_site[ST_BATTERY, n]
        g_prev = containers[n]
        # J_n = (battery + harvest forecast) / expected consumption with all work local.
        edge = j_tables[1, tt, n] + switching_terms_j(params[P_SWITCH_J], need[tt, n], g_prev)
        expected = j_tables[0, tt, n] + edge
        j_ratio = (battery + j_tables[2, tt, n]) / max(expected, 1e-12)
        j_out[n] = j_ratio
        # Least expected wait over the satellites eligible now (inf: none eligible).
        wait = np.inf
        for k in range(wait_index.shape[2]):
            sat = wait_index[tt, n, k]
            if sat >= n_sat:  # sorted: the eligible satellites come first
                break
            wait = min(wait, state_sat[SAT_BACKLOG, sat] / state_sat[SAT_CAPACITY_FLOOR, sat])
        backlog = state_site[ST_LOCAL_BACKLOG, n] + state_site[ST_RETRY, n]
        base = n * feats
        values = (
            (0, battery / params[P_CAPACITY_J]),
            (c + 2, last_load[n] / params[P_LOAD_REF]),
            (c + 3, g_prev / g_total),
            (c + 4, min(backlog / params[P_LOCAL_CAPACITY], params[P_BACKLOG_CAP])),
            (c + 7, min(wait / params[P_SIGMA], params[P_WAIT_CAP])),
            (c + 8, min(j_ratio, params[P_J_CAP])),
        )
        for col, value in values:
            i = base + col
            obs[i] = np.float32(_clip(value, low[i], high[i]))


@njit(cache=True, error_model="numpy")
def run_slot(
    action,  # [N, C] float32 or float64, checked by check_action
    t,  # slot index
    arrivals,  # [T, S, N] new tasks per sub-step (float64)
    harvest,  # [T, N] PV energy per slot, J
    sat,  # [n_t, N, K] visible satellites (-1 padding)
    sky_f,  # [4, n_t, N, K] elevation deg, SNR dB, zero-queue satellite delay s, uplink tasks/s
    state_site,  # [4, N] in/out
    containers,  # [N] int64 in/out: G_on of the previous slot
    state_sat,  # [3, n_sat] in/out backlog; capacity tasks/s; capacity floored at 1e-12
    template,
    bounds,
    wait_index,
    j_tables,
    need,
    params,
    flags,
    record,  # [R, N] out: the slot's per-site record (rows ENERGY ..)
    containers_out,  # [N] int64 out
    serving,  # [S, N] int64 out: serving satellite per sub-step (-1: none)
    played,  # [N, C] float32 out: the shares applied
    sums,  # [N_SUMS] in/out (running totals) : the slot's sums
    obs,  # [size] float32 out
):
    """Advance the state by slot ``t`` under ``action`` (checked before) and write the slot's
    record, sums and the next observation. Columns of the action, mapped to [0, 1] by
    (a + 1) / 2 after clipping to [-1, 1]: admit share, satellite share of the admitted,
    active-container fraction, and the satellite choice when ``flags[F_BY_AGENT]``.
    Returns ``check_action``'s verdict; anything but ACTION_OK leaves everything as it was."""
    status = check_action(action, params)
    if status != ACTION_OK:
        return status
    n_steps = arrivals.shape[1]
    n_sites = arrivals.shape[2]
    n_vis = sat.shape[2]
    n_sat = state_sat.shape[1]
    dt, sigma, steepness = params[P_DT], params[P_SIGMA], params[P_STEEPNESS]
    t_loc0, retry_share = params[P_T_LOC0], params[P_RETRY_SHARE]
    service_s = params[P_SERVICE_S]
    snr_threshold = params[P_SNR_THRESHOLD]
    direct = flags[F_DIRECT] != 0
    by_elevation = flags[F_BY_ELEVATION] != 0
    by_agent = flags[F_BY_AGENT] != 0
    taus = arrival_times(flags[F_POINTS], dt)
    g_total = flags[F_CONTAINERS]

    admit = np.empty(n_sites)
    share = np.empty(n_sites)
    choice = np.empty(n_sites)
    local_rate = np.empty(n_sites)
    for n in range(n_sites):
        for c in range(action.shape[1]):
            x = min(max(np.float64(action[n, c]), -1.0), 1.0)
            played[n, c] = np.float32((x + 1.0) / 2.0)
            if c == 0:
                admit[n] = (x + 1.0) / 2.0
            elif c == 1:
                share[n] = (x + 1.0) / 2.0
            elif c == 2:
                g_on = np.int64(np.rint((x + 1.0) / 2.0 * g_total))
                containers_out[n] = g_on
                local_rate[n] = g_on / service_s
            else:
                choice[n] = (x + 1.0) / 2.0
    for r in range(record.shape[0]):
        for n in range(n_sites):
            record[r, n] = 0.0

    local_backlog = state_site[ST_LOCAL_BACKLOG]
    uplink_backlog = state_site[ST_UPLINK_BACKLOG]
    retry = state_site[ST_RETRY]
    sat_backlog = state_sat[SAT_BACKLOG]
    sat_capacity = state_sat[SAT_CAPACITY]
    # Only satellites with a backlog or new work change: ``busy`` lists them (``marked``),
    # the other few hundred stay at max(0, 0 + 0 - c dt) = 0 and are skipped.
    inflow = np.zeros(n_sat)
    marked = np.zeros(n_sat, dtype=np.bool_)
    busy = np.empty(n_sat, dtype=np.int64)
    n_busy = 0
    for j in range(n_sat):
        if sat_backlog[j] != 0.0:
            marked[j] = True
            busy[n_busy] = j
            n_busy += 1
    for s in range(n_steps):
        row = t * n_steps + s
        for n in range(n_sites):
            new = arrivals[t, s, n]
            attempts = new + retry[n]
            admitted = admit[n] * attempts
            rejected = attempts - admitted
            to_sat = share[n] * admitted
            to_loc = admitted - to_sat

            # Local MEC queue, eqs. (12)-(13).
            rate = local_rate[n]
            q0 = local_backlog[n]
            p_loc, t_loc = queue_drop_scalar(q0, to_loc, rate, dt, t_loc0, sigma, steepness, taus)
            drop_loc = p_loc * to_loc
            served_loc = to_loc - drop_loc
            done = min(q0 + served_loc, rate * dt)
            backlog = q0 + served_loc - done
            stranded = 0.0
            if rate <= 0.0:  # no running container holds a backlog
                stranded = backlog
                backlog = 0.0
            local_backlog[n] = backlog

            # Serving satellite: AO queue rule, DO's highest elevation, or the agent's pick.
            best = -1
            best_score = np.inf
            best_wait = -1.0  # the queue rule's wait of its pick (< 0: not computed)
            if by_agent:
                best = agent_pick(sat[row, n], sky_f[SKY_SNR, row, n], snr_threshold, choice[n])
            else:
                for k in range(n_vis):
                    j = sat[row, n, k]
                    if j < 0:  # padding: the visible satellites come first
                        break
                    if by_elevation:
                        score = -sky_f[SKY_ELEVATION, row, n, k]
                    else:
                        snr = sky_f[SKY_SNR, row, n, k]
                        if snr < snr_threshold:
                            continue
                        cap = sat_capacity[j]
                        wait = sat_backlog[j] / cap if cap > 0 else np.inf
                        if not sky_f[SKY_T_SAT0, row, n, k] + wait < sigma:
                            continue
                        score = wait - 1e-6 * snr  # ties go to the better link
                    if score < best_score:
                        best_score = score
                        best = k
                        best_wait = wait

            no_sat = 0.0
            drop_sat = 0.0
            served_sat = 0.0
            t_sat = 0.0
            if best < 0:
                no_sat = to_sat
                serving[s, n] = -1
            else:
                j = sat[row, n, best]
                serving[s, n] = j
                ul_rate = sky_f[SKY_UPLINK_TASKS, row, n, best]
                if best_wait >= 0.0:
                    w_sat = best_wait
                else:
                    w_sat = sat_backlog[j] / sat_capacity[j] if sat_capacity[j] > 0 else np.inf
                base_sat = sky_f[SKY_T_SAT0, row, n, best] + w_sat
                if direct:  # devices' own terminals: no shared site uplink queue
                    p_sat = drop_probability_scalar(base_sat, sigma, steepness)
                    t_sat = base_sat
                else:
                    p_sat, t_sat = queue_drop_scalar(
                        uplink_backlog[n], to_sat, ul_rate, dt, base_sat, sigma, steepness, taus
                    )
                if to_sat <= 0.0:
                    p_sat = 0.0
                drop_sat = p_sat * to_sat
                served_sat = to_sat - drop_sat
                if direct:
                    sent = served_sat
                else:
                    sent = min(uplink_backlog[n] + served_sat, ul_rate * dt)
                    uplink_backlog[n] = uplink_backlog[n] + served_sat - sent
                inflow[j] += sent
                if not marked[j]:
                    marked[j] = True
                    busy[n_busy] = j
                    n_busy += 1

            dropped = drop_loc + drop_sat + no_sat + rejected + stranded
            retry[n] = retry_share * dropped
            tl = t_loc if np.isfinite(t_loc) else 0.0
            ts = t_sat if np.isfinite(t_sat) else 0.0
            record[ARRIVED, n] += new
            record[ATTEMPTS, n] += attempts
            record[LOCAL, n] += served_loc
            record[SAT, n] += served_sat
            record[DROPPED, n] += dropped
            record[DROP_NO_SAT, n] += no_sat
            record[REJECTED, n] += rejected
            record[DELAY_SUM, n] += served_loc * tl + served_sat * ts
            record[EXCESS_SUM, n] += served_loc * max(0.0, tl - sigma) + served_sat * max(
                0.0, ts - sigma
            )
            record[WORK, n] += done * service_s
            record[QUEUED, n] += local_backlog[n] + (0.0 if direct else uplink_backlog[n])
        still_busy = 0
        for i in range(n_busy):
            j = busy[i]
            sat_backlog[j] = max(0.0, sat_backlog[j] + inflow[j] - sat_capacity[j] * dt)
            inflow[j] = 0.0
            if sat_backlog[j] != 0.0:
                busy[still_busy] = j
                still_busy += 1
            else:
                marked[j] = False
        n_busy = still_busy

    # Energy (eqs. 6-8), the no-management reference and the battery (eqs. 9-11) per site.
    for n in range(n_sites):
        local = record[LOCAL, n]
        served = local + record[SAT, n]
        record[SERVED, n] = served
        record[MEAN_DELAY, n] = record[DELAY_SUM, n] / served if served > 0 else 0.0
        g_on = containers_out[n]
        energy_bs, energy_edge = site_energy_terms_j(
            params[P_BASE_POWER_W], params[P_SLOT_S], params[P_E_LD], params[P_E_DT],
            params[P_TASK_BYTES], params[P_IDLE_W], params[P_BUSY_EXTRA_W],
            params[P_SWITCH_J], params[P_QUEUE_J], params[P_UP_BYTES],
            g_on, containers[n], record[WORK, n], 0.0 if direct else served, local,
            record[QUEUED, n],
        )  # fmt: skip
        energy = energy_bs + energy_edge
        record[ENERGY_BS, n] = energy_bs
        record[ENERGY_EDGE, n] = energy_edge
        record[ENERGY, n] = energy
        record[ENERGY_BENCH, n] = benchmark_terms_j(
            params[P_BASE_POWER_W], params[P_SLOT_S], params[P_E_LD], params[P_E_DT],
            params[P_TASK_BYTES], params[P_IDLE_W], params[P_BUSY_EXTRA_W], g_total,
            service_s, record[ARRIVED, n],
        )  # fmt: skip
        step = battery_update(
            state_site[ST_BATTERY, n], harvest[t, n], energy, params[P_CAPACITY_J],
            params[P_ZETA], params[P_PHI],
        )  # fmt: skip
        state_site[ST_BATTERY, n] = step.level_j
        containers[n] = g_on
        record[HARVEST, n] = harvest[t, n]
        record[BATTERY, n] = step.level_j
        record[BACKUP, n] = step.deficit_j
        record[SPILLED, n] = step.spilled_j
        record[LOST, n] = step.lost_j
        record[USED_GREEN, n] = step.used_j

    # Sums over sites (numpy's order), the reward and the scalar info.
    energy_sum = np_sum(record[ENERGY])
    bench_sum = np_sum(record[ENERGY_BENCH])
    served_sum = np_sum(record[SERVED])
    dropped_sum = np_sum(record[DROPPED])
    drop_rate = dropped_sum / max(np_sum(record[ATTEMPTS]), 1e-12)
    backup_sum = np_sum(record[BACKUP])
    energy_ratio = energy_sum / max(bench_sum, 1e-12)
    backup = backup_sum / params[P_N_SITES] / params[P_BACKUP_REF_J]
    excess = np_sum(record[EXCESS_SUM]) / max(served_sum, 1e-12) / sigma
    sums[S_REWARD] = (
        -energy_ratio
        - params[P_DROP_W] * drop_rate
        - params[P_BACKUP_W] * backup
        - params[P_DELAY_W] * excess
    )
    sums[S_ENERGY_TOTAL] += energy_sum
    sums[S_BENCH_TOTAL] += bench_sum
    sums[S_OBJECTIVE] = 1.0 - sums[S_ENERGY_TOTAL] / max(sums[S_BENCH_TOTAL], 1e-12)
    sums[S_ENERGY] = energy_sum
    sums[S_BENCH] = bench_sum
    sums[S_SAVING] = 1.0 - energy_sum / max(bench_sum, 1e-12)
    sums[S_DELAY] = np_sum(record[DELAY_SUM]) / served_sum if served_sum > 0 else 0.0
    sums[S_DROPPED] = dropped_sum
    sums[S_DROP_RATE] = drop_rate
    sums[S_HARVEST] = np_sum(record[HARVEST])
    sums[S_BATTERY] = np_sum(record[BATTERY])
    sums[S_BACKUP] = backup_sum

    observe(
        t + 1, template, bounds, state_site, containers, state_sat, wait_index, j_tables,
        need, record[ARRIVED], params, flags, record[J_RATIO], obs,
    )  # fmt: skip
    return ACTION_OK
