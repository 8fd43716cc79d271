"""GreenOffloading-v0: the Gymnasium env of paper 003 (see the class docstring, the env card)."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, ClassVar, NamedTuple

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from numpy.typing import NDArray

import leo_envs.envs.green_offloading._kernel as kernel
from leo_envs.envs.common.card import fill_card
from leo_envs.envs.common.info import read_only
from leo_envs.envs.common.render import check_render_mode
from leo_envs.envs.common.task_api import TaskEnvMixin
from leo_envs.envs.green_offloading._kernel import observe, run_slot
from leo_envs.envs.green_offloading.config import GreenOffloadingConfig
from leo_envs.envs.green_offloading.dynamics import (
    SiteState,
    base_delays,
    expected_site_energy_parts_j,
    local_base_delay_s,
    provisioned_containers,
    slot_params,
)
from leo_envs.envs.green_offloading.observation import SNR_SCALE_DB, ObservationLayout
from leo_envs.envs.green_offloading.radio import BITS_PER_BYTE
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

    ## Vectorized environment

    `gym.make_vec("leo_envs/GreenOffloading-v0", num_envs=n,
    vectorization_mode="vector_entry_point")` returns `GreenOffloadingVectorEnv`: n episodes
    in lockstep (batched arrays in and out, `NEXT_STEP` autoreset) that agree with n single
    envs seeded `seed, seed+1, ...`.

    ## Performance

    One step is one compiled call (`_kernel.run_slot`: the sub-steps, energy, battery,
    reward sums and the next observation); a reset draws the episode's T x S x N Poisson
    arrivals with numpy (exactly its stream), about as costly per step as the slot itself.
    `python benchmarks/green_offloading.py` measures both against CartPole-v1.

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
        self._params, self._flags = slot_params(
            cfg, local_base_delay_s(cfg), ACTION_TOLERANCE, self.layout.features_per_site
        )
        self._bounds = np.stack([low, high]).astype(np.float64)  # the Box, for the clip
        # sin, cos of the local hour at each slot counter 0..T (the last two columns)
        angles = [
            2.0 * np.pi * ((t * cfg.slot_s) % 86400.0) / 86400.0 for t in range(cfg.n_slots + 1)
        ]
        self._hour_columns = np.array([[np.sin(a), np.cos(a)] for a in angles])

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
        ep, st = self._episode, self._episode.state
        obs = np.empty(self.layout.size, dtype=np.float32)
        j_ratio = np.empty(self.config.n_sites)
        observe(
            0, ep.slot.obs_template, self._bounds, st.site, st.containers_on, st.sat,
            ep.sky_view.wait_index, ep.slot.j_tables, ep.slot.need_containers,
            ep.slot.first_load, self._params, self._flags, j_ratio, obs,
        )  # fmt: skip
        info = self._reset_info(j_ratio)
        self._task_fields = {**self._task_fields, "task_switched": False}  # only at reset
        return obs, info

    def step(
        self, action: NDArray[np.float32]
    ) -> tuple[NDArray[np.float32], float, bool, bool, dict[str, Any]]:
        ep = self._episode
        if ep is None:
            raise RuntimeError("call reset() before step()")
        t = ep.t
        if t >= self.config.n_slots:
            raise RuntimeError("the episode is over (truncated); call reset()")
        obs = np.empty(self.layout.size, dtype=np.float32)
        self._play_slot(self._check_action(action), obs)
        ep.t = t + 1
        reward, info = self._step_info(t)
        return obs, reward, False, ep.t >= self.config.n_slots, info

    def _play_slot(self, action: NDArray, obs: NDArray[np.float32]) -> None:
        """Run slot ``ep.t`` of the episode under a shape-checked ``action`` (the compiled
        slot checks its values before changing anything) and write the next observation
        into ``obs``; the slot's record and sums land in the episode's arrays. ``ep.t`` is
        not advanced."""
        ep = self._episode
        t, st, sky_view, slot = ep.t, ep.state, ep.sky_view, ep.slot
        # Fresh small arrays per slot (the kernel fills them): info hands out read-only
        # views of them, which then pin only this slot's numbers, not the episode's.
        n, c = self.action_space.shape
        record = np.empty((kernel.N_RECORD, n))
        containers = np.empty(n, dtype=np.int64)
        serving = np.empty((self.config.substeps_per_slot, n), dtype=np.int64)
        played = np.empty((n, c), dtype=np.float32)
        status = run_slot(
            action, t, ep.arrivals, ep.traces.harvest_j, sky_view.sat, sky_view.sky_f,
            st.site, st.containers_on, st.sat, slot.obs_template, self._bounds,
            sky_view.wait_index, slot.j_tables, slot.need_containers, self._params,
            self._flags, record, containers, serving, played, ep.sums, obs,
        )  # fmt: skip
        if status != kernel.ACTION_OK:
            self._action_error(action, status)  # raises; nothing has changed
        ep.slots.append(_SlotOutput(record, containers, serving, played))

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
        state = SiteState.initial(
            battery_j=np.full(n, cfg.initial_battery_fraction * cfg.battery_capacity_j),
            containers_on=np.full(n, cfg.containers_per_site, dtype=np.int64),
            sat_capacity_rate=cfg.sat_containers / cfg.sat_service_s * (1.0 - background),
        )
        if self._sky_view is None or self._sky_view.sky is not sky:
            self._sky_view = _SkyView.build(cfg, sky)
        return _Episode(
            task=task,
            traces=traces,
            sky=sky,
            sky_view=self._sky_view,
            state=state,
            initial=state.copy(),
            slot=self._slot_tables(traces, self._sky_view),
            arrivals=traces.arrivals.astype(np.float64),
            sums=np.zeros(kernel.N_SUMS),
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
        flat = np.zeros((n_slots + 1, self.layout.size))
        template = flat[:, :-2].reshape(n_slots + 1, cfg.n_sites, self.layout.features_per_site)
        template[:, :, 1:c] = forecasts.transpose(0, 2, 1)[rows]
        template[1:, :, c] = traces.harvest_j / e_peak
        template[1:, :, c + 1] = traces.clear_sky_harvest_j[:n_slots] / e_peak
        template[:, :, c + 5] = sky_view.coverage[rows]
        template[:, :, c + 6] = sky_view.best_snr_obs[rows]
        flat[:, -2:] = self._hour_columns
        load_fc = traces.arrival_forecast[:, 0]  # [T, N] next slot's expected tasks
        need = provisioned_containers(cfg, load_fc)
        expected_bs, expected_edge = expected_site_energy_parts_j(cfg, load_fc, 0.0, need, need)
        return _SlotTables(
            obs_template=flat,
            first_load=traces.arrival_rate[0] * cfg.slot_s,
            need_containers=need,
            j_tables=np.stack([expected_bs, expected_edge, traces.harvest_forecast_j[:, 0]]),
        )

    def _check_action(self, action: Any) -> NDArray:
        """``action`` as a C-contiguous float32/float64 array of the action shape (else
        ValueError); its values are checked by the compiled slot before anything changes."""
        shape = self.action_space.shape
        if (
            type(action) is np.ndarray
            and action.shape == shape
            and (action.dtype == np.float32 or action.dtype == np.float64)
            and action.flags.c_contiguous
        ):
            return action
        try:
            arr = np.asarray(action, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(
                f"action must be a float array of shape {shape}, got {action!r}"
            ) from None
        if arr.shape != shape:
            raise ValueError(f"action must have shape {shape}, got {arr.shape}")
        return np.ascontiguousarray(arr)

    @staticmethod
    def _action_error(action: NDArray, status: int) -> None:
        if status == kernel.ACTION_NOT_FINITE:
            raise ValueError("action must be finite (no NaN or inf)")
        low, high = float(action.min()), float(action.max())
        raise ValueError(
            "action entries (admit, satellite share, container fraction[, satellite "
            "choice], each mapped "
            f"from [-1, 1] to [0, 1]) must lie in [-1, 1], got min {low:g}, max {high:g}"
        )

    def _reset_info(self, j_ratio: NDArray) -> dict[str, Any]:
        cfg, ep = self.config, self._episode
        zeros = np.zeros(cfg.n_sites)
        info: dict[str, Any] = {
            "slot_s": cfg.slot_s,
            "elapsed_s": ep.t * cfg.slot_s,
            **self._task_fields,
            "played_action": read_only(np.zeros(self.action_space.shape, dtype=np.float32)),
            "objective": 0.0, "energy_j": 0.0, "energy_bench_j": 0.0, "energy_saving": 0.0,
            "delay_s": 0.0, "dropped": 0.0, "drop_rate": 0.0, "harvest_j": 0.0,
            "battery_j": float(ep.state.battery_j.sum()), "backup_j": 0.0,
            "site_battery_j": read_only(ep.state.battery_j.copy()),
            "site_J_ratio": j_ratio,
            "site_arrived": zeros,
            "site_served": zeros,
        }  # fmt: skip
        return info

    def _step_info(self, t: int) -> tuple[float, dict[str, Any]]:
        """(reward, info) of slot ``t`` from the compiled slot's sums and record."""
        cfg, ep = self.config, self._episode
        (
            reward, objective, energy, bench, saving, delay, dropped, drop_rate, harvest,
            battery, backup, _, _,
        ) = ep.sums.tolist()  # fmt: skip
        record, containers, serving, played = ep.slots[t]
        for out in (record, containers, serving, played):
            out.flags.writeable = False  # record's rows go out as read-only views
        info: dict[str, Any] = {
            "slot_s": cfg.slot_s,
            "elapsed_s": ep.t * cfg.slot_s,
            **self._task_fields,
            "played_action": played,
            "objective": objective, "energy_j": energy, "energy_bench_j": bench,
            "energy_saving": saving, "delay_s": delay, "dropped": dropped,
            "drop_rate": drop_rate, "harvest_j": harvest, "battery_j": battery,
            "backup_j": backup,
        }  # fmt: skip
        info.update(zip(SITE_FLOAT_INFO_KEYS, record, strict=False))
        info["site_containers_on"] = containers
        info["site_serving_sats"] = serving
        return reward, info

    def _frame(self) -> GreenFrame:
        ep, cfg = self._episode, self.config
        records = [slot.record for slot in ep.slots]

        def series(fn):
            return np.array([fn(r) for r in records], dtype=np.float64)

        k = kernel
        return GreenFrame(
            slot=ep.t,
            n_slots=cfg.n_slots,
            slot_hours=(np.arange(ep.t) * cfg.slot_s / 3600.0) % 24.0,
            battery_fraction=series(lambda r: r[k.BATTERY].mean() / cfg.battery_capacity_j),
            harvest_kwh=series(lambda r: r[k.HARVEST].sum() / 3.6e6),
            energy_kwh=series(lambda r: r[k.ENERGY].sum() / 3.6e6),
            bench_kwh=series(lambda r: r[k.ENERGY_BENCH].sum() / 3.6e6),
            drop_rate=series(lambda r: r[k.DROPPED].sum() / max(r[k.ATTEMPTS].sum(), 1e-12)),
            sat_share=series(lambda r: r[k.SAT].sum() / max(r[k.SERVED].sum(), 1e-12)),
            task_name=ep.task.name,
        )


SITE_INFO_FIELDS: tuple[str, ...] = (
    "site_energy_j",
    "site_energy_bs_j",
    "site_energy_edge_j",
    "site_energy_bench_j",
    "site_harvest_j",
    "site_battery_j",
    "site_backup_j",
    "site_spilled_j",
    "site_lost_j",
    "site_used_green_j",
    "site_J_ratio",  # the observation's J_n
    "site_arrived",
    "site_attempts",
    "site_served",
    "site_local",
    "site_sat",
    "site_dropped",
    "site_drop_no_sat",
    "site_rejected",
    "site_delay_s",  # mean delay of the served tasks
    "site_delay_excess_sum_s",
    "site_containers_on",
    "site_serving_sats",
)
"""The per-site info keys after a step, in the documented order."""
SITE_FLOAT_INFO_KEYS = SITE_INFO_FIELDS[: kernel.N_INFO_ROWS]
"""The keys that are rows ENERGY .. EXCESS_SUM of the compiled slot's record, in order."""


@dataclass(frozen=True)
class _SkyView:
    """What the env derives from a (cached, immutable) sky table: computed once per table,
    reused by every episode that shares it."""

    sky: SkyTable
    sat: NDArray[np.int64]  # [n_t, N, K] the table's satellites, C order
    sky_f: NDArray[np.float64]  # [4, n_t, N, K] elevation, SNR, zero-queue t_sat, uplink tasks/s
    coverage: NDArray[np.float64]  # [T, N] share of sub-steps with an eligible satellite
    wait_index: NDArray[np.int64]  # [T, N, K] eligible satellite ids at slot starts, then n_sat
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
        _, t_sat0, rate = base_delays(cfg, sky.snr_db, sky.range_km)
        return cls(
            sky=sky,
            sat=np.ascontiguousarray(sky.sat),
            sky_f=np.stack(
                [sky.elevation_deg, sky.snr_db, t_sat0, rate / (cfg.task_up_bytes * BITS_PER_BYTE)]
            ),
            coverage=coverage,
            wait_index=np.sort(np.where(eligible, sky.sat[::s][: cfg.n_slots], sky.n_sat), axis=2),
            best_snr_obs=np.clip(best_snr / SNR_SCALE_DB, 0.0, 2.0),
        )


@dataclass(frozen=True)
class _SlotTables:
    """Per-episode tables indexed by slot (see ``GreenOffloadingEnv._slot_tables``)."""

    obs_template: NDArray[np.float64]  # [T + 1, size] observation, slot-only columns
    first_load: NDArray[np.float64]  # [N] expected arrivals of slot 0 (the reset's last load)
    need_containers: NDArray[np.int64]  # [T, N] J_n's provisioned containers
    j_tables: NDArray[np.float64]  # [3, T, N] J_n's expected beta^bs, beta^edg less
    # switching, and the next slot's harvest forecast


@dataclass
class _Episode:
    task: GreenOffloadingTask
    traces: EpisodeTraces
    sky: SkyTable
    sky_view: _SkyView
    state: SiteState
    initial: SiteState
    slot: _SlotTables
    arrivals: NDArray[np.float64]  # [T, S, N] traces.arrivals as floats
    sums: NDArray[np.float64]  # [N_SUMS] the last slot's sums and the running totals
    t: int = 0
    slots: list[_SlotOutput] = field(default_factory=list)  # the played slots' outputs


class _SlotOutput(NamedTuple):
    """What the compiled slot wrote for one slot (read-only once the step returns)."""

    record: NDArray[np.float64]  # [R, N] per-site record (_kernel rows)
    containers: NDArray[np.int64]  # [N] G_on
    serving: NDArray[np.int64]  # [S, N] serving satellite per sub-step (-1: none)
    played: NDArray[np.float32]  # [N, C] shares applied


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
