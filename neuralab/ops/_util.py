"""Shared shape/dtype rules for op definitions."""
from __future__ import annotations

import math

import numpy as np

from .._core.errors import DTypeError
from .._core.op import Spec, broadcast_shapes


def same(spec: Spec):
    return (spec,)


def binary(opname, a: Spec, b: Spec):
    return (Spec(broadcast_shapes(opname, a.shape, b.shape), np.result_type(a.dtype, b.dtype)),)


def floating(opname, spec: Spec):
    if spec.dtype.kind not in "fc":
        raise DTypeError(f"{opname}: expected a floating tensor, got {spec.dtype}")
    return spec


#: result dtype -> the unsigned integer dtype of the same size, for bit-mask selection
_BITS = {np.dtype(np.float32): np.dtype(np.uint32), np.dtype(np.float64): np.dtype(np.uint64)}
#: below this many output elements, ``np.where`` itself is faster than the three or four mask passes
SELECT_MIN = 2048


def select(xp, c, a, b):
    """``where(c, a, b)``: ``a`` where the boolean ``c`` is true, ``b`` elsewhere, bit for bit as ``np.where``.

    NumPy's ``where`` (and ``copyto(where=)``) branches per element, which costs
    about 3 ns an element when the mask is irregular, as ReLU and dropout masks
    are (measured: 155 us for (100, 512) float32 on this project's machine).
    For floating results this computes the same bits without branches: the mask
    becomes an integer ``m`` of the result's size, all ones where ``c`` holds,
    and ``(a & m) | (b & ~m)`` is taken on the values' bit patterns (one pass
    fewer when ``a`` or ``b`` is the scalar +0.0): about 12 us for that array.
    Every bit is copied, so NaN payloads and the sign of zero come through as
    ``np.where`` gives them. Other dtypes, small outputs and other array
    modules use ``xp.where``.
    """
    if xp is not np or getattr(c, "dtype", None) != np.bool_:
        return xp.where(c, a, b)
    dt = np.result_type(a, b)
    bits = _BITS.get(dt)
    if bits is None:
        return np.where(c, a, b)
    a, b = np.asarray(a, dtype=dt), np.asarray(b, dtype=dt)
    shape = np.broadcast_shapes(c.shape, a.shape, b.shape)
    if math.prod(shape) < SELECT_MIN:
        return np.where(c, a, b)
    m = np.broadcast_to(c, shape).astype(bits)  # 1 where c, else 0
    np.negative(m, out=m)  # all ones where c (unsigned wrap-around), else 0
    ai, bi = a.view(bits), b.view(bits)
    if bi.ndim == 0 and bi == 0:  # where(c, a, +0.0): keep a's bits under the mask
        np.bitwise_and(ai, m, out=m)
    elif ai.ndim == 0 and ai == 0:  # where(c, +0.0, b)
        np.invert(m, out=m)
        np.bitwise_and(bi, m, out=m)
    else:
        picked = np.bitwise_and(ai, m)
        np.invert(m, out=m)
        np.bitwise_and(bi, m, out=m)
        np.bitwise_or(picked, m, out=m)
    return m.view(dt)
