"""Transposed, dilated and depthwise convolution (neuralab.functional.conv) and the layers over them.

Values are checked against PyTorch (conv_transpose2d / dilated conv2d, when torch
is installed), against the adjoint identity <conv2d(z, w), x> = <z, conv2d_transpose(x, w)>
and against direct loops; gradients by float64 central differences (first and second order).
"""
import itertools

import numpy as np
import pytest

import neuralab as nl
from neuralab import functional as F, nn
from neuralab._core.errors import ShapeError
from neuralab.testing import gradcheck, gradgradcheck
from neuralab.testing.records_conv import ref_geometry



def _torch():
    try:
        import torch as t
    except ImportError:  # pragma: no cover - torch is an optional oracle
        pytest.skip("torch is not installed")
    return t


_pads = ref_geometry  # TF's (out, before, after) for a conv2d along one axis


def _torch_transpose(x, w, out_hw, s, padding, d):
    """TF's conv2d_transpose from torch's full (unpadded) conv_transpose2d: pad at the end, crop TF's padding."""
    t = _torch()
    full = t.nn.functional.conv_transpose2d(t.from_numpy(x.transpose(0, 3, 1, 2)),
                                            t.from_numpy(w.transpose(3, 2, 0, 1)), stride=s, dilation=d).numpy()
    full = full.transpose(0, 2, 3, 1)
    keff = [(w.shape[i] - 1) * d[i] + 1 for i in range(2)]
    (_, pt, pb), (_, pl, pr) = (_pads(out_hw[i], keff[i], s[i], padding) for i in range(2))
    tot = (out_hw[0] + pt + pb, out_hw[1] + pl + pr)
    big = np.zeros((x.shape[0], *tot, w.shape[2]))
    big[:, :full.shape[1], :full.shape[2]] = full[:, :tot[0], :tot[1]]
    return big[:, pt:pt + out_hw[0], pl:pl + out_hw[1]]


def _torch_dilated(x, w, s, padding, d):
    t = _torch()
    keff = [(w.shape[i] - 1) * d[i] + 1 for i in range(2)]
    (_, pt, pb), (_, pl, pr) = (_pads(x.shape[1 + i], keff[i], s[i], padding) for i in range(2))
    xp = np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)))
    y = t.nn.functional.conv2d(t.from_numpy(xp.transpose(0, 3, 1, 2)), t.from_numpy(w.transpose(3, 2, 0, 1)),
                               stride=s, dilation=d).numpy()
    return y.transpose(0, 2, 3, 1)


def _fitting_sizes(h, k, s, padding):
    """Every output size a transposed conv may take for an input of size h (those conv2d maps back to h)."""
    return [o for o in range(1, h * s + k + 2) if _pads(o, k, s, padding)[0] == h and (padding == "SAME" or o >= k)]


# -- values -------------------------------------------------------------------------------

@pytest.mark.parametrize("padding", ["SAME", "VALID"])
def test_conv2d_transpose_matches_torch_for_every_fitting_output_size(padding, rng):
    for (k, s, d) in [(1, 1, 1), (3, 1, 1), (3, 2, 1), (4, 2, 1), (5, 2, 1), (2, 3, 1), (3, 3, 1), (3, 1, 2),
                      (3, 2, 2)]:
        h, wdt = 4, 3
        x = rng.standard_normal((2, h, wdt, 3))
        w = rng.standard_normal((k, k, 2, 3))
        keff = (k - 1) * d + 1
        for oh, ow in itertools.product(_fitting_sizes(h, keff, s, padding), _fitting_sizes(wdt, keff, s, padding)):
            y = F.conv2d_transpose(x, w, (2, oh, ow, 2), stride=s, padding=padding, dilation=d).numpy()
            np.testing.assert_allclose(y, _torch_transpose(x, w, (oh, ow), (s, s), padding, (d, d)),
                                       rtol=1e-10, atol=1e-10, err_msg=f"k={k} s={s} d={d} out={oh}x{ow}")


def test_conv2d_transpose_default_size_is_keras_rule_and_the_adjoint_of_conv2d(rng):
    for padding, k, s in itertools.product(["SAME", "VALID"], [1, 2, 3, 5], [1, 2, 3]):
        x = rng.standard_normal((2, 5, 4, 3))
        w = rng.standard_normal((k, k, 2, 3))
        y = F.conv2d_transpose(x, w, stride=s, padding=padding)
        want = (5 * s, 4 * s) if padding == "SAME" else (5 * s + max(k - s, 0), 4 * s + max(k - s, 0))
        assert y.shape == (2, *want, 2)
        # adjoint: <conv2d(z, w), x> == <z, conv2d_transpose(x, w)> for z of the output's shape
        z = rng.standard_normal(y.shape)
        lhs = np.sum(nl.conv2d(z, w, stride=s, padding=padding).numpy() * x)
        assert lhs == pytest.approx(np.sum(z * y.numpy()), rel=1e-10)


def test_conv2d_transpose_stamps_the_filter_at_stride():
    """A single 1 in the input leaves a copy of the filter in the output, placed at stride * position - pad."""
    w = np.arange(9.0).reshape(3, 3, 1, 1)
    x = np.zeros((1, 3, 3, 1))
    x[0, 1, 2, 0] = 2.0
    y = F.conv2d_transpose(x, w, (1, 7, 7, 1), stride=2, padding="VALID").numpy()[0, :, :, 0]
    want = np.zeros((7, 7))
    want[2:5, 4:7] = 2.0 * w[:, :, 0, 0]
    np.testing.assert_array_equal(y, want)


@pytest.mark.parametrize("padding", ["SAME", "VALID"])
def test_dilated_conv2d_matches_torch(padding, rng):
    for (k, s, d) in [(3, 1, (2, 2)), (3, 1, (3, 2)), (2, 1, (4, 4)), (3, 2, (2, 2)), (1, 1, (3, 3)), (3, 3, (2, 1))]:
        x = rng.standard_normal((2, 11, 10, 3))
        w = rng.standard_normal((k, k, 3, 4))
        y = F.conv2d(x, w, stride=s, padding=padding, dilation=d).numpy()
        np.testing.assert_allclose(y, _torch_dilated(x, w, (s, s), padding, d), rtol=1e-10, atol=1e-10,
                                   err_msg=f"k={k} s={s} d={d}")


def test_dilated_conv2d_by_phases_equals_the_dilated_filter(rng):
    """The stride-1 path (phases folded into the batch) and the zero-filled filter give the same values."""
    x = rng.standard_normal((3, 9, 8, 2))
    w = rng.standard_normal((3, 2, 2, 5))
    for padding in ("SAME", "VALID"):
        a = F.conv2d(x, w, padding=padding, dilation=(2, 3)).numpy()
        b = nl.conv2d(x, F.dilate_filter(w, (2, 3)), padding=padding).numpy()
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    assert F.conv2d(x, w, dilation=1).shape == nl.conv2d(x, w).shape


def test_dilate_filter_places_taps_apart():
    w = np.arange(6.0).reshape(2, 3, 1, 1)
    got = F.dilate_filter(w, (3, 2)).numpy()[:, :, 0, 0]
    want = np.zeros((4, 5))
    want[::3, ::2] = w[:, :, 0, 0]
    np.testing.assert_array_equal(got, want)


def test_depthwise_conv2d_convolves_each_channel_with_its_own_filters(rng):
    x = rng.standard_normal((2, 6, 5, 3))
    w = rng.standard_normal((3, 2, 3, 2))
    y = F.depthwise_conv2d(x, w, stride=2, padding="SAME").numpy()
    for c in range(3):
        for m in range(2):
            ref = nl.conv2d(x[..., c:c + 1], w[:, :, c:c + 1, m:m + 1], stride=2, padding="SAME").numpy()
            np.testing.assert_allclose(y[..., c * 2 + m:c * 2 + m + 1], ref, rtol=1e-12)
    t = _torch()
    tw = t.from_numpy(w.transpose(2, 3, 0, 1).reshape(6, 1, 3, 2))  # (C*M, 1, KH, KW), groups=C
    (_, pt, pb), (_, pl, pr) = _pads(6, 3, 2, "SAME"), _pads(5, 2, 2, "SAME")
    xp = np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)))
    ty = t.nn.functional.conv2d(t.from_numpy(xp.transpose(0, 3, 1, 2)), tw, stride=2, groups=3)
    np.testing.assert_allclose(y, ty.numpy().transpose(0, 2, 3, 1), rtol=1e-10)


# -- gradients ----------------------------------------------------------------------------

@pytest.mark.parametrize("padding", ["SAME", "VALID"])
def test_conv2d_transpose_gradcheck(padding, rng):
    x = rng.standard_normal((2, 3, 3, 2))
    w = rng.standard_normal((3, 3, 2, 2))
    fn = lambda a, b: F.conv2d_transpose(a, b, stride=2, padding=padding)  # noqa: E731
    assert gradcheck(fn, [x, w])
    assert gradgradcheck(fn, [x, w])
    out = (2, 5, 6, 2) if padding == "SAME" else (2, 10, 7, 2)  # (one of the fitting sizes, not the default)
    fn_d = lambda a, b: F.conv2d_transpose(a, b, out, stride=2, padding=padding, dilation=(2, 1))  # noqa: E731
    assert gradcheck(fn_d, [x, w])


@pytest.mark.parametrize("stride", [1, 2])
def test_dilated_conv2d_gradcheck(stride, rng):
    x = rng.standard_normal((2, 7, 6, 2))
    w = rng.standard_normal((2, 3, 2, 3))
    for padding in ("SAME", "VALID"):
        fn = lambda a, b: F.conv2d(a, b, stride=stride, padding=padding, dilation=2)  # noqa: E731
        assert gradcheck(fn, [x, w])
    assert gradgradcheck(lambda a, b: F.conv2d(a, b, stride=stride, padding="SAME", dilation=2), [x, w])


def test_depthwise_conv2d_gradcheck(rng):
    x = rng.standard_normal((1, 5, 5, 2))
    w = rng.standard_normal((3, 3, 2, 2))
    assert gradcheck(lambda a, b: F.depthwise_conv2d(a, b, padding="SAME", dilation=2), [x, w])


def test_conv2d_transpose_gradients_match_torch(rng):
    t = _torch()
    x = rng.standard_normal((2, 4, 4, 3))
    w = rng.standard_normal((4, 4, 2, 3))
    g = rng.standard_normal((2, 8, 8, 2))
    xt = nl.Tensor(x, requires_grad=True)
    wt = nl.Tensor(w, requires_grad=True)
    (F.conv2d_transpose(xt, wt, stride=2, padding="SAME") * nl.Tensor(g)).sum().backward()
    # k=4, s=2, SAME: TF pads 1 before and 1 after, which is torch's padding=1
    tx = t.from_numpy(x.transpose(0, 3, 1, 2)).requires_grad_()
    tw = t.from_numpy(w.transpose(3, 2, 0, 1)).requires_grad_()
    ty = t.nn.functional.conv_transpose2d(tx, tw, stride=2, padding=1)
    (ty * t.from_numpy(g.transpose(0, 3, 1, 2))).sum().backward()
    np.testing.assert_allclose(xt.grad.numpy(), tx.grad.numpy().transpose(0, 2, 3, 1), rtol=1e-10)
    np.testing.assert_allclose(wt.grad.numpy(), tw.grad.numpy().transpose(2, 3, 1, 0), rtol=1e-10)


# -- graphs, unknown batch sizes, errors ----------------------------------------------------

def test_conv2d_transpose_in_a_graph_with_an_unknown_batch(rng):
    x = rng.standard_normal((3, 4, 4, 5)).astype(np.float32)
    w = rng.standard_normal((5, 5, 2, 5)).astype(np.float32)
    X = nl.placeholder((None, 4, 4, 5))
    y = F.conv2d_transpose(X, w, (None, 8, 8, 2), stride=2, padding="SAME")
    assert y.shape == (None, 8, 8, 2)
    dims = nl.stack([nl.shape_of(X)[0], 8, 8, 2])  # TF's tf.stack([tf.shape(x)[0], ...])
    y2 = F.conv2d_transpose(X, w, dims, stride=2, padding="SAME")
    assert y2.shape == (None, None, None, 2)
    shp = nl.shape_of(X)
    y3 = F.conv2d_transpose(X, w, [shp[0], 8, 8, 2], stride=2, padding="SAME")  # only the batch is symbolic
    y4 = F.conv2d_transpose(X, w, [shp[0], shp[1] * 2, 8, 2], stride=2, padding="SAME")
    assert y3.shape == (None, 8, 8, 2) and y4.shape == (None, None, 8, 2)
    gw = nl.gradients(nl.sum(y * y), [X])[0]
    a, b, c, d, g = nl.run([y, y2, y3, y4, gw], {X: x})
    want = F.conv2d_transpose(x, w, stride=2, padding="SAME").numpy()
    for got in (a, b, c, d):
        np.testing.assert_allclose(got, want, rtol=1e-6)
    xt = nl.Tensor(x, requires_grad=True)
    nl.sum(F.conv2d_transpose(xt, w, stride=2, padding="SAME") ** 2).backward()
    np.testing.assert_allclose(g, xt.grad.numpy(), rtol=1e-5)
    assert nl.run(y, {X: x[:1]}).shape == (1, 8, 8, 2)  # another batch size, same graph


def test_conv2d_transpose_output_reference_costs_no_memory():
    from neuralab.functional.conv import _TransposedOutput

    ref = _TransposedOutput.apply(np.ones((64, 7, 7, 8), np.float32), nl.Tensor(np.array([-1, 14, 14, 4])),
                                  static_shape=(None, 14, 14, 4), ksize=(5, 5), stride=(2, 2), padding="SAME",
                                  channels=4)
    assert ref.shape == (64, 14, 14, 4) and ref.data.strides == (0, 0, 0, 0)


def test_conv2d_transpose_errors_name_the_op_and_the_shapes(rng):
    x = np.ones((2, 4, 4, 3))
    w = np.ones((3, 3, 2, 3))
    with pytest.raises(ShapeError, match=r"conv2d_transpose: output_shape \(2, 9, 8, 2\) does not fit x"):
        F.conv2d_transpose(x, w, (2, 9, 8, 2), stride=2, padding="SAME")
    with pytest.raises(ShapeError, match="conv2d_transpose: output_shape .* channel count"):
        F.conv2d_transpose(x, w, (2, 8, 8, 5), stride=2, padding="SAME")
    with pytest.raises(ShapeError, match="conv2d_transpose: output_shape .* batch size 3, expected 2"):
        F.conv2d_transpose(x, w, (3, 8, 8, 2), stride=2, padding="SAME")
    with pytest.raises(ShapeError, match="conv2d_transpose: x has 3 channels but the filter .* expects 4"):
        F.conv2d_transpose(x, np.ones((3, 3, 2, 4)))
    with pytest.raises(ShapeError, match=r"conv2d_transpose: x must be 4-D"):
        F.conv2d_transpose(np.ones((4, 4, 3)), w)
    with pytest.raises(ShapeError, match="conv2d_transpose: output_shape must be"):
        F.conv2d_transpose(x, w, (2, 8, 8))
    X = nl.placeholder((None, 4, 4, 3))
    y = F.conv2d_transpose(X, w, nl.stack([nl.shape_of(X)[0], 9, 9, 2]), stride=2, padding="SAME")
    with pytest.raises(ShapeError, match="conv2d_transpose: output_shape \\(2, 9, 9, 2\\) does not fit"):
        nl.run(y, {X: x})
    with pytest.raises(ShapeError, match="dilation must be positive"):
        F.conv2d(x, w[:, :, :, :1].repeat(3, 2), dilation=0)


# -- layers --------------------------------------------------------------------------------

def test_conv2d_transpose_layer_is_the_functional_form_plus_bias(rng):
    layer = nn.Conv2DTranspose(None, 4, 3, stride=2, activation="relu", bias_init=0.5, dtype=np.float64, rng=0)
    x = rng.standard_normal((2, 5, 5, 3))
    y = layer(x)
    assert layer.weight.shape == (3, 3, 4, 3) and layer.bias.shape == (4,)
    want = np.maximum(F.conv2d_transpose(x, layer.weight.numpy(), stride=2, padding="SAME").numpy() + 0.5, 0)
    np.testing.assert_allclose(y.numpy(), want, rtol=1e-12)
    assert nn.ConvTranspose2D is nn.Conv2DTranspose
    valid = nn.Conv2DTranspose(3, 2, 5, stride=2, padding="valid")
    assert valid(np.zeros((1, 7, 7, 3), np.float32)).shape == (1, 17, 17, 2)
    # loading a state dict builds a lazy layer with the right channel counts
    fresh = nn.Conv2DTranspose(None, 4, 3, stride=2, activation="relu", dtype=np.float64)
    fresh.load_state_dict(layer.state_dict())
    np.testing.assert_array_equal(fresh(x).numpy(), y.numpy())
    with pytest.raises(ShapeError, match="Conv2DTranspose\\(in_channels=3\\): input of shape"):
        layer(np.ones((1, 5, 5, 2)))


def test_conv2d_transpose_layer_trains_an_upsampler(rng):
    """A learned 2x upsampler: 1x1-per-pixel codes to 2x2 blocks, fit exactly by gradient descent."""
    nl.seed(0)
    up = nn.Conv2DTranspose(2, 1, 2, stride=2, bias=False)
    target_w = np.array([[1.0, -1.0], [0.5, 2.0]], np.float32).reshape(2, 2, 1, 1) * np.array([1.0, -2.0],
                                                                                               np.float32)
    opt = nl.optim.SGD(up.parameters(), lr=0.1)
    for _ in range(300):
        x = rng.standard_normal((8, 3, 3, 2)).astype(np.float32)
        want = F.conv2d_transpose(x, target_w, stride=2).numpy()
        loss = nl.mean((up(x) - want) ** 2)
        opt.zero_grad()
        loss.backward()
        opt.step()
    np.testing.assert_allclose(up.weight.numpy(), target_w, atol=1e-3)


def test_conv2d_dilation_layer(rng):
    conv = nn.Conv2D(2, 3, 3, dilation=2, dtype=np.float64, rng=1)
    x = rng.standard_normal((2, 9, 9, 2))
    y = conv(x).numpy()
    want = F.conv2d(x, conv.weight.numpy(), padding="SAME", dilation=2).numpy() + conv.bias.numpy()
    np.testing.assert_allclose(y, want, rtol=1e-12)
    np.testing.assert_allclose(y, _torch_dilated(x, conv.weight.numpy(), (1, 1), "SAME", (2, 2)), rtol=1e-10)
    assert "dilation=2" in repr(conv) and conv.dilation == 2
    assert nn.Conv2D(2, 3, 3).dilation == 1
    with pytest.raises(ValueError, match="Conv2D: dilation"):
        nn.Conv2D(2, 3, 3, dilation=0)
