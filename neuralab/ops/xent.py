"""Softmax cross-entropy from logits as one primitive (TF's ``SoftmaxCrossEntropyWithLogits``).

For logits ``x`` and target rows ``L`` (one-hot rows or probabilities) along the last axis,
:func:`softmax_xent` computes, per row,

    lse = m + log(sum_j exp(x_j - m)),  m = max_j x_j     (0 in place of m where it is not finite)
    log_softmax(x) = x - lse
    loss = -sum_j L_j (x_j - lse)

exactly as the composite ``-sum(L * log_softmax(x))`` computes them (the same NumPy operations in the same
order, so the values are the same bits), and returns ``(loss, log_softmax(x))``. The gradients:

    d loss / d x = p * sum_j L_j - L        with p = softmax(x) = exp(log_softmax(x))
    d loss / d L = -log_softmax(x)

(``p - L`` for rows that sum to 1, TF's ``backprop``). The logits' gradient is one more primitive,
:class:`SoftmaxXentGrad`, ``g[..., None] * (p * sum(L) - L)``; both are written so that their own
gradients are again plain ops (double backward works).

Why a primitive: composed, the loss is about 6 kernels forward and 16 backward on arrays as small as
(100, 10) (max, isfinite/where, exp, sum, log, add, subtract, multiply, sum, negative, then their
adjoints), each costing a NumPy call and a plan slot; fused, it is one kernel forward and one backward
(measured in benchmarks/results/tf1_programs_profile.txt). :func:`neuralab.functional.softmax_cross_entropy`
uses it for floating targets along the last axis, so eager calls, graphs, compiled steps and compat.v1's
``tf.nn.softmax_cross_entropy_with_logits`` all run it.
"""
from __future__ import annotations

from .._core.errors import DTypeError, ShapeError
from .._core.op import Op, Spec, dispatch, fmt_shape
from . import elementwise as E, reduce as R, shape as S


def _check(opname, x, labels):
    """Shapes (..., C) for both, known sizes equal; one floating dtype."""
    if x.dtype.kind != "f" or labels.dtype.kind != "f":
        raise DTypeError(f"{opname}: logits and labels must be floating, got {x.dtype} and {labels.dtype}")
    if x.dtype != labels.dtype:
        raise DTypeError(f"{opname}: logits ({x.dtype}) and labels ({labels.dtype}) must have the same dtype")
    xs, ls = x.shape, labels.shape
    if xs is None or ls is None:
        raise ShapeError(f"{opname}: the rank of the logits and of the labels must be known")
    if len(xs) == 0:
        raise ShapeError(f"{opname}: logits must have a class axis, got shape {fmt_shape(xs)}")
    if len(xs) != len(ls) or any(a is not None and b is not None and a != b for a, b in zip(xs, ls)):
        raise ShapeError(f"{opname}: labels of shape {fmt_shape(ls)} must have the logits' shape {fmt_shape(xs)}")
    return tuple(a if a is not None else b for a, b in zip(xs, ls))


class SoftmaxXent(Op):
    """``(loss, log_softmax(x))`` of logits ``x`` against target rows ``labels`` along the last axis.

    ``loss[...] = -sum_j labels[..., j] * log_softmax(x)[..., j]``. Gradient (from the loss):
    ``g * (softmax(x) * sum(labels) - labels)`` for ``x`` and ``-g * log_softmax(x)`` for ``labels``; from
    the log-softmax output: ``g' - softmax(x) * sum(g')`` for ``x``.
    """

    nin = 2
    nout = 2
    retain_outputs = True
    type = "SoftmaxCrossEntropyWithLogits"

    def forward(self, xp, x, labels):
        if x.shape != labels.shape or x.dtype != labels.dtype or x.ndim == 0 or x.dtype.kind != "f":
            _check(self.opname, x, labels)  # (eager calls: infer only runs when a graph is built)
        m = x.max(axis=-1, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0)  # a row of -inf (or with +inf) must not give inf - inf
        lse = (xp.log(xp.sum(xp.exp(x - m), axis=-1, keepdims=True)) + m).astype(x.dtype, copy=False)
        lsm = x - lse
        loss = xp.negative((labels * lsm).sum(axis=-1))
        return loss, lsm

    def infer(self, x, labels):
        shape = _check(self.opname, x, labels)
        return (Spec(shape[:-1], x.dtype), Spec(shape, x.dtype))

    def backward(self, g):
        x, labels = self.inputs
        g_loss, g_lsm = g
        lsm = self.output(1)
        gx = gl = None
        if g_loss is not None:
            if self.needs_grad[0]:
                gx = softmax_xent_grad(g_loss, lsm, labels)
            if self.needs_grad[1]:
                gl = E.negative(E.multiply(S.expand_dims(g_loss, -1), lsm))
        if g_lsm is not None and self.needs_grad[0]:
            t = E.subtract(g_lsm, E.multiply(E.exp(lsm), R.sum(g_lsm, axis=-1, keepdims=True)))
            gx = t if gx is None else E.add(gx, t)
        return gx, gl


class SoftmaxXentGrad(Op):
    """``g[..., None] * (exp(lsm) * sum(labels, -1) - labels)``: the logits' gradient of :class:`SoftmaxXent`.

    Inputs: the loss's upstream gradient ``g`` (shape ``(...)``), the log-softmax ``lsm`` and the labels
    (shape ``(..., C)``). Gradient, with ``p = exp(lsm)``, ``s = sum(labels, -1)`` and upstream ``h``:
    ``sum(h * (p * s - labels), -1)`` for ``g``; ``g * s * p * h`` for ``lsm``; ``g * (sum(p * h, -1) - h)``
    for ``labels``.
    """

    nin = 3

    def forward(self, xp, g, lsm, labels):
        if lsm.shape != labels.shape or g.shape != lsm.shape[:-1] or lsm.dtype != labels.dtype:
            self.infer(g, lsm, labels)  # raises, naming the shapes (eager calls)
        s = labels.sum(axis=-1, keepdims=True)
        out = xp.exp(lsm)
        out *= s
        out -= labels
        out *= xp.expand_dims(g, -1)
        return (out,)

    def infer(self, g, lsm, labels):
        shape = _check(self.opname, lsm, labels)
        gs = g.shape
        if gs is None or len(gs) != len(shape) - 1 or any(
                a is not None and b is not None and a != b for a, b in zip(gs, shape[:-1])):
            raise ShapeError(f"{self.opname}: the upstream gradient of shape {fmt_shape(gs)} must have the shape "
                             f"{fmt_shape(shape[:-1])} of the losses")
        return (Spec(shape, lsm.dtype),)

    def backward(self, grads):
        (h,) = grads
        g, lsm, labels = self.inputs
        p = E.exp(lsm)
        s = R.sum(labels, axis=-1, keepdims=True)
        ge = S.expand_dims(g, -1)
        dg = R.sum(E.multiply(h, E.subtract(E.multiply(p, s), labels)), axis=-1) if self.needs_grad[0] else None
        dl = E.multiply(E.multiply(ge, s), E.multiply(p, h)) if self.needs_grad[1] else None
        dlab = (E.multiply(ge, E.subtract(R.sum(E.multiply(p, h), axis=-1, keepdims=True), h))
                if self.needs_grad[2] else None)
        return dg, dl, dlab


def softmax_xent(logits, labels):
    """Per-row softmax cross-entropy of ``logits`` against ``labels`` (same shape, classes on the last axis).

    Returns ``(loss, log_softmax(logits))``: ``loss = -sum(labels * log_softmax(logits), -1)``, finite for
    any finite logits, with the gradients of the module docstring.

    >>> loss, lsm = softmax_xent(nl.tensor([[2.0, 1.0, 0.1]]), nl.tensor([[1.0, 0.0, 0.0]]))
    >>> round(float(loss[0]), 4)
    0.417
    """
    return dispatch(object.__new__(SoftmaxXent), (logits, labels))


def softmax_xent_grad(g, lsm, labels):
    """The logits' gradient of :func:`softmax_xent`: ``g[..., None] * (exp(lsm) * sum(labels, -1) - labels)``.

    >>> softmax_xent_grad(nl.tensor([1.0]), nl.log(nl.tensor([[0.5, 0.5]])), nl.tensor([[1.0, 0.0]]))
    Tensor([[-0.5,  0.5]], dtype=float32)
    """
    return dispatch(object.__new__(SoftmaxXentGrad), (g, lsm, labels))


__all__ = ["softmax_xent", "softmax_xent_grad"]
