"""PyTorch-layout state dicts (issue 13): the converters are exact inverses (always tested), and, with torch
installed (an optional oracle), a PyTorch-trained MLP and CNN run in neuralab with the same outputs (1e-5), and
neuralab's weights (recurrent layers included) load into PyTorch's twins."""
import numpy as np
import pytest

import neuralab as nl
from neuralab import nn
from neuralab.export import ExportError, from_torch, to_torch

RNG = np.random.default_rng(7)


def _cnn(bn_eps=1e-5):
    return nn.Sequential(nn.Conv2D(3, 4, 3), nn.BatchNorm(4, eps=bn_eps), nn.ReLU(), nn.MaxPool2D(2),
                         nn.Conv2D(4, 6, 3, padding="VALID"), nn.ReLU(), nn.Flatten(), nn.Dense(6 * 2 * 2, 5))


def test_torch_layouts_and_exact_round_trip_without_torch():
    model = _cnn()
    model(np.zeros((1, 8, 8, 3), np.float32))
    sd = model.export_state_dict(layout="torch", input_shape=(8, 8, 3))
    assert sd["0.weight"].shape == (4, 3, 3, 3)  # OIHW
    assert sd["7.weight"].shape == (5, 24)  # (out, in)
    assert {"1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked"} <= set(sd)
    assert "1.gamma" not in sd
    assert all(np.array_equal(a, b) for a, b in zip(to_torch(model, input_shape=(8, 8, 3)).values(), sd.values()))
    np.testing.assert_array_equal(sd["0.weight"], model[0].weight.numpy().transpose(3, 2, 0, 1))
    # Flatten: PyTorch's column (c, h, w) is neuralab's row (h, w, c)
    w = model[7].weight.numpy()
    c, h, w_ = 2, 1, 0
    np.testing.assert_array_equal(sd["7.weight"][:, c * 4 + h * 2 + w_], w[h * 12 + w_ * 6 + c])
    back = from_torch(model, sd, input_shape=(8, 8, 3))
    assert list(back) == list(model.state_dict())
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(back[k], v, err_msg=k)
    with pytest.raises(ExportError, match=r"input_shape=\(28, 28, 1\)"):
        model.export_state_dict(layout="torch")
    with pytest.raises(ValueError, match="layout must be one of"):
        model.load_state_dict(model.state_dict(), layout="tf")


def test_lazy_layers_are_built_from_torch_shapes():
    model = nn.Sequential(nn.Dense(None, 3), nn.BatchNorm(None))
    model.load_state_dict({"0.weight": np.ones((3, 5)), "0.bias": np.zeros(3), "1.weight": np.ones(3),
                           "1.bias": np.zeros(3), "1.running_mean": np.zeros(3), "1.running_var": np.ones(3),
                           "1.num_batches_tracked": np.array(4)}, layout="torch")
    assert model[0].weight.shape == (5, 3) and model[1].gamma.shape == (3,)


torch = pytest.importorskip("torch")


def _train_torch(model, x, y, steps=20, lr=0.1):
    """Plain gradient descent in PyTorch (its optimizers' first call costs seconds of lazy imports)."""
    for _ in range(steps):
        model.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        with torch.no_grad():
            for p in model.parameters():
                p -= lr * p.grad
    return model.eval()


def test_pytorch_trained_mlp_runs_in_neuralab():
    torch.manual_seed(0)
    tm = torch.nn.Sequential(torch.nn.Linear(20, 32), torch.nn.ReLU(), torch.nn.Dropout(0.3),
                             torch.nn.Linear(32, 16), torch.nn.Tanh(), torch.nn.Linear(16, 4))
    x = torch.tensor(RNG.normal(size=(64, 20)), dtype=torch.float32)
    _train_torch(tm, x, torch.tensor(RNG.integers(0, 4, 64)))
    ours = nn.Sequential(nn.Dense(20, 32), nn.ReLU(), nn.Dropout(0.3), nn.Dense(32, 16), nn.Tanh(), nn.Dense(16, 4))
    ours.load_state_dict(tm.state_dict(), layout="torch")  # torch tensors (requires_grad) accepted as they are
    ours.eval()
    xs = RNG.normal(size=(9, 20)).astype(np.float32)
    with torch.no_grad():
        want = tm(torch.from_numpy(xs)).numpy()
    np.testing.assert_allclose(ours(xs).numpy(), want, rtol=1e-5, atol=1e-5)


def test_pytorch_trained_cnn_with_batchnorm_runs_in_neuralab():
    torch.manual_seed(0)
    tm = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, padding=1), torch.nn.BatchNorm2d(4), torch.nn.ReLU(),
                             torch.nn.MaxPool2d(2), torch.nn.Conv2d(4, 6, 3), torch.nn.ReLU(), torch.nn.Flatten(),
                             torch.nn.Linear(6 * 2 * 2, 5))
    x = torch.tensor(RNG.normal(size=(32, 3, 8, 8)), dtype=torch.float32)
    tm.train()
    _train_torch(tm, x, torch.tensor(RNG.integers(0, 5, 32)))
    ours = _cnn(bn_eps=1e-5)  # PyTorch's BatchNorm2d default eps
    ours.load_state_dict(tm.state_dict(), layout="torch", input_shape=(8, 8, 3))
    ours.eval()
    xs = RNG.normal(size=(7, 3, 8, 8)).astype(np.float32)
    with torch.no_grad():
        want = tm(torch.from_numpy(xs)).numpy()
    got = ours(np.ascontiguousarray(xs.transpose(0, 2, 3, 1))).numpy()  # neuralab images are NHWC
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_neuralab_weights_load_into_pytorch():
    ours = _cnn(bn_eps=1e-3)  # neuralab's default eps, given to PyTorch below
    ours(np.zeros((2, 8, 8, 3), np.float32))
    for m in ours.modules():
        if isinstance(m, nn.BatchNorm):
            m.running_mean.data[...] = RNG.normal(size=4)
            m.running_var.data[...] = RNG.uniform(0.5, 2, size=4)
    ours.eval()
    tm = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, padding=1), torch.nn.BatchNorm2d(4, eps=1e-3),
                             torch.nn.ReLU(), torch.nn.MaxPool2d(2), torch.nn.Conv2d(4, 6, 3), torch.nn.ReLU(),
                             torch.nn.Flatten(), torch.nn.Linear(24, 5)).eval()
    sd = ours.export_state_dict(layout="torch", input_shape=(8, 8, 3))
    tm.load_state_dict({k: torch.from_numpy(v) for k, v in sd.items()}, strict=True)
    xs = RNG.normal(size=(5, 8, 8, 3)).astype(np.float32)
    with torch.no_grad():
        want = tm(torch.from_numpy(np.ascontiguousarray(xs.transpose(0, 3, 1, 2)))).numpy()
    np.testing.assert_allclose(ours(xs).numpy(), want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_recurrent_layers_round_trip_with_pytorch(kind):
    if not hasattr(nn, kind):
        pytest.skip(f"neuralab.nn.{kind} is not there")
    torch.manual_seed(0)
    tm = getattr(torch.nn, kind)(4, 6, num_layers=2, bidirectional=True)
    ours = getattr(nn, kind)(4, 6, num_layers=2, bidirectional=True)
    ours.load_state_dict(tm.state_dict(), layout="torch")
    x = RNG.normal(size=(5, 3, 4)).astype(np.float32)
    with torch.no_grad():
        want = tm(torch.from_numpy(x))[0].numpy()
    np.testing.assert_allclose(ours(x)[0].numpy(), want, rtol=1e-5, atol=1e-5)
    back = ours.export_state_dict(layout="torch")
    assert list(back) == list(tm.state_dict())
    for k, v in tm.state_dict().items():
        np.testing.assert_array_equal(back[k], v.numpy(), err_msg=k)


def test_transposed_conv_layout_matches_pytorch():
    up = nn.Conv2DTranspose(3, 2, 3, stride=1, padding="VALID")
    tm = torch.nn.ConvTranspose2d(3, 2, 3)
    up.load_state_dict(tm.state_dict(), layout="torch")
    x = RNG.normal(size=(2, 5, 5, 3)).astype(np.float32)
    with torch.no_grad():
        want = tm(torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))).numpy().transpose(0, 2, 3, 1)
    np.testing.assert_allclose(up(nl.tensor(x)).numpy(), want, rtol=1e-5, atol=1e-5)
