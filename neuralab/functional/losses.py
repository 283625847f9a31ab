"""Loss functions and weight penalties, composed from primitives (no backward of their own).

Each loss takes ``(prediction_or_logits, target)`` and a ``reduction``:
``"mean"`` (the default: the lectures' ``tf.reduce_mean`` of the per-example
or per-element losses, i.e. the average over the batch), ``"sum"`` or
``"none"`` (the unreduced losses, like TF's ``softmax_cross_entropy_with_logits``
which returns one loss per example).

Losses from logits (:func:`binary_cross_entropy_with_logits`,
:func:`softmax_cross_entropy`) never form a probability that could round to 0
or 1, so they stay finite and keep a useful gradient for any logit.
"""
from __future__ import annotations

import numpy as np

from .._core.errors import DTypeError, ShapeError
from .._core.op import broadcast_shapes, fmt_shape
from .._core.tensor import Tensor
from ..ops import elementwise as E, reduce as R, shape as S
from .activations import log_softmax, softplus

_REDUCTIONS = ("mean", "sum", "none")


def _t(x):
    return x if isinstance(x, Tensor) else Tensor(x)


def _pair(name, pred, target):
    """Tensors for (pred, target); the target must not broadcast the prediction to a larger shape.

    (pred (N, 1) against target (N,) would silently give an (N, N) loss.)
    """
    pred = _t(pred)
    if not isinstance(target, Tensor):
        target = Tensor(np.asarray(target), dtype=pred.dtype if pred.dtype.kind == "f" else None)
    ps, ts = tuple(pred.shape), tuple(target.shape)
    out = broadcast_shapes(name, ps, ts)
    if len(out) != len(ps) or any(a is not None and b is not None and a != b for a, b in zip(out, ps)):
        raise ShapeError(f"{name}: target of shape {fmt_shape(ts)} does not match the prediction's shape "
                         f"{fmt_shape(ps)} (it would broadcast the loss to {fmt_shape(out)})")
    return pred, target


def _reduce(name, loss, reduction):
    if reduction == "mean":
        return R.mean(loss)
    if reduction == "sum":
        return R.sum(loss)
    if reduction == "none":
        return loss
    raise ValueError(f"{name}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def mse(pred, target, reduction="mean"):
    """Mean squared error: cost(W, b) = (1/m) sum_i (H(x_i) - y_i)^2, the linear-regression cost.

    The lectures' ``tf.reduce_mean(tf.square(hypothesis - Y))``: the mean over
    every element (``reduction="none"`` gives the squared errors).

    >>> mse(nl.tensor([1.0, 2.0]), nl.tensor([1.0, 4.0]))   # 2.0
    """
    pred, target = _pair("mse", pred, target)
    d = E.subtract(pred, target)
    return _reduce("mse", E.multiply(d, d), reduction)


def binary_cross_entropy(prob, target, eps=1e-7, reduction="mean"):
    """Logistic cost on probabilities: -(y log(H(x)) + (1 - y) log(1 - H(x))), averaged.

    The logistic-regression lecture's
    ``-tf.reduce_mean(Y * tf.log(hypothesis) + (1 - Y) * tf.log(1 - hypothesis))``
    with the probabilities clipped to [eps, 1 - eps] so log never sees 0.
    Prefer :func:`binary_cross_entropy_with_logits` when the logits are at hand.

    >>> binary_cross_entropy(nl.tensor([0.9, 0.2]), nl.tensor([1.0, 0.0]))   # 0.1643
    """
    p, t = _pair("binary_cross_entropy", prob, target)
    p = E.minimum(E.maximum(p, eps), 1 - eps)
    loss = E.negative(E.add(E.multiply(t, E.log(p)), E.multiply(E.subtract(1, t), E.log(E.subtract(1, p)))))
    return _reduce("binary_cross_entropy", loss, reduction)


def binary_cross_entropy_with_logits(logits, target, reduction="mean"):
    """Logistic cost from logits x: -(t log sigma(x) + (1 - t) log(1 - sigma(x))), computed stably.

    Uses the identity loss = max(x, 0) - x t + log(1 + exp(-|x|)) = softplus(x) - x t
    (TF's ``sigmoid_cross_entropy_with_logits``): finite at |x| = 1000, and
    d loss / dx = sigma(x) - t everywhere (1/2 - t at x = 0).

    >>> binary_cross_entropy_with_logits(nl.tensor([1000.0, -1000.0]), nl.tensor([1.0, 0.0]))   # 0.0
    """
    x, t = _pair("binary_cross_entropy_with_logits", logits, target)
    return _reduce("binary_cross_entropy_with_logits", E.subtract(softplus(x), E.multiply(x, t)), reduction)


def _check_labels(name, labels, depth):
    if labels.dtype.kind not in "iu":
        raise DTypeError(f"{name}: integer class labels expected, got {labels.dtype}")
    if labels.data is not None and labels.size:
        lo, hi = int(labels.data.min()), int(labels.data.max())
        if lo < 0 or hi >= depth:
            raise ValueError(f"{name}: labels must lie in [0, {depth}), got values from {lo} to {hi}")


def nll(log_probs, labels, axis=-1, reduction="mean"):
    """Negative log-likelihood of integer labels: loss_i = -log p_i[y_i], picked from log-probabilities.

    ``log_probs`` has classes along ``axis`` (e.g. the output of
    :func:`log_softmax`, shape (N, C)); ``labels`` holds class indices (shape
    (N,)). The entry is selected with ``where(one_hot, log_probs, 0)``, so a
    -inf in another class never turns the loss into NaN.

    >>> nll(nl.log(nl.tensor([[0.5, 0.5], [0.9, 0.1]])), nl.tensor([0, 0]))   # 0.3992
    """
    lp = _t(log_probs)
    labels = labels if isinstance(labels, Tensor) else Tensor(np.asarray(labels))
    nd = lp.ndim
    if nd == 0:
        raise ShapeError("nll: log-probabilities must have a class axis, got a scalar")
    ax = axis % nd
    c = lp.shape[ax]
    if c is None:
        raise ShapeError(f"nll: the number of classes (axis {axis} of shape {fmt_shape(lp.shape)}) must be known")
    _check_labels("nll", labels, c)
    expect = tuple(d for i, d in enumerate(lp.shape) if i != ax)
    if len(labels.shape) != len(expect) or any(a is not None and b is not None and a != b
                                               for a, b in zip(labels.shape, expect)):
        raise ShapeError(f"nll: labels of shape {fmt_shape(labels.shape)} do not fit log-probabilities of "
                         f"shape {fmt_shape(lp.shape)} with classes on axis {axis} (expected {fmt_shape(expect)})")
    mask = S.one_hot(labels, c, dtype=np.bool_)
    if ax != nd - 1:
        mask = S.transpose(mask, tuple(range(ax)) + (nd - 1,) + tuple(range(ax, nd - 1)))
    picked = R.sum(E.where(mask, lp, 0), axis=ax)
    return _reduce("nll", E.negative(picked), reduction)


def softmax_cross_entropy(logits, target, axis=-1, reduction="mean"):
    """Cross-entropy of softmax(logits) against a target: D(S, L) = -sum_i L_i log(S_i), averaged over the batch.

    ``target`` is either one-hot rows / probabilities (a floating tensor shaped
    like ``logits``) or integer class labels (shape without ``axis``); the
    dtype decides. Computed as -sum(L * log_softmax(logits)), which is finite
    for any logits (TF's ``softmax_cross_entropy_with_logits``; with
    ``reduction="none"`` one loss per example, like it). The gradient with
    respect to the logits is softmax(logits) - L.

    >>> softmax_cross_entropy(nl.tensor([[2.0, 1.0, 0.1]]), nl.tensor([[1.0, 0.0, 0.0]]))   # 0.417
    >>> softmax_cross_entropy(nl.tensor([[2.0, 1.0, 0.1]]), nl.tensor([0]))                 # same
    """
    x = _t(logits)
    if not isinstance(target, Tensor):
        a = np.asarray(target)
        target = Tensor(a, dtype=x.dtype if a.dtype.kind == "f" else None)
    lsm = log_softmax(x, axis=axis)
    if target.dtype.kind in "iu":
        if target.ndim == x.ndim:
            raise ShapeError(f"softmax_cross_entropy: integer target of shape {fmt_shape(target.shape)} has as "
                             f"many axes as the logits {fmt_shape(x.shape)}; integer targets are class labels "
                             "(one axis fewer), pass one-hot targets as floats")
        return nll(lsm, target, axis=axis, reduction=reduction)
    if target.dtype.kind != "f":
        raise DTypeError(f"softmax_cross_entropy: target must be floating (one-hot/probabilities) or integer "
                         f"labels, got {target.dtype}")
    lsm, target = _pair("softmax_cross_entropy", lsm, target)
    per_example = E.negative(R.sum(E.multiply(target, lsm), axis=axis))
    return _reduce("softmax_cross_entropy", per_example, reduction)


def _params(params):
    if isinstance(params, dict):
        params = list(params.values())
    elif isinstance(params, (list, tuple)):
        params = list(params)
    elif isinstance(params, Tensor) or hasattr(params, "__array__"):
        params = [params]
    else:
        params = list(params)
    if not params:
        raise ValueError("penalty: no parameters given")
    return [_t(p) for p in params]


def l2_penalty(params, lam):
    """L2 weight regularization lam * sum_w w^2, summed over every given tensor.

    The lecture's ``l2reg = 0.001 * tf.reduce_sum(tf.square(W))`` (no 1/2
    factor, unlike ``tf.nn.l2_loss``); add it to the cost. ``params`` is one
    tensor, a list/tuple of tensors, or a dict of them.

    >>> l2_penalty(nl.tensor([1.0, 2.0]), 0.001)   # 0.005
    """
    total = None
    for p in _params(params):
        s = R.sum(E.multiply(p, p))
        total = s if total is None else E.add(total, s)
    return E.multiply(lam, total)


def l1_penalty(params, lam):
    """L1 weight regularization lam * sum_w |w| (drives weights to exactly zero; subgradient 0 at w = 0).

    ``params`` is one tensor, a list/tuple of tensors, or a dict of them.

    >>> l1_penalty([nl.tensor([1.0, -2.0]), nl.tensor([3.0])], 0.1)   # 0.6
    """
    total = None
    for p in _params(params):
        s = R.sum(E.abs(p))
        total = s if total is None else E.add(total, s)
    return E.multiply(lam, total)


__all__ = ["binary_cross_entropy", "binary_cross_entropy_with_logits", "l1_penalty", "l2_penalty", "mse", "nll",
           "softmax_cross_entropy"]
