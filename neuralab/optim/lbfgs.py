"""L-BFGS (seed 002, "Second-Order Optimization") through SciPy's L-BFGS-B.

Quasi-Newton methods approximate the inverse Hessian from gradients instead of
inverting it (``O(n²)`` per update, not ``O(n³)``); L-BFGS keeps only the last
``history_size`` pairs ``(s_k = x_{k+1} − x_k, y_k = ∇f_{k+1} − ∇f_k)`` and
never forms the matrix. The step is ``x_{k+1} = x_k − η_k·H_k∇f(x_k)`` with
``H_k∇f`` from the two-loop recursion and ``η_k`` from a line search. It works
well in full batch, not with noisy mini-batches.

The parameters are flattened into one float64 vector and handed to
``scipy.optimize.minimize(method="L-BFGS-B", jac=True)``; each evaluation
writes the vector back into the parameters and calls the closure.

>>> x = nl.tensor(-1.2, dtype="float64", requires_grad=True); y = nl.tensor(1.0, dtype="float64", requires_grad=True)
>>> def rosenbrock(x, y):
...     return (1 - x) ** 2 + 100 * (y - x * x) ** 2
>>> opt = LBFGS([x, y])
>>> def closure():
...     opt.zero_grad(); loss = rosenbrock(x, y); loss.backward(); return loss
>>> final_loss = opt.step(closure)
>>> round(float(x), 4), round(float(y), 4)       # the minimum at (1, 1)
(1.0, 1.0)
"""
from __future__ import annotations

import numpy as np

from .._core.errors import NeuralabError
from .._core.tensor import Tensor
from .optimizer import Optimizer, _writable, check_range

__all__ = ["LBFGS"]


class LBFGS(Optimizer):
    """Full-batch L-BFGS over all parameters: ``x ← x − η·H∇f`` (H from the last ``history_size`` steps).

    ``step(closure)`` runs up to ``max_iter`` iterations of SciPy's L-BFGS-B
    (``maxcor = history_size``, ``ftol = gtol = tol``) and returns the final
    loss as a float; the SciPy result is kept in ``self.result``. All
    parameters form one vector (the first group's settings apply). ``closure()``
    must recompute the loss from the current parameter values, call
    ``zero_grad()`` and ``backward()``, and return the loss. Afterwards the
    parameters hold SciPy's solution and their ``.grad`` is cleared (the last
    evaluation may have been at another point of the line search).

    ``scipy_options`` (a dict), when given, is passed to SciPy as the options
    instead (``max_iter``, ``tol`` and ``history_size`` are then not used, and
    whatever it leaves out takes SciPy's own default). ``bounds`` (one entry
    per parameter: None or ``(low, high)``, each a number, an array
    broadcastable to the parameter, or None for no bound) limits the search to
    a box, which L-BFGS-B supports.
    """

    slots = ()

    def __init__(self, params, max_iter=100, tol=1e-9, history_size=10, scipy_options=None, bounds=None):
        super().__init__(params, {"max_iter": max_iter, "tol": tol, "history_size": history_size})
        if scipy_options is not None and not isinstance(scipy_options, dict):
            raise TypeError(f"LBFGS: scipy_options must be a dict, got {type(scipy_options).__name__}")
        self.scipy_options = None if scipy_options is None else dict(scipy_options)
        if bounds is not None and len(bounds) != len(self._params):
            raise ValueError(f"LBFGS: bounds has {len(bounds)} entries for {len(self._params)} parameters")
        self.bounds = bounds
        self.result = None

    def _check_group(self, group, defaults=False):
        """``max_iter`` and ``history_size`` positive integers, ``tol >= 0`` (there is no learning rate)."""
        for key in ("max_iter", "history_size"):
            v = group[key]
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise ValueError(f"LBFGS: {key} must be a positive integer, got {v!r}")
        check_range("LBFGS", "tol", group["tol"])

    def _delta(self, xp, grad, st, group, lr, step, out):
        raise NeuralabError("LBFGS: the update needs the loss as well as the gradient; call step(closure)")

    def apply_gradients(self, grads):
        """Not available: L-BFGS evaluates the loss many times per step; use :meth:`step` with a closure."""
        raise NeuralabError("LBFGS: apply_gradients is not supported; call step(closure)")

    def _flat_bounds(self, shapes):
        """``bounds`` as SciPy's list of (low, high) per element of the flattened vector (None: unbounded)."""
        out = []
        for i, (b, s) in enumerate(zip(self.bounds, shapes)):
            n = int(np.prod(s, dtype=np.int64))
            if b is None:
                out.extend([(None, None)] * n)
                continue
            try:
                low, high = b
                lo = np.broadcast_to(np.asarray(-np.inf if low is None else low, dtype=np.float64), s).ravel()
                hi = np.broadcast_to(np.asarray(np.inf if high is None else high, dtype=np.float64), s).ravel()
            except (TypeError, ValueError) as e:
                raise ValueError(f"LBFGS: bounds of parameter {i} (shape {s}) must be (low, high) numbers or "
                                 f"arrays of that shape: {e}") from None
            out.extend((None if not np.isfinite(a) else float(a), None if not np.isfinite(c) else float(c))
                       for a, c in zip(lo, hi))
        return out

    def step(self, closure=None, callback=None):
        """Minimize the closure's loss; returns the final loss (float).

        ``callback(x)``, if given, is called by SciPy after each iteration with
        the flattened float64 parameter vector.
        """
        if closure is None:
            raise NeuralabError("LBFGS.step needs a closure that recomputes the loss (zero_grad, backward, return)")
        try:
            from scipy.optimize import minimize  # noqa: PLC0415  (optional dependency, imported lazily)
        except ImportError as e:
            raise ImportError("LBFGS needs SciPy: `pip install scipy` (or neuralab[dev])") from e
        params = self._params
        shapes = [p.data.shape for p in params]
        sizes = [int(np.prod(s, dtype=np.int64)) for s in shapes]
        offs = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        x0 = np.concatenate([np.asarray(p.data, dtype=np.float64).ravel() for p in params])
        g = self.param_groups[0]

        def write(x):
            for i, (p, a, b, s) in enumerate(zip(params, offs[:-1], offs[1:], shapes)):
                _writable(p, s, "LBFGS", i)[...] = x[a:b].reshape(s)

        def fun(x):
            write(x)
            loss = closure()
            val = float(loss.item() if isinstance(loss, Tensor) else loss)
            grad = np.zeros_like(x)
            for p, a, b in zip(params, offs[:-1], offs[1:]):
                if p.grad is not None:
                    gd = p.grad.data if isinstance(p.grad, Tensor) else p.grad
                    grad[a:b] = np.asarray(gd, dtype=np.float64).ravel()
            return val, grad

        options = self.scipy_options if self.scipy_options is not None else {
            "maxiter": g["max_iter"], "maxcor": g["history_size"], "ftol": g["tol"], "gtol": g["tol"]}
        bounds = None if self.bounds is None else self._flat_bounds(shapes)
        self.result = minimize(fun, x0, jac=True, method="L-BFGS-B", bounds=bounds, callback=callback,
                               options=options)
        write(self.result.x)
        for p in params:
            p.grad = None
        return float(self.result.fun)
