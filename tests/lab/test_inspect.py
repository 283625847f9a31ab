"""neuralab.inspect.layer_stats / Module.stats / TensorBoardLayerStats against hand computations."""
from __future__ import annotations

import importlib.util
import math

import numpy as np
import pytest

import neuralab as nl
from neuralab import nn
from neuralab.inspect import LayerStats, activation_kind, layer_stats, summarize


def _net(w1, b1, w2, b2, act="tanh"):
    net = nn.Sequential(nn.Dense(3, 4, activation=act, dtype="float64"), nn.Dense(4, 2, dtype="float64"))
    for layer, w, b in zip(net, (w1, w2), (b1, b2)):
        layer.weight.data[...] = w
        layer.bias.data[...] = b
    return net


@pytest.fixture
def case():
    g = np.random.default_rng(0)
    w1, b1 = g.normal(size=(3, 4)), g.normal(size=4) * 0.1
    w2, b2 = g.normal(size=(4, 2)), g.normal(size=2) * 0.1
    x = g.normal(size=(6, 3))
    y = np.array([0, 1, 1, 0, 1, 0])
    return w1, b1, w2, b2, x, y


def test_activation_and_gradient_statistics_match_a_hand_backprop(case):
    w1, b1, w2, b2, x, y = case
    net = _net(w1, b1, w2, b2)
    t = layer_stats(net, x, y, bins=7)
    h = np.tanh(x @ w1 + b1)
    z = h @ w2 + b2
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    dz = (p - np.eye(2)[y]) / len(x)  # mean softmax cross-entropy
    dh = dz @ w2.T
    da = dh * (1 - h * h)
    loss = -np.mean(np.log(p[np.arange(len(x)), y]))
    assert t.loss == pytest.approx(loss, rel=1e-12)
    r0, r1 = t["0"], t["1"]
    assert r0["shape"] == (6, 4) and r1["shape"] == (6, 2)
    assert r0["mean"] == pytest.approx(h.mean(), rel=1e-12) and r0["std"] == pytest.approx(h.std(), rel=1e-12)
    assert r0["saturated"] == pytest.approx(np.mean(np.abs(h) >= 0.99))
    assert math.isnan(r1["saturated"])  # a linear layer has no bounds
    counts, edges = r0["hist"]
    want_c, want_e = np.histogram(h, bins=7, range=(h.min(), h.max()))
    assert counts == want_c.tolist() and np.allclose(edges, want_e)
    assert r1["grad_norm"] == pytest.approx(np.linalg.norm(dz), rel=1e-10)
    assert r0["grad_norm"] == pytest.approx(np.linalg.norm(dh), rel=1e-10)
    assert r0["grad_mean"] == pytest.approx(dh.mean(), abs=1e-14)
    gw1, gb1 = x.T @ da, da.sum(axis=0)
    gw2, gb2 = h.T @ dz, dz.sum(axis=0)
    assert r0["param_grad_norm"] == pytest.approx(np.sqrt(np.sum(gw1 ** 2) + np.sum(gb1 ** 2)), rel=1e-10)
    assert r1["param_grad_norm"] == pytest.approx(np.sqrt(np.sum(gw2 ** 2) + np.sum(gb2 ** 2)), rel=1e-10)
    assert r1["param_norm"] == pytest.approx(np.sqrt(np.sum(w2 ** 2) + np.sum(b2 ** 2)), rel=1e-12)


def test_dead_units_saturation_and_the_probe_loss(case):
    w1, b1, w2, b2, x, _ = case
    b1 = b1.copy()
    b1[2] = -100.0  # unit 2 of the ReLU layer never fires
    t = layer_stats(_net(w1, b1, w2, b2, act="relu"), x)
    h = np.maximum(x @ w1 + b1, 0)
    assert t[0]["dead"] == pytest.approx(np.mean(np.all(h == 0, axis=0))) and t[0]["dead"] >= 0.25
    assert t[0]["zeros"] == pytest.approx(np.mean(h == 0))
    z = h @ w2 + b2
    assert t.loss == pytest.approx(np.mean(z * z), rel=1e-12)  # no labels: the probe mean(output²)
    assert t[1]["grad_norm"] == pytest.approx(np.linalg.norm(2 * z / z.size), rel=1e-10)
    big = layer_stats(_net(100 * w1, b1, w2, b2, act="tanh"), x, gradients=False)
    assert big[0]["saturated"] == pytest.approx(np.mean(np.abs(np.tanh(x @ (100 * w1) + b1)) >= 0.99))
    assert big[0]["saturated"] > 0.9 and math.isnan(big[0]["grad_norm"])
    s = summarize(np.array([[0.0, 0.995], [0.5, 0.004]]), "sigmoid", saturation=0.01, bins=2)
    assert s["saturated"] == 0.75 and s["dead"] == 0.0 and s["zeros"] == 0.25  # 0, 0.995 and 0.004 are near a bound


def test_stats_is_layer_stats_leaves_the_model_alone_and_prints_a_table(case):
    w1, b1, w2, b2, x, y = case
    net = nn.Sequential(nn.Dense(3, 4, activation="tanh", dtype="float64"), nn.Dropout(0.5),
                        nn.Dense(4, 2, dtype="float64"))
    before = {k: v.copy() for k, v in net.state_dict().items()}
    net.train()
    t = net.stats(x, y)
    assert isinstance(t, LayerStats) and [r["name"] for r in t] == ["0", "1", "2"]
    assert net.training  # mode restored; eval mode was used (dropout off: layer 1 passes layer 0 through)
    assert t["1"]["std"] == t["0"]["std"]
    assert all(np.array_equal(before[k], v) for k, v in net.state_dict().items())
    assert "forward" not in vars(net[0])  # the recording hooks are gone
    text = str(t)
    assert text.splitlines()[0].split()[:3] == ["name", "type", "shape"] and "Dropout" in text
    assert t.to_markdown().startswith("| name | type | shape |")
    assert t.column("type") == ["Dense", "Dropout", "Dense"]
    with pytest.raises(KeyError, match="no layer named 'nope'"):
        t["nope"]
    assert activation_kind(net[0]) == "tanh" and activation_kind(nn.Sigmoid()) == "sigmoid"
    one = layer_stats(nn.Dense(3, 2, rng=0), x.astype(np.float32))
    assert [r["name"] for r in one] == ["dense"]


def test_bad_arguments_name_the_function():
    net = nn.Dense(3, 2)
    with pytest.raises(TypeError, match="layer_stats: model must be a neuralab Module"):
        layer_stats(lambda v: v, np.ones((2, 3)))
    with pytest.raises(ValueError, match="layer_stats: bins must be a positive integer"):
        layer_stats(net, np.ones((2, 3)), bins=0)
    with pytest.raises(ValueError, match="layer_stats: x must be a non-empty batch"):
        layer_stats(net, np.ones((0, 3)))
    with pytest.raises(ValueError, match="saturation"):
        layer_stats(net, np.ones((2, 3)), saturation=0.7)


@pytest.mark.skipif(importlib.util.find_spec("tensorboard") is None or importlib.util.find_spec("tensorboardX")
                    is None, reason="needs tensorboardX and tensorboard (the [tensorboard] extra)")
def test_tensorboard_callback_logs_the_table(tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    from neuralab.train import TensorBoardLayerStats, Trainer

    g = np.random.default_rng(1)
    x, y = g.normal(size=(64, 5)).astype(np.float32), g.integers(0, 3, 64)
    nl.seed(0)
    net = nn.Sequential(nn.Dense(5, 8, activation="sigmoid"), nn.Dense(8, 3))
    before = layer_stats(net, x[:16], y[:16])
    cb = TensorBoardLayerStats(tmp_path, x[:16], y[:16], every=1, bins=10)
    Trainer(net, optimizer="sgd", lr=0.1).fit(x, y, epochs=2, batch_size=16, verbose=0, callbacks=[cb])
    after = layer_stats(net, x[:16], y[:16])
    ea = EventAccumulator(str(tmp_path), size_guidance={"scalars": 0, "histograms": 0}).Reload()
    tags = ea.Tags()
    assert {"layers/0/std", "layers/0/saturated", "layers/1/grad_norm", "layers/0/param_grad_norm"} <= set(
        tags["scalars"])
    std = {e.step: e.value for e in ea.Scalars("layers/0/std")}
    assert sorted(std) == [0, 1, 2]
    assert std[0] == pytest.approx(before[0]["std"], rel=1e-5)
    assert std[2] == pytest.approx(after[0]["std"], rel=1e-5)
    hist = ea.Histograms("layer_activations/0")
    assert len(hist) == 3 and hist[0].histogram_value.num == 16 * 8
    assert {"layer_gradients/1"} <= set(tags["histograms"])
