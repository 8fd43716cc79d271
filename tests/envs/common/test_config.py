"""Shared config checks: types, ranges, names in every message, docs for the env card."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from leo_envs.envs.common.config import (
    EnvConfig,
    arguments_table,
    check_bool,
    check_choice,
    check_float,
    check_int,
    check_memory,
    field_docs,
)


@dataclass(frozen=True)
class ToyConfig(EnvConfig):
    n_sites: int = 4
    """Number of sites."""
    power_w: float = 2.0
    """Transmit power, W."""
    mode: str = "a"
    """Mode: a or b."""

    def __post_init__(self):
        self.check_fields(
            {"n_sites": (1, 10), "power_w": (0.0, 100.0, True), "mode": (("a", "b"),)}
        )


def test_int_fields_accept_numpy_ints_and_reject_floats_naming_the_field():
    assert ToyConfig(n_sites=np.int64(3)).n_sites == 3
    assert type(ToyConfig(n_sites=np.int32(3)).n_sites) is int
    with pytest.raises(TypeError, match=r"n_sites must be an integer in \[1, 10\]"):
        ToyConfig(n_sites=3.0)
    for bad in (None, "3", True):
        with pytest.raises(TypeError, match="n_sites"):
            ToyConfig(n_sites=bad)
    with pytest.raises(ValueError, match=r"n_sites .* got 11"):
        ToyConfig(n_sites=11)


def test_float_fields_reject_nan_inf_none_and_out_of_range():
    assert ToyConfig(power_w=np.float32(3)).power_w == 3.0
    assert ToyConfig(power_w=5).power_w == 5.0
    for bad in (float("nan"), float("inf")):
        with pytest.raises(ValueError, match=r"power_w must be a finite number in \(0, 100\]"):
            ToyConfig(power_w=bad)
    with pytest.raises(TypeError, match="power_w"):
        ToyConfig(power_w=None)
    with pytest.raises(ValueError, match=r"power_w must lie in \(0, 100\], got 0"):
        ToyConfig(power_w=0.0)


def test_choices_overrides_and_resolve():
    with pytest.raises(ValueError, match=r"mode must be one of \('a', 'b'\)"):
        ToyConfig(mode="c")
    base = ToyConfig(n_sites=2)
    assert ToyConfig.from_overrides(base, power_w=1.0) == ToyConfig(n_sites=2, power_w=1.0)
    with pytest.raises(TypeError, match=r"n_site.*valid"):
        ToyConfig.from_overrides(n_site=2)
    assert ToyConfig.resolve(base, {"mode": "b"}).mode == "b"
    with pytest.raises(TypeError, match="ToyConfig"):
        ToyConfig.resolve({"n_sites": 2}, {})


def test_helpers_directly():
    assert check_int("k", 3, 0, 5) == 3
    assert check_float("x", 1, 0.0, 1.0) == 1.0
    with pytest.raises(ValueError, match=r"x must lie in \[0, 1\)"):
        check_float("x", 1.0, 0.0, 1.0, high_open=True)
    assert check_bool("flag", np.bool_(True)) is True
    with pytest.raises(TypeError, match="flag"):
        check_bool("flag", 1)
    assert check_choice("c", "x", ["x"]) == "x"
    check_memory(("a",), 10.0, cap=100.0)
    with pytest.raises(ValueError, match=r"a, b too large.*GiB"):
        check_memory(("a", "b"), 3 * 1024**3, cap=1024**3)


def test_field_docs_feed_the_arguments_table():
    assert field_docs(ToyConfig) == {
        "n_sites": "Number of sites.",
        "power_w": "Transmit power, W.",
        "mode": "Mode: a or b.",
    }
    table = arguments_table(ToyConfig)
    assert "| `power_w` | `2.0` | Transmit power, W. |" in table
