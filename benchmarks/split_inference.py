"""SplitInference-v0 throughput vs CartPole-v1 (same process), and the time to profile a model.

Prints steps/s of SplitInference-v0 (both presets, through ``gym.make``, episode resets
included) as a ratio to CartPole-v1's steps/s measured side by side, best of ``--repeats``
runs. Goal (issue 11): step cost <= 2x CartPole's, i.e. ratio >= 0.5. Also prints the wall
time of ``agents.profiling.profile_module`` on the two paper models (needs torch) and of
torch's ``FlopCounterMode`` on the meta device, for comparison.

    python benchmarks/split_inference.py [--steps 20000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import importlib.util
import time

import gymnasium as gym
from step_rate import step_rate

import leo_envs  # noqa: F401  (registers the ids)

ENV_ID = "leo_envs/SplitInference-v0"


def profile_times() -> dict[str, float]:
    import torch

    from agents.profiling import flop_counter_macs, profile_module
    from agents.split_models import KroukaCNN, ZhengLSTM

    flop_counter_macs(ZhengLSTM, (1, 12, 6))  # warm-up: first-call imports and dispatch caches
    profile_module(ZhengLSTM(), torch.zeros(1, 12, 6))
    out = {}
    for name, factory, shape in (("KroukaCNN", KroukaCNN, (1, 1, 28, 28)),
                                 ("ZhengLSTM", ZhengLSTM, (1, 12, 6))):  # fmt: skip
        model = factory()
        x = torch.zeros(*shape)
        t = time.perf_counter()
        profile_module(model, x)
        out[f"profile_module({name})"] = time.perf_counter() - t
        t = time.perf_counter()
        flop_counter_macs(factory, shape)
        out[f"FlopCounterMode meta ({name})"] = time.perf_counter() - t
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--steps", type=int, default=20_000)
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    envs = {
        "CartPole-v1": lambda: gym.make("CartPole-v1"),
        "SplitInference-v0 preset 000": lambda: gym.make(ENV_ID, preset="000"),
        "SplitInference-v0 preset 004": lambda: gym.make(ENV_ID, preset="004"),
    }
    best = {name: 0.0 for name in envs}
    for _ in range(args.repeats):  # interleaved, so load changes hit every env alike
        for name, make in envs.items():
            best[name] = max(best[name], step_rate(make(), args.steps))
    base = best["CartPole-v1"]
    print(f"{'env':<32} {'steps/s':>10} {'ratio to CartPole':>18}")
    for name, r in best.items():
        print(f"{name:<32} {r:>10.0f} {r / base:>18.3f}")
    print("goal: ratio >= 0.5 (step cost <= 2x CartPole's)")
    if importlib.util.find_spec("torch") is None:
        print("torch not installed: profiling times skipped")
        return
    for k, v in profile_times().items():
        print(f"{k:<40} {v * 1e3:8.1f} ms")


if __name__ == "__main__":
    main()
