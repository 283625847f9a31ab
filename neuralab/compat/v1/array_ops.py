"""TF 1.x's top-level ops (``tf.matmul``, ``tf.reduce_mean``, ``tf.random_normal``, ...) over neuralab ops.

Each function converts its arguments (Variables become their read nodes),
maps TF's argument names (``axis``/``reduction_indices``, ``keepdims``/
``keep_dims``, ``transpose_a``) and calls the neuralab op or composite: no
math is written here.
"""
from __future__ import annotations

import contextlib
import functools
import sys

import numpy as np

from ... import ops as O
from ..._core import graph as _graph
from ..._core.autograd import gradients as _nl_gradients
from ..._core.op import Op, Spec
from ..._core.tensor import Tensor
from ...functional import array as _farr
from ...nn import init as _init
from ...ops.state import group as _nl_group
from . import _base, _dtypes
from ._base import as_graph_tensor, as_tensor, constant_node, generate_node, gstate



def _t(x):
    return as_tensor(x)


def _axis(axis, reduction_indices=None, dimension=None):
    if axis is None:
        axis = reduction_indices if reduction_indices is not None else dimension
    if isinstance(axis, Tensor):
        axis = axis.numpy() if axis.data is not None else _static_error("axis")
    if isinstance(axis, (list, tuple, np.ndarray)):
        axis = tuple(int(a) for a in np.asarray(axis).reshape(-1))
    return axis


def _keep(keepdims, keep_dims):
    return bool(keepdims if keepdims is not None else (keep_dims or False))


def _static_error(what):
    raise NotImplementedError(f"neuralab.compat.v1: a run-time tensor as `{what}` is not supported; give a constant")


# ---------------------------------------------------------------------------------------
# graph management
# ---------------------------------------------------------------------------------------

Graph = _graph.Graph


def get_default_graph():
    """tf.get_default_graph: the graph new nodes are added to."""
    return _graph.get_default_graph()


def reset_default_graph():
    """tf.reset_default_graph: start a fresh default graph (variables, collections and all)."""
    _graph.reset_default_graph()


def name_scope(name, default_name=None, values=None):
    """tf.name_scope: prefixes the names of nodes created inside (``"layer1/MatMul"``)."""
    return _graph.get_default_graph().name_scope(name if name is not None else (default_name or ""))


def control_dependencies(control_inputs):
    """tf.control_dependencies: nodes created inside run only after ``control_inputs`` have run."""
    if control_inputs is None:  # TF: clear the enclosing control dependencies
        return _base.no_control_dependencies()
    return _graph.get_default_graph().control_dependencies([_t(c) for c in control_inputs])


def set_random_seed(seed):
    """tf.set_random_seed: random ops created afterwards draw from (graph seed, op index) generators."""
    gstate().seed = None if seed is None else int(seed)


_device_notice = {"shown": False}


def _has_gpu() -> bool:
    """Whether CuPy is installed (checked without importing it, which would switch neuralab's dispatch)."""
    import importlib.util  # noqa: PLC0415

    return importlib.util.find_spec("cupy") is not None


@contextlib.contextmanager
def device(device_name):
    """tf.device: accepted; the adapter runs every op on the CPU (TF's soft placement).

    Asking for a GPU prints a one-time notice to stderr.
    """
    name = str(device_name or "").lower()
    if "gpu" in name and not _device_notice["shown"]:
        _device_notice["shown"] = True
        why = "no GPU" if not _has_gpu() else "GPU placement is not supported by the TF1 adapter"
        print(f"neuralab.compat.v1: {why}, placing ops on the CPU", file=sys.stderr)
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
    """tf.placeholder(dtype, shape, name): a graph input fed through ``feed_dict``."""
    return _graph.placeholder(shape, _dtypes.np_dtype(dtype), name)


def placeholder_with_default(input, shape, name=None):  # noqa: A002 - TF's argument name
    """tf.placeholder_with_default: ``input`` unless a value is fed for the returned tensor."""
    return identity(as_graph_tensor(input), name=name or "PlaceholderWithDefault")


def constant(value, dtype=None, shape=None, name="Const", verify_shape=False):
    """tf.constant(value, dtype, shape): a Const node (a scalar fills ``shape``; a list is reshaped to it)."""
    d = _dtypes.np_dtype(dtype) or _dtypes.value_dtype(value)
    arr = np.asarray(value.numpy() if isinstance(value, Tensor) else value, dtype=d)
    if shape is not None:
        shp = _base.static_shape(shape)
        if arr.size == 1:
            arr = np.full(shp, arr.reshape(()), dtype=d)
        elif arr.size == int(np.prod(shp)):
            arr = arr.reshape(shp)
        else:
            raise TypeError(f"Expected Tensor's shape: {shp}, got {arr.shape}.")
    return constant_node(arr, d, name or "Const")


def zeros(shape, dtype=_dtypes.float32, name=None):
    """tf.zeros(shape, dtype)."""
    d = _dtypes.np_dtype(dtype, np.float32)
    return constant_node(np.zeros(_base.static_shape(shape), d), d, name or "zeros")


def ones(shape, dtype=_dtypes.float32, name=None):
    """tf.ones(shape, dtype)."""
    d = _dtypes.np_dtype(dtype, np.float32)
    return constant_node(np.ones(_base.static_shape(shape), d), d, name or "ones")


def fill(dims, value, name=None):
    """tf.fill(dims, value)."""
    d = _dtypes.value_dtype(value)
    return constant_node(np.full(_base.static_shape(dims), value, d), d, name or "Fill")


def zeros_like(tensor, dtype=None, name=None, optimize=True):
    """tf.zeros_like."""
    return O.zeros_like(as_graph_tensor(tensor), _dtypes.np_dtype(dtype))


def ones_like(tensor, dtype=None, name=None, optimize=True):
    """tf.ones_like."""
    return O.ones_like(as_graph_tensor(tensor), _dtypes.np_dtype(dtype))


def random_normal(shape, mean=0.0, stddev=1.0, dtype=_dtypes.float32, seed=None, name=None):
    """tf.random_normal: N(mean, stddev^2) samples, drawn anew each time the node runs."""
    fn = functools.partial(_init.normal, mean=mean, std=stddev)
    return generate_node(fn, shape, dtype, seed, name or "random_normal")


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=_dtypes.float32, seed=None, name=None):
    """tf.truncated_normal: normal samples, those beyond two stddevs redrawn."""
    fn = functools.partial(_init.truncated_normal, mean=mean, std=stddev)
    return generate_node(fn, shape, dtype, seed, name or "truncated_normal")


def _uniform_int(shape, low, high, dtype=None, rng=None):
    from ..._core.random import get_rng

    return get_rng(rng).integers(low, high, size=shape).astype(dtype)


def random_uniform(shape, minval=0, maxval=None, dtype=_dtypes.float32, seed=None, name=None):
    """tf.random_uniform: U[minval, maxval) samples (integers when dtype is an integer type)."""
    d = _dtypes.np_dtype(dtype, np.float32)
    if d.kind in "iu":
        if maxval is None:
            raise ValueError("Must specify maxval for integer dtype int32")
        fn = functools.partial(_uniform_int, low=int(minval), high=int(maxval))
    else:
        fn = functools.partial(_init.uniform, low=float(minval), high=1.0 if maxval is None else float(maxval))
    return generate_node(fn, shape, d, seed, name or "random_uniform")


def range_(start, limit=None, delta=1, dtype=None, name="range"):
    """tf.range."""
    if limit is None:
        start, limit = 0, start
    d = _dtypes.np_dtype(dtype) or _dtypes.value_dtype(np.asarray([start, limit, delta]))
    return constant_node(np.arange(start, limit, delta, dtype=d), d, name)


def linspace(start, stop, num, name=None):
    """tf.linspace."""
    return constant_node(np.linspace(start, stop, int(num), dtype=np.float32), None, name or "LinSpace")


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


def _wrap2(fn, doc):
    def f(x, y, name=None):
        return fn(_t(x), _t(y))
    f.__doc__ = doc
    return f


def _wrap1(fn, doc):
    def f(x, name=None):
        return fn(_t(x))
    f.__doc__ = doc
    return f


add = _wrap2(O.add, "tf.add: x + y.")
subtract = _wrap2(O.subtract, "tf.subtract: x - y.")
sub = subtract
multiply = _wrap2(O.multiply, "tf.multiply: x * y (elementwise).")
mul = multiply
divide = _wrap2(O.divide, "tf.divide: x / y.")
truediv = _wrap2(O.divide, "tf.truediv: x / y.")
div = divide
maximum = _wrap2(O.maximum, "tf.maximum: elementwise max.")
minimum = _wrap2(O.minimum, "tf.minimum: elementwise min.")
pow = _wrap2(O.power, "tf.pow: x ** y.")  # noqa: A001
equal = _wrap2(O.equal, "tf.equal: x == y (bool).")
not_equal = _wrap2(O.not_equal, "tf.not_equal: x != y (bool).")
less = _wrap2(O.less, "tf.less: x < y.")
less_equal = _wrap2(O.less_equal, "tf.less_equal: x <= y.")
greater = _wrap2(O.greater, "tf.greater: x > y.")
greater_equal = _wrap2(O.greater_equal, "tf.greater_equal: x >= y.")
logical_and = _wrap2(O.logical_and, "tf.logical_and.")
logical_or = _wrap2(O.logical_or, "tf.logical_or.")
logical_not = _wrap1(O.logical_not, "tf.logical_not.")
square = _wrap1(O.square, "tf.square: x * x.")
sqrt = _wrap1(O.sqrt, "tf.sqrt.")
exp = _wrap1(O.exp, "tf.exp.")
log = _wrap1(O.log, "tf.log: natural logarithm.")
abs = _wrap1(O.abs, "tf.abs.")  # noqa: A001
negative = _wrap1(O.negative, "tf.negative: -x.")
neg = negative
sign = _wrap1(O.sign, "tf.sign.")
sigmoid = _wrap1(O.sigmoid, "tf.sigmoid: 1 / (1 + exp(-x)).")
tanh = _wrap1(O.tanh, "tf.tanh.")


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
    out = inputs[0]
    for x in inputs[1:]:
        out = O.add(out, x)
    return out


def _reduce(fn, doc):
    def f(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None):
        return fn(_t(input_tensor), axis=_axis(axis, reduction_indices), keepdims=_keep(keepdims, keep_dims))
    f.__doc__ = doc
    return f


reduce_sum = _reduce(O.sum, "tf.reduce_sum(input, axis | reduction_indices, keepdims | keep_dims).")
reduce_mean = _reduce(O.mean, "tf.reduce_mean(input, axis | reduction_indices, keepdims | keep_dims).")
reduce_max = _reduce(O.max, "tf.reduce_max(input, axis | reduction_indices, keepdims | keep_dims).")
reduce_min = _reduce(O.min, "tf.reduce_min(input, axis | reduction_indices, keepdims | keep_dims).")
reduce_logsumexp = _reduce(O.logsumexp, "tf.reduce_logsumexp.")


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


def cast(x, dtype, name=None):
    """tf.cast(x, dtype)."""
    x = _t(x)
    d = _dtypes.np_dtype(dtype)
    return x if (isinstance(x, Tensor) and x.dtype == d) else O.cast(x, d)


def to_float(x, name="ToFloat"):
    """tf.to_float: cast to float32."""
    return O.cast(_t(x), np.float32)


def to_int32(x, name="ToInt32"):
    """tf.to_int32."""
    return O.cast(_t(x), np.int32)


def to_int64(x, name="ToInt64"):
    """tf.to_int64."""
    return O.cast(_t(x), np.int64)


def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    """tf.clip_by_value."""
    return _farr.clip(_t(t), _t(clip_value_min), _t(clip_value_max))


def stop_gradient(input, name=None):  # noqa: A002
    """tf.stop_gradient: the value, with no gradient flowing back through it."""
    return O.stop_gradient(_t(input))


def identity(input, name=None):  # noqa: A002
    """tf.identity: a copy of the value (gradients pass through)."""
    x = _t(input)
    return O.cast(x, x.dtype)


def where(condition, x=None, y=None, name=None):
    """tf.where(condition, x, y): elementwise select (the 1-argument form is not supported)."""
    if x is None or y is None:
        raise NotImplementedError("neuralab.compat.v1: tf.where(condition) without x and y is not supported")
    return O.where(_t(condition), _t(x), _t(y))


# ---------------------------------------------------------------------------------------
# shapes
# ---------------------------------------------------------------------------------------

def reshape(tensor, shape, name=None):
    """tf.reshape (one entry of ``shape`` may be -1)."""
    return O.reshape(_t(tensor), _base.static_shape(shape, "reshape"))


def transpose(a, perm=None, name="transpose", conjugate=False):
    """tf.transpose(a, perm)."""
    return O.transpose(_t(a), None if perm is None else tuple(int(p) for p in perm))


def expand_dims(input, axis=None, name=None, dim=None):  # noqa: A002
    """tf.expand_dims(input, axis | dim)."""
    return O.expand_dims(_t(input), int(axis if axis is not None else dim))


def squeeze(input, axis=None, name=None, squeeze_dims=None):  # noqa: A002
    """tf.squeeze(input, axis | squeeze_dims)."""
    ax = _axis(axis if axis is not None else squeeze_dims)
    return O.squeeze(_t(input), ax)


def concat(values, axis, name="concat"):
    """tf.concat(values, axis)."""
    return O.concatenate([_t(v) for v in values], axis=int(axis))


def stack(values, axis=0, name="stack"):
    """tf.stack(values, axis): join along a new axis."""
    return O.stack([_t(v) for v in values], axis=int(axis))


pack = stack


def unstack(value, num=None, axis=0, name="unstack"):
    """tf.unstack: the slices along ``axis`` as a list."""
    x = _t(value)
    n = x.shape[axis] if num is None else num
    if n is None:
        raise ValueError(f"Cannot infer num from shape {x.shape}")
    idx = (slice(None),) * (axis % len(x.shape))
    return [x[idx + (i,)] for i in range(n)]


def split(value, num_or_size_splits, axis=0, num=None, name="split"):
    """tf.split(value, num_or_size_splits, axis): equal parts, or parts of the given sizes."""
    x = _t(value)
    if isinstance(num_or_size_splits, (int, np.integer)):
        return O.split(x, int(num_or_size_splits), axis=axis)
    sizes = [int(s) for s in num_or_size_splits]
    return O.split(x, list(np.cumsum(sizes)[:-1]), axis=axis)


def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None, name=None):
    """tf.one_hot(indices, depth, on_value=1, off_value=0, dtype=float32)."""
    d = _dtypes.np_dtype(dtype, np.float32)
    idx = _t(indices)
    if axis not in (None, -1):
        raise NotImplementedError("neuralab.compat.v1: tf.one_hot with axis other than -1 is not supported")
    if on_value is None and off_value is None:
        return O.one_hot(idx, int(depth), dtype=d)
    mask = O.one_hot(idx, int(depth), dtype=np.bool_)
    on = np.asarray(1 if on_value is None else on_value, dtype=d)
    off = np.asarray(0 if off_value is None else off_value, dtype=d)
    return O.where(mask, O.Tensor(on), O.Tensor(off))


def pad(tensor, paddings, mode="CONSTANT", name=None, constant_values=0):
    """tf.pad (constant mode)."""
    if str(mode).upper() != "CONSTANT":
        raise NotImplementedError(f"neuralab.compat.v1: tf.pad mode {mode!r} is not supported (CONSTANT only)")
    pw = [tuple(int(v) for v in p) for p in np.asarray(paddings).tolist()]
    return O.pad(_t(tensor), pw, constant_values=constant_values)


class _Shape(Op):
    """tf.shape's node: the run-time shape of the input as an int32 vector."""

    nin = 1
    register = False
    differentiable = False
    nondiff_inputs = (0,)
    tf_type = "Shape"

    def forward(self, xp, x):
        return (np.asarray(x.shape, dtype=self.dtype),)

    def infer(self, x):
        return (Spec((None if x.shape is None else len(x.shape),), self.dtype),)

    def backward(self, grads):
        return (None,)


def shape(input, name=None, out_type=_dtypes.int32):  # noqa: A002
    """tf.shape: the shape as a tensor (a constant when fully known, else computed at run time)."""
    x = _t(input)
    d = _dtypes.np_dtype(out_type)
    if x.shape is not None and all(s is not None for s in x.shape):
        return constant_node(np.asarray(x.shape, dtype=d), d, name or "Shape")
    return _Shape.apply(x, dtype=d)


def size(input, name=None, out_type=_dtypes.int32):  # noqa: A002
    """tf.size: the number of elements (the shape must be fully known)."""
    x = _t(input)
    if x.shape is None or any(s is None for s in x.shape):
        raise NotImplementedError("neuralab.compat.v1: tf.size of a tensor with unknown dimensions is not supported")
    d = _dtypes.np_dtype(out_type)
    return constant_node(np.asarray(int(np.prod(x.shape)), dtype=d), d, name or "Size")


def rank(input, name=None):  # noqa: A002
    """tf.rank: the number of dimensions."""
    return constant_node(np.int32(len(_t(input).shape)), np.int32, name or "Rank")


# ---------------------------------------------------------------------------------------
# gradients and grouping
# ---------------------------------------------------------------------------------------

def gradients(ys, xs, grad_ys=None, name="gradients", colocate_gradients_with_ops=False,
              gate_gradients=False, aggregation_method=None, stop_gradients=None):
    """tf.gradients(ys, xs, grad_ys): symbolic d(sum ys)/dx for each x (None where x does not matter)."""
    ys_l = [_t(y) for y in (ys if isinstance(ys, (list, tuple)) else [ys])]
    xs_l = list(xs) if isinstance(xs, (list, tuple)) else [xs]
    targets = [_t(x) for x in xs_l]
    direct = [x for x in xs_l if getattr(x, "_read", None) is not None]  # a Variable used without its read
    gys = None if grad_ys is None else [_t(g) for g in (grad_ys if isinstance(grad_ys, (list, tuple))
                                                          else [grad_ys])]
    g = _graph.get_default_graph()
    with g.name_scope(name or "gradients"):
        out = _nl_gradients(ys_l, targets + direct, grad_ys=gys)
    res = list(out[:len(targets)])
    extra = dict(zip([id(v) for v in direct], out[len(targets):]))
    for i, x in enumerate(xs_l):
        e = extra.get(id(x))
        if e is not None:
            res[i] = e if res[i] is None else O.add(res[i], e)
    return res


def group(*inputs, name=None):
    """tf.group: one node that, when run, runs all of ``inputs`` (the notes' dummy node)."""
    flat = []
    for x in inputs:
        flat.extend(x if isinstance(x, (list, tuple)) else [x])
    return _nl_group(*[_t(x) for x in flat], name=name)


def no_op(name=None):
    """tf.no_op: a node that does nothing."""
    return _nl_group(name=name or "NoOp")


def tuple_(tensors, name=None, control_inputs=None):
    """tf.tuple: the tensors, each made to wait for all of them (identity copies)."""
    ts = [_t(t) for t in tensors]
    deps = ts + [_t(c) for c in (control_inputs or [])]
    with _graph.get_default_graph().control_dependencies([t for t in deps if t.data is None]):
        return [identity(t) for t in ts]
