"""The LSTM clear-sky-index forecaster (agents/, torch) and its skill vs smart persistence."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from agents.green_offloading_lstm import (  # noqa: E402
    KcLSTM,
    LSTMForecaster,
    skill_report,
    train_lstm,
)
from baselines.green_offloading.forecasters import kc_series  # noqa: E402


@pytest.fixture(scope="module")
def data():
    return kc_series("greensboro", 100, 24)


def test_forecasts_are_aligned_by_lead_and_skill_is_relative_to_persistence(data):
    kc, _, clear = data
    torch.manual_seed(0)
    forecaster = LSTMForecaster(KcLSTM(hidden=4, horizon=2), window=6, horizon=2)
    pred = forecaster.forecast(kc, clear)
    assert pred.shape == (2, kc.shape[0])
    # row h-1 forecasts kc[t] from the window ending at t - h: first defined at 6 - 1 + h
    assert np.isnan(pred[0, :6]).all() and np.isnan(pred[1, :7]).all()
    assert np.isfinite(pred[0, 6:]).all() and np.isfinite(pred[1, 7:]).all()
    assert (pred[np.isfinite(pred)] >= 0).all() and (pred[np.isfinite(pred)] <= 1.5).all()
    report = skill_report(forecaster, kc, clear)
    for lead in (1, 2):
        assert report[f"skill_lead{lead}"] == pytest.approx(
            1 - report[f"rmse_lead{lead}"] / report[f"rmse_persistence_lead{lead}"]
        )


@pytest.mark.slow
def test_tiny_lstm_trains_reproducibly_and_its_loss_falls(data):
    kc, _, clear = data
    train, test = slice(0, 16 * 96), slice(16 * 96, None)
    kwargs = dict(window=6, horizon=2, hidden=8, epochs=3, max_samples=400, batch=64, seed=3)
    model, history = train_lstm(kc[train], clear[train], **kwargs)
    again, history_again = train_lstm(kc[train], clear[train], **kwargs)
    assert history == history_again and history[-1] < history[0]
    np.testing.assert_array_equal(
        model.forecast(kc[test], clear[test]), again.forecast(kc[test], clear[test])
    )
    assert all(np.isfinite(v) for v in skill_report(model, kc[test], clear[test]).values())
