"""Gradient checks by central differences along random directions (float64).

For y = fn(*inputs), a random weighting u of the output turns y into the
scalar L = sum(u * y). The analytic gradient g = dL/dx from neuralab's backward
is projected on random directions d and compared with
(L(x + eps d) - L(x - eps d)) / (2 eps), as HIPS/autograd's check_grads and
torch's gradcheck do.
"""
from __future__ import annotations

import numpy as np

from .._core import config
from .._core.autograd import gradients
from .._core.tensor import Tensor


class GradcheckError(AssertionError):
    """Analytic and numerical gradients disagree."""


def _as_inputs(inputs):
    out = []
    for x in inputs:
        a = x.data if isinstance(x, Tensor) else np.asarray(x)
        if a.dtype.kind == "f":
            if a.dtype != np.float64:
                raise GradcheckError(f"gradcheck: floating inputs must be float64, got {a.dtype}")
            out.append(Tensor(a.copy(), requires_grad=True))
        else:
            out.append(Tensor(a))
    return out


def _scalarize(fn, ts, us):
    ys = fn(*ts)
    ys = list(ys) if isinstance(ys, (tuple, list)) else [ys]
    total = None
    for y, u in zip(ys, us):
        if y is None or y.dtype.kind != "f":
            continue
        term = (y * Tensor(u)).sum()
        total = term if total is None else total + term
    return total


def gradcheck(fn, inputs, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3, n_directions: int = 3,
              seed: int = 0, raise_exception: bool = True) -> bool:
    """Check ``fn``'s analytic gradients against central differences; True or raises.

    ``inputs``: arrays/Tensors; floating ones (float64) are differentiated,
    others (indices, masks) are passed through. Defaults follow torch's
    gradcheck (eps 1e-6, atol 1e-5, rtol 1e-3).
    """
    rng = np.random.default_rng(seed)
    ts = _as_inputs(inputs)
    diff = [t for t in ts if t.requires_grad]
    if not diff:
        raise GradcheckError("gradcheck: no floating inputs to differentiate")
    with config.enable_grad():
        ys = fn(*ts)
    ys = list(ys) if isinstance(ys, (tuple, list)) else [ys]
    us = [rng.standard_normal(y.shape) if y is not None and y.dtype.kind == "f" else None for y in ys]
    with config.enable_grad():
        L = _scalarize(fn, ts, us)
    grads = gradients(L, diff)
    grads = [np.zeros(t.shape) if g is None else g.numpy().astype(np.float64) for g, t in zip(grads, diff)]
    for k in range(n_directions):
        ds = [rng.standard_normal(t.shape) for t in diff]
        analytic = sum(float(np.sum(g * d)) for g, d in zip(grads, ds))

        def L_at(sign):
            shifted = []
            j = 0
            for t in ts:
                if t.requires_grad:
                    shifted.append(Tensor(t.data + sign * eps * ds[j], requires_grad=True))
                    j += 1
                else:
                    shifted.append(t)
            with config.no_grad():
                v = _scalarize(fn, shifted, us)
            return float(v.numpy())

        numeric = (L_at(+1) - L_at(-1)) / (2 * eps)
        if not abs(analytic - numeric) <= atol + rtol * abs(numeric):
            if raise_exception:
                raise GradcheckError(f"gradcheck: direction {k}: analytic {analytic!r} vs numerical {numeric!r} "
                                     f"(|diff| {abs(analytic - numeric):.3g} > atol {atol} + rtol {rtol} * "
                                     f"{abs(numeric):.3g})")
            return False
    return True


def gradgradcheck(fn, inputs, **kw) -> bool:
    """Check second derivatives: gradcheck of x -> d(sum(u * fn(x)))/dx (double backward)."""
    rng = np.random.default_rng(kw.pop("seed", 0) + 1)
    probe_ts = _as_inputs(inputs)
    with config.enable_grad():
        ys = fn(*probe_ts)
    ys = list(ys) if isinstance(ys, (tuple, list)) else [ys]
    us = [rng.standard_normal(y.shape) if y is not None and y.dtype.kind == "f" else None for y in ys]
    fl = [i for i, t in enumerate(probe_ts) if t.requires_grad]

    def first(*xs):
        with config.enable_grad():
            L = _scalarize(fn, list(xs), us)
            gs = gradients(L, [xs[i] for i in fl], create_graph=True)
        return tuple(g for g in gs if g is not None)

    return gradcheck(first, inputs, **kw)
