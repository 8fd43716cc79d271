"""Compiled (numba) sub-step loop of one GreenOffloading-v0 slot.

The sub-steps of a slot are sequential (queues carry over) and the serving satellite of a
site is a small search over the visible ones, so the loop runs compiled rather than as
~40 numpy calls per sub-step. ``dynamics.simulate_slot`` calls it; the physics is
documented there and in ``dynamics.queue_drop`` (which wraps ``queue_drop_scalar``).
numba caches the compiled code on disk (``cache=True``): the first call on a machine
compiles it (a few seconds).

``error_model="numpy"``: every division here has a positive denominator (config ranges)
or is guarded, so Python's zero-division checks only cost time; results are the same.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# Rows of the per-site totals the kernel accumulates.
ARRIVED, ATTEMPTS, LOCAL, SAT, DROPPED, DROP_NO_SAT, REJECTED = 0, 1, 2, 3, 4, 5, 6
DELAY_SUM, EXCESS_SUM, WORK, QUEUED = 7, 8, 9, 10
N_TOTALS = 11


@njit(cache=True, error_model="numpy")
def drop_probability_scalar(delay_s: float, bound_s: float, steepness: float) -> float:
    """Scalar form of ``radio.drop_probability``: 0 below sigma, else 1 - (sigma/t)^delta."""
    if delay_s <= bound_s:
        return 0.0
    if not np.isfinite(delay_s):
        return 1.0
    return 1.0 - (bound_s / delay_s) ** steepness


@njit(cache=True, error_model="numpy")
def queue_drop_scalar(
    backlog: float,
    inflow: float,
    rate: float,
    dt: float,
    base_delay_s: float,
    bound_s: float,
    steepness: float,
    points: int,
) -> tuple[float, float]:
    """(drop share, mean delay of the served) of one queue in one sub-step; see
    ``dynamics.queue_drop``."""
    lam = inflow / dt
    if rate > 0.0:
        # Without overload t* = sigma x 1^(1/delta) = sigma exactly: skip the pow.
        t_star = bound_s * (lam / rate) ** (1.0 / steepness) if lam > rate else bound_s
        q_star = rate * max(t_star - base_delay_s, 0.0)
    else:
        q_star = 0.0
    ceiling = max(backlog, q_star)
    share = 0.0
    kept_sum = 0.0
    weighted = 0.0
    for i in range(points):
        tau = (i + 0.5) / points * dt
        q = min(max(backlog + (lam - rate) * tau, 0.0), ceiling)
        wait = q / rate if rate > 0.0 else np.inf
        delay = base_delay_s + wait
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
    for i in range(n):
        share[i], delay[i] = queue_drop_scalar(
            backlog[i], inflow[i], rate[i], dt, base_delay_s[i], bound_s, steepness, points
        )
    return share, delay


@njit(cache=True, error_model="numpy")
def agent_pick(sat_row, snr_row, snr_threshold, choice):
    """Column of the satellite an agent's ``choice`` in [0, 1] selects (-1: none eligible):
    the eligible satellites (SNR >= threshold) ranked by SNR, best first (ties: lower
    column first), and ``choice`` picks rank min(floor(choice m), m - 1) of the m."""
    n_vis = sat_row.shape[0]
    m = 0
    for k in range(n_vis):
        if sat_row[k] >= 0 and snr_row[k] >= snr_threshold:
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


@njit(cache=True, error_model="numpy")
def run_substeps(
    arrivals,  # [S, N] new tasks per sub-step
    admit,  # [N] admit share
    share,  # [N] satellite share of the admitted
    local_rate,  # [N] tasks/s of the active containers
    sat,  # [S, N, K] visible satellites (-1 padding)
    elevation,  # [S, N, K] deg
    snr,  # [S, N, K] dB
    t_sat0,  # [S, N, K] zero-queue satellite delay, s
    sat_rate_bps,  # [S, N, K] link rate
    local_backlog,  # [N] in/out
    uplink_backlog,  # [N] in/out
    retry,  # [N] in/out
    sat_backlog,  # [n_sat] in/out
    sat_capacity,  # [n_sat] tasks/s
    dt,
    sigma,
    steepness,
    t_loc0,
    retry_share,
    service_s,
    bits_per_task,
    snr_threshold,
    direct,
    by_elevation,
    by_agent,
    agent_choice,  # [N] the agent's satellite choice in [0, 1] (used when by_agent)
    points,
    totals,  # [N_TOTALS, N] out (accumulated)
    serving,  # [S, N] out
):
    n_steps, n_sites = arrivals.shape
    n_vis = sat.shape[2]
    n_sat = sat_backlog.shape[0]
    inflow = np.zeros(n_sat)
    for s in range(n_steps):
        inflow[:] = 0.0
        for n in range(n_sites):
            new = arrivals[s, n]
            attempts = new + retry[n]
            admitted = admit[n] * attempts
            rejected = attempts - admitted
            to_sat = share[n] * admitted
            to_loc = admitted - to_sat

            # Local MEC queue, eqs. (12)-(13).
            rate = local_rate[n]
            q0 = local_backlog[n]
            p_loc, t_loc = queue_drop_scalar(q0, to_loc, rate, dt, t_loc0, sigma, steepness, points)
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
            if by_agent:
                best = agent_pick(sat[s, n], snr[s, n], snr_threshold, agent_choice[n])
            for k in range(n_vis):
                j = sat[s, n, k]
                if j < 0 or by_agent:
                    continue
                if by_elevation:
                    score = -elevation[s, n, k]
                else:
                    if snr[s, n, k] < snr_threshold:
                        continue
                    wait = sat_backlog[j] / sat_capacity[j] if sat_capacity[j] > 0 else np.inf
                    if not t_sat0[s, n, k] + wait < sigma:
                        continue
                    score = wait - 1e-6 * snr[s, n, k]  # ties go to the better link
                if score < best_score:
                    best_score = score
                    best = k

            no_sat = 0.0
            drop_sat = 0.0
            served_sat = 0.0
            t_sat = 0.0
            if best < 0:
                no_sat = to_sat
                serving[s, n] = -1
            else:
                j = sat[s, n, best]
                serving[s, n] = j
                ul_rate = sat_rate_bps[s, n, best] / bits_per_task
                w_sat = sat_backlog[j] / sat_capacity[j] if sat_capacity[j] > 0 else np.inf
                base_sat = t_sat0[s, n, best] + w_sat
                if direct:  # devices' own terminals: no shared site uplink queue
                    p_sat = drop_probability_scalar(base_sat, sigma, steepness)
                    t_sat = base_sat
                else:
                    p_sat, t_sat = queue_drop_scalar(
                        uplink_backlog[n], to_sat, ul_rate, dt, base_sat, sigma, steepness, points
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

            dropped = drop_loc + drop_sat + no_sat + rejected + stranded
            retry[n] = retry_share * dropped
            tl = t_loc if np.isfinite(t_loc) else 0.0
            ts = t_sat if np.isfinite(t_sat) else 0.0
            totals[ARRIVED, n] += new
            totals[ATTEMPTS, n] += attempts
            totals[LOCAL, n] += served_loc
            totals[SAT, n] += served_sat
            totals[DROPPED, n] += dropped
            totals[DROP_NO_SAT, n] += no_sat
            totals[REJECTED, n] += rejected
            totals[DELAY_SUM, n] += served_loc * tl + served_sat * ts
            totals[EXCESS_SUM, n] += served_loc * max(0.0, tl - sigma) + served_sat * max(
                0.0, ts - sigma
            )
            totals[WORK, n] += done * service_s
            totals[QUEUED, n] += local_backlog[n] + (0.0 if direct else uplink_backlog[n])
        for j in range(n_sat):
            sat_backlog[j] = max(0.0, sat_backlog[j] + inflow[j] - sat_capacity[j] * dt)
