"""The FSMC paths every LinkScheduling-v0 episode is drawn from, pinned."""

from __future__ import annotations

import hashlib

import numpy as np

from leo_envs.envs.link_scheduling import tasks as ls_tasks
from leo_envs.envs.link_scheduling.config import LinkSchedulingConfig

LEVELS_SHA256 = "2684e67e83b23c2cb84035b2a47192bb8dfd9826528ee077f95351c13dfd7abc"


def test_fading_paths_for_fixed_uniforms_are_pinned():
    """A refactor of the sampler must not change an episode: the digest of the level paths
    for fixed uniforms is the one the original numpy implementation printed."""
    config = LinkSchedulingConfig()
    uniforms = np.random.default_rng(7).integers(0, 2**16, size=(3, 10, 4, 50), dtype=np.uint16)
    levels, log_gain = ls_tasks.fading_paths(config, uniforms)
    assert hashlib.sha256(levels.tobytes()).hexdigest() == LEVELS_SHA256
    feature = ls_tasks.level_tables(config)[1]  # [J, L] log10 gain of each level
    np.testing.assert_array_equal(log_gain, feature[np.arange(4)[:, None], levels])
    # leading axes are independent paths: one at a time gives the same levels
    np.testing.assert_array_equal(ls_tasks.fading_paths(config, uniforms[1])[0], levels[1])
