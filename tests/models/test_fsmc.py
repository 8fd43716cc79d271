"""Tests for leo_envs.models.fsmc: the FSMC of eqs. (10)-(11) and its table sampler."""

import numpy as np
import pytest

from leo_envs.models import fsmc


def test_fsmc_levels_are_equiprobable_and_transitions_stochastic():
    chain = fsmc.build_fsmc(8, fsmc.doppler_correlation(1.0, 0.1), None)
    assert chain.transition.shape == (8, 8)
    np.testing.assert_allclose(chain.transition.sum(axis=1), 1.0)
    np.testing.assert_allclose(chain.stationary, 1 / 8, atol=0.01)
    assert np.all(np.diff(chain.level_gain) > 0)
    # time-correlated fading keeps the level close: mean jump far below the 2.625 levels
    # of independent slots, which the uncorrelated chain reproduces
    distance = np.abs(np.subtract.outer(np.arange(8), np.arange(8)))
    assert (chain.stationary @ (chain.transition * distance).sum(axis=1)) < 1.5
    independent = fsmc.build_fsmc(8, 0.0, None)
    np.testing.assert_allclose(independent.transition, 1 / 8, atol=0.02)
    np.testing.assert_allclose(chain.stationary @ chain.transition, chain.stationary, atol=1e-9)


def test_fsmc_paths_follow_the_transition_matrix():
    chain = fsmc.build_fsmc(4, 0.95, 10.0)
    tables = fsmc.sampler_tables([chain], np.log10(chain.level_gain)[None].astype(np.float32))
    uniforms = np.random.default_rng(1).integers(0, 2**16, (200, 1, 500), dtype=np.uint16)
    paths, log_gain = fsmc.fading_paths(tables, uniforms)
    assert paths.shape == uniforms.shape and paths.dtype == np.uint8
    paths = paths[:, 0]
    counts = np.zeros((4, 4))
    np.add.at(counts, (paths[:-1].ravel(), paths[1:].ravel()), 1)
    empirical = counts / counts.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(empirical, chain.transition, atol=0.02)
    # slot 0 follows the stationary law; gains are the levels' log10 gains
    start = np.bincount(paths[0], minlength=4) / paths.shape[1]
    np.testing.assert_allclose(start, chain.stationary, atol=0.06)
    np.testing.assert_array_equal(
        log_gain[:, 0], np.log10(chain.level_gain).astype(np.float32)[paths]
    )


def test_each_row_follows_its_own_chain():
    sticky = fsmc.build_fsmc(4, 0.99, None, seed=3)
    independent = fsmc.build_fsmc(4, 0.0, None, seed=4)
    gains = np.log10(np.stack([sticky.level_gain, independent.level_gain])).astype(np.float32)
    tables = fsmc.sampler_tables([sticky, independent], gains)
    uniforms = np.random.default_rng(2).integers(0, 2**16, (300, 2, 200), dtype=np.uint16)
    paths, _ = fsmc.fading_paths(tables, uniforms)
    stay = (paths[1:] == paths[:-1]).mean(axis=(0, 2))
    assert stay[0] > 0.8 and stay[1] == pytest.approx(0.25, abs=0.03)
    # batched leading axes give the same paths as one episode at a time
    batch = np.stack([uniforms, uniforms[::-1]])
    batched, _ = fsmc.fading_paths(tables, batch)
    np.testing.assert_array_equal(batched[0], paths)
    np.testing.assert_array_equal(batched[1], fsmc.fading_paths(tables, uniforms[::-1])[0])


def test_inverse_cdf_table_by_hand():
    # bins centred at 1/8, 3/8, 5/8, 7/8: CDF (0.25, 1) gives levels 0, 1, 1, 1 and
    # CDF (0.5, 1) gives 0, 0, 1, 1
    table = fsmc.inverse_cdf_table(np.array([[0.25, 1.0], [0.5, 1.0]]), bits=2)
    np.testing.assert_array_equal(table, [0, 1, 1, 1, 0, 0, 1, 1])


def test_sampler_rejects_mismatched_inputs():
    a, b = fsmc.build_fsmc(4, 0.5, None), fsmc.build_fsmc(3, 0.5, None)
    with pytest.raises(ValueError, match="levels"):
        fsmc.sampler_tables([a, b], np.zeros((2, 4), np.float32))
    with pytest.raises(ValueError, match="log_gain"):
        fsmc.sampler_tables([a], np.zeros((2, 4), np.float32))
    tables = fsmc.sampler_tables([a], np.zeros((1, 4), np.float32))
    with pytest.raises(ValueError, match="rows"):
        fsmc.fading_paths(tables, np.zeros((5, 2, 3), np.uint16))


def test_doppler_correlation_matches_bessel_values():
    assert fsmc.doppler_correlation(0.0, 0.1) == pytest.approx(1.0)
    assert fsmc.doppler_correlation(1.0, 0.1) == pytest.approx(0.9037, abs=1e-4)  # J0(0.628)


def test_fsmc_rejects_bad_parameters():
    with pytest.raises(ValueError, match="n_levels"):
        fsmc.build_fsmc(0, 0.5, None)
    with pytest.raises(ValueError, match="correlation"):
        fsmc.build_fsmc(4, 1.5, None)


def test_static_fading_chain_is_absorbing_with_equiprobable_levels():
    chain = fsmc.build_fsmc(8, fsmc.doppler_correlation(0.0, 0.1), None)  # no Doppler
    np.testing.assert_allclose(chain.transition, np.eye(8))
    np.testing.assert_allclose(chain.stationary, 1 / 8, atol=0.02)


def test_fading_paths_write_into_out_arrays():
    chain = fsmc.build_fsmc(4, 0.9, None, seed=5)
    tables = fsmc.sampler_tables([chain], np.log10(chain.level_gain)[None].astype(np.float32))
    uniforms = np.random.default_rng(3).integers(0, 2**16, (2, 6, 1, 9), dtype=np.uint16)
    expected = fsmc.fading_paths(tables, uniforms)
    out = np.zeros(uniforms.shape, np.uint8), np.zeros(uniforms.shape, np.float32)
    returned = fsmc.fading_paths(tables, uniforms, out)
    assert returned[0] is out[0] and returned[1] is out[1]
    np.testing.assert_array_equal(out[0], expected[0])
    np.testing.assert_array_equal(out[1], expected[1])
    strided = np.zeros((2, 6, 1, 18), np.uint8)[..., ::2]
    with pytest.raises(ValueError, match="C-contiguous"):
        fsmc.fading_paths(tables, uniforms, (strided, out[1]))
    with pytest.raises(ValueError, match="shape"):
        fsmc.fading_paths(tables, uniforms, (out[0][:1], out[1]))
