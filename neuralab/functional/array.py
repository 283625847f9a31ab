"""Array composites: clip, stack, split, slice (and ``square``, a primitive of ops.elementwise, re-exported)."""
from __future__ import annotations

import builtins

import numpy as np

from ..ops import elementwise as E, shape as S
from ..ops.elementwise import square  # noqa: F401  (a primitive since it measured faster; kept importable here)


def clip(x, lo=None, hi=None):
    """Limit values to [lo, hi] (either may be None): minimum(maximum(x, lo), hi).

    At the boundaries the gradient still flows to x (the max/min tie rule).
    """
    if lo is not None:
        x = E.maximum(x, lo)
    if hi is not None:
        x = E.minimum(x, hi)
    return x


def stack(xs, axis=0):
    """Join tensors of equal shape along a new ``axis``."""
    xs = list(xs)
    if not xs:
        raise ValueError("stack: needs at least one tensor")
    return S.concatenate([S.expand_dims(x, axis) for x in xs], axis=axis)


def split(x, indices_or_sections, axis=0):
    """Split along ``axis`` into equal sections (an int) or at the given indices (a list)."""
    from .._core.errors import ShapeError
    from .._core.op import normalize_axis

    (ax,) = normalize_axis("split", axis, x.ndim)
    n = x.shape[ax]
    if n is None:
        raise ShapeError("split: the size along the split axis must be known")
    if isinstance(indices_or_sections, int):
        k = indices_or_sections
        if k <= 0 or n % k:
            raise ShapeError(f"split: cannot split axis {ax} of size {n} into {k} equal sections")
        bounds = [i * (n // k) for i in range(k + 1)]
    else:
        bounds = [0] + [int(i) for i in indices_or_sections] + [n]
    pre = (builtins.slice(None),) * ax  # (this module defines tf's slice)
    return [S.getitem(x, pre + (builtins.slice(a, b),)) for a, b in zip(bounds[:-1], bounds[1:])]




def slice(x, begin, size):  # noqa: A001 - TF's name (tf.slice)
    """The block of x starting at index ``begin[i]`` with ``size[i]`` entries along each axis i (TF's ``tf.slice``).

    ``size[i] == -1`` takes everything from ``begin[i]`` to the end of the axis.
    ``begin`` and ``size`` are sequences of ints, one per axis of x; the
    result is ``x[begin[0]:begin[0] + size[0], ...]`` (a getitem, so the
    gradient scatters back into zeros). Unlike Python slicing, a block that
    does not fit inside x raises instead of being cut short.

    >>> nl.slice(nl.tensor(np.arange(12.0).reshape(3, 4)), [1, 0], [2, -1]).shape
    (2, 4)
    """
    from .._core.errors import ShapeError
    from .._core.op import fmt_shape

    shape = x.shape
    begin, size = [_static_int("slice", "begin", b) for b in begin], [_static_int("slice", "size", s) for s in size]
    if shape is None:
        raise ShapeError("slice: the rank of x must be known when the graph is built (x has unknown rank)")
    if len(begin) != len(shape) or len(size) != len(shape):
        raise ShapeError(f"slice: begin ({len(begin)} entries) and size ({len(size)} entries) need one entry per "
                         f"axis of the tensor of shape {fmt_shape(shape)}")
    index = []
    for i, (b, n, d) in enumerate(zip(begin, size, shape)):
        if b < 0 or n < -1 or (d is not None and (b > d or (n != -1 and b + n > d))):
            raise ShapeError(f"slice: begin {b} and size {n} do not fit axis {i} of the tensor of shape "
                             f"{fmt_shape(shape)} (need 0 <= begin <= begin + size <= size of the axis, or size -1)")
        index.append(builtins.slice(b, None if n == -1 else b + n))
    return S.getitem(x, tuple(index))


def _static_int(opname, what, v):
    from .._core.errors import ShapeError
    from .._core.tensor import Tensor

    if isinstance(v, Tensor):
        if v.data is None:
            raise ShapeError(f"{opname}: `{what}` must be known when the graph is built (ints or concrete "
                             "tensors), got a symbolic tensor")
        v = v.data
    a = np.asarray(v)
    if a.ndim != 0 or a.dtype.kind not in "iu":
        raise ShapeError(f"{opname}: `{what}` entries must be integers, got {v!r}")
    return int(a)
