"""``tf.layers``: dense, conv2d, pooling, dropout, batch_normalization, flatten (TF 1.x variable names).

Each layer call opens a variable scope named like TF's (``dense``, ``dense_1``,
or the given ``name``) and creates its variables with ``tf.get_variable``, so
``dense/kernel`` and ``dense/bias`` appear in ``tf.global_variables()`` and
``reuse=True`` shares them.
"""
from __future__ import annotations

import numpy as np

from ... import ops as O
from ..._core import graph as _graph
from ..._core.tensor import Tensor
from ...functional import regularization as R
from ...ops import conv as C
from . import _types
from ._base import as_tensor, seeded_rng
from .missing import module_getattr
from .variables import GraphKeys, get_variable, ones_initializer, variable_scope, zeros_initializer

__getattr__ = module_getattr(__name__, "tf.layers")

_ZEROS = zeros_initializer()
_ONES = ones_initializer()


def _last_dim(x, what):
    n = x.shape[-1] if x.shape is not None else None
    if n is None:
        raise ValueError(f"The last dimension of the inputs to `{what}` should be defined. Found `None`.")
    return int(n)


def _pair(v):
    return (int(v), int(v)) if isinstance(v, (int, np.integer)) else tuple(int(a) for a in v)


def _training_flag(training):
    """``training`` as given, a placeholder of unknown shape made a scalar (so outputs keep their shapes)."""
    t = as_tensor(training)
    if isinstance(t, Tensor) and t.data is None and t.shape is None:
        t = O.reshape(t, ())
    return t


def dense(inputs, units, activation=None, use_bias=True, kernel_initializer=None,
          bias_initializer=_ZEROS, kernel_regularizer=None, bias_regularizer=None,
          activity_regularizer=None, kernel_constraint=None, bias_constraint=None, trainable=True, name=None,
          reuse=None):
    """tf.layers.dense: activation(inputs @ kernel + bias); kernel Glorot-uniform by default."""
    x = as_tensor(inputs)
    n_in = _last_dim(x, "Dense")
    with variable_scope(name, default_name="dense", reuse=reuse):
        kernel = get_variable("kernel", [n_in, int(units)], dtype=x.dtype, initializer=kernel_initializer,
                              regularizer=kernel_regularizer, trainable=trainable)
        lead = x.shape[:-1]
        if len(x.shape) == 2 or sum(d is None for d in lead) > 1:
            y = O.matmul(x, as_tensor(kernel))  # (a batched product when several leading sizes are unknown)
        else:  # (N, ..., n) as one (N*..., n) GEMM, then back
            flat = O.reshape(x, (-1, n_in))
            y = O.reshape(O.matmul(flat, as_tensor(kernel)), tuple(-1 if d is None else d for d in lead)
                          + (int(units),))
        if use_bias:
            bias = get_variable("bias", [int(units)], dtype=x.dtype, initializer=bias_initializer,
                                regularizer=bias_regularizer, trainable=trainable)
            y = O.add(y, as_tensor(bias))
        if activation is not None:
            y = activation(_types.wrap(y))
    return y


def conv2d(inputs, filters, kernel_size, strides=(1, 1), padding="valid", data_format="channels_last",
           dilation_rate=(1, 1), activation=None, use_bias=True, kernel_initializer=None,
           bias_initializer=_ZEROS, kernel_regularizer=None, bias_regularizer=None,
           activity_regularizer=None, kernel_constraint=None, bias_constraint=None, trainable=True, name=None,
           reuse=None):
    """tf.layers.conv2d (NHWC): activation(conv2d(inputs, kernel) + bias); kernel (kh, kw, in, filters)."""
    if data_format != "channels_last":
        raise NotImplementedError("neuralab.compat.v1: only data_format='channels_last' is supported")
    if _pair(dilation_rate) != (1, 1):
        raise NotImplementedError("neuralab.compat.v1: dilated convolutions are not supported")
    x = as_tensor(inputs)
    cin = _last_dim(x, "Conv2D")
    kh, kw = _pair(kernel_size)
    with variable_scope(name, default_name="conv2d", reuse=reuse):
        kernel = get_variable("kernel", [kh, kw, cin, int(filters)], dtype=x.dtype, initializer=kernel_initializer,
                              regularizer=kernel_regularizer, trainable=trainable)
        y = C.conv2d(x, as_tensor(kernel), stride=_pair(strides), padding=str(padding).upper())
        if use_bias:
            bias = get_variable("bias", [int(filters)], dtype=x.dtype, initializer=bias_initializer,
                                regularizer=bias_regularizer, trainable=trainable)
            y = O.add(y, as_tensor(bias))
        if activation is not None:
            y = activation(_types.wrap(y))
    return y


def max_pooling2d(inputs, pool_size, strides, padding="valid", data_format="channels_last", name=None):
    """tf.layers.max_pooling2d(inputs, pool_size, strides, padding)."""
    return C.max_pool2d(as_tensor(inputs), _pair(pool_size), _pair(strides), str(padding).upper())


def average_pooling2d(inputs, pool_size, strides, padding="valid", data_format="channels_last", name=None):
    """tf.layers.average_pooling2d(inputs, pool_size, strides, padding)."""
    return C.avg_pool2d(as_tensor(inputs), _pair(pool_size), _pair(strides), str(padding).upper())


def dropout(inputs, rate=0.5, noise_shape=None, seed=None, training=False, name=None):
    """tf.layers.dropout: drops with probability ``rate`` when ``training`` (a bool or bool tensor)."""
    if noise_shape is not None:
        raise NotImplementedError("neuralab.compat.v1: dropout(noise_shape=...) is not supported")
    return R.dropout(as_tensor(inputs), as_tensor(rate), training=_training_flag(training), rng=seeded_rng(seed))


def flatten(inputs, name=None, data_format="channels_last"):
    """tf.layers.flatten: (N, ...) -> (N, prod(...))."""
    x = as_tensor(inputs)
    rest = x.shape[1:]
    if any(d is None for d in rest):
        raise ValueError(f"flatten: the non-batch dimensions must be known, got {x.shape}")
    return O.reshape(x, (-1, int(np.prod(rest, dtype=np.int64))))


def batch_norm_apply(x, gamma, beta, moving_mean, moving_var, training, momentum, epsilon, axis,
                     updates_collections):
    """Batch norm through neuralab.functional.batch_norm, with TF's handling of the moving-average updates.

    ``updates_collections=None``: the updates run whenever the output is
    evaluated in training mode (they are control dependencies of the output).
    Otherwise (TF's default, ``UPDATE_OPS``) they are detached from the output
    and listed in that collection: they run only when fetched, e.g. with
    ``with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS))``.
    """
    cols = [] if updates_collections is None else (
        [updates_collections] if isinstance(updates_collections, str) else list(updates_collections))
    y = R.batch_norm(x, None if gamma is None else as_tensor(gamma), None if beta is None else as_tensor(beta),
                     moving_mean._var, moving_var._var, _training_flag(training), momentum=float(momentum),
                     eps=float(epsilon), axis=axis, update_collection=cols[0] if cols else None,
                     run_updates=updates_collections is None)
    if len(cols) > 1:
        g = _graph.get_default_graph()
        ups = g.get_collection(cols[0])[-2:]
        for c in cols[1:]:
            for o in ups:
                g.add_to_collection(c, o)
    return y


def batch_normalization(inputs, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                        beta_initializer=_ZEROS, gamma_initializer=_ONES,
                        moving_mean_initializer=_ZEROS, moving_variance_initializer=_ONES,
                        beta_regularizer=None, gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                        training=False, trainable=True, name=None, reuse=None, renorm=False, renorm_clipping=None,
                        renorm_momentum=0.99, fused=None, virtual_batch_size=None, adjustment=None):
    """tf.layers.batch_normalization: moving-average updates go to tf.GraphKeys.UPDATE_OPS (run them yourself)."""
    x = as_tensor(inputs)
    c = x.shape[axis]
    if c is None:
        raise ValueError(f"batch_normalization: the size of axis {axis} must be known, got shape {x.shape}")
    c = int(c)
    with variable_scope(name, default_name="batch_normalization", reuse=reuse):
        gamma = get_variable("gamma", [c], dtype=x.dtype, initializer=gamma_initializer,
                             regularizer=gamma_regularizer, trainable=trainable) if scale else None
        beta = get_variable("beta", [c], dtype=x.dtype, initializer=beta_initializer, regularizer=beta_regularizer,
                            trainable=trainable) if center else None
        mm = get_variable("moving_mean", [c], dtype=x.dtype, initializer=moving_mean_initializer, trainable=False)
        mv = get_variable("moving_variance", [c], dtype=x.dtype, initializer=moving_variance_initializer,
                          trainable=False)
        return batch_norm_apply(x, gamma, beta, mm, mv, training, momentum, epsilon, axis, GraphKeys.UPDATE_OPS)


__all__ = ["average_pooling2d", "batch_normalization", "conv2d", "dense", "dropout", "flatten", "max_pooling2d"]
_types.export(globals(), default_names={"dropout": "dropout", "flatten": "Reshape", "max_pooling2d": "MaxPool",
                                        "average_pooling2d": "AvgPool"},
              scope_names=("batch_normalization", "conv2d", "dense"))
