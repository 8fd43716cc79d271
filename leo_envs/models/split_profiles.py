"""Per-layer profiles of a chain model for split inference (papers 000 and 004), as data.

A *profile* lists the model's split units in execution order (a unit is a layer the model
may be cut after). For each unit it holds what the energy and latency models need, both
for the dense shapes and counted over non-zero weights (pruned models):

``mults`` / ``adds``
    multiplications and additions of one inference (non-zero weights only);
    ``mults_dense`` / ``adds_dense`` the same for the dense shapes;
``params_total`` / ``params_nnz``
    parameter elements (weights and biases) and the non-zero ones, i.e. Gamma of
    004 eq. (2) and w_l / 32 of 000 eq. (7);
``out_elems`` / ``out_elems_dense``
    output elements sent when the model is cut after the unit (alive units only after
    compression: a dead channel or neuron is never sent, 004 "eliminating entire
    neurons") and for the dense shapes.

Counting rules (spec ``split_inference.md`` section 4, choices [C]): conv / fc / LSTM
mults = adds = MACs over the non-zero weights (a bias add replaces the first accumulate);
max-pool k x k: k*k - 1 comparisons per output, counted as adds; ReLU, flatten free; LSTM
gate element-wise ops ignored. These are the analytic formulas below; ``agents.profiling``
applies the same functions to torch modules, and a test checks them against torch's
``FlopCounterMode`` on the meta device.

Profiles are JSON (``save_profile`` / ``load_profile``) so environments, baselines and CI
read them without torch. Shipped profiles live in ``leo_envs/data/split_inference/``.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

PROFILE_FORMAT = "leo_envs.split_profile/1"
BITS_PER_FLOAT = 32  # both papers send and store fp32 ("a floating-point number takes four bytes")
_COUNT_FIELDS = (
    "mults",
    "adds",
    "mults_dense",
    "adds_dense",
    "params_total",
    "params_nnz",
    "out_elems",
    "out_elems_dense",
)


@dataclass(frozen=True)
class UnitProfile:
    """Counts of one split unit for one inference (see the module docstring)."""

    name: str
    kind: str
    mults: int
    adds: int
    mults_dense: int
    adds_dense: int
    params_total: int
    params_nnz: int
    out_elems: int
    out_elems_dense: int

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"unit name must be a non-empty string, got {self.name!r}")
        for f in _COUNT_FIELDS:
            v = getattr(self, f)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
                raise ValueError(f"unit {self.name!r}: {f} must be an integer >= 0, got {v!r}")
            object.__setattr__(self, f, int(v))
        if self.params_nnz > self.params_total:
            raise ValueError(
                f"unit {self.name!r}: params_nnz ({self.params_nnz}) > params_total "
                f"({self.params_total})"
            )
        if self.mults > self.mults_dense or self.adds > self.adds_dense:
            raise ValueError(f"unit {self.name!r}: non-zero op counts exceed the dense counts")
        if self.out_elems > self.out_elems_dense:
            raise ValueError(f"unit {self.name!r}: out_elems exceeds out_elems_dense")


@dataclass(frozen=True)
class ModelProfile:
    """A chain model's units in execution order, plus measured metrics and provenance.

    ``input_elems`` is the size of one input sample (the raw-offload payload, cut 0).
    ``metrics`` holds measured numbers (e.g. ``accuracy``, ``compression_ratio``);
    ``provenance`` says how the profile was made (script, seed, torch version, data).
    """

    name: str
    units: tuple[UnitProfile, ...]
    input_elems: int
    metrics: dict[str, float] = field(default_factory=dict)
    provenance: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.units) == 0:
            raise ValueError("a profile needs at least one unit")
        names = [u.name for u in self.units]
        if len(set(names)) != len(names):
            raise ValueError(f"unit names must be unique, got {names}")
        if int(self.input_elems) <= 0:
            raise ValueError(f"input_elems must be > 0, got {self.input_elems}")
        object.__setattr__(self, "units", tuple(self.units))

    # ---- per-unit arrays (length n_units) -----------------------------------------------
    @property
    def n_units(self) -> int:
        return len(self.units)

    @property
    def unit_names(self) -> tuple[str, ...]:
        return tuple(u.name for u in self.units)

    def counts(self, field_name: str) -> NDArray[np.int64]:
        """Array [n_units] of one count field (e.g. ``"mults"``)."""
        if field_name not in _COUNT_FIELDS:
            raise ValueError(f"field_name must be one of {_COUNT_FIELDS}, got {field_name!r}")
        return np.array([getattr(u, field_name) for u in self.units], dtype=np.int64)

    def weight_bits(self) -> NDArray[np.int64]:
        """w_l of 000 eq. (7): bits of the non-zero parameters of each unit (fp32)."""
        return BITS_PER_FLOAT * self.counts("params_nnz")

    def output_bits(self) -> NDArray[np.int64]:
        """o_l: bits of each unit's (alive) output, fp32 (004 eq. (4): 32 bits per element)."""
        return BITS_PER_FLOAT * self.counts("out_elems")

    @property
    def nnz_params(self) -> int:
        return int(self.counts("params_nnz").sum())

    @property
    def total_params(self) -> int:
        return int(self.counts("params_total").sum())

    # ---- JSON ---------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "format": PROFILE_FORMAT,
            "name": self.name,
            "input_elems": int(self.input_elems),
            "units": [asdict(u) for u in self.units],
            "metrics": dict(self.metrics),
            "provenance": dict(self.provenance),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ModelProfile:
        if not isinstance(d, dict):
            raise TypeError(f"profile must be a dict, got {type(d).__name__}")
        if d.get("format") != PROFILE_FORMAT:
            raise ValueError(f"profile format must be {PROFILE_FORMAT!r}, got {d.get('format')!r}")
        missing = {"name", "units", "input_elems"} - d.keys()
        if missing:
            raise ValueError(f"profile is missing the fields {sorted(missing)}")
        units = []
        for i, u in enumerate(d["units"]):
            want = {"name", "kind", *_COUNT_FIELDS}
            if not isinstance(u, dict) or set(u) != want:
                raise ValueError(f"profile unit {i} must have exactly the fields {sorted(want)}")
            units.append(UnitProfile(**u))
        return cls(
            name=str(d["name"]),
            units=tuple(units),
            input_elems=int(d["input_elems"]),
            metrics={k: float(v) for k, v in d.get("metrics", {}).items()},
            provenance=dict(d.get("provenance", {})),
        )


def save_profile(profile: ModelProfile, path: str | Path) -> Path:
    """Write ``profile`` as indented JSON; returns the path."""
    path = Path(path)
    path.write_text(json.dumps(profile.to_dict(), indent=1) + "\n")
    return path


def read_profile(path: str | Path) -> ModelProfile:
    """Read a profile JSON file written by :func:`save_profile` (or by hand)."""
    try:
        d = json.loads(Path(path).read_text())
    except json.JSONDecodeError as exc:
        raise ValueError(f"profile file {path} is not valid JSON: {exc}") from exc
    return ModelProfile.from_dict(d)


def data_path(filename: str) -> Path:
    """Path of a file shipped in ``leo_envs/data/split_inference/``."""
    return Path(str(resources.files("leo_envs") / "data" / "split_inference" / filename))


SHIPPED_PROFILES = (
    "krouka_cnn_original",
    "krouka_cnn_compressed",
    "zheng_lstm_dense",
    "zheng_lstm_pruned70",
)


def load_profile(name: str) -> ModelProfile:
    """A shipped profile by name (``SHIPPED_PROFILES``, or a Cr-sweep ``krouka_cnn_cr<k>``)."""
    path = data_path(f"profiles/{name}.json")
    if not path.is_file():
        avail = sorted(p.stem for p in data_path("profiles").glob("*.json"))
        raise ValueError(f"no shipped profile named {name!r}; available: {avail}")
    return read_profile(path)


# ---- analytic per-unit formulas (shared with agents.profiling) -----------------------------
def conv2d_unit(
    name: str,
    in_ch: int,
    out_ch: int,
    kernel: tuple[int, int],
    out_hw: tuple[int, int],
    *,
    bias: bool = True,
    weight_nnz: int | None = None,
    bias_nnz: int | None = None,
    out_ch_alive: int | None = None,
) -> UnitProfile:
    """Conv2d (groups = 1): MACs = H_out W_out nnz(W) (dense: H_out W_out C_out C_in k_h k_w)."""
    w_total = out_ch * in_ch * kernel[0] * kernel[1]
    w_nnz = w_total if weight_nnz is None else weight_nnz
    b_total = out_ch if bias else 0
    b_nnz = b_total if bias_nnz is None else bias_nnz
    hw = out_hw[0] * out_hw[1]
    alive = out_ch if out_ch_alive is None else out_ch_alive
    return UnitProfile(
        name, "conv2d", hw * w_nnz, hw * w_nnz, hw * w_total, hw * w_total,
        w_total + b_total, w_nnz + b_nnz, alive * hw, out_ch * hw,
    )  # fmt: skip


def linear_unit(
    name: str,
    in_features: int,
    out_features: int,
    *,
    bias: bool = True,
    weight_nnz: int | None = None,
    bias_nnz: int | None = None,
    out_alive: int | None = None,
    tokens: int = 1,
) -> UnitProfile:
    """Linear: MACs = tokens nnz(W) (dense: tokens in out)."""
    w_total = in_features * out_features
    w_nnz = w_total if weight_nnz is None else weight_nnz
    b_total = out_features if bias else 0
    b_nnz = b_total if bias_nnz is None else bias_nnz
    alive = out_features if out_alive is None else out_alive
    return UnitProfile(
        name, "linear", tokens * w_nnz, tokens * w_nnz, tokens * w_total, tokens * w_total,
        w_total + b_total, w_nnz + b_nnz, tokens * alive, tokens * out_features,
    )  # fmt: skip


def lstm_unit(
    name: str,
    input_size: int,
    hidden: int,
    steps: int,
    *,
    out_steps: int | None = None,
    n_bias_vectors: int = 2,
    weight_nnz: int | None = None,
    bias_nnz: int | None = None,
) -> UnitProfile:
    """One-layer LSTM over ``steps`` time steps: MACs = T (nnz(W_ih) + nnz(W_hh)).

    Gate element-wise ops are ignored ([C]); torch keeps two bias vectors (b_ih, b_hh).
    ``out_steps`` is how many time steps of the hidden state the unit outputs (all of them
    for an intermediate layer, 1 for the last).
    """
    w_total = 4 * hidden * (input_size + hidden)
    w_nnz = w_total if weight_nnz is None else weight_nnz
    b_total = n_bias_vectors * 4 * hidden
    b_nnz = b_total if bias_nnz is None else bias_nnz
    out = hidden * (steps if out_steps is None else out_steps)
    return UnitProfile(
        name, "lstm", steps * w_nnz, steps * w_nnz, steps * w_total, steps * w_total,
        w_total + b_total, w_nnz + b_nnz, out, out,
    )  # fmt: skip


def maxpool_unit(
    name: str,
    channels: int,
    out_hw: tuple[int, int],
    kernel: int = 2,
    *,
    channels_alive: int | None = None,
) -> UnitProfile:
    """Max-pool k x k: k*k - 1 comparisons per output element, counted as adds."""
    out_dense = channels * out_hw[0] * out_hw[1]
    alive = channels if channels_alive is None else channels_alive
    out = alive * out_hw[0] * out_hw[1]
    cmp_dense = (kernel * kernel - 1) * out_dense
    cmp = (kernel * kernel - 1) * out
    return UnitProfile(name, "maxpool2d", 0, cmp, 0, cmp_dense, 0, 0, out, out_dense)


def _same_pool(n: int) -> int:
    """Output side of a stride-2 ceil-mode pool (Keras 'same')."""
    return math.ceil(n / 2)


def krouka_cnn_dense_profile(
    input_hw: tuple[int, int] = (28, 28),
    channels: tuple[int, ...] = (16, 32, 48, 64),
    fc: tuple[int, ...] = (512, 256, 128, 64, 10),
    kernel: int = 5,
) -> ModelProfile:
    """Dense profile of 004's CNN from shapes alone (spec section 3 geometry).

    4 x [conv k x k 'same' + ReLU + max-pool 2 stride 2 ceil] then fc layers:
    28 -> 14 -> 7 -> 4 -> 2, flatten 64 * 2 * 2 = 256. 13 units conv1, pool1, ..., fc5.
    """
    units: list[UnitProfile] = []
    h, w = input_hw
    c_in = 1
    for i, c in enumerate(channels, start=1):
        units.append(conv2d_unit(f"conv{i}", c_in, c, (kernel, kernel), (h, w)))
        h, w = _same_pool(h), _same_pool(w)
        units.append(maxpool_unit(f"pool{i}", c, (h, w)))
        c_in = c
    n_in = c_in * h * w
    for i, n in enumerate(fc, start=1):
        units.append(linear_unit(f"fc{i}", n_in, n))
        n_in = n
    return ModelProfile(
        "krouka_cnn_analytic",
        tuple(units),
        input_elems=input_hw[0] * input_hw[1],
        provenance={"source": "analytic shapes, leo_envs.models.split_profiles"},
    )


def zheng_lstm_dense_profile(
    n_features: int = 6, hidden: int = 256, window: int = 12, n_layers: int = 3
) -> ModelProfile:
    """Dense profile of 000's predictor: ``n_layers`` one-layer LSTMs + Linear(hidden, 1).

    Intermediate LSTMs output the whole sequence (the next LSTM consumes it), the last one
    only its final step. 4 units: lstm1, lstm2, lstm3, head.
    """
    units = []
    in_size = n_features
    for i in range(1, n_layers + 1):
        last = i == n_layers
        units.append(lstm_unit(f"lstm{i}", in_size, hidden, window, out_steps=1 if last else None))
        in_size = hidden
    units.append(linear_unit("head", hidden, 1))
    return ModelProfile(
        "zheng_lstm_analytic",
        tuple(units),
        input_elems=window * n_features,
        provenance={"source": "analytic shapes, leo_envs.models.split_profiles"},
    )
