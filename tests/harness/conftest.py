"""Fixtures of the harness tests: the toy env and policies live next to this file."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
# pytest's rootdir-relative import already puts this folder on sys.path; make sure of it for
# other import modes, since spawned workers inherit sys.path and import `toy_env` from it.
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import toy_env  # noqa: E402  (registers harness_toy/Toy-v0)


@pytest.fixture
def toy_id() -> str:
    return toy_env.ENV_ID
