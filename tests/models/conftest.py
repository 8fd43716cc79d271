"""Shared fixtures of the orbit-model tests."""

from __future__ import annotations

from datetime import datetime

import pytest

from leo_envs.models.shells import starlink_shell1
from leo_envs.models.tle import Constellation

#: Epoch of the shipped Starlink excerpt (tests/data/starlink_excerpt.tle), 2020-05-07.
EPOCH = datetime(2020, 5, 7, 0, 0, 0)


@pytest.fixture(scope="session")
def shell1() -> Constellation:
    """Starlink shell 1 (72 x 22 = 1584 satellites) at ``EPOCH``, built once per session."""
    return starlink_shell1(EPOCH)
