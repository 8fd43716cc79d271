"""Pure parts of RelayOffloading-v0: relay timing (spec A4), tables, FIFO cluster, arrivals,
message formulas."""

import numpy as np
import pytest

from leo_envs.envs.relay_offloading import arrivals, hardware, timing
from leo_envs.envs.relay_offloading.cluster import EdgeCluster, fifo_completion_s
from leo_envs.envs.relay_offloading.messages import MessageCounter, leoedge_messages_per_decision

T_BITS = 150528 * 8  # 1.204224 Mbit
S_BITS = 1000 * 8
L, P, K, P_IJ, C_E = 10e6, 0.01, 100e6, 0.001, 0.05


def test_worked_example_delays():
    assert timing.direct_transfer_s(T_BITS, L, P) == pytest.approx(0.121639, abs=1e-6)
    assert timing.direct_transfer_s(T_BITS, L, P, "paper_literal") == pytest.approx(
        0.001204, abs=1e-6
    )
    assert timing.relay_transfer_s(T_BITS, K, L, P_IJ, P) == pytest.approx(0.121761, abs=1e-6)
    assert timing.relay_transfer_s(T_BITS, K, L, P_IJ, P, "paper_literal") == pytest.approx(
        0.001325, abs=1e-6
    )
    d, dj = timing.path_delay_s(T_BITS, S_BITS, True, C_E, L, P, [K], [P_IJ])
    assert d == pytest.approx(0.172447, abs=1e-6)
    assert dj[0] == pytest.approx(0.172569, abs=1e-6)


def _decide(relay_window):
    d, dj = timing.path_delay_s(T_BITS, S_BITS, False, C_E, L, P, [K], [P_IJ])
    feas = timing.feasible_paths(d, True, 0.1, dj, [True], [60.0], relay_window)
    return timing.choose_path(feas, dj, [True])


def test_worked_example_relays_and_literal_goes_local():
    assert _decide("neighbor") == timing.PATH_RELAY0
    assert _decide("paper_literal") == timing.PATH_LOCAL


def test_literal_relay_test_can_never_pass_after_direct_failed():
    rng = np.random.default_rng(0)
    for _ in range(200):
        p, pij = rng.uniform(0, 0.3, 2)
        k = rng.uniform(1e6, 1e9)
        d = timing.direct_transfer_s(T_BITS, L, p)
        dj = timing.relay_transfer_s(T_BITS, k, L, pij, p)
        assert dj >= d  # so d_ij <= T_a(i) < d is impossible


def test_path_rule_prefers_direct_then_same_plane_then_fastest():
    dj = np.array([0.3, 0.2, 0.1, 0.05])
    same = np.array([True, True, False, False])
    assert timing.choose_path(np.array([True, True, True, True, True]), dj, same) == 0
    assert timing.choose_path(np.array([False, True, True, True, True]), dj, same) == 2
    assert timing.choose_path(np.array([False, False, False, True, True]), dj, same) == 4
    assert timing.choose_path(np.zeros(5, bool), dj, same) == timing.PATH_LOCAL
    with pytest.raises(ValueError, match="relay_window"):
        timing.feasible_paths(0.1, True, 1.0, dj, same, dj, "bogus")
    with pytest.raises(ValueError, match="delay_model"):
        timing.direct_transfer_s(1.0, L, P, "bogus")


def test_tables_snapdragon_835_shufflenet():
    proc = hardware.PROCESSORS.index("Snapdragon 835")
    model = hardware.MODELS.index("ShuffleNetV2")
    assert hardware.image_latency_s(proc, model, adaptive=False) == pytest.approx(0.0342)
    assert hardware.image_latency_s(proc, model, adaptive=True) == pytest.approx(0.0192)
    assert hardware.model_accuracy(proc, model, adaptive=True) == pytest.approx(0.6825)
    assert hardware.model_accuracy(proc, model, adaptive=False) == pytest.approx(0.691)
    # adaptive modelling never slows a model down, and the edge model beats them all
    assert np.all(hardware.LATENCY_MS_ADAPTIVE <= hardware.LATENCY_MS_ORIGINAL)
    assert hardware.ACCURACY_ADAPTIVE.max() < 0.80


def test_onboard_load_bounded_and_seeded():
    a = hardware.onboard_load_series(np.random.default_rng(3), 4, 600)
    b = hardware.onboard_load_series(np.random.default_rng(3), 4, 600)
    np.testing.assert_array_equal(a, b)
    assert a.min() >= 0.0 and a.max() <= 0.6 and abs(a.mean() - 0.3) < 0.1


def test_fifo_completion_times():
    cluster = EdgeCluster(1, 1, np.array([0.2]))
    assert cluster.dispatch(0, 1.0, 2.0) == (1.0, 3.0)
    assert cluster.dispatch(0, 2.0, 1.0) == (3.0, 4.0)  # queued behind the first
    assert cluster.dispatch(0, 10.0, 0.5) == (10.0, 10.5)  # idle gap
    assert fifo_completion_s(2.0, 3.0, 1.0) == 4.0
    assert fifo_completion_s(10.0, 4.0, 0.5) == 10.5
    assert cluster.busy_at(3.5).tolist() == [True]
    assert cluster.busy_at(5.0).tolist() == [False]
    assert cluster.busy_one(0, 10.2) and not cluster.busy_one(0, 9.9)
    assert cluster.load_at(3.5)[0] == pytest.approx(1.0)
    assert cluster.load_at(5.0)[0] == pytest.approx(0.2)
    series = cluster.load_series(12.0)  # 1-s bins: busy 1-4 and 10-10.5
    assert series.shape == (12, 1)
    expected = np.full(12, 0.2)
    expected[1:4] = 1.0
    expected[10] = 0.2 + 0.8 * 0.5
    np.testing.assert_allclose(series[:, 0], expected)


def test_load_queries_match_every_task_interval_with_deep_queues():
    """The sweep behind load_at (non-decreasing query times) and the ring behind busy_at
    agree with the busy intervals of all tasks, also with more queued tasks than the ring
    holds and for a query earlier than the last one."""
    rng = np.random.default_rng(3)
    bg = rng.uniform(0.1, 0.3, size=4)
    cluster = EdgeCluster(2, 2, bg)
    intervals: list[tuple[int, float, float]] = []
    t = 0.0
    for _ in range(300):
        t += rng.exponential(0.3)
        for _ in range(int(rng.integers(0, 3))):  # tasks in flight: arrive up to 2 s later
            c = int(rng.integers(4))
            start, end = cluster.dispatch(c, t + rng.uniform(0.0, 2.0), rng.uniform(0.2, 2.0))
            intervals.append((c, start, end))
        busy = np.zeros(4, dtype=bool)
        for c, start, end in intervals:
            busy[c] |= start <= t < end
        np.testing.assert_array_equal(cluster.load_at(t), np.where(busy, 1.0, bg))
    assert max(len(ends) for ends in cluster._ends) > 3 * EdgeCluster.RING
    past = t - 1.0  # an earlier query: the ring's answer
    busy = np.zeros(4, dtype=bool)
    for c, start, end in intervals:
        busy[c] |= start <= past < end
    np.testing.assert_array_equal(cluster.load_at(past), np.where(busy, 1.0, bg))


def test_lbs_places_on_least_loaded_server_then_container():
    cluster = EdgeCluster(2, 2, np.full(4, 0.1))
    cluster.dispatch(0, 0.0, 5.0)  # server 0 busy on container 0
    assert cluster.least_loaded(1.0) == 2  # server 1, first container
    cluster.dispatch(2, 0.0, 1.0)
    cluster.dispatch(3, 0.0, 1.0)
    # backlog at 0.5 s: server 0 (4.5 + 0) vs server 1 (0.5 + 0.5): server 1 is lighter
    assert cluster.least_loaded(0.5) == 2
    cluster.dispatch(2, 0.0, 9.0)  # now server 1 carries more
    assert cluster.least_loaded(0.5) == 1
    with pytest.raises(ValueError, match="background_load"):
        EdgeCluster(2, 2, np.zeros(3))


@pytest.mark.parametrize("scenario", ["light", "normal", "heavy"])
def test_poisson_rates_per_scenario(scenario):
    rng = np.random.default_rng(11)
    n_sats, horizon = 10, 600.0
    low, high = arrivals.MEAN_INTERARRIVAL_S[scenario]
    rates = arrivals.arrival_rates_per_s(low, high, n_sats, rng)
    assert np.all((1 / rates >= low) & (1 / rates <= high))
    times, sat = arrivals.poisson_arrivals(rates, horizon, rng)
    assert np.all(np.diff(times) >= 0) and times.min() >= 0 and times.max() < horizon
    counts = np.bincount(sat, minlength=n_sats)
    expected = rates * horizon
    # empirical total within 3 sigma of the Poisson mean; per-satellite within 4 sigma
    assert abs(counts.sum() - expected.sum()) <= 3 * np.sqrt(expected.sum())
    assert np.all(np.abs(counts - expected) <= 4 * np.sqrt(expected))
    with pytest.raises(ValueError, match="interarrival_low_s"):
        arrivals.arrival_rates_per_s(2.0, 1.0, 3, rng)


def test_message_counter_and_leoedge_formula():
    counter = MessageCounter()
    counter.add("sat_lbs", 2)
    counter.add("server_container")
    assert counter.as_dict() == {"sat_lbs": 2, "lbs_server": 0, "server_container": 1}
    with pytest.raises(ValueError, match="kind"):
        counter.add("sat_sat")
    with pytest.raises(ValueError, match="n must be"):
        counter.add("sat_lbs", -1)
    per_task = leoedge_messages_per_decision(3, 12, inner_iters=3, middle_iters=2, outer_iters=1)
    assert per_task.tolist() == [2, 30, 144]
