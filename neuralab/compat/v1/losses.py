"""``tf.losses``: reduced losses over neuralab.functional, added to the LOSSES collection like TF 1.x."""
from __future__ import annotations

import numbers

import numpy as np

from ... import ops as O
from ..._core import graph as _graph
from ..._core.tensor import Tensor
from ...functional import losses as L
from . import _types
from ._base import as_tensor, constant_node
from .array_ops import add_n
from .missing import module_getattr
from .variables import GraphKeys

__getattr__ = module_getattr(__name__, "tf.losses")


class Reduction:
    """tf.losses.Reduction: how a weighted loss is reduced (the default divides by nonzero weights)."""

    NONE = "none"
    SUM = "weighted_sum"
    MEAN = "weighted_mean"
    SUM_OVER_BATCH_SIZE = "weighted_sum_over_batch_size"
    SUM_BY_NONZERO_WEIGHTS = "weighted_sum_by_nonzero_weights"


def _finish(per_element, weights, loss_collection, reduction):
    """Weight the per-element losses and reduce them TF's way.

    ``SUM_BY_NONZERO_WEIGHTS`` (the default) divides the weighted sum by the
    number of elements whose (broadcast) weight is not zero, 0 when there are
    none; ``MEAN`` by the sum of the weights; ``SUM_OVER_BATCH_SIZE`` by the
    number of elements. ``weights`` is a number or a tensor broadcastable to
    the losses (a sequence mask, per-example weights).
    """
    if isinstance(weights, numbers.Number) and not isinstance(weights, bool):
        w = float(weights)
        loss = per_element if w == 1 else O.multiply(per_element, w)
        if reduction == Reduction.NONE:
            out = loss
        elif reduction == Reduction.SUM:
            out = O.sum(loss)
        elif w == 0:
            out = O.multiply(O.sum(loss), 0.0)
        elif reduction == Reduction.MEAN:
            out = O.divide(O.mean(loss), w)
        else:
            out = O.mean(loss)
    else:
        wt = as_tensor(weights)
        if not isinstance(wt, Tensor):
            wt = Tensor(np.asarray(wt, dtype=per_element.dtype))
        if wt.dtype != per_element.dtype:
            wt = O.cast(wt, per_element.dtype)
        loss = O.multiply(per_element, wt)
        full_w = O.multiply(O.ones_like(per_element), wt)
        if reduction == Reduction.NONE:
            out = loss
        elif reduction == Reduction.SUM:
            out = O.sum(loss)
        elif reduction == Reduction.MEAN:
            out = _safe_div(O.sum(loss), O.sum(full_w))
        elif reduction == Reduction.SUM_OVER_BATCH_SIZE:
            out = O.mean(loss)
        else:
            present = O.sum(O.cast(O.not_equal(full_w, 0.0), per_element.dtype))
            out = _safe_div(O.sum(loss), present)
    if loss_collection:
        _graph.get_default_graph().add_to_collection(loss_collection, out)
    return out


def _safe_div(num, den):
    """num / den, and 0 where den is 0 (TF's div_no_nan)."""
    zero = O.equal(den, 0.0)
    return O.where(zero, O.zeros_like(num), O.divide(num, O.where(zero, O.ones_like(den), den)))


def mean_squared_error(labels, predictions, weights=1.0, scope=None, loss_collection=GraphKeys.LOSSES,
                       reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """tf.losses.mean_squared_error(labels, predictions): mean of (predictions - labels)^2."""
    p, t = as_tensor(predictions), as_tensor(labels)
    return _finish(L.mse(p, t, reduction="none"), weights, loss_collection, reduction)


def absolute_difference(labels, predictions, weights=1.0, scope=None, loss_collection=GraphKeys.LOSSES,
                        reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """tf.losses.absolute_difference: mean of |predictions - labels|."""
    d = O.abs(O.subtract(as_tensor(predictions), as_tensor(labels)))
    return _finish(d, weights, loss_collection, reduction)


def softmax_cross_entropy(onehot_labels, logits, weights=1.0, label_smoothing=0, scope=None,
                          loss_collection=GraphKeys.LOSSES, reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """tf.losses.softmax_cross_entropy(onehot_labels, logits): mean over the batch of per-example losses."""
    x = as_tensor(logits)
    lab = as_tensor(onehot_labels)
    if not isinstance(lab, Tensor):
        lab = Tensor(np.asarray(lab), dtype=x.dtype)
    elif lab.dtype != x.dtype:
        lab = O.cast(lab, x.dtype)
    if label_smoothing:
        k = x.shape[-1]
        if k is None:
            raise ValueError("softmax_cross_entropy: label_smoothing needs the number of classes at build time")
        lab = O.add(O.multiply(lab, 1.0 - label_smoothing), label_smoothing / k)
    per = L.softmax_cross_entropy(x, O.stop_gradient(lab), reduction="none")
    return _finish(per, weights, loss_collection, reduction)


def sparse_softmax_cross_entropy(labels, logits, weights=1.0, scope=None, loss_collection=GraphKeys.LOSSES,
                                 reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """tf.losses.sparse_softmax_cross_entropy(labels, logits): integer class labels."""
    lab = as_tensor(labels)
    if not isinstance(lab, Tensor):
        lab = Tensor(np.asarray(lab))
    return _finish(L.softmax_cross_entropy(as_tensor(logits), lab, reduction="none"), weights, loss_collection,
                   reduction)


def sigmoid_cross_entropy(multi_class_labels, logits, weights=1.0, label_smoothing=0, scope=None,
                          loss_collection=GraphKeys.LOSSES, reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """tf.losses.sigmoid_cross_entropy(multi_class_labels, logits): mean of the elementwise logistic losses."""
    x = as_tensor(logits)
    lab = as_tensor(multi_class_labels)
    if isinstance(lab, Tensor) and lab.dtype != x.dtype:
        lab = O.cast(lab, x.dtype)
    if label_smoothing:
        lab = O.add(O.multiply(lab, 1.0 - label_smoothing), 0.5 * label_smoothing)
    per = L.binary_cross_entropy_with_logits(x, lab, reduction="none")
    return _finish(per, weights, loss_collection, reduction)


def add_loss(loss, loss_collection=GraphKeys.LOSSES):
    """tf.losses.add_loss."""
    if loss_collection:
        _graph.get_default_graph().add_to_collection(loss_collection, loss)


def get_losses(scope=None, loss_collection=GraphKeys.LOSSES):
    """tf.losses.get_losses."""
    return _types.get_default_graph().get_collection(loss_collection, scope)


def get_regularization_losses(scope=None):
    """tf.losses.get_regularization_losses."""
    return _types.get_default_graph().get_collection(GraphKeys.REGULARIZATION_LOSSES, scope)


def get_regularization_loss(scope=None, name="total_regularization_loss"):
    """tf.losses.get_regularization_loss: the sum of the regularization losses (0 when there are none)."""
    losses = get_regularization_losses(scope)
    if not losses:
        return constant_node(np.float32(0.0), np.float32, name)
    return add_n(losses)


def get_total_loss(add_regularization_losses=True, name="total_loss"):
    """tf.losses.get_total_loss: the sum of the LOSSES (plus regularization losses)."""
    losses = list(get_losses())
    if add_regularization_losses:
        losses += get_regularization_losses()
    if not losses:
        raise ValueError("No losses found.")
    return add_n(losses)


__all__ = ["Reduction", "absolute_difference", "add_loss", "get_losses", "get_regularization_loss",
           "get_regularization_losses", "get_total_loss", "mean_squared_error", "sigmoid_cross_entropy",
           "softmax_cross_entropy", "sparse_softmax_cross_entropy"]
_types.export(globals(), default_names={"get_total_loss": "total_loss",
                                        "get_regularization_loss": "total_regularization_loss"},
              scope_names=("mean_squared_error", "absolute_difference", "softmax_cross_entropy",
                           "sparse_softmax_cross_entropy", "sigmoid_cross_entropy"))
