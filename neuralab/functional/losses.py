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

from .._core.errors import DTypeError, LabelError, ShapeError
from .._core.op import Op, Spec, broadcast_shapes, fmt_shape
from .._core.tensor import Tensor
from ..ops import elementwise as E, reduce as R, shape as S
from ..ops.xent import softmax_xent
from .activations import log_softmax, softplus

_REDUCTIONS = ("mean", "sum", "none")


_t = Tensor.from_data  # arrays and numbers become Tensors; tf.Tensor-like objects give theirs


def _pair(name, pred, target):
    """Tensors for (pred, target), which must have the same shape (unknown dimensions aside).

    Broadcasting is refused both ways: pred (N, 1) against target (N,) would
    silently give an (N, N) loss, and pred (N, 10) against integer class labels
    reshaped to (N, 1) would compare every output with the label (TF's losses
    and PyTorch's warning agree: the shapes must match).
    """
    pred = _t(pred)
    if not isinstance(target, Tensor):
        target = Tensor(np.asarray(target), dtype=pred.dtype if pred.dtype.kind == "f" else None)
    ps, ts = pred.shape, target.shape
    if ps is not None and ts is not None and (len(ps) != len(ts) or any(
            a is not None and b is not None and a != b for a, b in zip(ps, ts))):
        out = broadcast_shapes(name, ps, ts)
        hint = ""
        if len(ps) == len(ts) >= 1 and ts[-1] == 1 and ps[-1] not in (1, None):
            hint = ("; class labels need a classification loss (softmax_cross_entropy) or one-hot targets "
                    "shaped like the prediction")
        raise ShapeError(f"{name}: target of shape {fmt_shape(ts)} does not match the prediction's shape "
                         f"{fmt_shape(ps)} (it would broadcast the loss to {fmt_shape(out)}){hint}")
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

    >>> mse(nl.tensor([1.0, 2.0]), nl.tensor([1.0, 4.0]))
    Tensor(2., dtype=float32)
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

    >>> round(float(binary_cross_entropy(nl.tensor([0.9, 0.2]), nl.tensor([1.0, 0.0]))), 4)
    0.1643
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

    >>> binary_cross_entropy_with_logits(nl.tensor([1000.0, -1000.0]), nl.tensor([1.0, 0.0]))
    Tensor(0., dtype=float32)
    """
    x, t = _pair("binary_cross_entropy_with_logits", logits, target)
    return _reduce("binary_cross_entropy_with_logits", E.subtract(softplus(x), E.multiply(x, t)), reduction)


def _label_message(loss, labels, depth):
    """Name the first bad label, its position and the valid range (only run when a label is bad)."""
    flat = labels.reshape(-1)
    pos = int(((flat < 0) | (flat >= depth)).argmax())
    v = int(flat[pos])
    where = f"at position {pos}" if labels.ndim == 1 else f"at index {np.unravel_index(pos, labels.shape)}"
    hint = ""
    if v <= np.iinfo(np.int32).min:
        hint = " (a NaN or infinite label cast to an integer gives this value)"
    return (f"{loss}: label {v} {where} is outside the valid range [0, {depth}) of the {depth} classes{hint}; "
            "labels must be class indices 0 .. classes - 1")


def _fit_error(loss, lp_shape, ax, shape, dtype):
    if dtype.kind not in "iu":
        return DTypeError(f"{loss}: integer class labels expected, got {dtype}")
    expect = tuple(lp_shape[:ax]) + tuple(lp_shape[ax + 1:])
    return ShapeError(f"{loss}: labels of shape {fmt_shape(shape)} do not fit log-probabilities of shape "
                      f"{fmt_shape(lp_shape)} with classes on axis {ax} (expected {fmt_shape(expect)})")


class LabelNll(Op):
    """``loss_i = -lp_i[y_i]``: the log-probability of each integer label, negated (one primitive).

    It exists to check the labels where every mode computes them: eager calls,
    graph runs (``nl.run``), compiled steps (the Trainer's default) and
    compat.v1's ``sparse_softmax_cross_entropy_with_logits`` all run this
    ``forward``, which raises :class:`~neuralab.LabelError` when a label lies
    outside ``[0, classes)`` (one vectorized min and max per batch). Picking
    with ``take_along_axis`` also never touches the other classes, so a -inf
    there cannot turn the loss into NaN. The gradient with respect to ``lp``
    is ``-one_hot(y) * g`` (linear in ``g``, so double backward is exact);
    labels get none.
    """

    nin = 2
    nondiff_inputs = (1,)

    def forward(self, xp, lp, labels):
        ax, depth = self.axis, lp.shape[self.axis]
        if labels.dtype.kind not in "iu" or labels.shape != lp.shape[:ax] + lp.shape[ax + 1:]:
            raise _fit_error(self.loss, lp.shape, ax, labels.shape, labels.dtype)
        if labels.size and (labels.min() < 0 or labels.max() >= depth):
            raise LabelError(_label_message(self.loss, labels, depth))
        picked = xp.take_along_axis(lp, xp.expand_dims(labels, ax), axis=ax)
        return (xp.negative(xp.squeeze(picked, axis=ax)),)

    def infer(self, lp, labels):
        ax = self.axis
        if lp.shape is None or labels.shape is None:
            raise ShapeError(f"{self.loss}: the ranks of the log-probabilities and the labels must be known")
        expect = lp.shape[:ax] + lp.shape[ax + 1:]
        if labels.dtype.kind not in "iu" or len(labels.shape) != len(expect) or any(
                a is not None and b is not None and a != b for a, b in zip(labels.shape, expect)):
            raise _fit_error(self.loss, lp.shape, ax, labels.shape, labels.dtype)
        return (Spec(tuple(a if a is not None else b for a, b in zip(expect, labels.shape)), lp.dtype),)

    def backward(self, grads):
        (g,) = grads
        lp, labels = self.inputs
        nd, ax = lp.ndim, self.axis
        mask = S.one_hot(labels, lp.shape[ax], dtype=lp.dtype)
        if ax != nd - 1:
            mask = S.transpose(mask, tuple(range(ax)) + (nd - 1,) + tuple(range(ax, nd - 1)))
        return (E.negative(E.multiply(mask, S.expand_dims(g, ax))), None)


def label_nll(log_probs, labels, axis=-1, loss="label_nll"):
    """Per-example ``-log_probs[..., y, ...]`` for integer ``labels`` (classes on ``axis``), checking the labels.

    ``loss`` names the caller in error messages. A label outside
    ``[0, classes)`` raises :class:`~neuralab.LabelError` in every mode.

    >>> label_nll(nl.log(nl.tensor([[0.25, 0.75]])), nl.tensor([1])).numpy().round(4)
    array([0.2877], dtype=float32)
    """
    lp = _t(log_probs)
    labels = labels if isinstance(labels, Tensor) else Tensor(np.asarray(labels))
    if lp.shape is None or lp.ndim == 0:
        raise ShapeError(f"{loss}: log-probabilities must have a class axis, got shape {fmt_shape(lp.shape)}")
    nd = lp.ndim
    if not -nd <= axis < nd:
        raise ShapeError(f"{loss}: axis {axis} is out of range for log-probabilities of shape {fmt_shape(lp.shape)}")
    ax = axis % nd
    if lp.shape[ax] is None:
        raise ShapeError(f"{loss}: the number of classes (axis {axis} of shape {fmt_shape(lp.shape)}) must be known")
    return LabelNll.apply(lp, labels, axis=ax, loss=loss)


def nll(log_probs, labels, axis=-1, reduction="mean"):
    """Negative log-likelihood of integer labels: loss_i = -log p_i[y_i], picked from log-probabilities.

    ``log_probs`` has classes along ``axis`` (e.g. the output of
    :func:`log_softmax`, shape (N, C)); ``labels`` holds class indices (shape
    (N,)). A label outside ``[0, C)`` raises :class:`~neuralab.LabelError`
    (eagerly, in graphs and in compiled steps alike; see :class:`LabelNll`).

    >>> round(float(nll(nl.log(nl.tensor([[0.5, 0.5], [0.9, 0.1]])), nl.tensor([0, 0]))), 3)  # (ln 2 - ln 0.9)/2
    0.399
    """
    return _reduce("nll", label_nll(log_probs, labels, axis=axis, loss="nll"), reduction)


def softmax_cross_entropy(logits, target, axis=-1, reduction="mean"):
    """Cross-entropy of softmax(logits) against a target: D(S, L) = -sum_i L_i log(S_i), averaged over the batch.

    ``target`` is either one-hot rows / probabilities (a floating tensor shaped
    like ``logits``) or integer class labels (shape without ``axis``); the
    dtype decides. Computed as -sum(L * log_softmax(logits)), which is finite
    for any logits (TF's ``softmax_cross_entropy_with_logits``; with
    ``reduction="none"`` one loss per example, like it). The gradient with
    respect to the logits is softmax(logits) - L.

    >>> round(float(softmax_cross_entropy(nl.tensor([[2.0, 1.0, 0.1]]), nl.tensor([[1.0, 0.0, 0.0]]))), 4)
    0.417
    >>> round(float(softmax_cross_entropy(nl.tensor([[2.0, 1.0, 0.1]]), nl.tensor([0]))), 4)   # the same label
    0.417
    """
    x = _t(logits)
    if not isinstance(target, Tensor):
        a = np.asarray(target)
        target = Tensor(a, dtype=x.dtype if a.dtype.kind == "f" else None)
    if target.dtype.kind in "iu":
        if target.ndim == x.ndim:
            raise ShapeError(f"softmax_cross_entropy: integer target of shape {fmt_shape(target.shape)} has as "
                             f"many axes as the logits {fmt_shape(x.shape)}; integer targets are class labels "
                             "(one axis fewer), pass one-hot targets as floats")
        lsm = log_softmax(x, axis=axis)
        return _reduce("softmax_cross_entropy", label_nll(lsm, target, axis=axis, loss="softmax_cross_entropy"),
                       reduction)
    if target.dtype.kind != "f":
        raise DTypeError(f"softmax_cross_entropy: target must be floating (one-hot/probabilities) or integer "
                         f"labels, got {target.dtype}")
    x, target = _pair("softmax_cross_entropy", x, target)
    if x.shape is not None and x.ndim >= 1 and axis in (-1, x.ndim - 1) and target.dtype == x.dtype:
        # classes on the last axis: the fused primitive (same values; one kernel forward, one backward)
        return _reduce("softmax_cross_entropy", softmax_xent(x, target)[0], reduction)
    lsm = log_softmax(x, axis=axis)
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

    >>> round(float(l2_penalty(nl.tensor([1.0, 2.0]), 0.001)), 6)
    0.005
    """
    total = None
    for p in _params(params):
        s = R.sum(E.multiply(p, p))
        total = s if total is None else E.add(total, s)
    return E.multiply(lam, total)


def l1_penalty(params, lam):
    """L1 weight regularization lam * sum_w |w| (drives weights to exactly zero; subgradient 0 at w = 0).

    ``params`` is one tensor, a list/tuple of tensors, or a dict of them.

    >>> round(float(l1_penalty([nl.tensor([1.0, -2.0]), nl.tensor([3.0])], 0.1)), 6)
    0.6
    """
    total = None
    for p in _params(params):
        s = R.sum(E.abs(p))
        total = s if total is None else E.add(total, s)
    return E.multiply(lam, total)


__all__ = ["binary_cross_entropy", "binary_cross_entropy_with_logits", "l1_penalty", "l2_penalty", "mse", "nll",
           "softmax_cross_entropy"]
