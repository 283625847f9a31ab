"""``import neuralab.compat.v1 as tf``: the TensorFlow 1.x API as a thin adapter over neuralab's graphs.

The lecture notes' programs run unchanged: ``tf.placeholder`` is a neuralab
placeholder, ``tf.Variable`` a concrete tensor whose value lives in a
``tf.Session``, ``Session.run`` replays a pruned plan cached per (fetches, feed
keys), ``tf.gradients`` is :func:`neuralab.gradients`, and ``tf.train``
optimizers record neuralab's update nodes. TF 1.x semantics are kept where
they are subtle: nothing runs until ``Session.run``; an ``assign`` runs only
when it (or something depending on it) is fetched; ``tf.nn.dropout`` takes
``keep_prob``; ``softmax_cross_entropy_with_logits`` returns per-example losses.

Names the adapter does not provide raise an AttributeError saying so
(``neuralab.compat.v1 does not provide `tf.xyz` yet``). Run a TF 1.x script
unchanged with ``python -m neuralab.compat.v1.runner script.py`` (it maps
``import tensorflow`` to this module for the duration of the run).

>>> import neuralab.compat.v1 as tf
>>> tf.reset_default_graph()
>>> x = tf.placeholder(tf.float32, [None, 2], name="x")
>>> W = tf.Variable([[1.0], [2.0]], name="W")
>>> y = tf.sigmoid(tf.matmul(x, W))
>>> print(y)                                     # TF's names and shapes: ? is a size known at run time
Tensor("Sigmoid:0", shape=(?, 1), dtype=float32)
>>> y.get_shape().as_list(), tf.get_default_graph().get_tensor_by_name("x:0") is x
([None, 1], True)
>>> grad = tf.gradients(tf.reduce_sum(y), W)[0]  # d/dW of sum(sigmoid(xW)) = x^T sigmoid'(xW)
>>> with tf.Session() as sess:
...     sess.run(tf.global_variables_initializer())
...     print(sess.run(y, {x: [[0.0, 0.0]]}))
...     print(sess.run(grad, {x: [[1.0, 0.0]]}).ravel().round(4))  # sigmoid(1)(1 - sigmoid(1)) = 0.1966
[[0.5]]
[0.1966 0.    ]
>>> print(tf.placeholder(tf.float32))            # no shape: unknown rank, as tutorials often write it
Tensor("Placeholder:0", dtype=float32)
>>> tf.no_such_function
Traceback (most recent call last):
...
neuralab.compat.v1.missing.NotProvidedError: neuralab.compat.v1 does not provide `tf.no_such_function` yet
"""
from __future__ import annotations

import sys as _sys
import types as _pytypes

from . import contrib, errors, examples, layers, losses, nn, summary, train
from ._dtypes import (
    DType, as_dtype, bool, double, float16, float32, float64, half, int8, int16, int32, int64, string, uint8, uint16,
)
from ._types import (
    Dimension, Graph, Operation, Tensor, TensorShape, dimension_value, executing_eagerly, get_default_graph,
)
from .array_ops import (
    ConfigProto, GPUOptions, RunMetadata, RunOptions, abs, add, add_n, arg_max, arg_min, argmax, argmin, cast, ceil,
    clip_by_global_norm, clip_by_norm, clip_by_value, concat, constant, control_dependencies, convert_to_tensor, cos,
    count_nonzero, cumsum, device, div, divide, equal, exp, expand_dims, fill, floor, floordiv, floormod, gather,
    global_norm,
    gradients, greater, greater_equal, group, identity, is_finite, is_inf, is_nan, less, less_equal, linspace, log,
    log1p, logical_and, logical_not, logical_or, logical_xor, matmul, maximum, minimum, mod, multiply, name_scope,
    negative, no_op, not_equal, one_hot, ones, ones_like, pack, pad, placeholder, placeholder_with_default, pow,
    random_normal, random_uniform, range_ as range, rank, reciprocal, reduce_all, reduce_any, reduce_logsumexp,
    reduce_max, reduce_mean, reduce_min, reduce_prod, reduce_sum, reset_default_graph, reshape, reverse, round, rsqrt,
    set_random_seed, shape, sigmoid, sign, sin, size, slice, split, sqrt, square, squared_difference, squeeze, stack,
    stop_gradient, subtract, tanh, tile, to_double, to_float, to_int32, to_int64, transpose, truediv,
    truncated_normal, tuple_ as tuple, unpack, unstack, where, zeros, zeros_like,
)
from . import estimator, feature_column, metrics  # noqa: I001
from .eager import GradientTape, UnconnectedGradients, enable_eager_execution
from . import app, data, flags, gfile, io_ops, logging, python  # noqa: I001 - input pipelines, program scaffolding
from .gfile import resource_loader
from . import tfmath as math  # tf.math
from .control_flow import case, cond, map_fn, while_loop
from . import image  # tf.image
from .mask_ops import (
    boolean_mask, gather_nd, scatter_nd, segment_max, segment_mean, segment_sum, sequence_mask, unique,
    unsorted_segment_sum,
)
from .io_ops import (
    FIFOQueue, FixedLengthRecordReader, QueueBase, RandomShuffleQueue, ReaderBase, TextLineReader, WholeFileReader,
    decode_csv, decode_raw, io, read_file, write_file,
)
from .missing import NotProvidedError, module_getattr
from .session import InteractiveSession, Session, get_default_session
from .variables import (
    AUTO_REUSE, GraphKeys, Variable, VariableScope, add_to_collection, add_to_collections, all_variables,
    constant_initializer, get_collection, get_collection_ref, get_variable, get_variable_scope, global_variables,
    global_variables_initializer, glorot_normal_initializer, glorot_uniform_initializer, initialize_all_variables,
    initialize_local_variables, local_variables, local_variables_initializer, model_variables, moving_average_variables,
    ones_initializer, random_normal_initializer, random_uniform_initializer, trainable_variables,
    truncated_normal_initializer, variable_scope, variables_initializer, variance_scaling_initializer,
    zeros_initializer,
)

__version__ = "1.15.0"  # the TF 1.x API level these adapters follow
VERSION = __version__

newaxis = None


def assign(ref, value, validate_shape=None, use_locking=None, name=None):
    """tf.assign(ref, value): a node writing ``value`` into variable ``ref`` when run."""
    return ref.assign(value, name=name)


def assign_add(ref, value, use_locking=None, name=None):
    """tf.assign_add(ref, value)."""
    return ref.assign_add(value, name=name)


def assign_sub(ref, value, use_locking=None, name=None):
    """tf.assign_sub(ref, value)."""
    return ref.assign_sub(value, name=name)


compat = _pytypes.ModuleType("tf.compat", "tf.compat: ``tf.compat.v1`` is this module.")
compat.v1 = _sys.modules[__name__]
compat.__path__ = []

__getattr__ = module_getattr(__name__, "tf")

__all__ = sorted(n for n in list(globals()) if not n.startswith("_") and n not in ("annotations",))
