"""RelayOffloading-v0: LEOEdge's satellite -> ground AI-inference offloading (paper 001)."""

from __future__ import annotations

import functools
import textwrap
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from leo_envs.envs.common.config import arguments_table
from leo_envs.envs.common.render import check_render_mode
from leo_envs.envs.common.task_api import TaskEnvMixin
from leo_envs.envs.relay_offloading import actions, timing
from leo_envs.envs.relay_offloading import tasks as relay_tasks
from leo_envs.envs.relay_offloading.config import RelayOffloadingConfig
from leo_envs.envs.relay_offloading.core import PLACEMENTS, Candidates, RelaySimulator
from leo_envs.envs.relay_offloading.episode import draw_episode, task_geometry
from leo_envs.envs.relay_offloading.instance import RelayInstance, build_instance
from leo_envs.envs.relay_offloading.observation import obs_dim, observe
from leo_envs.envs.relay_offloading.render import RelayFrame, frame_of, render_ansi, render_rgb
from leo_envs.tasks import TaskSchedule


class RelayOffloadingEnv(TaskEnvMixin, gym.Env):
    """Satellites offloading AI inference to a ground edge cluster, directly or via ISL relays.

    **Description.** LEOEdge (Yao et al., IEEE JSAC 43(1), 2025): ``n_agents`` satellites of a
    real sgp4-propagated shell (default Starlink shell 1) generate inference tasks (Poisson,
    light / normal / heavy). Each task runs on board (Tables II-III processors and models, with
    or without adaptive modelling) or goes to a ground station (Miyun) whose load balancer
    places it on one of 3 servers x 4 FIFO containers, sent directly or through a +Grid
    neighbour (Alg. 4, seamless relay). Windows come from real passes (elevation mask), ISLs
    from line of sight. A transfer that does not finish inside its window fails and the task
    falls back to local execution after the wasted air time (``placement == "failed"``).
    It is a discrete-event simulator: **one step = one decision for the next generated task**;
    simulated time is ``info["sim_time_s"]``.

    **Action Space** (``action_mode``): ``offload`` Discrete(2) {local, offload}; ``route``
    Discrete(2 + 4) {local, direct, relay fore/aft/east/west}; ``route_place``
    Discrete(1 + 5 O) path x container. ``info["action_mask"]`` marks Alg. 4-feasible choices;
    an infeasible one is played as local (``info["played_action"]``). Actions outside the space
    raise ``ValueError`` and leave the state unchanged.

    **Observation Space.** Box(0, 1, (37 + O,), float32): task, origin satellite (latency,
    accuracy, loads, T_a(i), direct estimate), 4 relay candidates (ISL, busy, T_a(j), d'_j,
    plane, feasible), the edge loads last known by the satellite and their age, and time (see
    ``observation.py`` for the layout).

    **Rewards.** The realised offloading advantage of eq. (2), net of eq. (6)'s load bound:
    ``alpha (c_loc - c_real) / c_ref + (1 - alpha)(a_real - a_i) / a_ref - kappa 1[L_o > P]``
    where c_loc is the counterfactual on-board completion time; 0 for local execution.

    **Starting State.** ``reset(seed)`` draws t0 within +-``epoch_offset_max_s`` of the shell
    epoch, picks the agents (first passes starting at or after t0 - 5 min), draws processors,
    models, arrivals, Case I flags, service times and background loads.

    **Episode End.** Truncation after the last task arriving before ``episode_s``; never
    terminated. ``info["episode"]`` then holds latency by placement, counts, violations, the
    1-s workload series (O containers + their mean) and messages per layer pair.

    **Non-stationarity / tasks.** A task (``tasks.RelayOffloadingTask``) fixes the arrival
    case, t0 (hence the geometry) and the ground-station site; ``scenario`` light / normal /
    heavy redraws t0 every ``update_interval`` episodes, ``mixed`` redraws the case too.
    ``sample_tasks``, ``set_task``, ``task_set("train" | "test")`` as in every leo-envs env;
    ``info`` carries ``task_id``, ``task_switched``, ``seq_idx``.

    **Arguments.** :class:`RelayOffloadingConfig` (``gym.make(id, config=cfg)`` or keyword
    overrides; table below). Switches ``delay_model="paper_literal"`` and
    ``relay_window="paper_literal"`` reproduce the printed (erroneous) forms.

    **Offline planning.** :meth:`instance` returns the episode's arrivals, draws, windows and
    ISL states (:class:`RelayInstance`).

    **Version History.** v0: initial release.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["ansi", "rgb_array"], "render_fps": 4}

    def __init__(
        self,
        config: RelayOffloadingConfig | None = None,
        render_mode: str | None = None,
        **overrides: Any,
    ) -> None:
        self.render_mode = check_render_mode(render_mode, self.metadata["render_modes"])
        self.config = RelayOffloadingConfig.resolve(config, overrides)
        self._schedule = TaskSchedule(
            self.config.update_interval,
            functools.partial(
                relay_tasks.SCENARIOS.get(self.config.scenario).next_task, self.config
            ),
        )
        o = self._n_containers = self.config.n_containers
        self._n_actions = actions.n_actions(self.config.action_mode, o)
        self.action_space = spaces.Discrete(self._n_actions)
        self.observation_space = spaces.Box(0.0, 1.0, (obs_dim(o),), dtype=np.float32)
        self.sim: RelaySimulator | None = None
        self._k = 0
        self._cand: Candidates | None = None
        self._obs: np.ndarray | None = None
        self._links: list[tuple[int, int]] = []
        self._last_placement = "none"

    # ------------------------------------------------------------------ gym API
    def reset(self, *, seed: int | None = None, options: dict | None = None):
        task_option = self._task_option(options)  # validated before any state changes
        new_sequence = seed is not None or not self._schedule.started
        super().reset(seed=seed)
        self._task_switched = self._reset_task(new_sequence, task_option)
        cfg, task = self.config, self._schedule.task
        geometry = task_geometry(cfg, task)
        data = draw_episode(cfg, task, cfg.n_agents, self.np_random)
        self.sim = RelaySimulator(cfg, geometry, data)
        self._k = 0
        self._links = []
        self._last_placement = "none"
        self._prepare()
        info = self._decision_info()
        info["task_switched"] = self._task_switched
        return self._obs.copy(), info

    def step(self, action):
        if self.sim is None:
            raise RuntimeError("call reset() before step()")
        if self._k >= self.sim.data.n_tasks:
            raise RuntimeError("episode is over (truncated); call reset()")
        a = self._check_action(action)
        cfg, sim, cand = self.config, self.sim, self._cand
        path, container, played = actions.decode(cfg.action_mode, a, cand, self._n_containers)
        out = sim.apply(self._k, cand, path, container)
        if out.placement == 2:
            k = path - timing.PATH_RELAY0
            self._links = [(cand.agent, int(sim.geometry.candidates[cand.agent, k]))]
        self._last_placement = PLACEMENTS[out.placement]
        self._k += 1
        self._task_switched = False
        truncated = self._k >= sim.data.n_tasks
        if not truncated:
            self._prepare()
        info = self._decision_info() if not truncated else self._final_info()
        info.update(
            played_action=played,
            delay_s=out.latency_s,
            latency_s=out.latency_s,
            accuracy=out.accuracy,
            placement=PLACEMENTS[out.placement],
            relay_id=out.relay,
            container=out.container,
            violation=out.violation,
            objective=out.reward,
        )
        return self._obs.copy(), float(out.reward), False, truncated, info

    def _check_action(self, action) -> int:
        n = self._n_actions
        if type(action) is int or isinstance(action, np.integer):  # fast path
            if 0 <= action < n:
                return int(action)
        elif not isinstance(action, bool | np.bool_):
            try:
                a = int(action)
            except (TypeError, ValueError):
                a = None
            if a is not None and np.ndim(action) == 0 and a == action and 0 <= a < n:
                return a
        raise ValueError(f"action must be an integer in [0, {n - 1}], got {action!r}")

    def _prepare(self) -> None:
        sim = self.sim
        t = float(sim.data.arrival_s[self._k])
        self._cand = sim.candidates(self._k, t)
        self._obs = observe(sim, self._k, self._cand)

    def _decision_info(self) -> dict[str, Any]:
        sim, cand, cfg = self.sim, self._cand, self.config
        edge = sim.cluster.load_at(cand.t_s)
        mask = actions.action_mask(cfg.action_mode, cand.feasible, self._n_containers)
        return {
            **self._schedule.info_fields(),
            "sim_time_s": cand.t_s,
            "elapsed_s": cand.t_s,
            "agent": cand.agent,
            "action_mask": mask,
            "alg4_path": cand.path,
            "local_latency_s": cand.local_latency_s,
            "image_latency_s": cand.image_latency_s,
            "path_delay_s": sim.path_delay_vector(cand).copy(),
            "feasible_paths": cand.feasible.copy(),
            "edge_load": edge,
            "edge_backlog_s": sim.cluster.backlog_s(cand.t_s),
            "cluster_load": float(edge.sum()) / edge.size,
            "messages": sim.messages.as_dict(),
        }

    def _final_info(self) -> dict[str, Any]:
        sim = self.sim
        t = float(sim.data.arrival_s[-1])
        edge = sim.cluster.load_at(t)
        return {
            **self._schedule.info_fields(),
            "sim_time_s": t,
            "elapsed_s": t,
            "action_mask": np.ones(self.action_space.n, dtype=bool),
            "edge_load": edge,
            "cluster_load": float(edge.mean()),
            "messages": sim.messages.as_dict(),
            "episode": sim.episode_summary(),
        }

    # ------------------------------------------------------------------ tasks
    task_class = relay_tasks.RelayOffloadingTask

    def _draw_tasks(self, n: int, rng: np.random.Generator) -> list:
        return relay_tasks.sample_tasks(self.config, n, rng)

    def _initial_task(self, rng: np.random.Generator):
        return relay_tasks.first_task(self.config, rng)

    def check_task(self, task: object) -> relay_tasks.RelayOffloadingTask:
        """``task`` if it is a valid task for this env's config, else TypeError/ValueError."""
        if not isinstance(task, relay_tasks.RelayOffloadingTask):
            raise TypeError(
                f"task must be a RelayOffloadingTask (from sample_tasks or task_set), "
                f"got {type(task).__name__}"
            )
        task.validate(self.config)
        return task

    def action_masks(self) -> np.ndarray:
        """Boolean mask of the valid actions now (for sb3-contrib's MaskablePPO)."""
        if self.sim is None or self._cand is None:
            raise RuntimeError("call reset() before action_masks()")
        if self._k >= self.sim.data.n_tasks:
            return np.ones(self.action_space.n, dtype=bool)
        return actions.action_mask(self.config.action_mode, self._cand.feasible, self._n_containers)

    # ------------------------------------------------------------------ extras
    def count_messages(self, kind: str, n: int = 1) -> None:
        """Policies report their control messages here (spec A9)."""
        if self.sim is None:
            raise RuntimeError("call reset() before count_messages()")
        self.sim.messages.add(kind, n)

    def refresh_edge_state(self, n_messages: int = 1) -> np.ndarray:
        """The deciding satellite asks the LBS for the loads (counted as sat<->LBS messages);
        returns the current per-container loads."""
        if self.sim is None:
            raise RuntimeError("call reset() before refresh_edge_state()")
        self.sim.refresh_edge_state(self._cand.agent, self._cand.t_s, n_messages)
        return self.sim.known_load[self._cand.agent].copy()

    def instance(self) -> RelayInstance:
        """The episode's offline problem (arrivals, draws, windows, ISL states)."""
        if self.sim is None:
            raise RuntimeError("call reset() before instance()")
        return build_instance(self.sim)

    def render(self):
        if self.render_mode is None or self.sim is None:
            return None
        frame = self._frame()
        return render_ansi(frame) if self.render_mode == "ansi" else render_rgb(frame)

    def _frame(self) -> RelayFrame:
        sim = self.sim
        t = float(sim.data.arrival_s[min(self._k, sim.data.n_tasks - 1)])
        return frame_of(sim, t, tuple(self._links), self._last_placement)


RelayOffloadingEnv.__doc__ = (
    (RelayOffloadingEnv.__doc__ or "")
    + "\n"
    + textwrap.indent(arguments_table(RelayOffloadingConfig), "    ")
)
