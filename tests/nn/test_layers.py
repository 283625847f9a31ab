"""neuralab.nn.layers: values against NumPy (and torch when importable), float64 gradient checks,
eager == compiled == graph mode, lazy building, and each layer's own behaviour."""
import numpy as np
import pytest

import neuralab as nl
from neuralab import nn
from neuralab.nn import init
from neuralab.testing import gradcheck

try:
    import torch
    import torch.nn.functional as TF
except ImportError:  # torch is an optional oracle
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed (optional oracle)")


# ------------------------------------------------------------------------------- helpers
def _np(t):
    return t.numpy() if isinstance(t, nl.Tensor) else np.asarray(t)


def check_modes(layer, x, rtol=1e-5, atol=1e-6):
    """layer(x) eagerly, compiled (twice: trace + replay) and in graph mode with a (None, ...) placeholder."""
    eager = _np(layer(x))
    f = nl.compile(lambda a: layer(a))
    first, replay = _np(f(x)), _np(f(x))
    X = nl.placeholder((None,) + x.shape[1:], dtype=x.dtype)
    Y = layer(X)
    assert Y.is_symbolic and Y.shape[0] is None
    graph = nl.run(Y, {X: x})
    for other in (first, replay, graph):
        np.testing.assert_allclose(other, eager, rtol=rtol, atol=atol)
    assert f.trace_count == 1
    return eager


def check_grads(layer, x, **kw):
    """gradcheck (float64) of the layer's output w.r.t. its input and every parameter."""
    layer.to("float64")
    names = [n for n, _ in layer.named_parameters()]
    values = [p.numpy().copy() for _, p in layer.named_parameters()]

    def fn(a, *ps):
        return nn.functional_call(layer, dict(zip(names, ps)), a)

    assert gradcheck(fn, [np.asarray(x, np.float64), *values], **kw)


def _randn(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def _away_from_zero(*shape, seed=0):
    x = _randn(*shape, seed=seed)
    return np.where(np.abs(x) < 0.1, x + np.sign(x + 1e-12) * 0.2, x).astype(np.float32)


def _softmax(z, axis=-1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


NP_ACT = {
    None: lambda z: z,
    "relu": lambda z: np.maximum(z, 0),
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "tanh": np.tanh,
    "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
    "elu": lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0))),
    "selu": lambda z: 1.0507009873554805 * np.where(z > 0, z, 1.6732632423543772 * np.expm1(np.minimum(z, 0))),
    "softplus": lambda z: np.logaddexp(0, z),
}


# ---------------------------------------------------------------------------------- Dense
@pytest.mark.parametrize("activation", list(NP_ACT))
def test_dense_forward_matches_numpy(activation):
    layer = nn.Dense(5, 4, activation=activation, rng=0)
    x = _away_from_zero(6, 5)
    W, b = layer.weight.numpy(), layer.bias.numpy()
    np.testing.assert_allclose(_np(layer(x)), NP_ACT[activation](x @ W + b), rtol=1e-5, atol=1e-6)


def test_dense_activation_callable_and_errors():
    layer = nn.Dense(3, 2, activation=lambda z: z * 2, rng=0)
    x = _randn(4, 3)
    np.testing.assert_allclose(_np(layer(x)), 2 * (x @ layer.weight.numpy()), rtol=1e-6)
    with pytest.raises(ValueError, match="unknown activation 'relux'"):
        nn.Dense(3, 2, activation="relux")
    assert nn.get_activation("linear") is None


@needs_torch
def test_dense_matches_torch():
    layer = nn.Dense(5, 4, activation="relu", rng=0)
    x = _randn(6, 5)
    ref = TF.relu(TF.linear(torch.tensor(x), torch.tensor(layer.weight.numpy().T), torch.tensor(layer.bias.numpy())))
    np.testing.assert_allclose(_np(layer(x)), ref.numpy(), rtol=1e-5, atol=1e-6)


def test_dense_gradcheck():
    check_grads(nn.Dense(5, 3, activation="tanh", rng=0), _randn(4, 5))
    check_grads(nn.Dense(5, 3, bias=False, rng=1), _randn(2, 5))


def test_dense_modes_agree():
    check_modes(nn.Dense(5, 3, activation="sigmoid", rng=0), _randn(7, 5))


def test_dense_default_init_is_xavier_uniform_and_bias_zero():
    layer = nn.Dense(30, 20, rng=3)
    np.testing.assert_array_equal(layer.weight.numpy(), init.xavier_uniform((30, 20), rng=3))
    assert np.abs(layer.weight.numpy()).max() <= np.sqrt(6 / 50)
    np.testing.assert_array_equal(layer.bias.numpy(), np.zeros(20))
    assert layer.weight.dtype == np.float32 and layer.weight.shape == (30, 20)


def test_dense_initializer_arguments():
    he = nn.Dense(8, 4, weight_init="he_normal", bias_init=0.1, rng=5)
    np.testing.assert_array_equal(he.weight.numpy(), init.he_normal((8, 4), rng=5))
    np.testing.assert_allclose(he.bias.numpy(), np.full(4, 0.1, np.float32))
    custom = nn.Dense(2, 3, weight_init=lambda shape, dtype=None, rng=None: np.ones(shape), dtype="float64")
    assert custom.weight.dtype == np.float64 and np.all(custom.weight.numpy() == 1)
    with pytest.raises(nl.ShapeError, match="initializer returned shape"):
        nn.Dense(2, 3, weight_init=lambda shape, dtype=None, rng=None: np.ones(3))


def test_dense_no_bias_and_aliases():
    layer = nn.Linear(3, 2, bias=False)
    assert layer.bias is None and list(layer.state_dict()) == ["weight"]
    assert nn.Linear is nn.Dense and nn.FullyConnected is nn.Dense
    assert "bias=False" in repr(layer)


def test_dense_wrong_input_size_names_the_layer():
    with pytest.raises(nl.ShapeError, match=r"Dense\(in_features=3\).*\(\?, 4\)"):
        nn.Dense(3, 2)(nl.placeholder((None, 4)))


def test_dense_module_activation_is_a_child():
    layer = nn.Dense(3, 3, activation=nn.PReLU())
    assert list(layer.state_dict()) == ["weight", "bias", "activation.weight"]
    x = _randn(2, 3)
    z = x @ layer.weight.numpy()
    np.testing.assert_allclose(_np(layer(x)), np.where(z > 0, z, 0.25 * z), rtol=1e-6)


def test_compiled_training_step_matches_eager():
    x = _randn(32, 4)
    y = x.sum(axis=1, keepdims=True)

    def make():
        return nn.Sequential(nn.Dense(4, 8, activation="relu", rng=0), nn.Dense(8, 1, rng=1))

    model = make()
    params = model.parameters()

    def step(a, t):
        loss = ((model(a) - t) ** 2).mean()
        for p, g in zip(params, nl.gradients(loss, params)):
            nl.assign(p, p - 0.1 * g)
        return loss

    compiled = nl.compile(step)
    got = [compiled(x, y).item() for _ in range(4)]
    ref_model = make()
    want = []
    for _ in range(4):
        ref_model.zero_grad()
        loss = ((ref_model(x) - y) ** 2).mean()
        loss.backward()
        want.append(loss.item())
        for p in ref_model.parameters():
            p.data = p.data - 0.1 * p.grad.data
    np.testing.assert_allclose(got, want, rtol=1e-4)


# ------------------------------------------------------------------------- lazy building
def test_deferred_building_eager():
    layer = nn.Dense(10)  # one argument: out_features
    assert not layer.built and layer.in_features is None and layer.state_dict() == {}
    assert layer.num_parameters() == 0
    y = layer(np.ones((2, 7), np.float32))
    assert layer.built and layer.weight.shape == (7, 10) and y.shape == (2, 10)
    assert list(layer.state_dict()) == ["weight", "bias"]


def test_deferred_building_on_a_placeholder_with_none_batch():
    model = nn.Sequential(nn.Dense(None, 256, activation="relu"), nn.Dropout(0.3), nn.BatchNorm(), nn.Dense(10))
    X = nl.placeholder((None, 784))
    logits = model(X)
    assert logits.shape == (None, 10)
    assert model[0].weight.shape == (784, 256) and model[2].running_mean.shape == (256,)
    assert model[3].weight.shape == (256, 10)
    model.eval()
    logits_eval = model(X)
    for n in (3, 5):
        x = _randn(n, 784)
        out = nl.run(logits_eval, {X: x})
        np.testing.assert_allclose(out, _np(model(x)), rtol=1e-4, atol=1e-5)


def test_deferred_building_needs_the_feature_dimension():
    with pytest.raises(nl.ShapeError, match="Dense.*in_features"):
        nn.Dense(3)(nl.placeholder((None, None)))
    with pytest.raises(nl.ShapeError, match="Conv2D.*in_channels"):
        nn.Conv2D(None, 4, 3)(nl.placeholder((None, 8, 8, None)))


# -------------------------------------------------------------------------------- Conv2D
def _np_conv(x, w, stride, padding):
    n, h, wd, c = x.shape
    kh, kw, _, co = w.shape
    if padding == "SAME":
        oh, ow = -(-h // stride), -(-wd // stride)
        ph = max((oh - 1) * stride + kh - h, 0)
        pw = max((ow - 1) * stride + kw - wd, 0)
        x = np.pad(x, ((0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)))
    else:
        oh, ow = (h - kh) // stride + 1, (wd - kw) // stride + 1
    out = np.zeros((n, oh, ow, co), np.float64)
    for i in range(kh):
        for j in range(kw):
            patch = x[:, i:i + stride * oh:stride, j:j + stride * ow:stride, :]
            out += patch @ w[i, j]
    return out


@pytest.mark.parametrize("stride,padding", [(1, "SAME"), (2, "SAME"), (1, "VALID"), (2, "VALID")])
def test_conv2d_forward_matches_numpy(stride, padding):
    layer = nn.Conv2D(3, 4, 3, stride=stride, padding=padding, activation="relu", bias_init="normal", rng=0)
    x = _randn(2, 7, 6, 3)
    ref = np.maximum(_np_conv(x, layer.weight.numpy(), stride, padding) + layer.bias.numpy(), 0)
    np.testing.assert_allclose(_np(layer(x)), ref, rtol=1e-4, atol=1e-5)
    assert layer.weight.shape == (3, 3, 3, 4)


@needs_torch
def test_conv2d_matches_torch():
    layer = nn.Conv2D(3, 5, (3, 3), padding="SAME", bias_init="normal", rng=1)
    x = _randn(2, 8, 8, 3)
    w = torch.tensor(layer.weight.numpy()).permute(3, 2, 0, 1)
    ref = TF.conv2d(torch.tensor(x).permute(0, 3, 1, 2), w, torch.tensor(layer.bias.numpy()), padding=1)
    np.testing.assert_allclose(_np(layer(x)), ref.permute(0, 2, 3, 1).numpy(), rtol=1e-4, atol=1e-5)


def test_conv2d_gradcheck_and_modes():
    check_grads(nn.Conv2D(2, 3, 3, stride=2, padding="SAME", bias_init="normal", rng=0), _randn(2, 5, 5, 2))
    check_modes(nn.Conv2D(2, 3, 2, padding="VALID", activation="tanh", rng=0), _randn(3, 6, 6, 2))


def test_conv2d_lazy_channels_and_errors():
    conv = nn.Conv2D(None, 32, 3, activation="relu")
    y = conv(nl.placeholder((None, 28, 28, 1)))
    assert y.shape == (None, 28, 28, 32) and conv.weight.shape == (3, 3, 1, 32)
    with pytest.raises(nl.ShapeError, match="NHWC"):
        conv(np.zeros((2, 784), np.float32))
    with pytest.raises(nl.ShapeError, match="channels"):
        conv(np.zeros((2, 28, 28, 3), np.float32))
    with pytest.raises(ValueError, match="padding"):
        nn.Conv2D(1, 2, 3, padding="FULL")
    assert nn.Conv2D(1, 2, 3, stride=[1, 2, 2, 1]).stride == 2


def test_the_notes_cnn_pipeline_shapes():
    model = nn.Sequential(
        nn.Conv2D(1, 32, 3, activation="relu"), nn.MaxPool2D(2, padding="SAME"),
        nn.Conv2D(32, 64, 3, activation="relu"), nn.MaxPool2D(2, padding="SAME"),
        nn.Flatten(), nn.Dense(7 * 7 * 64, 10),
    )
    X = nl.placeholder((None, 28, 28, 1))
    assert model(X).shape == (None, 10)
    assert model(np.zeros((2, 28, 28, 1), np.float32)).shape == (2, 10)


# ------------------------------------------------------------------------------- pooling
def test_pooling_matches_numpy():
    x = _randn(2, 6, 4, 3)
    blocks = x.reshape(2, 3, 2, 2, 2, 3)
    np.testing.assert_allclose(_np(nn.MaxPool2D(2)(x)), blocks.max(axis=(2, 4)))
    np.testing.assert_allclose(_np(nn.AvgPool2D(2)(x)), blocks.mean(axis=(2, 4)), rtol=1e-6)
    assert nn.MaxPool2D(2, padding="SAME")(np.zeros((1, 5, 5, 1), np.float32)).shape == (1, 3, 3, 1)
    assert nn.AvgPool2D(3, stride=1)(np.zeros((1, 5, 5, 1), np.float32)).shape == (1, 3, 3, 1)


@needs_torch
def test_pooling_matches_torch():
    x = _randn(2, 8, 8, 3)
    t = torch.tensor(x).permute(0, 3, 1, 2)
    np.testing.assert_allclose(_np(nn.MaxPool2D(3, stride=2)(x)),
                               TF.max_pool2d(t, 3, 2).permute(0, 2, 3, 1).numpy(), rtol=1e-6)
    np.testing.assert_allclose(_np(nn.AvgPool2D(2)(x)),
                               TF.avg_pool2d(t, 2).permute(0, 2, 3, 1).numpy(), rtol=1e-5)


def test_pooling_gradcheck_and_modes():
    x = np.random.default_rng(0).permutation(2 * 4 * 4 * 2).reshape(2, 4, 4, 2) / 10.0  # no ties
    check_grads(nn.MaxPool2D(2), x)
    check_grads(nn.AvgPool2D(2, stride=1, padding="SAME"), x)
    check_modes(nn.MaxPool2D(2), _randn(2, 4, 6, 3))
    check_modes(nn.AvgPool2D(2), _randn(2, 4, 6, 3))


# ------------------------------------------------------------------------------- Flatten
def test_flatten():
    x = _randn(2, 3, 4, 5)
    np.testing.assert_array_equal(_np(nn.Flatten()(x)), x.reshape(2, 60))
    assert nn.Flatten()(nl.placeholder((None, 7, 7, 64))).shape == (None, 3136)
    assert nn.Flatten()(nl.placeholder((4, None, 2))).shape[0] == 4
    check_modes(nn.Flatten(), x)
    check_grads(nn.Flatten(), x)
    with pytest.raises(nl.ShapeError, match="Flatten"):
        nn.Flatten()(nl.placeholder((None, None, 3)))


# ------------------------------------------------------------------------------- Dropout
def test_dropout_is_identity_in_eval_mode():
    drop = nn.Dropout(0.5).eval()
    x = nl.tensor(_randn(4, 5))
    assert drop(x) is x
    check_modes(drop, _randn(4, 5))
    assert nn.Dropout(0.0)(x) is x


def test_dropout_train_drops_rate_and_preserves_the_mean():
    nl.seed(0)
    rate = 0.3
    x = np.ones((400, 500), np.float32)
    y = _np(nn.Dropout(rate)(x))
    assert abs((y == 0).mean() - rate) < 0.01
    np.testing.assert_allclose(np.unique(y), [0.0, 1 / (1 - rate)], rtol=1e-6)
    assert abs(y.mean() - 1.0) < 0.01


def test_dropout_gradient_is_the_mask_and_replays_draw_new_masks():
    drop = nn.Dropout(0.5, rng=3)
    x = nl.tensor(np.ones((20, 30)), requires_grad=True)
    y = drop(x)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), y.numpy())  # d(x * m / p)/dx = m / p
    f = nl.compile(lambda a: drop(a))
    a, b = _np(f(np.ones((20, 30), np.float32))), _np(f(np.ones((20, 30), np.float32)))
    assert not np.array_equal(a, b) and set(np.unique(a)) <= {0.0, 2.0}
    assert not np.array_equal(_np(drop(np.ones((20, 30)))), _np(drop(np.ones((20, 30)))))


def test_dropout_training_and_rate_as_placeholders():
    X = nl.placeholder((None, 100))
    train_mode = nl.placeholder((), dtype="bool")
    rate = nl.placeholder(())
    Y = nn.Dropout(rate)(X, training=train_mode)
    x = np.ones((50, 100), np.float32)
    np.testing.assert_array_equal(nl.run(Y, {X: x, train_mode: False, rate: 0.5}), x)
    y = nl.run(Y, {X: x, train_mode: True, rate: 0.75})
    assert set(np.unique(y)) == {0.0, 4.0} and abs((y == 0).mean() - 0.75) < 0.03
    drop = nn.Dropout(0.5).eval()
    assert not np.array_equal(_np(drop(x, training=True)), x)


def test_dropout_seeded_rng_repeats_and_validates():
    masks = [_np(nn.Dropout(0.5, rng=7)(np.ones(50))) for _ in range(2)]
    np.testing.assert_array_equal(masks[0], masks[1])
    with pytest.raises(ValueError, match="rate"):
        nn.Dropout(1.0)
    assert repr(nn.Dropout(0.25)) == "Dropout(rate=0.25)"


# ----------------------------------------------------------------------------- BatchNorm
def _np_bn(x, gamma, beta, mean, var, eps=1e-3):
    return gamma * (x - mean) / np.sqrt(var + eps) + beta


def _bn_with_affine(c, seed=0, **kw):
    bn = nn.BatchNorm(c, **kw)
    r = np.random.default_rng(seed)
    bn.load_state_dict({"gamma": r.uniform(0.5, 2, c), "beta": r.standard_normal(c),
                        "running_mean": r.standard_normal(c), "running_var": r.uniform(0.5, 2, c)})
    return bn


def test_batchnorm_train_uses_batch_stats_and_updates_running_stats():
    bn = _bn_with_affine(4)
    rm0, rv0 = bn.running_mean.numpy().copy(), bn.running_var.numpy().copy()
    x = _randn(16, 4) * 3 + 1
    y = _np(bn(x))
    mu, var = x.mean(0), x.var(0)
    np.testing.assert_allclose(y, _np_bn(x, bn.gamma.numpy(), bn.beta.numpy(), mu, var), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(bn.running_mean.numpy(), 0.9 * rm0 + 0.1 * mu, rtol=1e-5)
    np.testing.assert_allclose(bn.running_var.numpy(), 0.9 * rv0 + 0.1 * var, rtol=1e-5)
    plain = nn.BatchNorm(4)
    z = _np(plain(x))
    np.testing.assert_allclose(z.mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(z.var(0), var / (var + 1e-3), rtol=1e-4)


def test_batchnorm_eval_uses_running_stats_and_changes_nothing():
    bn = _bn_with_affine(4).eval()
    x = _randn(8, 4)
    before = bn.state_dict()
    ref = _np_bn(x, bn.gamma.numpy(), bn.beta.numpy(), bn.running_mean.numpy(), bn.running_var.numpy())
    np.testing.assert_allclose(_np(bn(x)), ref, rtol=1e-5, atol=1e-6)
    for k, v in bn.state_dict().items():
        np.testing.assert_array_equal(v, before[k])


def test_batchnorm_on_conv_inputs_normalizes_per_channel():
    bn = nn.BatchNorm(momentum=0.5)
    x = _randn(4, 5, 5, 3) * 2 + 3
    y = _np(bn(x))
    assert bn.num_features == 3
    np.testing.assert_allclose(y.mean(axis=(0, 1, 2)), 0, atol=1e-5)
    np.testing.assert_allclose(bn.running_mean.numpy(), 0.5 * x.mean(axis=(0, 1, 2)), rtol=1e-5)
    assert list(bn.state_dict()) == ["gamma", "beta", "running_mean", "running_var"]
    assert [n for n, _ in bn.named_parameters()] == ["gamma", "beta"]


def test_batchnorm_decay_alias_and_errors():
    assert nn.BatchNorm(3, decay=0.99).momentum == 0.99 == nn.BatchNorm(3, decay=0.99).decay
    with pytest.raises(nl.ShapeError, match="BatchNorm"):
        nn.BatchNorm(3)(np.zeros((2, 4), np.float32))
    with pytest.raises(ValueError):
        nn.BatchNorm(3, momentum=1.5)


@needs_torch
def test_batchnorm_matches_torch():
    bn = _bn_with_affine(6, seed=2)
    x = _randn(10, 6)
    args = (torch.tensor(bn.gamma.numpy()), torch.tensor(bn.beta.numpy()))
    ref = TF.batch_norm(torch.tensor(x), None, None, *args, training=True, eps=1e-3)
    np.testing.assert_allclose(_np(bn(x)), ref.numpy(), rtol=1e-4, atol=1e-5)
    bn.eval()
    ref = TF.batch_norm(torch.tensor(x), torch.tensor(bn.running_mean.numpy()), torch.tensor(bn.running_var.numpy()),
                        *args, training=False, eps=1e-3)
    np.testing.assert_allclose(_np(bn(x)), ref.numpy(), rtol=1e-5, atol=1e-6)


def test_batchnorm_gradcheck_train_and_eval():
    x = _randn(6, 3) * 2
    check_grads(_bn_with_affine(3), x)
    check_grads(_bn_with_affine(3).eval(), x)
    check_grads(_bn_with_affine(2), _randn(2, 3, 3, 2))


def test_batchnorm_modes_agree():
    check_modes(_bn_with_affine(3).eval(), _randn(5, 3))
    bn = _bn_with_affine(3)
    x = _randn(5, 3)
    want = _np_bn(x, bn.gamma.numpy(), bn.beta.numpy(), x.mean(0), x.var(0))
    np.testing.assert_allclose(_np(nl.compile(lambda a: bn(a))(x)), want, rtol=1e-4, atol=1e-5)
    X = nl.placeholder((None, 3))
    np.testing.assert_allclose(nl.run(bn(X), {X: x}), want, rtol=1e-4, atol=1e-5)


def test_batchnorm_compiled_training_forward_updates_running_stats():
    bn = nn.BatchNorm(3, momentum=0.5)
    f = nl.compile(lambda a: bn(a))
    x = _randn(8, 3) + 2
    f(x)  # the stateful assigns run on every call, fetched or not
    np.testing.assert_allclose(bn.running_mean.numpy(), 0.5 * x.mean(0), rtol=1e-5)
    np.testing.assert_allclose(bn.running_var.numpy(), 0.5 + 0.5 * x.var(0), rtol=1e-5)
    X = nl.placeholder((None, 3))
    nl.run(bn(X), {X: x})  # graph mode: evaluating the output runs the updates
    np.testing.assert_allclose(bn.running_mean.numpy(), 0.75 * x.mean(0), rtol=1e-5)


def test_batchnorm_training_flag_as_a_placeholder():
    bn = _bn_with_affine(3, seed=4)
    rm0 = bn.running_mean.numpy().copy()
    X, is_training = nl.placeholder((None, 3)), nl.placeholder((), dtype="bool")
    Y = bn(X, training=is_training)
    x = _randn(6, 3)
    g, b, rv = bn.gamma.numpy(), bn.beta.numpy(), bn.running_var.numpy()
    np.testing.assert_allclose(nl.run(Y, {X: x, is_training: False}), _np_bn(x, g, b, rm0, rv), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(bn.running_mean.numpy(), rm0)  # eval writes the old value back
    np.testing.assert_allclose(nl.run(Y, {X: x, is_training: True}), _np_bn(x, g, b, x.mean(0), x.var(0)),
                               rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(bn.running_mean.numpy(), 0.9 * rm0 + 0.1 * x.mean(0), rtol=1e-5)


def test_batchnorm_compiled_replays_read_the_current_running_stats():
    bn = nn.BatchNorm(3, momentum=0.5)
    f = nl.compile(lambda a: bn(a))
    x = _randn(8, 3) + 2
    for _ in range(3):
        f(x)
    np.testing.assert_allclose(bn.running_mean.numpy(), (1 - 0.5 ** 3) * x.mean(0), rtol=1e-5)
    bn.eval()
    g = nl.compile(lambda a: bn(a))
    g(x)
    bn.running_var.data[...] = 4.0
    np.testing.assert_allclose(_np(g(x)), _np(bn(x)), rtol=1e-5)


def test_batchnorm_graph_runs_accumulate_running_stats():
    bn = nn.BatchNorm(3, momentum=0.5)
    X = nl.placeholder((None, 3))
    Y = bn(X)
    x = _randn(8, 3) + 2
    for _ in range(3):
        nl.run(Y, {X: x})
    np.testing.assert_allclose(bn.running_mean.numpy(), (1 - 0.5 ** 3) * x.mean(0), rtol=1e-5)


# -------------------------------------------------------------------------------- Maxout
def test_maxout_forward_gradcheck_modes():
    layer = nn.Maxout(5, 3, num_pieces=4, rng=0)
    assert layer.linear.weight.shape == (5, 12) and list(layer.state_dict()) == ["linear.weight", "linear.bias"]
    x = _randn(6, 5)
    z = x @ layer.linear.weight.numpy() + layer.linear.bias.numpy()
    np.testing.assert_allclose(_np(layer(x)), z.reshape(6, 3, 4).max(-1), rtol=1e-5, atol=1e-6)
    check_modes(layer, x)
    check_grads(nn.Maxout(4, 2, num_pieces=3, bias_init="normal", rng=1), _randn(3, 4))
    lazy = nn.Maxout(None, 2)
    assert lazy(nl.placeholder((None, 7))).shape == (None, 2) and lazy.in_features == 7


# --------------------------------------------------------------------------------- PReLU
def test_prelu_values_grads_modes():
    x = _away_from_zero(4, 3)
    np.testing.assert_allclose(_np(nn.PReLU()(x)), np.where(x > 0, x, 0.25 * x), rtol=1e-6)
    per = nn.PReLU(3, init=0.1)
    per.weight.data[...] = [0.1, 0.2, 0.3]
    np.testing.assert_allclose(_np(per(x)), np.where(x > 0, x, np.array([0.1, 0.2, 0.3]) * x), rtol=1e-6)
    check_grads(nn.PReLU(3), x)
    check_grads(nn.PReLU(), x)
    check_modes(per, x)
    with pytest.raises(nl.ShapeError, match="PReLU"):
        per(np.zeros((2, 4), np.float32))


@needs_torch
def test_prelu_matches_torch():
    x = _randn(4, 3)
    np.testing.assert_allclose(_np(nn.PReLU(3)(x)), TF.prelu(torch.tensor(x), torch.full((3,), 0.25)).numpy(),
                               rtol=1e-6)


# ----------------------------------------------------------------------- activation layers
ACT_LAYERS = [
    (nn.ReLU(), NP_ACT["relu"]),
    (nn.LeakyReLU(0.2), lambda z: np.where(z > 0, z, 0.2 * z)),
    (nn.ELU(0.5), lambda z: np.where(z > 0, z, 0.5 * np.expm1(np.minimum(z, 0)))),
    (nn.SELU(), NP_ACT["selu"]),
    (nn.Sigmoid(), NP_ACT["sigmoid"]),
    (nn.Tanh(), NP_ACT["tanh"]),
    (nn.Softplus(), NP_ACT["softplus"]),
    (nn.Softmax(), _softmax),
    (nn.Softmax(axis=0), lambda z: _softmax(z, axis=0)),
    (nn.LogSoftmax(), lambda z: np.log(_softmax(z))),
]


@pytest.mark.parametrize("layer,ref", ACT_LAYERS, ids=lambda v: repr(v) if isinstance(v, nn.Module) else "")
def test_activation_layers(layer, ref):
    x = _away_from_zero(5, 4)
    np.testing.assert_allclose(_np(layer(x)), ref(x), rtol=1e-5, atol=1e-6)
    assert layer.state_dict() == {} and layer.num_parameters() == 0
    if getattr(layer, "axis", -1) == -1:
        check_modes(layer, x)
    check_grads(layer, x)


@needs_torch
def test_activation_layers_match_torch():
    x = _randn(5, 4)
    t = torch.tensor(x)
    pairs = [(nn.ReLU(), TF.relu(t)), (nn.LeakyReLU(0.2), TF.leaky_relu(t, 0.2)), (nn.ELU(0.5), TF.elu(t, 0.5)),
             (nn.SELU(), TF.selu(t)), (nn.Softplus(), TF.softplus(t)), (nn.Softmax(), TF.softmax(t, -1)),
             (nn.LogSoftmax(), TF.log_softmax(t, -1)), (nn.Sigmoid(), torch.sigmoid(t)), (nn.Tanh(), torch.tanh(t))]
    for layer, ref in pairs:
        np.testing.assert_allclose(_np(layer(x)), ref.numpy(), rtol=1e-5, atol=1e-6, err_msg=repr(layer))


# ------------------------------------------------------------------------------ Ensemble
def _classifier(seed):
    return nn.Sequential(nn.Dense(4, 8, activation="relu", rng=seed), nn.Dense(8, 3, rng=seed + 100))


def _np_logits(model, x):
    w0, b0, w1, b1 = (p.numpy() for p in model.parameters())
    return np.maximum(x @ w0 + b0, 0) @ w1 + b1


def test_ensemble_averages_member_probabilities():
    members = [_classifier(s) for s in range(3)]
    ens = nn.Ensemble(members)
    x = _randn(10, 4)
    want = np.mean([_softmax(_np_logits(m, x)) for m in members], axis=0)
    got = _np(ens(x))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(_np(ens.predict_proba(x)), got, rtol=0, atol=0)
    np.testing.assert_allclose(got.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(_np(ens.predict(x)), want.argmax(axis=1))
    assert len(ens.members) == 3 and ens.members[1] is members[1]
    assert list(ens.state_dict())[:2] == ["members.0.0.weight", "members.0.0.bias"]
    assert ens.num_parameters() == 3 * members[0].num_parameters()
    check_modes(ens, x)
    check_grads(nn.Ensemble([_classifier(s) for s in range(3)]), _randn(3, 4))


def test_ensemble_options():
    members = [_classifier(s) for s in range(3)]
    x = _randn(6, 4)
    logits = np.mean([_np_logits(m, x) for m in members], axis=0)
    np.testing.assert_allclose(_np(nn.Ensemble(members, combine="mean_logits")(x)), _softmax(logits), rtol=1e-5)
    prob_members = [nn.Sequential(m, nn.Softmax()) for m in members]
    np.testing.assert_allclose(_np(nn.Ensemble(prob_members, from_logits=False)(x)),
                               _np(nn.Ensemble(members)(x)), rtol=1e-6)
    with pytest.raises(ValueError, match="combine"):
        nn.Ensemble(members, combine="vote")
    with pytest.raises(ValueError):
        nn.Ensemble([])
    ens = nn.Ensemble(members).eval()
    assert not any(m.training for m in ens.modules())
