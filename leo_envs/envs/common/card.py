"""Env cards: the class docstring of every env is its documentation (``help(env)``).

Tables that would drift from the code are generated from it: the observation table from
the env's feature list and the arguments table from the config fields' docstrings. An env
writes ``{observation_table}`` and ``{arguments_table}`` in its docstring and calls
``fill_card`` after the class statement. Its ``## Examples`` section is run by the tests.
"""

from __future__ import annotations

from collections.abc import Sequence

from leo_envs.envs.common.config import arguments_table


def observation_table(rows: Sequence[tuple[str, str, str]]) -> str:
    """Markdown table of observation features: (name, range, meaning) rows."""
    lines = ["| feature | range | meaning |", "|---|---|---|"]
    lines += [f"| `{name}` | {bounds} | {meaning} |" for name, bounds, meaning in rows]
    return "\n".join(lines)


def fill_card(env_cls: type, config_cls: type, observation_rows: Sequence[tuple[str, str, str]]):
    """Replace the card's table placeholders (indented like the docstring)."""
    doc = env_cls.__doc__ or ""
    indent = "    "
    tables = {
        "{observation_table}": observation_table(observation_rows),
        "{arguments_table}": arguments_table(config_cls),
    }
    for marker, table in tables.items():
        doc = doc.replace(marker, table.replace("\n", "\n" + indent))
    env_cls.__doc__ = doc
    return env_cls
