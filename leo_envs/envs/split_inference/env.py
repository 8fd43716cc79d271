"""SplitInference-v0: where to split a DNN/LSTM between device and remote node (000, 004)."""

from __future__ import annotations

import functools
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from numpy.typing import NDArray

from leo_envs.envs.common.card import fill_card
from leo_envs.envs.common.info import read_only
from leo_envs.envs.common.render import check_render_mode
from leo_envs.envs.common.task_api import TaskEnvMixin
from leo_envs.tasks import TaskSchedule

from . import tasks as si_tasks
from .config import SplitInferenceConfig
from .dynamics import (
    OBS_HIGH,
    OBS_LABELS,
    OBS_LOW,
    SLOT_S_000,
    EpisodeTable,
    action_names,
    build_table_000,
    build_table_004,
    cached_profile,
    cached_tst_day,
    client_exogenous,
    draw_tolerances,
    n_actions,
    tst_day,
    tst_exogenous,
)
from .instance import SplitInferenceInstance
from .render import SplitFrame, render_ansi, render_rgb

RESET_OPTIONS = ("task", "tolerance_s", "day_of_year")


class SplitInferenceEnv(TaskEnvMixin, gym.Env[NDArray[np.float32], np.int64]):
    """
    ## Description

    Split (partitioned) inference of a neural network between a device and a remote node,
    one inference per step; the agent chooses the cut. Two presets reproduce the two papers:

    * ``preset="000"`` (default): G. Zheng et al., "Efficient Pruning-Split LSTM Machine
      Learning Algorithm for Terrestrial-Satellite Edge Network". A solar-powered
      terrestrial-satellite terminal (TST) runs a 3 x 256 LSTM that predicts its own transmit
      power, pruned to 70 % per tensor. Each 5-minute step of a 14:00-17:00 afternoon it picks
      split i: i = 0 runs the whole model locally (nothing sent); i >= 1 runs layers 1..i and
      uploads layer i's output *and the remaining pruned weights* to the satellite edge server
      (the server holds no copy). All-remote is not allowed (privacy). The cost is eqs.
      (7)-(8): alpha t_i + beta e_i over the Ka uplink at the TST's actual transmit power,
      which follows the battery + PV state (Greensboro TMY3 irradiance, shipped). The upload
      M_rem(i)/R must fit the service-interruption tolerance varsigma.
    * ``preset="004"``: M. Krouka et al., "Energy-Efficient Model Compression and Splitting
      for Collaborative Inference Over Time-Varying Channels", PIMRC 2021. A client walking a
      closed trajectory on a 2-D grid (Fig. 4) runs a compressed CNN (l1-trained and pruned,
      Cr = 6) up to cut l and sends that layer's output; cost eqs. (1)-(6): computation +
      memory (45 nm Tables I-II) + transmission energy P 32 d_l / R(h_t) under Rayleigh block
      fading.

    Model counts come from real torch models profiled offline (``agents/split_models``) and
    shipped as JSON; the env needs no torch. Any chain model can be brought in:
    ``agents.profiling.profile_module(model, x)`` + ``save_profile(p, "m.json")``, then
    ``gym.make(id, preset="004", profile="m.json")``.

    ## Action Space

    ``Discrete(n)``. 000: n = 5: 0 all local, i = 1..4 split after lstm1, lstm2, lstm3, head.
    004: n = 13 cuts conv1, pool1, ..., pool4, fc1..fc5 (fc5 = all local, send 10 floats);
    with ``allow_raw_offload`` a cut 0 "send the raw input" comes first. Names:
    ``env.unwrapped.action_names``. Out-of-range actions raise ``ValueError``.

    ## Observation Space

    ``Box(10,)`` float32 with finite bounds, the same layout for both presets
    (``env.unwrapped.obs_labels``): log10 rate (b/s), SNR (dB), transmit power (W),
    predicted transmit power (W), tolerance (s), log10 bandwidth (Hz), battery state of
    charge, time-of-day sin and cos, episode progress. Unused entries are 0 (004 has no
    tolerance, SoC or time of day; its predicted power is P). Rate and SNR are what the agent
    knows at decision time: the actual channel and power in the papers' modes; the LSTM
    forecast and the last Ka gain with ``decision_info="predicted"`` (000); the previous
    inference's fading with ``csi="outdated"`` (004).

    {observation_table}

    ## Rewards

    000: ``-(alpha t + beta e) / c_ref`` with c_ref the all-local cost of the profile
    (power-independent), minus ``violation_penalty`` when the chosen split's upload does not
    fit the tolerance at the actual rate (``on_violation="penalize"``); with
    ``on_violation="fallback_local"`` the TST runs all-local instead (``played_action = 0``)
    and pays its cost, no penalty. 004: ``-E / energy_scale_j`` (1e-4 J), E = E_c + E_m + E_tr.
    ``info["objective"]`` is the episode's accumulated minus-reward (lower is better).

    ``info`` per step: ``objective``, ``cost`` (this step's minus-reward), ``raw_cost`` (000:
    alpha t + beta e; 004: E in J), ``energy_j`` (= ``e_j``), ``delay_s`` (= ``t_s``),
    ``t_local_s``, ``t_remote_s``, ``t_prop_s``, ``t_tx_s``, ``e_local_j``, ``e_tx_j``,
    ``ec_j``, ``em_j`` (004 eqs. 1-2; for 000 ``ec_j`` is the CPU energy and ``em_j`` 0),
    ``payload_bits``, ``rate_bps`` (actual), ``violation``, ``cut_name``, ``co2_kg``,
    ``p_tx_actual_w``, ``p_tx_pred_w``, ``tolerance_s``, ``action_mask`` (bool, what the
    agent knows), ``played_action``, ``slot_s``, ``elapsed_s``, ``task_id``,
    ``task_switched``, ``seq_idx``. ``action_masks()`` serves sb3-contrib's MaskablePPO.

    ## Starting State

    ``reset(seed)`` draws the episode: 000 the afternoon of the task's day (a test day:
    doy % 5 == 0), a tolerance per step ~ U[tolerance_min_s, tolerance_max_s] (or fixed by
    ``reset(options={"tolerance_s": s})``), optional Ka fading; 004 the fading of every
    inference along the task's trajectory. Options: ``task``, ``tolerance_s`` (000),
    ``day_of_year`` (000; shorthand for that day's task).

    ## Episode End

    Truncated after ``episode_steps`` inferences (000: 36; 004: 60); never terminated.

    ## Non-stationarity / tasks

    Task = a TST afternoon (day of year) or a client trajectory (waypoints). Scenario
    ``paper``: 000 a fresh test day each episode, 004 the paper's P1..P6; ``resample``: a new
    sampled task every ``task_interval`` episodes (004: random 6-waypoint trajectories in
    [-150, 150]^2 m). ``sample_tasks``, ``set_task``, ``get_task``, ``task_set``.

    ## Arguments

    ``gym.make(id, preset="004", bandwidth_hz=15e6)`` or ``gym.make(id, config=cfg)``.
    ``None`` defaults take the preset's value (Table I of the paper).

    {arguments_table}

    ## Examples

    >>> import gymnasium as gym, leo_envs
    >>> env = gym.make("leo_envs/SplitInference-v0", preset="004", bandwidth_hz=15e6)
    >>> obs, info = env.reset(seed=0)
    >>> obs.shape, env.action_space, env.unwrapped.action_names[:3]
    ((10,), Discrete(13), ('conv1', 'pool1', 'conv2'))
    >>> plan = env.unwrapped.instance().opt_actions()   # exact per-step optimum (OPT)
    >>> obs, reward, terminated, truncated, info = env.step(plan[0])
    >>> info["cut_name"] in env.unwrapped.action_names, info["energy_j"] > 0, reward < 0
    (True, True, True)
    >>> tst = gym.make("leo_envs/SplitInference-v0")   # preset "000": the TST afternoon
    >>> obs, info = tst.reset(seed=0, options={"tolerance_s": 0.0})
    >>> info["action_mask"].tolist()   # nothing can be uploaded in 0 s: all-local only
    [True, False, False, False, False]

    ## Offline planning

    ``instance()`` returns the episode's exogenous data (actual and predicted power, gains,
    tolerances, positions) and the [T, n] cost table. No state couples steps, so the
    per-step argmin over the actually-feasible actions is the exact optimum (OPT); in the
    papers' information modes it equals Alg. 1 (000) and PS (004).

    ## Version History

    * v0: initial version.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["ansi", "rgb_array"], "render_fps": 4}

    def __init__(
        self,
        config: SplitInferenceConfig | None = None,
        render_mode: str | None = None,
        **overrides: Any,
    ) -> None:
        self.config = SplitInferenceConfig.resolve(config, overrides)
        self.render_mode = check_render_mode(render_mode, self.metadata["render_modes"])
        cfg = self.config
        profile = cached_profile(cfg.profile)
        if cfg.preset == "000":
            accuracy = profile.metrics.get("accuracy", float("nan"))
            if not accuracy > cfg.min_accuracy:
                raise ValueError(
                    f"profile {cfg.profile!r} has accuracy {accuracy:.4f} <= min_accuracy "
                    f"{cfg.min_accuracy}: Alg. 1 would not deploy it (lower min_accuracy)"
                )
        self.profile = profile
        self.task_class = si_tasks.TASK_CLASSES[cfg.preset]
        self.action_names = action_names(cfg)
        self._n_actions = n_actions(cfg)
        self.action_space = spaces.Discrete(self._n_actions)
        self.observation_space = spaces.Box(OBS_LOW, OBS_HIGH, dtype=np.float32)
        self.obs_labels = OBS_LABELS
        self.slot_s = SLOT_S_000 if cfg.preset == "000" else 0.0
        scenario = si_tasks.SCENARIOS.get(cfg.scenario)
        self._schedule = TaskSchedule(cfg.task_interval, functools.partial(scenario.next_task, cfg))
        self._table: EpisodeTable | None = None
        self._n_steps = 0
        self._task_info: dict[str, Any] = {}
        self._t = 0
        self._objective = 0.0
        self._last: dict[str, Any] | None = None
        self._task_switched = False

    # ------------------------------------------------------------------ task API hooks
    def _draw_tasks(self, n: int, rng: np.random.Generator) -> list[si_tasks.SplitInferenceTask]:
        return [si_tasks.sample_task(self.config, rng) for _ in range(n)]

    def _initial_task(self, rng: np.random.Generator) -> si_tasks.SplitInferenceTask:
        return si_tasks.initial_task(self.config, rng)

    # ------------------------------------------------------------------ Gymnasium API
    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[NDArray[np.float32], dict[str, Any]]:
        if options is not None and not isinstance(options, dict):
            raise TypeError(f"reset options must be a dict, got {type(options).__name__}")
        options = dict(options or {})
        unknown = set(options) - set(RESET_OPTIONS)
        if unknown:
            raise ValueError(
                f"reset options may only contain {RESET_OPTIONS}, got {sorted(unknown)}"
            )
        tolerance = self._tolerance_option(options.pop("tolerance_s", None))
        if "day_of_year" in options:
            if self.config.preset != "000":
                raise ValueError("reset option 'day_of_year' exists for preset '000' only")
            day = options.pop("day_of_year")
            if isinstance(day, bool) or not isinstance(day, (int, np.integer)):
                raise TypeError(f"day_of_year must be an integer, got {day!r}")
            options["task"] = si_tasks.tst_task(
                int(day), (self.config.tolerance_min_s, self.config.tolerance_max_s)
            )
        task_option = self._task_option(options)  # validated before any state changes
        new_sequence = seed is not None or not self._schedule.started
        super().reset(seed=seed)
        self._task_switched = self._reset_task(new_sequence, task_option)
        task = self._schedule.task
        rng = self.np_random
        if self.config.preset == "000":
            cfg, index = self.config, si_tasks.day_index(task.day_of_year)
            day = (
                tst_day(cfg, tst_exogenous(cfg, index, rng))
                if cfg.ka_fading
                else (cached_tst_day(cfg, index))
            )
            self._table = build_table_000(cfg, day, draw_tolerances(cfg, task, rng, tolerance))
        else:
            ex = client_exogenous(self.config, task.waypoints_m, rng)
            self._table = build_table_004(self.config, ex)
        table = self._table
        # per-step rows of everything ``step`` reports, so a step is one row lookup
        self._per_action = np.concatenate((table.cost[:, None, :], table.static_stack), axis=1)
        self._per_step = np.column_stack(
            [table.rate_bps, table.tx_power_w, table.tx_power_pred_w,
             np.minimum(table.tolerance_s, 1e9)]
        )  # fmt: skip
        self._payload = table.payload_bits.tolist()
        self._masks = table.mask.copy()  # private copy: callers get read-only row views
        self._n_steps = table.cost.shape[0]
        self._task_info = self._schedule.info_fields()
        self._t = 0
        self._objective = 0.0
        self._last = None
        info = {
            "action_mask": self.action_masks(),
            "objective": 0.0,
            "slot_s": self.slot_s,
            "elapsed_s": 0.0,
            **self._task_info,
            "task_switched": self._task_switched,
        }
        return self._table.obs[0].copy(), info

    def _tolerance_option(self, value: Any) -> float | None:
        if value is None:
            return None
        if self.config.preset != "000":
            raise ValueError("reset option 'tolerance_s' exists for preset '000' only")
        if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)):
            raise TypeError(f"tolerance_s must be a number, got {value!r}")
        if not np.isfinite(value) or not 0.0 <= value <= 100.0:
            raise ValueError(f"tolerance_s must lie in [0, 100] s, got {value!r}")
        return float(value)

    def step(self, action: Any) -> tuple[NDArray[np.float32], float, bool, bool, dict[str, Any]]:
        table = self._table
        if table is None:
            raise RuntimeError("call reset() before step()")
        n_steps = self._n_steps
        if self._t >= n_steps:
            raise RuntimeError("the episode has ended: call reset()")
        a = self._validate_action(action)
        t = self._t
        violation = not table.feasible[t, a]
        played = table.fallback if (violation and table.fallback >= 0) else a
        cost, raw, t_loc, t_rem, t_prop, t_tx, ec, em, e_tx = self._per_action[
            t, :, played
        ].tolist()
        rate, p_act, p_pred, tol = self._per_step[t].tolist()
        self._objective += cost
        self._t = t + 1
        obs = table.obs[min(self._t, n_steps - 1)].copy()
        energy = ec + em + e_tx
        info = {
            "objective": self._objective,
            "cost": cost,
            "raw_cost": raw,
            "energy_j": energy,
            "delay_s": t_loc + t_rem + t_prop + t_tx,
            "t_local_s": t_loc,
            "t_remote_s": t_rem,
            "t_prop_s": t_prop,
            "t_tx_s": t_tx,
            "e_j": energy,
            "e_local_j": ec + em,
            "e_tx_j": e_tx,
            "ec_j": ec,
            "em_j": em,
            "payload_bits": self._payload[played],
            "rate_bps": rate,
            "violation": bool(violation),
            "cut_name": table.cut_names[played],
            "co2_kg": energy / 3.6e6 * self.config.carbon_intensity,
            "p_tx_actual_w": p_act,
            "p_tx_pred_w": p_pred,
            "tolerance_s": tol,
            "played_action": played,
            "action_mask": self.action_masks(),
            "slot_s": self.slot_s,
            "elapsed_s": self._t * self.slot_s,
            **self._task_info,
            "task_switched": self._task_switched and t == 0,
        }
        self._last = {"action": a, "played": played, "info": info}
        return obs, -cost, False, self._t >= n_steps, info

    def _validate_action(self, action: Any) -> int:
        n = self._n_actions
        if type(action) in (int, np.int64) and 0 <= action < n:  # fast path
            return int(action)
        arr = np.asarray(action)
        if arr.shape != () or arr.dtype.kind not in "iu":
            if arr.shape == () and arr.dtype.kind == "f" and float(arr) == round(float(arr)):
                arr = arr.astype(np.int64)
            else:
                raise ValueError(f"action must be an integer in [0, {n - 1}], got {action!r}")
        a = int(arr)
        if not 0 <= a < n:
            raise ValueError(f"action must be an integer in [0, {n - 1}], got {a}")
        return a

    def action_masks(self) -> NDArray[np.bool_]:
        """Actions allowed at the current step (read-only bool array), for MaskablePPO."""
        if self._table is None:
            raise RuntimeError("call reset() before action_masks()")
        return read_only(self._masks[min(self._t, self._n_steps - 1)])

    # ------------------------------------------------------------------ planning / render
    def instance(self) -> SplitInferenceInstance:
        """The current episode's offline problem (see ``SplitInferenceInstance``)."""
        if self._table is None:
            raise RuntimeError("call reset() before instance()")
        return SplitInferenceInstance.from_table(self.config, self._table)

    def _frame(self) -> SplitFrame:
        table = self._table
        if table is None:
            raise RuntimeError("call reset() before render()")
        last = self._last
        return SplitFrame(
            preset=self.config.preset,
            step=self._t,
            n_steps=table.cost.shape[0],
            cut_names=table.cut_names,
            action=None if last is None else last["action"],
            played=None if last is None else last["played"],
            cost=None if last is None else last["info"]["cost"],
            objective=self._objective,
            violation=bool(last["info"]["violation"]) if last else False,
            costs_now=table.cost[max(self._t - 1, 0)].copy(),
            mask_now=table.mask[max(self._t - 1, 0)].copy(),
            positions_m=table.positions_m.copy(),
            tx_power_w=table.tx_power_w.copy(),
            tx_power_pred_w=table.tx_power_pred_w.copy(),
        )

    def render(self) -> str | NDArray[np.uint8] | None:
        if self.render_mode is None:
            gym.logger.warn("render() called without a render_mode; pass render_mode='ansi'")
            return None
        frame = self._frame()
        return render_ansi(frame) if self.render_mode == "ansi" else render_rgb(frame)


OBSERVATION_ROWS = (
    ("log10_rate_bps", "[0, 13]", "log10 of the uplink rate known at decision time (b/s)"),
    ("snr_db", "[-100, 100]", "receive SNR known at decision time (dB)"),
    (
        "tx_power_w",
        "[0, 1e4]",
        "000: TST power p_b (W; last measured if predicted); 004: P",
    ),
    ("tx_power_pred_w", "[0, 1e4]", "000: forecast of p_b (W); 004: P"),
    ("tolerance_s", "[0, 100]", "000: service-interruption tolerance of this step (s); 004: 0"),
    ("log10_bandwidth_hz", "[0, 13]", "log10 of the uplink bandwidth (Hz)"),
    ("soc", "[0, 1]", "000: TST battery state of charge; 004: 0"),
    ("tod_sin", "[-1, 1]", "000: sin(2 pi hour / 24); 004: 0"),
    ("tod_cos", "[-1, 1]", "000: cos(2 pi hour / 24); 004: 0"),
    ("progress", "[0, 1]", "step / episode_steps"),
)
fill_card(SplitInferenceEnv, SplitInferenceConfig, OBSERVATION_ROWS)
