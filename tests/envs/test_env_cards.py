"""Env cards: generated tables are filled in and every card's Examples run as doctests."""

from __future__ import annotations

import dataclasses
import doctest

import gymnasium as gym
import pytest

from leo_envs.registration import ENV_SPECS


def _env_class(env_id: str) -> type:
    return type(gym.make(env_id, **ENV_SPECS[env_id]["test_kwargs"]).unwrapped)


@pytest.mark.parametrize("env_id", sorted(ENV_SPECS))
def test_card_has_the_sections_and_generated_tables(env_id):
    env = gym.make(env_id, **ENV_SPECS[env_id]["test_kwargs"]).unwrapped
    doc = type(env).__doc__
    for section in (
        "## Description",
        "## Action Space",
        "## Observation Space",
        "## Rewards",
        "## Arguments",
        "## Examples",
        "## Version History",
    ):
        assert section in doc, section
    assert "{observation_table}" not in doc and "{arguments_table}" not in doc
    for field in dataclasses.fields(env.config):
        assert f"| `{field.name}` |" in doc, f"{field.name} missing from the arguments table"
    assert "| feature | range | meaning |" in doc


@pytest.mark.parametrize("env_id", sorted(ENV_SPECS))
def test_card_examples_run(env_id):
    cls = _env_class(env_id)
    finder = doctest.DocTestFinder(recurse=False)
    tests = finder.find(cls, cls.__name__, globs={})
    examples = [t for t in tests if t.examples]
    assert examples, f"{cls.__name__}'s card has no runnable Examples"
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    for test in examples:
        runner.run(test)
    assert runner.tries >= 3 and runner.failures == 0
