"""Hand-computed checks of the channel (eqs. 3-6) and link (14-15) models."""

import numpy as np
import pytest

from leo_envs.models import channels, links


def test_fspl_at_ka_band_780_km_matches_hand_value():
    # 20 log10(4 pi * 780e3 * 30e9 / c) = 179.83 dB (spec section 2)
    assert channels.fspl_db(780e3, 30e9) == pytest.approx(179.83, abs=0.005)
    assert channels.fspl_db(500.0, 4e9) == pytest.approx(98.47, abs=0.005)


def test_free_space_gain_is_inverse_of_fspl_and_falls_with_square_of_distance():
    g1 = channels.free_space_gain_linear(1e3, 4e9)
    g2 = channels.free_space_gain_linear(2e3, 4e9)
    assert g1 / g2 == pytest.approx(4.0)
    assert channels.linear_to_db(g1) == pytest.approx(-channels.fspl_db(1e3, 4e9))


def test_noise_power_for_20_mhz_at_minus_174_dbm_per_hz():
    noise_w = channels.noise_power_w(-174.0, 20e6)
    assert channels.w_to_dbm(noise_w) == pytest.approx(-100.99, abs=0.005)
    assert channels.w_to_dbm(channels.noise_power_w(-174.0, 400e6)) == pytest.approx(
        -87.98, abs=0.005
    )


def test_atmospheric_loss_is_a_loss_growing_with_slant_range_eq5():
    # chi = 0.05 dB/km over 3 km at zenith: 0.15 dB; twice the slant range doubles the dB
    assert channels.linear_to_db(
        channels.atmospheric_loss_linear(780.0, 780.0, 0.05)
    ) == pytest.approx(0.15)
    assert channels.linear_to_db(
        channels.atmospheric_loss_linear(1560.0, 780.0, 0.05)
    ) == pytest.approx(0.30)
    gain_clear = channels.leo_channel_gain_linear(780e3, 30e9, 1.0, 1.0, 1.0)
    gain_rain = channels.leo_channel_gain_linear(
        780e3, 30e9, 1.0, 1.0, channels.atmospheric_loss_linear(780.0, 780.0, 1.0)
    )
    assert gain_rain < gain_clear


def test_pitch_angle_factor_is_one_at_boresight_and_decays():
    assert channels.pitch_angle_factor(0.0, 20) == pytest.approx(1.0)
    assert channels.pitch_angle_factor(np.radians(10.0), 20) == pytest.approx(
        np.cos(np.radians(10.0)) ** 20
    )


def test_log_distance_path_loss_reduces_to_fspl_with_exponent_two():
    assert channels.log_distance_path_loss_db(300.0, 4e9, 2.0) == pytest.approx(
        channels.fspl_db(300.0, 4e9)
    )
    # every decade of distance adds 10 n dB
    far = channels.log_distance_path_loss_db(1000.0, 4e9, 3.5)
    delta = far - channels.log_distance_path_loss_db(100.0, 4e9, 3.5)
    assert delta == pytest.approx(35.0)


def test_rician_and_rayleigh_fading_have_unit_mean_power():
    rng = np.random.default_rng(0)
    rayleigh = np.abs(channels.correlated_complex_fading(rng, 50, 2000, 0.9, None)) ** 2
    rician = np.abs(channels.correlated_complex_fading(rng, 50, 2000, 0.9, 20.0)) ** 2
    assert rayleigh.mean() == pytest.approx(1.0, abs=0.03)
    assert rician.mean() == pytest.approx(1.0, abs=0.01)
    assert rician.var() < rayleigh.var()  # strong line of sight fades less


def test_sinr_counts_only_active_same_band_interferers_eq14():
    gain = np.array([[1e-3, 1e-3], [1e-3, 2e-3], [4e-3, 1e-3]])  # [J=3, K=2]
    power = np.array([1.0, 2.0, 1.0])
    noise = np.array([1e-6, 1e-6, 1e-6])
    band = np.array([0, 1, 1])
    all_on = links.sinr_linear(gain, power, noise, band, np.array([True, True, True]))
    # Ka transmitter 0: no interferer at all
    assert all_on[0, 0] == pytest.approx(1e-3 / 1e-6)
    # C-band transmitter 1 to device 0 is interfered by transmitter 2 only
    assert all_on[1, 0] == pytest.approx(2e-3 / (4e-3 + 1e-6))
    tx2_off = links.sinr_linear(gain, power, noise, band, np.array([True, True, False]))
    assert tx2_off[1, 0] == pytest.approx(2e-3 / 1e-6)


def test_shannon_rate_and_bits_per_slot_eq15():
    assert links.shannon_rate_bps(20e6, 1.0) == pytest.approx(20e6)
    assert links.bits_per_slot(400e6, 3.0, 0.1) == pytest.approx(0.1 * 400e6 * 2.0)
