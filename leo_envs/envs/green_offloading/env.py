"""GreenOffloading-v0: the Gymnasium env of paper 003 (see the class docstring, the env card)."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from numpy.typing import NDArray

from leo_envs.envs.common.card import fill_card
from leo_envs.envs.common.info import read_only
from leo_envs.envs.common.render import check_render_mode
from leo_envs.envs.common.task_api import TaskEnvMixin
from leo_envs.envs.green_offloading.config import GreenOffloadingConfig
from leo_envs.envs.green_offloading.dynamics import (
    SiteState,
    SlotResult,
    base_delays,
    expected_site_energy_parts_j,
    provisioned_containers,
    simulate_slot,
    switching_energy_j,
)
from leo_envs.envs.green_offloading.observation import (
    BACKLOG_CAP,
    J_CAP,
    SNR_SCALE_DB,
    WAIT_CAP,
    ObservationLayout,
)
from leo_envs.envs.green_offloading.render import GreenFrame, render_ansi, render_rgb
from leo_envs.envs.green_offloading.sky import SkyTable, sky_table
from leo_envs.envs.green_offloading.tasks import (
    SCENARIOS,
    GreenOffloadingTask,
    initial_task,
    sample_tasks,
)
from leo_envs.envs.green_offloading.traces import SITES, EpisodeTraces, build_traces
from leo_envs.tasks import TaskSchedule

ACTION_TOLERANCE = 1e-6
"""Actions this far outside [-1, 1] (float32 rounding) are clipped; further out is an error."""


def shares_to_action(shares: NDArray) -> NDArray[np.float32]:
    """Env action from per-site shares in [0, 1] (admit, satellite, containers): 2 x - 1."""
    return (2.0 * np.asarray(shares, dtype=np.float64) - 1.0).astype(np.float32)


def action_to_shares(action: NDArray) -> NDArray[np.float64]:
    """Per-site shares in [0, 1] from an env action in [-1, 1]: (a + 1) / 2."""
    return (np.asarray(action, dtype=np.float64) + 1.0) / 2.0


@dataclass(frozen=True)
class GreenOffloadingInstance:
    """The episode's offline problem data (``env.unwrapped.instance()``).

    Everything the env draws at reset: true and forecast harvest and load, arrivals per
    sub-step, the visible satellites with their SNR per sub-step, the satellites' capacity
    left by their background load, and the initial battery and containers. An oracle
    planner uses the truths; the paper's look-ahead uses the forecasts.
    """

    config: GreenOffloadingConfig
    task: GreenOffloadingTask
    traces: EpisodeTraces
    sky: SkyTable
    sat_capacity_rate: NDArray[np.float64]  # [n_sat] tasks/s left for our sites
    initial_battery_j: NDArray[np.float64]  # [N]
    initial_containers: NDArray[np.int64]  # [N]


def task_schedule(config: GreenOffloadingConfig) -> TaskSchedule:
    """Tasks switch between episodes, every ``update_interval // n_slots`` episodes (at
    least one), by the config's scenario."""
    scenario = SCENARIOS.get(config.scenario)
    return TaskSchedule(
        max(1, config.update_interval // config.n_slots),
        functools.partial(scenario.next_task, config),
    )


class GreenOffloadingEnv(TaskEnvMixin, gym.Env[NDArray[np.float32], NDArray[np.float32]]):
    """
    ## Description

    Energy management of N = 20 solar-powered base-station sites with edge computing in a
    protected area (Dlamini, Mulatu, Vilakati, "Satellite-based assisted-offloading for
    energy-constrained edge networks", IJEECS 41(3), 2026). Visitors' devices offload
    delay-sensitive tasks (3 MB up, 0.1 MB down, bound sigma = 0.8 s) to their base
    station. Each site runs on a PV panel and a 100 kJ battery (eqs. 9-11), hosts 20 MEC
    containers, and has a Starlink terminal (Ka band, 30 GHz, EIRP 34.9 dBW, G/T 15.84
    dB/K, 10 MHz) through which it may forward tasks to the containers of a visible
    satellite (assisted offloading, AO). Every 15-minute slot the agent decides, per site,
    how much work to admit, how much of it to forward, and how many containers to run. The
    goal of the paper is to minimise the sites' energy consumption while meeting sigma.

    Physics: satellites come from real TLEs (421 Starlink satellites of 2020-05-07, shipped)
    or a Walker shell, propagated with SGP4 by the orbit model's `VisibilityIndex` (elevation
    mask 25 deg); the link SNR is eq. (4) with FSPL (eq. 5) on the true slant range, the rate
    Shannon's. Delays are eqs. (12)-(14) with fluid Lindley queues on a 60-s sub-grid (local
    containers, the site's Starlink uplink, each satellite's containers under a background
    load); a task later than sigma is dropped with probability 1 - (sigma/t)^4 and half the
    drops retry. Energy is eqs. (6)-(8): BS 10.6 W and the always-on 50 W terminal, 5 W per
    idle container plus 5 W per busy one, 50 J per container switch, per-byte radio terms.
    Irradiance is the Greensboro TMY3 year shipped with leo-envs (from pvlib's bundled
    file; interval averages labelled by the slot start, zero while the sun is down), scaled
    by a 500 W PV peak. Documented choices ([C]) are listed on `GreenOffloadingConfig`.

    ## Action Space

    `Box(-1, 1, (N, 3), float32)` (symmetric, as SB3 recommends), mapped to shares
    x = (a + 1) / 2 in [0, 1] per site: admit share of arriving tasks (the rest is dropped
    at once), share of the admitted tasks forwarded to a satellite, active-container
    fraction (G_on = round(20 x)); `shares_to_action` / `action_to_shares` convert. The
    serving satellite is chosen by the paper's queue rule each sub-step (SNR >= 10 dB,
    least expected wait, expected delay below sigma); forwarded tasks with no such
    satellite are dropped (`drop_no_sat`). With `sat_selection="agent"` (issue 13) the
    agent picks it instead: the space is `Box(-1, 1, (N, 4), float32)` and the 4th share
    x selects, every sub-step, the satellite of rank min(floor(x m), m - 1) among the m
    visible ones with SNR >= `snr_threshold_db`, ranked by SNR (best first: x = 0 is the
    strongest link, x = 1 the weakest); none such: forwarded tasks are dropped
    (`drop_no_sat`); the expected-delay test of the queue rule is the agent's to make
    (the observation's best SNR and least satellite wait help). The baselines assume the
    paper's rule and act with 3 columns. Actions outside [-1, 1] (beyond
    float32 rounding), NaN or a wrong shape raise `ValueError`; the state is unchanged.
    `info["played_action"]` holds the shares actually applied.

    ## Observation Space

    Flat `Box(float32)` of `N * (3H + 10) + 2` values (H = `forecast_horizon`, default 2);
    `env.unwrapped.layout.split(obs)` names them. Per site: battery level / capacity;
    harvest forecasts for the coming H slots and their clear-sky values (/ PV peak x tau);
    load forecasts (tasks per slot / (peak rate x tau)); last slot's harvest, clear-sky
    harvest and arrivals; containers on / G; local backlog; share of the coming slot's
    sub-steps with an eligible satellite; best eligible SNR / 50 dB; least expected
    satellite wait / sigma; J_n = (battery + harvest forecast) / expected consumption with
    all work local (the paper's rule: J_n >= 1 -> LO). Then sin and cos of the local hour.

    {observation_table}

    Forecasts are noisy oracles: Gaussian noise of `forecast_error x sqrt(lead)` on the
    clear-sky index (and on the relative load), one scale for an oracle and a learned model.

    ## Rewards

    r_t = -(sum_n beta^site_n / sum_n beta^bench_n) - w_d drops/attempts
    - w_b mean_n(backup_n) / E_ref - w_s mean(max(0, delay - sigma)) / sigma,
    with beta^bench the no-management reference (all 20 containers on, everything local),
    so the first term is -(1 - energy saving), the paper's metric. Backup energy is what
    the battery could not supply (GENM's purchased grid energy). `info` carries
    `objective` (the episode's energy saving so far, 1 - sum of beta^site / sum of
    beta^bench over the played slots: the paper's metric, higher is better), `energy_j`,
    `energy_bench_j`,
    `energy_saving` (this slot's), `delay_s` (mean over served tasks), `dropped` (attempts dropped),
    `drop_rate`, `harvest_j`, `battery_j`, `backup_j`, `slot_s`, `elapsed_s`, `task_id`,
    `task_switched`, `seq_idx`, `played_action` and per-site arrays `site_<name>` for
    <name> in (`energy_j`, `energy_bs_j`, `energy_edge_j`, `energy_bench_j`, `harvest_j`,
    `battery_j`, `backup_j`, `spilled_j`, `J_ratio`, `arrived`, `attempts`, `local`, `sat`,
    `dropped`, `drop_no_sat`, `rejected`, `delay_s`, `delay_excess_sum_s`, `containers_on`,
    `serving_sats`).

    ## Starting State

    Local midnight of the task's day; batteries at `initial_battery_fraction` (50 %), all
    containers on (an unmanaged site), empty queues. Reset draws the site load weights
    (N x Dirichlet(2)), Poisson arrivals per sub-step, the forecast noise and the
    satellites' background loads from the seed.

    ## Episode End

    Truncated after `n_slots` slots (96 = one day); nothing terminates earlier.

    ## Non-stationarity / tasks

    A task (`GreenOffloadingTask`) is the site location ('greensboro' or the paper's
    'hlane', Eswatini, via the clear-sky-index transfer), the weather day of the typical
    year, the forecast error and the constellation epoch (hours after the TLE epoch).
    `scenario`: `fixed_day` (stationary), `daily_weather` (new day at each switch),
    `random_task` (every dimension redrawn); switches happen between episodes, every
    `update_interval // n_slots` episodes. `sample_tasks`, `set_task`, `get_task`,
    `task_set(split)` and `reset(options={"task": task})` follow the house task API.

    ## Arguments

    Any field of `GreenOffloadingConfig` (Table 1 values are defaults), e.g.
    `gym.make("leo_envs/GreenOffloading-v0", n_sites=5, forecast_horizon=4)`, or
    `config=GreenOffloadingConfig(...)`.

    {arguments_table}

    ## Examples

    >>> import gymnasium as gym, leo_envs
    >>> from leo_envs.envs.green_offloading.env import shares_to_action
    >>> env = gym.make("leo_envs/GreenOffloading-v0", n_sites=2, n_slots=4)
    >>> obs, info = env.reset(seed=0)
    >>> obs.shape, env.action_space.shape
    ((34,), (2, 3))
    >>> keep_local = shares_to_action([[1.0, 0.0, 0.25], [1.0, 0.0, 0.25]])  # 5 containers
    >>> obs, reward, terminated, truncated, info = env.step(keep_local)
    >>> info["site_containers_on"].tolist(), info["drop_rate"], 0.0 < info["energy_saving"] < 1.0
    ([5, 5], 0.0, True)
    >>> train = env.unwrapped.task_set("train")   # fixed tasks for meta-training
    >>> obs, info = env.reset(options={"task": train[0]})
    >>> info["task_id"] == train[0].task_id
    True

    ## Offline planning

    `env.unwrapped.instance()` returns the `GreenOffloadingInstance` of the episode (true
    and forecast traces, sub-step arrivals, the satellite table with SNR, satellite
    capacities) for look-ahead planners and oracles.

    ## Version History

    * v0: initial release.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["ansi", "rgb_array"], "render_fps": 4}
    task_class = GreenOffloadingTask

    def __init__(
        self,
        config: GreenOffloadingConfig | None = None,
        render_mode: str | None = None,
        **overrides: Any,
    ) -> None:
        self.config = GreenOffloadingConfig.resolve(config, overrides)
        cfg = self.config
        self.render_mode = check_render_mode(render_mode, self.metadata["render_modes"])
        self.layout = ObservationLayout(cfg.n_sites, cfg.forecast_horizon)
        low, high = self.layout.bounds()
        self.observation_space = spaces.Box(low, high, dtype=np.float32)
        # A 4th column per site when the agent picks the serving satellite.
        self._action_columns = 4 if cfg.sat_selection == "agent" else 3
        self.action_space = spaces.Box(
            -1.0, 1.0, (cfg.n_sites, self._action_columns), dtype=np.float32
        )
        self._schedule = task_schedule(cfg)
        self._pending_task = None
        self._energy_peak_j = max(cfg.pv_peak_w * cfg.slot_s, 1e-9)
        self._load_ref = max(cfg.peak_arrival_rate * cfg.slot_s, 1e-9)
        self._episode: _Episode | None = None
        self._sky_view: _SkyView | None = None
        # The observation is assembled in this float64 buffer, then clipped into a fresh
        # float32 array (the buffer is never handed out).
        self._obs_buffer = np.zeros(self.layout.size)
        self._obs_low64 = low.astype(np.float64)
        self._obs_high64 = high.astype(np.float64)

    # ------------------------------------------------------------------ API
    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[NDArray[np.float32], dict[str, Any]]:
        option = self._task_option(options)  # validated before any state changes
        new_sequence = seed is not None or not self._schedule.started
        super().reset(seed=seed)
        self._reset_task(new_sequence, option)
        self._episode = self._new_episode(self._schedule.task)
        # The task id is a content hash: computed once per episode, not per step.
        self._task_fields = self._schedule.info_fields()
        obs = self._observation()
        info = self._info(None, None, np.zeros(self.action_space.shape))
        self._task_fields = {**self._task_fields, "task_switched": False}  # only at reset
        return obs, info

    def step(
        self, action: NDArray[np.float32]
    ) -> tuple[NDArray[np.float32], float, bool, bool, dict[str, Any]]:
        ep = self._episode
        if ep is None:
            raise RuntimeError("call reset() before step()")
        cfg = self.config
        if ep.t >= cfg.n_slots:
            raise RuntimeError("the episode is over (truncated); call reset()")
        played = self._check_action(action)
        t, s = ep.t, cfg.substeps_per_slot
        result = simulate_slot(
            cfg,
            ep.state,
            played,
            ep.traces.arrivals[t].astype(np.float64),
            ep.traces.harvest_j[t],
            ep.sky,
            t * s,
            ep.sky_view.base,
        )
        ep.results.append(result)
        sums = _SlotSums.of(result)
        ep.energy_total_j += sums.energy_j
        ep.bench_total_j += sums.bench_j
        ep.t += 1
        reward = self._reward(sums)
        obs = self._observation()
        return obs, reward, False, ep.t >= cfg.n_slots, self._info(result, sums, played)

    def render(self) -> str | NDArray[np.uint8] | None:
        if self.render_mode is None or self._episode is None:
            return None
        frame = self._frame()
        return render_ansi(frame) if self.render_mode == "ansi" else render_rgb(frame)

    # ------------------------------------------------------------------ task API hooks
    def _draw_tasks(self, n: int, rng: np.random.Generator) -> list[GreenOffloadingTask]:
        return sample_tasks(n, rng, self.config)

    def _initial_task(self, rng: np.random.Generator) -> GreenOffloadingTask:
        return initial_task(self.config)

    # ------------------------------------------------------------------ extras
    @property
    def task(self) -> GreenOffloadingTask | None:
        """The task of the current episode (None before the first reset)."""
        return self._schedule.task if self._schedule.started else None

    def instance(self) -> GreenOffloadingInstance:
        """The current episode's offline problem data (see ``GreenOffloadingInstance``)."""
        ep = self._episode
        if ep is None:
            raise RuntimeError("call reset() before instance()")
        return GreenOffloadingInstance(
            config=self.config,
            task=ep.task,
            traces=ep.traces,
            sky=ep.sky,
            sat_capacity_rate=read_only(ep.initial.sat_capacity_rate.copy()),
            initial_battery_j=read_only(ep.initial.battery_j.copy()),
            initial_containers=read_only(ep.initial.containers_on.copy()),
        )

    # ------------------------------------------------------------------ internals
    def _new_episode(self, task: GreenOffloadingTask) -> _Episode:
        cfg = self.config
        rng = self.np_random
        traces = build_traces(
            SITES[task.site],
            task.day_of_year,
            task.forecast_error,
            n_sites=cfg.n_sites,
            n_slots=cfg.n_slots,
            slot_s=cfg.slot_s,
            substeps=cfg.substeps_per_slot,
            radius_km=cfg.site_radius_km,
            pv_peak_w=cfg.pv_peak_w,
            peak_arrival_rate=cfg.peak_arrival_rate,
            night_floor=cfg.night_floor,
            horizon=cfg.forecast_horizon,
            rng=rng,
        )
        sky = sky_table(
            cfg.constellation,
            task.epoch_offset_h,
            traces.site_lat_deg,
            traces.site_lon_deg,
            duration_s=cfg.n_slots * cfg.slot_s,
            step_s=cfg.substep_s,
            min_elevation_deg=cfg.min_elevation_deg,
            eirp_dbw=cfg.eirp_dbw,
            g_over_t_db_per_k=cfg.g_over_t_db_per_k,
            carrier_hz=cfg.carrier_hz,
            bandwidth_hz=cfg.bandwidth_hz,
            extra_losses_db=cfg.extra_losses_db,
        )
        if cfg.randomize_background:
            background = rng.uniform(cfg.sat_background_low, cfg.sat_background_high, sky.n_sat)
        else:
            background = np.full(
                sky.n_sat, 0.5 * (cfg.sat_background_low + cfg.sat_background_high)
            )
        n = cfg.n_sites
        state = SiteState(
            battery_j=np.full(n, cfg.initial_battery_fraction * cfg.battery_capacity_j),
            containers_on=np.full(n, cfg.containers_per_site, dtype=np.int64),
            local_backlog=np.zeros(n),
            uplink_backlog=np.zeros(n),
            retry=np.zeros(n),
            sat_backlog=np.zeros(sky.n_sat),
            sat_capacity_rate=cfg.sat_containers / cfg.sat_service_s * (1.0 - background),
        )
        if self._sky_view is None or self._sky_view.sky is not sky:
            self._sky_view = _SkyView.build(cfg, sky)
        return _Episode(
            task,
            traces,
            sky,
            self._sky_view,
            state,
            state.copy(),
            self._slot_tables(traces, self._sky_view),
        )

    def _slot_tables(self, traces: EpisodeTraces, sky_view: _SkyView) -> _SlotTables:
        """The observation columns and J_n terms that depend only on the slot index,
        computed once per episode (the step then only fills the state-dependent ones)."""
        cfg = self.config
        h, e_peak, l_ref = cfg.forecast_horizon, self._energy_peak_j, self._load_ref
        t = np.arange(cfg.n_slots)
        clear_ahead = traces.clear_sky_harvest_j[t[:, None] + np.arange(h)]  # [T, H, N]
        forecasts = np.concatenate(
            [
                traces.harvest_forecast_j / e_peak,
                clear_ahead / e_peak,
                traces.arrival_forecast / l_ref,
            ],
            axis=1,
        )  # [T, 3H, N], the layout's order
        # Observation template per ep.t in 0..T: the columns that depend only on the slot.
        # The final observation (ep.t = T) repeats slot T-1's view; the last slot's
        # harvest is zero before the first slot.
        n_slots, c = cfg.n_slots, 1 + 3 * h  # c: first column after the forecasts
        rows = np.minimum(np.arange(n_slots + 1), n_slots - 1)
        template = np.zeros((n_slots + 1, cfg.n_sites, self.layout.features_per_site))
        template[:, :, 1:c] = forecasts.transpose(0, 2, 1)[rows]
        template[1:, :, c] = traces.harvest_j / e_peak
        template[1:, :, c + 1] = traces.clear_sky_harvest_j[:n_slots] / e_peak
        template[:, :, c + 5] = sky_view.coverage[rows]
        template[:, :, c + 6] = sky_view.best_snr_obs[rows]
        load_fc = traces.arrival_forecast[:, 0]  # [T, N] next slot's expected tasks
        need = provisioned_containers(cfg, load_fc)
        expected_bs, expected_edge = expected_site_energy_parts_j(cfg, load_fc, 0.0, need, need)
        return _SlotTables(
            obs_template=template,
            first_load=traces.arrival_rate[0] * cfg.slot_s,
            need_containers=need,
            expected_bs_j=expected_bs,
            expected_edge_j=expected_edge,
        )

    def _check_action(self, action: Any) -> NDArray[np.float64]:
        shape = self.action_space.shape
        try:
            arr = np.asarray(action, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(
                f"action must be a float array of shape {shape}, got {action!r}"
            ) from None
        if arr.shape != shape:
            raise ValueError(f"action must have shape {shape}, got {arr.shape}")
        low, high = float(arr.min()), float(arr.max())
        if not (math.isfinite(low) and math.isfinite(high)):  # NaN and inf reach min or max
            raise ValueError("action must be finite (no NaN or inf)")
        if low < -1.0 - ACTION_TOLERANCE or high > 1.0 + ACTION_TOLERANCE:
            raise ValueError(
                "action entries (admit, satellite share, container fraction[, satellite "
                "choice], each mapped "
                f"from [-1, 1] to [0, 1]) must lie in [-1, 1], got min {low:g}, max {high:g}"
            )
        return action_to_shares(np.clip(arr, -1.0, 1.0))

    def _reward(self, sums: _SlotSums) -> float:
        cfg = self.config
        energy_ratio = sums.energy_j / max(sums.bench_j, 1e-12)
        backup = sums.backup_j / cfg.n_sites / cfg.backup_energy_ref_j  # np.mean's arithmetic
        excess = sums.excess_s / max(sums.served, 1e-12) / cfg.delay_bound_s
        return float(
            -energy_ratio
            - cfg.drop_weight * sums.drop_rate
            - cfg.backup_weight * backup
            - cfg.delay_weight * excess
        )

    def _j_ratio(self, battery_j: NDArray, t: int) -> NDArray:
        """J_n = (battery + forecast harvest) / expected consumption, all work local."""
        ep = self._episode
        need, g_prev = ep.slot.need_containers[t], ep.state.containers_on
        # expected_site_energy_j to the bit, from its per-episode parts (see
        # expected_site_energy_parts_j): only the switching term depends on the state.
        edge = ep.slot.expected_edge_j[t] + switching_energy_j(self.config, need, g_prev)
        expected = ep.slot.expected_bs_j[t] + edge
        return (battery_j + ep.traces.harvest_forecast_j[t, 0]) / np.maximum(expected, 1e-12)

    def _observation(self) -> NDArray[np.float32]:
        cfg, ep = self.config, self._episode
        t = min(ep.t, cfg.n_slots - 1)  # the final observation repeats the last slot's view
        st, sky_view = ep.state, ep.sky_view
        # Arrivals of the last slot (before the first: the expected ones of slot 0).
        last_load = ep.results[-1].arrived if ep.results else ep.slot.first_load
        # Least expected wait over the eligible satellites now (inf: none eligible); the
        # ineligible entries of wait_index point at the trailing inf of ep.sat_wait_s.
        np.divide(st.sat_backlog, ep.sat_capacity_floor, out=ep.sat_wait_s[:-1])
        sat_wait = ep.sat_wait_s[sky_view.wait_index[t]].min(axis=1)
        j_ratio = self._j_ratio(st.battery_j, t)
        self._last_j_ratio = j_ratio  # info reports the same J_n
        local_capacity = cfg.containers_per_site * cfg.slot_s / cfg.local_service_s

        buffer = self._obs_buffer
        sites = buffer[:-2].reshape(cfg.n_sites, self.layout.features_per_site)
        c = 1 + 3 * cfg.forecast_horizon  # first column after the forecasts
        sites[:] = ep.slot.obs_template[ep.t]  # forecasts, last harvest, coverage, best SNR
        sites[:, 0] = st.battery_j / cfg.battery_capacity_j
        sites[:, c + 2] = last_load / self._load_ref
        sites[:, c + 3] = st.containers_on / cfg.containers_per_site
        sites[:, c + 4] = np.minimum((st.local_backlog + st.retry) / local_capacity, BACKLOG_CAP)
        sites[:, c + 7] = np.minimum(sat_wait / cfg.delay_bound_s, WAIT_CAP)
        sites[:, c + 8] = np.minimum(j_ratio, J_CAP)
        angle = 2.0 * np.pi * ((ep.t * cfg.slot_s) % 86400.0) / 86400.0
        buffer[-2], buffer[-1] = np.sin(angle), np.cos(angle)
        return np.clip(buffer, self._obs_low64, self._obs_high64).astype(np.float32)

    def _info(
        self, r: SlotResult | None, sums: _SlotSums | None, played: NDArray
    ) -> dict[str, Any]:
        cfg, ep = self.config, self._episode
        n = cfg.n_sites
        info: dict[str, Any] = {
            "slot_s": cfg.slot_s,
            "elapsed_s": ep.t * cfg.slot_s,
            **self._task_fields,
            "played_action": read_only(played.astype(np.float32)),
        }
        j_ratio = self._last_j_ratio.copy()  # set by _observation, called first
        if r is None:
            zeros = np.zeros(n)
            info.update(
                objective=0.0, energy_j=0.0, energy_bench_j=0.0, energy_saving=0.0,
                delay_s=0.0, dropped=0.0, drop_rate=0.0, harvest_j=0.0,
                battery_j=float(ep.state.battery_j.sum()), backup_j=0.0,
            )  # fmt: skip
            info.update(
                site_battery_j=read_only(ep.state.battery_j.copy()),
                site_J_ratio=j_ratio,
                site_arrived=zeros,
                site_served=zeros,
            )
            return info
        info.update(
            objective=1.0 - ep.energy_total_j / max(ep.bench_total_j, 1e-12),
            energy_j=sums.energy_j,
            energy_bench_j=sums.bench_j,
            energy_saving=1.0 - sums.energy_j / max(sums.bench_j, 1e-12),
            delay_s=sums.delay_s / sums.served if sums.served > 0 else 0.0,
            dropped=sums.dropped,
            drop_rate=sums.drop_rate,
            harvest_j=sums.harvest_j,
            battery_j=sums.battery_j,
            backup_j=sums.backup_j,
        )
        # SlotResult arrays are read-only already: handed out as they are.
        j_view = read_only(j_ratio)
        info.update(
            {key: j_view if name is None else getattr(r, name) for key, name in SITE_INFO_FIELDS}
        )
        return info

    def _frame(self) -> GreenFrame:
        ep, cfg = self._episode, self.config
        res = ep.results

        def series(fn):
            return np.array([fn(r) for r in res], dtype=np.float64)

        return GreenFrame(
            slot=ep.t,
            n_slots=cfg.n_slots,
            slot_hours=(np.arange(ep.t) * cfg.slot_s / 3600.0) % 24.0,
            battery_fraction=series(lambda r: r.battery_j.mean() / cfg.battery_capacity_j),
            harvest_kwh=series(lambda r: r.harvest_j.sum() / 3.6e6),
            energy_kwh=series(lambda r: r.energy_j.sum() / 3.6e6),
            bench_kwh=series(lambda r: r.energy_bench_j.sum() / 3.6e6),
            drop_rate=series(lambda r: r.dropped.sum() / max(r.attempts.sum(), 1e-12)),
            sat_share=series(lambda r: r.sat.sum() / max(r.served.sum(), 1e-12)),
            task_name=ep.task.name,
        )


SITE_INFO_FIELDS: tuple[tuple[str, str | None], ...] = (
    ("site_energy_j", "energy_j"),
    ("site_energy_bs_j", "energy_bs_j"),
    ("site_energy_edge_j", "energy_edge_j"),
    ("site_energy_bench_j", "energy_bench_j"),
    ("site_harvest_j", "harvest_j"),
    ("site_battery_j", "battery_j"),
    ("site_backup_j", "backup_j"),
    ("site_spilled_j", "spilled_j"),
    ("site_lost_j", "lost_j"),
    ("site_used_green_j", "used_green_j"),
    ("site_J_ratio", None),  # the observation's J_n, not a SlotResult field
    ("site_arrived", "arrived"),
    ("site_attempts", "attempts"),
    ("site_served", "served"),
    ("site_local", "local"),
    ("site_sat", "sat"),
    ("site_dropped", "dropped"),
    ("site_drop_no_sat", "drop_no_sat"),
    ("site_rejected", "rejected"),
    ("site_delay_s", "mean_delay_s"),
    ("site_delay_excess_sum_s", "delay_excess_sum_s"),
    ("site_containers_on", "containers_on"),
    ("site_serving_sats", "serving_sats"),
)
"""(info key, SlotResult field) of the per-site info arrays, in the documented order."""


@dataclass(frozen=True)
class _SlotSums:
    """Totals over sites of one slot, summed once for both the reward and ``info``."""

    energy_j: float
    bench_j: float
    served: float
    delay_s: float  # summed delay of the served tasks
    excess_s: float  # summed delay beyond sigma
    dropped: float
    drop_rate: float
    harvest_j: float
    battery_j: float
    backup_j: float

    @classmethod
    def of(cls, r: SlotResult) -> _SlotSums:
        dropped = float(r.dropped.sum())
        return cls(
            harvest_j=float(r.harvest_j.sum()),
            battery_j=float(r.battery_j.sum()),
            backup_j=float(r.backup_j.sum()),
            energy_j=float(r.energy_j.sum()),
            bench_j=float(r.energy_bench_j.sum()),
            served=float(r.served.sum()),
            delay_s=float(r.delay_sum_s.sum()),
            excess_s=float(r.delay_excess_sum_s.sum()),
            dropped=dropped,
            drop_rate=dropped / max(float(r.attempts.sum()), 1e-12),
        )


@dataclass(frozen=True)
class _SkyView:
    """What the env derives from a (cached, immutable) sky table: computed once per table,
    reused by every episode that shares it."""

    sky: SkyTable
    base: tuple  # dynamics.base_delays
    coverage: NDArray[np.float64]  # [T, N] share of sub-steps with an eligible satellite
    wait_index: NDArray[np.int64]  # [T, N, K] eligible satellite ids at slot starts, else n_sat
    best_snr_obs: NDArray[np.float64]  # [T, N] best eligible SNR / SNR_SCALE_DB, clipped

    @classmethod
    def build(cls, cfg: GreenOffloadingConfig, sky: SkyTable) -> _SkyView:
        n, s = cfg.n_sites, cfg.substeps_per_slot
        eligible_now = (sky.snr_db >= cfg.snr_threshold_db).any(axis=2)  # [n_t, N]
        coverage = eligible_now.reshape(cfg.n_slots, s, n).mean(axis=1)
        snr = sky.snr_db[::s][: cfg.n_slots]  # [T, N, K] at slot starts
        eligible = snr >= cfg.snr_threshold_db
        best = np.where(eligible, snr, -np.inf).max(axis=2)
        best_snr = np.where(eligible.any(axis=2), best, 0)
        return cls(
            sky=sky,
            base=base_delays(cfg, sky.snr_db, sky.range_km),
            coverage=coverage,
            wait_index=np.where(eligible, sky.sat[::s][: cfg.n_slots], sky.n_sat),
            best_snr_obs=np.clip(best_snr / SNR_SCALE_DB, 0.0, 2.0),
        )


@dataclass(frozen=True)
class _SlotTables:
    """Per-episode tables indexed by slot (see ``GreenOffloadingEnv._slot_tables``)."""

    obs_template: NDArray[np.float64]  # [T + 1, N, F] per-site observation, slot-only columns
    first_load: NDArray[np.float64]  # [N] expected arrivals of slot 0 (the reset's last load)
    need_containers: NDArray[np.int64]  # [T, N] J_n's provisioned containers
    expected_bs_j: NDArray[np.float64]  # [T, N] J_n's expected beta^bs
    expected_edge_j: NDArray[np.float64]  # [T, N] J_n's expected beta^edg minus switching


@dataclass
class _Episode:
    task: GreenOffloadingTask
    traces: EpisodeTraces
    sky: SkyTable
    sky_view: _SkyView
    state: SiteState
    initial: SiteState
    slot: _SlotTables
    t: int = 0
    energy_total_j: float = 0.0  # sum of beta^site over the played slots and sites
    bench_total_j: float = 0.0

    def __post_init__(self) -> None:
        self.results: list[SlotResult] = []
        # The satellites' capacities are fixed for the episode (floored for the wait ratio).
        self.sat_capacity_floor = np.maximum(self.state.sat_capacity_rate, 1e-12)
        # Expected wait per satellite (s), plus a trailing inf for "not eligible".
        self.sat_wait_s = np.full(self.sky.n_sat + 1, np.inf)


OBSERVATION_ROWS = (
    ("battery.site<n>", "[0, 1]", "stored energy / battery capacity"),
    (
        "harvest_forecast_<h>.site<n>",
        "[0, 1.5]",
        "PV harvest forecast of slot t+h / (PV peak x tau)",
    ),
    (
        "clear_sky_harvest_<h>.site<n>",
        "[0, 1.5]",
        "clear-sky harvest of slot t+h / (PV peak x tau)",
    ),
    ("load_forecast_<h>.site<n>", "[0, 4N]", "arrival forecast of slot t+h / (peak rate x tau)"),
    ("last_harvest.site<n>", "[0, 1.5]", "harvest of the last slot / (PV peak x tau)"),
    ("last_clear_sky_harvest.site<n>", "[0, 1.5]", "clear-sky harvest of the last slot"),
    ("last_load.site<n>", "[0, 4N]", "arrivals of the last slot / (peak rate x tau)"),
    ("containers_on.site<n>", "[0, 1]", "containers on / G"),
    ("local_backlog.site<n>", "[0, 10]", "tasks queued or retrying / (G tau / t_cp)"),
    ("sat_coverage.site<n>", "[0, 1]", "share of the slot's sub-steps with an eligible satellite"),
    ("best_snr.site<n>", "[0, 2]", "best eligible satellite SNR now, dB / 50 (0: none)"),
    ("best_sat_wait.site<n>", "[0, 10]", "least expected satellite queue wait / sigma"),
    ("j_ratio.site<n>", "[0, 10]", "J_n = (battery + harvest forecast) / expected consumption"),
    ("hour_sin, hour_cos", "[-1, 1]", "local time of the slot start"),
)
fill_card(GreenOffloadingEnv, GreenOffloadingConfig, OBSERVATION_ROWS)
