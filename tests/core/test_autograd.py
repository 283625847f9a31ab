"""Reverse-mode autodiff: DAGs, depth, freeing, accumulation, higher order, grad modes."""
import sys
import tracemalloc

import numpy as np
import pytest

import neuralab as nl


def f64(*a, **k):
    return nl.tensor(np.asarray(*a), dtype="float64", **k)


def test_shared_subexpression_dag():
    # y = a*a + a*b where a = x + 1 is used three times
    x = f64(2.0, requires_grad=True)
    b = f64(3.0, requires_grad=True)
    a = x + 1
    y = a * a + a * b
    y.backward()
    assert x.grad.item() == 2 * 3.0 + 3.0  # 2a + b
    assert b.grad.item() == 3.0


def test_diamond_with_broadcast():
    x = f64(np.arange(3.0), requires_grad=True)
    w = f64(np.ones((2, 3)), requires_grad=True)
    s = x * w  # (2, 3): x broadcast over rows
    y = (s + s * 2).sum()
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [6.0, 6.0, 6.0])  # 3 * rows(2)
    np.testing.assert_array_equal(w.grad.numpy(), 3 * np.tile(np.arange(3.0), (2, 1)))


def test_long_chain_is_iterative():
    x = f64(1.0, requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    assert sys.getrecursionlimit() < 10_000 * 2
    y.backward()
    np.testing.assert_allclose(x.grad.item(), 1.0001 ** 10_000, rtol=1e-9)
    del y  # deep graph deallocation must not overflow the C stack either


def test_backward_accumulates_into_leaves():
    x = f64([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2 + 3, 4 + 3])


def test_leaf_grads_are_independent_arrays():
    x = f64([1.0, 2.0], requires_grad=True)
    y = f64([3.0, 4.0], requires_grad=True)
    (x + y).sum().backward()  # the add gate hands the same gradient to both
    x.grad.data[0] = 100.0
    assert y.grad.numpy()[0] == 1.0
    assert x.grad.data.flags.writeable


def test_intermediate_gradients_are_freed():
    n = 1_000_000  # 8 MB per float64 array
    x = f64(np.ones(n), requires_grad=True)
    y = x
    for _ in range(30):
        y = y * 1.0
    loss = y.sum()
    tracemalloc.start()
    tracemalloc.reset_peak()
    loss.backward()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # holding all 30 intermediate gradients would need 240 MB
    assert peak < 6 * 8 * n, peak


def test_double_backward():
    x = f64(2.0, requires_grad=True)
    y = x ** 3
    (g,) = nl.gradients(y, [x], create_graph=True)
    assert g.item() == 12.0  # 3x^2
    (gg,) = nl.gradients(g, [x])
    assert gg.item() == 12.0  # 6x
    x2 = f64(0.5, requires_grad=True)
    y2 = nl.tanh(x2)
    y2.backward(create_graph=True)
    g2 = x2.grad
    x2.grad = None
    g2.backward()
    t = np.tanh(0.5)
    np.testing.assert_allclose(x2.grad.item(), -2 * t * (1 - t ** 2), rtol=1e-12)


def test_grad_and_value_and_grad_nest():
    f = lambda x: (x ** 3).sum()  # noqa: E731
    g = nl.grad(f)
    np.testing.assert_allclose(g(np.array([1.0, 2.0])).numpy(), [3.0, 12.0])
    gg = nl.grad(lambda x: g(x).sum())
    np.testing.assert_allclose(gg(f64([1.0, 2.0], requires_grad=True)).numpy(), [6.0, 12.0])
    val, (ga, gb) = nl.value_and_grad(lambda a, b: (a * b).sum(), argnums=(0, 1))(
        np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    assert val.item() == 11.0
    np.testing.assert_array_equal(ga.numpy(), [3.0, 4.0])
    np.testing.assert_array_equal(gb.numpy(), [1.0, 2.0])
    with pytest.raises(nl.NeuralabError, match="scalar"):
        nl.grad(lambda x: x * 2)(np.ones(3))


def test_gradients_with_grad_ys_and_unused():
    x = f64([1.0, 2.0], requires_grad=True)
    z = f64([5.0], requires_grad=True)
    y = x * x
    gx, gz = nl.gradients(y, [x, z], grad_ys=f64([10.0, 1.0]))
    np.testing.assert_array_equal(gx.numpy(), [20.0, 4.0])
    assert gz is None
    assert x.grad is None  # gradients() does not accumulate


def test_gradient_wrt_intermediate_tensor():
    x = f64(3.0, requires_grad=True)
    h = x * 2
    y = h * h
    gh, gx = nl.gradients(y, [h, x])
    assert gh.item() == 12.0 and gx.item() == 24.0


def test_no_grad_and_detach():
    x = f64(1.0, requires_grad=True)
    with nl.no_grad():
        y = x * 2
    assert not y.requires_grad and y.is_leaf
    z = nl.stop_gradient(x * 3) * x
    z.backward()
    assert x.grad.item() == 3.0
    assert not x.detach().requires_grad

    @nl.no_grad()
    def f(a):
        return a * a

    assert not f(x).requires_grad


def test_backward_of_non_scalar_needs_grad():
    x = f64([1.0, 2.0], requires_grad=True)
    with pytest.raises(nl.NeuralabError, match="not a scalar"):
        (x * 2).backward()
    (x * 2).backward(grad=np.array([1.0, 0.5]))
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 1.0])


def test_integer_tensors_cannot_require_grad():
    with pytest.raises(nl.DTypeError, match="floating"):
        nl.tensor([1, 2], requires_grad=True)


def test_dtypes_and_promotion():
    assert nl.tensor([1.0]).dtype == np.float32
    assert nl.tensor([1.0], dtype="float64").dtype == np.float64
    assert nl.tensor(np.zeros(2)).dtype == np.float64  # NumPy arrays keep their dtype
    assert nl.tensor([1, 2]).dtype == np.int64
    x32 = nl.tensor([1.0])
    assert (x32 * 2.0).dtype == np.float32 and (2 * x32).dtype == np.float32
    assert (x32 + nl.tensor([1.0], dtype="float64")).dtype == np.float64
    assert (nl.tensor([1, 2]) * 0.5).dtype == np.float32
    assert (nl.tensor([1, 2]) / 2).dtype == np.float32


def test_float64_gradients_stay_float64_and_cast_gradient():
    x = f64([1.0, 2.0], requires_grad=True)
    y = nl.cast(x, "float32") * 2
    y.sum().backward()
    assert x.grad.dtype == np.float64


def test_sigmoid_is_stable_for_large_inputs():
    x = nl.tensor([-1000.0, -50.0, 0.0, 50.0, 1000.0], requires_grad=True)
    with nl.detect_anomaly():
        y = nl.sigmoid(x)
        y.sum().backward()
    np.testing.assert_allclose(y.numpy(), [0.0, 1.9287498e-22, 0.5, 1.0, 1.0], rtol=1e-6)
    assert np.all(np.isfinite(x.grad.numpy()))


def test_logsumexp_is_stable():
    x = nl.tensor([[1000.0, 1000.0], [-1000.0, -1000.0]], dtype="float64")
    np.testing.assert_allclose(nl.logsumexp(x, axis=1).numpy(), [1000 + np.log(2), -1000 + np.log(2)])
