"""conv2d / max_pool2d / avg_pool2d and their gradient primitives.

Values against naive NumPy loops (records_conv) and, when installed, against
torch with NHWC<->NCHW transposes and TF's SAME padding emulated; gradients
(float64, double backward included); eager == graph (batch None) == compiled;
build-time shapes of the TensorBoard MNIST CNN; error messages; tie rule.
"""
import numpy as np
import pytest

import neuralab as nl
from neuralab.backend import numpy_impl
from neuralab.ops import conv as C
from neuralab.testing import RECORDS, gradcheck, gradgradcheck, records_conv as R

NAMES = ["conv2d", "conv2d_grad_input", "conv2d_grad_filter", "max_pool2d", "max_pool2d_grad",
         "max_pool2d_grad_grad", "avg_pool2d", "avg_pool2d_grad"]
#: input positions with a batch axis (the others are filters: fixed shape)
BATCHED = {"conv2d": (0,), "conv2d_grad_input": (0, 2), "conv2d_grad_filter": (0, 1)}


def _t(*arrays):
    return [nl.tensor(a) for a in arrays]


def test_every_conv_op_has_a_record():
    ops = {n for n, cls in nl.REGISTRY.items() if cls.__module__ == "neuralab.ops.conv"}
    assert ops == set(NAMES)
    assert all(n in RECORDS for n in NAMES)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", NAMES)
def test_values_match_naive_reference(name, dtype):
    rec = RECORDS[name]
    for ins in rec.samples(dtype):
        before = [a.copy() for a in ins]
        got = rec.fn(*_t(*ins))
        want = rec.ref(*ins)
        assert got.dtype == want.dtype == dtype
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-6, atol=1e-6)
        for a, b in zip(ins, before):  # forward never mutates its inputs
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", NAMES)
def test_gradcheck_and_double_backward(name):
    rec = RECORDS[name]
    for ins in rec.samples(np.float64, seed=1):
        assert gradcheck(rec.fn, ins)
        assert gradgradcheck(rec.fn, ins)


@pytest.mark.parametrize("name", NAMES)
def test_error_inputs_eager_and_graph(name):
    rec = RECORDS[name]
    assert rec.error_inputs
    for ins, exc, msg in rec.error_inputs:
        for build in ("eager", "graph"):
            args = _t(*ins) if build == "eager" else [nl.placeholder(a.shape, a.dtype) for a in ins]
            with pytest.raises(exc) as e:
                rec.fn(*args)
            for m in msg:
                assert m in str(e.value), (build, m, str(e.value))


@pytest.mark.parametrize("name", NAMES)
def test_eager_equals_graph_with_batch_none_equals_compiled(name):
    rec = RECORDS[name]
    batched = BATCHED.get(name, tuple(range(8)))
    for ins in rec.samples(np.float64, seed=2):
        eager = rec.fn(*_t(*ins)).numpy()
        phs = [nl.placeholder(((None,) + a.shape[1:]) if i in batched else a.shape, a.dtype)
               for i, a in enumerate(ins)]
        sym = rec.fn(*phs)
        want = eager.shape if name == "conv2d_grad_filter" else (None,) + eager.shape[1:]
        assert sym.shape == want
        graph = nl.run(sym, dict(zip(phs, ins)))
        np.testing.assert_array_equal(graph, eager)
        f = nl.compile(rec.fn)
        np.testing.assert_array_equal(f(*ins).numpy(), eager)
        np.testing.assert_array_equal(f(*ins).numpy(), eager)
        assert f.trace_count == 1


def test_graph_gradients_equal_eager():
    x = np.random.default_rng(0).standard_normal((3, 7, 6, 2))
    w = np.random.default_rng(1).standard_normal((3, 3, 2, 4))
    u = np.random.default_rng(2).standard_normal((3, 4, 3, 2))

    def loss(x, w):
        y = C.max_pool2d(nl.tanh(C.conv2d(x, w, 2, "SAME")), 2, 1, "SAME")
        y = C.avg_pool2d(y, 3, 1, "SAME")
        return nl.sum(y[..., :2] * nl.tensor(u))

    xt, wt = nl.tensor(x, requires_grad=True), nl.tensor(w, requires_grad=True)
    gx, gw = nl.gradients(loss(xt, wt), [xt, wt])
    xp = nl.placeholder((None, 7, 6, 2), np.float64)
    wv = nl.tensor(w, requires_grad=True)
    sx, sw = nl.gradients(loss(xp, wv), [xp, wv])
    assert sx.shape == (None, 7, 6, 2) and sw.shape == (3, 3, 2, 4)
    rx, rw = nl.run([sx, sw], {xp: x})
    np.testing.assert_allclose(rx, gx.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(rw, gw.numpy(), rtol=1e-12, atol=1e-12)
    assert gradcheck(loss, [x, w])


def test_mnist_cnn_shapes_at_build_time():
    x = nl.placeholder((None, 28, 28, 1))
    w1 = nl.tensor(np.zeros((5, 5, 1, 32), np.float32))
    w2 = nl.tensor(np.zeros((5, 5, 32, 64), np.float32))
    h1 = C.max_pool2d(nl.maximum(C.conv2d(x, w1, [1, 1, 1, 1], "SAME"), 0.0), [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
    assert h1.shape == (None, 14, 14, 32) and h1.dtype == np.float32
    h2 = C.max_pool2d(nl.maximum(C.conv2d(h1, w2, 1, "SAME"), 0.0), 2, 2, "SAME")
    assert h2.shape == (None, 7, 7, 64)
    out = nl.run(h2, {x: np.ones((3, 28, 28, 1), np.float32)})
    assert out.shape == (3, 7, 7, 64)


def test_shapes_with_unknown_spatial_dims():
    x = nl.placeholder((None, None, None, 3))
    w = nl.tensor(np.zeros((3, 3, 3, 8)))
    assert C.conv2d(x, w, 2, "SAME").shape == (None, None, None, 8)
    assert C.max_pool2d(x, 2).shape == (None, None, None, 3)
    y = nl.placeholder((2, 9, None, 3))
    assert C.conv2d(y, w, 2, "SAME").shape == (2, 5, None, 8)
    assert C.avg_pool2d(y, 3, 2, "VALID").shape == (2, 4, None, 3)


@pytest.mark.parametrize("block_bytes", [1, 2000, 1 << 30])
def test_blocked_kernels_match_reference(monkeypatch, block_bytes):
    """Row blocks inside one image, several images per block, one block for all."""
    monkeypatch.setattr(numpy_impl, "BLOCK_BYTES", block_bytes)
    rng = np.random.default_rng(3)
    for xs, ws, s, p in [((3, 9, 8, 2), (3, 3, 2, 3), 1, "SAME"), ((2, 11, 9, 3), (4, 3, 3, 2), (2, 3), "SAME"),
                         ((2, 8, 8, 2), (3, 3, 2, 2), 2, "VALID")]:
        x, w = rng.standard_normal(xs), rng.standard_normal(ws)
        y = C.conv2d(x, w, s, p)
        np.testing.assert_allclose(y.numpy(), R.ref_conv2d(x, w, s, p), rtol=1e-10, atol=1e-10)
        g = rng.standard_normal(y.shape)
        np.testing.assert_allclose(C.conv2d_grad_input(g, w, x, s, p).numpy(),
                                   R.ref_conv2d_grad_input(g, w, x, s, p), rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(C.conv2d_grad_filter(x, g, w, s, p).numpy(),
                                   R.ref_conv2d_grad_filter(x, g, w, s, p), rtol=1e-10, atol=1e-10)


def test_im2col_and_col2im_are_adjoint():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 7, 6, 3))
    pads, out_hw, k, s = ((1, 2), (0, 1)), (4, 3), (3, 2), (2, 2)
    cols = numpy_impl.im2col(np, x, k, s, pads, out_hw)
    assert cols.shape == (2, 4, 3, 3, 2, 3)
    c = rng.standard_normal(cols.shape)
    back = numpy_impl.col2im(np, c, x.shape, s, pads)
    np.testing.assert_allclose(np.sum(cols * c), np.sum(x * back), rtol=1e-12)


def test_max_pool_ties_go_to_the_first_maximum():
    x = nl.tensor(np.array([[1.0, 3.0, 3.0], [3.0, 2.0, 0.0], [3.0, 1.0, 3.0]]).reshape(1, 3, 3, 1),
                  requires_grad=True)
    y = C.max_pool2d(x, 2, 1, "VALID")
    np.testing.assert_array_equal(y.numpy().ravel(), [3, 3, 3, 3])
    y.backward(np.ones(y.shape))
    # first maxima (row-major): top-left and top-right windows -> (0, 1), bottom-left -> (1, 0), bottom-right -> (2, 2)
    want = np.array([[0.0, 2.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    np.testing.assert_array_equal(x.grad.numpy()[0, :, :, 0], want)


@pytest.mark.parametrize("ksize,stride,padding", [(2, 2, "VALID"), (2, 2, "SAME"), (3, 2, "SAME"), (2, 3, "VALID")])
def test_max_pool_ties_in_every_code_path(ksize, stride, padding):
    """Constant input: every window is a tie, so the first cell of each window gets the gradient."""
    x = nl.tensor(np.ones((2, 6, 6, 3)), requires_grad=True)
    y = C.max_pool2d(x, ksize, stride, padding)
    g = np.random.default_rng(7).standard_normal(y.shape)
    y.backward(g)
    np.testing.assert_array_equal(x.grad.numpy(), R.ref_max_pool2d_grad(x.numpy(), g, ksize, stride, padding))
    gg = np.random.default_rng(8).standard_normal(x.shape)
    np.testing.assert_array_equal(C.max_pool2d_grad_grad(x, y, gg, ksize, stride, padding).numpy(),
                                  R.ref_max_pool2d_grad_grad(x.numpy(), gg, ksize, stride, padding))


@pytest.mark.parametrize("stride", [2, 1])
def test_max_pool_inf_gradient_does_not_leak_into_other_cells(stride):
    x = R.distinct(np.random.default_rng(9), (1, 4, 4, 1), np.float64)
    y = C.max_pool2d(x, 2, stride)
    g = np.ones(y.shape)
    g[0, 0, 0, 0] = np.inf
    gx = C.max_pool2d_grad(x, y, g, 2, stride).numpy()
    assert not np.isnan(gx).any() and np.isinf(gx).sum() >= 1
    np.testing.assert_array_equal(gx, R.ref_max_pool2d_grad(x, g, 2, stride, "VALID"))


def test_same_max_pool_padding_never_wins_and_avg_counts_real_cells():
    x = -np.arange(1.0, 26.0).reshape(1, 5, 5, 1)  # all negative: a zero pad would win
    y = C.max_pool2d(x, 2, 2, "SAME").numpy()[0, :, :, 0]
    np.testing.assert_array_equal(y, [[-1, -3, -5], [-11, -13, -15], [-21, -23, -25]])
    a = C.avg_pool2d(np.ones((1, 5, 5, 1)), 3, 2, "SAME").numpy()
    np.testing.assert_array_equal(a, np.ones((1, 3, 3, 1)))


def test_tf_same_padding_puts_the_extra_cell_after():
    x = np.zeros((1, 4, 4, 1))
    x[0, 0, 0, 0] = 1.0  # top-left pixel
    w = np.zeros((2, 2, 1, 1))
    w[0, 0, 0, 0] = 1.0  # tap (0, 0) reads xpad[p, q]; pad_before = 0 for k=2, s=1
    y = C.conv2d(x, w, 1, "SAME").numpy()
    assert y[0, 0, 0, 0] == 1.0 and y.sum() == 1.0
    x = np.arange(25.0).reshape(1, 5, 5, 1)
    w = np.zeros((4, 4, 1, 1))
    w[0, 0, 0, 0] = 1.0  # k=4, s=1: pad_total 3 -> 1 before, 2 after: y[p, q] = x[p-1, q-1]
    y = C.conv2d(x, w, 1, "SAME").numpy()[0, :, :, 0]
    np.testing.assert_array_equal(y[1:, 1:], x[0, :4, :4, 0])
    assert not y[0].any() and not y[:, 0].any()


def test_bad_attributes_raise():
    x, w = np.zeros((1, 5, 5, 1)), np.zeros((3, 3, 1, 1))
    with pytest.raises(ValueError, match="conv2d.*padding"):
        C.conv2d(x, w, 1, "FULL")
    with pytest.raises(nl.ShapeError, match="conv2d.*stride"):
        C.conv2d(x, w, 0)
    with pytest.raises(nl.ShapeError, match="max_pool2d.*ksize"):
        C.max_pool2d(x, (2, 2, 2))
    with pytest.raises(nl.ShapeError, match=r"conv2d.*\(1, 5, 5, 1\).*\(3, 3, 2, 1\)"):
        C.conv2d(x, np.zeros((3, 3, 2, 1)))


def test_mixed_dtypes_promote_and_grads_keep_input_dtypes():
    x = nl.tensor(np.ones((1, 4, 4, 2), np.float32), requires_grad=True)
    w = nl.tensor(np.ones((3, 3, 2, 2)), requires_grad=True)
    y = C.conv2d(x, w, 1, "SAME")
    assert y.dtype == np.float64
    y.sum().backward()
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float64


# -- torch as an oracle --------------------------------------------------------------------

def _tf_pads(x_shape, k, s, padding):
    (_, pt, pb), (_, pl, pr) = (R.ref_geometry(x_shape[1], k[0], s[0], padding),
                                R.ref_geometry(x_shape[2], k[1], s[1], padding))
    return pl, pr, pt, pb  # torch's F.pad order: last dim first


TORCH_CASES = [((2, 9, 8, 3), (3, 3, 3, 4), (1, 1), "SAME"), ((2, 9, 8, 3), (5, 4, 3, 2), (2, 2), "SAME"),
               ((1, 10, 7, 2), (3, 3, 2, 3), (2, 1), "VALID"), ((3, 8, 8, 4), (2, 2, 4, 5), (3, 3), "SAME")]


@pytest.mark.parametrize("xs,ws,s,p", TORCH_CASES)
def test_conv2d_matches_torch(xs, ws, s, p):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(5)
    x, w = rng.standard_normal(xs), rng.standard_normal(ws)
    u = rng.standard_normal(C.conv2d(x, w, s, p).shape)
    xt = torch.tensor(x.transpose(0, 3, 1, 2), requires_grad=True)
    wt = torch.tensor(w.transpose(3, 2, 0, 1), requires_grad=True)
    yt = F.conv2d(F.pad(xt, _tf_pads(xs, ws[:2], s, p)), wt, stride=s)
    (yt * torch.tensor(u.transpose(0, 3, 1, 2))).sum().backward()
    xn, wn = nl.tensor(x, requires_grad=True), nl.tensor(w, requires_grad=True)
    y = C.conv2d(xn, wn, s, p)
    (y * nl.tensor(u)).sum().backward()
    np.testing.assert_allclose(y.numpy(), yt.detach().numpy().transpose(0, 2, 3, 1), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(xn.grad.numpy(), xt.grad.numpy().transpose(0, 2, 3, 1), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(wn.grad.numpy(), wt.grad.numpy().transpose(2, 3, 1, 0), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("xs,k,s,p", [((2, 9, 8, 3), (2, 2), (2, 2), "SAME"), ((2, 9, 8, 3), (3, 3), (2, 2), "SAME"),
                                      ((1, 7, 10, 2), (3, 2), (1, 2), "VALID"), ((2, 6, 6, 2), (3, 3), (1, 1), "SAME")])
def test_pooling_matches_torch(xs, k, s, p):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(6)
    x = R.distinct(rng, xs, np.float64) * 0.1
    pads = _tf_pads(xs, k, s, p)
    xt = torch.tensor(x.transpose(0, 3, 1, 2), requires_grad=True)
    # max: pad with -inf so padded cells never win
    mt = F.max_pool2d(F.pad(xt, pads, value=-np.inf), k, s)
    # avg (TF SAME): zero-padded window sums over the number of real cells
    ones = torch.ones_like(xt[:, :1])
    at = F.avg_pool2d(F.pad(xt, pads), k, s) / F.avg_pool2d(F.pad(ones, pads), k, s)
    um, ua = rng.standard_normal(mt.shape), rng.standard_normal(at.shape)
    ((mt * torch.tensor(um)).sum() + (at * torch.tensor(ua)).sum()).backward()
    xn = nl.tensor(x, requires_grad=True)
    m, a = C.max_pool2d(xn, k, s, p), C.avg_pool2d(xn, k, s, p)
    ((m * nl.tensor(um.transpose(0, 2, 3, 1))).sum() + (a * nl.tensor(ua.transpose(0, 2, 3, 1))).sum()).backward()
    nhwc = (0, 2, 3, 1)
    np.testing.assert_allclose(m.numpy(), mt.detach().numpy().transpose(nhwc), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(a.numpy(), at.detach().numpy().transpose(nhwc), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(xn.grad.numpy(), xt.grad.numpy().transpose(nhwc), rtol=1e-12, atol=1e-12)
