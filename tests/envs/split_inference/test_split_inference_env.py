"""SplitInference-v0: costs by hand from the models, OPT, violations, options, bad input."""

import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env as gym_check_env
from stable_baselines3.common.env_checker import check_env as sb3_check_env

import leo_envs  # noqa: F401
from leo_envs.envs.split_inference import SplitInferenceConfig, SplitInferenceEnv
from leo_envs.envs.split_inference.tasks import trajectory_task, tst_task
from leo_envs.models.compute_energy import op_energies, snr_linear, split_terms
from leo_envs.models.links import shannon_rate_bps
from leo_envs.models.split_costs import cut_processing_energy_j, tst_split_bits
from leo_envs.models.split_profiles import load_profile

ENV_ID = "leo_envs/SplitInference-v0"


def test_004_preset_passes_both_checkers_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gym_check_env(SplitInferenceEnv(preset="004", episode_steps=8), skip_render_check=True)
        sb3_check_env(SplitInferenceEnv(preset="004", episode_steps=8), warn=True)


def test_004_costs_are_eqs_1_to_6_by_hand():
    env = gym.make(ENV_ID, preset="004", bandwidth_hz=15e6)
    env.reset(seed=3)
    inst = env.unwrapped.instance()
    cuts = cut_processing_energy_j(load_profile("krouka_cnn_compressed"), op_energies())
    assert inst.cut_names == cuts.names and inst.n_steps == 60
    for t in (0, 17, 59):
        rate = shannon_rate_bps(15e6, snr_linear(1e-3, inst.channel_gain[t], 1e-9, 15e6))
        e = cuts.processing_j + 1e-3 * cuts.payload_bits / rate
        np.testing.assert_allclose(inst.raw_cost[t], e, rtol=1e-12)
        np.testing.assert_allclose(inst.cost[t], e / 1e-4, rtol=1e-12)
    # stepping returns the same numbers and conserves e = e_local + e_tx
    _, reward, _, _, info = env.step(4)
    assert reward == pytest.approx(-inst.cost[0, 4])
    assert info["energy_j"] == pytest.approx(info["e_local_j"] + info["e_tx_j"])
    assert info["e_local_j"] == pytest.approx(info["ec_j"] + info["em_j"])
    assert info["co2_kg"] == pytest.approx(info["energy_j"] / 3.6e6 * 0.275)
    assert info["cut_name"] == "conv3" and info["payload_bits"] == cuts.payload_bits[4]


def test_004_trajectory_follows_waypoints_and_transmission_falls_with_gain():
    env = SplitInferenceEnv(preset="004")
    env.reset(seed=0)
    inst = env.instance()
    np.testing.assert_allclose(inst.positions_m[0], (100.0, 40.0))
    np.testing.assert_allclose(inst.positions_m[10], (20.0, 15.0))
    order = np.argsort(inst.channel_gain)
    assert np.all(np.diff(inst.e_tx_j[order, 0]) <= 0)  # E_tr decreasing in |h|^2


def test_opt_is_the_per_step_argmin_and_the_env_agrees():
    for kwargs in ({"preset": "004"}, {"preset": "000"}):
        env = SplitInferenceEnv(**kwargs)
        env.reset(seed=11)
        inst = env.instance()
        plan = inst.opt_actions()
        for a in plan:
            _, _, _, trunc, info = env.step(a)
        assert trunc and info["objective"] == pytest.approx(inst.score(plan))
        for a in range(inst.n_actions):  # OPT <= every fixed cut
            assert inst.score(plan) <= inst.score(np.full(inst.n_steps, a)) + 1e-12


def test_000_costs_are_eqs_7_8_with_the_actual_power():
    env = SplitInferenceEnv(preset="000")
    env.reset(seed=2)
    inst = env.instance()
    bits = tst_split_bits(load_profile("zheng_lstm_pruned70"))
    assert inst.cut_names == bits.names and inst.n_actions == 5
    t = 7
    terms = split_terms(bits.local_bits, bits.remote_bits, rate_bps=inst.rate_bps[t],
                        tx_power_w=inst.tx_power_w[t], distance_m=780e3, cycles_per_bit=120,
                        tst_hz=0.3e9, sec_hz=3e9, chip_coeff=1e-26)  # fmt: skip
    np.testing.assert_allclose(inst.raw_cost[t], terms.t_s + terms.e_j, rtol=1e-12)
    # c_ref = all-local cost: the local action always costs exactly 1
    np.testing.assert_allclose(inst.cost[:, 0], 1.0)
    assert np.all(inst.feasible[:, 0]) and np.all(inst.payload_bits[0] == 0)
    assert np.all(inst.tx_power_w <= 2.0) and np.all(inst.tx_power_w > 0)


def test_000_violation_penalized_or_fallback():
    env = SplitInferenceEnv(preset="000", episode_steps=3)
    env.reset(seed=0, options={"tolerance_s": 0.0})  # nothing can be uploaded in 0 s
    mask = env.action_masks()
    assert mask.tolist() == [True, False, False, False, False]
    inst = env.instance()
    _, reward, _, _, info = env.step(1)
    assert info["violation"] and info["played_action"] == 1
    assert reward == pytest.approx(-(inst.raw_cost[0, 1] / inst.cost_scale) - 1.0)
    env = SplitInferenceEnv(preset="000", episode_steps=3, on_violation="fallback_local")
    env.reset(seed=0, options={"tolerance_s": 0.0})
    _, reward, _, _, info = env.step(2)
    assert info["violation"] and info["played_action"] == 0 and reward == pytest.approx(-1.0)
    assert info["cut_name"] == "local" and info["payload_bits"] == 0


def test_000_reset_options_and_tasks():
    env = SplitInferenceEnv(preset="000")
    env.reset(seed=0, options={"day_of_year": 175, "tolerance_s": 0.2})
    inst = env.instance()
    assert env.get_task().day_of_year == 175 and np.all(inst.tolerance_s == 0.2)
    before = env.instance()
    for bad, err in [({"tolerance_s": -1.0}, ValueError), ({"tolerance_s": "x"}, TypeError),
                     ({"day_of_year": 3}, ValueError), ({"speed": 1}, ValueError)]:  # fmt: skip
        with pytest.raises(err):
            env.reset(options=bad)
    np.testing.assert_array_equal(env.instance().cost, before.cost)  # state unchanged
    with pytest.raises(TypeError, match="TstAfternoonTask"):
        env.reset(options={"task": trajectory_task()})
    env4 = SplitInferenceEnv(preset="004")
    with pytest.raises(ValueError, match="preset '000' only"):
        env4.reset(options={"tolerance_s": 0.1})
    with pytest.raises(TypeError, match="TrajectoryTask"):
        env4.reset(options={"task": tst_task(175)})


def test_predicted_mode_can_violate_where_realtime_cannot():
    # announcing P_max (the "fixed" forecast) over-promises the rate on every dim afternoon
    env = SplitInferenceEnv(preset="000", decision_info="predicted", predictor="fixed")
    n_viol_masked = 0
    for seed in range(3):
        env.reset(seed=seed)
        inst = env.instance()
        n_viol_masked += int((inst.mask & ~inst.feasible).sum())
    real = SplitInferenceEnv(preset="000")
    real.reset(seed=0)
    inst = real.instance()
    np.testing.assert_array_equal(inst.mask, inst.feasible)
    assert n_viol_masked > 0  # a forecast above the actual power promises uploads that fail


def test_config_bad_input_names_the_field():
    with pytest.raises(ValueError, match="preset"):
        SplitInferenceConfig(preset="001")
    with pytest.raises(ValueError, match="bandwidth_hz"):
        SplitInferenceConfig(bandwidth_hz=-1.0)
    with pytest.raises(ValueError, match="tolerance_max_s"):
        SplitInferenceConfig(tolerance_min_s=0.3, tolerance_max_s=0.1)
    with pytest.raises(TypeError, match="unknown"):
        gym.make(ENV_ID, bandwith_hz=1e6)
    with pytest.raises(ValueError, match="episode_steps"):
        SplitInferenceConfig(preset="000", episode_steps=37)
    with pytest.raises(ValueError, match="profile"):
        SplitInferenceEnv(preset="004", profile="resnet")
    with pytest.raises(ValueError, match="min_accuracy"):
        SplitInferenceEnv(preset="000", min_accuracy=0.9999)
    cfg = SplitInferenceConfig(preset="004", bandwidth_hz=15e3)
    env = gym.make(ENV_ID, config=cfg)
    assert env.unwrapped.config.bandwidth_hz == 15e3 and env.unwrapped.config.profile.startswith(
        "krouka"
    )


def test_render_modes_draw_frames():
    env = SplitInferenceEnv(preset="004", render_mode="rgb_array", episode_steps=3)
    env.reset(seed=0)
    env.step(0)
    frame = env.render()
    assert frame.ndim == 3 and frame.shape[2] == 3 and frame.std() > 0
    env = SplitInferenceEnv(preset="000", render_mode="ansi", episode_steps=3)
    env.reset(seed=0)
    env.step(0)
    assert "local" in env.render()


def test_004_outdated_csi_and_raw_offload():
    env = SplitInferenceEnv(preset="004", csi="outdated", allow_raw_offload=True)
    obs, _ = env.reset(seed=5)
    inst = env.instance()
    assert env.action_names[0] == "input" and inst.n_actions == 14
    assert inst.payload_bits[0] == 32 * 784 and np.all(inst.processing_j[:, 0] == 0)
    # the observed rate is the previous inference's channel, not the actual one
    assert not np.allclose(inst.rate_decision_bps, inst.rate_bps)
    np.testing.assert_allclose(10 ** obs[0], inst.rate_decision_bps[0], rtol=1e-5)
