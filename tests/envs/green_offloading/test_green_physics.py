"""Hand values of GreenOffloading-v0's physics (spec sections 1.3 and B2/B7, paper 003)."""

import numpy as np
import pytest

from leo_envs.envs.green_offloading.config import GreenOffloadingConfig
from leo_envs.envs.green_offloading.dynamics import (
    benchmark_energy_j,
    queue_drop,
    slot_energy_j,
)
from leo_envs.envs.green_offloading.radio import (
    drop_probability,
    link_rate_bps,
    link_snr_db,
    local_delay_s,
    propagation_delay_s,
    satellite_delay_s,
    server_delay_s,
)
from leo_envs.models.channels import fspl_db

TABLE1 = {"eirp_dbw": 34.9, "g_over_t_db_per_k": 15.84, "carrier_hz": 30e9, "bandwidth_hz": 10e6}


def test_fspl_hand_values_eq5():
    assert fspl_db(550e3, 30e9) == pytest.approx(176.797, abs=1e-3)
    assert fspl_db(992.870e3, 30e9) == pytest.approx(181.928, abs=1e-3)
    # eq. (5)'s rounded constant: 92.45 + 20 log10 f_GHz + 20 log10 d_km, within 0.003 dB
    assert 92.45 + 20 * np.log10(30) + 20 * np.log10(550) == pytest.approx(176.800, abs=1e-3)


@pytest.mark.parametrize(
    ("range_km", "snr_db", "rate_mbps"),
    [(550.0, 32.542, 108.11), (992.870, 27.411, 91.08), (1123.418, 26.338, 87.53)],
)
def test_link_budget_eq4_and_shannon_rate(range_km, snr_db, rate_mbps):
    snr = link_snr_db(range_km, **TABLE1)
    assert snr == pytest.approx(snr_db, abs=1e-3)
    assert link_rate_bps(snr, 10e6) / 1e6 == pytest.approx(rate_mbps, abs=0.01)


def test_propagation_delay_hand_values():
    assert propagation_delay_s(550.0) * 1e3 == pytest.approx(1.835, abs=1e-3)
    assert propagation_delay_s(992.870) * 1e3 == pytest.approx(3.312, abs=1e-3)


def test_local_delay_eqs_12_13_zero_queue():
    cfg = GreenOffloadingConfig()
    server = server_delay_s(cfg.task_up_bytes, cfg.server_rate_bps, cfg.local_service_s, 0.0)
    assert server == pytest.approx(0.048 + 0.25)
    t_loc = local_delay_s(
        cfg.task_up_bytes, cfg.task_down_bytes, cfg.device_rate_bps, cfg.access_s, server
    )
    # 0.48 + 0.016 + 0.001 + 0.048 + 0.25 + 2 x 1 us (300 m device link)
    assert t_loc == pytest.approx(0.795002, abs=1e-6)
    # a queue wait adds one to one (eq. 12)
    waited = server_delay_s(cfg.task_up_bytes, cfg.server_rate_bps, cfg.local_service_s, 0.1)
    assert waited - server == pytest.approx(0.1)


@pytest.mark.parametrize(("path", "expected"), [("cut_through", 0.8016), ("literal", 0.5769)])
def test_satellite_delay_eq14_at_30_degrees(path, expected):
    # The spec's worked values use a 0.25 s satellite service time (B2 quotes 0.20 s for the
    # default; the value here reproduces the printed numbers).
    rate = link_rate_bps(link_snr_db(992.870, **TABLE1), 10e6)
    server = server_delay_s(3e6, 1e9, 0.25, 0.0)
    t_sat = satellite_delay_s(
        3e6, 0.1e6, rate, 992.870, server, device_rate_bps=50e6, access_s=1e-3, path=path
    )
    assert t_sat == pytest.approx(expected, abs=1e-4)


def test_satellite_delay_rejects_unknown_path():
    with pytest.raises(ValueError, match="path"):
        satellite_delay_s(1.0, 1.0, 1e6, 500.0, 0.1, device_rate_bps=1e6, access_s=0.0, path="x")


def test_soft_drop_law():
    assert drop_probability(1.0, 0.8, 4.0) == pytest.approx(0.5904)
    assert drop_probability(0.79, 0.8, 4.0) == 0.0
    assert drop_probability(np.inf, 0.8, 4.0) == 1.0


def test_energy_eqs_6_to_8_spec_b7_hand_value():
    cfg = GreenOffloadingConfig(
        device_link_j_per_byte=0.0, server_link_j_per_byte=0.0, queue_j_per_byte=0.0
    )
    bs, edge = slot_energy_j(
        cfg,
        g_on=np.array([5]),
        g_prev=np.array([3]),
        work_container_s=np.array([2250.0]),
        device_tasks=np.array([9000.0]),
        server_tasks=np.array([9000.0]),
        queued_task_substeps=np.array([100.0]),
    )
    assert bs[0] == pytest.approx(9_540 + 45_000)
    assert edge[0] == pytest.approx(22_500 + 11_250 + 100)
    bench = benchmark_energy_j(cfg, np.array([9000.0]))  # 9000 tasks x 0.25 s = 2250 s
    assert bench[0] == pytest.approx(54_540 + 90_000 + 11_250)
    assert 1 - (bs[0] + edge[0]) / bench[0] == pytest.approx(0.4326, abs=1e-4)


def test_queue_drop_regimes():
    base, sigma = 0.795, 0.8
    # Capacity covers the arrivals and no backlog: nothing waits, nothing drops.
    share, delay = queue_drop(np.array([0.0]), np.array([500.0]), np.array([10.0]), 60.0, base,
                              sigma, 4.0)  # fmt: skip
    assert share[0] == 0.0 and delay[0] == pytest.approx(base)
    # Sustained overload x1.5 from an equilibrium backlog: the accepted rate equals the
    # service rate, so the drop share is 1 - mu / lambda.
    mu, lam = 10.0, 15.0
    q_star = mu * (sigma * (lam / mu) ** 0.25 - base)
    share, delay = queue_drop(np.array([q_star]), np.array([lam * 60.0]), np.array([mu]), 60.0,
                              base, sigma, 4.0)  # fmt: skip
    assert share[0] == pytest.approx(1 - mu / lam, abs=1e-9)
    assert delay[0] == pytest.approx(sigma * 1.5**0.25, abs=1e-9)
    # No containers: everything drops.
    share, _ = queue_drop(np.array([0.0]), np.array([10.0]), np.array([0.0]), 60.0, base,
                          sigma, 4.0)  # fmt: skip
    assert share[0] == 1.0


def test_expected_energy_parts_plus_switching_equal_the_whole_to_the_bit():
    from leo_envs.envs.green_offloading.dynamics import (
        expected_site_energy_j,
        expected_site_energy_parts_j,
        provisioned_containers,
        switching_energy_j,
    )

    cfg = GreenOffloadingConfig(switch_energy_j=37.3, queue_j_per_byte=1e-9)
    rng = np.random.default_rng(5)
    load = rng.uniform(0.0, 3000.0, (50, 8))
    need = provisioned_containers(cfg, load)
    g_prev = rng.integers(0, cfg.containers_per_site + 1, (50, 8))
    bs, edge = expected_site_energy_parts_j(cfg, load, 0.0, need, need)
    whole = expected_site_energy_j(cfg, load, 0.0, need, g_prev)
    assert np.any(need != g_prev)
    np.testing.assert_array_equal(bs + (edge + switching_energy_j(cfg, need, g_prev)), whole)
