"""Offline training helpers: the MNIST idx reader and global pruning to a target Cr."""

import gzip

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from agents.split_models.models import KroukaCNN, ZhengLSTM  # noqa: E402
from agents.split_models.train_cnn import compress, finalize, load_mnist  # noqa: E402
from agents.split_models.train_lstm import prune_lstm  # noqa: E402


def _write_idx(path, array: np.ndarray, gz: bool) -> None:
    header = bytes([0, 0, 8, array.ndim]) + b"".join(d.to_bytes(4, "big") for d in array.shape)
    data = header + array.astype(np.uint8).tobytes()
    if gz:
        with gzip.open(path.with_suffix(path.suffix + ".gz"), "wb") as fh:
            fh.write(data)
    else:
        path.write_bytes(data)


def test_mnist_idx_files_are_read_from_a_local_directory(tmp_path):
    rng = np.random.default_rng(0)
    imgs = rng.integers(0, 256, (5, 28, 28))
    labels = np.array([3, 1, 4, 1, 5])
    _write_idx(tmp_path / "train-images-idx3-ubyte", imgs, gz=True)
    _write_idx(tmp_path / "train-labels-idx1-ubyte", labels, gz=False)
    _write_idx(tmp_path / "t10k-images-idx3-ubyte", imgs[:2], gz=False)
    _write_idx(tmp_path / "t10k-labels-idx1-ubyte", labels[:2], gz=True)
    x_tr, y_tr, x_te, y_te = load_mnist(str(tmp_path))
    assert x_tr.shape == (5, 1, 28, 28) and x_te.shape == (2, 1, 28, 28)
    np.testing.assert_allclose(x_tr[2, 0].numpy(), imgs[2] / 255.0, rtol=1e-6)
    assert y_tr.tolist() == labels.tolist() and y_te.tolist() == [3, 1]
    with pytest.raises(FileNotFoundError, match="t10k"):
        (tmp_path / "t10k-images-idx3-ubyte").unlink()
        load_mnist(str(tmp_path))


@pytest.mark.parametrize("cr", [2.0, 6.0])
def test_global_pruning_reaches_the_requested_compression_ratio(cr):
    torch.manual_seed(0)
    model = KroukaCNN(channels=(2, 4, 4, 4), fc=(16, 8, 10))
    nnz = sum(int((p != 0).sum()) for p in model.parameters())
    pruned = finalize(compress(model, cr))
    kept = sum(int((p != 0).sum()) for p in pruned.parameters())
    assert kept == round(nnz / cr)  # Cr = nnz(original) / nnz(compressed), to one element


def test_lstm_pruning_is_70_percent_per_weight_tensor_and_biases_kept():
    torch.manual_seed(0)
    model = ZhengLSTM(n_features=3, hidden=8)
    pruned = prune_lstm(model, 0.7)
    for unit in (pruned.lstm1, pruned.lstm2, pruned.lstm3):
        for name in ("weight_ih_l0", "weight_hh_l0"):
            w = getattr(unit.lstm, name)
            assert int((w == 0).sum()) == round(0.7 * w.numel())
        assert int((unit.lstm.bias_ih_l0 == 0).sum()) == 0
    # the LSTM really computes with the pruned weights (no stale _flat_weights)
    x = torch.randn(2, 12, 3)
    with torch.no_grad():
        assert not torch.allclose(pruned(x), model(x))
        ref = pruned.lstm1.lstm
        manual = torch._VF.lstm(x, (torch.zeros(1, 2, 8), torch.zeros(1, 2, 8)),
                                [ref.weight_ih_l0, ref.weight_hh_l0, ref.bias_ih_l0,
                                 ref.bias_hh_l0], True, 1, 0.0, False, False, True)[0]  # fmt: skip
        torch.testing.assert_close(pruned.lstm1(x), manual)
