"""TF 1.x's top-level ops (``tf.matmul``, ``tf.reduce_mean``, ``tf.random_normal``, ...) over neuralab ops.

Each function converts its arguments (tf.Tensors and Variables give the
neuralab tensors they stand for, lists of tensors are packed), maps TF's
argument names (``axis``/``reduction_indices``, ``keepdims``/``keep_dims``,
``transpose_a``) and calls the neuralab op or composite: no math is written
here. :func:`neuralab.compat.v1._types.export` at the bottom wraps every
public function so that it returns tf.Tensors named as TF names them.
"""
from __future__ import annotations

import contextlib
import functools
import re
import sys

import numpy as np

from ... import ops as O
from ..._core import graph as _graph
from ..._core.autograd import gradients as _nl_gradients
from ..._core.tensor import Tensor
from ...functional import array as _farr
from ...nn import init as _init
from ...ops.state import group as _nl_group
from . import _base, _dtypes, _types
from ._base import as_graph_tensor, as_tensor, constant_node, generate_node, gstate
from ._types import Graph, get_default_graph  # noqa: F401  (tf.Graph, tf.get_default_graph)


def _t(x):
    return as_tensor(x)


def _unsupported(fn, what, instead):
    raise NotImplementedError(f"neuralab.compat.v1: {fn} {what} is not supported; {instead}")


def _static(x, what):
    """A value that must be known when the graph is built (an axis, a size): a number, list or constant tensor."""
    x = as_tensor(x)
    if isinstance(x, Tensor):
        if x.data is not None:
            return x.numpy()
        c = _const_value(x)
        if c is None:
            _unsupported(what, "given as a tensor computed at run time", "give a Python number or list")
        return c
    return x


def _const_value(t):
    """The value of a symbolic tensor that is a Const node (None otherwise)."""
    op = t._op
    return op.value if isinstance(op, _base.Const) else None


def _axis(axis, reduction_indices=None, dimension=None):
    if axis is None:
        axis = reduction_indices if reduction_indices is not None else dimension
    if axis is None:
        return None
    axis = _static(axis, "axis")
    if isinstance(axis, (list, tuple, np.ndarray)):
        axis = tuple(int(a) for a in np.asarray(axis).reshape(-1))
    else:
        axis = int(axis)
    return axis


def _keep(keepdims, keep_dims):
    return bool(keepdims if keepdims is not None else (keep_dims or False))


def _shape_arg(shape, what):
    """A shape argument: a tuple of ints when known at build time, else a 1-D int32 tensor (run-time shape)."""
    if isinstance(shape, _types.TensorShape):
        return _base.static_shape(shape, what)
    s = as_tensor(shape)
    if isinstance(s, Tensor):
        c = s.numpy() if s.data is not None else _const_value(s)
        if c is not None:
            return tuple(int(v) for v in np.asarray(c).reshape(-1))
        return s if s.dtype.kind in "iu" else O.cast(s, np.int32)
    return _base.static_shape(shape, what)


# ---------------------------------------------------------------------------------------
# graph management
# ---------------------------------------------------------------------------------------

def reset_default_graph():
    """tf.reset_default_graph: start a fresh default graph (variables, collections and all)."""
    _graph.reset_default_graph()


def name_scope(name, default_name=None, values=None):
    """tf.name_scope: prefixes the names of nodes created inside (``"layer1/MatMul"``)."""
    return _graph.get_default_graph().name_scope(name if name is not None else (default_name or ""))


def control_dependencies(control_inputs):
    """tf.control_dependencies: nodes created inside run only after ``control_inputs`` have run."""
    return get_default_graph().control_dependencies(control_inputs)


def set_random_seed(seed):
    """tf.set_random_seed: random ops created afterwards draw from (graph seed, op index) generators."""
    gstate().seed = None if seed is None else int(seed)


_device_notice = {"shown": False}
_DEVICE = re.compile(r"(?:^|/|device:)(gpu|cpu)(?::(\d+))?", re.IGNORECASE)


@contextlib.contextmanager
def device(device_name):
    """tf.device: ``"/gpu:N"`` places what is created inside on that GPU when CuPy sees one: variables'
    values, and the ops, so the graph runs there (:func:`neuralab.device`); ``"/cpu:0"`` on the host.

    Without a usable GPU the ops run on the CPU (TF's soft placement) and a
    one-time notice on stderr says why. A device function (TF's callable form)
    is accepted and places nothing.
    """
    from ... import backend

    m = _DEVICE.search(str(device_name or "")) if not callable(device_name) else None
    if m is None:
        yield
        return
    name = f"{m.group(1).lower()}:{m.group(2) or 0}"
    if name.startswith("gpu"):
        try:
            ctx = backend.device(name)
            ctx.__enter__()
        except backend.DeviceError as e:
            if not _device_notice["shown"]:
                _device_notice["shown"] = True
                print(f"neuralab.compat.v1: tf.device({str(device_name)!r}): {e}; placing ops on the CPU",
                      file=sys.stderr)
            yield
            return
        try:
            yield
        finally:
            ctx.__exit__(None, None, None)
        return
    with backend.device("cpu"):
        yield


class _Bag:
    """An attribute bag accepting any keyword arguments (ConfigProto, GPUOptions, RunOptions...)."""

    def __init__(self, **kwargs):
        self.__dict__.update(kwargs)

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        v = _Bag()
        self.__dict__[name] = v
        return v

    def __repr__(self):
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.__dict__.items())})"


class ConfigProto(_Bag):
    """tf.ConfigProto: accepted and ignored (any keyword)."""


class GPUOptions(_Bag):
    """tf.GPUOptions: accepted and ignored."""


class RunOptions(_Bag):
    """tf.RunOptions: accepted and ignored."""

    FULL_TRACE = 3
    NO_TRACE = 0


class RunMetadata(_Bag):
    """tf.RunMetadata: accepted and ignored."""


# ---------------------------------------------------------------------------------------
# placeholders, constants and random ops
# ---------------------------------------------------------------------------------------

def placeholder(dtype, shape=None, name=None):
    """tf.placeholder(dtype, shape, name): a graph input fed through ``feed_dict`` (shape None: any shape)."""
    if _types.MODE.eager:
        raise RuntimeError("tf.placeholder() is not compatible with eager execution.")
    return _graph.placeholder(_types.shape_tuple(shape), _dtypes.np_dtype(dtype), name or "Placeholder")


class _WithDefault(_base.Op):
    """tf.placeholder_with_default's node: its input, unless a value is fed; its static shape is ``shape``."""

    nin = 1
    register = False
    identity = True
    type = "PlaceholderWithDefault"

    def forward(self, xp, x):
        return (x,)

    def infer(self, x):
        return (_base.Spec(self.shape, x.dtype),)

    def backward(self, grads):
        return (grads[0],)


def placeholder_with_default(input, shape, name=None):  # noqa: A002 - TF's argument name
    """tf.placeholder_with_default: ``input`` unless a value is fed for the returned tensor (of shape ``shape``)."""
    x = as_graph_tensor(input)
    shp = _types.shape_tuple(shape)
    if shp is not None and x.shape is not None and not _types.TensorShape(shp).is_compatible_with(x.shape):
        raise ValueError(f"placeholder_with_default: the default of shape {_types.TensorShape(x.shape)} does not "
                         f"fit the shape {_types.TensorShape(shp)}")
    return _WithDefault.apply(x, shape=shp)


def constant(value, dtype=None, shape=None, name="Const", verify_shape=False):
    """tf.constant(value, dtype, shape): a Const node (a scalar fills ``shape``; a list is reshaped to it)."""
    d = _dtypes.np_dtype(dtype) or _dtypes.value_dtype(value)
    v = as_tensor(value)
    arr = np.asarray(v.numpy() if isinstance(v, Tensor) else v, dtype=d)
    if shape is not None:
        shp = _base.static_shape(shape)
        if arr.size == 1:
            arr = np.full(shp, arr.reshape(()), dtype=d)
        elif arr.size == int(np.prod(shp)):
            arr = arr.reshape(shp)
        else:
            raise TypeError(f"Expected Tensor's shape: {shp}, got {arr.shape}.")
    return constant_node(arr, d, name or "Const")


def convert_to_tensor(value, dtype=None, name=None, preferred_dtype=None, dtype_hint=None):
    """tf.convert_to_tensor: a tensor as is (checked against ``dtype``), anything else as a Const node."""
    x = as_tensor(value)
    if isinstance(x, Tensor) and (x.data is None or _types.MODE.eager):
        d = _dtypes.np_dtype(dtype)
        if d is not None and x.dtype != d:
            raise ValueError(f"Tensor conversion requested dtype {np.dtype(d).name} for Tensor with dtype "
                             f"{x.dtype.name}")
        return x
    d = _dtypes.np_dtype(dtype) or _dtypes.np_dtype(preferred_dtype or dtype_hint)
    return constant_node(x, d, name or "Const")


def _filled(shape, dtype, value, fn_name, name):
    shp = _shape_arg(shape, fn_name)
    d = _dtypes.np_dtype(dtype, np.float32)
    if isinstance(shp, Tensor):
        return O.full(shp, np.asarray(value, dtype=d), dtype=d)
    return constant_node(np.full(shp, value, d), d, name)


def zeros(shape, dtype=_dtypes.float32, name=None):
    """tf.zeros(shape, dtype): ``shape`` a list or a tensor known only at run time (``tf.shape(x)``)."""
    return _filled(shape, dtype, 0, "zeros", name or "zeros")


def ones(shape, dtype=_dtypes.float32, name=None):
    """tf.ones(shape, dtype)."""
    return _filled(shape, dtype, 1, "ones", name or "ones")


def fill(dims, value, name=None):
    """tf.fill(dims, value): ``value`` (a number or scalar tensor) repeated to the shape ``dims``."""
    v = as_tensor(value)
    if isinstance(v, Tensor) and v.data is None:
        shp = _shape_arg(dims, "fill")
        return O.full(shp if isinstance(shp, Tensor) else O.Tensor(np.asarray(shp, np.int32)), v, dtype=v.dtype)
    val = v.numpy() if isinstance(v, Tensor) else v
    return _filled(dims, _dtypes.value_dtype(val), val, "fill", name or "Fill")


def zeros_like(tensor, dtype=None, name=None, optimize=True):
    """tf.zeros_like."""
    return O.zeros_like(as_graph_tensor(tensor), _dtypes.np_dtype(dtype))


def ones_like(tensor, dtype=None, name=None, optimize=True):
    """tf.ones_like."""
    return O.ones_like(as_graph_tensor(tensor), _dtypes.np_dtype(dtype))


def _random(fn, shape, dtype, seed, name, dynamic):
    shp = _shape_arg(shape, name)
    if isinstance(shp, Tensor):
        g = _graph.get_default_graph()
        return dynamic(shp, _base.seeded_rng(seed, g))
    return generate_node(fn, shp, dtype, seed, name)


def random_normal(shape, mean=0.0, stddev=1.0, dtype=_dtypes.float32, seed=None, name=None):
    """tf.random_normal: N(mean, stddev^2) samples, drawn anew each time the node runs."""
    d = _dtypes.np_dtype(dtype, np.float32)
    return _random(functools.partial(_init.normal, mean=float(mean), std=float(stddev)), shape, d, seed,
                   name or "random_normal",
                   lambda s, rng: O.random_normal(s, float(mean), float(stddev), dtype=d, rng=rng))


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=_dtypes.float32, seed=None, name=None):
    """tf.truncated_normal: normal samples, those beyond two stddevs redrawn."""
    fn = functools.partial(_init.truncated_normal, mean=float(mean), std=float(stddev))
    return generate_node(fn, _base.static_shape(shape, "truncated_normal"), dtype, seed, name or "truncated_normal")


def _uniform_int(shape, low, high, dtype=None, rng=None):
    from ..._core.random import get_rng

    return get_rng(rng).integers(low, high, size=shape).astype(dtype)


def random_uniform(shape, minval=0, maxval=None, dtype=_dtypes.float32, seed=None, name=None):
    """tf.random_uniform: U[minval, maxval) samples (integers when dtype is an integer type)."""
    d = _dtypes.np_dtype(dtype, np.float32)
    if d.kind in "iu":
        if maxval is None:
            raise ValueError(f"Must specify maxval for integer dtype {d.name}")
        fn = functools.partial(_uniform_int, low=int(minval), high=int(maxval))
        return generate_node(fn, _base.static_shape(shape, "random_uniform"), d, seed, name or "random_uniform")
    lo, hi = float(minval), 1.0 if maxval is None else float(maxval)
    return _random(functools.partial(_init.uniform, low=lo, high=hi), shape, d, seed, name or "random_uniform",
                   lambda s, rng: O.random_uniform(s, lo, hi, dtype=d, rng=rng))


def range_(start, limit=None, delta=1, dtype=None, name="range"):
    """tf.range(start, limit, delta) (``tf.range(n)`` counts 0..n-1); bounds known only at run time (``tf.shape(x)[0]``)
    give a graph node of shape ``(?,)``."""
    if limit is None:
        start, limit = 0, start
    bounds = [as_tensor(v) for v in (start, limit, delta)]
    if any(isinstance(v, Tensor) and v.data is None and _const_value(v) is None for v in bounds):
        return O.arange(*(as_graph_tensor(v) for v in bounds), dtype=_dtypes.np_dtype(dtype))  # run-time bounds
    start, limit, delta = (_static(v, "range") for v in (start, limit, delta))
    d = _dtypes.np_dtype(dtype) or _dtypes.value_dtype(np.asarray([start, limit, delta]))
    return constant_node(np.arange(start, limit, delta, dtype=d), d, name)


def linspace(start, stop, num, name=None):
    """tf.linspace."""
    return constant_node(np.linspace(float(_static(start, "linspace")), float(_static(stop, "linspace")),
                                     int(_static(num, "linspace")), dtype=np.float32), None, name or "LinSpace")


# ---------------------------------------------------------------------------------------
# math
# ---------------------------------------------------------------------------------------

def _swap_last(x):
    nd = len(x.shape)
    return O.transpose(x, tuple(range(nd - 2)) + (nd - 1, nd - 2))


def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False, a_is_sparse=False,
           b_is_sparse=False, name=None):
    """tf.matmul(a, b, transpose_a, transpose_b)."""
    a, b = _t(a), _t(b)
    if transpose_a or adjoint_a:
        a = _swap_last(a)
    if transpose_b or adjoint_b:
        b = _swap_last(b)
    return O.matmul(a, b)


def _binary(fn):
    def f(x, y, name=None):
        return fn(_t(x), _t(y))
    return f


def _unary(fn):
    def f(x, name=None):
        return fn(_t(x))
    return f


add = _binary(O.add)
add.__doc__ = "tf.add: x + y."
subtract = _binary(O.subtract)
subtract.__doc__ = "tf.subtract: x - y."
multiply = _binary(O.multiply)
multiply.__doc__ = "tf.multiply: x * y (elementwise)."
maximum = _binary(O.maximum)
maximum.__doc__ = "tf.maximum: elementwise max."
minimum = _binary(O.minimum)
minimum.__doc__ = "tf.minimum: elementwise min."
pow = _binary(O.power)  # noqa: A001
pow.__doc__ = "tf.pow: x ** y."
equal = _binary(O.equal)
equal.__doc__ = "tf.equal: x == y (bool)."
not_equal = _binary(O.not_equal)
not_equal.__doc__ = "tf.not_equal: x != y (bool)."
less = _binary(O.less)
less.__doc__ = "tf.less: x < y."
less_equal = _binary(O.less_equal)
less_equal.__doc__ = "tf.less_equal: x <= y."
greater = _binary(O.greater)
greater.__doc__ = "tf.greater: x > y."
greater_equal = _binary(O.greater_equal)
greater_equal.__doc__ = "tf.greater_equal: x >= y."
logical_and = _binary(O.logical_and)
logical_and.__doc__ = "tf.logical_and."
logical_or = _binary(O.logical_or)
logical_or.__doc__ = "tf.logical_or."
logical_not = _unary(O.logical_not)
logical_not.__doc__ = "tf.logical_not."
square = _unary(O.square)
square.__doc__ = "tf.square: x * x."
sqrt = _unary(O.sqrt)
sqrt.__doc__ = "tf.sqrt."
exp = _unary(O.exp)
exp.__doc__ = "tf.exp."
log = _unary(O.log)
log.__doc__ = "tf.log: natural logarithm."
abs = _unary(O.abs)  # noqa: A001
abs.__doc__ = "tf.abs."
negative = _unary(O.negative)
negative.__doc__ = "tf.negative: -x."
sign = _unary(O.sign)
sign.__doc__ = "tf.sign."
sigmoid = _unary(O.sigmoid)
sigmoid.__doc__ = "tf.sigmoid: 1 / (1 + exp(-x))."
tanh = _unary(O.tanh)
tanh.__doc__ = "tf.tanh."


def divide(x, y, name=None):
    """tf.divide / tf.truediv: x / y (integers are divided as floats, like Python 3)."""
    x, y = _t(x), _t(y)
    return O.divide(x, y)


truediv = divide


def div(x, y, name=None):
    """tf.div: x / y, rounded toward minus infinity for integers (TF 1.x's Python-2 style division)."""
    x, y = _t(x), _t(y)
    kinds = {getattr(v, "dtype", np.asarray(v).dtype).kind for v in (x, y)}
    if kinds <= set("iu"):
        return O.floor_divide(x, y)
    return O.divide(x, y)


def floordiv(x, y, name=None):
    """tf.floordiv: floor(x / y)."""
    return O.floor_divide(_t(x), _t(y))


def floormod(x, y, name=None):
    """tf.floormod / tf.mod: x - floor(x / y) * y (the sign of y, like Python's %)."""
    return O.mod(_t(x), _t(y))


mod = floormod


def logical_xor(x, y, name="LogicalXor"):
    """tf.logical_xor."""
    return O.logical_xor(_t(x), _t(y))


def floor(x, name=None):
    """tf.floor."""
    return O.floor(_t(x))


def ceil(x, name=None):
    """tf.ceil."""
    return O.ceil(_t(x))


def round(x, name=None):  # noqa: A001
    """tf.round: to the nearest integer, halves to even (banker's rounding, as TF)."""
    return O.round(_t(x))


def sin(x, name=None):
    """tf.sin."""
    return O.sin(_t(x))


def cos(x, name=None):
    """tf.cos."""
    return O.cos(_t(x))


def is_nan(x, name=None):
    """tf.is_nan."""
    return O.isnan(_t(x))


def is_finite(x, name=None):
    """tf.is_finite."""
    return O.isfinite(_t(x))


def is_inf(x, name=None):
    """tf.is_inf."""
    return O.isinf(_t(x))


def rsqrt(x, name=None):
    """tf.rsqrt: 1 / sqrt(x)."""
    return O.divide(1.0, O.sqrt(_t(x)))


def reciprocal(x, name=None):
    """tf.reciprocal: 1 / x."""
    return O.divide(1.0, _t(x))


def log1p(x, name=None):
    """tf.log1p: log(1 + x)."""
    return O.log(O.add(1.0, _t(x)))


def squared_difference(x, y, name=None):
    """tf.squared_difference: (x - y)^2."""
    return O.square(O.subtract(_t(x), _t(y)))


def add_n(inputs, name=None):
    """tf.add_n: the sum of a list of tensors."""
    inputs = [_t(x) for x in inputs]
    if not inputs:
        raise ValueError("inputs must be a list of at least one Tensor with the same dtype and shape")
    out = inputs[0]
    for x in inputs[1:]:
        out = O.add(out, x)
    return out if len(inputs) > 1 else O.cast(out, out.dtype)


def _reduce(fn, doc):
    def f(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None):
        return fn(_t(input_tensor), axis=_axis(axis, reduction_indices), keepdims=_keep(keepdims, keep_dims))
    f.__doc__ = doc
    return f


reduce_sum = _reduce(O.sum, "tf.reduce_sum(input, axis | reduction_indices, keepdims | keep_dims).")


def reduce_mean(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None):
    """tf.reduce_mean(input, axis | reduction_indices, keepdims | keep_dims).

    Integer tensors keep their dtype, as in TF: the mean is truncated toward zero (``tf.reduce_mean([1, 2])``
    is 1), computed without overflow (in float64, exact for sums below 2**53).
    """
    x = _t(input_tensor)
    ax, keep = _axis(axis, reduction_indices), _keep(keepdims, keep_dims)
    if not isinstance(x, Tensor):
        x = as_graph_tensor(x)
    if x.dtype.kind in "iu":
        return O.cast(O.mean(O.cast(x, np.float64), axis=ax, keepdims=keep), x.dtype)
    return O.mean(x, axis=ax, keepdims=keep)

reduce_max = _reduce(O.max, "tf.reduce_max(input, axis | reduction_indices, keepdims | keep_dims).")
reduce_min = _reduce(O.min, "tf.reduce_min(input, axis | reduction_indices, keepdims | keep_dims).")
reduce_logsumexp = _reduce(O.logsumexp, "tf.reduce_logsumexp.")


def reduce_prod(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None):
    """tf.reduce_prod: the product over ``axis`` (all axes by default)."""
    return O.prod(_t(input_tensor), axis=_axis(axis, reduction_indices), keepdims=_keep(keepdims, keep_dims))


def reduce_any(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None):
    """tf.reduce_any: logical or over ``axis``."""
    return O.any(_t(input_tensor), axis=_axis(axis, reduction_indices), keepdims=_keep(keepdims, keep_dims))


def reduce_all(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None):
    """tf.reduce_all: logical and over ``axis``."""
    return O.all(_t(input_tensor), axis=_axis(axis, reduction_indices), keepdims=_keep(keepdims, keep_dims))


def count_nonzero(input_tensor, axis=None, keepdims=None, dtype=_dtypes.int64, name=None, reduction_indices=None,
                  keep_dims=None):
    """tf.count_nonzero: the number of non-zero entries over ``axis``."""
    x = _t(input_tensor)
    nz = O.cast(O.not_equal(x, np.zeros((), dtype=x.dtype if isinstance(x, Tensor) else None)),
                _dtypes.np_dtype(dtype, np.int64))
    return O.sum(nz, axis=_axis(axis, reduction_indices), keepdims=_keep(keepdims, keep_dims))


def _arg(fn, doc):
    def f(input, axis=None, name=None, dimension=None, output_type=_dtypes.int64):  # noqa: A002
        ax = _axis(axis, dimension=dimension)
        out = fn(_t(input), axis=0 if ax is None else ax)
        d = _dtypes.np_dtype(output_type)
        return out if out.dtype == d else O.cast(out, d)
    f.__doc__ = doc
    return f


argmax = _arg(O.argmax, "tf.argmax(input, axis | dimension): index of the largest entry (axis 0 by default).")
argmin = _arg(O.argmin, "tf.argmin(input, axis | dimension): index of the smallest entry.")


def arg_max(input, dimension, output_type=_dtypes.int64, name=None):  # noqa: A002
    """tf.arg_max (TF 1.x's older name of tf.argmax)."""
    return argmax(input, axis=dimension, output_type=output_type)


def arg_min(input, dimension, output_type=_dtypes.int64, name=None):  # noqa: A002
    """tf.arg_min (TF 1.x's older name of tf.argmin)."""
    return argmin(input, axis=dimension, output_type=output_type)


def cumsum(x, axis=0, exclusive=False, reverse=False, name=None):
    """tf.cumsum(x, axis, exclusive, reverse) (keeps x's dtype, as TF does)."""
    x = as_graph_tensor(x)
    out = O.cumsum(x, axis=int(_static(axis, "cumsum axis")), exclusive=bool(exclusive), reverse=bool(reverse))
    return out if out.dtype == x.dtype else O.cast(out, x.dtype)


def cast(x, dtype, name=None):
    """tf.cast(x, dtype)."""
    x = _t(x)
    d = _dtypes.np_dtype(dtype)
    return x if (isinstance(x, Tensor) and x.dtype == d) else O.cast(x, d)


def to_float(x, name="ToFloat"):
    """tf.to_float: cast to float32."""
    return O.cast(_t(x), np.float32)


def to_double(x, name="ToDouble"):
    """tf.to_double: cast to float64."""
    return O.cast(_t(x), np.float64)


def to_int32(x, name="ToInt32"):
    """tf.to_int32."""
    return O.cast(_t(x), np.int32)


def to_int64(x, name="ToInt64"):
    """tf.to_int64."""
    return O.cast(_t(x), np.int64)


def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    """tf.clip_by_value."""
    return _farr.clip(_t(t), _t(clip_value_min), _t(clip_value_max))


def clip_by_norm(t, clip_norm, axes=None, name=None):
    """tf.clip_by_norm: t * clip_norm / max(||t||_2, clip_norm) (over ``axes``, all by default)."""
    x = _t(t)
    ax = _axis(axes)
    norm = O.sqrt(O.sum(O.square(x), axis=ax, keepdims=True))
    cn = _t(clip_norm)
    return O.divide(O.multiply(x, cn), O.maximum(norm, cn))


def global_norm(t_list, name=None):
    """tf.global_norm: sqrt of the sum of every tensor's squared L2 norm (None entries skipped)."""
    terms = [O.sum(O.square(_t(t))) for t in t_list if t is not None]
    if not terms:
        raise ValueError("global_norm: no tensors")
    total = terms[0]
    for x in terms[1:]:
        total = O.add(total, x)
    return O.sqrt(total)


def clip_by_global_norm(t_list, clip_norm, use_norm=None, name=None):
    """tf.clip_by_global_norm: (the tensors scaled by clip_norm / max(global_norm, clip_norm), global_norm)."""
    t_list = list(t_list)
    gn = _t(use_norm) if use_norm is not None else _t(global_norm(t_list))
    cn = _t(clip_norm)
    scale = O.divide(cn, O.maximum(gn, cn))
    return [None if t is None else O.multiply(_t(t), scale) for t in t_list], gn


def stop_gradient(input, name=None):  # noqa: A002
    """tf.stop_gradient: the value, with no gradient flowing back through it."""
    return O.stop_gradient(_t(input))


def identity(input, name=None):  # noqa: A002
    """tf.identity: a copy of the value (gradients pass through)."""
    x = _t(input)
    x = as_graph_tensor(x)
    return O.cast(x, x.dtype)


def where(condition, x=None, y=None, name=None):
    """tf.where(condition, x, y): elementwise select; ``tf.where(condition)``: the coordinates of true entries."""
    if x is None and y is None:
        c = _t(condition)
        return _Where.apply(as_graph_tensor(c))
    if x is None or y is None:
        raise ValueError("x and y must both be non-None or both be None.")
    return O.where(_t(condition), _t(x), _t(y))


class _Where(_base.Op):
    """tf.where(condition)'s node: an (n, rank) int64 array of the coordinates where condition is true."""

    nin = 1
    register = False
    differentiable = False
    type = "Where"

    def forward(self, xp, c):
        return (xp.argwhere(c).astype(np.int64),)

    def infer(self, c):
        return (_base.Spec((None, None if c.shape is None else len(c.shape)), np.dtype(np.int64)),)

    def backward(self, grads):
        return (None,)


# ---------------------------------------------------------------------------------------
# shapes
# ---------------------------------------------------------------------------------------

def reshape(tensor, shape, name=None):
    """tf.reshape (one entry of ``shape`` may be -1; ``shape`` may be a tensor known only at run time)."""
    return O.reshape(_t(tensor), _shape_arg(shape, "reshape"))


def transpose(a, perm=None, name="transpose", conjugate=False):
    """tf.transpose(a, perm)."""
    return O.transpose(_t(a), None if perm is None else tuple(int(p) for p in _static(perm, "transpose perm")))


def expand_dims(input, axis=None, name=None, dim=None):  # noqa: A002
    """tf.expand_dims(input, axis | dim)."""
    return O.expand_dims(_t(input), int(_static(axis if axis is not None else dim, "expand_dims axis")))


def squeeze(input, axis=None, name=None, squeeze_dims=None):  # noqa: A002
    """tf.squeeze(input, axis | squeeze_dims)."""
    ax = _axis(axis if axis is not None else squeeze_dims)
    return O.squeeze(_t(input), ax)


def concat(values, axis, name="concat"):
    """tf.concat(values, axis)."""
    return O.concatenate([as_graph_tensor(v) for v in values], axis=int(_static(axis, "concat axis")))


def stack(values, axis=0, name="stack"):
    """tf.stack(values, axis): join along a new axis."""
    return _farr.stack([as_graph_tensor(v) for v in values], axis=int(axis))


pack = stack


def unstack(value, num=None, axis=0, name="unstack"):
    """tf.unstack: the slices along ``axis`` as a list."""
    x = _t(value)
    if x.shape is None:
        raise ValueError("Cannot infer num from shape <unknown>")
    n = x.shape[axis] if num is None else num
    if n is None:
        raise ValueError(f"Cannot infer num from shape {_types.TensorShape(x.shape)}")
    idx = (_pyslice(None),) * (axis % len(x.shape))
    return [x[idx + (i,)] for i in range(n)]


unpack = unstack


def split(value, num_or_size_splits, axis=0, num=None, name="split"):
    """tf.split(value, num_or_size_splits, axis): equal parts, or parts of the given sizes (one may be -1)."""
    x = _t(value)
    ax = int(_static(axis, "split axis"))
    if isinstance(num_or_size_splits, (int, np.integer)):
        return O.split(x, int(num_or_size_splits), axis=ax)
    sizes = [int(s) for s in np.asarray(_static(num_or_size_splits, "split sizes")).reshape(-1)]
    if -1 in sizes:
        n = x.shape[ax] if x.shape is not None else None
        if n is None:
            raise ValueError("split: a size of -1 needs the size of the split axis at build time")
        sizes[sizes.index(-1)] = n - (sum(sizes) + 1)
    return O.split(x, list(np.cumsum(sizes)[:-1]), axis=ax)


def gather(params, indices, validate_indices=None, name=None, axis=None, batch_dims=0):
    """tf.gather(params, indices, axis=0): the slices ``params[..., indices, ...]`` along ``axis``.

    The result's shape is ``params.shape[:axis] + indices.shape + params.shape[axis + 1:]``. It is neuralab's
    gather (:func:`neuralab.take`, the op under ``tf.nn.embedding_lookup``) on ``params`` with ``axis`` moved
    first, so the gradient is a scatter-add and an index out of range raises an error naming it.
    """
    from ...ops import indexing as _indexing
    from .nn import _ids

    if batch_dims:
        _unsupported("tf.gather", f"with batch_dims={batch_dims}", "use batch_dims=0, or tf.gather_nd with "
                     "index tuples that start with the batch index")
    x = as_graph_tensor(params)
    idx = _ids(indices, "tf.gather indices")
    ax = 0 if axis is None else int(_static(axis, "tf.gather axis"))
    if ax == 0:
        return _indexing.take(x, idx)
    if x.shape is None:
        _unsupported("tf.gather", f"with axis={ax} on params of unknown rank", "give params a static rank")
    nd = len(x.shape)
    if not -nd <= ax < nd:
        raise ValueError(f"tf.gather: axis {ax} is out of range for params of rank {nd}")
    ax %= nd
    moved = O.transpose(x, (ax,) + tuple(i for i in range(nd) if i != ax))
    y = _indexing.take(moved, idx)
    k = len(y.shape) - (nd - 1)  # the number of index dimensions
    return O.transpose(y, tuple(range(k, k + ax)) + tuple(range(k)) + tuple(range(k + ax, len(y.shape))))


def tile(input, multiples, name=None):  # noqa: A002
    """tf.tile(input, multiples)."""
    return O.tile(_t(input), tuple(int(m) for m in np.asarray(_static(multiples, "tile multiples")).reshape(-1)))


def reverse(tensor, axis, name=None):
    """tf.reverse(tensor, axis)."""
    return O.reverse(_t(tensor), tuple(int(a) for a in np.asarray(_static(axis, "reverse axis")).reshape(-1)))


def slice(input_, begin, size, name=None):  # noqa: A001 - TF's public name
    """tf.slice(input, begin, size): size -1 takes the rest of the axis."""
    b = [int(v) for v in np.asarray(_static(begin, "slice begin")).reshape(-1)]
    s = [int(v) for v in np.asarray(_static(size, "slice size")).reshape(-1)]
    return _t(input_)[tuple(_pyslice(bb, None if ss == -1 else bb + ss) for bb, ss in zip(b, s))]


_pyslice = type(np.s_[0:1])


def _slice_tensor(x, key):
    """``tensor[key]`` with TF's rules: ints, slices with steps, Ellipsis, ``tf.newaxis`` (None)."""
    key = key if isinstance(key, tuple) else (key,)
    idx = []
    for k in key:
        if isinstance(k, _pyslice):
            idx.append(_pyslice(*(None if v is None else int(_static(v, "a slice bound")) for v in
                                  (k.start, k.stop, k.step))))
        elif k is None or k is Ellipsis:
            idx.append(k)
        elif isinstance(k, (bool, np.bool_)):
            raise TypeError("Only integers, slices (`:`), ellipsis (`...`), tf.newaxis (`None`) and scalar tf.int32/"
                            "tf.int64 tensors are valid indices")
        else:
            v = as_tensor(k)
            if isinstance(v, Tensor) and v.data is None and _const_value(v) is None:
                _unsupported("tensor[...]", "with an index computed at run time", "use tf.gather or a Python int")
            idx.append(int(_static(v, "an index")))
    return _types.wrap(as_tensor(x)[tuple(idx)])


def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None, name=None):
    """tf.one_hot(indices, depth, on_value=1, off_value=0, dtype=float32)."""
    d = _dtypes.np_dtype(dtype, np.float32)
    idx = _t(indices)
    if axis not in (None, -1):
        _unsupported("tf.one_hot", f"with axis={axis}", "use axis=-1 and tf.transpose")
    depth = int(_static(depth, "one_hot depth"))
    if on_value is None and off_value is None:
        return O.one_hot(idx, depth, dtype=d)
    mask = O.one_hot(idx, depth, dtype=np.bool_)
    on = np.asarray(1 if on_value is None else _static(on_value, "on_value"), dtype=d)
    off = np.asarray(0 if off_value is None else _static(off_value, "off_value"), dtype=d)
    return O.where(mask, O.Tensor(on), O.Tensor(off))


def pad(tensor, paddings, mode="CONSTANT", name=None, constant_values=0):
    """tf.pad (constant mode)."""
    if str(mode).upper() != "CONSTANT":
        _unsupported("tf.pad", f"mode {mode!r}", "use mode='CONSTANT'")
    pw = [tuple(int(v) for v in p) for p in np.asarray(_static(paddings, "paddings")).tolist()]
    return O.pad(_t(tensor), pw, constant_values=constant_values)


def shape(input, name=None, out_type=_dtypes.int32):  # noqa: A002
    """tf.shape: the shape as a tensor (a constant when fully known, else computed at run time)."""
    x = _t(input)
    d = _dtypes.np_dtype(out_type)
    if x.shape is not None and all(s is not None for s in x.shape):
        return constant_node(np.asarray(x.shape, dtype=d), d, name or "Shape")
    return O.shape_of(x, dtype=d)


def size(input, name=None, out_type=_dtypes.int32):  # noqa: A002
    """tf.size: the number of elements (computed at run time when a size is unknown)."""
    x = _t(input)
    d = _dtypes.np_dtype(out_type)
    if x.shape is None or any(s is None for s in x.shape):
        return O.prod(O.shape_of(x, dtype=d))
    return constant_node(np.asarray(int(np.prod(x.shape)), dtype=d), d, name or "Size")


def rank(input, name=None):  # noqa: A002
    """tf.rank: the number of dimensions."""
    x = _t(input)
    if x.shape is None:
        return O.shape_of(O.shape_of(x))[0]
    return constant_node(np.int32(len(x.shape)), np.int32, name or "Rank")


# ---------------------------------------------------------------------------------------
# gradients and grouping
# ---------------------------------------------------------------------------------------

def gradients(ys, xs, grad_ys=None, name="gradients", colocate_gradients_with_ops=False,
              gate_gradients=False, aggregation_method=None, stop_gradients=None):
    """tf.gradients(ys, xs, grad_ys): symbolic d(sum ys)/dx for each x (None where x does not matter)."""
    ys_l = [_t(y) for y in (ys if isinstance(ys, (list, tuple)) else [ys])]
    xs_l = list(xs) if isinstance(xs, (list, tuple)) else [xs]
    targets = [_t(x) for x in xs_l]
    gys = None if grad_ys is None else [_t(g) for g in (grad_ys if isinstance(grad_ys, (list, tuple))
                                                          else [grad_ys])]
    if stop_gradients is not None:
        _unsupported("tf.gradients", "with stop_gradients=", "wrap those tensors in tf.stop_gradient")
    g = _graph.get_default_graph()
    with g.name_scope(name or "gradients"):
        return list(_nl_gradients(ys_l, targets, grad_ys=gys))


def group(*inputs, name=None):
    """tf.group: one node that, when run, runs all of ``inputs`` (the notes' dummy node)."""
    flat = []
    for x in inputs:
        flat.extend(x if isinstance(x, (list, tuple)) else [x])
    return _nl_group(*[_types.unwrap_op_or_tensor(x) for x in flat], name=name)


def no_op(name=None):
    """tf.no_op: a node that does nothing."""
    return _nl_group(name=name or "NoOp")


def tuple_(tensors, name=None, control_inputs=None):
    """tf.tuple: the tensors, each made to wait for all of them (identity copies)."""
    ts = [_t(t) for t in tensors]
    deps = ts + [_types.unwrap_op_or_tensor(c) for c in (control_inputs or [])]
    with _graph.get_default_graph().control_dependencies([t for t in deps if not isinstance(t, Tensor)
                                                          or t.data is None]):
        return [O.cast(t, t.dtype) for t in ts]


_NAMES = {
    "add": "Add", "subtract": "Sub", "multiply": "Mul", "divide": "truediv", "truediv": "truediv", "div": "div",
    "floordiv": "floordiv", "floormod": "FloorMod", "mod": "FloorMod", "identity": "Identity",
    "placeholder_with_default": "PlaceholderWithDefault", "square": "Square", "rsqrt": "Rsqrt",
    "reciprocal": "Reciprocal", "log1p": "Log1p", "squared_difference": "SquaredDifference", "add_n": "AddN",
    "gather": "GatherV2", "reduce_mean": "Mean", "reduce_prod": "Prod", "reduce_any": "Any", "reduce_all": "All",
    "count_nonzero": "count_nonzero",
    "clip_by_value": "clip_by_value", "clip_by_norm": "clip_by_norm", "global_norm": "global_norm",
    "transpose": "transpose", "concat": "concat", "stack": "stack", "pack": "stack", "one_hot": "one_hot",
    "zeros_like": "zeros_like", "ones_like": "ones_like", "to_float": "ToFloat", "to_double": "ToDouble",
    "to_int32": "ToInt32", "to_int64": "ToInt64", "slice": "Slice", "tile": "Tile", "reverse": "ReverseV2",
    "round": "Round", "is_nan": "IsNan", "is_finite": "IsFinite", "is_inf": "IsInf", "cumsum": "Cumsum",
    "pad": "Pad", "shape": "Shape", "where": "Select", "convert_to_tensor": None, "range_": "range",
}

__all__ = [
    "ConfigProto", "GPUOptions", "Graph", "RunMetadata", "RunOptions", "abs", "add", "add_n", "arg_max", "arg_min",
    "argmax", "argmin", "cast", "ceil", "clip_by_global_norm", "clip_by_norm", "clip_by_value", "concat", "constant",
    "control_dependencies", "convert_to_tensor", "cos", "count_nonzero", "cumsum", "device", "div", "divide",
    "equal", "exp", "expand_dims", "fill", "floor", "floordiv", "floormod", "gather", "get_default_graph",
    "global_norm",
    "gradients", "greater", "greater_equal", "group", "identity", "is_finite", "is_inf", "is_nan", "less",
    "less_equal", "linspace", "log", "log1p", "logical_and", "logical_not", "logical_or", "logical_xor", "matmul",
    "maximum", "minimum", "mod", "multiply", "name_scope", "negative", "no_op", "not_equal", "one_hot", "ones",
    "ones_like", "pack", "pad", "placeholder", "placeholder_with_default", "pow", "random_normal", "random_uniform",
    "range_", "rank", "reciprocal", "reduce_all", "reduce_any", "reduce_logsumexp", "reduce_max", "reduce_mean",
    "reduce_min", "reduce_prod", "reduce_sum", "reset_default_graph", "reshape", "reverse", "round", "rsqrt",
    "set_random_seed", "shape", "sigmoid", "sign", "sin", "size", "slice", "split", "sqrt", "square",
    "squared_difference", "squeeze", "stack", "stop_gradient", "subtract", "tanh", "tile", "to_double", "to_float",
    "to_int32", "to_int64", "transpose", "truediv", "truncated_normal", "tuple_", "unpack", "unstack", "where",
    "zeros", "zeros_like",
]

for _n in ("add", "subtract", "multiply", "maximum", "minimum", "pow", "equal", "not_equal", "less", "less_equal",
           "greater", "greater_equal", "logical_and", "logical_or", "logical_not", "square", "sqrt", "exp", "log",
           "abs", "negative", "sign", "sigmoid", "tanh"):
    globals()[_n].__module__ = __name__
    globals()[_n].__name__ = globals()[_n].__qualname__ = _n

_types.export(globals(), default_names=_NAMES)
