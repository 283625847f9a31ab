"""``tf.losses``: reduced losses over neuralab.functional, added to the LOSSES collection like TF 1.x."""
from __future__ import annotations

import numbers

import numpy as np

from ... import ops as O
from ..._core import graph as _graph
from ..._core.tensor import Tensor
from ...functional import losses as L
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
    """Apply a scalar weight and TF's reduction (mean for the default SUM_BY_NONZERO_WEIGHTS)."""
    if not isinstance(weights, numbers.Number):
        w = as_tensor(weights)
        if isinstance(w, Tensor) and w.data is not None and w.size == 1:
            weights = float(w.data.reshape(()))
        else:
            raise NotImplementedError("neuralab.compat.v1: tf.losses with non-scalar weights is not supported")
    loss = per_element if weights == 1 else O.multiply(per_element, float(weights))
    if reduction == Reduction.NONE:
        out = loss
    elif reduction == Reduction.SUM:
        out = O.sum(loss)
    elif weights == 0:
        out = O.multiply(O.sum(loss), 0.0)
    else:
        out = O.mean(loss) if reduction != Reduction.MEAN else O.divide(O.mean(loss), float(weights))
    if loss_collection:
        _graph.get_default_graph().add_to_collection(loss_collection, out)
    return out


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
    return _graph.get_default_graph().get_collection(loss_collection)


def get_regularization_losses(scope=None):
    """tf.losses.get_regularization_losses."""
    return _graph.get_default_graph().get_collection(GraphKeys.REGULARIZATION_LOSSES)


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
