"""Harness policies of SplitInference-v0 (``act(obs, info)``; OPT plans on ``instance()``).

The papers' methods differ in the *model* the device runs and in the *rule* that picks the
cut. The rule is the policy; the model is the env's ``profile``. Each policy names the env
arguments of its paper method in ``env_kwargs`` (e.g. ``OriginalLSTM.env_kwargs ==
{"preset": "000", "profile": "zheng_lstm_dense"}``): run it on an env made with them to
reproduce the paper's comparison (``paper_methods`` lists them all).

000 (Zheng et al.): ``OriginalLSTM`` (dense model, no split: i = 0), ``SplitOnly`` (dense
model, Alg. 1), ``PrunedSplit`` (70 %-pruned model, Alg. 1, the proposed method).
004 (Krouka et al.): ``Pool1`` (compressed model, cut pool1), ``Softmax`` (compressed, cut
fc5: run everything, send 10 floats), ``PS`` (compressed, argmin_l E_l for the observed
channel), ``PSNC`` (PS on the original uncompressed model).
``OPT``: the exact per-step optimum of the env's cost table (``is_exact``).
"""

from __future__ import annotations

import time
from typing import Any, ClassVar

import numpy as np

from baselines.common.exact import ExactPlanner, OptResult
from leo_envs.models.compute_energy import op_energies

from .selectors import alg1_select, ps_select

OBS_RATE, OBS_SNR, OBS_POWER, OBS_POWER_PRED, OBS_TOLERANCE = 0, 1, 2, 3, 4


class _EnvBound:
    """Keeps the unwrapped env's profile and config (set by the harness via ``reset``)."""

    env_kwargs: ClassVar[dict[str, Any]] = {}
    name: ClassVar[str] = "split"

    def __init__(self) -> None:
        self._env = None

    def reset(self, env) -> None:
        self._env = env.unwrapped if hasattr(env, "unwrapped") else env
        expected = self.env_kwargs.get("preset")
        if expected is not None and self._env.config.preset != expected:
            raise ValueError(
                f"{self.name} is a paper-{expected} method; the env runs preset "
                f"{self._env.config.preset!r}"
            )

    def seed(self, seed: int) -> None:  # deterministic policies
        return None

    def _bound(self):
        if self._env is None:
            raise RuntimeError(f"{self.name}: call reset(env) before act (the harness does)")
        return self._env

    def _cut(self, name: str) -> int:
        names = self._bound().action_names
        if name not in names:
            raise ValueError(f"{self.name}: the env has no cut {name!r} (cuts: {names})")
        return names.index(name)


class OriginalLSTM(_EnvBound):
    """000 baseline: the dense LSTM runs entirely on the TST (no split, no pruning)."""

    name = "original"
    env_kwargs: ClassVar[dict[str, Any]] = {"preset": "000", "profile": "zheng_lstm_dense"}

    def act(self, obs, info) -> int:
        return 0


class PrunedSplit(_EnvBound):
    """000 Alg. 1 (exhaustive split search under the tolerance) on the env's model.

    The power that sets the rate is the observed one (``obs`` carries the decision-time rate).
    """

    name = "pruned_split"
    env_kwargs: ClassVar[dict[str, Any]] = {"preset": "000", "profile": "zheng_lstm_pruned70"}

    def act(self, obs, info) -> int:
        env = self._bound()
        cfg = env.config
        rate = float(10.0 ** np.float64(obs[OBS_RATE]))
        power = float(obs[OBS_POWER_PRED] if cfg.decision_info == "predicted" else obs[OBS_POWER])
        choice = alg1_select(
            env.profile, rate, power, float(obs[OBS_TOLERANCE]), min_accuracy=cfg.min_accuracy,
            alpha=cfg.alpha, beta=cfg.beta, distance_m=cfg.distance_m,
            cycles_per_bit=cfg.cycles_per_bit, tst_hz=cfg.tst_cpu_hz, sec_hz=cfg.sec_cpu_hz,
            chip_coeff=cfg.chip_coeff,
        )  # fmt: skip
        return 0 if choice is None else choice


class SplitOnly(PrunedSplit):
    """000 baseline "non-pruning but split": Alg. 1 on the dense model."""

    name = "split_only"
    env_kwargs: ClassVar[dict[str, Any]] = {"preset": "000", "profile": "zheng_lstm_dense"}


class Pool1(_EnvBound):
    """004 baseline: process up to the first pooling layer, send its output."""

    name = "pool1"
    env_kwargs: ClassVar[dict[str, Any]] = {"preset": "004", "profile": "krouka_cnn_compressed"}

    def act(self, obs, info) -> int:
        return self._cut("pool1")


class Softmax(_EnvBound):
    """004 baseline: run every layer, send the 10 output floats."""

    name = "softmax"
    env_kwargs: ClassVar[dict[str, Any]] = {"preset": "004", "profile": "krouka_cnn_compressed"}

    def act(self, obs, info) -> int:
        return self._cut("fc5")


class PS(_EnvBound):
    """004 proposed layer selection: argmin_l E_l(h_t) over the env model's cuts."""

    name = "ps"
    env_kwargs: ClassVar[dict[str, Any]] = {"preset": "004", "profile": "krouka_cnn_compressed"}

    def act(self, obs, info) -> int:
        env = self._bound()
        cfg = env.config
        rate = float(10.0 ** np.float64(obs[OBS_RATE]))
        return ps_select(env.profile, op_energies(cfg.precision), rate, cfg.tx_power_w,
                         include_raw=cfg.allow_raw_offload)  # fmt: skip


class PSNC(PS):
    """004 baseline: PS on the original (uncompressed) model."""

    name = "psnc"
    env_kwargs: ClassVar[dict[str, Any]] = {"preset": "004", "profile": "krouka_cnn_original"}


class OPT(ExactPlanner):
    """Exact optimum: per step the argmin of the env's cost table (no state couples steps,
    so enumerating the T x n (step, action) costs is a complete search; the bound is tight)."""

    name = "opt"

    def solve(self, instance) -> OptResult:
        start = time.perf_counter()
        plan = instance.opt_actions()
        value = instance.score(plan)
        return OptResult(
            schedule=plan, objective=value, lower_bound=value, gap=0.0,
            nodes=int(instance.cost.size), status="optimal",
            solve_time_s=time.perf_counter() - start,
        )  # fmt: skip


PAPER_000 = (OriginalLSTM, SplitOnly, PrunedSplit)
PAPER_004 = (Pool1, Softmax, PS, PSNC)


def paper_methods(preset: str) -> dict[str, tuple[type, dict[str, Any]]]:
    """{name: (policy class, env kwargs)} of a paper's comparison."""
    classes = {"000": PAPER_000, "004": PAPER_004}.get(preset)
    if classes is None:
        raise ValueError(f"preset must be '000' or '004', got {preset!r}")
    return {c.name: (c, dict(c.env_kwargs)) for c in classes}
