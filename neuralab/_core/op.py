"""The op definition pattern and its one dispatcher.

An op is a subclass of :class:`Op` with three methods:

``forward(self, xp, *arrays) -> tuple``
    computes outputs from raw arrays with the array module ``xp``;
``backward(self, grads) -> tuple``
    returns one gradient (a Tensor, or None) per input, written with neuralab
    ops on the op's input/output Tensors (``self.inputs``, ``self.output(i)``),
    so the same rule runs eagerly, builds symbolic gradient graphs, and can be
    differentiated again;
``infer(self, *specs) -> tuple``
    the output shapes and dtypes (``Spec``) from the input specs, used to build
    graphs (with ``None`` for unknown dimensions) and to give early errors.

Attributes (axis, shape, ...) are keyword arguments of :meth:`Op.apply` and are
stored on the instance. Subclassing registers the op in :data:`REGISTRY`.

Users define their own ops the same way (see ``neuralab.Function``).
"""
from __future__ import annotations

import itertools
from typing import NamedTuple

import numpy as np

from . import config, dtypes
from .errors import DTypeError, NeuralabError, ShapeError

REGISTRY: dict[str, type] = {}
_ids = itertools.count()

#: TensorFlow's op type for the primitives whose CamelCase name differs from TF's (graph node names,
#: TensorBoard's graph, compat.v1's ``Operation.type``); every other op is its opname in CamelCase
TYPE_NAMES = {
    "subtract": "Sub", "multiply": "Mul", "divide": "RealDiv", "power": "Pow", "negative": "Neg",
    "where": "Select", "matmul": "MatMul", "logsumexp": "ReduceLogSumExp", "argmax": "ArgMax",
    "argmin": "ArgMin", "getitem": "StridedSlice", "getitem_grad": "StridedSliceGrad",
    "concatenate": "ConcatV2", "conv2d": "Conv2D", "conv2d_grad_input": "Conv2DBackpropInput",
    "conv2d_grad_filter": "Conv2DBackpropFilter", "max_pool2d": "MaxPool", "max_pool2d_grad": "MaxPoolGrad",
    "max_pool2d_grad_grad": "MaxPoolGradGrad", "avg_pool2d": "AvgPool", "avg_pool2d_grad": "AvgPoolGrad",
    "group": "NoOp", "reshape_like": "Reshape", "broadcast_like": "BroadcastTo", "sum_to_like": "Sum",
}


def camel(opname: str) -> str:
    """``"one_hot"`` -> ``"OneHot"``."""
    return "".join(w[:1].upper() + w[1:] for w in opname.split("_"))


class Spec(NamedTuple):
    """Shape (entries may be None: unknown until run time) and dtype of a tensor."""

    shape: tuple
    dtype: np.dtype


def fmt_shape(shape) -> str:
    if shape is None:
        return "(unknown rank)"
    return "(" + ", ".join("?" if d is None else str(d) for d in shape) + (",)" if len(shape) == 1 else ")")


def broadcast_shapes(opname: str, *shapes) -> tuple:
    """NumPy broadcasting over shapes that may contain None; raises naming the op."""
    ndim = max((len(s) for s in shapes), default=0)
    out = []
    for i in range(ndim):
        dims = [s[len(s) - ndim + i] for s in shapes if len(s) - ndim + i >= 0]
        known = {d for d in dims if d is not None and d != 1}
        if len(known) > 1:
            raise ShapeError(f"{opname}: shapes " + ", ".join(fmt_shape(s) for s in shapes)
                             + " cannot be broadcast together")
        if known:
            out.append(known.pop())
        elif any(d is None for d in dims):
            out.append(None)
        else:
            out.append(1)
    return tuple(out)


def normalize_axis(opname: str, axis, ndim: int):
    """Turn an int/tuple/None axis into a sorted tuple of non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for a in axes:
        a = int(a)
        if not -ndim <= a < ndim:
            raise ShapeError(f"{opname}: axis {a} is out of range for a tensor of rank {ndim}")
        out.append(a % ndim)
    if len(set(out)) != len(out):
        raise ShapeError(f"{opname}: repeated axis in {axis}")
    return tuple(sorted(out))


class Op:
    """Base class of every differentiable primitive (and of user-defined ops)."""

    #: number of inputs (None for variadic)
    nin: int | None = None
    #: number of outputs
    nout: int = 1
    #: False for ops with no gradient (comparisons, argmax, ...): outputs never require grad
    differentiable: bool = True
    #: keep output arrays for backward (ops whose gradient is cheapest from the output)
    retain_outputs: bool = False
    #: input positions that are never differentiated (masks, indices, shape references)
    nondiff_inputs: tuple = ()
    #: public name used in error messages and graph dumps
    opname: str = ""
    #: True for ops that change state when run (assign, optimizer updates): compiled
    #: functions run every stateful op recorded while tracing, fetched or not
    stateful: bool = False
    #: True for ops whose forward returns its single input unchanged (plans alias instead of calling)
    identity: bool = False

    #: the op's type as TensorFlow names it ("MatMul", "Add", "Sigmoid"): the default name of its graph
    #: nodes and the op field of TensorBoard's graph (see :data:`TYPE_NAMES`)
    type: str = ""

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        if not cls.__dict__.get("opname"):
            cls.opname = _snake(cls.__name__)
        if not cls.__dict__.get("type"):
            cls.type = TYPE_NAMES.get(cls.opname) or camel(cls.opname)
        builtin = cls.__module__.startswith("neuralab.")
        if builtin and not cls.__name__.startswith("_") and cls.__dict__.get("register", True):
            REGISTRY[cls.opname] = cls

    # per-node state, class-level defaults so that creating an op is cheap
    inputs: tuple = ()
    outputs = None  # symbolic outputs in graph mode
    _ydata = None  # retained output arrays in eager mode
    needs_grad: tuple = ()
    generation: int = 0
    control_inputs: tuple = ()
    name = None

    def __init__(self, **attrs):
        if attrs:
            self.__dict__.update(attrs)

    # -- the three methods an op defines -------------------------------------------------
    def forward(self, xp, *arrays):  # pragma: no cover - abstract
        raise NotImplementedError(f"{self.opname}: forward is not defined")

    def backward(self, grads):  # pragma: no cover - abstract
        raise NotImplementedError(f"{self.opname}: backward is not defined")

    def infer(self, *specs):  # pragma: no cover - abstract
        raise NotImplementedError(f"{self.opname}: infer is not defined")

    # -- helpers for backward rules ------------------------------------------------------
    def output(self, i: int = 0):
        """The i-th output as a Tensor (connected to this op, for double backward)."""
        if self.outputs is not None:
            return self.outputs[i]
        if self._ydata is None:
            raise NeuralabError(f"{self.opname}: backward asked for output {i}, but the op "
                                "does not set retain_outputs = True")
        from .tensor import Tensor

        t = Tensor._make(self._ydata[i])
        t._op, t._idx = self, i
        t.requires_grad = t.dtype.kind in "fc"
        return t

    def state_reads(self) -> tuple:
        """State this op reads when run besides its inputs: variables, or holders such as an optimizer."""
        return ()

    def state_writes(self) -> tuple:
        """State this op writes when run (the variable of an assign, an optimizer's parameters and moments)."""
        return ()

    def attrs(self) -> dict:
        """The op's attributes (what apply() was given besides the inputs)."""
        skip = {"inputs", "outputs", "_ydata", "needs_grad", "generation", "control_inputs", "name", "id", "graph"}
        return {k: v for k, v in self.__dict__.items() if k not in skip and not k.startswith("_")}

    @classmethod
    def apply(cls, *inputs, **attrs):
        """Run (or record) the op on ``inputs``; returns a Tensor or a tuple of Tensors."""
        return dispatch(cls(**attrs) if attrs else cls(), inputs)

    def __repr__(self):
        a = ", ".join(f"{k}={v!r}" for k, v in self.attrs().items())
        return f"<{self.opname}({a})>"


def _snake(name: str) -> str:
    out = []
    for i, ch in enumerate(name):
        if ch.isupper() and i and not name[i - 1].isupper():
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


# ---------------------------------------------------------------------------------------
# the dispatcher: record-or-compute
# ---------------------------------------------------------------------------------------
_Tensor = None  # set by tensor.py (avoids an import cycle)
_graph = None  # the graph module, set by graph.py
_xp_state = None


def _wrap_scalar(x, like_dtype):
    """A Python scalar next to tensors: weak typing (takes a floating tensor's dtype)."""
    if isinstance(x, bool):
        d = dtypes.bool_
    elif isinstance(x, int):
        d = like_dtype if like_dtype is not None else dtypes.int64
    else:
        d = like_dtype if (like_dtype is not None and like_dtype.kind == "f") else dtypes.default_float()
    return _Tensor._make(np.asarray(x, dtype=d))


def as_tensors(inputs):
    T = _Tensor
    like = None
    # objects standing for a tensor (compat.v1's tf.Tensor, tf.Variable) give theirs
    inputs = [x.__neuralab_tensor__() if hasattr(x, "__neuralab_tensor__") else x for x in inputs]
    for x in inputs:  # a scalar takes its dtype from the first non-bool tensor (not a where() condition)
        if isinstance(x, T) and x.dtype.kind != "b":
            like = x.dtype
            break
    out = []
    float_scalar = False
    for x in inputs:
        if isinstance(x, T):
            out.append(x)
        elif isinstance(x, (bool, int, float)):
            out.append(_wrap_scalar(x, like))
            float_scalar |= isinstance(x, float)
        else:
            out.append(_Tensor.from_data(x))
    if float_scalar and like is not None and like.kind in "biu":
        # a Python float next to an integer tensor gives the default float (not NumPy's float64)
        from ..ops.elementwise import cast

        out = [cast(t, dtypes.default_float()) if t.dtype.kind in "biu" else t for t in out]
    return out


def _input_error(op, ts, err):
    """Turn a low-level failure into an error naming the op and the input shapes."""
    specs = [Spec(t.shape, t.dtype) for t in ts]
    try:
        op.infer(*specs)
    except NeuralabError as e:
        return e
    except Exception:  # noqa: BLE001
        pass
    shapes = ", ".join(fmt_shape(s.shape) + f" {s.dtype}" for s in specs)
    cls = ShapeError if isinstance(err, ValueError) else DTypeError if isinstance(err, TypeError) else NeuralabError
    return cls(f"{op.opname}: failed on inputs of shapes {shapes}: {err}")


def check_finite(op, arrays, ins):
    xp = np
    for i, y in enumerate(arrays):
        if y is not None and getattr(y, "dtype", None) is not None and y.dtype.kind in "fc":
            if not xp.all(xp.isfinite(y)):
                shapes = ", ".join(fmt_shape(getattr(a, "shape", ())) for a in ins)
                what = "NaN" if xp.any(xp.isnan(y)) else "Inf"
                raise FloatingPointError(f"detect_anomaly: op '{op.opname}' produced {what} in output {i} "
                                         f"(input shapes {shapes})")


def dispatch(op: Op, inputs):
    """Run ``op`` on ``inputs`` now (recording a tape node if needed) or record it in a graph."""
    T = _Tensor
    for x in inputs:
        if not isinstance(x, T):
            inputs = as_tensors(inputs)
            break
    arrays = []
    for t in inputs:
        d = t.data
        if d is None:
            return _graph.record(op, inputs)
        arrays.append(d)
    flags = config.flags
    if flags.building:
        for t in inputs:
            if t._variable or (t._op is None and t.requires_grad):
                return _graph.record(op, inputs)  # reads state that may change: a graph node, not a constant
    try:
        if _xp_state["used"]:  # a GPU backend is on: run where the inputs are (host operands copied there)
            xp, arrays = _xp_state["place"](arrays)
            ys = op.forward(xp, *arrays)
        else:
            ys = op.forward(np, *arrays)
    except NeuralabError:
        raise
    except (ValueError, TypeError, IndexError) as e:
        raise _input_error(op, inputs, e) from e
    if flags.anomaly:
        check_finite(op, ys, arrays)
    new = _new
    if flags.grad_enabled and op.differentiable:
        need = False
        gen = 0
        for t in inputs:
            if t.requires_grad:
                need = True
                o = t._op
                if o is not None and o.generation > gen:
                    gen = o.generation
        if need:
            op.inputs = inputs
            op.generation = gen + 1
            if op.retain_outputs:
                op._ydata = ys
            outs = []
            i = 0
            for y in ys:
                o = new(T)
                o.data = y
                if y.dtype.kind in "fc":
                    o.requires_grad = True
                    o._op = op
                    o._idx = i
                outs.append(o)
                i += 1
            return outs[0] if op.nout == 1 else tuple(outs)
    if op.nout == 1:
        o = new(T)
        o.data = ys[0]
        return o
    outs = []
    for y in ys:
        o = new(T)
        o.data = y
        outs.append(o)
    return tuple(outs)


_new = object.__new__


def _float_operand(x, other):
    """A Python float next to a floating tensor, as a tensor of that dtype (weak typing); else None."""
    if type(x) is float and isinstance(other, _Tensor):
        d = other.data
        if d is not None and d.dtype.kind == "f":
            t = _new(_Tensor)
            t.data = np.asarray(x, dtype=d.dtype)
            return t
    return None


def dispatch2(op: Op, a, b):
    """dispatch() for a binary, single-output op: no loops, lists or star-calls on the hot path."""
    T = _Tensor
    if not isinstance(b, T):
        t = _float_operand(b, a)
        if t is None:
            return dispatch(op, (a, b))
        b = t
    elif not isinstance(a, T):
        t = _float_operand(a, b)
        if t is None:
            return dispatch(op, (a, b))
        a = t
    ad = a.data
    bd = b.data
    if ad is None or bd is None:
        return _graph.record(op, (a, b))
    flags = config.flags
    if flags.building:
        return dispatch(op, (a, b))
    try:
        if _xp_state["used"]:
            xp, (ad, bd) = _xp_state["place"]((ad, bd))
            ys = op.forward(xp, ad, bd)
        else:
            ys = op.forward(np, ad, bd)
    except NeuralabError:
        raise
    except (ValueError, TypeError, IndexError) as e:
        raise _input_error(op, (a, b), e) from e
    if flags.anomaly:
        check_finite(op, ys, (ad, bd))
    y = ys[0]
    o = _new(T)
    o.data = y
    if (a.requires_grad or b.requires_grad) and flags.grad_enabled and op.differentiable:
        ga = a._op.generation if a._op is not None else 0
        gb = b._op.generation if b._op is not None else 0
        op.inputs = (a, b)
        op.generation = (ga if ga > gb else gb) + 1
        if op.retain_outputs:
            op._ydata = ys
        if y.dtype.kind in "fc":
            o.requires_grad = True
            o._op = op
    return o


def new_id() -> int:
    return next(_ids)
