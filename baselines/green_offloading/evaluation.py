"""Per-slot records of a policy's episode on GreenOffloading-v0 (the notebook's figures)."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import pandas as pd

ENV_ID = "leo_envs/GreenOffloading-v0"


def run_episode(policy: Any, seed: int, **env_kwargs: Any) -> pd.DataFrame:
    """One seeded episode of ``policy``; a row per slot with the cluster's totals:
    ``hour``, ``energy_j``, ``bench_j``, ``saving``, ``harvest_j``, ``battery_j``,
    ``backup_j``, ``attempts``, ``dropped``, ``drop_rate``, ``served``, ``sat``,
    ``delay_sum_s`` (served tasks x their delay), ``delay_s`` (mean over served)."""
    env = gym.make(ENV_ID, **env_kwargs)
    obs, info = env.reset(seed=seed)
    if hasattr(policy, "seed"):
        policy.seed(seed)
    policy.reset(env.unwrapped)
    cfg = env.unwrapped.config
    rows = []
    truncated = terminated = False
    t = 0
    while not (terminated or truncated):
        obs, reward, terminated, truncated, info = env.step(policy.act(obs, info))
        served = float(info["site_served"].sum())
        rows.append(
            {
                "slot": t,
                "hour": (t * cfg.slot_s / 3600.0) % 24.0,
                "reward": reward,
                "energy_j": info["energy_j"],
                "bench_j": info["energy_bench_j"],
                "saving": info["energy_saving"],
                "harvest_j": info["harvest_j"],
                "battery_j": info["battery_j"],
                "backup_j": info["backup_j"],
                "attempts": float(info["site_attempts"].sum()),
                "dropped": info["dropped"],
                "drop_rate": info["drop_rate"],
                "served": served,
                "sat": float(info["site_sat"].sum()),
                "delay_sum_s": info["delay_s"] * served,
                "delay_s": info["delay_s"],
            }
        )
        t += 1
    env.close()
    return pd.DataFrame(rows)


def summarise(frame: pd.DataFrame) -> dict[str, float]:
    """Day totals: energy saving, time-average delay of served tasks, drop rate, AO share."""
    return {
        "saving": 1.0 - frame["energy_j"].sum() / frame["bench_j"].sum(),
        "delay_s": frame["delay_sum_s"].sum() / max(frame["served"].sum(), 1e-12),
        "drop_rate": frame["dropped"].sum() / max(frame["attempts"].sum(), 1e-12),
        "max_slot_drop_rate": float(frame["drop_rate"].max()),
        "sat_share": frame["sat"].sum() / max(frame["served"].sum(), 1e-12),
        "backup_kwh": frame["backup_j"].sum() / 3.6e6,
    }


def hourly(frame: pd.DataFrame, column: str) -> np.ndarray:
    """Mean of ``column`` per hour of day (slots grouped by their start hour)."""
    return frame.groupby(frame["hour"].astype(int))[column].mean().to_numpy()
