"""``tf.layers``: the layer classes (``Dense``, ``Conv2D``, ``Conv2DTranspose``, ``Dropout``, ...) and their
functional forms, with TF 1.x's variable names and sharing rules.

One definition per layer: the function ``tf.layers.dense(x, units, name=...)``
builds a ``Dense`` object and calls it, as TF does. A layer's first call opens
a variable scope named like TF's (the given ``name``, else ``dense``,
``dense_1``, ... made unique in the enclosing variable scope), builds its
variables there with ``tf.get_variable`` (``dense/kernel``, ``dense/bias``) and
keeps that scope: calling the same object again re-enters it with
``reuse=True``, so both calls share the variables. A new object created under
``tf.variable_scope(..., reuse=True)`` (a GAN's discriminator called twice)
finds the existing variables because re-entering a scope restarts its layer
name counters. The math is neuralab's: matmul, :func:`neuralab.functional.conv2d`
(dilated too), :func:`neuralab.functional.conv2d_transpose`, pooling, dropout,
batch norm (moving-average updates in ``tf.GraphKeys.UPDATE_OPS``).
"""
from __future__ import annotations

import contextlib
import re

import numpy as np

from ... import ops as O
from ..._core import graph as _graph
from ..._core.tensor import Tensor
from ...functional import conv as FC, regularization as R
from ...ops import conv as C
from . import _types
from ._base import as_tensor, seeded_rng
from .array_ops import _unsupported
from .missing import module_getattr
from .variables import GraphKeys, get_variable, ones_initializer, variable_scope, zeros_initializer

__getattr__ = module_getattr(__name__, "tf.layers")

_ZEROS = zeros_initializer()
_ONES = ones_initializer()


# ---------------------------------------------------------------------------------------
# helpers (also used by tf.contrib.layers)
# ---------------------------------------------------------------------------------------

def _last_dim(x, what):
    n = x.shape[-1] if x.shape is not None and len(x.shape) else None
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


def _padding(padding):
    p = str(padding).upper()
    if p not in ("SAME", "VALID"):
        raise ValueError(f"The `padding` argument must be one of 'valid', 'same'. Received: {padding}")
    return p


def _channels_last(fn, data_format):
    if data_format not in (None, "channels_last"):
        _unsupported(fn, f"with data_format={data_format!r}", "use channels_last (NHWC) inputs")


def _no_constraints(fn, **constraints):
    for k, v in constraints.items():
        if v is not None:
            _unsupported(fn, f"{k}=...", "apply the constraint yourself after each step (tf.assign(var, fn(var)))")


def _snake(name):
    """TF's to_snake_case: ``Conv2DTranspose`` -> ``conv2d_transpose``, ``MaxPooling2D`` -> ``max_pooling2d``."""
    s = re.sub("(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", s).lower()


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


# ---------------------------------------------------------------------------------------
# the base class
# ---------------------------------------------------------------------------------------

class InputSpec:
    """tf.layers.InputSpec: what a layer expects of its inputs (kept for programs that set it; not enforced)."""

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None, axes=None):
        self.dtype, self.shape, self.ndim = dtype, shape, ndim
        self.max_ndim, self.min_ndim, self.axes = max_ndim, min_ndim, axes or {}


_LAYER_KWARGS = ("input_shape", "batch_input_shape", "batch_size", "weights", "input_dim")


class Layer:
    """tf.layers.Layer: the base of TF 1.x's layer classes, and of user layers.

    Subclasses define ``build(input_shape)`` (create variables with
    :meth:`add_weight`; ``input_shape`` is a TensorShape) and ``call(inputs,
    ...)``. The first ``layer(inputs)`` opens the layer's variable scope (its
    ``name``, made unique like ``dense_1``), builds, calls and keeps the scope;
    later calls re-enter it with reuse, sharing the variables. ``variables`` /
    ``weights``, ``trainable_variables`` / ``trainable_weights`` and
    ``non_trainable_variables`` list what the layer created; ``updates`` and
    ``losses`` its update ops and regularization losses.
    """

    def __init__(self, trainable=True, name=None, dtype=None, activity_regularizer=None, _scope=None, _reuse=None,
                 **kwargs):
        bad = [k for k in kwargs if k not in _LAYER_KWARGS]
        if bad:
            raise TypeError(f"Keyword argument not understood: {bad[0]}")
        self.trainable = bool(trainable)
        self._given_name = _scope if _scope is not None else name
        self._name = name if isinstance(name, str) else None
        self.dtype = dtype
        self.activity_regularizer = activity_regularizer
        self._reuse = _reuse
        self._scope = None  # the VariableScope of the first call
        self.built = False
        self._weights = []
        self.updates = []
        self.losses = []
        self.input_spec = None

    @property
    def _base_name(self):
        return _snake(type(self).__name__)

    @property
    def name(self):
        """The layer's name: its variable scope's last component once called (``dense_1``), else the given one."""
        return self._name or self._base_name

    @property
    def scope_name(self):
        """The full name of the layer's variable scope (after the first call)."""
        if self._scope is None:
            raise ValueError(f"No name available for layer scope because the layer \"{self.name}\" has not been "
                             "used yet. The scope name is determined the first time the layer instance is called.")
        return self._scope.name

    # -- what subclasses define ----------------------------------------------------------
    def build(self, input_shape):
        """Create the layer's variables for inputs of ``input_shape`` (a TensorShape); sets ``built``."""
        self.built = True

    def call(self, inputs, **kwargs):
        """The layer's computation (the identity here)."""
        return inputs

    # -- variables -----------------------------------------------------------------------
    def add_weight(self, name, shape=None, dtype=None, initializer=None, regularizer=None, trainable=None,
                   constraint=None, partitioner=None, use_resource=None, synchronization=None, aggregation=None,
                   getter=None, **kwargs):
        """tf.layers.Layer.add_weight: ``tf.get_variable(name, shape, ...)`` in the layer's variable scope."""
        _no_constraints(f"{type(self).__name__}.add_weight", constraint=constraint)
        trainable = self.trainable if trainable is None else (bool(trainable) and self.trainable)
        g = _graph.get_default_graph()
        before = len(g.get_collection(GraphKeys.REGULARIZATION_LOSSES))
        v = get_variable(name, shape, dtype=dtype or self.dtype or np.float32, initializer=initializer,
                         regularizer=regularizer, trainable=trainable)
        self.losses.extend(g.get_collection(GraphKeys.REGULARIZATION_LOSSES)[before:])
        if not any(v is w for w in self._weights):
            self._weights.append(v)
        return v

    add_variable = add_weight

    def add_loss(self, losses, inputs=None):
        """Add loss tensors to ``layer.losses`` and to tf.GraphKeys.REGULARIZATION_LOSSES."""
        g = _graph.get_default_graph()
        for t in (losses if isinstance(losses, (list, tuple)) else [losses]):
            self.losses.append(t)
            g.add_to_collection(GraphKeys.REGULARIZATION_LOSSES, t)

    def add_update(self, updates, inputs=None):
        """Add update ops to ``layer.updates`` and to tf.GraphKeys.UPDATE_OPS."""
        g = _graph.get_default_graph()
        for u in (updates if isinstance(updates, (list, tuple)) else [updates]):
            self.updates.append(u)
            g.add_to_collection(GraphKeys.UPDATE_OPS, u)

    @property
    def variables(self):
        """Every variable the layer created (in creation order)."""
        return list(self._weights)

    weights = variables

    @property
    def trainable_variables(self):
        """The layer's trainable variables."""
        return [v for v in self._weights if v.trainable]

    trainable_weights = trainable_variables

    @property
    def non_trainable_variables(self):
        """The layer's non-trainable variables (batch norm's moving statistics)."""
        return [v for v in self._weights if not v.trainable]

    non_trainable_weights = non_trainable_variables

    def count_params(self):
        """The number of scalars in the layer's variables."""
        return int(sum(np.prod(v.shape.as_list(), dtype=np.int64) for v in self._weights))

    # -- calling ---------------------------------------------------------------------------
    def __call__(self, inputs, *args, **kwargs):
        """Build on the first call (in the layer's own variable scope), then ``call``; returns tf objects."""
        first = self._scope is None
        if not first:
            scope_cm = variable_scope(self._scope, reuse=True, auxiliary_name_scope=False)
        elif self._reuse:
            scope_cm = variable_scope(self._given_name or self._base_name, reuse=self._reuse)
        else:
            scope_cm = variable_scope(self._given_name, default_name=self._base_name)
        with scope_cm as scope:
            if first:
                self._scope = scope
                self._name = scope.name.rsplit("/", 1)[-1]
                names = contextlib.nullcontext()
            else:
                names = _graph.get_default_graph().name_scope(self._scope.original_name_scope or self._name)
            with names:
                if self.dtype is None:  # (TF: the layer takes the dtype of its first floating input)
                    x0 = as_tensor(inputs[0] if isinstance(inputs, (list, tuple)) and inputs else inputs)
                    dt = getattr(x0, "dtype", None)
                    self.dtype = dt if dt is not None and np.dtype(dt).kind == "f" else np.dtype(np.float32)
                if not self.built:
                    self.build(_input_shape(inputs))
                    self.built = True
                out = self.call(inputs, *args, **kwargs)
                if self.activity_regularizer is not None:
                    self.add_loss(self.activity_regularizer(_types.wrap(out)))
        return _types.wrap(out)

    def apply(self, inputs, *args, **kwargs):
        """tf.layers.Layer.apply: the same as calling the layer."""
        return self.__call__(inputs, *args, **kwargs)

    def __repr__(self):
        return f"<tf.layers.{type(self).__name__} '{self.name}'>"


def _input_shape(inputs):
    if isinstance(inputs, (list, tuple)):
        return [_input_shape(i) for i in inputs]
    t = as_tensor(inputs)
    return _types.TensorShape(t.shape if isinstance(t, Tensor) else np.shape(t))


def _act(activation, y):
    """Apply a user activation to a neuralab tensor (it gets and returns tf objects)."""
    return y if activation is None else as_tensor(activation(_types.wrap(y)))


def _bias_add(y, bias):
    from .nn import bias_add  # (named "BiasAdd" in the layer's scope, as in TF)

    return as_tensor(bias_add(_types.wrap(y), bias))


# ---------------------------------------------------------------------------------------
# core layers
# ---------------------------------------------------------------------------------------

class _Weighted(Layer):
    """Shared by the layers with a kernel, a bias and an activation (Dense and the convolutions)."""

    def __init__(self, activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
                 bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint, trainable, name,
                 **kwargs):
        super().__init__(trainable=trainable, name=name, activity_regularizer=activity_regularizer, **kwargs)
        _no_constraints(f"tf.layers.{type(self).__name__}", kernel_constraint=kernel_constraint,
                        bias_constraint=bias_constraint)
        self.activation = activation
        self.use_bias = bool(use_bias)
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self.kernel_regularizer, self.bias_regularizer = kernel_regularizer, bias_regularizer
        self.kernel = self.bias = None

    def _kernel(self, shape):
        self.kernel = self.add_weight("kernel", list(shape), initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer)

    def _bias(self, n):
        if self.use_bias:
            self.bias = self.add_weight("bias", [n], initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer)

    def _finish(self, y):
        if self.use_bias:
            y = _bias_add(y, self.bias)
        return _act(self.activation, y)


class Dense(_Weighted):
    """tf.layers.Dense: ``activation(inputs @ kernel + bias)``; kernel (in, units), Glorot-uniform by default."""

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer=None, bias_initializer=_ZEROS,
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, trainable=True, name=None, **kwargs):
        super().__init__(activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
                         bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint, trainable, name,
                         **kwargs)
        self.units = int(units)

    def build(self, input_shape):
        n_in = input_shape[-1].value if input_shape.ndims else None
        if n_in is None:
            raise ValueError("The last dimension of the inputs to `Dense` should be defined. Found `None`.")
        self._kernel([n_in, self.units])
        self._bias(self.units)

    def call(self, inputs):
        x = as_tensor(inputs)
        n_in = int(self.kernel.shape[0])
        lead = x.shape[:-1]
        if len(x.shape) == 2 or sum(d is None for d in lead) > 1:
            y = O.matmul(x, as_tensor(self.kernel))  # (a batched product when several leading sizes are unknown)
        else:  # (N, ..., n) as one (N*..., n) GEMM, then back
            flat = O.reshape(x, (-1, n_in))
            y = O.reshape(O.matmul(flat, as_tensor(self.kernel)), tuple(-1 if d is None else d for d in lead)
                          + (self.units,))
        return self._finish(y)


class Dropout(Layer):
    """tf.layers.Dropout(rate): drops each unit with probability ``rate`` when called with ``training=True``
    (a bool or a bool tensor), scaling the kept ones by 1 / (1 - rate); the identity otherwise.
    ``noise_shape``: the mask's shape, broadcast against the inputs (entries 1 share one draw)."""

    def __init__(self, rate=0.5, noise_shape=None, seed=None, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self.rate, self.noise_shape, self.seed = rate, noise_shape, seed

    def call(self, inputs, training=False):
        from .nn import _shape_arg

        ns = None if self.noise_shape is None else _shape_arg(self.noise_shape)
        return R.dropout(as_tensor(inputs), as_tensor(self.rate), training=_training_flag(training),
                         rng=seeded_rng(self.seed), noise_shape=ns)


class Flatten(Layer):
    """tf.layers.Flatten: (N, ...) -> (N, prod(...)); sizes known only at run time are flattened at run time."""

    def __init__(self, data_format=None, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        _channels_last("tf.layers.Flatten", data_format)

    def call(self, inputs):
        x = as_tensor(inputs)
        if x.shape is None:
            raise ValueError("tf.layers.flatten: the input's rank must be known")
        rest = x.shape[1:]
        if all(d is not None for d in rest):
            return O.reshape(x, (-1, int(np.prod(rest, dtype=np.int64))))
        return O.reshape(x, O.stack([O.getitem(O.shape_of(x, np.int64), 0), np.int64(-1)]))


# ---------------------------------------------------------------------------------------
# convolution
# ---------------------------------------------------------------------------------------

class _Conv(_Weighted):
    """Shared by the convolution layers: filters, kernel size, strides, dilation, padding."""

    rank = 2

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format="channels_last",
                 dilation_rate=1, activation=None, use_bias=True, kernel_initializer=None, bias_initializer=_ZEROS,
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, trainable=True, name=None, **kwargs):
        super().__init__(activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
                         bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint, trainable, name,
                         **kwargs)
        _channels_last(f"tf.layers.{type(self).__name__}", data_format)
        self.filters = int(filters)
        self.kernel_size = self._tuple(kernel_size)
        self.strides = self._tuple(strides)
        self.dilation_rate = self._tuple(dilation_rate)
        self.padding = _padding(padding)

    def _tuple(self, v):
        t = (int(v),) * self.rank if isinstance(v, (int, np.integer)) else tuple(int(a) for a in v)
        if len(t) != self.rank:
            raise ValueError(f"tf.layers.{type(self).__name__}: expected {self.rank} integers, got {v!r}")
        return t

    def _channels(self, input_shape):
        c = input_shape[-1].value if input_shape.ndims == self.rank + 2 else None
        if input_shape.ndims is not None and input_shape.ndims != self.rank + 2:
            raise ValueError(f"Input 0 of layer {self.name} is incompatible with the layer: expected ndim="
                             f"{self.rank + 2}, found ndim={input_shape.ndims}. Full shape received: {input_shape}")
        if c is None:
            raise ValueError("The channel dimension of the inputs should be defined. Found `None`.")
        return c



class Conv2D(_Conv):
    """tf.layers.Conv2D (NHWC): ``activation(conv2d(inputs, kernel) + bias)``, kernel (kh, kw, in, filters);
    ``dilation_rate`` > 1 for atrous convolution."""

    def build(self, input_shape):
        self._kernel(self.kernel_size + (self._channels(input_shape), self.filters))
        self._bias(self.filters)

    def call(self, inputs):
        y = FC.conv2d(as_tensor(inputs), as_tensor(self.kernel), stride=self.strides, padding=self.padding,
                      dilation=self.dilation_rate)
        return self._finish(y)


class Conv1D(_Conv):
    """tf.layers.Conv1D over (N, W, C) inputs: kernel (k, in, filters) (a conv2d over a height-1 image)."""

    rank = 1

    def build(self, input_shape):
        self._kernel(self.kernel_size + (self._channels(input_shape), self.filters))
        self._bias(self.filters)

    def call(self, inputs):
        x = O.expand_dims(as_tensor(inputs), 1)
        w = O.expand_dims(as_tensor(self.kernel), 0)
        y = FC.conv2d(x, w, stride=(1,) + self.strides, padding=self.padding, dilation=(1,) + self.dilation_rate)
        return self._finish(O.squeeze(y, 1))


class Conv2DTranspose(_Conv):
    """tf.layers.Conv2DTranspose (NHWC): the transposed convolution (kernel (kh, kw, filters, in)), output
    size TF's rule: "same" ``H * stride``, "valid" ``H * stride + max(kh - stride, 0)``."""

    def build(self, input_shape):
        self._kernel(self.kernel_size + (self.filters, self._channels(input_shape)))
        self._bias(self.filters)

    def call(self, inputs):
        x = as_tensor(inputs)
        keff = [(k - 1) * d + 1 for k, d in zip(self.kernel_size, self.dilation_rate)]
        out = None  # (neuralab's default: the same rule, from the static size)
        if x.shape[1] is None or x.shape[2] is None:  # sizes known at run time: the rule on tf.shape(x)
            shp = O.shape_of(x, np.int64)
            out = [O.getitem(shp, 0)] + [
                O.add(O.multiply(O.getitem(shp, 1 + i), s), max(k - s, 0) if self.padding == "VALID" else 0)
                if x.shape[1 + i] is None else FC.transposed_output_size(x.shape[1 + i], k, s, self.padding)
                for i, (k, s) in enumerate(zip(keff, self.strides))] + [self.filters]
        y = FC.conv2d_transpose(x, as_tensor(self.kernel), out, stride=self.strides, padding=self.padding,
                                dilation=self.dilation_rate)
        return self._finish(y)


class SeparableConv2D(_Conv):
    """tf.layers.SeparableConv2D: a depthwise convolution (``depth_multiplier`` filters per channel, variable
    ``depthwise_kernel``) followed by a 1x1 convolution (``pointwise_kernel``) and the bias."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format="channels_last",
                 dilation_rate=1, depth_multiplier=1, activation=None, use_bias=True, depthwise_initializer=None,
                 pointwise_initializer=None, bias_initializer=_ZEROS, depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None, trainable=True,
                 name=None, **kwargs):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias,
                         None, bias_initializer, None, bias_regularizer, activity_regularizer, None, bias_constraint,
                         trainable, name, **kwargs)
        _no_constraints("tf.layers.SeparableConv2D", depthwise_constraint=depthwise_constraint,
                        pointwise_constraint=pointwise_constraint)
        self.depth_multiplier = int(depth_multiplier)
        self.depthwise_initializer, self.pointwise_initializer = depthwise_initializer, pointwise_initializer
        self.depthwise_regularizer, self.pointwise_regularizer = depthwise_regularizer, pointwise_regularizer

    def build(self, input_shape):
        c = self._channels(input_shape)
        m = self.depth_multiplier
        self.depthwise_kernel = self.add_weight("depthwise_kernel", list(self.kernel_size) + [c, m],
                                                initializer=self.depthwise_initializer,
                                                regularizer=self.depthwise_regularizer)
        self.pointwise_kernel = self.add_weight("pointwise_kernel", [1, 1, c * m, self.filters],
                                                initializer=self.pointwise_initializer,
                                                regularizer=self.pointwise_regularizer)
        self._bias(self.filters)

    def call(self, inputs):
        y = FC.depthwise_conv2d(as_tensor(inputs), as_tensor(self.depthwise_kernel), stride=self.strides,
                                padding=self.padding, dilation=self.dilation_rate)
        return self._finish(C.conv2d(y, as_tensor(self.pointwise_kernel), stride=1, padding="VALID"))


# ---------------------------------------------------------------------------------------
# pooling
# ---------------------------------------------------------------------------------------

class _Pooling(Layer):
    rank = 2
    _fn = staticmethod(C.max_pool2d)

    def __init__(self, pool_size, strides, padding="valid", data_format="channels_last", name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        _channels_last(f"tf.layers.{type(self).__name__}", data_format)
        r = self.rank
        self.pool_size = (int(pool_size),) * r if isinstance(pool_size, (int, np.integer)) else tuple(pool_size)
        self.strides = (int(strides),) * r if isinstance(strides, (int, np.integer)) else tuple(strides)
        self.padding = _padding(padding)

    def call(self, inputs):
        x = as_tensor(inputs)
        if self.rank == 1:
            y = self._fn(O.expand_dims(x, 1), (1,) + tuple(self.pool_size), (1,) + tuple(self.strides), self.padding)
            return O.squeeze(y, 1)
        return self._fn(x, tuple(self.pool_size), tuple(self.strides), self.padding)


class MaxPooling2D(_Pooling):
    """tf.layers.MaxPooling2D(pool_size, strides, padding)."""


class AveragePooling2D(_Pooling):
    """tf.layers.AveragePooling2D(pool_size, strides, padding) ("same" averages over the real cells only)."""

    _fn = staticmethod(C.avg_pool2d)


class MaxPooling1D(_Pooling):
    """tf.layers.MaxPooling1D over (N, W, C) inputs."""

    rank = 1


class AveragePooling1D(_Pooling):
    """tf.layers.AveragePooling1D over (N, W, C) inputs."""

    rank = 1
    _fn = staticmethod(C.avg_pool2d)


MaxPool2D, AvgPool2D, MaxPool1D, AvgPool1D = MaxPooling2D, AveragePooling2D, MaxPooling1D, AveragePooling1D


# ---------------------------------------------------------------------------------------
# batch normalization
# ---------------------------------------------------------------------------------------

class BatchNormalization(Layer):
    """tf.layers.BatchNormalization: normalize with the batch's statistics when ``training`` (a bool or bool
    tensor), with the moving averages otherwise. The moving-average updates go to tf.GraphKeys.UPDATE_OPS
    (and ``layer.updates``): run them with the train op, as TF 1.x programs do."""

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True, beta_initializer=_ZEROS,
                 gamma_initializer=_ONES, moving_mean_initializer=_ZEROS, moving_variance_initializer=_ONES,
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 renorm=False, renorm_clipping=None, renorm_momentum=0.99, fused=None, trainable=True,
                 virtual_batch_size=None, adjustment=None, name=None, **kwargs):
        super().__init__(trainable=trainable, name=name, **kwargs)
        _no_constraints("tf.layers.BatchNormalization", beta_constraint=beta_constraint,
                        gamma_constraint=gamma_constraint)
        if renorm:
            _unsupported("tf.layers.BatchNormalization", "renorm=True", "use renorm=False")
        if virtual_batch_size is not None or adjustment is not None:
            _unsupported("tf.layers.BatchNormalization", "virtual_batch_size/adjustment", "leave them None")
        self.axis = int(axis) if not isinstance(axis, (list, tuple)) else axis
        if isinstance(self.axis, (list, tuple)):
            _unsupported("tf.layers.BatchNormalization", "with several axes", "normalize one (channel) axis")
        self.momentum, self.epsilon, self.center, self.scale = momentum, epsilon, center, scale
        self.beta_initializer, self.gamma_initializer = beta_initializer, gamma_initializer
        self.moving_mean_initializer = moving_mean_initializer
        self.moving_variance_initializer = moving_variance_initializer
        self.beta_regularizer, self.gamma_regularizer = beta_regularizer, gamma_regularizer
        self.gamma = self.beta = self.moving_mean = self.moving_variance = None

    def build(self, input_shape):
        c = input_shape[self.axis].value if input_shape.ndims is not None else None
        if c is None:
            raise ValueError(f"Axis {self.axis} of input tensor should have a defined dimension but the layer "
                             f"received an input with shape {input_shape}.")
        if self.scale:
            self.gamma = self.add_weight("gamma", [c], initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer)
        if self.center:
            self.beta = self.add_weight("beta", [c], initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer)
        self.moving_mean = self.add_weight("moving_mean", [c], initializer=self.moving_mean_initializer,
                                           trainable=False)
        self.moving_variance = self.add_weight("moving_variance", [c], initializer=self.moving_variance_initializer,
                                               trainable=False)

    def call(self, inputs, training=False):
        g = _graph.get_default_graph()
        before = len(g.get_collection(GraphKeys.UPDATE_OPS))
        y = batch_norm_apply(as_tensor(inputs), self.gamma, self.beta, self.moving_mean, self.moving_variance,
                             training, self.momentum, self.epsilon, self.axis, GraphKeys.UPDATE_OPS)
        self.updates.extend(_types.wrap(list(g.get_collection(GraphKeys.UPDATE_OPS)[before:])))
        return y


# ---------------------------------------------------------------------------------------
# the functional forms: build the layer object, call it (TF's own definition)
# ---------------------------------------------------------------------------------------

def dense(inputs, units, activation=None, use_bias=True, kernel_initializer=None,
          bias_initializer=_ZEROS, kernel_regularizer=None, bias_regularizer=None,
          activity_regularizer=None, kernel_constraint=None, bias_constraint=None, trainable=True, name=None,
          reuse=None):
    """tf.layers.dense: ``Dense(units, ...)(inputs)``; variables ``<name>/kernel`` and ``<name>/bias``."""
    return Dense(units, activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
                 bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint, trainable, name=name,
                 _scope=name, _reuse=reuse).apply(inputs)


def conv2d(inputs, filters, kernel_size, strides=(1, 1), padding="valid", data_format="channels_last",
           dilation_rate=(1, 1), activation=None, use_bias=True, kernel_initializer=None,
           bias_initializer=_ZEROS, kernel_regularizer=None, bias_regularizer=None,
           activity_regularizer=None, kernel_constraint=None, bias_constraint=None, trainable=True, name=None,
           reuse=None):
    """tf.layers.conv2d (NHWC): ``Conv2D(filters, kernel_size, ...)(inputs)``; kernel (kh, kw, in, filters)."""
    return Conv2D(filters, kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias,
                  kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer, activity_regularizer,
                  kernel_constraint, bias_constraint, trainable, name=name, _scope=name, _reuse=reuse).apply(inputs)


def conv1d(inputs, filters, kernel_size, strides=1, padding="valid", data_format="channels_last", dilation_rate=1,
           activation=None, use_bias=True, kernel_initializer=None, bias_initializer=_ZEROS,
           kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
           bias_constraint=None, trainable=True, name=None, reuse=None):
    """tf.layers.conv1d over (N, W, C): ``Conv1D(filters, kernel_size, ...)(inputs)``; kernel (k, in, filters)."""
    return Conv1D(filters, kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias,
                  kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer, activity_regularizer,
                  kernel_constraint, bias_constraint, trainable, name=name, _scope=name, _reuse=reuse).apply(inputs)


def conv2d_transpose(inputs, filters, kernel_size, strides=(1, 1), padding="valid", data_format="channels_last",
                     activation=None, use_bias=True, kernel_initializer=None, bias_initializer=_ZEROS,
                     kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                     kernel_constraint=None, bias_constraint=None, trainable=True, name=None, reuse=None):
    """tf.layers.conv2d_transpose (NHWC): ``Conv2DTranspose(filters, kernel_size, ...)(inputs)``; kernel
    (kh, kw, filters, in); "same" upsamples by ``strides``."""
    return Conv2DTranspose(filters, kernel_size, strides, padding, data_format, 1, activation, use_bias,
                           kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
                           activity_regularizer, kernel_constraint, bias_constraint, trainable, name=name,
                           _scope=name, _reuse=reuse).apply(inputs)


def separable_conv2d(inputs, filters, kernel_size, strides=(1, 1), padding="valid", data_format="channels_last",
                     dilation_rate=(1, 1), depth_multiplier=1, activation=None, use_bias=True,
                     depthwise_initializer=None, pointwise_initializer=None, bias_initializer=_ZEROS,
                     depthwise_regularizer=None, pointwise_regularizer=None, bias_regularizer=None,
                     activity_regularizer=None, depthwise_constraint=None, pointwise_constraint=None,
                     bias_constraint=None, trainable=True, name=None, reuse=None):
    """tf.layers.separable_conv2d: ``SeparableConv2D(...)(inputs)`` (depthwise, then 1x1, then the bias)."""
    return SeparableConv2D(filters, kernel_size, strides, padding, data_format, dilation_rate, depth_multiplier,
                           activation, use_bias, depthwise_initializer, pointwise_initializer, bias_initializer,
                           depthwise_regularizer, pointwise_regularizer, bias_regularizer, activity_regularizer,
                           depthwise_constraint, pointwise_constraint, bias_constraint, trainable, name=name,
                           _scope=name, _reuse=reuse).apply(inputs)


def max_pooling2d(inputs, pool_size, strides, padding="valid", data_format="channels_last", name=None):
    """tf.layers.max_pooling2d(inputs, pool_size, strides, padding)."""
    return MaxPooling2D(pool_size, strides, padding, data_format, name=name).apply(inputs)


def average_pooling2d(inputs, pool_size, strides, padding="valid", data_format="channels_last", name=None):
    """tf.layers.average_pooling2d(inputs, pool_size, strides, padding)."""
    return AveragePooling2D(pool_size, strides, padding, data_format, name=name).apply(inputs)


def max_pooling1d(inputs, pool_size, strides, padding="valid", data_format="channels_last", name=None):
    """tf.layers.max_pooling1d over (N, W, C)."""
    return MaxPooling1D(pool_size, strides, padding, data_format, name=name).apply(inputs)


def average_pooling1d(inputs, pool_size, strides, padding="valid", data_format="channels_last", name=None):
    """tf.layers.average_pooling1d over (N, W, C)."""
    return AveragePooling1D(pool_size, strides, padding, data_format, name=name).apply(inputs)


def dropout(inputs, rate=0.5, noise_shape=None, seed=None, training=False, name=None):
    """tf.layers.dropout: drops with probability ``rate`` when ``training`` (a bool or bool tensor)."""
    return Dropout(rate, noise_shape, seed, name=name).apply(inputs, training=training)


def flatten(inputs, name=None, data_format="channels_last"):
    """tf.layers.flatten: (N, ...) -> (N, prod(...))."""
    return Flatten(data_format, name=name).apply(inputs)


def batch_normalization(inputs, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                        beta_initializer=_ZEROS, gamma_initializer=_ONES,
                        moving_mean_initializer=_ZEROS, moving_variance_initializer=_ONES,
                        beta_regularizer=None, gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                        training=False, trainable=True, name=None, reuse=None, renorm=False, renorm_clipping=None,
                        renorm_momentum=0.99, fused=None, virtual_batch_size=None, adjustment=None):
    """tf.layers.batch_normalization: moving-average updates go to tf.GraphKeys.UPDATE_OPS (run them yourself)."""
    return BatchNormalization(axis, momentum, epsilon, center, scale, beta_initializer, gamma_initializer,
                              moving_mean_initializer, moving_variance_initializer, beta_regularizer,
                              gamma_regularizer, beta_constraint, gamma_constraint, renorm, renorm_clipping,
                              renorm_momentum, fused, trainable, virtual_batch_size, adjustment, name=name,
                              _scope=name, _reuse=reuse).apply(inputs, training=training)


_FUNCTIONS = ["average_pooling1d", "average_pooling2d", "batch_normalization", "conv1d", "conv2d",
              "conv2d_transpose", "dense", "dropout", "flatten", "max_pooling1d", "max_pooling2d", "separable_conv2d"]
__all__ = _FUNCTIONS + ["AveragePooling1D", "AveragePooling2D", "AvgPool1D", "AvgPool2D", "BatchNormalization",
                        "Conv1D", "Conv2D", "Conv2DTranspose", "Dense", "Dropout", "Flatten", "InputSpec", "Layer",
                        "MaxPool1D", "MaxPool2D", "MaxPooling1D", "MaxPooling2D", "SeparableConv2D"]
_types.export(globals(), names=_FUNCTIONS, scope_names=tuple(_FUNCTIONS))
