"""OpInfo records for the core ops: elementwise, reduce, shape, linalg and state.

One :class:`~neuralab.testing.opinfo.OpRecord` per op in ``neuralab.REGISTRY``
that lives in ``neuralab/ops/``. Conventions the generic test module
(``tests/ops/test_opinfo.py``) relies on:

* ``notes`` is a dict; ``notes["kind"]`` is one of ``"elementwise"``,
  ``"reduce"``, ``"matmul"``, ``"shape"``, ``"state"``. Records of the first
  three kinds are also built on placeholders whose first dimension is ``None``.
* ``error_inputs`` entries are ``(inputs, exception type, message)`` where
  ``message`` is a substring or a tuple of substrings that must all appear
  (the op's name and the offending shapes).
* Ops whose attributes (axis, index, target shape, pad width) vary between
  samples look them up in a table keyed by the input's rank or shape, so one
  record covers several attribute sets and the same lookup serves eager,
  graph and compiled calls. Some table entries exist only for error inputs.
* Samplers keep away from kinks: positive inputs for log/sqrt/power, no zero
  for abs, no ties for max/min/maximum/minimum/argmax (the tie rules are
  tested separately against hand values).
"""
from __future__ import annotations

import numpy as np

import neuralab as nl

from ..ops.shape import GetitemGrad
from .opinfo import OpRecord, register

F32, F64 = np.float32, np.float64

# -- samplers ----------------------------------------------------------------------------


def _uniform(lo, hi):
    def sample(rng, shape, dtype):
        return np.asarray(rng.uniform(lo, hi, size=shape), dtype=dtype)

    return sample


def _away_from_zero(lo, hi):
    """|x| in [lo, hi] with a random sign (no kink at 0 within gradcheck's eps)."""

    def sample(rng, shape, dtype):
        sign = np.where(rng.random(shape) < 0.5, -1.0, 1.0)
        return np.asarray(sign * rng.uniform(lo, hi, size=shape), dtype=dtype)

    return sample


def _distinct(rng, shape, dtype):
    """Values at least 0.2 apart from each other (no ties, no near-ties)."""
    n = int(np.prod(shape, dtype=np.int64))
    vals = (rng.permutation(n) - n / 2) * 0.25 + rng.uniform(-0.02, 0.02, size=n)
    return np.asarray(vals.reshape(shape), dtype=dtype)


def _interleaved(shape_lists):
    """Input i on the grid 0.3 k + 0.15 i: two inputs never tie (differ by >= 0.15)."""

    def make(rng, dtype):
        return [[np.asarray(rng.integers(-6, 7, size=s) * 0.3 + 0.15 * i, dtype=dtype) for i, s in enumerate(shapes)]
                for shapes in shape_lists]

    return make


def _small_ints_as(shape_lists):
    """Floats on the integer grid -2..2 (so that comparisons hit ties and sign hits 0)."""

    def make(rng, dtype):
        return [[np.asarray(rng.integers(-2, 3, size=s), dtype=dtype) for s in shapes] for shapes in shape_lists]

    return make


def _bools(shape_lists):
    def make(rng, dtype):
        return [[np.asarray(rng.random(s) < 0.5) for s in shapes] for shapes in shape_lists]

    return make


# -- shapes ------------------------------------------------------------------------------
UNARY = [((3, 4),), ((),), ((2, 3, 2),), ((5,),)]
BINARY = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 3), (4, 1)), ((), ()), ((), (2, 3)), ((2, 3), ()),
          ((1, 3), (2, 1))]


def _broadcast_error(name):
    return [([np.zeros((3, 4), F32), np.zeros((5,), F32)], nl.ShapeError, (name, "(3, 4)", "(5,)")),
            ([np.zeros((2, 3), F32), np.zeros((4, 3), F32)], nl.ShapeError, (name, "(2, 3)", "(4, 3)"))]


def _kind(k):
    return {"kind": k}


# -- elementwise -------------------------------------------------------------------------
_BINARY_ARITH = [
    ("add", nl.add, np.add, _uniform(-2, 2)),
    ("subtract", nl.subtract, np.subtract, _uniform(-2, 2)),
    ("multiply", nl.multiply, np.multiply, _uniform(-2, 2)),
    ("divide", nl.divide, np.true_divide, _away_from_zero(0.5, 2.0)),
    ("power", nl.power, np.power, _uniform(0.5, 2.0)),
]
for _name, _fn, _ref, _sampler in _BINARY_ARITH:
    register(OpRecord(name=_name, fn=_fn, ref=_ref, shapes=BINARY, sampler=_sampler,
                      error_inputs=_broadcast_error(_name), notes=_kind("elementwise")))

for _name, _fn, _ref in [("maximum", nl.maximum, np.maximum), ("minimum", nl.minimum, np.minimum)]:
    register(OpRecord(name=_name, fn=_fn, ref=_ref, make_inputs=_interleaved(BINARY),
                      error_inputs=_broadcast_error(_name), notes=_kind("elementwise")))

_UNARY_FLOAT = [
    ("negative", nl.negative, np.negative, _uniform(-2, 2)),
    ("exp", nl.exp, np.exp, _uniform(-2, 2)),
    ("log", nl.log, np.log, _uniform(0.5, 3.0)),
    ("sqrt", nl.sqrt, np.sqrt, _uniform(0.5, 3.0)),
    ("abs", nl.abs, np.abs, _away_from_zero(0.2, 2.0)),
    ("tanh", nl.tanh, np.tanh, _uniform(-3, 3)),
    ("sigmoid", nl.sigmoid, lambda x: (1 / (1 + np.exp(-x))).astype(x.dtype), _uniform(-4, 4)),
]
for _name, _fn, _ref, _sampler in _UNARY_FLOAT:
    register(OpRecord(name=_name, fn=_fn, ref=_ref, shapes=UNARY, sampler=_sampler, notes=_kind("elementwise")))

_WHERE_SHAPES = [((3, 4), (3, 4), (3, 4)), ((3, 1), (1, 4), (4,)), ((), (2, 3), ()), ((2, 3), (), (3,))]


def _where_inputs(rng, dtype):
    return [[np.asarray(rng.random(c) < 0.5), np.asarray(rng.uniform(-2, 2, a), dtype=dtype),
             np.asarray(rng.uniform(-2, 2, b), dtype=dtype)] for c, a, b in _WHERE_SHAPES]


register(OpRecord(
    name="where", fn=nl.where, ref=np.where, make_inputs=_where_inputs, notes=_kind("elementwise"),
    error_inputs=[([np.array([True, False]), np.zeros(3, F32), np.zeros(2, F32)], nl.ShapeError,
                   ("where", "(2,)", "(3,)"))]))

register(OpRecord(name="cast", fn=lambda x: nl.cast(x, F64), ref=lambda x: x.astype(F64), shapes=UNARY,
                  notes=_kind("elementwise")))
register(OpRecord(name="stop_gradient", fn=nl.stop_gradient, ref=lambda x: x.copy(), shapes=UNARY,
                  differentiable=False, notes=_kind("elementwise")))
register(OpRecord(name="sign", fn=nl.sign, ref=np.sign, make_inputs=_small_ints_as(UNARY), differentiable=False,
                  notes=_kind("elementwise")))

for _name, _fn, _ref in [("equal", nl.equal, np.equal), ("not_equal", nl.not_equal, np.not_equal),
                         ("less", nl.less, np.less), ("less_equal", nl.less_equal, np.less_equal),
                         ("greater", nl.greater, np.greater), ("greater_equal", nl.greater_equal, np.greater_equal)]:
    register(OpRecord(name=_name, fn=_fn, ref=_ref, make_inputs=_small_ints_as(BINARY), differentiable=False,
                      error_inputs=_broadcast_error(_name), notes=_kind("elementwise")))

for _name, _fn, _ref in [("logical_and", nl.logical_and, np.logical_and),
                         ("logical_or", nl.logical_or, np.logical_or)]:
    register(OpRecord(name=_name, fn=_fn, ref=_ref, make_inputs=_bools(BINARY), differentiable=False,
                      error_inputs=[([np.zeros((3, 4), bool), np.zeros((5,), bool)], nl.ShapeError,
                                     (_name, "(3, 4)", "(5,)"))],
                      notes=_kind("elementwise")))
register(OpRecord(name="logical_not", fn=nl.logical_not, ref=np.logical_not, make_inputs=_bools(UNARY),
                  differentiable=False, notes=_kind("elementwise")))

# -- reductions --------------------------------------------------------------------------
# attributes by input rank (rank 5 exists only for the axis-out-of-range error)
_RED = {0: {}, 1: dict(axis=0, keepdims=True), 2: dict(axis=1), 3: dict(axis=(0, -1), keepdims=True),
        4: dict(axis=None, keepdims=True), 5: dict(axis=5)}
REDUCE = [((3, 4),), ((),), ((5,),), ((2, 3, 4),), ((2, 1, 3, 2),)]


def _reduce_fn(f):
    return lambda x: f(x, **_RED[x.ndim])


def _reduce_ref(f):
    return lambda x: np.asarray(f(x, **_RED[x.ndim]))


def _axis_error(name):
    return [([np.zeros((1, 1, 1, 1, 1), F32)], nl.ShapeError, (name, "axis 5", "rank 5"))]


def _logsumexp_ref(x, axis=None, keepdims=False):
    y = np.log(np.sum(np.exp(x.astype(F64)), axis=axis, keepdims=keepdims))
    return np.asarray(y, dtype=x.dtype)


for _name, _fn, _ref, _sampler in [("sum", nl.sum, np.sum, _uniform(-2, 2)),
                                   ("mean", nl.mean, np.mean, _uniform(-2, 2)),
                                   ("max", nl.max, np.max, _distinct),
                                   ("min", nl.min, np.min, _distinct),
                                   ("logsumexp", nl.logsumexp, _logsumexp_ref, _uniform(-2, 2))]:
    register(OpRecord(name=_name, fn=_reduce_fn(_fn), ref=_reduce_ref(_ref), shapes=REDUCE, sampler=_sampler,
                      error_inputs=_axis_error(_name), notes=_kind("reduce")))

_ARG = {0: None, 1: 0, 2: None, 3: -1, 4: 7}
for _name, _fn, _ref in [("argmax", nl.argmax, np.argmax), ("argmin", nl.argmin, np.argmin)]:
    register(OpRecord(
        name=_name, fn=(lambda f: lambda x: f(x, axis=_ARG[x.ndim]))(_fn),
        ref=(lambda f: lambda x: np.asarray(f(x, axis=_ARG[x.ndim]), dtype=np.int64))(_ref),
        shapes=[((3, 4),), ((),), ((5,),), ((2, 3, 4),)], sampler=_distinct, differentiable=False,
        error_inputs=[([np.zeros((1, 2, 1, 2), F32)], nl.ShapeError, (_name, "axis 7", "rank 4"))],
        notes=_kind("reduce")))

# unreduce(g, like): attributes by like's rank
_UNRED = {2: dict(axis=1, mean=True), 3: dict(axis=(0, 2), keepdims=True), 1: dict(axis=None), 0: dict(axis=None)}


def _norm_axes(axis, nd):
    if axis is None:
        return tuple(range(nd))
    return tuple(sorted(a % nd for a in ((axis,) if isinstance(axis, int) else axis)))


def _unreduce_ref(g, like):
    a = _UNRED[like.ndim]
    axes = _norm_axes(a["axis"], like.ndim)
    if not a.get("keepdims", False):
        g = np.expand_dims(g, axes)
    out = np.broadcast_to(g, like.shape).copy()
    if a.get("mean", False):
        out = out / np.asarray(max(int(np.prod([like.shape[i] for i in axes])), 1), dtype=out.dtype)
    return out


register(OpRecord(name="unreduce", fn=lambda g, like: nl.unreduce(g, like, **_UNRED[like.ndim]), ref=_unreduce_ref,
                  shapes=[((3,), (3, 4)), ((1, 3, 1), (2, 3, 4)), ((), (5,)), ((), ())], notes=_kind("shape")))

# -- shape ops ---------------------------------------------------------------------------
_RESHAPE = {(2, 3): (3, 2), (2, 3, 4): (4, -1), (): (1, 1), (6,): (2, 1, 3), (1, 1): (),
            (5,): (2, 3), (4,): (-1, -1)}  # the last two: error inputs
register(OpRecord(
    name="reshape", fn=lambda x: nl.reshape(x, _RESHAPE[tuple(x.shape)]),
    ref=lambda x: np.reshape(x, _RESHAPE[x.shape]), shapes=[((2, 3),), ((2, 3, 4),), ((),), ((6,),), ((1, 1),)],
    error_inputs=[([np.zeros(5, F32)], nl.ShapeError, ("reshape", "(5,)", "(2, 3)")),
                  ([np.zeros(4, F32)], nl.ShapeError, ("reshape", "-1"))],
    notes=_kind("shape")))

register(OpRecord(
    name="reshape_like", fn=nl.reshape_like, ref=lambda g, like: np.reshape(g, like.shape),
    shapes=[((6,), (2, 3)), ((2, 3), (3, 2)), ((), (1, 1)), ((1, 1), ())],
    error_inputs=[([np.zeros(5, F32), np.zeros((2, 3), F32)], nl.ShapeError, ("reshape_like", "(5,)", "(2, 3)"))],
    notes=_kind("shape")))

_TRANSPOSE = {(3, 4): None, (2, 3, 4): (1, 2, 0), (): None, (4,): None, (2, 2): (0, 0)}
register(OpRecord(
    name="transpose", fn=lambda x: nl.transpose(x, _TRANSPOSE[tuple(x.shape)]),
    ref=lambda x: np.transpose(x, _TRANSPOSE[x.shape]), shapes=[((3, 4),), ((2, 3, 4),), ((),), ((4,),)],
    error_inputs=[([np.zeros((2, 2), F32)], nl.ShapeError, ("transpose", "(0, 0)"))], notes=_kind("shape")))

_EXPAND = {0: 0, 1: -1, 2: (0, 2), 4: 9}
register(OpRecord(
    name="expand_dims", fn=lambda x: nl.expand_dims(x, _EXPAND[x.ndim]),
    ref=lambda x: np.expand_dims(x, _EXPAND[x.ndim]), shapes=[((),), ((3,),), ((2, 3),)],
    error_inputs=[([np.zeros((1, 2, 1, 2), F32)], nl.ShapeError, ("expand_dims", "axis 9"))], notes=_kind("shape")))

_SQUEEZE = {(1, 3, 1): None, (2, 1, 3): 1, (1,): 0, (1, 1, 2): (0, 1), (): None, (2, 3): 0}
register(OpRecord(
    name="squeeze", fn=lambda x: nl.squeeze(x, _SQUEEZE[tuple(x.shape)]),
    ref=lambda x: np.squeeze(x, _SQUEEZE[x.shape]), shapes=[((1, 3, 1),), ((2, 1, 3),), ((1,),), ((1, 1, 2),), ((),)],
    error_inputs=[([np.zeros((2, 3), F32)], nl.ShapeError, ("squeeze", "(2, 3)"))], notes=_kind("shape")))

_BROADCAST_TO = {(3, 1): (2, 3, 4), (4,): (3, 4), (): (2, 3), (1, 4): (1, 4), (3,): (4,), (2, 3): (3,)}
register(OpRecord(
    name="broadcast_to", fn=lambda x: nl.broadcast_to(x, _BROADCAST_TO[tuple(x.shape)]),
    ref=lambda x: np.broadcast_to(x, _BROADCAST_TO[x.shape]).copy(), shapes=[((3, 1),), ((4,),), ((),), ((1, 4),)],
    error_inputs=[([np.zeros(3, F32)], nl.ShapeError, ("broadcast_to", "(3,)", "(4,)")),
                  ([np.zeros((2, 3), F32)], nl.ShapeError, ("broadcast_to", "(2, 3)", "(3,)"))],
    notes=_kind("shape")))

register(OpRecord(
    name="broadcast_like", fn=nl.broadcast_like, ref=lambda g, like: np.broadcast_to(g, like.shape).copy(),
    shapes=[((3, 1), (2, 3, 4)), ((), (2, 2)), ((4,), (3, 4)), ((2, 3), (2, 3))],
    error_inputs=[([np.zeros(3, F32), np.zeros(4, F32)], nl.ShapeError, ("broadcast_like", "(3,)", "(4,)"))],
    notes=_kind("shape")))


def _sum_to_ref(g, like):
    lead = g.ndim - like.ndim
    out = g.sum(axis=tuple(range(lead))) if lead else g
    axes = tuple(i for i, d in enumerate(like.shape) if d == 1 and out.shape[i] != 1)
    return np.asarray(out.sum(axis=axes, keepdims=True) if axes else out.copy())


register(OpRecord(
    name="sum_to_like", fn=nl.sum_to_like, ref=_sum_to_ref,
    shapes=[((2, 3, 4), (3, 1)), ((3, 4), (4,)), ((2, 2), ()), ((3, 4), (3, 4)), ((2, 3, 4), (2, 1, 4)),
            ((3, 4), (1, 1))],
    error_inputs=[([np.zeros((3, 4), F32), np.zeros(5, F32)], nl.ShapeError, ("sum_to_like", "(3, 4)", "(5,)")),
                  ([np.zeros((3, 2), F32), np.zeros((2, 3), F32)], nl.ShapeError,
                   ("sum_to_like", "(3, 2)", "(2, 3)"))],
    notes=_kind("shape")))

register(OpRecord(name="ones_like", fn=nl.ones_like, ref=np.ones_like, shapes=UNARY, differentiable=False,
                  notes=_kind("shape")))
register(OpRecord(name="zeros_like", fn=nl.zeros_like, ref=np.zeros_like, shapes=UNARY, differentiable=False,
                  notes=_kind("shape")))

# getitem: the index by input shape (basic slices, ints, None/Ellipsis, integer arrays with repeated
# indices, bool masks); (2,) is for the out-of-range error.
_MASK_25 = np.array([[True, False, True, True, False], [False, False, True, False, True]])
_GETITEM = {
    (4, 5): (slice(1, 3), slice(None, None, 2)),
    (2, 3, 4): (Ellipsis, None, 1),
    (3, 4): (1, -2),
    (): (),
    (6,): (np.array([0, 0, 1, 5, 0]),),
    (5, 3): (np.array([[0, 1], [1, 4]]), slice(1, None)),
    (3, 4, 2): (np.array([0, 2, 0, 0]), slice(None), np.array([1, 1, 0, 1])),
    (2, 5): (_MASK_25,),
    (4, 3): (np.array([True, False, True, True]), slice(None, 2)),
    (2,): (5,),
}
_GETITEM_SAMPLES = [s for s in _GETITEM if s != (2,)]


def _getitem_grad_ref(g, like):
    out = np.zeros(like.shape, dtype=g.dtype)
    np.add.at(out, _GETITEM[like.shape], g)
    return out


register(OpRecord(
    name="getitem", fn=lambda x: nl.getitem(x, _GETITEM[tuple(x.shape)]),
    ref=lambda x: np.asarray(x[_GETITEM[x.shape]]), shapes=[(s,) for s in _GETITEM_SAMPLES],
    error_inputs=[([np.zeros(2, F32)], nl.ShapeError, ("getitem", "(2,)"))], notes=_kind("shape")))

register(OpRecord(
    name="getitem_grad", fn=lambda g, like: GetitemGrad.apply(g, like, index=_GETITEM[tuple(like.shape)]),
    ref=_getitem_grad_ref, shapes=[(np.empty(s)[_GETITEM[s]].shape, s) for s in _GETITEM_SAMPLES],
    notes=_kind("shape")))

_CAT_AXIS = {0: 0, 1: 0, 2: 1, 3: -2}
register(OpRecord(
    name="concatenate", fn=lambda *xs: nl.concatenate(xs, axis=_CAT_AXIS[xs[0].ndim]),
    ref=lambda *xs: np.concatenate(xs, axis=_CAT_AXIS[xs[0].ndim]),
    shapes=[((2, 3), (2, 1), (2, 4)), ((3,), (2,)), ((2, 3, 4), (2, 1, 4)), ((2, 2),)],
    error_inputs=[([np.zeros((2, 3), F32), np.zeros(3, F32)], nl.ShapeError, ("concatenate", "(2, 3)", "(3,)")),
                  ([np.zeros((2, 3), F32), np.zeros((3, 3), F32)], nl.ShapeError,
                   ("concatenate", "(2, 3)", "(3, 3)")),
                  ([np.zeros((), F32), np.zeros((), F32)], nl.ShapeError, ("concatenate", "rank 0"))],
    notes=_kind("shape")))

# pad widths by rank; ranks 4 and 5 are error inputs (three pairs for a 4-D tensor; negative widths)
_PAD = {1: (1, 2), 2: ((1, 0), (2, 1)), 3: 1, 4: ((1, 1), (0, 0), (2, 2)), 5: -1}
register(OpRecord(
    name="pad", fn=lambda x: nl.pad(x, _PAD[x.ndim], constant_values=0.5),
    ref=lambda x: np.pad(x, _PAD[x.ndim], constant_values=0.5), shapes=[((3,),), ((2, 3),), ((2, 1, 2),)],
    error_inputs=[([np.zeros((1, 2, 1, 2), F32)], nl.ShapeError, ("pad", "rank 4")),
                  ([np.zeros((1, 1, 1, 1, 1), F32)], nl.ShapeError, ("pad", "(1, 1, 1, 1, 1)"))],
    notes=_kind("shape")))


def _one_hot_inputs(rng, dtype):
    # labels -1 and 4 are out of range for depth 4: their rows are all zeros (documented)
    return [[np.asarray(rng.integers(-1, 5, size=s), dtype=np.int64)] for s in [(6,), (2, 3), ()]]


register(OpRecord(
    name="one_hot", fn=lambda i: nl.one_hot(i, 4),
    ref=lambda i: (i[..., None] == np.arange(4)).astype(F32), make_inputs=_one_hot_inputs, differentiable=False,
    error_inputs=[([np.array([0.0, 1.0, 2.0])], nl.DTypeError, ("one_hot", "float64"))], notes=_kind("shape")))

# -- linalg ------------------------------------------------------------------------------
register(OpRecord(
    name="matmul", fn=nl.matmul, ref=np.matmul,
    shapes=[((3, 4), (4, 2)), ((2, 3, 4), (4, 5)), ((2, 1, 3, 4), (3, 4, 2)), ((4,), (4, 3)), ((3, 4), (4,)),
            ((4,), (4,)), ((2, 3, 4), (4,)), ((4,), (2, 4, 3))],
    error_inputs=[([np.zeros((3, 4), F32), np.zeros((5, 2), F32)], nl.ShapeError, ("matmul", "(3, 4)", "(5, 2)")),
                  ([np.zeros((), F32), np.zeros(3, F32)], nl.ShapeError, ("matmul", "1-D")),
                  ([np.zeros((2, 3, 4), F32), np.zeros((3, 4, 5), F32)], nl.ShapeError,
                   ("matmul", "(2, 3, 4)", "(3, 4, 5)"))],
    notes=_kind("matmul")))

# -- state -------------------------------------------------------------------------------


from ..ops.state import ReadVariable  # noqa: E402


def _assign_fresh(v):
    """Assign ``v`` to a fresh variable of its shape and dtype; returns the assigned value."""
    return nl.assign(nl.tensor(np.zeros(v.shape, dtype=v.dtype)), v)


register(OpRecord(name="assign", fn=_assign_fresh, ref=lambda v: v.copy(), shapes=UNARY, differentiable=False,
                  notes=_kind("state")))
register(OpRecord(name="read_variable", fn=lambda v: ReadVariable.apply(v), ref=lambda v: v, shapes=UNARY,
                  notes=_kind("state")))
# group has no inputs and no outputs: covered by the dedicated graph tests in tests/ops/test_opinfo.py
register(OpRecord(name="group", fn=lambda: nl.group(), ref=None, shapes=[()], differentiable=False, graph=False,
                  notes=_kind("state")))


# -- primitives added for TF 1.x programs: floor/ceil/round, floor_divide/mod, sin/cos, logical_xor,
#    isnan/isfinite/isinf, prod/any/all/cumsum/top_k, tile/flip/take_along_axis, shape_of, reshape to a
#    shape tensor, full ---------------------------------------------------------------------------

from ..ops.reduce import ProdOfOthers  # noqa: E402
from ..ops.shape import DynamicReshape, TakeAlongAxisGrad, TileGrad  # noqa: E402


def _quarters(shape_lists):
    """Floats on the grid k / 4 in [-3, 3]: exact halves (round's ties) and integers (floor/ceil's fixed points)."""

    def make(rng, dtype):
        return [[np.asarray(rng.integers(-12, 13, size=s) / 4, dtype=dtype) for s in shapes] for shapes in shape_lists]

    return make


for _name, _fn, _ref in [("floor", nl.floor, np.floor), ("ceil", nl.ceil, np.ceil), ("round", nl.round, np.round)]:
    register(OpRecord(name=_name, fn=_fn, ref=_ref, make_inputs=_quarters(UNARY), differentiable=False,
                      error_inputs=[([np.array([True, False])], nl.DTypeError, (_name, "bool"))],
                      notes=_kind("elementwise")))

register(OpRecord(name="floor_divide", fn=nl.floor_divide, ref=np.floor_divide, shapes=BINARY,
                  sampler=_away_from_zero(0.5, 3.0), differentiable=False,
                  error_inputs=_broadcast_error("floor_divide"),
                  notes=_kind("elementwise")))

# (an integer division by zero shows only when the values are known: tested in tests/ops/test_new_primitives.py)
# mod jumps where a / b is an integer: the samples keep a / b at least 0.1 away from the integers
_MOD_FULL = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 3), ()), ((), ())]  # a has the broadcast shape
_MOD_SMALL_A = [((), (2, 3)), ((1, 3), (2, 1)), ((2, 1, 3), (4, 1))]  # it does not


def _mod_inputs(rng, dtype):
    out = []
    for sa, sb in _MOD_FULL:  # a = q b with frac(q) in [0.1, 0.9]
        b = _away_from_zero(0.5, 2.0)(rng, sb, np.float64)
        q = rng.integers(-3, 3, size=sa) + rng.uniform(0.1, 0.9, size=sa)
        out.append([np.asarray(q * b, dtype=dtype), np.asarray(b, dtype=dtype)])
    for sa, sb in _MOD_SMALL_A:  # |a| in [0.3, 1.2], |b| in [1.5, 2.5]: |a / b| in [0.12, 0.8]
        out.append([_away_from_zero(0.3, 1.2)(rng, sa, dtype), _away_from_zero(1.5, 2.5)(rng, sb, dtype)])
    return out


register(OpRecord(name="mod", fn=nl.mod, ref=np.mod, make_inputs=_mod_inputs,
                  error_inputs=_broadcast_error("mod"),
                  notes=_kind("elementwise")))

for _name, _fn, _ref in [("sin", nl.sin, np.sin), ("cos", nl.cos, np.cos), ("square", nl.square, np.square)]:
    register(OpRecord(name=_name, fn=_fn, ref=_ref, shapes=UNARY, sampler=_uniform(-4, 4),
                      notes=_kind("elementwise")))

register(OpRecord(name="logical_xor", fn=nl.logical_xor, ref=np.logical_xor, make_inputs=_bools(BINARY),
                  differentiable=False,
                  error_inputs=[([np.zeros((3, 4), bool), np.zeros((5,), bool)], nl.ShapeError,
                                 ("logical_xor", "(3, 4)", "(5,)"))],
                  notes=_kind("elementwise")))


def _specials(shape_lists):
    """Finite values mixed with NaN, +Inf and -Inf."""

    def make(rng, dtype):
        pool = np.array([np.nan, np.inf, -np.inf, 0.0, 1.5, -2.0])
        return [[np.asarray(pool[rng.integers(0, len(pool), size=s)], dtype=dtype) for s in shapes]
                for shapes in shape_lists]

    return make


for _name, _fn, _ref in [("isnan", nl.isnan, np.isnan), ("isfinite", nl.isfinite, np.isfinite),
                         ("isinf", nl.isinf, np.isinf)]:
    register(OpRecord(name=_name, fn=_fn, ref=_ref, make_inputs=_specials(UNARY), differentiable=False,
                      notes=_kind("elementwise")))


def _with_zeros(rng, shape, dtype):
    """|x| in [0.5, 1.5] with a random sign, and about one entry in four exactly 0 (prod's hard case)."""
    x = _away_from_zero(0.5, 1.5)(rng, shape, np.float64)
    return np.asarray(np.where(rng.random(shape) < 0.25, 0.0, x), dtype=dtype)


register(OpRecord(name="prod", fn=_reduce_fn(nl.prod), ref=_reduce_ref(np.prod), shapes=REDUCE, sampler=_with_zeros,
                  error_inputs=_axis_error("prod"), notes=_kind("reduce")))


def _prod_of_others_ref(x, axis):
    out = np.empty_like(x)
    xm, om = np.moveaxis(x, axis, -1), np.moveaxis(out, axis, -1)
    for i in range(xm.shape[-1]):
        om[..., i] = np.prod(np.delete(xm, i, axis=-1), axis=-1)
    return out


_PROD_OTHERS = {1: 0, 2: 1, 3: -2, 4: 4}  # rank 4: the axis-out-of-range error
register(OpRecord(
    name="prod_of_others", fn=lambda x: ProdOfOthers.apply(x, axis=_PROD_OTHERS[x.ndim]),
    ref=lambda x: _prod_of_others_ref(x, _PROD_OTHERS[x.ndim]),
    make_inputs=lambda rng, dtype: [[np.asarray([0.0, 1.5, 0.0, -2.0], dtype)], [np.asarray([[0.0, 2.0, -1.5]], dtype)]]
    + [[_with_zeros(rng, s, dtype)] for s in [(5,), (3, 4), (2, 3, 2), (3, 1)]],
    error_inputs=[([np.zeros((1, 2, 1, 2), F32)], nl.ShapeError, ("prod_of_others", "axis 4", "rank 4"))],
    notes=_kind("reduce")))

for _name, _fn, _ref in [("any", nl.any, np.any), ("all", nl.all, np.all)]:
    register(OpRecord(name=_name, fn=_reduce_fn(_fn), ref=_reduce_ref(_ref), make_inputs=_bools(REDUCE),
                      differentiable=False, error_inputs=_axis_error(_name), notes=_kind("reduce")))

# cumsum: flags by rank; rank 5 is for the axis error, rank 0 for the scalar error
_CUMSUM = {1: dict(axis=0), 2: dict(axis=1, exclusive=True), 3: dict(axis=0, reverse=True),
           4: dict(axis=-1, exclusive=True, reverse=True), 5: dict(axis=5), 0: dict(axis=0)}


def _cumsum_ref(x):
    a = _CUMSUM[x.ndim]
    ax = a["axis"] % x.ndim
    y = np.flip(x, ax) if a.get("reverse") else x
    c = np.cumsum(y, axis=ax)
    if a.get("exclusive"):
        c = np.concatenate([np.zeros_like(np.take(c, [0], axis=ax)), np.delete(c, -1, axis=ax)], axis=ax)
    return np.flip(c, ax).copy() if a.get("reverse") else c


register(OpRecord(
    name="cumsum", fn=lambda x: nl.cumsum(x, **_CUMSUM[x.ndim]), ref=_cumsum_ref,
    shapes=[((5,),), ((3, 4),), ((4, 2, 3),), ((2, 1, 3, 4),), ((1,),)],
    error_inputs=[([np.zeros((1, 1, 1, 1, 1), F32)], nl.ShapeError, ("cumsum", "axis 5", "rank 5")),
                  ([np.zeros((), F32)], nl.ShapeError, ("cumsum", "rank >= 1", "()"))],
    notes=_kind("reduce")))

_TOPK = {1: 3, 2: 4, 3: 1, 0: 1}  # k by rank; rank 0 and a short last axis are errors


def _top_k_ref(x):
    k = _TOPK[x.ndim]
    idx = np.argsort(-x, axis=-1, kind="stable")[..., :k]  # distinct samples: ties are tested on their own
    return np.take_along_axis(x, idx, axis=-1), idx.astype(np.int64)


register(OpRecord(
    name="top_k", fn=lambda x: nl.top_k(x, _TOPK[x.ndim]), ref=_top_k_ref,
    shapes=[((5,),), ((3, 4),), ((2, 3, 5),), ((4, 6),)], sampler=_distinct,
    error_inputs=[([np.zeros(2, F32)], nl.ShapeError, ("top_k", "k = 3", "(2,)")),
                  ([np.zeros((), F32)], nl.ShapeError, ("top_k", "rank >= 1", "()"))],
    notes=_kind("reduce")))

# take_along_axis(x, indices, axis): axis by rank; indices repeat (their gradients accumulate) and broadcast
_TAKE_AXIS = {1: 0, 2: 1, 3: -3}


def _take_inputs(rng, dtype):
    cases = [((5,), (7,)), ((3, 4), (3, 6)), ((4, 2, 3), (2, 2, 3)), ((3, 4), (1, 2)), ((1, 4), (3, 4))]
    out = []
    for sx, si in cases:
        n = sx[_TAKE_AXIS[len(sx)]]
        out.append([np.asarray(rng.uniform(-2, 2, size=sx), dtype=dtype), rng.integers(-n, n, size=si)])
    return out


register(OpRecord(
    name="take_along_axis", fn=lambda x, i: nl.take_along_axis(x, i, _TAKE_AXIS[x.ndim]),
    ref=lambda x, i: np.take_along_axis(x, i, _TAKE_AXIS[x.ndim]), make_inputs=_take_inputs,
    error_inputs=[([np.zeros((3, 4), F32), np.zeros(3, np.int64)], nl.ShapeError,
                   ("take_along_axis", "(3,)", "(3, 4)")),
                  ([np.zeros((3, 4), F32), np.zeros((3, 4), F32)], nl.DTypeError, ("take_along_axis", "float32"))],
    notes=_kind("shape")))


def _take_grad_ref(g, i, like):
    ax = _TAKE_AXIS[like.ndim] % like.ndim
    out = np.zeros(like.shape, g.dtype)
    grid = list(np.indices(g.shape, sparse=True))
    grid = [np.broadcast_to(i, g.shape) if k == ax else (r if like.shape[k] != 1 else np.zeros_like(r))
            for k, r in enumerate(grid)]
    np.add.at(out, tuple(grid), g)
    return out


def _take_grad_inputs(rng, dtype):
    out = []
    for x, i in _take_inputs(rng, dtype):
        gshape = np.take_along_axis(x, i, _TAKE_AXIS[x.ndim]).shape
        out.append([np.asarray(rng.uniform(-2, 2, size=gshape), dtype=dtype), i, x])
    return out


register(OpRecord(
    name="take_along_axis_grad", fn=lambda g, i, like: TakeAlongAxisGrad.apply(g, i, like, axis=_TAKE_AXIS[like.ndim]),
    ref=_take_grad_ref, make_inputs=_take_grad_inputs, notes=_kind("shape")))

_TILE = {(2, 3): (2, 1), (3,): (2, 2), (): (3,), (2, 1, 2): (1, 3, 2), (4,): (0,), (1, 2): (-1, 2)}
_TILE_SAMPLES = [(2, 3), (3,), (), (2, 1, 2), (4,)]
register(OpRecord(
    name="tile", fn=lambda x: nl.tile(x, _TILE[tuple(x.shape)]), ref=lambda x: np.tile(x, _TILE[x.shape]),
    shapes=[(s,) for s in _TILE_SAMPLES],
    error_inputs=[([np.zeros((1, 2), F32)], nl.ShapeError, ("tile", "(-1, 2)", "(1, 2)"))], notes=_kind("shape")))


def _tile_grad_ref(g, like):
    reps = _TILE[like.shape]
    nd = max(like.ndim, len(reps))
    shape = (1,) * (nd - like.ndim) + like.shape
    reps = (1,) * (nd - len(reps)) + reps
    out = np.zeros(shape, g.dtype)
    for block in np.ndindex(*reps):
        out += g[tuple(slice(b * d, (b + 1) * d) for b, d in zip(block, shape))]
    return out.reshape(like.shape)


register(OpRecord(
    name="tile_grad", fn=lambda g, like: TileGrad.apply(g, like, reps=_TILE[tuple(like.shape)]), ref=_tile_grad_ref,
    shapes=[(np.tile(np.empty(s), _TILE[s]).shape, s) for s in _TILE_SAMPLES],
    error_inputs=[([np.zeros((4, 4), F32), np.zeros((2, 3), F32)], nl.ShapeError, ("tile_grad", "(4, 4)", "(4, 3)"))],
    notes=_kind("shape")))

_FLIP = {(3, 4): 1, (2, 3, 4): (0, -1), (5,): None, (): None, (2, 2): 2}
register(OpRecord(
    name="flip", fn=lambda x: nl.flip(x, _FLIP[tuple(x.shape)]), ref=lambda x: np.flip(x, _FLIP[x.shape]).copy(),
    shapes=[((3, 4),), ((2, 3, 4),), ((5,),), ((),)],
    error_inputs=[([np.zeros((2, 2), F32)], nl.ShapeError, ("flip", "axis 2", "rank 2"))], notes=_kind("shape")))

register(OpRecord(name="shape_of", fn=nl.shape_of, ref=lambda x: np.asarray(x.shape, np.int32), shapes=UNARY,
                  differentiable=False, notes=_kind("shape")))

# reshape to a shape tensor (eagerly and compiled; the graph tests with unknown static sizes are in
# tests/ops/test_new_primitives.py, because the static shape is known only when the graph runs)
_DYN_RESHAPE = [((2, 3), [3, 2]), ((2, 3, 4), [4, -1]), ((), [1, 1]), ((6,), [2, 1, 3]), ((1, 1), [])]


def _dyn_reshape_inputs(rng, dtype):
    return [[np.asarray(rng.uniform(-2, 2, size=s), dtype=dtype), np.asarray(t, dtype=np.int64).reshape(len(t))]
            for s, t in _DYN_RESHAPE]


register(OpRecord(
    name="dynamic_reshape", fn=lambda x, s: DynamicReshape.apply(x, s), ref=lambda x, s: np.reshape(x, tuple(s)),
    make_inputs=_dyn_reshape_inputs, graph=False,
    # (a size mismatch shows only when the graph runs: tested in tests/ops/test_new_primitives.py)
    error_inputs=[([np.zeros(4, F32), np.array([2.0, 2.0])], nl.DTypeError, ("reshape", "integer", "float64")),
                  ([np.zeros(4, F32), np.array([[2, 2]])], nl.ShapeError, ("reshape", "1-D", "(1, 2)"))],
    notes=_kind("shape")))

register(OpRecord(
    name="fill", fn=lambda v: nl.full((2, 3), v), ref=lambda v: np.full((2, 3), v, dtype=v.dtype),
    shapes=[((),), ((),), ((),)],
    error_inputs=[([np.zeros(2, F32)], nl.ShapeError, ("full", "scalar", "(2,)"))], notes=_kind("shape")))
