"""Fixtures of the harness tests: the toy env and policies live next to this file."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import gymnasium as gym
import pytest

HERE = Path(__file__).resolve().parent
# pytest's rootdir-relative import already puts this folder on sys.path; make sure of it for
# other import modes: spawned workers inherit sys.path (Ray workers get it from the sweep)
# and import `toy_env` / `toy_policies` from it.
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))


@pytest.fixture(scope="session")
def toy_id() -> Iterator[str]:
    """The toy env's id with its module prefix (``toy_env:harness_toy/Toy-v0``): gym.make
    imports the module, which registers the env, in this process and in workers alike.
    The registration is removed at the end of the session so that tests iterating over
    the registry do not see it."""
    import toy_env

    yield toy_env.ENV_ID
    gym.registry.pop(toy_env.ENV_NAME, None)
