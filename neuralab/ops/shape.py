"""Shape primitives: reshape, transpose, expand/squeeze, broadcast, indexing, concat, pad, tile, flip,
and the ops whose shape is a run-time value: shape_of, reshape to a shape tensor, full/zeros/ones.

Their gradients only move values around; the ``*_like`` ops take a reference
tensor so that gradients also work when a shape is known only at run time.
"""
from __future__ import annotations

import numpy as np

from .._core.errors import DTypeError, ShapeError
from .._core.op import Op, Spec, fmt_shape, normalize_axis

_UNKNOWN = 2 ** 20 + 7  # stand-in size for unknown dims when probing NumPy's indexing rules


def _known(shape):
    return shape is not None and all(d is not None for d in shape)


class Reshape(Op):
    """Same elements in a new shape (one entry may be -1). Gradient: reshape back."""

    nin = 1

    def forward(self, xp, x):
        return (xp.reshape(x, self.shape),)

    def infer(self, x):
        shape = self.shape
        if sum(1 for s in shape if s == -1) > 1:
            raise ShapeError(f"reshape: at most one -1 allowed in the target shape {shape}")
        if _known(x.shape):
            n = int(np.prod(x.shape, dtype=np.int64))
            known = int(np.prod([s for s in shape if s != -1], dtype=np.int64))
            if -1 in shape:
                if known == 0 or n % known:
                    raise ShapeError(f"reshape: cannot reshape a tensor of shape {fmt_shape(x.shape)} "
                                     f"({n} elements) into {tuple(shape)}")
                return (Spec(tuple(n // known if s == -1 else s for s in shape), x.dtype),)
            if known != n:
                raise ShapeError(f"reshape: cannot reshape a tensor of shape {fmt_shape(x.shape)} "
                                 f"({n} elements) into {tuple(shape)} ({known} elements)")
            return (Spec(tuple(shape), x.dtype),)
        return (Spec(tuple(None if s == -1 else s for s in shape), x.dtype),)

    def backward(self, g):
        return (reshape_like(g[0], self.inputs[0]),)


class ReshapeLike(Op):
    """Reshape g to the (run-time) shape of ``like``."""

    nin = 2
    nondiff_inputs = (1,)

    def forward(self, xp, g, like):
        return (xp.reshape(g, like.shape),)

    def infer(self, g, like):
        if _known(g.shape) and _known(like.shape) and int(np.prod(g.shape)) != int(np.prod(like.shape)):
            raise ShapeError(f"reshape_like: cannot reshape {fmt_shape(g.shape)} to {fmt_shape(like.shape)}")
        return (Spec(like.shape, g.dtype),)

    def backward(self, gg):
        return reshape_like(gg[0], self.inputs[0]), None


class Transpose(Op):
    """Permute axes (reverse them when ``axes`` is None). Gradient: the inverse permutation."""

    nin = 1

    def forward(self, xp, x):
        return (xp.transpose(x, self.axes),)

    def infer(self, x):
        nd = len(x.shape)
        axes = self.axes if self.axes is not None else tuple(reversed(range(nd)))
        axes = tuple(a % nd if -nd <= a < nd else a for a in axes)
        if sorted(axes) != list(range(nd)):
            raise ShapeError(f"transpose: axes {tuple(axes)} do not permute a tensor of rank {len(x.shape)}")
        return (Spec(tuple(x.shape[a] for a in axes), x.dtype),)

    def backward(self, g):
        nd = self.inputs[0].ndim
        axes = self.axes if self.axes is not None else tuple(reversed(range(nd)))
        inv = tuple(int(i) for i in np.argsort([a % nd for a in axes]))
        return (transpose(g[0], inv),)


class ExpandDims(Op):
    """Insert size-1 axes at ``axis``. Gradient: reshape back."""

    nin = 1

    def forward(self, xp, x):
        return (xp.expand_dims(x, self.axis),)

    def infer(self, x):
        axes = (self.axis,) if isinstance(self.axis, int) else tuple(self.axis)
        nd = len(x.shape) + len(axes)
        pos = normalize_axis(self.opname, axes, nd)
        it = iter(x.shape)
        return (Spec(tuple(1 if i in pos else next(it) for i in range(nd)), x.dtype),)

    def backward(self, g):
        return (reshape_like(g[0], self.inputs[0]),)


class Squeeze(Op):
    """Remove size-1 axes (all of them when ``axis`` is None). Gradient: reshape back."""

    nin = 1

    def forward(self, xp, x):
        return (xp.squeeze(x, axis=self.axis),)

    def infer(self, x):
        if self.axis is None:
            if any(d is None for d in x.shape):
                return (Spec(None, x.dtype),)  # which axes have size 1 is known only at run time
            return (Spec(tuple(d for d in x.shape if d != 1), x.dtype),)
        axes = normalize_axis(self.opname, self.axis, len(x.shape))
        for a in axes:
            if x.shape[a] not in (1, None):
                raise ShapeError(f"squeeze: axis {a} of a tensor of shape {fmt_shape(x.shape)} has size "
                                 f"{x.shape[a]}, not 1")
        return (Spec(tuple(d for i, d in enumerate(x.shape) if i not in axes), x.dtype),)

    def backward(self, g):
        return (reshape_like(g[0], self.inputs[0]),)


class BroadcastTo(Op):
    """Broadcast x to ``shape`` (NumPy rules). Gradient: summed back to x's shape."""

    nin = 1

    def forward(self, xp, x):
        return (xp.broadcast_to(x, self.shape),)

    def infer(self, x):
        from .._core.op import broadcast_shapes

        out = broadcast_shapes(self.opname, x.shape, self.shape)
        if len(out) != len(self.shape) or any(a is not None and b is not None and a != b
                                              for a, b in zip(out, self.shape)):
            raise ShapeError(f"broadcast_to: cannot broadcast {fmt_shape(x.shape)} to {fmt_shape(self.shape)}")
        return (Spec(tuple(self.shape), x.dtype),)

    def backward(self, g):
        return (sum_to_like(g[0], self.inputs[0]),)


class BroadcastLike(Op):
    """Broadcast g to the (run-time) shape of ``like``. Gradient: summed back."""

    nin = 2
    nondiff_inputs = (1,)

    def forward(self, xp, g, like):
        return (xp.broadcast_to(g, like.shape),)

    def infer(self, g, like):
        if _known(g.shape) and _known(like.shape):
            from .._core.op import broadcast_shapes

            if broadcast_shapes(self.opname, g.shape, like.shape) != tuple(like.shape):
                raise ShapeError(f"broadcast_like: cannot broadcast {fmt_shape(g.shape)} to "
                                 f"{fmt_shape(like.shape)}")
        return (Spec(like.shape, g.dtype),)

    def backward(self, gg):
        return sum_to_like(gg[0], self.inputs[0]), None


class SumToLike(Op):
    """Sum g down to the (run-time) shape of ``like``: the one place broadcasting is undone."""

    nin = 2
    nondiff_inputs = (1,)

    def forward(self, xp, g, like):
        shape = like.shape
        if g.shape == shape:
            return (g,)
        lead = g.ndim - len(shape)
        axes = tuple(range(lead)) + tuple(i + lead for i, d in enumerate(shape) if d == 1 and g.shape[i + lead] != 1)
        out = xp.sum(g, axis=axes, keepdims=True) if axes else g
        if lead:
            out = out.reshape(out.shape[lead:])
        if out.shape != tuple(shape):
            raise ShapeError(f"sum_to_like: cannot sum a gradient of shape {fmt_shape(g.shape)} down to "
                             f"{fmt_shape(shape)}")
        return (out,)

    def infer(self, g, like):
        if _known(g.shape) and _known(like.shape):
            from .._core.op import broadcast_shapes

            if broadcast_shapes(self.opname, g.shape, like.shape) != tuple(g.shape):
                raise ShapeError(f"sum_to_like: cannot sum a gradient of shape {fmt_shape(g.shape)} down to "
                                 f"{fmt_shape(like.shape)}")
        return (Spec(like.shape, g.dtype),)

    def backward(self, gg):
        return broadcast_like(gg[0], self.inputs[0]), None


class OnesLike(Op):
    """Ones with x's (run-time) shape and dtype (or ``dtype``). No gradient."""

    nin = 1
    differentiable = False

    def __init__(self, dtype=None):
        super().__init__(dtype=dtype)

    def forward(self, xp, x):
        out = xp.empty(x.shape, dtype=self.dtype or x.dtype)  # empty + fill: C calls, np.ones is Python
        out.fill(1)
        return (out,)

    def infer(self, x):
        return (Spec(x.shape, np.dtype(self.dtype or x.dtype)),)

    def backward(self, g):
        return (None,)


class ZerosLike(OnesLike):
    """Zeros with x's (run-time) shape and dtype (or ``dtype``). No gradient."""

    def forward(self, xp, x):
        return (xp.zeros(x.shape, dtype=self.dtype or x.dtype),)


def _is_basic(index) -> bool:
    return all(isinstance(i, (int, np.integer, slice, type(None), type(Ellipsis))) for i in index)


def _norm_index(index):
    from .._core.tensor import Tensor

    if not isinstance(index, tuple):
        index = (index,)
    out = []
    for i in index:
        if isinstance(i, Tensor):
            if i.data is None:
                raise ShapeError("getitem: indices must be concrete (NumPy arrays, lists or concrete tensors)")
            i = i.data
        if isinstance(i, list):
            i = np.asarray(i)
        if isinstance(i, np.ndarray) and i.dtype.kind not in "biu":
            raise ShapeError(f"getitem: index arrays must be integer or bool, got {i.dtype}")
        out.append(i)
    return tuple(out)


def _probe_shape(opname, shape, index):
    probe = tuple(_UNKNOWN if d is None else d for d in shape)
    try:
        res = np.broadcast_to(np.empty((), dtype=bool), probe)[index].shape
    except MemoryError:  # advanced indexing over several unknown dims: give up on the shape
        return None
    except IndexError as e:
        raise ShapeError(f"{opname}: index {index!r} does not fit a tensor of shape {fmt_shape(shape)}: {e}") \
            from None
    return tuple(None if d >= _UNKNOWN // 2 else d for d in res)


class Getitem(Op):
    """x[index]: basic (ints, slices, None, ...) and integer/bool-array indexing.

    Gradient: scattered back into zeros of x's shape; repeated indices accumulate.
    """

    nin = 1

    def forward(self, xp, x):
        return (x[self.index],)

    def infer(self, x):
        return (Spec(_probe_shape(self.opname, x.shape, self.index), x.dtype),)  # None: unknown rank

    def backward(self, g):
        return (GetitemGrad.apply(g[0], self.inputs[0], index=self.index),)


class GetitemGrad(Op):
    """Scatter-add g into zeros shaped like ``like`` at ``index`` (the backward of getitem)."""

    nin = 2
    nondiff_inputs = (1,)

    def forward(self, xp, g, like):
        out = xp.zeros(like.shape, dtype=g.dtype)
        if _is_basic(self.index):
            out[self.index] = g
        else:
            xp.add.at(out, self.index, g)
        return (out,)

    def infer(self, g, like):
        return (Spec(like.shape, g.dtype),)

    def backward(self, gg):
        return Getitem.apply(gg[0], index=self.index), None


class Concatenate(Op):
    """Join tensors along an existing ``axis``. Gradient: the matching slices of g."""

    nin = None

    def forward(self, xp, *xs):
        return (xp.concatenate(xs, axis=self.axis),)

    def infer(self, *xs):
        if not xs:
            raise ShapeError("concatenate: needs at least one tensor")
        nd = len(xs[0].shape)
        (ax,) = normalize_axis(self.opname, self.axis, nd)
        total = 0
        for x in xs:
            if len(x.shape) != nd:
                raise ShapeError("concatenate: all tensors need the same rank, got shapes "
                                 + ", ".join(fmt_shape(s.shape) for s in xs))
            for i, (a, b) in enumerate(zip(x.shape, xs[0].shape)):
                if i != ax and a is not None and b is not None and a != b:
                    raise ShapeError("concatenate: shapes " + ", ".join(fmt_shape(s.shape) for s in xs)
                                     + f" differ outside axis {ax}")
            total = None if (total is None or x.shape[ax] is None) else total + x.shape[ax]
        shape = list(xs[0].shape)
        shape[ax] = total
        dt = np.result_type(*[x.dtype for x in xs])
        return (Spec(tuple(shape), dt),)

    def backward(self, g):
        nd = self.inputs[0].ndim
        (ax,) = normalize_axis(self.opname, self.axis, nd)
        out, start = [], 0
        for x, need in zip(self.inputs, self.needs_grad):
            n = x.shape[ax]
            if n is None:
                raise ShapeError("concatenate: the gradient needs the sizes along the joined axis at build time")
            if need:
                idx = (slice(None),) * ax + (slice(start, start + n),)
                out.append(Getitem.apply(g[0], index=idx))
            else:
                out.append(None)
            start += n
        return tuple(out)


class Pad(Op):
    """Pad with a constant (``pad_width`` as NumPy's ((before, after), ...)). Gradient: the inner slice."""

    nin = 1

    def forward(self, xp, x):
        return (xp.pad(x, self.pad_width, mode="constant", constant_values=self.value),)

    def infer(self, x):
        if len(self.pad_width) != len(x.shape):
            raise ShapeError(f"pad: pad_width has {len(self.pad_width)} entries for a tensor of rank {len(x.shape)}")
        return (Spec(tuple(None if d is None else d + a + b for d, (a, b) in zip(x.shape, self.pad_width)),
                     x.dtype),)

    def backward(self, g):
        idx = tuple(slice(a, -b if b else None) for a, b in self.pad_width)
        return (Getitem.apply(g[0], index=idx),)


class OneHot(Op):
    """One-hot encoding of integer labels: shape + (depth,), 1 at the label (0 row if out of range)."""

    nin = 1
    differentiable = False

    def forward(self, xp, idx):
        if idx.dtype.kind not in "iu":
            raise DTypeError(f"one_hot: indices must be integers, got {idx.dtype}")
        return ((idx[..., None] == xp.arange(self.depth)).astype(self.dtype),)

    def infer(self, idx):
        if idx.dtype.kind not in "iu":
            raise DTypeError(f"one_hot: indices must be integers, got {idx.dtype}")
        return (Spec(tuple(idx.shape) + (self.depth,), self.dtype),)

    def backward(self, g):
        return (None,)


class Tile(Op):
    """x repeated ``reps[i]`` times along axis i (NumPy's ``tile``; TF's ``tile`` when len(reps) == rank).

    A shorter ``reps`` is padded with leading 1s; a longer one gives x leading
    size-1 axes. Gradient: the sum over the copies (:class:`TileGrad`).
    """

    nin = 1

    def __init__(self, reps=()):
        super().__init__(reps=tuple(reps))

    def forward(self, xp, x):
        return (xp.tile(x, self.reps),)

    def infer(self, x):
        nd = max(len(x.shape), len(self.reps))
        shape = (1,) * (nd - len(x.shape)) + tuple(x.shape)
        reps = (1,) * (nd - len(self.reps)) + self.reps
        return (Spec(tuple(None if d is None else d * r for d, r in zip(shape, reps)), x.dtype),)

    def backward(self, g):
        return (TileGrad.apply(g[0], self.inputs[0], reps=self.reps),)


class TileGrad(Op):
    """Sum g (shaped like ``tile(like, reps)``) over the copies, down to ``like``'s shape."""

    nin = 2
    nondiff_inputs = (1,)

    def __init__(self, reps=()):
        super().__init__(reps=tuple(reps))

    def forward(self, xp, g, like):
        nd = max(like.ndim, len(self.reps))
        shape = (1,) * (nd - like.ndim) + like.shape
        reps = (1,) * (nd - len(self.reps)) + self.reps
        split = tuple(v for r, d in zip(reps, shape) for v in (r, d))  # (r0, d0, r1, d1, ...)
        out = g.reshape(split).sum(axis=tuple(range(0, 2 * nd, 2)))
        return (out.reshape(like.shape).astype(g.dtype, copy=False),)

    def infer(self, g, like):
        (want,) = Tile(reps=self.reps).infer(like)
        if len(g.shape) != len(want.shape) or any(a is not None and b is not None and a != b
                                                  for a, b in zip(g.shape, want.shape)):
            raise ShapeError(f"tile_grad: g of shape {fmt_shape(g.shape)} is not {fmt_shape(like.shape)} tiled "
                             f"{self.reps} times (expected {fmt_shape(want.shape)})")
        return (Spec(like.shape, g.dtype),)

    def backward(self, gg):
        return Tile.apply(gg[0], reps=self.reps), None


class Flip(Op):
    """x with the order of elements reversed along ``axis`` (all axes when None). Gradient: flip g back.

    NumPy's ``flip``, TF's ``reverse`` (ReverseV2).
    """

    nin = 1
    type = "ReverseV2"

    def __init__(self, axis=None):
        super().__init__(axis=axis)

    def forward(self, xp, x):
        return (xp.flip(x, axis=normalize_axis(self.opname, self.axis, x.ndim)),)

    def infer(self, x):
        normalize_axis(self.opname, self.axis, len(x.shape))
        return (x,)

    def backward(self, g):
        return (Flip.apply(g[0], axis=self.axis),)


class TakeAlongAxis(Op):
    """y = x[..., indices[..., j, ...], ...] along ``axis`` (NumPy's ``take_along_axis``).

    ``indices`` has x's rank; along ``axis`` it picks positions (negative ones
    count from the end), the other axes broadcast. Gradient: scatter-add of g
    back to the picked positions (:class:`TakeAlongAxisGrad`).
    """

    nin = 2
    nondiff_inputs = (1,)

    def __init__(self, axis=-1):
        super().__init__(axis=axis)

    def forward(self, xp, x, indices):
        return (xp.take_along_axis(x, indices, axis=self.axis),)

    def infer(self, x, indices):
        return (Spec(_along_axis_shape(self.opname, x.shape, indices, self.axis), x.dtype),)

    def backward(self, g):
        x, indices = self.inputs
        return TakeAlongAxisGrad.apply(g[0], indices, x, axis=self.axis), None


def _along_axis_shape(opname, xshape, indices, axis):
    if indices.dtype.kind not in "iu":
        raise DTypeError(f"{opname}: indices must be integers, got {indices.dtype}")
    if len(indices.shape) != len(xshape):
        raise ShapeError(f"{opname}: indices of shape {fmt_shape(indices.shape)} need the rank of the tensor "
                         f"of shape {fmt_shape(xshape)}")
    (ax,) = normalize_axis(opname, axis, len(xshape))
    rest = [d if i != ax else 1 for i, d in enumerate(xshape)]
    irest = [d if i != ax else 1 for i, d in enumerate(indices.shape)]
    from .._core.op import broadcast_shapes

    out = list(broadcast_shapes(opname, tuple(rest), tuple(irest)))
    out[ax] = indices.shape[ax]
    return tuple(out)


class TakeAlongAxisGrad(Op):
    """Zeros shaped like ``like`` with g added at ``indices`` along ``axis`` (the backward of take_along_axis).

    Repeated indices accumulate; with ``unique=True`` (top_k's indices, distinct
    along the axis, no broadcasting) the values are written in one pass instead.
    Gradient w.r.t. g: ``take_along_axis(gg, indices)``.
    """

    nin = 3
    nondiff_inputs = (1, 2)

    def __init__(self, axis=-1, unique=False):
        super().__init__(axis=axis, unique=bool(unique))

    def forward(self, xp, g, indices, like):
        out = xp.zeros(like.shape, dtype=g.dtype)
        if self.unique:
            xp.put_along_axis(out, indices, g, axis=self.axis)
            return (out,)
        (ax,) = normalize_axis(self.opname, self.axis, like.ndim)
        full = g.shape
        grid = []
        for i, n in enumerate(full):
            if i == ax:
                grid.append(xp.broadcast_to(indices, full))
            else:  # broadcast axes of like (size 1) collect every position into index 0
                r = xp.arange(n) if like.shape[i] != 1 else xp.zeros(n, dtype=np.intp)
                grid.append(r.reshape((1,) * i + (n,) + (1,) * (len(full) - i - 1)))
        xp.add.at(out, tuple(grid), g)
        return (out,)

    def infer(self, g, indices, like):
        want = _along_axis_shape(self.opname, like.shape, indices, self.axis)
        if len(g.shape) != len(want) or any(a is not None and b is not None and a != b
                                            for a, b in zip(g.shape, want)):
            raise ShapeError(f"{self.opname}: g of shape {fmt_shape(g.shape)} does not fit indices of shape "
                             f"{fmt_shape(indices.shape)} into {fmt_shape(like.shape)}")
        return (Spec(like.shape, g.dtype),)

    def backward(self, gg):
        return TakeAlongAxis.apply(gg[0], self.inputs[1], axis=self.axis), None, None


class ShapeOf(Op):
    """The run-time shape of x as a 1-D integer tensor (TF's ``tf.shape``); known even when x's rank is not.

    No gradient (the shape does not depend on x's values).
    """

    nin = 1
    differentiable = False
    type = "Shape"

    def __init__(self, dtype=None):
        super().__init__(dtype=np.dtype(np.int32) if dtype is None else np.dtype(dtype))

    def forward(self, xp, x):
        return (xp.asarray(x.shape, dtype=self.dtype),)

    def infer(self, x):
        return (Spec((len(x.shape),), self.dtype),)

    def backward(self, g):
        return (None,)


def _check_shape_tensor(opname, spec, what="shape"):
    if spec.dtype.kind not in "iu":
        raise DTypeError(f"{opname}: the {what} must be an integer tensor, got {spec.dtype}")
    if spec.shape is not None and len(spec.shape) != 1:
        raise ShapeError(f"{opname}: the {what} must be a 1-D tensor, got shape {fmt_shape(spec.shape)}")


def shape_from_dims(opname, dims: Spec, static_shape=None):
    """The static shape of an op's output whose shape is the value of the 1-D integer tensor ``dims``.

    ``static_shape`` (a tuple) when it was given as one; else one unknown size
    per entry of ``dims`` (an unknown rank when its length is unknown too).
    """
    _check_shape_tensor(opname, dims)
    if static_shape is not None:
        return tuple(static_shape)
    if dims.shape is None or dims.shape[0] is None:
        return None
    return (None,) * dims.shape[0]


def _dims(opname, arr, allow_minus_one=False, what="shape"):
    """A 1-D integer array (a shape tensor's value) -> a tuple of ints, checked."""
    _check_shape_tensor(opname, Spec(arr.shape, arr.dtype), what)
    dims = tuple(int(d) for d in arr)
    lo = -1 if allow_minus_one else 0
    if any(d < lo for d in dims) or (allow_minus_one and sum(1 for d in dims if d == -1) > 1):
        raise ShapeError(f"{opname}: invalid {what} {dims}" + (" (sizes >= 0 and at most one -1)" if allow_minus_one
                                                                else " (sizes must be >= 0)"))
    return dims


class DynamicReshape(Op):
    """x reshaped to the run-time value of a 1-D integer ``shape`` tensor (one entry may be -1).

    What :func:`reshape` records when the target shape is a symbolic tensor (TF's
    ``tf.reshape(x, tf.shape(y))``): the output rank is the length of the shape
    tensor when that is known, its sizes are known when the graph runs.
    Gradient: g reshaped back to x's run-time shape.
    """

    nin = 2
    nondiff_inputs = (1,)
    type = "Reshape"

    def forward(self, xp, x, shape):
        dims = _dims("reshape", shape, allow_minus_one=True)
        try:
            return (xp.reshape(x, dims),)
        except ValueError:
            raise ShapeError(f"reshape: cannot reshape a tensor of shape {fmt_shape(x.shape)} ({x.size} elements) "
                             f"into the run-time shape {dims}") from None

    def infer(self, x, shape):
        _check_shape_tensor("reshape", shape)
        if shape.shape is None or shape.shape[0] is None:
            return (Spec(None, x.dtype),)
        r = shape.shape[0]
        if r == 1 and _known(x.shape):
            return (Spec((int(np.prod(x.shape, dtype=np.int64)),), x.dtype),)
        if r == 0 and _known(x.shape) and int(np.prod(x.shape, dtype=np.int64)) != 1:
            raise ShapeError(f"reshape: cannot reshape a tensor of shape {fmt_shape(x.shape)} into shape ()")
        return (Spec((None,) * r, x.dtype),)

    def backward(self, g):
        return reshape_like(g[0], self.inputs[0]), None


class Fill(Op):
    """A tensor of shape ``dims`` (a 1-D integer tensor) with every element equal to the scalar ``value``.

    TF's ``Fill``. ``static_shape`` is what is known of the shape when the
    graph is built (the tuple given to :func:`full`, or None). Gradient: to
    value, the sum of g (every element is value).
    """

    nin = 2
    nondiff_inputs = (0,)

    def __init__(self, static_shape=None):
        super().__init__(static_shape=static_shape)

    def forward(self, xp, dims, value):
        if value.ndim != 0:
            raise ShapeError(f"full: the fill value must be a scalar, got shape {fmt_shape(value.shape)}")
        out = xp.empty(_dims("full", dims), dtype=value.dtype)
        out[...] = value
        return (out,)

    def infer(self, dims, value):
        if value.shape is not None and len(value.shape) != 0:
            raise ShapeError(f"full: the fill value must be a scalar, got shape {fmt_shape(value.shape)}")
        return (Spec(shape_from_dims("full", dims, self.static_shape), value.dtype),)

    def backward(self, g):
        from .reduce import sum as _sum

        return None, _sum(g[0])


def _shape_arg(opname, shape, allow_minus_one=False):
    """A shape argument -> a tuple of ints (known now) or a 1-D integer Tensor (known when a graph runs).

    Accepts an int, a sequence of ints and/or scalar integer tensors (packed
    into one tensor when any is symbolic), a 1-D integer array or Tensor.
    """
    from .._core.tensor import Tensor

    if isinstance(shape, (int, np.integer)):
        shape = (int(shape),)
    if isinstance(shape, Tensor):
        if shape.data is None:
            _check_shape_tensor(opname, Spec(shape.shape, shape.dtype))
            return shape
        shape = shape.data
    if isinstance(shape, np.ndarray):
        if shape.ndim == 0:
            shape = shape.reshape(1)
        return _dims(opname, shape, allow_minus_one)
    parts = list(shape)
    if len(parts) == 1 and isinstance(parts[0], Tensor) and parts[0].shape is not None and len(parts[0].shape) == 1:
        return _shape_arg(opname, parts[0], allow_minus_one)  # x.reshape(shape_tensor): the tensor is the shape
    if any(isinstance(p, Tensor) and p.data is None for p in parts):
        from ..functional.array import stack
        from .elementwise import cast

        elems = []
        for i, p in enumerate(parts):
            if not isinstance(p, Tensor):
                p = Tensor(np.asarray(int(p), dtype=np.int64))
            if p.dtype.kind not in "iu" or (p.shape is not None and len(p.shape) != 0):
                raise ShapeError(f"{opname}: entry {i} of the shape must be a scalar integer, got "
                                 f"{p.dtype} of shape {fmt_shape(p.shape)}")
            elems.append(cast(p, np.int64) if p.dtype != np.int64 else p)
        return stack(elems)
    vals = []
    for p in parts:
        v = np.asarray(p.data if isinstance(p, Tensor) else p)
        if v.ndim != 0 or v.dtype.kind not in "iu":
            raise ShapeError(f"{opname}: shape entries must be integers, got {p!r}")
        vals.append(int(v))
    return _dims(opname, np.asarray(vals, dtype=np.int64).reshape(len(vals)), allow_minus_one)


# -- public functions ---------------------------------------------------------------------
def reshape(x, shape):
    """Same elements in ``shape`` (one entry may be -1).

    ``shape`` is a tuple of ints, or a 1-D integer tensor / a list holding scalar
    integer tensors (TF's ``tf.reshape(x, [tf.shape(x)[0], -1])``): when that is
    symbolic the sizes are known only when the graph runs (:class:`DynamicReshape`).
    """
    if isinstance(shape, (int, np.integer)):
        shape = (int(shape),)
    elif not isinstance(shape, tuple) or not all(isinstance(s, int) for s in shape):
        shape = _shape_arg("reshape", shape, allow_minus_one=True)
        if not isinstance(shape, tuple):
            return DynamicReshape.apply(x, shape)
    return Reshape.apply(x, shape=tuple(int(s) for s in shape))


def transpose(x, axes=None):
    """Permute the axes (reverse them by default; negative axes count from the end)."""
    if axes is not None:
        axes = tuple(int(a) for a in axes)
        nd = len(x.shape) if getattr(x, "shape", None) is not None else None
        if nd is not None:
            axes = tuple(a % nd if -nd <= a < nd else a for a in axes)
    return Transpose.apply(x, axes=axes)


def expand_dims(x, axis):
    """Insert a size-1 axis at ``axis`` (an int or a tuple)."""
    return ExpandDims.apply(x, axis=axis if isinstance(axis, int) else tuple(axis))


def squeeze(x, axis=None):
    """Remove size-1 axes (``axis`` or all)."""
    return Squeeze.apply(x, axis=axis)


def broadcast_to(x, shape):
    """Broadcast to ``shape`` with NumPy's rules."""
    return BroadcastTo.apply(x, shape=tuple(shape))


def reshape_like(g, like):
    """Reshape ``g`` to ``like``'s shape (known at run time)."""
    if like.data is not None and g.data is not None and g.shape == like.shape:
        return g
    return ReshapeLike.apply(g, like)


def broadcast_like(g, like):
    """Broadcast ``g`` to ``like``'s shape (known at run time)."""
    return BroadcastLike.apply(g, like)


def sum_to_like(g, like):
    """Sum ``g`` down to ``like``'s shape, undoing broadcasting."""
    return SumToLike.apply(g, like)


def ones_like(x, dtype=None):
    """Ones shaped like ``x``."""
    return OnesLike.apply(x, dtype=None if dtype is None else np.dtype(dtype))


def zeros_like(x, dtype=None):
    """Zeros shaped like ``x``."""
    return ZerosLike.apply(x, dtype=None if dtype is None else np.dtype(dtype))


def getitem(x, index):
    """x[index] (what ``Tensor.__getitem__`` calls)."""
    return Getitem.apply(x, index=_norm_index(index))


def concatenate(xs, axis=0):
    """Join a sequence of tensors along an existing axis."""
    return Concatenate.apply(*xs, axis=axis)


concat = concatenate


def pad(x, pad_width, constant_values=0):
    """Pad with a constant; ``pad_width`` is an int, a (before, after) pair, or one pair per axis."""
    nd = len(x.shape)
    if isinstance(pad_width, (int, np.integer)):
        pw = ((int(pad_width), int(pad_width)),) * nd
    else:
        pw = tuple(pad_width)
        if len(pw) == 2 and all(isinstance(p, (int, np.integer)) for p in pw):
            pw = ((int(pw[0]), int(pw[1])),) * nd
        else:
            pw = tuple((int(a), int(b)) for a, b in pw)
            if len(pw) == 1 and nd != 1:
                pw = pw * nd  # one (before, after) pair for every axis, as NumPy
    if len(pw) != nd:
        raise ShapeError(f"pad: pad_width has {len(pw)} pairs for a tensor of rank {nd} "
                         f"(shape {fmt_shape(x.shape)})")
    if any(a < 0 or b < 0 for a, b in pw):
        raise ShapeError(f"pad: widths must be non-negative, got {pw} for a tensor of shape {fmt_shape(x.shape)}")
    return Pad.apply(x, pad_width=pw, value=constant_values)


def one_hot(indices, depth, dtype=None):
    """One-hot rows of length ``depth`` for integer ``indices`` (float32 by default)."""
    from .._core.dtypes import as_dtype, default_float

    return OneHot.apply(indices, depth=int(depth), dtype=as_dtype(dtype) or default_float())


def tile(x, reps):
    """x repeated ``reps[i]`` times along axis i (NumPy's ``tile``, TF's ``tile``); the gradient sums the copies.

    >>> nl.tile(nl.tensor([1, 2]), (2, 2))
    Tensor([[1, 2, 1, 2],
            [1, 2, 1, 2]], dtype=int64)
    """
    reps = (int(reps),) if isinstance(reps, (int, np.integer)) else tuple(int(r) for r in reps)
    if any(r < 0 for r in reps):
        raise ShapeError(f"tile: repetitions must be >= 0, got {reps} for a tensor of shape "
                         f"{fmt_shape(getattr(x, 'shape', np.shape(x)))}")
    return Tile.apply(x, reps=reps)


def flip(x, axis=None):
    """x with the order of elements reversed along ``axis`` (an int, a tuple, or None for all axes).

    >>> nl.flip(nl.tensor([1, 2, 3]))
    Tensor([3, 2, 1], dtype=int64)
    """
    if axis is not None and not isinstance(axis, (int, np.integer)):
        axis = tuple(int(a) for a in axis)
    return Flip.apply(x, axis=axis)


#: TF's name for :func:`flip` (``tf.reverse(x, axis)``)
reverse = flip


def take_along_axis(x, indices, axis=-1):
    """Elements of x at integer ``indices`` along ``axis`` (NumPy's ``take_along_axis``; indices has x's rank).

    Repeated indices accumulate their gradients.

    >>> nl.take_along_axis(nl.tensor([[10, 20, 30]]), np.array([[2, 0]]), 1)
    Tensor([[30, 10]], dtype=int64)
    """
    return TakeAlongAxis.apply(x, indices, axis=int(axis))


def shape_of(x, dtype=np.int32):
    """The shape of x as a 1-D integer tensor (int32 by default, TF's ``tf.shape``).

    For a symbolic x it is a graph node whose value is the run-time shape, so
    it works for unknown sizes and an unknown rank (the result then has static
    shape ``(None,)``).

    >>> nl.shape_of(nl.zeros((2, 3)))
    Tensor([2, 3], dtype=int32)
    """
    from .._core import graph as _graph
    from .._core.dtypes import as_dtype
    from .._core.tensor import Tensor

    d = as_dtype(dtype)
    if d.kind not in "iu":
        raise DTypeError(f"shape_of: dtype must be an integer type, got {d}")
    x = x if isinstance(x, Tensor) else Tensor(x)
    out = ShapeOf.apply(x, dtype=d)
    if out.data is None and out.shape is None:
        _graph.refine_shape(out, (None,))
    return out


def full(shape, fill_value, dtype=None):
    """A tensor of ``shape`` filled with ``fill_value`` (NumPy's ``full``, TF's ``fill``).

    ``shape``: a tuple of ints (the result is concrete when ``fill_value`` is a
    number) or a 1-D integer tensor, possibly symbolic (the sizes are then known
    when the graph runs). ``fill_value`` may be a scalar Tensor: gradients flow
    to it (the sum of the output's gradient). ``dtype`` defaults to the value's
    (Python floats: the default float, ints: int64).

    >>> nl.full((2,), 7)
    Tensor([7, 7], dtype=int64)
    """
    from .._core.dtypes import as_dtype
    from .._core.tensor import Tensor
    from .elementwise import cast

    dims = _shape_arg("full", shape)
    d = as_dtype(dtype)
    if not isinstance(fill_value, Tensor):
        value = Tensor(fill_value, dtype=d)
        if value.ndim != 0:
            raise ShapeError(f"full: the fill value must be a scalar, got shape {fmt_shape(value.shape)}")
        if isinstance(dims, tuple):
            out = np.empty(dims, dtype=value.dtype)
            out[...] = value.data
            return Tensor._make(out)
    else:
        value = fill_value
        if d is not None and value.dtype != d:
            value = cast(value, d)
    if isinstance(dims, tuple):
        return Fill.apply(Tensor(np.asarray(dims, dtype=np.int64).reshape(len(dims))), value, static_shape=dims)
    return Fill.apply(dims, value)


def zeros(shape, dtype=None):
    """A tensor of zeros of ``shape`` (a tuple, or a 1-D integer tensor known at run time); the default float.

    >>> nl.zeros((2,), "int32")
    Tensor([0, 0], dtype=int32)
    """
    from .._core.dtypes import as_dtype, default_float

    d = as_dtype(dtype) or default_float()
    return full(shape, np.zeros((), d), d)


def ones(shape, dtype=None):
    """A tensor of ones of ``shape`` (a tuple, or a 1-D integer tensor known at run time); the default float."""
    from .._core.dtypes import as_dtype, default_float

    d = as_dtype(dtype) or default_float()
    return full(shape, np.ones((), d), d)
