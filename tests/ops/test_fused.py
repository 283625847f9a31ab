"""The fused bias + ReLU + max-pool op and max_pool2d's automatic use of it.

The fused op must give exactly what the unfused chain ``max_pool2d(maximum(0, y + b))``
gives: the same values and the same gradients (compared with assert_array_equal),
in every pooling geometry, with ties, signed zeros, infinities and NaN in y;
max_pool2d must use it only where that holds (a literal zero, a per-channel bias,
a gradient being recorded) and compiled training steps must come out identical
with fusion on and off. The OpInfo records (records_conv) check values against
the naive references, gradients, graph mode and errors.
"""
import numpy as np
import pytest

import neuralab as nl
from neuralab import functional as F, nn
from neuralab.ops import conv as C, fused as FU

GEOMETRIES = [(2, 2, "VALID"), (2, 2, "SAME"), (3, 2, "SAME"), (3, 1, "SAME"), ((2, 3), (1, 2), "SAME"),
              (2, 3, "VALID"), (3, 3, "SAME")]


@pytest.fixture
def fusion():
    """Yields set_fusion; restores the setting afterwards."""
    old = FU.set_fusion(True)
    yield FU.set_fusion
    FU.set_fusion(old)


def _unfused(y, b, k, s, p, gp):
    """Values and (gy, gb) of the unfused chain, eagerly, with fusion off."""
    old = FU.set_fusion(False)
    try:
        yt, bt = nl.tensor(y, requires_grad=True), nl.tensor(b, requires_grad=True)
        out = C.max_pool2d(nl.maximum(0, yt + bt), k, s, p)
        gy, gb = nl.gradients(out, [yt, bt], grad_ys=[nl.tensor(gp)])
        return out.numpy(), gy.numpy(), gb.numpy()
    finally:
        FU.set_fusion(old)


def _fused(y, b, k, s, p, gp):
    yt, bt = nl.tensor(y, requires_grad=True), nl.tensor(b, requires_grad=True)
    out = FU.bias_relu_max_pool2d(yt, bt, k, s, p)
    gy, gb = nl.gradients(out, [yt, bt], grad_ys=[nl.tensor(gp)])
    return out.numpy(), gy.numpy(), gb.numpy()


def _same_bits(a, b, what):
    np.testing.assert_array_equal(a, b, err_msg=what)
    assert a.dtype == b.dtype, what


def _inputs(rng, shape, dtype, kind):
    if kind == "ties":  # small integers: many ties inside windows, and y + b == 0 exactly
        y = rng.integers(-2, 3, size=shape).astype(dtype)
        b = rng.integers(-1, 2, size=shape[-1]).astype(dtype)
    elif kind == "specials":
        y = rng.standard_normal(shape).astype(dtype)
        flat = y.reshape(-1)
        flat[::7] = -0.0
        flat[3::11] = np.inf
        flat[5::13] = -np.inf
        flat[9::29] = np.nan
        b = rng.standard_normal(shape[-1]).astype(dtype)
        b[0] = -0.0
    else:
        y = rng.standard_normal(shape).astype(dtype)
        b = rng.standard_normal(shape[-1]).astype(dtype)
    return y, b


@pytest.mark.parametrize("kind", ["random", "ties", "specials"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("k, s, p", GEOMETRIES)
def test_fused_equals_the_unfused_chain_bit_for_bit(k, s, p, dtype, kind):
    rng = np.random.default_rng(0)
    y, b = _inputs(rng, (2, 7, 6, 5), dtype, kind)
    ref = C.max_pool2d(np.maximum(0, y + b), k, s, p).numpy()
    gp = rng.standard_normal(ref.shape).astype(dtype)
    want = _unfused(y, b, k, s, p, gp)
    got = _fused(y, b, k, s, p, gp)
    for a, w, name in zip(got, want, ("values", "gy", "gb")):
        _same_bits(a, w, f"{name} {k} {s} {p} {kind}")
    # the fused ReLU gives +0.0 for every v <= 0 (NumPy's maximum(0, -0.0) may give either zero)
    assert not np.any(np.signbit(got[0]) & (got[0] == 0))


def test_infinite_upstream_gradient_is_routed_like_the_unfused_chain():
    rng = np.random.default_rng(1)
    y, b = _inputs(rng, (1, 6, 6, 3), np.float64, "random")
    gp = rng.standard_normal((1, 3, 3, 3))
    gp[0, 0, 0, :] = np.inf
    gp[0, 1, 2, 1] = -np.inf
    for k, s, p in [(2, 2, "VALID"), (3, 2, "SAME")]:
        g = gp if k == 2 else rng.standard_normal((1, 3, 3, 3))
        g[0, 0, 0, :] = np.inf
        with np.errstate(invalid="ignore"):  # inf - inf in the bias sums: NaN in both
            want, got = _unfused(y, b, k, s, p, g), _fused(y, b, k, s, p, g)
        for a, w in zip(got, want):
            _same_bits(a, w, f"{k} {s} {p}")


def test_the_tap_index_names_the_first_maximum_of_y_plus_b():
    y = np.array([[1.0, 3.0, 3.0], [3.0, 2.0, 0.0], [3.0, 1.0, -4.0]]).reshape(1, 3, 3, 1)
    p, idx = FU.BiasReluMaxPool2D.apply(y, np.array([-1.0]), ksize=2, stride=1, padding="VALID")
    np.testing.assert_array_equal(p.numpy().ravel(), [2, 2, 2, 1])
    # windows (row-major taps 0..3): top-left first max at tap 1, top-right at tap 0, bottom-left at 0, bottom-right 0
    np.testing.assert_array_equal(idx.numpy().ravel(), [1, 0, 0, 0])
    assert idx.dtype == np.uint8 and not idx.requires_grad
    _, idx9 = FU.BiasReluMaxPool2D.apply(np.zeros((1, 16, 16, 1)), np.zeros(1), ksize=16, stride=16)
    assert idx9.dtype == np.int32  # 256 taps do not fit in a uint8


def test_max_pool2d_fuses_only_a_relu_of_a_per_channel_bias(fusion):
    x = nl.placeholder((None, 8, 8, 3))
    b = nl.tensor(np.zeros(3, np.float32), requires_grad=True)
    w = nl.tensor(np.zeros((3, 3, 3, 3), np.float32), requires_grad=True)
    y = C.conv2d(x, w, 1, "SAME")

    def kind(t):
        return t._op.opname

    assert kind(C.max_pool2d(F.relu(y + b), 2)) == "bias_relu_max_pool2d"
    assert kind(C.max_pool2d(nl.maximum(0, b + y), 2)) == "bias_relu_max_pool2d"  # b + y: the same sums
    assert kind(C.max_pool2d(nl.maximum(y + b, 0), 2)) == "max_pool2d"  # relu'(0) = 1 here: not the same op
    assert kind(C.max_pool2d(nl.maximum(1.0, y + b), 2)) == "max_pool2d"
    assert kind(C.max_pool2d(F.relu(y + nl.tensor(np.zeros((1, 1, 1, 3), np.float32))), 2)) == "max_pool2d"
    assert kind(C.max_pool2d(F.relu(y * b), 2)) == "max_pool2d"
    zero = nl.tensor(np.float32(0.0), requires_grad=True)  # a trainable zero may change: no rewrite
    assert kind(C.max_pool2d(nl.maximum(zero, y + b), 2)) == "max_pool2d"
    fusion(False)
    assert kind(C.max_pool2d(F.relu(y + b), 2)) == "max_pool2d"


def test_eager_pooling_fuses_only_while_a_tape_records(fusion):
    rng = np.random.default_rng(2)
    y, b = rng.standard_normal((2, 4, 4, 3)), rng.standard_normal(3)
    plain = C.max_pool2d(F.relu(nl.tensor(y) + nl.tensor(b)), 2)
    assert plain._op is None  # nothing recorded: the plain op ran
    yt = nl.tensor(y, requires_grad=True)
    taped = C.max_pool2d(F.relu(yt + nl.tensor(b)), 2)
    assert taped._op.opname == "bias_relu_max_pool2d"
    np.testing.assert_array_equal(taped.numpy(), plain.numpy())


def _cnn(seed):
    nl.seed(seed)
    return nn.Sequential(nn.Conv2D(1, 4, 3, activation="relu"), nn.MaxPool2D(2, padding="SAME"),
                         nn.Conv2D(4, 6, 3, activation="relu"), nn.MaxPool2D(2, padding="SAME"),
                         nn.Flatten(), nn.Dense(3 * 3 * 6, 10))


def test_compiled_training_is_identical_with_and_without_fusion(fusion):
    from neuralab.train import Trainer

    rng = np.random.default_rng(3)
    x = rng.random((8, 11, 11, 1), dtype=np.float32)
    y = rng.integers(0, 10, 8)
    runs = []
    for on in (True, False):
        fusion(on)
        t = Trainer(_cnn(4), optimizer="adam", lr=1e-2)
        losses = [t.train_step(x, y)[0] for _ in range(4)]
        ops = {o.opname for o in t._train.plan_for(*t._prep(x, y)).ops}
        assert ("bias_relu_max_pool2d" in ops) == on and ("max_pool2d" in ops) == (not on)
        runs.append((losses, [p.numpy().copy() for p in t.params]))
    assert runs[0][0] == runs[1][0]
    for a, b in zip(runs[0][1], runs[1][1]):
        np.testing.assert_array_equal(a, b)


def test_unknown_spatial_size_is_a_clear_error():
    y = nl.placeholder((None, None, None, 3))
    with pytest.raises(nl.ShapeError, match="bias_relu_max_pool2d.*height and width"):
        FU.bias_relu_max_pool2d(y, nl.tensor(np.zeros(3)), 2)
    # max_pool2d of such an input keeps the plain op
    assert C.max_pool2d(F.relu(y + nl.tensor(np.zeros(3))), 2)._op.opname == "max_pool2d"
