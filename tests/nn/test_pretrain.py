"""Data-dependent initialization: RBM / DBN pre-training (Hinton 2006) and LSUV (Mishkin & Matas 2015)."""
import importlib.util

import numpy as np
import pytest

import neuralab as nl
from neuralab import nn
from neuralab.init import RBM, lsuv, rbm_pretrain


def _prototypes(n=200, d=20, flip=0.05, seed=0):
    """``n`` binary samples of 3 prototypes of ``d`` units, each bit flipped with probability ``flip``."""
    gen = np.random.default_rng(seed)
    protos = (gen.random((3, d)) < 0.5).astype(np.float64)
    x = protos[gen.integers(0, 3, n)]
    noise = gen.random(x.shape) < flip
    return np.where(noise, 1.0 - x, x)


# ------------------------------------------------------------------------------------------ RBM
def test_rbm_training_lowers_reconstruction_error():
    x = _prototypes()
    rbm = RBM(20, 8, lr=0.1, k=1, batch_size=20, rng=0)
    before = rbm.reconstruction_error(x)
    history = rbm.fit(x, epochs=30)
    after = rbm.reconstruction_error(x)
    assert len(history) == 30 and history[-1] == pytest.approx(after)
    assert after < 0.5 * before, (before, after)
    assert after < 0.08  # the 5% bit noise alone costs ~0.05
    # well-trained RBMs give training data lower free energy than random binary vectors
    rand = (np.random.default_rng(1).random((200, 20)) < 0.5).astype(float)
    assert rbm.free_energy(x).mean() < rbm.free_energy(rand).mean()


def test_rbm_cd_k_and_api():
    x = _prototypes(n=60)
    rbm = RBM(20, 4, k=3, rng=0, momentum=0.5, weight_decay=1e-4)
    before = rbm.reconstruction_error(x)
    rbm.fit(x, epochs=20)
    assert rbm.reconstruction_error(x) < before
    assert rbm.transform(x).shape == (60, 4)
    h = rbm.transform(x)
    assert ((h > 0) & (h < 1)).all()
    np.testing.assert_allclose(rbm.transform(x), 1 / (1 + np.exp(-(x @ rbm.W + rbm.b_hidden))), rtol=1e-12)
    np.testing.assert_allclose(rbm.reconstruct(x), rbm.visible_probs(rbm.transform(x)))
    assert rbm.reconstruct(x[0]).shape == (1, 20)
    with pytest.raises(ValueError, match="shape"):
        rbm.transform(np.zeros((3, 7)))
    with pytest.raises(ValueError):
        RBM(20, 4, k=0)


def test_rbm_is_reproducible_with_a_seed():
    x = _prototypes(n=50)
    a, b = RBM(20, 5, rng=3), RBM(20, 5, rng=3)
    assert a.fit(x, epochs=3) == b.fit(x, epochs=3)
    np.testing.assert_array_equal(a.W, b.W)


# ------------------------------------------------------------------------------------ DBN stack
def test_dbn_pretrain_writes_weights_into_the_layers():
    x = _prototypes()
    net = nn.Sequential(nn.Dense(20, 10, activation="sigmoid", rng=0), nn.Dense(10, 5, activation="sigmoid", rng=0))
    w0 = [layer.weight.numpy().copy() for layer in net]
    history = rbm_pretrain(net, x, epochs=10, lr=0.1, k=1, batch_size=20, rng=0)
    assert len(history) == 2 and all(len(h) == 10 for h in history)
    assert len(history.rbms) == 2
    for layer, rbm, old in zip(net, history.rbms, w0):
        assert layer.weight.shape == rbm.W.shape and layer.weight.dtype == np.float32
        assert not np.allclose(layer.weight.numpy(), old)
        np.testing.assert_allclose(layer.weight.numpy(), rbm.W, rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(layer.bias.numpy(), rbm.b_hidden, rtol=1e-6, atol=1e-7)
    # each RBM learned: its error fell over the epochs
    for h in history:
        assert h[-1] < h[0]
    # the network now computes the DBN's upward pass
    with nl.no_grad():
        y = net(nl.tensor(x.astype(np.float32))).numpy()
    up = history.rbms[1].transform(history.rbms[0].transform(x))
    np.testing.assert_allclose(y, up, atol=1e-5)


def test_dbn_pretrain_accepts_a_list_and_lazy_layers_and_skips_weightless_layers():
    x = _prototypes(n=40)
    layers = [nn.Dense(None, 6, activation="sigmoid"), nn.Dropout(0.2), nn.Dense(6, 3, activation="sigmoid")]
    history = rbm_pretrain(layers, x, epochs=2, rng=0)
    assert len(history) == 2
    assert layers[0].weight.shape == (20, 6)


def test_dbn_pretrain_checks_its_input():
    net = nn.Sequential(nn.Dense(20, 10, activation="sigmoid"))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        rbm_pretrain(net, np.random.default_rng(0).standard_normal((10, 20)))
    with pytest.raises(ValueError, match="expects 20 inputs"):
        rbm_pretrain(net, np.zeros((10, 7)))


# ----------------------------------------------------------------------------------------- LSUV
def _pre_activation_variances(layers, x):
    """Variance of each Dense layer's x @ W + b on the batch, computed independently of lsuv."""
    out, h = [], nl.tensor(x)
    with nl.no_grad():
        for layer in layers:
            if isinstance(layer, nn.Dense):
                out.append(float(np.var((h @ layer.weight + layer.bias).numpy(), dtype=np.float64)))
            h = layer(h)
    return out


@pytest.mark.parametrize("act", ["relu", "tanh"])
def test_lsuv_unit_variance_fused_activation(act):
    x = np.random.default_rng(0).standard_normal((500, 30)).astype(np.float32) * 3.0 + 1.0
    sizes = [30, 64, 64, 64, 64, 10]
    net = nn.Sequential(*[nn.Dense(a, b, activation=act, rng=i) for i, (a, b) in enumerate(zip(sizes, sizes[1:]))])
    assert lsuv(net, x, tol=0.1, rng=0) is net
    v = _pre_activation_variances(list(net), x)
    assert len(v) == 5
    assert all(abs(vi - 1.0) < 0.1 for vi in v), v


@pytest.mark.parametrize("act_layer", [nn.ReLU, nn.Tanh])
def test_lsuv_unit_variance_separate_activation_layers(act_layer):
    x = np.random.default_rng(1).standard_normal((400, 16)).astype(np.float32)
    layers = []
    for a, b in [(16, 32), (32, 32), (32, 32), (32, 32), (32, 4)]:
        layers += [nn.Dense(a, b, bias_init=0.05), act_layer()]
    net = nn.Sequential(*layers)
    lsuv(net, x, tol=0.05, rng=1)
    v = _pre_activation_variances(list(net), x)
    assert len(v) == 5 and all(abs(vi - 1.0) < 0.05 for vi in v), v


def test_lsuv_with_module_activations():
    x = np.random.default_rng(5).standard_normal((300, 10)).astype(np.float32)
    net = nn.Sequential(nn.Dense(10, 20, activation=nn.Tanh()), nn.Dense(20, 20, activation=nn.ReLU()), nn.Dense(20, 3))
    lsuv(net, x, rng=0)
    v = _pre_activation_variances(list(net), x)
    assert all(abs(vi - 1.0) < 0.1 for vi in v), v
    with nl.no_grad():  # the activations were put back
        assert float(net[0](nl.tensor(x)).numpy().max()) <= 1.0


def test_lsuv_starts_from_orthonormal_weights():
    x = np.random.default_rng(2).standard_normal((300, 40)).astype(np.float32)
    net = nn.Sequential(nn.Dense(40, 40, activation="tanh"), nn.Dense(40, 20))
    lsuv(net, x, rng=0)
    for layer in net:
        W = layer.weight.numpy().astype(np.float64)
        gram = W.T @ W  # orthonormal columns times one scale factor
        np.testing.assert_allclose(gram, gram[0, 0] * np.eye(W.shape[1]), atol=1e-4 * gram[0, 0])


def test_lsuv_builds_lazy_layers_and_records_no_graph():
    x = np.random.default_rng(3).standard_normal((200, 12)).astype(np.float32)
    net = nn.Sequential(nn.Dense(None, 24, activation="relu"), nn.Dense(None, 8))
    lsuv(net, x, rng=0)
    assert net[0].weight.shape == (12, 24)
    assert all(p.grad is None for p in net.parameters())
    v = _pre_activation_variances(list(net), x)
    assert all(abs(vi - 1.0) < 0.1 for vi in v), v


@pytest.mark.skipif(importlib.util.find_spec("neuralab.ops.conv") is None, reason="conv ops not available")
def test_lsuv_conv_layers():
    x = np.random.default_rng(4).standard_normal((16, 8, 8, 3)).astype(np.float32)
    net = nn.Sequential(nn.Conv2D(3, 8, 3, activation="relu"), nn.Conv2D(8, 8, 3))
    lsuv(net, x, rng=0)
    with nl.no_grad():
        h1 = net[0](nl.tensor(x))
        assert abs(float(np.var(net[1](h1).numpy())) - 1) < 0.1


def test_lsuv_warns_when_there_is_nothing_to_initialize():
    with pytest.warns(RuntimeWarning, match="nothing"):
        lsuv(nn.Sequential(nn.ReLU()), np.ones((4, 3), np.float32))
