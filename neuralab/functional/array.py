"""Array composites: clip, stack, split, square."""
from __future__ import annotations

from ..ops import elementwise as E, shape as S


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
    pre = (slice(None),) * ax
    return [S.getitem(x, pre + (slice(a, b),)) for a, b in zip(bounds[:-1], bounds[1:])]


def square(x):
    """x * x."""
    return E.multiply(x, x)
