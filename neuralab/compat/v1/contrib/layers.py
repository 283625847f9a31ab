"""``tf.contrib.layers``: fully_connected, batch_norm, dropout, conv2d, initializers and regularizers.

The functions take defaults from ``arg_scope`` (they are ``add_arg_scope``-
decorated) and name their variables as TF does: ``fully_connected`` (or the
``scope``) + ``/weights``, ``/biases``; batch norm ``.../BatchNorm/beta``,
``moving_mean``, ``moving_variance`` (``gamma`` when ``scale=True``).
"""
from __future__ import annotations

import numbers


from .... import ops as O
from ...._core import graph as _graph
from ....functional import regularization as R
from ....ops import conv as C
from .. import _types
from .._base import as_tensor, seeded_rng
from .. import nn as _nn
from ..layers import _last_dim, _pair, _training_flag, batch_norm_apply, flatten  # noqa: F401  (tf.contrib.layers.flatten)
from ..missing import module_getattr
from ..variables import (
    GraphKeys, contrib_variance_scaling_initializer as variance_scaling_initializer,  # noqa: F401
    get_variable,
    ones_initializer, variable_scope, xavier_initializer, zeros_initializer,
)
from .framework import add_arg_scope

__getattr__ = module_getattr(__name__, "tf.contrib.layers")

xavier_initializer_conv2d = xavier_initializer
_XAVIER = xavier_initializer()
_ZEROS = zeros_initializer()


def _collect(var, collections):
    if collections:
        g = _graph.get_default_graph()
        for c in ([collections] if isinstance(collections, str) else collections):
            g.add_to_collection(c, var)


@add_arg_scope
def fully_connected(inputs, num_outputs, activation_fn=_nn.relu, normalizer_fn=None, normalizer_params=None,
                    weights_initializer=_XAVIER, weights_regularizer=None,
                    biases_initializer=_ZEROS, biases_regularizer=None, reuse=None,
                    variables_collections=None, outputs_collections=None, trainable=True, scope=None):
    """tf.contrib.layers.fully_connected: activation_fn(normalizer_fn(x @ weights) or x @ weights + biases)."""
    x = as_tensor(inputs)
    n_in = _last_dim(x, "fully_connected")
    with variable_scope(scope, default_name="fully_connected", reuse=reuse):
        w = get_variable("weights", [n_in, int(num_outputs)], dtype=x.dtype, initializer=weights_initializer,
                         regularizer=weights_regularizer, trainable=trainable)
        _collect(w, variables_collections)
        y = O.matmul(x, as_tensor(w))
        if normalizer_fn is not None:
            y = as_tensor(normalizer_fn(_types.wrap(y), **(normalizer_params or {})))
        elif biases_initializer is not None:
            b = get_variable("biases", [int(num_outputs)], dtype=x.dtype, initializer=biases_initializer,
                             regularizer=biases_regularizer, trainable=trainable)
            _collect(b, variables_collections)
            y = O.add(y, as_tensor(b))
        if activation_fn is not None:
            y = as_tensor(activation_fn(_types.wrap(y)))
    return y


linear = fully_connected


@add_arg_scope
def batch_norm(inputs, decay=0.999, center=True, scale=False, epsilon=0.001, activation_fn=None,
               param_initializers=None, param_regularizers=None, updates_collections=GraphKeys.UPDATE_OPS,
               is_training=True, reuse=None, variables_collections=None, outputs_collections=None, trainable=True,
               batch_weights=None, fused=None, data_format="NHWC", zero_debias_moving_mean=False, scope=None,
               renorm=False, renorm_clipping=None, renorm_decay=0.99, adjustment=None):
    """tf.contrib.layers.batch_norm: normalize over the batch; moving averages with ``decay``.

    ``is_training`` is a bool or a bool placeholder. With
    ``updates_collections=None`` the moving averages are updated in place
    whenever the layer runs in training mode (the notes' ``bn_params``);
    otherwise the update ops go to that collection (default UPDATE_OPS).
    """
    if data_format != "NHWC":
        raise NotImplementedError("neuralab.compat.v1: batch_norm supports data_format='NHWC' only")
    x = as_tensor(inputs)
    c = _last_dim(x, "batch_norm")
    inits = param_initializers or {}
    regs = param_regularizers or {}
    with variable_scope(scope, default_name="BatchNorm", reuse=reuse):
        beta = get_variable("beta", [c], dtype=x.dtype, initializer=inits.get("beta", zeros_initializer()),
                            regularizer=regs.get("beta"), trainable=trainable) if center else None
        gamma = get_variable("gamma", [c], dtype=x.dtype, initializer=inits.get("gamma", ones_initializer()),
                             regularizer=regs.get("gamma"), trainable=trainable) if scale else None
        mm = get_variable("moving_mean", [c], dtype=x.dtype, initializer=inits.get("moving_mean",
                                                                                     zeros_initializer()),
                          trainable=False)
        mv = get_variable("moving_variance", [c], dtype=x.dtype,
                          initializer=inits.get("moving_variance", ones_initializer()), trainable=False)
        for v in (beta, gamma, mm, mv):
            if v is not None:
                _collect(v, variables_collections)
        y = batch_norm_apply(x, gamma, beta, mm, mv, is_training, decay, epsilon, -1, updates_collections)
        if activation_fn is not None:
            y = as_tensor(activation_fn(_types.wrap(y)))
    return y


@add_arg_scope
def dropout(inputs, keep_prob=0.5, noise_shape=None, is_training=True, outputs_collections=None, scope=None,
            seed=None):
    """tf.contrib.layers.dropout: keep with probability ``keep_prob`` (scaled by 1/keep_prob) when training."""
    if noise_shape is not None:
        raise NotImplementedError("neuralab.compat.v1: dropout(noise_shape=...) is not supported")
    kp = as_tensor(keep_prob)
    if isinstance(kp, numbers.Number):
        rate = 1.0 - float(kp)
    else:
        if kp.data is None and kp.shape is None:
            kp = O.reshape(kp, ())
        rate = O.subtract(1.0, kp)
    return R.dropout(as_tensor(inputs), rate, training=_training_flag(is_training), rng=seeded_rng(seed))


@add_arg_scope
def conv2d(inputs, num_outputs, kernel_size, stride=1, padding="SAME", data_format=None, rate=1,
           activation_fn=_nn.relu, normalizer_fn=None, normalizer_params=None,
           weights_initializer=_XAVIER, weights_regularizer=None,
           biases_initializer=_ZEROS, biases_regularizer=None, reuse=None, variables_collections=None,
           outputs_collections=None, trainable=True, scope=None):
    """tf.contrib.layers.conv2d (NHWC): variables ``Conv/weights`` (kh, kw, in, out) and ``Conv/biases``."""
    x = as_tensor(inputs)
    cin = _last_dim(x, "conv2d")
    kh, kw = _pair(kernel_size)
    with variable_scope(scope, default_name="Conv", reuse=reuse):
        w = get_variable("weights", [kh, kw, cin, int(num_outputs)], dtype=x.dtype, initializer=weights_initializer,
                         regularizer=weights_regularizer, trainable=trainable)
        y = C.conv2d(x, as_tensor(w), stride=_pair(stride), padding=str(padding).upper())
        if normalizer_fn is not None:
            y = as_tensor(normalizer_fn(_types.wrap(y), **(normalizer_params or {})))
        elif biases_initializer is not None:
            b = get_variable("biases", [int(num_outputs)], dtype=x.dtype, initializer=biases_initializer,
                             regularizer=biases_regularizer, trainable=trainable)
            y = O.add(y, as_tensor(b))
        if activation_fn is not None:
            y = as_tensor(activation_fn(_types.wrap(y)))
    return y


convolution2d = conv2d


@add_arg_scope
def max_pool2d(inputs, kernel_size, stride=2, padding="VALID", data_format="NHWC", outputs_collections=None,
               scope=None):
    """tf.contrib.layers.max_pool2d."""
    return C.max_pool2d(as_tensor(inputs), _pair(kernel_size), _pair(stride), str(padding).upper())


@add_arg_scope
def avg_pool2d(inputs, kernel_size, stride=2, padding="VALID", data_format="NHWC", outputs_collections=None,
               scope=None):
    """tf.contrib.layers.avg_pool2d."""
    return C.avg_pool2d(as_tensor(inputs), _pair(kernel_size), _pair(stride), str(padding).upper())


def l2_regularizer(scale, scope=None):
    """tf.contrib.layers.l2_regularizer(scale): weights -> scale * sum(w^2) / 2 (TF's l2_loss)."""
    if isinstance(scale, numbers.Integral) and not isinstance(scale, bool):
        raise ValueError(f"scale cannot be an integer: {scale}")
    if scale < 0:
        raise ValueError(f"Setting a scale less than 0 on a regularizer: {scale}")
    if scale == 0:
        return lambda weights: None
    return lambda weights: _types.wrap(O.multiply(float(scale), as_tensor(_nn.l2_loss(weights))))


def l1_regularizer(scale, scope=None):
    """tf.contrib.layers.l1_regularizer(scale): weights -> scale * sum(|w|)."""
    if scale < 0:
        raise ValueError(f"Setting a scale less than 0 on a regularizer: {scale}")
    if scale == 0:
        return lambda weights: None
    return lambda weights: _types.wrap(O.multiply(float(scale), O.sum(O.abs(as_tensor(weights)))))


def apply_regularization(regularizer, weights_list=None):
    """tf.contrib.layers.apply_regularization: the sum of ``regularizer(w)`` over the weights."""
    from ..variables import get_collection

    ws = weights_list if weights_list is not None else get_collection(GraphKeys.WEIGHTS)
    terms = [as_tensor(t) for t in (regularizer(w) for w in ws) if t is not None]
    if not terms:
        raise ValueError("No regularization terms")
    out = terms[0]
    for t in terms[1:]:
        out = O.add(out, t)
    return _types.wrap(out)




__all__ = ["apply_regularization", "avg_pool2d", "batch_norm", "conv2d", "convolution2d", "dropout", "flatten",
           "fully_connected", "l1_regularizer", "l2_regularizer", "linear", "max_pool2d",
           "variance_scaling_initializer", "xavier_initializer", "xavier_initializer_conv2d"]
_types.export(globals(), names=["avg_pool2d", "batch_norm", "conv2d", "dropout", "fully_connected", "max_pool2d"])
convolution2d = conv2d
linear = fully_connected
