"""Shared test setup: registering the env ids once for every test module."""

import os

import leo_envs  # noqa: F401  (registers the environment ids)

os.environ.setdefault("LEO_ENVS_SMOKE", "1")
