"""L-BFGS over neuralab parameters agrees with SciPy's L-BFGS-B on the same function."""
import numpy as np
import pytest

import neuralab as nl
from neuralab.optim import LBFGS

pytest.importorskip("scipy")


@pytest.fixture
def rng():
    """A seeded generator (local, so these tests do not depend on other suites' fixtures)."""
    return np.random.default_rng(0)


def _rosen_np(v):
    a, b = v
    f = (1 - a) ** 2 + 100 * (b - a * a) ** 2
    return f, np.array([-2 * (1 - a) - 400 * a * (b - a * a), 200 * (b - a * a)])


def test_lbfgs_matches_scipy_on_rosenbrock():
    from scipy.optimize import minimize

    x = nl.tensor(np.array([-1.5, 2.0]), requires_grad=True)
    opt = LBFGS([x], max_iter=100, tol=1e-9, history_size=10)

    def closure():
        opt.zero_grad()
        loss = (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2
        loss.backward()
        return loss

    final = opt.step(closure)
    ref = minimize(_rosen_np, np.array([-1.5, 2.0]), jac=True, method="L-BFGS-B",
                   options={"maxiter": 100, "maxcor": 10, "ftol": 1e-9, "gtol": 1e-9})
    np.testing.assert_allclose(x.numpy(), ref.x, atol=1e-6)
    np.testing.assert_allclose(x.numpy(), [1.0, 1.0], atol=1e-6)
    assert final == pytest.approx(ref.fun, abs=1e-10)
    assert opt.result.nit == ref.nit
    assert x.grad is None


def test_lbfgs_over_several_float32_parameters(rng):
    # least squares split over a weight matrix and a bias: the solution of the normal equations
    X = rng.standard_normal((20, 3))
    y = X @ np.array([[1.0], [-2.0], [0.5]]) + 0.3
    W = nl.tensor(np.zeros((3, 1), np.float32), requires_grad=True)
    b = nl.tensor(np.zeros(1, np.float32), requires_grad=True)
    opt = LBFGS([W, b], max_iter=50)
    Xt, yt = nl.tensor(X.astype(np.float32)), nl.tensor(y.astype(np.float32))

    def closure():
        opt.zero_grad()
        d = nl.matmul(Xt, W) + b - yt
        loss = (d * d).mean()
        loss.backward()
        return loss

    final = opt.step(closure)
    assert W.dtype == np.float32
    np.testing.assert_allclose(W.numpy().ravel(), [1.0, -2.0, 0.5], atol=1e-3)
    np.testing.assert_allclose(b.numpy(), [0.3], atol=1e-3)
    assert final < 1e-6


def test_lbfgs_errors():
    x = nl.tensor(np.zeros(2), requires_grad=True)
    opt = LBFGS([x])
    with pytest.raises(nl.NeuralabError, match="closure"):
        opt.step()
    with pytest.raises(nl.NeuralabError, match="step\\(closure\\)"):
        opt.apply_gradients([np.zeros(2)])
    with pytest.raises(ValueError, match="history_size"):
        LBFGS([x], history_size=0)
    with pytest.raises(ValueError, match="max_iter"):
        LBFGS([x], max_iter=0)
