"""Config scaffolding shared by every env family.

Each family's config is a frozen dataclass subclassing ``EnvConfig``; its fields carry
attribute docstrings (a string literal on the line after the field) that the env card's
arguments table is generated from (``arguments_table``). ``__post_init__`` checks every
field with the helpers here, so a bad value is a ``TypeError`` (wrong type, None) or a
``ValueError`` (NaN, infinite, out of range) naming the field and the allowed range.
Integer fields accept Python and numpy integers and reject floats (even integral ones);
float fields accept any real number and are stored as Python floats.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import math
import numbers
import textwrap
from collections.abc import Iterable
from functools import cache
from typing import Any, TypeVar

import numpy as np

ConfigT = TypeVar("ConfigT", bound="EnvConfig")

MEMORY_CAP_BYTES = 2 * 1024**3  # one env's episode tables; larger configs are rejected


class EnvConfig:
    """Mixin of every env config (a frozen dataclass): overrides, dicts, docs."""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_overrides(
        cls: type[ConfigT], base: ConfigT | None = None, **overrides: Any
    ) -> ConfigT:
        """A config from keyword overrides of ``base`` (default: the defaults); unknown names
        raise ``TypeError`` listing the valid ones."""
        valid = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
        unknown = sorted(set(overrides) - set(valid))
        if unknown:
            raise TypeError(
                f"unknown {cls.__name__} parameter(s) {unknown}; valid: {sorted(valid)}"
            )
        values = (base if base is not None else cls()).to_dict()
        values.update(overrides)
        return cls(**values)

    @classmethod
    def resolve(cls: type[ConfigT], config: Any, overrides: dict[str, Any]) -> ConfigT:
        """``gym.make(id, config=cfg)`` and ``gym.make(id, **overrides)`` both work (and
        together: the overrides apply on top of ``cfg``)."""
        if config is not None and not isinstance(config, cls):
            raise TypeError(f"config must be a {cls.__name__}, got {type(config).__name__}")
        return cls.from_overrides(config, **overrides)

    def _set(self, name: str, value: Any) -> None:
        """Normalise a field of the frozen dataclass (e.g. numpy int -> int)."""
        object.__setattr__(self, name, value)

    def check_fields(self, ranges: dict[str, tuple]) -> None:
        """Check and normalise fields by type: ``{name: (low, high)}`` for numbers (int
        fields by their default's type), ``{name: (choices,)}`` for strings/choices."""
        for field in dataclasses.fields(self):  # type: ignore[arg-type]
            if field.name not in ranges:
                continue
            spec, value = ranges[field.name], getattr(self, field.name)
            if isinstance(field.default, bool):
                self._set(field.name, check_bool(field.name, value))
            elif isinstance(field.default, int):
                self._set(field.name, check_int(field.name, value, *spec))
            elif isinstance(field.default, float):
                self._set(field.name, check_float(field.name, value, *spec))
            else:
                check_choice(field.name, value, spec[0])


def _range_text(low: float, high: float, low_open: bool = False, high_open: bool = False) -> str:
    return f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"


#: Most sub-envs a native vector env accepts (``num_envs``): a bound, so a typo fails fast.
MAX_VECTOR_ENVS = 1 << 20


def check_int(name: str, value: Any, low: int, high: int) -> int:
    """``value`` as an int in [low, high], else TypeError/ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{name} must be an integer in [{low}, {high}], got {value!r} ({type(value).__name__})"
        )
    value = int(value)
    if not low <= value <= high:
        raise ValueError(f"{name} must be an integer in [{low}, {high}], got {value}")
    return value


def check_float(
    name: str,
    value: Any,
    low: float,
    high: float,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """``value`` as a finite float in the range, else TypeError/ValueError naming ``name``."""
    allowed = _range_text(low, high, low_open, high_open)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{name} must be a number in {allowed}, got {value!r} ({type(value).__name__})"
        )
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number in {allowed}, got {value}")
    below = value <= low if low_open else value < low
    above = value >= high if high_open else value > high
    if below or above:
        raise ValueError(f"{name} must lie in {allowed}, got {value:g}")
    return value


def check_bool(name: str, value: Any) -> bool:
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def check_choice(name: str, value: Any, choices: Iterable[Any]) -> Any:
    choices = tuple(choices)
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")
    return value


def check_memory(fields_: Iterable[str], n_bytes: float, cap: float = MEMORY_CAP_BYTES) -> None:
    """Reject a config whose tables would need more than ``cap`` bytes, naming the fields."""
    if n_bytes > cap:
        raise ValueError(
            f"{', '.join(fields_)} too large: the episode tables would need "
            f"{n_bytes / 1024**3:.1f} GiB (cap {cap / 1024**3:.1f} GiB); lower them"
        )


@cache
def field_docs(cls: type) -> dict[str, str]:
    """Attribute docstrings of a dataclass's fields (the string after each field)."""
    docs: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if not dataclasses.is_dataclass(klass):
            continue
        try:
            source = textwrap.dedent(inspect.getsource(klass))
        except (OSError, TypeError):
            continue
        body = ast.parse(source).body[0].body  # type: ignore[attr-defined]
        for node, following in zip(body, [*body[1:], None], strict=True):
            if (
                isinstance(node, ast.AnnAssign)
                and isinstance(node.target, ast.Name)
                and isinstance(following, ast.Expr)
                and isinstance(following.value, ast.Constant)
                and isinstance(following.value.value, str)
            ):
                docs[node.target.id] = " ".join(following.value.value.split())
    return docs


def arguments_table(cls: type) -> str:
    """Markdown table of a config's fields: name, default, description."""
    docs = field_docs(cls)
    rows = ["| argument | default | description |", "|---|---|---|"]
    for field in dataclasses.fields(cls):
        rows.append(f"| `{field.name}` | `{field.default!r}` | {docs.get(field.name, '')} |")
    return "\n".join(rows)
