"""Shape primitives: reshape, transpose, expand/squeeze, broadcast, indexing, concat, pad.

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


# -- public functions ---------------------------------------------------------------------
def reshape(x, shape):
    """Same elements in ``shape`` (one entry may be -1)."""
    if isinstance(shape, (int, np.integer)):
        shape = (int(shape),)
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
