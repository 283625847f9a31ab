"""``tf.contrib.opt.ScipyOptimizerInterface``: minimize a graph's loss with SciPy's L-BFGS-B (the lecture's L-BFGS).

The interface runs :class:`neuralab.optim.LBFGS` — neuralab's one L-BFGS
driver, which flattens the variables into SciPy's vector — over the
variables' values *in the given session*: each evaluation SciPy asks for
writes the candidate vector into the session, runs ``[loss, gradients,
*fetches]`` with ``feed_dict``, and hands the loss and the flattened gradient
back. When SciPy finishes, the session holds the solution.

As in TF, ``options`` goes to SciPy unchanged (SciPy's defaults for whatever
it leaves out), ``var_to_bounds`` maps variables to ``(low, high)`` box
constraints, ``step_callback(x)`` is called after each iteration with the
flattened variables and ``loss_callback(*fetch_values)`` after each
evaluation. Other SciPy methods and equality/inequality constraints are not
supported (NotImplementedError). SciPy is imported when ``minimize`` runs
(the ``neuralab[lbfgs]`` extra).
"""
from __future__ import annotations

import logging

import numpy as np

from ..array_ops import gradients
from ..missing import module_getattr
from ..variables import Variable, trainable_variables

__getattr__ = module_getattr(__name__, "tf.contrib.opt")

_log = logging.getLogger("tensorflow")


class ScipyOptimizerInterface:
    """tf.contrib.opt.ScipyOptimizerInterface(loss, var_list, var_to_bounds, method='L-BFGS-B', options=None).

    ``minimize(session, feed_dict, fetches, step_callback, loss_callback)``
    runs SciPy's L-BFGS-B on ``loss`` over ``var_list`` (default: the
    trainable variables) and leaves the result in the session.
    """

    def __init__(self, loss, var_list=None, equalities=None, inequalities=None, var_to_bounds=None,
                 **optimizer_kwargs):
        method = optimizer_kwargs.pop("method", "L-BFGS-B")
        if str(method).upper() != "L-BFGS-B":
            raise NotImplementedError(f"neuralab.compat.v1: ScipyOptimizerInterface with method={method!r} is not "
                                      "supported; use method='L-BFGS-B' (optionally with var_to_bounds)")
        if equalities or inequalities:
            raise NotImplementedError("neuralab.compat.v1: ScipyOptimizerInterface with equalities/inequalities is "
                                      "not supported (they need SciPy's SLSQP); add a penalty term to the loss or "
                                      "use var_to_bounds for box constraints")
        self._options = dict(optimizer_kwargs.pop("options", None) or {})
        if optimizer_kwargs:
            raise NotImplementedError(f"neuralab.compat.v1: ScipyOptimizerInterface arguments "
                                      f"{sorted(optimizer_kwargs)} are not supported; give SciPy settings in "
                                      "options={...}")
        if var_list is None:
            var_list = trainable_variables()
        self._vars = list(var_list)
        if not self._vars:
            raise ValueError("No variables to optimize.")
        for v in self._vars:
            if not isinstance(v, Variable):
                raise TypeError(f"ScipyOptimizerInterface: var_list holds {v!r}, which is not a tf.Variable")
        bounds = dict(var_to_bounds or {})
        for v in bounds:
            if not any(v is w for w in self._vars):
                raise ValueError(f"ScipyOptimizerInterface: var_to_bounds has {v!r}, which is not in var_list")
        self._bounds = None if not bounds else [next((b for k, b in bounds.items() if k is v), None)
                                                for v in self._vars]
        self._loss = loss
        from .. import array_ops as _A

        grads = gradients(loss, self._vars)
        # TF's rule: a variable the loss does not depend on gets a zero gradient
        self._grads = [g if g is not None else _A.zeros_like(v) for g, v in zip(grads, self._vars)]

    def minimize(self, session=None, feed_dict=None, fetches=None, step_callback=None, loss_callback=None,
                 **run_kwargs):
        """Minimize the loss in ``session`` (default: the default session), starting from its current values."""
        from ....optim.lbfgs import LBFGS
        from ..session import get_default_session

        sess = session if session is not None else get_default_session()
        if sess is None:
            raise ValueError("ScipyOptimizerInterface.minimize: no session given and no default session")
        feed_dict = dict(feed_dict or {})
        fetches = list(fetches or [])
        stores = [v._var for v in self._vars]
        start = [np.array(sess._value_of(v)) for v in self._vars]  # FailedPreconditionError if uninitialized
        saved = [(s.data, s.grad) for s in stores]
        n = len(stores)
        try:
            for s, a in zip(stores, start):
                s.data = a
            opt = LBFGS(stores, scipy_options=self._options, bounds=self._bounds)

            def closure():
                for s in stores:
                    sess._store[s] = np.array(s.data)
                vals = sess.run([self._loss, *self._grads, *fetches], feed_dict)
                for s, g in zip(stores, vals[1:1 + n]):
                    s.grad = np.asarray(g)
                if loss_callback is not None:
                    loss_callback(*vals[1 + n:])
                return float(vals[0])

            opt.step(closure, callback=step_callback)
            for s in stores:
                sess._store[s] = np.array(s.data)
            res = opt.result
        finally:
            for s, (data, grad) in zip(stores, saved):
                s.data, s.grad = data, grad
        _log.info("Optimization terminated with:\n  Message: %s\n  Objective function value: %f\n"
                  "  Number of iterations: %d\n  Number of functions evaluations: %d",
                  res.message, res.fun, res.nit, res.nfev)
        self.result = res
        return None


__all__ = ["ScipyOptimizerInterface"]
