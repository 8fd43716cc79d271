"""A small LSTM forecaster of the clear-sky index for GreenOffloading-v0 (paper 003's [24]).

Forecasts kc = GHI / clear-sky GHI for the next ``horizon`` slots from the last ``window``
slots of (kc, clear-sky GHI / 1000, sin and cos of the hour). Trained on days of the
shipped Greensboro TMY3 year, evaluated on other days, with skill reported against smart
persistence on daylight samples (``baselines.green_offloading.forecasters``), the
practice of the irradiance literature (ANCHORS_NEXT 4.4). Offline tool: the env never
imports torch; its observation carries forecasts on the same clear-sky-index scale.

    python -m agents.green_offloading_lstm [--epochs 4] [--train-days 300]
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

import numpy as np
import torch
from numpy.typing import NDArray
from torch import nn

from baselines.green_offloading.forecasters import (
    daylight,
    forecast_skill,
    kc_series,
    smart_persistence,
)


class KcLSTM(nn.Module):
    """One LSTM layer and a linear head: [B, window, 4] -> kc at leads 1..horizon [B, H]."""

    def __init__(self, hidden: int = 16, horizon: int = 2) -> None:
        super().__init__()
        self.lstm = nn.LSTM(4, hidden, batch_first=True)
        self.head = nn.Linear(hidden, horizon)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(x)
        return self.head(out[:, -1])


@dataclass
class LSTMForecaster:
    """A trained ``KcLSTM`` with its window; ``forecast`` aligns predictions as forecasts."""

    model: KcLSTM
    window: int
    horizon: int
    slot_s: float = 900.0

    def forecast(self, kc: NDArray, clear: NDArray) -> NDArray:
        """[horizon, T]: row h-1 holds the forecast of kc[t] made h slots earlier (from the
        window ending at t - h); NaN where no full window exists."""
        x = _features(kc, clear, self.slot_s)
        n = kc.shape[0]
        out = np.full((self.horizon, n), np.nan)
        ends = np.arange(self.window - 1, n - 1)  # window ends at slot e, predicts e+1..
        if ends.size == 0:
            return out
        windows = np.stack([x[e - self.window + 1 : e + 1] for e in ends])
        with torch.no_grad():
            pred = self.model(torch.as_tensor(windows, dtype=torch.float32)).numpy()
        for h in range(1, self.horizon + 1):
            target = ends + h
            ok = target < n
            out[h - 1, target[ok]] = np.clip(pred[ok, h - 1], 0.0, 1.5)
        return out


def _features(kc: NDArray, clear: NDArray, slot_s: float) -> NDArray[np.float32]:
    hours = (np.arange(kc.shape[0]) * slot_s / 3600.0) % 24.0
    angle = 2 * np.pi * hours / 24.0
    return np.column_stack([kc, clear / 1000.0, np.sin(angle), np.cos(angle)]).astype(np.float32)


def train_lstm(
    kc: NDArray,
    clear: NDArray,
    *,
    window: int = 8,
    horizon: int = 2,
    hidden: int = 16,
    epochs: int = 4,
    batch: int = 256,
    lr: float = 1e-2,
    seed: int = 0,
    max_samples: int | None = None,
    slot_s: float = 900.0,
) -> tuple[LSTMForecaster, list[float]]:
    """Fit on windows whose targets are daylight slots; returns the forecaster and the
    per-epoch training MSE. Seeded: the same seed gives the same model."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    x = _features(kc, clear, slot_s)
    n = kc.shape[0]
    ends = np.arange(window - 1, n - horizon)
    targets = np.stack([kc[ends + h] for h in range(1, horizon + 1)], axis=1)
    day = np.stack([daylight(clear[ends + h]) for h in range(1, horizon + 1)], axis=1)
    keep = day.any(axis=1)
    ends, targets, day = ends[keep], targets[keep], day[keep]
    if max_samples is not None and ends.size > max_samples:
        pick = np.sort(rng.choice(ends.size, max_samples, replace=False))
        ends, targets, day = ends[pick], targets[pick], day[pick]
    windows = np.stack([x[e - window + 1 : e + 1] for e in ends])
    xs = torch.as_tensor(windows)
    ys = torch.as_tensor(targets, dtype=torch.float32)
    ms = torch.as_tensor(day, dtype=torch.float32)
    model = KcLSTM(hidden, horizon)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    history = []
    for _ in range(epochs):
        order = torch.as_tensor(rng.permutation(len(xs)))
        total, count = 0.0, 0.0
        for start in range(0, len(xs), batch):
            idx = order[start : start + batch]
            err = (model(xs[idx]) - ys[idx]) ** 2 * ms[idx]
            loss = err.sum() / ms[idx].sum().clamp(min=1.0)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(err.detach().sum())
            count += float(ms[idx].sum())
        history.append(total / max(count, 1.0))
    model.eval()
    return LSTMForecaster(model, window, horizon, slot_s), history


def skill_report(forecaster: LSTMForecaster, kc: NDArray, clear: NDArray) -> dict[str, float]:
    """Skill against smart persistence per lead, on daylight samples of (kc, clear)."""
    pred = forecaster.forecast(kc, clear)
    report = {}
    for h in range(1, forecaster.horizon + 1):
        report[f"skill_lead{h}"] = forecast_skill(pred[h - 1], kc, clear, h)
        persistence = smart_persistence(kc, h)
        mask = daylight(clear) & np.isfinite(pred[h - 1]) & np.isfinite(persistence)
        report[f"rmse_lead{h}"] = float(np.sqrt(np.mean((pred[h - 1][mask] - kc[mask]) ** 2)))
        report[f"rmse_persistence_lead{h}"] = float(
            np.sqrt(np.mean((persistence[mask] - kc[mask]) ** 2))
        )
    return report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--train-days", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    kc, _, clear = kc_series("greensboro", 0, 365)
    split = args.train_days * 96
    forecaster, history = train_lstm(kc[:split], clear[:split], epochs=args.epochs, seed=args.seed)
    print("training MSE per epoch:", [round(v, 4) for v in history])
    report = skill_report(forecaster, kc[split:], clear[split:])
    print({k: round(v, 4) for k, v in report.items()})


if __name__ == "__main__":
    main()
