"""Baselines of SplitInference-v0: PS == enumerated optimum, Alg. 1 == OPT, paper orderings."""

import numpy as np
import pytest

from baselines.split_inference import (
    OPT,
    PS,
    PSNC,
    Pool1,
    PrunedSplit,
    Softmax,
    alg1_costs,
    alg1_select,
    paper_methods,
    ps_energies,
)
from leo_envs.envs.split_inference import SplitInferenceEnv
from leo_envs.harness import compare
from leo_envs.models.compute_energy import op_energies, snr_linear
from leo_envs.models.links import shannon_rate_bps
from leo_envs.models.split_profiles import load_profile


def _run(policy, env, seed):
    obs, info = env.reset(seed=seed)
    policy.reset(env)
    inst = env.instance()
    chosen = []
    done = False
    while not done:
        a = policy.act(obs, info)
        chosen.append(a)
        obs, _, term, trunc, info = env.step(a)
        done = term or trunc
    return inst, np.array(chosen)


@pytest.mark.parametrize("bandwidth_hz", [15e3, 5e6, 15e6])
def test_ps_equals_the_enumerated_optimum(bandwidth_hz):
    env = SplitInferenceEnv(preset="004", bandwidth_hz=bandwidth_hz)
    for seed in range(3):
        inst, chosen = _run(PS(), env, seed)
        rows = np.arange(inst.n_steps)
        best = inst.cost.min(axis=1)  # enumerate every cut at every step
        np.testing.assert_allclose(inst.cost[rows, chosen], best, rtol=1e-6)


def test_alg1_pruned_split_equals_opt_in_realtime_mode():
    env = SplitInferenceEnv(preset="000")
    for seed in range(3):
        inst, chosen = _run(PrunedSplit(), env, seed)
        rows = np.arange(inst.n_steps)
        np.testing.assert_allclose(inst.cost[rows, chosen], inst.cost.min(axis=1), rtol=1e-6)
        assert np.all(inst.feasible[rows, chosen])


def test_fixed_cut_baselines_and_ps_dominates_them():
    env = SplitInferenceEnv(preset="004")
    inst, pool = _run(Pool1(), env, 0)
    assert set(pool) == {inst.cut_names.index("pool1")}
    _, soft = _run(Softmax(), env, 0)
    assert set(soft) == {inst.cut_names.index("fc5")}
    _, ps = _run(PS(), env, 0)
    rows = np.arange(inst.n_steps)
    assert np.all(inst.cost[rows, ps] <= inst.cost[rows, pool] + 1e-12)
    assert np.all(inst.cost[rows, ps] <= inst.cost[rows, soft] + 1e-12)


def test_policies_refuse_the_other_papers_env():
    with pytest.raises(ValueError, match="paper-004"):
        PS().reset(SplitInferenceEnv(preset="000"))


def test_hand_alg1_on_the_spec_profile_values():
    # 2 W at zenith: R = 101.638 Mb/s (spec section 9); tolerance 0.2 s admits split 1 only
    prof = load_profile("zheng_lstm_pruned70")
    cost, _ = alg1_costs(prof, 101.638e6, 2.0)
    assert cost[:3] == pytest.approx([6.5232, 2.0628, 4.2985], abs=2e-3)
    assert alg1_select(prof, 101.638e6, 2.0, 0.2) == 1
    assert alg1_select(prof, 101.638e6, 2.0, 0.01) == 0
    assert alg1_select(prof, 101.638e6, 2.0, 0.2, accuracy=0.5) is None


def test_000_fig3_orderings_hold_at_every_tolerance():
    dense, pruned = load_profile("zheng_lstm_dense"), load_profile("zheng_lstm_pruned70")
    rate = 101.638e6
    prev = None
    for tol in np.linspace(0.0, 0.4, 81):
        original = alg1_costs(dense, rate, 2.0)[0][0]
        split = alg1_costs(dense, rate, 2.0)[0][alg1_select(dense, rate, 2.0, tol, accuracy=1)]
        ps = alg1_costs(pruned, rate, 2.0)[0][alg1_select(pruned, rate, 2.0, tol, accuracy=1)]
        assert ps <= split + 1e-12 <= original + 2e-12
        if prev is not None:
            assert ps <= prev[0] + 1e-12 and split <= prev[1] + 1e-12
        prev = (ps, split)


def test_004_table_iii_orderings_at_unit_gain():
    e = op_energies()
    comp, orig = load_profile("krouka_cnn_compressed"), load_profile("krouka_cnn_original")
    names = [u.name for u in comp.units]
    res = {}
    for w in (15e3, 15e6):
        rate = float(shannon_rate_bps(w, snr_linear(1e-3, 1.0, 1e-9, w)))
        ec, eo = ps_energies(comp, e, rate, 1e-3), ps_energies(orig, e, rate, 1e-3)
        res[w] = {"pool1": ec[names.index("pool1")], "softmax": ec[names.index("fc5")],
                  "ps": ec.min(), "psnc": eo.min()}  # fmt: skip
        r = res[w]
        assert r["ps"] <= min(r["pool1"], r["softmax"], r["psnc"])
    assert res[15e3]["pool1"] == max(res[15e3].values())
    assert res[15e6]["ps"] < res[15e6]["softmax"]
    for k in ("ps", "psnc"):
        assert res[15e6][k] <= res[15e3][k]


def test_harness_gap_to_opt_is_zero_for_ps():
    df = compare({"ps": PS(), "opt": OPT(), "pool1": Pool1(), "psnc": PSNC()},
                 "leo_envs/SplitInference-v0", seeds=(0, 1),
                 env_kwargs={"preset": "004", "episode_steps": 12}, progress=False)  # fmt: skip
    assert df["error"].isna().all()
    gap = df.groupby("policy")["gap_to_opt"].max()
    assert gap["opt"] == 0.0 and gap["ps"] == pytest.approx(0.0, abs=1e-9)
    assert gap["pool1"] > 0


def test_paper_methods_name_their_env_kwargs():
    m = paper_methods("000")
    assert set(m) == {"original", "split_only", "pruned_split"}
    assert m["pruned_split"][1]["profile"] == "zheng_lstm_pruned70"
    assert set(paper_methods("004")) == {"pool1", "softmax", "ps", "psnc"}
    with pytest.raises(ValueError, match="preset"):
        paper_methods("002")


def test_004_fig4_orderings_at_every_waypoint():
    from leo_envs.envs.split_inference.config import DEFAULT_WAYPOINTS_M
    from leo_envs.models.split_channels import distance_gain
    from leo_envs.models.split_costs import cut_processing_energy_j

    e = op_energies()
    comp, orig = load_profile("krouka_cnn_compressed"), load_profile("krouka_cnn_original")
    cc, co = cut_processing_energy_j(comp, e), cut_processing_energy_j(orig, e)
    pool1, fc5 = cc.names.index("pool1"), cc.names.index("fc5")
    rng = np.random.default_rng(0)
    for pos in DEFAULT_WAYPOINTS_M:
        g2 = distance_gain(np.hypot(*pos)) * rng.exponential(1.0, 50)
        rate = shannon_rate_bps(5e6, snr_linear(1e-3, g2, 1e-9, 5e6))[:, None]
        tot_c = cc.processing_j + 1e-3 * cc.payload_bits / rate
        tot_o = co.processing_j + 1e-3 * co.payload_bits / rate
        ps, psnc = tot_c.argmin(1), tot_o.argmin(1)
        rows = np.arange(len(g2))
        e_ps = tot_c[rows, ps]
        assert np.all(e_ps <= np.minimum(tot_c[:, pool1], tot_c[:, fc5]))
        assert np.all(e_ps <= tot_o[rows, psnc])
        ep = {"pool1": cc.processing_j[pool1], "softmax": cc.processing_j[fc5],
              "ps": cc.processing_j[ps].mean(), "psnc": co.processing_j[psnc].mean()}  # fmt: skip
        assert ep["pool1"] <= min(ep.values())
        etr = 1e-3 / rate[:, 0]
        tr = {"pool1": (cc.payload_bits[pool1] * etr).mean(),
              "softmax": (cc.payload_bits[fc5] * etr).mean(),
              "ps": (cc.payload_bits[ps] * etr).mean(),
              "psnc": (co.payload_bits[psnc] * etr).mean()}  # fmt: skip
        assert tr["softmax"] <= min(tr["pool1"], tr["psnc"])
        assert tr["pool1"] >= max(tr["softmax"], tr["ps"])


def test_opt_follows_the_exact_planner_protocol():
    from baselines.common.exact import ExactSolver

    env = SplitInferenceEnv(preset="000")
    env.reset(seed=4)
    opt = OPT()
    assert isinstance(opt, ExactSolver) and opt.is_exact
    plan = opt.plan(env.instance())
    res = opt.last_result
    assert res.status == "optimal" and res.gap == 0.0
    assert res.objective == pytest.approx(env.instance().score(plan))
    with pytest.raises(RuntimeError, match="planner"):
        opt.act(None, {})
