"""Profile data type: analytic counts, JSON round trip, bad input."""

import json

import numpy as np
import pytest

from leo_envs.models.split_profiles import (
    ModelProfile,
    UnitProfile,
    krouka_cnn_dense_profile,
    read_profile,
    save_profile,
)


def test_krouka_cnn_analytic_counts_spec_section_9():
    p = krouka_cnn_dense_profile()
    by = dict(zip(p.unit_names, p.units, strict=True))
    params = {"conv1": 416, "conv2": 12_832, "conv3": 38_448, "conv4": 76_864, "fc1": 131_584,
              "fc2": 131_328, "fc3": 32_896, "fc4": 8_256, "fc5": 650}  # fmt: skip
    for name, n in params.items():
        assert by[name].params_total == n
    assert p.total_params == 433_274
    assert (by["fc1"].params_total + by["fc2"].params_total) / p.total_params == pytest.approx(
        0.6068, abs=1e-4
    )
    macs = {"conv1": 313_600, "conv2": 2_508_800, "conv3": 1_881_600, "conv4": 1_228_800,
            "fc1": 131_072, "fc2": 131_072, "fc3": 32_768, "fc4": 8_192, "fc5": 640}  # fmt: skip
    for name, n in macs.items():
        assert by[name].mults == n
    assert sum(macs.values()) == 6_236_544
    outs = [12_544, 3136, 6272, 1568, 2352, 768, 1024, 256, 512, 256, 128, 64, 10]
    assert p.counts("out_elems").tolist() == outs
    assert by["pool1"].adds == 3 * 3136


def test_json_round_trip(tmp_path):
    p = krouka_cnn_dense_profile()
    q = read_profile(save_profile(p, tmp_path / "p.json"))
    assert q == p


def test_bad_profiles_raise_clear_errors(tmp_path):
    with pytest.raises(ValueError, match="params_nnz"):
        UnitProfile("x", "linear", 1, 1, 1, 1, 5, 6, 1, 1)
    with pytest.raises(ValueError, match="mults must be an integer >= 0"):
        UnitProfile("x", "linear", -1, 1, 1, 1, 5, 5, 1, 1)
    d = krouka_cnn_dense_profile().to_dict()
    d["format"] = "other"
    with pytest.raises(ValueError, match="format"):
        ModelProfile.from_dict(d)
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        read_profile(bad)
    d = krouka_cnn_dense_profile().to_dict()
    del d["units"][0]["mults"]
    bad.write_text(json.dumps(d))
    with pytest.raises(ValueError, match="unit 0"):
        read_profile(bad)
    with pytest.raises(ValueError, match="field_name"):
        krouka_cnn_dense_profile().counts("flops")
    with pytest.raises(ValueError, match="unique"):
        u = krouka_cnn_dense_profile().units[0]
        ModelProfile("dup", (u, u), input_elems=1)


def test_weight_and_output_bits_are_fp32():
    p = krouka_cnn_dense_profile()
    np.testing.assert_array_equal(p.weight_bits(), 32 * p.counts("params_nnz"))
    np.testing.assert_array_equal(p.output_bits(), 32 * p.counts("out_elems"))


def test_shipped_profiles_match_the_analytic_shapes_and_requested_sparsity():
    from leo_envs.models.split_profiles import (
        SHIPPED_PROFILES,
        load_profile,
        zheng_lstm_dense_profile,
    )

    profiles = {name: load_profile(name) for name in SHIPPED_PROFILES}
    for p in profiles.values():
        assert 0.0 <= p.metrics["accuracy"] <= 1.0 and "torch_version" in p.provenance
    cnn_dense = krouka_cnn_dense_profile()
    for name in ("krouka_cnn_original", "krouka_cnn_compressed"):
        p = profiles[name]
        assert p.counts("params_total").tolist() == cnn_dense.counts("params_total").tolist()
        assert p.counts("mults_dense").tolist() == cnn_dense.counts("mults").tolist()
    comp, orig = profiles["krouka_cnn_compressed"], profiles["krouka_cnn_original"]
    assert orig.nnz_params / comp.nnz_params == pytest.approx(6.0, rel=1e-3)
    assert comp.metrics["compression_ratio"] == pytest.approx(6.0, rel=1e-3)
    assert np.all(comp.counts("out_elems") <= orig.counts("out_elems"))
    lstm = zheng_lstm_dense_profile()
    assert profiles["zheng_lstm_dense"].counts("mults").tolist() == lstm.counts("mults").tolist()
    # 70 % per weight tensor (torch removes round(0.7 n)), biases kept: spec section 9
    pruned = profiles["zheng_lstm_pruned70"]
    assert pruned.counts("params_nnz").tolist() == [82_534, 159_334, 159_334, 78]
    with pytest.raises(ValueError, match="no shipped profile"):
        load_profile("resnet50")
