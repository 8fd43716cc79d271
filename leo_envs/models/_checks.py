"""Argument checks shared by the orbit modules (messages name the parameter and its range)."""

from __future__ import annotations

import math
import operator


def positive_int(value: object, name: str) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a positive integer (>= 1), got {value!r}")
    try:
        ivalue = operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        raise ValueError(f"{name} must be a positive integer (>= 1), got {value!r}") from None
    if ivalue < 1:
        raise ValueError(f"{name} must be a positive integer (>= 1), got {value!r}")
    return ivalue


def finite_float(value: object, name: str, allowed: str) -> float:
    try:
        f = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a real number in {allowed}, got {value!r}") from None
    if not math.isfinite(f):
        raise ValueError(f"{name} must be a finite number in {allowed}, got {value!r}")
    return f
