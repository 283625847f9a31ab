"""Fast paths that must give exactly what the plain NumPy formulation gives (issue 8's whole-program speed).

- ``ops._util.select``: ``np.where`` on bit patterns (ReLU's backward, dropout masks), compared bit for bit
  with ``np.where`` on NaNs, infinities, signed zeros, broadcasting and every dtype path.
- Adam's fused step (``kernels.adam_flat`` with Numba): the parameters after several steps equal the generic
  path's (NumPy passes) bit for bit, for neuralab's Adam and compat.v1's TF Adam, with L2 and clipping.
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
