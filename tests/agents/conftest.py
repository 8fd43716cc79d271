"""Fixtures of the agent tests: one torch thread; helpers live in agent_helpers.py."""

import sys
from pathlib import Path

import pytest
import torch

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)
