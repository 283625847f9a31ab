"""Matrix multiplication (batched, NumPy's matmul rules)."""
from __future__ import annotations

import numpy as np

from .._core.errors import ShapeError
from .._core.op import Op, Spec, broadcast_shapes, dispatch2, fmt_shape
from .elementwise import multiply
from .shape import expand_dims, squeeze, transpose


def _swap(x):
    nd = x.ndim
    axes = list(range(nd))
    axes[-1], axes[-2] = axes[-2], axes[-1]
    return transpose(x, axes)


class Matmul(Op):
    """a @ b with NumPy's rules: 1-D operands are vectors, leading axes broadcast as a batch.

    Gradient (2-D case): (g @ b.T, a.T @ g).
    """

    nin = 2

    def forward(self, xp, a, b):
        if a.ndim == 2 and b.ndim == 2:
            return (a.dot(b),)  # same product; ndarray.dot skips matmul's gufunc machinery (~0.7 us)
        return (xp.matmul(a, b),)

    def infer(self, a, b):
        sa, sb = a.shape, b.shape
        if len(sa) == 0 or len(sb) == 0:
            raise ShapeError(f"matmul: operands must be at least 1-D, got shapes {fmt_shape(sa)} and {fmt_shape(sb)}")
        ka = sa[-1]
        kb = sb[0] if len(sb) == 1 else sb[-2]
        if ka is not None and kb is not None and ka != kb:
            raise ShapeError(f"matmul: cannot multiply a of shape {fmt_shape(sa)} by b of shape {fmt_shape(sb)}: "
                             f"inner dimensions {ka} and {kb} differ")
        try:
            batch = broadcast_shapes(self.opname, sa[:-2] if len(sa) > 1 else (), sb[:-2] if len(sb) > 1 else ())
        except ShapeError:
            raise ShapeError(f"matmul: the batch dimensions of a of shape {fmt_shape(sa)} and b of shape "
                             f"{fmt_shape(sb)} cannot be broadcast together") from None
        out = batch + ((sa[-2],) if len(sa) > 1 else ()) + ((sb[-1],) if len(sb) > 1 else ())
        return (Spec(out, np.result_type(a.dtype, b.dtype)),)

    def backward(self, g):
        a, b = self.inputs
        gy = g[0]
        na, nb = a.ndim, b.ndim
        ga = gb = None
        if na == 1 and nb == 1:
            return (multiply(gy, b) if self.needs_grad[0] else None,
                    multiply(gy, a) if self.needs_grad[1] else None)
        if na == 1:
            g2 = expand_dims(gy, -2)  # (..., 1, m)
            if self.needs_grad[0]:
                ga = squeeze(matmul(g2, _swap(b)), -2)
            if self.needs_grad[1]:
                gb = multiply(expand_dims(a, -1), g2)
            return ga, gb
        if nb == 1:
            g2 = expand_dims(gy, -1)  # (..., n, 1)
            if self.needs_grad[0]:
                ga = multiply(g2, b)
            if self.needs_grad[1]:
                gb = squeeze(matmul(_swap(a), g2), -1)
            return ga, gb
        if self.needs_grad[0]:
            ga = matmul(gy, _swap(b))
        if self.needs_grad[1]:
            gb = matmul(_swap(a), gy)
        return ga, gb


def matmul(a, b):
    """Matrix product a @ b (batched over leading axes; 1-D operands act as vectors)."""
    return dispatch2(object.__new__(Matmul), a, b)


def dot(a, b):
    """Alias of :func:`matmul` for 1-D/2-D operands."""
    return Matmul.apply(a, b)
