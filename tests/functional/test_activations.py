"""Activations: lecture values (seed 001 Exercise 1), closed forms, torch, gradients, graph/compile, stability."""
import numpy as np
import pytest

import neuralab as nl
from neuralab.functional import activations as A
from neuralab.testing import gradcheck

try:
    import torch
    import torch.nn.functional as TF
except ImportError:  # torch is an optional oracle
    torch = None

EXERCISE_X = [-10, -5, -0.5, 0, 1, 5, 10, 20, 100]


def _sig(x):
    return 1 / (1 + np.exp(-x))


def _elu(x, a=1.0):
    return np.where(x > 0, x, a * (np.exp(np.minimum(x, 0)) - 1))


# name -> (function of one tensor, closed form on float64 arrays, torch function or None)
CASES = {
    "sigmoid": (A.sigmoid, _sig, lambda t: torch.sigmoid(t)),
    "tanh": (A.tanh, np.tanh, lambda t: torch.tanh(t)),
    "relu": (A.relu, lambda x: np.maximum(0, x), lambda t: TF.relu(t)),
    "leaky_relu": (A.leaky_relu, lambda x: np.where(x > 0, x, 0.01 * x), lambda t: TF.leaky_relu(t, 0.01)),
    "leaky_relu_0.1": (lambda x: A.leaky_relu(x, 0.1), lambda x: np.maximum(0.1 * x, x),
                       lambda t: TF.leaky_relu(t, 0.1)),
    "elu": (A.elu, _elu, lambda t: TF.elu(t)),
    "elu_0.5": (lambda x: A.elu(x, 0.5), lambda x: _elu(x, 0.5), lambda t: TF.elu(t, 0.5)),
    "selu": (A.selu, lambda x: A.SELU_SCALE * _elu(x, A.SELU_ALPHA), lambda t: TF.selu(t)),
    "softplus": (A.softplus, lambda x: np.log1p(np.exp(x)), lambda t: TF.softplus(t)),
    "softmax": (A.softmax, lambda x: np.exp(x) / np.exp(x).sum(-1, keepdims=True), lambda t: torch.softmax(t, -1)),
    "softmax_axis0": (lambda x: A.softmax(x, axis=0), lambda x: np.exp(x) / np.exp(x).sum(0, keepdims=True),
                      lambda t: torch.softmax(t, 0)),
    "log_softmax": (A.log_softmax, lambda x: x - np.log(np.exp(x).sum(-1, keepdims=True)),
                    lambda t: torch.log_softmax(t, -1)),
    "maxout": (lambda x: A.maxout(x, 2), lambda x: x.reshape(x.shape[:-1] + (x.shape[-1] // 2, 2)).max(-1),
               None),
    "maxout_axis0": (lambda x: A.maxout(x, 3, axis=0), lambda x: x.reshape((2, 3) + x.shape[1:]).max(1), None),
}


def _sample(seed=0, shape=(6, 4)):
    """Values at least 0.05 away from 0 and from each other (no kinks or ties within gradcheck's eps)."""
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    vals = (rng.permutation(n) - n / 2 + 0.5) * 0.3 + rng.uniform(-0.05, 0.05, n)
    return vals.reshape(shape)


def _three_ways(fn, *arrays):
    """fn evaluated eagerly, on placeholders with neuralab.run, and compiled (twice, one trace)."""
    eager = fn(*[nl.tensor(a) for a in arrays]).numpy()
    with nl.Graph().as_default():
        phs = [nl.placeholder(a.shape, a.dtype) for a in arrays]
        graph = nl.run(fn(*phs), dict(zip(phs, arrays)))
    cf = nl.compile(fn)
    compiled = [cf(*arrays).numpy() for _ in range(2)]
    assert cf.trace_count == 1
    return eager, graph, compiled[0], compiled[1]


# -- seed 001, Exercise 1 ------------------------------------------------------------------

def test_exercise1_relu_and_leaky_relu_exact_values():
    x = nl.tensor(np.array(EXERCISE_X, dtype=np.float64))
    relu_expected = [0, 0, 0, 0, 1, 5, 10, 20, 100]
    leaky_expected = [-0.1, -0.05, -0.005, 0, 1, 5, 10, 20, 100]  # 0.01 x otherwise
    np.testing.assert_array_equal(A.relu(x).numpy(), relu_expected)
    np.testing.assert_array_equal(A.leaky_relu(x).numpy(), leaky_expected)
    # float32 (the default dtype): the same values as float32 arithmetic gives
    x32 = nl.tensor([float(v) for v in EXERCISE_X])
    assert A.relu(x32).dtype == np.float32 and A.leaky_relu(x32).dtype == np.float32
    np.testing.assert_array_equal(A.relu(x32).numpy(), np.float32(relu_expected))
    xs = np.float32(EXERCISE_X)
    np.testing.assert_array_equal(A.leaky_relu(x32).numpy(), np.where(xs > 0, xs, np.float32(0.01) * xs))
    # seed 000's table shows max(0.1x, x)
    np.testing.assert_allclose(A.leaky_relu(x, 0.1).numpy(), [-1, -0.5, -0.05, 0, 1, 5, 10, 20, 100], rtol=1e-15)


# -- values --------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(CASES))
def test_closed_form_and_torch(name):
    fn, ref, tfn = CASES[name]
    x = _sample()
    for dt in (np.float64, np.float32):
        y = fn(nl.tensor(x.astype(dt)))
        assert y.dtype == dt
        np.testing.assert_allclose(y.numpy(), ref(x), rtol=1e-12 if dt == np.float64 else 2e-6, atol=1e-7)
    if torch is not None and tfn is not None:
        np.testing.assert_allclose(fn(nl.tensor(x)).numpy(), tfn(torch.tensor(x)).numpy(), rtol=1e-12, atol=1e-14)


def test_prelu_values_and_gradient_to_alpha():
    x = _sample()
    alpha = nl.tensor(np.array([0.1, 0.2, 0.3, 0.4]), requires_grad=True)
    xt = nl.tensor(x, requires_grad=True)
    y = A.prelu(xt, alpha)
    np.testing.assert_allclose(y.numpy(), np.where(x > 0, x, alpha.numpy() * x), rtol=1e-15)
    y.sum().backward()
    np.testing.assert_allclose(alpha.grad.numpy(), np.where(x > 0, 0, x).sum(0), rtol=1e-12)
    np.testing.assert_allclose(xt.grad.numpy(), np.where(x > 0, 1, alpha.numpy() * np.ones_like(x)), rtol=1e-15)
    if torch is not None:
        np.testing.assert_allclose(y.numpy(), TF.prelu(torch.tensor(x), torch.tensor(alpha.numpy())).numpy(),
                                   rtol=1e-15)
    gradcheck(A.prelu, [x, np.array([0.1, 0.2, 0.3, 0.4])])


def test_selu_constants_and_softmax_rows_sum_to_one():
    assert A.SELU_ALPHA == pytest.approx(1.6732632423543772) and A.SELU_SCALE == pytest.approx(1.0507009873554805)
    p = A.softmax(nl.tensor(_sample())).numpy()
    np.testing.assert_allclose(p.sum(-1), 1.0, rtol=1e-12)


def test_maxout_groups_consecutive_features():
    x = nl.tensor(np.array([[1.0, 5.0, -2.0, -3.0, 7.0, 0.0]]))
    np.testing.assert_array_equal(A.maxout(x, 2).numpy(), [[5.0, -2.0, 7.0]])
    np.testing.assert_array_equal(A.maxout(x, 3).numpy(), [[5.0, 7.0]])
    assert A.maxout(x, 1) is x
    # maxout as max(w1 x + b1, w2 x + b2): two linear pieces laid side by side
    rng = np.random.default_rng(1)
    inp, w1, w2 = rng.normal(size=(5, 3)), rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    w = np.stack([w1, w2], axis=-1).reshape(3, 8)  # feature j of piece k at column 2 j + k
    np.testing.assert_allclose(A.maxout(nl.tensor(inp @ w), 2).numpy(), np.maximum(inp @ w1, inp @ w2), rtol=1e-12)
    with pytest.raises(nl.ShapeError, match="maxout.*not divisible"):
        A.maxout(x, 4)
    with pytest.raises(ValueError, match="num_pieces"):
        A.maxout(x, 0)


def test_maxout_with_unknown_batch_dimension():
    with nl.Graph().as_default():
        p = nl.placeholder((None, 6), np.float64)
        y = A.maxout(p, 3)
        assert y.shape == (None, 2)
        x = _sample(shape=(4, 6))
        np.testing.assert_array_equal(nl.run(y, {p: x}), x.reshape(4, 2, 3).max(-1))


# -- gradients -----------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(CASES))
def test_gradcheck_float64(name):
    fn = CASES[name][0]
    gradcheck(fn, [_sample(seed=2)])


def test_derivatives_at_the_kinks():
    def grad_at(fn, v):
        x = nl.tensor(np.array([v]), requires_grad=True)
        fn(x).sum().backward()
        return x.grad.numpy()[0]

    assert grad_at(A.relu, 0.0) == 0.0  # as TF / torch
    assert grad_at(A.leaky_relu, 0.0) == 0.01
    assert grad_at(A.elu, 0.0) == 1.0
    assert grad_at(A.softplus, 0.0) == 0.5  # = sigmoid(0): the smooth function has no kink
    assert grad_at(A.relu, 2.0) == 1.0 and grad_at(A.relu, -2.0) == 0.0


def test_softplus_derivative_is_sigmoid():
    x = np.linspace(-30, 30, 61)
    xt = nl.tensor(x, requires_grad=True)
    A.softplus(xt).sum().backward()
    np.testing.assert_allclose(xt.grad.numpy(), _sig(x), rtol=1e-12, atol=1e-300)


# -- eager == graph == compile -------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(CASES))
def test_eager_graph_compile_agree(name):
    fn = CASES[name][0]
    x = _sample(seed=3).astype(np.float32)
    eager, graph, c1, c2 = _three_ways(fn, x)
    for other in (graph, c1, c2):
        np.testing.assert_allclose(other, eager, rtol=1e-6, atol=1e-7)


def test_prelu_eager_graph_compile_agree():
    x, a = _sample(seed=4).astype(np.float32), np.float32([0.1, 0.2, 0.3, 0.4])
    eager, graph, c1, _ = _three_ways(A.prelu, x, a)
    np.testing.assert_array_equal(graph, eager)
    np.testing.assert_array_equal(c1, eager)


def test_graph_gradients_match_eager():
    x = _sample(seed=5)
    for name in ("softplus", "elu", "selu", "log_softmax", "maxout"):
        fn = CASES[name][0]
        xt = nl.tensor(x, requires_grad=True)
        y = fn(xt)
        w = nl.tensor(np.random.default_rng(0).normal(size=y.shape))
        (y * w).sum().backward()
        with nl.Graph().as_default():
            p = nl.placeholder(x.shape, np.float64)
            g = nl.gradients((fn(p) * w).sum(), p)
            np.testing.assert_allclose(nl.run(g, {p: x}), xt.grad.numpy(), rtol=1e-12, err_msg=name)


# -- stability -----------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_stable_at_plus_minus_1000(dtype):
    x = nl.tensor(np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0], dtype=dtype), requires_grad=True)
    with np.errstate(over="raise", divide="raise", invalid="raise"):  # not even an intermediate overflow
        s = A.sigmoid(x)
        sp = A.softplus(x)
        sm = A.softmax(x)
        lsm = A.log_softmax(x)
        e = A.elu(x)
    np.testing.assert_allclose(s.numpy(), [0, _sig(-50.0), 0.5, _sig(50.0), 1], rtol=1e-6)
    np.testing.assert_allclose(sp.numpy(), [0, np.log1p(np.exp(-50.0)), np.log(2), 50, 1000], rtol=1e-6)
    np.testing.assert_allclose(sm.numpy(), [0, 0, 0, 0, 1], atol=1e-30)
    np.testing.assert_allclose(lsm.numpy(), [-2000, -1050, -1000, -950, 0], rtol=1e-6)
    np.testing.assert_allclose(e.numpy(), [-1, np.expm1(-50.0), 0, 50, 1000], rtol=1e-6)
    for y in (s, sp, sm, lsm, e):
        x.grad = None
        (y * nl.tensor(np.arange(5.0, dtype=dtype))).sum().backward()
        assert np.all(np.isfinite(x.grad.numpy()))
