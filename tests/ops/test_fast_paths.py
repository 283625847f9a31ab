"""Fast paths that must give exactly what the plain NumPy formulation gives (issue 8's whole-program speed).

- ``ops._util.select``: ``np.where`` on bit patterns (ReLU's backward, dropout masks), compared bit for bit
  with ``np.where`` on NaNs, infinities, signed zeros, broadcasting and every dtype path.
- Adam's fused step (``kernels.adam_flat`` with Numba): the parameters after several steps equal the generic
  path's (NumPy passes) bit for bit, for neuralab's Adam and compat.v1's TF Adam, with L2 and clipping.
- The fused softmax cross-entropy (``ops.xent``): its loss and log-softmax are the composite's bits, its
  gradients the composite's to rounding, and ``functional.softmax_cross_entropy`` records it in graphs.
"""
import numpy as np
import pytest

from neuralab.ops import _util


def _bits(a):
    return np.ascontiguousarray(a).view(np.uint8)


@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_select_is_np_where_bit_for_bit(dt):
    rng = np.random.default_rng(0)
    g = rng.standard_normal((64, 96)).astype(dt)
    g.flat[::7] = np.nan
    g.flat[::11] = -0.0
    g.flat[::13] = np.inf
    g.flat[::17] = -np.inf
    x = rng.standard_normal((64, 96)).astype(dt)
    c = x <= 0
    cases = [(0, g), (g, 0), (g, x), (x.T.copy().T, g), (np.array(0, dt), g), (g, np.float32(0.0)), (-0.0, g),
             (g, -0.0), (g[:1], x), (1.5, 0.0), (g, x[0]), (g.T.T[::1, ::-1], x[:, ::-1])]
    for a, b in cases:
        got, ref = _util.select(np, c, a, b), np.where(c, a, b)
        assert got.dtype == ref.dtype and got.shape == ref.shape
        np.testing.assert_array_equal(_bits(got), _bits(ref))
    for cc in (c[:, :1], c[:1], np.bool_(True), np.bool_(False)):  # a broadcast condition
        np.testing.assert_array_equal(_bits(_util.select(np, cc, g, x)), _bits(np.where(cc, g, x)))


def test_select_falls_back_to_where_for_other_dtypes_and_small_outputs():
    c = np.arange(5000) % 3 == 0
    for a, b in [(np.arange(5000), 7), (np.ones(5000, np.float16), np.zeros(5000, np.float16)),
                 (np.ones(5000, np.complex64), 0), (np.ones(10, np.float32), np.zeros(10, np.float32))]:
        cc = c[: np.shape(a)[0]]
        got, ref = _util.select(np, cc, a, b), np.where(cc, a, b)
        assert got.dtype == ref.dtype
        np.testing.assert_array_equal(got, ref)
    # a non-boolean condition goes to np.where as well (truthiness of numbers)
    cond = np.arange(5000) % 2
    np.testing.assert_array_equal(_util.select(np, cond, np.ones(5000), 0.0), np.where(cond, np.ones(5000), 0.0))


def test_relu_gradient_and_dropout_mask_values_unchanged():
    """The ops that use it: maximum's backward (where) and the scaled dropout mask, against their formulas."""
    import neuralab as nl
    from neuralab.ops.random import bernoulli_mask

    x = nl.tensor(np.linspace(-3, 3, 6000, dtype=np.float32).reshape(60, 100), requires_grad=True)
    y = nl.maximum(x, 0.0)
    y.backward(nl.tensor(np.full((60, 100), 2.0, np.float32)))
    np.testing.assert_array_equal(x.grad.numpy(), np.where(x.numpy() >= 0, 2.0, 0.0).astype(np.float32))
    m = bernoulli_mask(nl.tensor(np.ones((50, 100), np.float32)), 0.7, rng=np.random.default_rng(3),
                       scale=True).numpy()
    u = np.random.default_rng(3).random((50, 100), dtype=np.float32)
    np.testing.assert_array_equal(m, np.where(u < np.float32(0.7), np.float32(1) / np.float32(0.7),
                                              np.float32(0)))
    assert m.dtype == np.float32


@pytest.mark.parametrize("variant", ["adam", "tf_adam", "l2", "clip", "adamw", "lecture_decay"])
def test_adam_fused_step_gives_the_generic_paths_bits(variant, monkeypatch):
    from neuralab import optim
    from neuralab.backend import kernels
    from neuralab.compat.v1.train import _TFAdam
    from neuralab.nn import Parameter

    if not kernels.available():
        pytest.skip("Numba is not installed: there is no fused kernel")
    cls, kw = {"adam": (optim.Adam, {}), "tf_adam": (_TFAdam, {}), "l2": (optim.Adam, {"weight_decay": 0.01}),
               "clip": (optim.Adam, {"max_grad_norm": 1.0}), "adamw": (optim.AdamW, {}),
               "lecture_decay": (optim.Adam, {"lecture_decay": 1e-3})}[variant]
    calls = []
    real = kernels.adam_flat
    monkeypatch.setattr(kernels, "adam_flat", lambda *a, **k: calls.append(1) or real(*a, **k))

    def train(mode):
        old = kernels.use(mode)
        try:
            rng = np.random.default_rng(0)
            ps = [Parameter(rng.standard_normal(s).astype(np.float32)) for s in [(300, 200), (200,), (200, 90)]]
            opt = cls(ps, lr=1e-2, **kw)
            for _ in range(4):
                opt.apply_gradients([rng.standard_normal(p.shape).astype(np.float32) for p in ps])
            return [p.data.copy() for p in ps]
        finally:
            kernels.use(old)

    fused, generic = train("numba"), train("numpy")
    for a, b in zip(fused, generic):
        np.testing.assert_array_equal(a, b)
    # the fused kernel ran for every parameter in every step (the bias alone in its size class is updated on its
    # own too), unless the variant needs the generic path
    assert len(calls) == (0 if variant in ("adamw", "lecture_decay") else 12)


@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_fused_softmax_xent_is_the_composite(dt):
    import neuralab as nl
    from neuralab.functional.activations import log_softmax
    from neuralab.ops import elementwise as E, reduce as R
    from neuralab.ops.xent import softmax_xent

    rng = np.random.default_rng(0)
    x = (rng.standard_normal((50, 10)) * 5).astype(dt)
    x[3] = -np.inf  # a row of -inf, a +inf, a few -inf entries: NaN/inf exactly where the composite has them
    x[4, 2] = np.inf
    x[5, :3] = -np.inf
    lab = np.eye(10, dtype=dt)[rng.integers(0, 10, 50)]
    lab[7] = rng.random(10)
    with np.errstate(all="ignore"):
        loss, lsm = softmax_xent(nl.tensor(x), nl.tensor(lab))
        ref_lsm = log_softmax(nl.tensor(x))
        ref = E.negative(R.sum(E.multiply(nl.tensor(lab), ref_lsm), axis=-1))
    np.testing.assert_array_equal(_bits(loss.numpy()), _bits(ref.numpy()))
    np.testing.assert_array_equal(_bits(lsm.numpy()), _bits(ref_lsm.numpy()))
    # gradients (finite rows), against the composite's
    xs, ls = x[10:30], lab[5:25]
    grads = []
    for fused in (True, False):
        a, b = nl.tensor(xs, requires_grad=True), nl.tensor(ls, requires_grad=True)
        per = softmax_xent(a, b)[0] if fused else E.negative(R.sum(E.multiply(b, log_softmax(a)), axis=-1))
        nl.mean(per).backward()
        grads.append((a.grad.numpy(), b.grad.numpy()))
    tol = {"rtol": 1e-6, "atol": 1e-7} if dt == np.float32 else {"rtol": 1e-14, "atol": 1e-16}
    for u, v in zip(*grads):
        np.testing.assert_allclose(u, v, **tol)
    p = np.exp(ref_lsm.numpy()[10:30])
    np.testing.assert_allclose(grads[0][0], (p * ls.sum(-1, keepdims=True) - ls) / 20, **tol)


def test_softmax_cross_entropy_records_the_fused_op_and_falls_back_elsewhere():
    import neuralab as nl
    from neuralab.functional import losses

    with nl.Graph().as_default() as g:
        x = nl.placeholder((None, 10))
        y = nl.placeholder((None, 10))
        losses.softmax_cross_entropy(x, y)
        types = [o.type for o in g.ops]
    assert "SoftmaxCrossEntropyWithLogits" in types and "ReduceLogSumExp" not in types
    with nl.Graph().as_default() as g:  # classes on another axis, or integer labels: the composite
        losses.softmax_cross_entropy(nl.placeholder((None, 10, 3)), nl.placeholder((None, 10, 3)), axis=1)
        losses.softmax_cross_entropy(nl.placeholder((None, 10)), nl.placeholder((None,), dtype="int64"))
        types = [o.type for o in g.ops]
    assert "SoftmaxCrossEntropyWithLogits" not in types

