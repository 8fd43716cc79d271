"""profile_module: analytic counts == FlopCounterMode on the meta device; non-zero counts."""

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402
from torch.nn.utils import prune  # noqa: E402

from agents.profiling import flop_counter_macs, profile_module  # noqa: E402
from agents.split_models import KroukaCNN, ZhengLSTM  # noqa: E402
from leo_envs.models.split_profiles import (  # noqa: E402
    krouka_cnn_dense_profile,
    zheng_lstm_dense_profile,
)


def test_cnn_profile_matches_analytic_and_flop_counter():
    torch.manual_seed(0)
    prof = profile_module(KroukaCNN(), torch.zeros(1, 1, 28, 28))
    analytic = krouka_cnn_dense_profile()
    assert prof.unit_names == analytic.unit_names
    for f in ("mults", "adds", "params_total", "params_nnz", "out_elems"):
        assert prof.counts(f).tolist() == analytic.counts(f).tolist(), f
    meta = flop_counter_macs(KroukaCNN, (1, 1, 28, 28))
    # FlopCounterMode counts conv and matmul only: pools have 0 MACs there and here
    assert meta == dict(zip(prof.unit_names, prof.counts("mults_dense").tolist(), strict=True))
    assert sum(meta.values()) == 6_236_544


def test_lstm_profile_matches_analytic_and_flop_counter():
    prof = profile_module(ZhengLSTM(), torch.zeros(1, 12, 6))
    analytic = zheng_lstm_dense_profile()
    for f in ("mults", "params_total", "params_nnz", "out_elems"):
        assert prof.counts(f).tolist() == analytic.counts(f).tolist(), f
    meta = flop_counter_macs(ZhengLSTM, (1, 12, 6))
    assert meta == {"lstm1": 3_219_456, "lstm2": 6_291_456, "lstm3": 6_291_456, "head": 256}
    assert prof.counts("mults").tolist() == list(meta.values())


def test_pruning_reaches_requested_sparsity_and_nonzero_counts():
    torch.manual_seed(0)
    model = ZhengLSTM(n_features=6, hidden=32)
    for unit in (model.lstm1, model.lstm2, model.lstm3):
        for name in ("weight_ih_l0", "weight_hh_l0"):
            prune.l1_unstructured(unit.lstm, name, amount=0.7)
            prune.remove(unit.lstm, name)
    prune.l1_unstructured(model.head, "weight", amount=0.7)
    prune.remove(model.head, "weight")
    prof = profile_module(model, torch.zeros(1, 12, 6))
    dense = profile_module(ZhengLSTM(n_features=6, hidden=32), torch.zeros(1, 12, 6))
    n_w1 = 128 * 6 + 128 * 32
    kept = (128 * 6 - round(0.7 * 128 * 6)) + (128 * 32 - round(0.7 * 128 * 32))
    assert prof.units[0].params_nnz == kept + 2 * 128  # biases kept
    assert prof.units[0].mults == 12 * kept
    assert dense.units[0].mults == 12 * n_w1
    weights = sum(u.params_total - (2 * 128 if u.kind == "lstm" else 1) for u in prof.units)
    nnz_w = sum(u.params_nnz - (2 * 128 if u.kind == "lstm" else 1) for u in prof.units)
    assert 1 - nnz_w / weights == pytest.approx(0.7, abs=1e-3)
    # the output still works (the pruned weights are the live ones)
    assert torch.isfinite(model(torch.randn(2, 12, 6))).all()


def test_dead_channels_are_not_sent():
    torch.manual_seed(0)
    model = KroukaCNN()
    with torch.no_grad():
        model.conv1[0].weight[:4] = 0.0  # 4 of 16 channels: no input ...
        model.conv1[0].bias[:4] = -0.1  # ... and a negative bias: ReLU output == 0
        model.fc1[1].weight[:, :] = 0.0
        model.fc1[1].weight[:100, :] = 1.0  # fc1 neurons 100.. get no input
        model.fc1[1].bias[100:] = 0.0
    prof = profile_module(model, torch.zeros(1, 1, 28, 28))
    by = dict(zip(prof.unit_names, prof.units, strict=True))
    assert by["conv1"].out_elems == 12 * 28 * 28 and by["conv1"].out_elems_dense == 16 * 784
    assert by["pool1"].out_elems == 12 * 14 * 14
    assert by["conv2"].out_elems == 32 * 14 * 14
    assert by["fc1"].out_elems == 100
    assert by["fc1"].mults == 100 * 256


def test_bad_input():
    with pytest.raises(TypeError, match=r"nn\.Module"):
        profile_module(object(), torch.zeros(1, 3))
    with pytest.raises(ValueError, match="one sample"):
        profile_module(KroukaCNN(), torch.zeros(2, 1, 28, 28))
    with pytest.raises(ValueError, match="one-layer"):
        profile_module(nn.Sequential(nn.LSTM(3, 4, num_layers=2, batch_first=True)),
                       torch.zeros(1, 5, 3))  # fmt: skip
    with pytest.raises(TypeError, match="cannot count"):
        profile_module(nn.Sequential(nn.BatchNorm1d(3)), torch.zeros(1, 3))


def test_a_user_model_profile_drives_the_env(tmp_path):
    from baselines.split_inference import PS
    from leo_envs.envs.split_inference import SplitInferenceEnv
    from leo_envs.models.split_profiles import save_profile

    model = nn.Sequential()
    model.add_module("conv", nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU()))
    model.add_module("pool", nn.MaxPool2d(2))
    model.add_module("fc", nn.Sequential(nn.Flatten(), nn.Linear(4 * 14 * 14, 10)))
    prof = profile_module(model, torch.zeros(1, 1, 28, 28), name="tiny",
                          metrics={"accuracy": 0.5})  # fmt: skip
    path = save_profile(prof, tmp_path / "tiny.json")
    env = SplitInferenceEnv(preset="004", profile=str(path), episode_steps=5)
    obs, info = env.reset(seed=0)
    assert env.action_names == ("conv", "pool", "fc")
    policy = PS()
    policy.reset(env)
    _, _, _, _, info = env.step(policy.act(obs, info))
    assert info["cut_name"] in env.action_names and info["energy_j"] > 0
