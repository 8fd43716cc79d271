"""Strategies of paper 003 (Sec. 3) as harness policies for GreenOffloading-v0.

* ``NoManagement`` - all containers on, everything local (the savings reference).
* ``LocalOnly`` (LO) - everything local on the fewest containers that keep the local queue
  empty for the forecast load (t^_loc <= sigma), whatever J_n.
* ``AssistedOffloading`` (LO+AO) - J_n >= 1: LO; J_n < 1: a breadth-first look-ahead over
  2 slots of per-site controls (containers in 0..G, satellite share in {0, .25, .5, .75, 1})
  on the forecasts, pruning paths whose local or uplink capacity cannot meet sigma, and
  playing the first control of the least-energy path (spec B3).
* ``DirectOffload`` (DO) - every task straight to the highest visible satellite, containers
  off; meant for an env made with ``DirectOffload.env_overrides`` (devices talk to the
  satellite themselves, highest-elevation choice, no admission control).

All act per site with array operations. Forecasts come from the observation (the env's
noisy oracle) unless ``forecaster="smart_persistence"`` or ``"clear_sky"``.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from leo_envs.envs.green_offloading.dynamics import (
    expected_site_energy_j,
    provisioned_containers,
)
from leo_envs.envs.green_offloading.env import shares_to_action
from leo_envs.envs.green_offloading.observation import SNR_SCALE_DB, ObservationLayout
from leo_envs.envs.green_offloading.radio import BITS_PER_BYTE, link_rate_bps
from leo_envs.envs.green_offloading.traces import KC_MAX

FORECASTERS = ("env", "smart_persistence", "clear_sky")
SHARES = np.array([0.0, 0.25, 0.5, 0.75, 1.0])


class _GreenPolicy:
    """Reads the env's config and observation layout at ``reset(env)``."""

    name = "green"

    def __init__(self, forecaster: str = "env", headroom: float = 1.15) -> None:
        if forecaster not in FORECASTERS:
            raise ValueError(f"forecaster must be one of {FORECASTERS}, got {forecaster!r}")
        if not 1.0 <= headroom <= 3.0:
            raise ValueError(f"headroom must lie in [1, 3], got {headroom!r}")
        self.forecaster = forecaster
        self.headroom = headroom
        self.config = None
        self.layout: ObservationLayout | None = None

    def seed(self, seed: int) -> None:  # deterministic policies
        return None

    def reset(self, env: Any) -> None:
        self.config = env.config
        self.layout = env.layout

    def _parts(self, obs: NDArray) -> dict[str, NDArray]:
        if self.layout is None:
            raise RuntimeError(f"{type(self).__name__}: call reset(env) before act()")
        return self.layout.split(obs)

    def forecasts(self, parts: dict[str, NDArray]) -> tuple[NDArray, NDArray]:
        """(harvest J, load tasks) per slot for the coming H slots, [H, N] each."""
        cfg, lay = self.config, self.layout
        e_peak = cfg.pv_peak_w * cfg.slot_s
        clear = lay.stack("clear_sky_harvest", parts) * e_peak
        if self.forecaster == "env":
            harvest = lay.stack("harvest_forecast", parts) * e_peak
        elif self.forecaster == "clear_sky":
            harvest = clear
        else:  # smart persistence of the clear-sky index; 1 when last slot was night
            last_clear = parts["last_clear_sky_harvest"]
            kc = np.where(
                last_clear > 1e-6,
                np.clip(parts["last_harvest"] / np.maximum(last_clear, 1e-12), 0, KC_MAX),
                1.0,
            )
            harvest = kc[None, :] * clear
        load = lay.stack("load_forecast", parts) * cfg.peak_arrival_rate * cfg.slot_s
        return harvest, load

    def _containers_for(self, local_tasks: NDArray, backlog_tasks: NDArray) -> NDArray:
        return provisioned_containers(self.config, local_tasks + backlog_tasks, self.headroom)

    def _backlog_tasks(self, parts: dict[str, NDArray]) -> NDArray:
        cfg = self.config
        capacity = cfg.containers_per_site * cfg.slot_s / cfg.local_service_s
        return parts["local_backlog"] * capacity


class NoManagement(_GreenPolicy):
    """All containers on, every task local: the reference of the energy savings."""

    name = "no_management"

    def act(self, obs: NDArray, info: dict[str, Any]) -> NDArray[np.float32]:
        n = self._parts(obs)["battery"].shape[0]
        return shares_to_action(np.tile([1.0, 0.0, 1.0], (n, 1)))


class LocalOnly(_GreenPolicy):
    """LO: everything local on the fewest containers that meet sigma for the forecast."""

    name = "lo"

    def act(self, obs: NDArray, info: dict[str, Any]) -> NDArray[np.float32]:
        parts = self._parts(obs)
        _, load = self.forecasts(parts)
        g = self._containers_for(load[0], self._backlog_tasks(parts))
        n = g.shape[0]
        frac = g / self.config.containers_per_site
        return shares_to_action(np.column_stack([np.ones(n), np.zeros(n), frac]))


class AssistedOffloading(_GreenPolicy):
    """LO+AO: the J_n rule, then a 2-slot look-ahead over (containers, satellite share)."""

    name = "lo_ao"

    def __init__(
        self,
        forecaster: str = "env",
        headroom: float = 1.15,
        uplink_utilisation: float = 0.8,
        max_sat_wait: float = 0.1,
        min_coverage: float = 1.0,
    ) -> None:
        super().__init__(forecaster, headroom)
        if not 0.0 < uplink_utilisation <= 1.0:
            raise ValueError(f"uplink_utilisation must lie in (0, 1], got {uplink_utilisation!r}")
        self.uplink_utilisation = uplink_utilisation
        self.max_sat_wait = max_sat_wait
        if not 0.0 <= min_coverage <= 1.0:
            raise ValueError(f"min_coverage must lie in [0, 1], got {min_coverage!r}")
        self.min_coverage = min_coverage
        self.last_plan: dict[str, NDArray] = {}

    def act(self, obs: NDArray, info: dict[str, Any]) -> NDArray[np.float32]:
        cfg = self.config
        parts = self._parts(obs)
        harvest, load = self.forecasts(parts)
        depth = min(2, load.shape[0])
        backlog = self._backlog_tasks(parts)
        g_prev = np.rint(parts["containers_on"] * cfg.containers_per_site).astype(np.int64)
        battery = parts["battery"] * cfg.battery_capacity_j
        lo_g = self._containers_for(load[0], backlog)
        expected = expected_site_energy_j(cfg, load[0], 0.0, lo_g, g_prev)
        j_ratio = (battery + harvest[0]) / np.maximum(expected, 1e-12)
        # AO needs an eligible satellite with a short queue and a usable uplink.
        snr_db = parts["best_snr"] * SNR_SCALE_DB
        rate = np.where(snr_db > 0, link_rate_bps(snr_db, cfg.bandwidth_hz), 0.0)
        uplink_tasks = (
            self.uplink_utilisation
            * rate
            * cfg.slot_s
            * parts["sat_coverage"]
            / (cfg.task_up_bytes * BITS_PER_BYTE)
        )
        # Forwarded tasks in a sub-step without an eligible satellite are dropped (B3), so
        # AO is only used in slots the orbit model covers completely.
        sat_ok = (
            (parts["best_sat_wait"] <= self.max_sat_wait)
            & (uplink_tasks > 0)
            & (parts["sat_coverage"] >= self.min_coverage)
        )
        use_ao = (j_ratio < 1.0) & sat_ok
        g1, s1 = self._look_ahead(load[:depth], backlog, g_prev, uplink_tasks, use_ao)
        self.last_plan = {"j_ratio": j_ratio, "use_ao": use_ao, "containers": g1, "share": s1}
        n = g1.shape[0]
        frac = g1 / cfg.containers_per_site
        return shares_to_action(np.column_stack([np.ones(n), s1, frac]))

    def _look_ahead(
        self,
        load: NDArray,  # [D, N] tasks per slot
        backlog: NDArray,  # [N]
        g_prev: NDArray,  # [N]
        uplink_tasks: NDArray,  # [N]
        use_ao: NDArray,  # [N] bool
    ) -> tuple[NDArray, NDArray]:
        """Least-energy feasible path over D <= 2 slots; returns the first (G_on, share)."""
        cfg = self.config
        n = load.shape[1]
        g = np.arange(cfg.containers_per_site + 1)
        shares = np.where(use_ao[:, None], SHARES[None, :], 0.0)  # [N, 5]
        costs = []
        feasible = []
        for d in range(load.shape[0]):
            extra = backlog if d == 0 else 0.0
            demand = load[d][:, None] * (1.0 - shares) + np.asarray(extra)[..., None]  # [N, 5]
            need = provisioned_containers(cfg, demand, self.headroom)  # [N, 5]
            ok_local = g[None, :, None] >= need[:, None, :]  # [N, G+1, 5]
            ok_uplink = (load[d][:, None] * shares <= uplink_tasks[:, None] + 1e-9)[:, None, :]
            feasible.append(ok_local & ok_uplink)
            costs.append((demand, shares))
        # Slot 1 cost for each (g1, s1) from g_prev; slot 2 for each (g1 -> g2, s2).
        _demand1, shares1 = costs[0]
        e1 = (
            expected_site_energy_j(
                cfg,
                load[0][:, None, None],
                shares1[:, None, :],
                g[None, :, None],
                g_prev[:, None, None],
            )
            + _backlog_work_j(cfg, backlog)[:, None, None]
        )
        f1 = feasible[0]
        if load.shape[0] == 1:
            total = np.where(f1, e1, np.inf)  # [N, G+1, 5]
        else:
            shares2 = costs[1][1]
            e2 = expected_site_energy_j(
                cfg,
                load[1][:, None, None, None, None],
                shares2[:, None, None, None, :],
                g[None, None, None, :, None],
                g[None, :, None, None, None],
            )  # [N, G1, 1, G2, S2]
            f2 = feasible[1][:, None, None, :, :]
            best2 = np.where(f2, e2, np.inf).min(axis=(3, 4))  # [N, G1, 1]
            total = np.where(f1, e1 + best2, np.inf)  # [N, G1, S1]
        flat = total.reshape(n, -1)
        best = np.argmin(flat, axis=1)
        g1, s1 = np.unravel_index(best, total.shape[1:])
        none = ~np.isfinite(flat[np.arange(n), best])
        # Nothing feasible (load beyond every option): all containers, no offloading.
        g_out = np.where(none, cfg.containers_per_site, g[g1])
        s_out = np.where(none, 0.0, shares[np.arange(n), s1])
        return g_out.astype(np.int64), s_out


def _backlog_work_j(cfg, backlog: NDArray) -> NDArray:
    """Energy of serving the backlog: the same for every control, kept for the totals."""
    return (cfg.container_max_w - cfg.container_idle_w) * backlog * cfg.local_service_s


class DirectOffload(_GreenPolicy):
    """DO (as in 003's ref. [12]): every device offloads straight to the highest visible
    satellite, no forecasts, no admission control; BS containers off.

    Run it on ``gym.make("leo_envs/GreenOffloading-v0", **DirectOffload.env_overrides)``
    (devices use their own satellite link and the highest-elevation satellite); ``reset``
    raises on an env without them unless ``require_direct=False``.
    """

    name = "do"
    env_overrides: ClassVar[dict[str, str]] = {"sat_path": "direct", "sat_selection": "elevation"}

    def __init__(self, require_direct: bool = True) -> None:
        super().__init__()
        self.require_direct = require_direct

    def reset(self, env: Any) -> None:
        super().reset(env)
        wrong = {k: getattr(env.config, k) for k, v in self.env_overrides.items()}
        if self.require_direct and wrong != self.env_overrides:
            raise ValueError(
                f"DirectOffload needs an env made with {self.env_overrides}, got {wrong} "
                "(or DirectOffload(require_direct=False))"
            )

    def act(self, obs: NDArray, info: dict[str, Any]) -> NDArray[np.float32]:
        n = self._parts(obs)["battery"].shape[0]
        return shares_to_action(np.tile([1.0, 1.0, 0.0], (n, 1)))


class DriftPlusPenalty(_GreenPolicy):
    """Lyapunov drift-plus-penalty (LODCO-style, Mao, Zhang, Letaief, JSAC 2016): the
    standard battery-aware, non-learning baseline 003 lacks.

    Per slot and site it picks (containers in 0..G, satellite share in {0, .25, .5, .75, 1})
    minimising ``V x penalty(u) - B~ x E(u)``, where E(u) is the expected site energy
    (``expected_site_energy_j``), penalty(u) = E(u) + ``drop_cost_j`` x expected drops, and
    B~ = battery - ``target_fraction`` x capacity is the perturbed battery queue: a battery
    above its target makes energy cheap (more containers, fewer drops), one below makes it
    dear (fewer containers, more offloading). Expected drops: local overflow under a
    Gaussian load-forecast error (``load_error``, relative), forwarded tasks beyond the
    uplink capacity or in sub-steps without an eligible satellite. Myopic (one slot), as
    LODCO.
    """

    name = "lyapunov"

    def __init__(
        self,
        forecaster: str = "env",
        v_j: float = 1e5,
        target_fraction: float = 0.5,
        drop_cost_j: float = 500.0,
        load_error: float = 0.05,
    ) -> None:
        super().__init__(forecaster, headroom=1.0)
        for name, value, low, high in (
            ("v_j", v_j, 1.0, 1e12),
            ("target_fraction", target_fraction, 0.0, 1.0),
            ("drop_cost_j", drop_cost_j, 0.0, 1e9),
            ("load_error", load_error, 0.0, 2.0),
        ):
            if not low <= value <= high:
                raise ValueError(f"{name} must lie in [{low:g}, {high:g}], got {value!r}")
        self.v_j = v_j
        self.target_fraction = target_fraction
        self.drop_cost_j = drop_cost_j
        self.load_error = load_error
        self.last_choice: dict[str, NDArray] = {}

    def act(self, obs: NDArray, info: dict[str, Any]) -> NDArray[np.float32]:
        from scipy.special import ndtr  # Gaussian CDF

        cfg = self.config
        parts = self._parts(obs)
        _, load = self.forecasts(parts)
        load = load[0][:, None, None]  # [N, 1, 1] tasks in the coming slot
        backlog = self._backlog_tasks(parts)[:, None, None]
        g_prev = np.rint(parts["containers_on"] * cfg.containers_per_site).astype(np.int64)
        battery = parts["battery"] * cfg.battery_capacity_j
        g = np.arange(cfg.containers_per_site + 1)[None, :, None]  # [1, G+1, 1]
        share = SHARES[None, None, :]  # [1, 1, 5]
        # Local overflow E[(X - c)+] for X ~ N(mu, sd^2): tasks the containers cannot take.
        mu = (1.0 - share) * load + backlog
        sd = np.maximum(self.load_error * (1.0 - share) * load, 1e-9)
        capacity = g * cfg.slot_s / cfg.local_service_s
        z = (mu - capacity) / sd
        overflow = (mu - capacity) * ndtr(z) + sd * np.exp(-0.5 * z**2) / np.sqrt(2 * np.pi)
        snr_db = parts["best_snr"] * SNR_SCALE_DB
        rate = np.where(snr_db > 0, link_rate_bps(snr_db, cfg.bandwidth_hz), 0.0)
        coverage = parts["sat_coverage"][:, None, None]
        uplink = (rate * cfg.slot_s / (cfg.task_up_bytes * BITS_PER_BYTE))[:, None, None]
        forwarded = share * load
        sat_drops = forwarded * (1.0 - coverage) + np.maximum(
            0.0, forwarded * coverage - uplink * coverage
        )
        drops = np.maximum(overflow, 0.0) + sat_drops
        energy = expected_site_energy_j(cfg, load, share, g, g_prev[:, None, None])
        queue = (battery - self.target_fraction * cfg.battery_capacity_j)[:, None, None]
        score = self.v_j * (energy + self.drop_cost_j * drops) - queue * energy
        n = score.shape[0]
        best = np.argmin(score.reshape(n, -1), axis=1)
        g1, s1 = np.unravel_index(best, score.shape[1:])
        self.last_choice = {
            "containers": g1,
            "share": SHARES[s1],
            "battery_queue_j": queue[:, 0, 0],
        }
        frac = g1 / cfg.containers_per_site
        return shares_to_action(np.column_stack([np.ones(n), SHARES[s1], frac]))
