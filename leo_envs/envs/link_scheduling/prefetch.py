"""Episodes of one env drawn ahead in blocks, so a reset costs a row lookup.

Sampling an episode (fading paths, demands, observation and mask tables, received powers)
is a few dozen numpy calls whatever the batch size, which would dominate a single env's
reset if done one episode at a time. ``EpisodePrefetcher`` does it for a block of upcoming
episodes of the same task at once and hands them out one by one.

Episode n of a seeding is always words [n W, (n + 1) W) of the episode stream
(``tasks.episode_stream``), whatever the block size: words of episodes drawn ahead but not
played (because the task changed first) are kept and used by the next episodes. So the
episodes are the same as when drawn one at a time, which is what the batched env does.
"""

from __future__ import annotations

import numpy as np

from leo_envs.envs.link_scheduling import tasks as ls_tasks
from leo_envs.envs.link_scheduling.dynamics import EpisodeBatch, LinkDynamics
from leo_envs.envs.link_scheduling.episode import SingleEpisode

MAX_BLOCK_LINKS = 131_072  # links (slots x transmitters x devices) drawn ahead: ~5 MB


class EpisodePrefetcher:
    """Draws a single env's episodes from ``stream`` ahead, up to ``max_block`` at once."""

    def __init__(
        self, dynamics: LinkDynamics, stream: np.random.BitGenerator, max_block: int | None = None
    ) -> None:
        self.dynamics = dynamics
        self.stream = stream
        if max_block is None:  # 32 episodes at the default size, fewer for big ones
            cfg = dynamics.config
            links = cfg.n_slots * len(dynamics.tx_power_w) * cfg.max_devices
            max_block = max(1, min(32, MAX_BLOCK_LINKS // links))
        self.max_block = max_block
        self._block_size = max_block
        self._pending = np.zeros((0, ls_tasks.words_per_episode(dynamics.config)), np.uint64)
        self._task: ls_tasks.LinkSchedulingTask | None = None
        self._words = self._pending
        self._next = 0
        self._block: EpisodeBatch | None = None

    def next_episode(self, task: ls_tasks.LinkSchedulingTask, horizon: int | None) -> SingleEpisode:
        """The next episode, of ``task``. ``horizon``: how many episodes of this task (this
        one included) will be asked for before the task may change (None: no limit); no
        more than that are drawn ahead."""
        if self._block is None or task is not self._task or self._next >= len(self._words):
            self._draw_block(task, horizon)
        row = self._next
        self._next += 1
        return SingleEpisode(
            self.dynamics,
            self._block,
            row,
            self._observations[row],
            self._masks[row],
            self._received_w[row],
            demand=self._demand[row],
            weight=self._weight,
            threshold=self._threshold[row],
            eligible=self._eligible,
            n_present=self._n_present[row],
            weighted_demand=self._weighted_demand[row],
        )

    def _draw_block(self, task: ls_tasks.LinkSchedulingTask, horizon: int | None) -> None:
        unplayed = self._words[self._next :]
        if len(unplayed):  # the task changed early: draw fewer ahead next time
            self._block_size = max(1, self._block_size // 2)
        elif self._block is not None:
            self._block_size = min(self.max_block, self._block_size * 2)
        pending = np.concatenate([unplayed, self._pending])
        size = self._block_size if horizon is None else max(1, min(self._block_size, horizon))
        if len(pending) < size:
            fresh = ls_tasks.episode_words(self.dynamics.config, self.stream, size - len(pending))
            pending = np.concatenate([pending, fresh])
        self._words, self._pending = pending[:size], pending[size:]
        dynamics = self.dynamics
        block = dynamics.task_batch(task, size)
        dynamics.load(block, np.arange(size), block.tasks, self._words)
        self._observations = dynamics.episode_observations(block)
        self._masks = dynamics.episode_masks(block)
        self._received_w = dynamics.received_power_w(block)
        self._demand, self._threshold = block.demand.tolist(), block.threshold.tolist()
        self._weight, self._eligible = task.weight.tolist(), task.eligible.tolist()
        self._n_present = block.n_present.tolist()
        self._weighted_demand = block.weighted_demand.tolist()
        self._block, self._task, self._next = block, task, 0
