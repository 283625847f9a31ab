"""Masking, N-d gather/scatter, unique and segment reductions (the ops TF 1.x tutorials use).

``sequence_mask(lengths, maxlen)``
    ``y[i..., t] = t < lengths[i...]``, shape ``lengths.shape + (maxlen,)``;
    ``maxlen=None`` means ``max(lengths)`` (known when the graph runs).
``boolean_mask(x, mask, axis=0)``
    the entries of ``x`` where the ``k``-D bool ``mask`` is True, the ``k`` masked
    dimensions (``x.shape[axis:axis + k]`` = ``mask.shape``) flattened into one of
    data-dependent size: ``x.shape[:axis] + (count,) + x.shape[axis + k:]``.
    Gradient: the output gradient scattered back into the masked positions,
    zeros elsewhere (:class:`BooleanMaskGrad`).
``gather_nd(params, indices)``
    ``y[i...] = params[tuple(indices[i..., :])]``, with ``m = indices.shape[-1]``
    leading axes indexed: shape ``indices.shape[:-1] + params.shape[m:]``.
    Gradient: a scatter-add (:func:`scatter_nd` into params' shape).
``scatter_nd(indices, updates, shape)``
    zeros of ``shape`` with each ``updates[i...]`` *added* at ``indices[i..., :]``
    (repeated indices sum, as in TF). Gradient w.r.t. updates: ``gather_nd(g, indices)``.
``unique(x)``
    the distinct values of a 1-D x in order of first appearance and, for each
    element, the position of its value among them (TF's ``Unique``; no gradient).
``unsorted_segment_sum(data, ids, n)`` / ``segment_sum`` / ``segment_mean`` / ``segment_max``
    ``y[s] = sum (mean, max) of data[i...] over ids[i...] == s``, shape
    ``(n,) + data.shape[ids.ndim:]``. The unsorted sum drops negative ids (TF);
    the sorted versions need non-decreasing ids and take ``n = ids[-1] + 1`` at
    run time; an empty segment gives 0 (TF). Gradients: the output gradient
    gathered back by id; for max it is split evenly among the elements that
    attain the maximum (TF's rule).

``arange(start, limit, delta)``
    ``start, start + delta, ...`` below ``limit`` (above it for a negative
    delta) with bounds that may be known only when the graph runs (TF's
    ``tf.range(tf.shape(x)[0])``, the row numbers ``gather_nd`` pairs with labels).

Every index is checked when the op runs: a bad one raises
:class:`~neuralab.ops.indexing.IndexRangeError` naming the op, the index and
the shape it does not fit.

Why primitives: each of these has a data-dependent output size or a
scatter-add gradient; composing them from ``getitem`` would freeze the mask or
the indices into the graph. The scatters pick their kernel by row size
(:func:`_scatter_rows`: NumPy's 1-D ``add.at`` for scalar rows, the sorted
``reduceat`` of :func:`~neuralab.ops.indexing.scatter_add_rows` for longer
rows, 1.4-2x faster than ``add.at`` there).
"""
from __future__ import annotations

import numpy as np

from .._core.errors import DTypeError, ShapeError
from .._core.op import Op, Spec, fmt_shape
from . import elementwise as E, shape as S
from .indexing import IndexRangeError, Take, scatter_add_rows

__all__ = [
    "BooleanMask", "BooleanMaskGrad", "GatherNd", "Range", "ScatterNd", "SegmentMax", "SegmentSum", "SequenceMask",
    "Unique", "UnsortedSegmentSum", "arange", "boolean_mask", "gather_nd", "scatter_nd", "segment_max", "segment_mean",
    "segment_sum", "sequence_mask", "unique", "unsorted_segment_sum",
]


def _tensor(x, dtype=None):
    from .._core.tensor import Tensor

    if isinstance(x, Tensor):
        return x
    if hasattr(x, "__neuralab_tensor__"):
        return x.__neuralab_tensor__()
    return Tensor(np.asarray(x, dtype=dtype))


def _int_spec(opname, what, spec):
    if spec.dtype.kind not in "iu":
        raise DTypeError(f"{opname}: {what} must be integers, got {spec.dtype}")


def _scalar_spec(opname, what, spec):
    _int_spec(opname, what, spec)
    if spec.shape is not None and len(spec.shape) != 0:
        raise ShapeError(f"{opname}: {what} must be a scalar, got shape {fmt_shape(spec.shape)}")


def _same(a, b):
    return a is None or b is None or a == b


class _Vector(Op):
    """x itself, checked to be 1-D when the op runs: gives an input of unknown rank the static rank 1 that the
    op it feeds requires (its ``infer`` then sees ``(None,)``, not a guess at the rank)."""

    nin = 1
    differentiable = False

    def __init__(self, what="input"):
        super().__init__(what=what)

    def forward(self, xp, x):
        if x.ndim != 1:
            raise ShapeError(f"{self.what} must be 1-D, got shape {fmt_shape(x.shape)}")
        return (x,)

    def infer(self, x):
        return (Spec((None,), x.dtype),)

    def backward(self, g):  # pragma: no cover - not differentiable
        return (None,)


def _vector(t, what):
    """``t`` when its rank is known, else ``t`` through :class:`_Vector` (checked to be 1-D at run time)."""
    return _Vector.apply(t, what=what) if t.data is None and t.shape is None else t


# ---------------------------------------------------------------------------------------
# sequence_mask
# ---------------------------------------------------------------------------------------

class SequenceMask(Op):
    """``t < lengths[i...]`` for ``t`` in ``range(maxlen)``: bool, shape ``lengths.shape + (maxlen,)``.

    Inputs: ``lengths`` (integers) and optionally ``maxlen`` (a scalar integer
    tensor); without it ``maxlen = max(lengths)`` when the op runs (0 for no
    lengths). ``static_maxlen``: the size when known at build time. No gradient.
    """

    nin = None
    differentiable = False

    def __init__(self, static_maxlen=None):
        super().__init__(static_maxlen=static_maxlen)

    def forward(self, xp, lengths, *maxlen):
        if maxlen:
            n = int(maxlen[0])
            if n < 0:
                raise ShapeError(f"sequence_mask: maxlen must be >= 0, got {n}")
        else:
            n = int(lengths.max()) if lengths.size else 0
            n = n if n > 0 else 0
        return (xp.arange(n, dtype=lengths.dtype) < lengths[..., None],)

    def infer(self, lengths, *maxlen):
        _int_spec("sequence_mask", "lengths", lengths)
        if maxlen:
            _scalar_spec("sequence_mask", "maxlen", maxlen[0])
        if lengths.shape is None:
            return (Spec(None, np.dtype(bool)),)
        return (Spec(tuple(lengths.shape) + (self.static_maxlen,), np.dtype(bool)),)

    def backward(self, g):  # pragma: no cover - not differentiable
        return (None,) * len(self.inputs)


def sequence_mask(lengths, maxlen=None, dtype=bool):
    """The mask ``t < lengths[i...]`` over ``t in range(maxlen)``, shape ``lengths.shape + (maxlen,)`` (TF's
    ``tf.sequence_mask``: batch-major, the time axis last).

    ``maxlen``: an int, a scalar integer tensor (possibly symbolic) or None for
    ``max(lengths)`` at run time. ``dtype``: the result's dtype (bool, or 1/0 in
    a numeric dtype).

    >>> nl.sequence_mask([1, 3], 4).numpy().astype(int).tolist()
    [[1, 0, 0, 0], [1, 1, 1, 0]]
    """
    from .._core.dtypes import as_dtype

    lengths = _tensor(lengths)
    if lengths.dtype.kind not in "iu":
        raise DTypeError(f"sequence_mask: lengths must be integers, got {lengths.dtype}")
    if maxlen is None:
        out = SequenceMask.apply(lengths)
    elif isinstance(maxlen, (int, np.integer)):
        if maxlen < 0:
            raise ShapeError(f"sequence_mask: maxlen must be >= 0, got {maxlen}")
        out = SequenceMask.apply(lengths, np.asarray(int(maxlen), lengths.dtype), static_maxlen=int(maxlen))
    else:
        m = _tensor(maxlen)
        if m.data is not None:
            return sequence_mask(lengths, int(m.data) if m.ndim == 0 else m.data, dtype)
        out = SequenceMask.apply(lengths, m)
    d = as_dtype(dtype)
    return out if d == np.dtype(bool) else E.cast(out, d)


# ---------------------------------------------------------------------------------------
# arange with run-time bounds
# ---------------------------------------------------------------------------------------

class Range(Op):
    """``arange(start, limit, delta)`` of scalar tensors (TF's ``Range``): 1-D, its length known at run time.

    No gradient (the values do not depend smoothly on the bounds).
    """

    nin = 3
    differentiable = False

    def __init__(self, dtype=None):
        super().__init__(dtype=None if dtype is None else np.dtype(dtype))

    def forward(self, xp, start, limit, delta):
        if delta == 0:
            raise ShapeError("arange: delta must not be 0")
        d = self.dtype or np.result_type(start.dtype, limit.dtype, delta.dtype)
        return (xp.arange(start.item(), limit.item(), delta.item()).astype(d),)

    def infer(self, start, limit, delta):
        for what, s in (("start", start), ("limit", limit), ("delta", delta)):
            if s.shape is not None and len(s.shape) != 0:
                raise ShapeError(f"arange: {what} must be a scalar, got shape {fmt_shape(s.shape)}")
        return (Spec((None,), self.dtype or np.result_type(start.dtype, limit.dtype, delta.dtype)),)

    def backward(self, g):  # pragma: no cover - not differentiable
        return None, None, None


def arange(start, limit=None, delta=1, dtype=None):
    """``start, start + delta, ...`` up to (not including) ``limit`` (NumPy's ``arange``, TF's ``tf.range``).

    The bounds may be scalar tensors known only when the graph runs; the
    result is then a graph node of static shape ``(None,)``. ``dtype``: the
    result's (default: the bounds' common dtype).

    >>> nl.arange(nl.tensor(1), 7, 2).numpy().tolist()
    [1, 3, 5]
    """
    from .._core.dtypes import as_dtype

    if limit is None:
        start, limit = 0, start
    from .._core.tensor import Tensor

    d = as_dtype(dtype)
    given = [v if isinstance(v, Tensor) else v.__neuralab_tensor__() if hasattr(v, "__neuralab_tensor__") else None
             for v in (start, limit, delta)]
    kinds = [t.dtype for t in given if t is not None]
    floats = [k for k in kinds if k.kind == "f"]
    py_float = any(t is None and isinstance(v, float) for t, v in zip(given, (start, limit, delta)))
    common = (np.result_type(*floats) if floats else np.dtype(np.float32) if py_float
              else np.result_type(*kinds) if kinds else np.dtype(np.int64))  # Python numbers take the tensors' type
    vals = [t if t is not None and t.dtype == common else E.cast(t, common) if t is not None
            else _tensor(np.asarray(v, dtype=common)) for t, v in zip(given, (start, limit, delta))]
    return Range.apply(*vals, dtype=d)


# ---------------------------------------------------------------------------------------
# boolean_mask
# ---------------------------------------------------------------------------------------

def _mask_axis(opname, x_shape, mask_shape, axis):
    """Check the mask against x's dimensions ``axis:axis+k`` and return the axis as a non-negative int."""
    k = len(mask_shape)
    if k == 0:
        raise ShapeError(f"{opname}: the mask must have at least one dimension, got shape ()")
    if x_shape is None:
        if axis < 0:
            raise ShapeError(f"{opname}: a negative axis ({axis}) needs the tensor's rank, which is unknown")
        return axis
    r = len(x_shape)
    a = axis + r if axis < 0 else axis
    if a < 0 or a + k > r:
        raise ShapeError(f"{opname}: a mask of shape {fmt_shape(mask_shape)} at axis {axis} does not fit a tensor "
                         f"of shape {fmt_shape(x_shape)}")
    if not all(_same(d, m) for d, m in zip(x_shape[a:a + k], mask_shape)):
        raise ShapeError(f"{opname}: mask of shape {fmt_shape(mask_shape)} does not match dimensions {a}..{a + k - 1} "
                         f"of the tensor of shape {fmt_shape(x_shape)}")
    return a


class BooleanMask(Op):
    """The entries of x where ``mask`` (bool, ``x.shape[axis:axis+k]``) is True, the masked dims flattened.

    Output shape ``x.shape[:axis] + (count,) + x.shape[axis+k:]`` (count known
    at run time). Gradient: :class:`BooleanMaskGrad` (g scattered back, zeros elsewhere).
    """

    nin = 2
    nondiff_inputs = (1,)

    def __init__(self, axis=0):
        super().__init__(axis=axis)

    def forward(self, xp, x, mask):
        a = _mask_axis("boolean_mask", x.shape, mask.shape, self.axis)
        k = mask.ndim
        flat = x.reshape(x.shape[:a] + (-1,) + x.shape[a + k:]) if k != 1 else x
        return (xp.compress(mask.reshape(-1), flat, axis=a),)

    def infer(self, x, mask):
        if mask.dtype.kind != "b":
            raise DTypeError(f"boolean_mask: the mask must be bool, got {mask.dtype}")
        if mask.shape is None:
            raise ShapeError("boolean_mask: the mask's rank must be known (its sizes may be None)")
        a = _mask_axis("boolean_mask", x.shape, mask.shape, self.axis)
        if x.shape is None:
            return (Spec(None, x.dtype),)
        return (Spec(tuple(x.shape[:a]) + (None,) + tuple(x.shape[a + len(mask.shape):]), x.dtype),)

    def backward(self, g):
        x, mask = self.inputs
        return BooleanMaskGrad.apply(g[0], mask, x, axis=self.axis), None


class BooleanMaskGrad(Op):
    """Zeros shaped like ``like`` with g's entries placed where ``mask`` is True (the gradient of BooleanMask).

    Linear in g; its gradient w.r.t. g is ``boolean_mask(gg, mask, axis)``.
    """

    nin = 3
    nondiff_inputs = (1, 2)

    def __init__(self, axis=0):
        super().__init__(axis=axis)

    def forward(self, xp, g, mask, like):
        a = _mask_axis("boolean_mask_grad", like.shape, mask.shape, self.axis)
        k = mask.ndim
        m = mask.reshape(-1)
        flat_shape = like.shape[:a] + (m.size,) + like.shape[a + k:]
        want = like.shape[:a] + (int(m.sum()),) + like.shape[a + k:]
        if g.shape != want:
            raise ShapeError(f"boolean_mask_grad: g of shape {fmt_shape(g.shape)} does not fit a mask with "
                             f"{want[a]} True entries in a tensor of shape {fmt_shape(like.shape)}")
        out = xp.zeros(flat_shape, dtype=g.dtype)
        out[(slice(None),) * a + (m,)] = g
        return (out.reshape(like.shape),)

    def infer(self, g, mask, like):
        if mask.shape is None:
            raise ShapeError("boolean_mask_grad: the mask's rank must be known")
        _mask_axis("boolean_mask_grad", like.shape, mask.shape, self.axis)
        return (Spec(like.shape, g.dtype),)

    def backward(self, gg):
        _, mask, _ = self.inputs
        return BooleanMask.apply(gg[0], mask, axis=self.axis), None, None


def boolean_mask(x, mask, axis=0):
    """The entries of ``x`` where ``mask`` is True (TF's ``tf.boolean_mask``; NumPy's ``x[mask]`` for axis 0).

    ``mask``: bool, of rank ``k >= 1`` known at build time, matching
    ``x.shape[axis:axis+k]``; those dimensions become one of size
    ``count_nonzero(mask)``. The gradient is scattered back into the masked
    positions (zeros elsewhere).

    >>> nl.boolean_mask(nl.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), [True, False, True]).numpy().tolist()
    [[1.0, 2.0], [5.0, 6.0]]
    """
    x = _tensor(x)
    mask = _tensor(mask)
    if mask.dtype.kind != "b":
        raise DTypeError(f"boolean_mask: the mask must be bool, got {mask.dtype}")
    if mask.shape is None:
        raise ShapeError("boolean_mask: the mask's rank must be known (its sizes may be None)")
    return BooleanMask.apply(x, mask, axis=int(axis))


# ---------------------------------------------------------------------------------------
# gather_nd / scatter_nd
# ---------------------------------------------------------------------------------------

def _flat_index(opname, xp, indices, shape):
    """Row numbers of the index tuples ``indices[..., :m]`` in ``shape[:m]`` (checked), flattened."""
    m = indices.shape[-1]
    lead = shape[:m]
    flat = indices.reshape(-1, m)
    if flat.size:
        bad = (flat < 0) | (flat >= xp.asarray(lead, dtype=flat.dtype))
        if bad.any():
            r = int(xp.argmax(bad.any(axis=1)))  # the first bad row (argmax of bools: the first True)
            raise IndexRangeError(f"{opname}: index {[int(v) for v in flat[r]]} (row {r} of the indices) is out of "
                                  f"range for shape {fmt_shape(shape)}")
        rows = xp.ravel_multi_index(tuple(flat.T), lead) if m else xp.zeros(flat.shape[0], dtype=np.intp)
    else:
        rows = xp.zeros((0,), dtype=np.intp)
    return rows


def _nd_check(opname, indices, shape):
    """The index depth ``m`` (None if unknown) after checking indices against a tensor of ``shape``."""
    _int_spec(opname, "indices", indices)
    if indices.shape is not None and len(indices.shape) == 0:
        raise ShapeError(f"{opname}: indices must be at least 1-D (the last axis holds the index tuples), got ()")
    m = indices.shape[-1] if indices.shape is not None else None
    if m is not None and shape is not None and m > len(shape):
        raise ShapeError(f"{opname}: index tuples of length {m} (indices of shape {fmt_shape(indices.shape)}) do not "
                         f"fit a tensor of rank {len(shape)} (shape {fmt_shape(shape)})")
    return m


class GatherNd(Op):
    """``params[tuple(indices[i..., :])]``: shape ``indices.shape[:-1] + params.shape[m:]``, ``m = indices.shape[-1]``.

    Gradient: :class:`ScatterNd` of g into params' shape (a scatter-add).
    """

    nin = 2
    nondiff_inputs = (1,)

    def forward(self, xp, params, indices):
        _nd_check("gather_nd", Spec(indices.shape, indices.dtype), params.shape)
        m = indices.shape[-1]
        rows = _flat_index("gather_nd", xp, indices, params.shape)
        table = params.reshape((-1,) + params.shape[m:]) if m else params.reshape((1,) + params.shape)
        return (xp.take(table, rows, axis=0).reshape(indices.shape[:-1] + params.shape[m:]),)

    def infer(self, params, indices):
        m = _nd_check("gather_nd", indices, params.shape)
        if m is None or params.shape is None:
            return (Spec(None, params.dtype),)
        return (Spec(tuple(indices.shape[:-1]) + tuple(params.shape[m:]), params.dtype),)

    def backward(self, g):
        params, indices = self.inputs
        return ScatterNd.apply(indices, g[0], S.shape_of(params, np.int64), static_shape=params.shape), None


class ScatterNd(Op):
    """Zeros of the run-time ``shape`` (a 1-D integer tensor) with ``updates[i...]`` added at ``indices[i..., :]``.

    ``updates.shape`` must be ``indices.shape[:-1] + shape[m:]``; repeated indices
    sum. ``static_shape``: what is known of the shape at build time (a tuple,
    entries may be None). Gradient w.r.t. updates: ``gather_nd(g, indices)``.
    """

    nin = 3
    nondiff_inputs = (0, 2)

    def __init__(self, static_shape=None):
        super().__init__(static_shape=None if static_shape is None else tuple(static_shape))

    def forward(self, xp, indices, updates, shape):
        dims = S._dims("scatter_nd", shape)
        m = _nd_check("scatter_nd", Spec(indices.shape, indices.dtype), dims)
        want = indices.shape[:-1] + dims[m:]
        if updates.shape != want:
            raise ShapeError(f"scatter_nd: updates of shape {fmt_shape(updates.shape)} do not fit indices of shape "
                             f"{fmt_shape(indices.shape)} into shape {fmt_shape(dims)} (expected {fmt_shape(want)})")
        rows = _flat_index("scatter_nd", xp, indices, dims)
        n = int(np.prod(dims[:m], dtype=np.int64))
        out = _scatter_rows(xp, updates.reshape((rows.shape[0],) + dims[m:]), rows, n)
        return (out.reshape(dims),)

    def infer(self, indices, updates, shape):
        S._check_shape_tensor("scatter_nd", shape)
        out = S.shape_from_dims("scatter_nd", shape, self.static_shape)
        m = _nd_check("scatter_nd", indices, out)
        if m is not None and out is not None and indices.shape is not None and updates.shape is not None:
            want = tuple(indices.shape[:-1]) + tuple(out[m:])
            if len(updates.shape) != len(want) or not all(_same(a, b) for a, b in zip(updates.shape, want)):
                raise ShapeError(f"scatter_nd: updates of shape {fmt_shape(updates.shape)} do not fit indices of "
                                 f"shape {fmt_shape(indices.shape)} into shape {fmt_shape(out)} "
                                 f"(expected {fmt_shape(want)})")
        return (Spec(out, updates.dtype),)

    def backward(self, g):
        indices = self.inputs[0]
        return None, GatherNd.apply(g[0], indices), None


def gather_nd(params, indices):
    """Slices of ``params`` at the index tuples in the last axis of ``indices`` (TF's ``tf.gather_nd``).

    With ``m = indices.shape[-1]``: ``y[i...] = params[indices[i..., 0], ...,
    indices[i..., m-1]]``, shape ``indices.shape[:-1] + params.shape[m:]``. Every
    index must lie in range (an IndexRangeError names the bad tuple). The
    gradient w.r.t. params is a scatter-add.

    >>> nl.gather_nd(nl.tensor([[1.0, 2.0], [3.0, 4.0]]), [[1, 0], [0, 1]]).numpy().tolist()
    [3.0, 2.0]
    """
    params = _tensor(params)
    indices = _tensor(indices)
    if indices.dtype.kind not in "iu":
        raise DTypeError(f"gather_nd: indices must be integers, got {indices.dtype}")
    return GatherNd.apply(params, indices)


def scatter_nd(indices, updates, shape):
    """Zeros of ``shape`` with ``updates`` added at the index tuples of ``indices`` (TF's ``tf.scatter_nd``).

    ``shape``: a tuple of ints or a 1-D integer tensor (possibly symbolic);
    ``updates.shape == indices.shape[:-1] + shape[m:]``. Repeated indices sum.
    The gradient w.r.t. ``updates`` is ``gather_nd(g, indices)``.

    >>> nl.scatter_nd([[1], [1], [3]], nl.tensor([1.0, 2.0, 3.0]), (5,)).numpy().tolist()
    [0.0, 3.0, 0.0, 3.0, 0.0]
    """
    from .._core.tensor import Tensor

    indices = _tensor(indices)
    updates = _tensor(updates)
    if indices.dtype.kind not in "iu":
        raise DTypeError(f"scatter_nd: indices must be integers, got {indices.dtype}")
    dims = S._shape_arg("scatter_nd", shape)
    if isinstance(dims, tuple):
        return ScatterNd.apply(indices, updates, Tensor(np.asarray(dims, np.int64).reshape(len(dims))),
                               static_shape=dims)
    return ScatterNd.apply(indices, updates, _vector(dims, "scatter_nd: the shape"))


# ---------------------------------------------------------------------------------------
# unique
# ---------------------------------------------------------------------------------------

class Unique(Op):
    """The distinct values of a 1-D x in order of first appearance, and each element's position among them.

    Outputs ``(y, idx)`` with ``x == y[idx]``; ``idx`` has dtype ``out_idx``. No gradient.
    """

    nin = 1
    nout = 2
    differentiable = False

    def __init__(self, out_idx=np.int32):
        super().__init__(out_idx=np.dtype(out_idx))

    def forward(self, xp, x):
        if x.ndim != 1:
            raise ShapeError(f"unique: x must be 1-D, got shape {fmt_shape(x.shape)}")
        vals, first, inv = xp.unique(x, return_index=True, return_inverse=True)
        order = xp.argsort(first, kind="stable")  # sorted values -> order of first appearance
        rank = xp.empty_like(order)
        rank[order] = xp.arange(order.size)
        return vals[order], rank[inv.reshape(-1)].astype(self.out_idx)

    def infer(self, x):
        if x.shape is not None and len(x.shape) != 1:
            raise ShapeError(f"unique: x must be 1-D, got shape {fmt_shape(x.shape)}")
        n = x.shape[0] if x.shape is not None else None
        return Spec((None,), x.dtype), Spec((n,), self.out_idx)

    def backward(self, g):  # pragma: no cover - not differentiable
        return (None,)


def unique(x, out_idx=np.int32):
    """``(y, idx)``: the distinct values of the 1-D ``x`` in order of first appearance, and ``x == y[idx]``
    (TF's ``tf.unique``; not sorted, unlike ``numpy.unique``). No gradient.

    >>> [t.numpy().tolist() for t in nl.unique([4, 1, 4, 2])]
    [[4, 1, 2], [0, 1, 0, 2]]
    """
    from .._core.dtypes import as_dtype

    d = as_dtype(out_idx)
    if d.kind not in "iu":
        raise DTypeError(f"unique: out_idx must be an integer dtype, got {d}")
    return Unique.apply(_vector(_tensor(x), "unique: x"), out_idx=d)


# ---------------------------------------------------------------------------------------
# segment reductions
# ---------------------------------------------------------------------------------------

def _segment_shapes(opname, data, ids):
    _int_spec(opname, "segment_ids", ids)
    if data.shape is None or ids.shape is None:
        return None
    k = len(ids.shape)
    if k > len(data.shape) or not all(_same(a, b) for a, b in zip(data.shape[:k], ids.shape)):
        raise ShapeError(f"{opname}: segment_ids of shape {fmt_shape(ids.shape)} must match the leading dimensions "
                         f"of data of shape {fmt_shape(data.shape)}")
    return tuple(data.shape[k:])


def _check_sorted(opname, ids):
    if ids.ndim != 1:
        raise ShapeError(f"{opname}: segment_ids must be 1-D, got shape {fmt_shape(ids.shape)}")
    if ids.size and ids[0] < 0:
        raise IndexRangeError(f"{opname}: segment ids must be >= 0, got {int(ids[0])}")
    down = ids[1:] < ids[:-1]
    if ids.size > 1 and down.any():
        i = int(down.argmax())
        raise IndexRangeError(f"{opname}: segment ids are not increasing (ids[{i}] = {int(ids[i])}, "
                              f"ids[{i + 1}] = {int(ids[i + 1])})")
    return int(ids[-1]) + 1 if ids.size else 0


def _scatter_rows(xp, rows, idx, n):
    """zeros((n,) + rows.shape[1:]) with ``rows[k]`` added into row ``idx[k]``.

    Scalar rows go through NumPy's 1-D ``add.at`` fast path (5 us against 54 us
    for 512 updates into 5120 entries, 0.43 ms against 3.4 ms for 20 000 into
    100 000); rows of 10 or more values through the sorted ``reduceat`` of
    :func:`~neuralab.ops.indexing.scatter_add_rows` (0.07 ms against 0.12 ms
    for 512 rows of 10, 2.9 ms against 4.1 ms for 3200 rows of 64).
    """
    if xp is np and rows.ndim == 1:
        out = np.zeros(n, dtype=rows.dtype)
        np.add.at(out, idx, rows)
        return out
    return scatter_add_rows(xp, rows, idx, n)


def _gather_segments(g, ids):
    """``g[ids[i...]]`` with zeros where an id is negative (the gradient of a segment sum w.r.t. data)."""
    if ids.data is not None and (ids.data >= 0).all():
        return Take.apply(g, ids)
    # row 0 of [zeros; g] for the dropped ids, row s + 1 for id s: no rank needed
    padded = S.concatenate([S.zeros_like(Take.apply(g, np.zeros(1, np.int64))), g], axis=0)
    return Take.apply(padded, E.where(E.greater_equal(ids, 0), ids + 1, 0))


class UnsortedSegmentSum(Op):
    """``y[s] = sum of data[i...] over ids[i...] == s`` for ``s < num_segments``; negative ids are dropped.

    Inputs: data, segment_ids (``data.shape[:ids.ndim]``), num_segments (a scalar
    integer tensor; ``static_n`` is its value when known at build time). Shape
    ``(num_segments,) + data.shape[ids.ndim:]``. Gradient: g gathered by id (0 for dropped ids).
    """

    nin = 3
    nondiff_inputs = (1, 2)

    def __init__(self, static_n=None, ranks_known=True):
        super().__init__(static_n=static_n, ranks_known=ranks_known)

    def forward(self, xp, data, ids, n):
        n = int(n)
        _segment_shapes(self.opname, Spec(data.shape, data.dtype), Spec(ids.shape, ids.dtype))
        if ids.size and ids.max() >= n:
            bad = int(ids.max())
            raise IndexRangeError(f"{self.opname}: segment id {bad} is out of range [0, {n}) "
                                  f"(num_segments = {n})")
        rows = data.reshape((ids.size,) + data.shape[ids.ndim:])
        flat = ids.reshape(-1)
        if ids.size and flat.min() < 0:
            keep = flat >= 0
            rows, flat = rows[keep], flat[keep]
        return (_scatter_rows(xp, rows, flat, n),)

    def infer(self, data, ids, n):
        rest = _segment_shapes(self.opname, data, ids)
        _scalar_spec(self.opname, "num_segments", n)
        if rest is None or not self.ranks_known:  # (the rank is data's minus ids' plus 1: unknown if either is)
            return (Spec(None, data.dtype),)
        return (Spec((self.static_n,) + rest, data.dtype),)

    def backward(self, g):
        return _gather_segments(g[0], self.inputs[1]), None, None


def _sorted_segment_spec(opname, data, ids):
    """The output Spec of a sorted segment reduction: ``(None,) + data.shape[1:]`` (the count is ids[-1] + 1)."""
    rest = _segment_shapes(opname, data, ids)
    if ids.shape is not None and len(ids.shape) != 1:
        raise ShapeError(f"{opname}: segment_ids must be 1-D, got shape {fmt_shape(ids.shape)}")
    return Spec(None if rest is None else (None,) + rest, data.dtype)


class SegmentSum(Op):
    """``y[s] = sum of data[i] over ids[i] == s`` for sorted 1-D ids; ``n = ids[-1] + 1`` at run time.

    Empty segments are 0. Gradient: ``g[ids]``.
    """

    nin = 2
    nondiff_inputs = (1,)

    def forward(self, xp, data, ids):
        _segment_shapes("segment_sum", Spec(data.shape, data.dtype), Spec(ids.shape, ids.dtype))
        n = _check_sorted("segment_sum", ids)
        return (_scatter_rows(xp, data, ids, n),)

    def infer(self, data, ids):
        return (_sorted_segment_spec("segment_sum", data, ids),)

    def backward(self, g):
        return Take.apply(g[0], self.inputs[1]), None


class SegmentMax(Op):
    """``y[s] = max of data[i] over ids[i] == s`` for sorted 1-D ids (``n = ids[-1] + 1``); empty segments are 0.

    Gradient: g[s] split evenly among the elements of segment s equal to its
    maximum (TF's rule for ties), zeros for the others.
    """

    nin = 2
    nondiff_inputs = (1,)
    retain_outputs = True

    def forward(self, xp, data, ids):
        _segment_shapes("segment_max", Spec(data.shape, data.dtype), Spec(ids.shape, ids.dtype))
        n = _check_sorted("segment_max", ids)
        out = xp.zeros((n,) + data.shape[1:], dtype=data.dtype)
        if not ids.size:
            return (out,)
        if xp is np:  # one pass over the sorted runs
            starts = np.flatnonzero(np.concatenate(([True], ids[1:] != ids[:-1])))
            out[ids[starts]] = np.maximum.reduceat(data, starts, axis=0)
        else:  # array modules without reduceat: maximum.at from the lowest value, empty segments back to 0
            low = -xp.inf if data.dtype.kind == "f" else xp.iinfo(data.dtype).min
            out = xp.full((n,) + data.shape[1:], low, dtype=data.dtype)
            xp.maximum.at(out, ids, data)
            out[xp.bincount(ids, minlength=n) == 0] = 0
        return (out,)

    def infer(self, data, ids):
        return (_sorted_segment_spec("segment_max", data, ids),)

    def backward(self, g):
        data, ids = self.inputs
        hit = E.equal(data, Take.apply(self.output(0), ids))
        count = SegmentSum.apply(E.cast(hit, data.dtype), ids)  # >= 1 wherever a segment is not empty
        share = g[0] / E.maximum(count, 1)
        return E.where(hit, Take.apply(share, ids), 0), None


def _segment_args(opname, data, segment_ids, sorted_ids=True):
    data = _tensor(data)
    ids = _tensor(segment_ids)
    if ids.dtype.kind not in "iu":
        raise DTypeError(f"{opname}: segment_ids must be integers, got {ids.dtype}")
    return data, (_vector(ids, f"{opname}: segment_ids") if sorted_ids else ids)


def unsorted_segment_sum(data, segment_ids, num_segments):
    """Sums of ``data`` over equal ids: ``y[s] = sum of data[i...] where segment_ids[i...] == s`` (TF's
    ``tf.math.unsorted_segment_sum``).

    ``segment_ids`` matches the leading dimensions of ``data``, in any order;
    negative ids are dropped, ids ``>= num_segments`` raise. ``num_segments``: an
    int or a scalar integer tensor. Shape ``(num_segments,) + data.shape[ids.ndim:]``.

    >>> nl.unsorted_segment_sum(nl.tensor([1.0, 2.0, 3.0, 4.0]), [0, -1, 2, 0], 3).numpy().tolist()
    [5.0, 0.0, 3.0]
    """
    data, ids = _segment_args("unsorted_segment_sum", data, segment_ids, sorted_ids=False)
    known = data.shape is not None and ids.shape is not None
    if isinstance(num_segments, (int, np.integer)):
        if num_segments < 0:
            raise ShapeError(f"unsorted_segment_sum: num_segments must be >= 0, got {num_segments}")
        return UnsortedSegmentSum.apply(data, ids, np.asarray(int(num_segments), np.int64),
                                        static_n=int(num_segments), ranks_known=known)
    n = _tensor(num_segments)
    if n.data is not None and n.ndim == 0 and n.dtype.kind in "iu":
        return unsorted_segment_sum(data, ids, int(n.data))
    return UnsortedSegmentSum.apply(data, ids, n, ranks_known=known)


def segment_sum(data, segment_ids):
    """Sums of ``data`` (axis 0) over runs of equal, sorted ``segment_ids`` (TF's ``tf.math.segment_sum``).

    ``y[s] = sum of data[i] where segment_ids[i] == s``; ids must be >= 0 and
    non-decreasing (checked when the op runs); ``y`` has ``segment_ids[-1] + 1``
    rows, empty segments are 0.

    >>> nl.segment_sum(nl.tensor([1.0, 2.0, 3.0]), [0, 0, 2]).numpy().tolist()
    [3.0, 0.0, 3.0]
    """
    return SegmentSum.apply(*_segment_args("segment_sum", data, segment_ids))


def segment_mean(data, segment_ids):
    """Means of ``data`` over runs of equal, sorted ``segment_ids`` (TF's ``tf.math.segment_mean``; empty
    segments are 0): :func:`segment_sum` of data over the segment sizes.

    >>> nl.segment_mean(nl.tensor([1.0, 3.0, 5.0]), [0, 0, 2]).numpy().tolist()
    [2.0, 0.0, 5.0]
    """
    data, ids = _segment_args("segment_mean", data, segment_ids)
    total = SegmentSum.apply(data, ids)
    count = SegmentSum.apply(S.ones_like(data), ids)  # the segment sizes, shaped like total (any rank)
    return total / E.maximum(count, 1)


def segment_max(data, segment_ids):
    """Maxima of ``data`` over runs of equal, sorted ``segment_ids`` (TF's ``tf.math.segment_max``; empty
    segments are 0). The gradient is split evenly among tied maxima.

    >>> nl.segment_max(nl.tensor([1.0, 3.0, 5.0]), [0, 0, 2]).numpy().tolist()
    [3.0, 0.0, 5.0]
    """
    return SegmentMax.apply(*_segment_args("segment_max", data, segment_ids))
