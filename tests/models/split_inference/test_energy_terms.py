"""Hand-computed values of the split-inference energy/latency terms (spec section 9)."""

import numpy as np
import pytest

from leo_envs.models import compute_energy as ce
from leo_envs.models.links import shannon_rate_bps
from leo_envs.models.split_costs import cut_processing_energy_j, tst_split_bits
from leo_envs.models.split_profiles import krouka_cnn_dense_profile, zheng_lstm_dense_profile


@pytest.mark.parametrize(
    ("bandwidth_hz", "rate_bps"),
    [(5e6, 1_315_172.03), (15e3, 91_205.60), (15e6, 1_396_641.07)],
)
def test_shannon_rate_004_eq3(bandwidth_hz, rate_bps):
    # P = 1 mW, N0 = 1e-9 W/Hz, |h|^2 = 1: SNR = 1e-3 / (1e-9 W)
    snr = ce.snr_linear(1e-3, 1.0, 1e-9, bandwidth_hz)
    assert float(shannon_rate_bps(bandwidth_hz, snr)) == pytest.approx(rate_bps, abs=0.01)


def test_upload_time_and_transmission_energy_eqs_4_5():
    rate = shannon_rate_bps(5e6, ce.snr_linear(1e-3, 1.0, 1e-9, 5e6))
    tau = ce.upload_time_s(320, rate)  # 10 floats
    assert float(tau) == pytest.approx(2.4331e-4, rel=1e-4)
    assert float(ce.transmission_energy_j(1e-3, tau)) == pytest.approx(2.4331e-7, rel=1e-4)
    assert float(ce.upload_time_s(0, rate)) == 0.0


def test_one_layer_energy_from_tables_I_II():
    e = ce.op_energies("fp32")
    assert (e.mult_j, e.add_j, e.mem_element_j) == (3.7e-12, 0.9e-12, 0.9e-9)
    # fc5: 640 MACs, 650 parameters
    assert float(ce.computation_energy_j(640, 640, e.mult_j, e.add_j)) == pytest.approx(2.944e-9)
    assert float(ce.memory_energy_j(650, e.mem_element_j)) == pytest.approx(585e-9)
    # conv1: 313 600 MACs, 416 parameters
    assert float(ce.computation_energy_j(313_600, 313_600, 3.7e-12, 0.9e-12)) == pytest.approx(
        1.44256e-6
    )
    assert float(ce.memory_energy_j(416, 0.9e-9)) == pytest.approx(374.4e-9)


def test_energy_table_every_entry_has_a_source():
    table = ce.energy_table()
    for section in ("arithmetic", "memory_access_64bit", "memory_per_element"):
        for name, entry in table[section].items():
            assert entry["source"].startswith(("printed:", "estimated:")), name
    assert table["memory_per_element"]["dram_fp32_fitted"]["source"].startswith("estimated")
    # a 64-bit DRAM access scaled to one 32-bit element
    assert ce.op_energies("int8", "dram_min").mem_element_j == pytest.approx(0.65e-9)
    with pytest.raises(ValueError, match="precision"):
        ce.op_energies("fp64")
    with pytest.raises(ValueError, match="memory"):
        ce.op_energies("fp32", "l3")


def test_cnn_cumulative_processing_to_pool2_and_psnc_15mhz():
    cuts = cut_processing_energy_j(krouka_cnn_dense_profile(), ce.op_energies())
    pool2 = cuts.names.index("pool2")
    assert cuts.processing_j[pool2] == pytest.approx(2.49188e-5, rel=1e-5)
    rate = shannon_rate_bps(15e6, ce.snr_linear(1e-3, 1.0, 1e-9, 15e6))
    e_tr = ce.transmission_energy_j(1e-3, ce.upload_time_s(cuts.payload_bits[pool2], rate))
    assert float(e_tr) == pytest.approx(3.5926e-5, rel=1e-4)
    assert cuts.processing_j[pool2] + e_tr == pytest.approx(6.0845e-5, rel=1e-4)


def test_transmission_energy_of_known_cuts():
    cuts = cut_processing_energy_j(krouka_cnn_dense_profile(), ce.op_energies())
    for name, w, expected in [("pool1", 15e3, 1.10028e-3), ("pool1", 15e6, 7.1852e-5),
                              ("fc1", 15e3, 1.79638e-4)]:  # fmt: skip
        rate = shannon_rate_bps(w, ce.snr_linear(1e-3, 1.0, 1e-9, w))
        bits = cuts.payload_bits[cuts.names.index(name)]
        assert float(ce.transmission_energy_j(1e-3, bits / rate)) == pytest.approx(expected, 1e-4)


def test_co2():
    assert float(ce.co2_kg(8.66e-4)) == pytest.approx(6.615e-11, rel=1e-3)


def test_000_cpu_terms_and_propagation():
    assert float(ce.propagation_delay_s(780e3)) == pytest.approx(5.2036e-3, rel=1e-4)
    assert float(ce.cpu_time_s(1e6, 120, 0.3e9)) == pytest.approx(0.4)
    assert float(ce.cpu_energy_j(1e6, 120, 0.3e9, 1e-26)) == pytest.approx(0.108)
    assert float(ce.cpu_time_s(1e6, 120, 3e9)) == pytest.approx(0.04)


def _pruned_lstm_profile():
    from leo_envs.models.split_profiles import ModelProfile, linear_unit, lstm_unit

    def pruned(n):  # torch removes round(0.7 n) entries per tensor
        return n - round(0.7 * n)

    units = (
        lstm_unit("lstm1", 6, 256, 12, weight_nnz=pruned(1024 * 6) + pruned(1024 * 256)),
        lstm_unit("lstm2", 256, 256, 12, weight_nnz=2 * pruned(1024 * 256)),
        lstm_unit("lstm3", 256, 256, 12, out_steps=1, weight_nnz=2 * pruned(1024 * 256)),
        linear_unit("head", 256, 1, weight_nnz=pruned(256)),
    )
    return ModelProfile("pruned", units, input_elems=72)


def test_000_split_latency_eq7_and_costs_by_hand():
    dense = zheng_lstm_dense_profile()
    assert dense.total_params == 1_323_265
    assert dense.counts("mults").tolist() == [3_219_456, 6_291_456, 6_291_456, 256]
    pruned = _pruned_lstm_profile()
    assert pruned.counts("params_nnz").tolist() == [82_534, 159_334, 159_334, 78]
    assert pruned.output_bits().tolist() == [98_304, 98_304, 8192, 32]
    bits = tst_split_bits(pruned)
    assert bits.local_bits[0] == 12_840_960 and bits.remote_bits[0] == 0
    assert bits.remote_bits[1] == 10_298_176
    rate = 101.638e6
    kw = dict(rate_bps=rate, tx_power_w=2.0, distance_m=780e3, cycles_per_bit=120,
              tst_hz=0.3e9, sec_hz=3e9, chip_coeff=1e-26)  # fmt: skip
    terms = ce.split_terms(bits.local_bits, bits.remote_bits, **kw)
    # eq. (7) for i = 1 by hand
    loc1, rem1 = bits.local_bits[1], bits.remote_bits[1]
    t1 = 120 * loc1 / 0.3e9 + 120 * rem1 / 3e9 + 2 * 780e3 / 299_792_458 + rem1 / rate
    assert terms.t_s[1] == pytest.approx(t1)
    assert terms.t_tx_s[1] == pytest.approx(0.10132, rel=1e-4)
    cost = terms.t_s + terms.e_j
    assert cost[:3] == pytest.approx([6.5232, 2.0628, 4.2985], abs=1e-4)
    # conservation and the all-local split sends nothing
    assert terms.t_prop_s[0] == 0 and terms.e_tx_j[0] == 0
    np.testing.assert_allclose(terms.e_j, terms.e_local_j + terms.e_tx_j)
