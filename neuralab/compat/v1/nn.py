"""``tf.nn``: activations, dropout, convolution/pooling and the losses from logits (TF 1.x semantics)."""
from __future__ import annotations

import numpy as np

from ... import ops as O
from ...functional import activations as A, losses as L, regularization as R
from ...ops import conv as C
from ..._core.tensor import Tensor
from . import _types
from ._base import as_tensor, seeded_rng
from .array_ops import _axis, _keep, sigmoid, tanh  # noqa: F401  (tf.nn.sigmoid / tf.nn.tanh)
from .missing import module_getattr

__getattr__ = module_getattr(__name__, "tf.nn")


def relu(features, name=None):
    """tf.nn.relu: max(0, x)."""
    return A.relu(as_tensor(features))


def relu6(features, name=None):
    """tf.nn.relu6: min(max(0, x), 6)."""
    return O.minimum(A.relu(as_tensor(features)), 6.0)


def leaky_relu(features, alpha=0.2, name=None):
    """tf.nn.leaky_relu: x if x > 0 else alpha * x (TF's default alpha is 0.2)."""
    return A.leaky_relu(as_tensor(features), alpha)


def elu(features, name=None):
    """tf.nn.elu: x if x > 0 else exp(x) - 1."""
    return A.elu(as_tensor(features))


def selu(features, name=None):
    """tf.nn.selu: scaled ELU (Klambauer et al. 2017)."""
    return A.selu(as_tensor(features))


def softplus(features, name=None):
    """tf.nn.softplus: log(1 + exp(x))."""
    return A.softplus(as_tensor(features))


def softsign(features, name=None):
    """tf.nn.softsign: x / (1 + |x|)."""
    x = as_tensor(features)
    return O.divide(x, O.add(1.0, O.abs(x)))


def softmax(logits, axis=None, name=None, dim=None):
    """tf.nn.softmax(logits, axis=-1)."""
    ax = _axis(axis, dimension=dim)
    return A.softmax(as_tensor(logits), axis=-1 if ax is None else ax)


def log_softmax(logits, axis=None, name=None, dim=None):
    """tf.nn.log_softmax(logits, axis=-1)."""
    ax = _axis(axis, dimension=dim)
    return A.log_softmax(as_tensor(logits), axis=-1 if ax is None else ax)


def dropout(x, keep_prob=None, noise_shape=None, seed=None, name=None, rate=None):
    """tf.nn.dropout(x, keep_prob): keeps each unit with probability keep_prob and scales it by 1/keep_prob.

    ``keep_prob`` may be a number or a tensor (a placeholder fed 0.7 in training
    and 1 in evaluation, as in the notes); ``rate = 1 - keep_prob`` is accepted
    too. A fresh mask is drawn every time the node runs.
    """
    if noise_shape is not None:
        raise NotImplementedError("neuralab.compat.v1: tf.nn.dropout(noise_shape=...) is not supported")
    if rate is None:
        if keep_prob is None:
            raise ValueError("tf.nn.dropout: give keep_prob (or rate)")
        kp = as_tensor(keep_prob)
        if isinstance(kp, Tensor):
            if kp.data is None and kp.shape is None:
                kp = O.reshape(kp, ())  # a placeholder of unknown shape: keep_prob is a scalar
            rate = O.subtract(1.0, kp) if kp.data is None else 1.0 - float(np.asarray(kp.data))
        else:
            if not 0.0 < float(kp) <= 1.0:
                raise ValueError(f"keep_prob must be a scalar tensor or a float in the range (0, 1], got {kp}")
            rate = 1.0 - float(kp)
    else:
        rate = as_tensor(rate)
    return R.dropout(as_tensor(x), rate, training=True, rng=seeded_rng(seed))


def conv2d(input, filter=None, strides=None, padding=None, use_cudnn_on_gpu=True, data_format="NHWC",  # noqa: A002
           dilations=None, name=None, filters=None):
    """tf.nn.conv2d(input NHWC, filter HWIO, strides=[1, s, s, 1], padding="SAME" | "VALID")."""
    if data_format != "NHWC":
        raise NotImplementedError("neuralab.compat.v1: only data_format='NHWC' is supported")
    if dilations is not None and any(int(d) != 1 for d in dilations):
        raise NotImplementedError("neuralab.compat.v1: dilated convolutions are not supported")
    w = filter if filter is not None else filters
    return C.conv2d(as_tensor(input), as_tensor(w), stride=list(strides), padding=padding)


def max_pool(value, ksize, strides, padding, data_format="NHWC", name=None, input=None):  # noqa: A002
    """tf.nn.max_pool(value, ksize=[1, k, k, 1], strides=[1, s, s, 1], padding)."""
    return C.max_pool2d(as_tensor(value if value is not None else input), list(ksize), list(strides), padding)


def avg_pool(value, ksize, strides, padding, data_format="NHWC", name=None, input=None):  # noqa: A002
    """tf.nn.avg_pool(value, ksize, strides, padding) (SAME averages over real cells only, like TF)."""
    return C.avg_pool2d(as_tensor(value if value is not None else input), list(ksize), list(strides), padding)


def bias_add(value, bias, data_format=None, name=None):
    """tf.nn.bias_add: value + bias along the last axis."""
    return O.add(as_tensor(value), as_tensor(bias))


def xw_plus_b(x, weights, biases, name=None):
    """tf.nn.xw_plus_b: matmul(x, weights) + biases."""
    return O.add(O.matmul(as_tensor(x), as_tensor(weights)), as_tensor(biases))


def softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, dim=-1, name=None, axis=None):
    """tf.nn.softmax_cross_entropy_with_logits: one loss per example, -sum(labels * log_softmax(logits)).

    As in TF 1.x, no gradient flows into ``labels`` (use the ``_v2`` version for that).
    """
    _named_only(_sentinel, "softmax_cross_entropy_with_logits")
    return _softmax_xent(O.stop_gradient(as_tensor(labels)), logits, dim if axis is None else axis)


def softmax_cross_entropy_with_logits_v2(_sentinel=None, labels=None, logits=None, axis=None, name=None, dim=None):
    """tf.nn.softmax_cross_entropy_with_logits_v2: per-example losses; gradients flow into labels too."""
    _named_only(_sentinel, "softmax_cross_entropy_with_logits_v2")
    ax = axis if axis is not None else (dim if dim is not None else -1)
    return _softmax_xent(as_tensor(labels), logits, ax)


def _softmax_xent(labels, logits, axis):
    x = as_tensor(logits)
    lab = labels
    if not isinstance(lab, Tensor):
        lab = Tensor(np.asarray(lab), dtype=x.dtype)
    elif lab.dtype != x.dtype:
        lab = O.cast(lab, x.dtype)
    return L.softmax_cross_entropy(x, lab, axis=axis, reduction="none")


def sparse_softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, name=None):
    """tf.nn.sparse_softmax_cross_entropy_with_logits: per-example losses for integer class labels."""
    _named_only(_sentinel, "sparse_softmax_cross_entropy_with_logits")
    lab = as_tensor(labels)
    if not isinstance(lab, Tensor):
        lab = Tensor(np.asarray(lab))
    return L.softmax_cross_entropy(as_tensor(logits), lab, reduction="none")


def sigmoid_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, name=None):
    """tf.nn.sigmoid_cross_entropy_with_logits: elementwise max(x, 0) - x z + log(1 + exp(-|x|))."""
    _named_only(_sentinel, "sigmoid_cross_entropy_with_logits")
    return L.binary_cross_entropy_with_logits(as_tensor(logits), as_tensor(labels), reduction="none")


def l2_loss(t, name=None):
    """tf.nn.l2_loss: sum(t ** 2) / 2."""
    x = as_tensor(t)
    return O.multiply(0.5, O.sum(O.square(x)))


def moments(x, axes, shift=None, name=None, keep_dims=None, keepdims=None):
    """tf.nn.moments: (mean, variance) over ``axes``."""
    x = as_tensor(x)
    ax = tuple(int(a) for a in axes)
    mean = O.mean(x, axis=ax, keepdims=True)
    var = O.mean(O.square(O.subtract(x, O.stop_gradient(mean))), axis=ax, keepdims=True)
    if not _keep(keepdims, keep_dims):
        mean, var = O.squeeze(mean, ax), O.squeeze(var, ax)
    return mean, var


def batch_normalization(x, mean, variance, offset, scale, variance_epsilon, name=None):
    """tf.nn.batch_normalization: (x - mean) / sqrt(variance + eps) * scale + offset."""
    inv = O.divide(1.0, O.sqrt(O.add(as_tensor(variance), variance_epsilon)))
    if scale is not None:
        inv = O.multiply(inv, as_tensor(scale))
    y = O.multiply(O.subtract(as_tensor(x), as_tensor(mean)), inv)
    return y if offset is None else O.add(y, as_tensor(offset))


def _named_only(sentinel, fname):
    if sentinel is not None:
        raise ValueError(f"Only call `{fname}` with named arguments (labels=..., logits=..., ...)")


__all__ = ["avg_pool", "batch_normalization", "bias_add", "conv2d", "dropout", "elu", "l2_loss", "leaky_relu",
           "log_softmax", "max_pool", "moments", "relu", "relu6", "selu", "sigmoid",
           "sigmoid_cross_entropy_with_logits",
           "softmax", "softmax_cross_entropy_with_logits", "softmax_cross_entropy_with_logits_v2", "softplus",
           "softsign", "sparse_softmax_cross_entropy_with_logits", "tanh", "xw_plus_b"]
_types.export(globals(), default_names={
    "relu": "Relu", "relu6": "Relu6", "leaky_relu": "LeakyRelu", "elu": "Elu", "selu": "Selu", "softplus": "Softplus",
    "softsign": "Softsign", "softmax": "Softmax", "log_softmax": "LogSoftmax", "dropout": "dropout", "conv2d": "Conv2D",
    "max_pool": "MaxPool", "avg_pool": "AvgPool", "bias_add": "BiasAdd", "xw_plus_b": "xw_plus_b",
    "softmax_cross_entropy_with_logits": "softmax_cross_entropy_with_logits",
    "softmax_cross_entropy_with_logits_v2": "softmax_cross_entropy_with_logits",
    "sparse_softmax_cross_entropy_with_logits": "SparseSoftmaxCrossEntropyWithLogits",
    "sigmoid_cross_entropy_with_logits": "logistic_loss", "l2_loss": "L2Loss", "batch_normalization": "batchnorm"})
