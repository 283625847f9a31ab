"""2-D convolution and pooling on NHWC tensors, with TensorFlow 1.x's conventions.

``conv2d(x, w)`` takes x of shape ``(N, H, W, Cin)`` and a filter in TF's
``(KH, KW, Cin, Cout)`` layout and computes the cross-correlation

    y[n, p, q, o] = sum_{i, j, c} xpad[n, p*sh + i, q*sw + j, c] * w[i, j, c, o]

Padding follows ``tf.nn.conv2d`` exactly. "VALID": no padding,
``out = (in - k) // s + 1``. "SAME": ``out = ceil(in / s)``,
``pad_total = max((out - 1) * s + k - in, 0)``, ``pad_before = pad_total // 2``
and the odd cell (if any) goes after.

Forward is im2col + one GEMM; the gradients are primitives of their own
(:class:`Conv2DGradInput`, :class:`Conv2DGradFilter`, GEMM + overlap-add),
written so that their own backward rules are again convolutions: conv2d is
bilinear, so every derivative of any order is one of these three ops.

Pooling: ``max_pool2d`` (padded cells never win; the gradient goes to the first
maximum of each window in row-major order, recomputed from x and y by
:class:`MaxPool2DGrad`) and ``avg_pool2d`` (SAME averages over the real cells
only, as TF does). The kernels live in :mod:`neuralab.backend.numpy_impl`.
"""
from __future__ import annotations

import numpy as np

from .._core.errors import DTypeError, ShapeError
from .._core.op import Op, Spec, fmt_shape
from ..backend import kernels as _kern, numpy_impl as _k

_PADDINGS = ("SAME", "VALID")


# ---------------------------------------------------------------------------------------
# attributes and geometry
# ---------------------------------------------------------------------------------------

def _pair(opname: str, what: str, v) -> tuple:
    """An int, a pair, or TF's 4-element ``[1, a, b, 1]`` -> (a, b) of positive ints."""
    if isinstance(v, (int, np.integer)):
        t = (int(v), int(v))
    else:
        t = tuple(v)
        if len(t) == 4 and int(t[0]) == 1 and int(t[3]) == 1:
            t = t[1:3]
        if len(t) != 2 or not all(isinstance(a, (int, np.integer)) for a in t):
            raise ShapeError(f"{opname}: {what} must be an int, a pair of ints or [1, a, b, 1], got {v!r}")
        t = (int(t[0]), int(t[1]))
    if t[0] < 1 or t[1] < 1:
        raise ShapeError(f"{opname}: {what} must be positive, got {v!r}")
    return t


def _padding(opname: str, p) -> str:
    s = str(p).upper() if isinstance(p, str) else None
    if s not in _PADDINGS:
        raise ValueError(f"{opname}: padding must be 'SAME' or 'VALID', got {p!r}")
    return s


def _axis(size, k, s, padding):
    """(out, pad_before, pad_after) along one axis; None entries when ``size`` is unknown."""
    if size is None:
        return None, None, None
    if padding == "VALID":
        return (size - k) // s + 1, 0, 0
    out = -(-size // s)
    total = max((out - 1) * s + k - size, 0)
    return out, total // 2, total - total // 2


def _geometry(opname, x_shape, ksize, stride, padding, what):
    """((OH, OW), ((top, bottom), (left, right))) for input ``x_shape`` (entries may be None)."""
    hw = x_shape[1:3]
    for d, k in zip(hw, ksize):
        if padding == "VALID" and d is not None and d < k:
            raise ShapeError(f"{opname}: the {ksize[0]}x{ksize[1]} window is larger than the input's spatial "
                             f"size {fmt_shape(hw)} with padding 'VALID' ({what})")
    h = _axis(hw[0], ksize[0], stride[0], padding)
    w = _axis(hw[1], ksize[1], stride[1], padding)
    return (h[0], w[0]), ((h[1], h[2]), (w[1], w[2]))


def _rank4(opname, name, shape, layout):
    if shape is None or len(shape) != 4:
        got = "unknown rank" if shape is None else f"shape {fmt_shape(shape)}"
        raise ShapeError(f"{opname}: {name} must be 4-D {layout}, got {got}")


def _floating(opname, *specs):
    for name, dt in specs:
        if np.dtype(dt).kind != "f":
            raise DTypeError(f"{opname}: {name} must be floating, got {np.dtype(dt)}")


def _same_dims(opname, what, got, want):
    """Raise unless the known entries of ``got`` and ``want`` agree."""
    if len(got) != len(want) or any(a is not None and b is not None and a != b for a, b in zip(got, want)):
        raise ShapeError(f"{opname}: {what}: expected shape {fmt_shape(want)}, got {fmt_shape(got)}")


def _merge(a, b):
    """Known entries of two shapes (None where both are unknown)."""
    return tuple(x if x is not None else y for x, y in zip(a, b))


# ---------------------------------------------------------------------------------------
# convolution
# ---------------------------------------------------------------------------------------

class _Conv(Op):
    def __init__(self, stride=1, padding="VALID"):
        super().__init__(stride=_pair(self.opname, "stride", stride), padding=_padding(self.opname, padding))

    def _check(self, x_shape, w_shape):
        """Validate x/w shapes; returns ((OH, OW), pads, out shape)."""
        op = self.opname
        _rank4(op, "x", x_shape, "(N, H, W, Cin)")
        _rank4(op, "w", w_shape, "(KH, KW, Cin, Cout)")
        cx, cw = x_shape[3], w_shape[2]
        desc = f"x {fmt_shape(x_shape)}, w {fmt_shape(w_shape)}"
        if cx is not None and cw is not None and cx != cw:
            raise ShapeError(f"{op}: x has {cx} input channels but w expects {cw} ({desc})")
        kh, kw = w_shape[0], w_shape[1]
        if kh is None or kw is None:  # kernel size known only at run time
            pads = None
            out_hw = tuple(None if d is None or self.padding == "VALID" else -(-d // s)
                           for d, s in zip(x_shape[1:3], self.stride))
        else:
            out_hw, pads = _geometry(op, x_shape, (kh, kw), self.stride, self.padding, desc)
        return out_hw, pads, (x_shape[0], out_hw[0], out_hw[1], w_shape[3])

    def _pads(self, x_shape, w_shape):
        """Concrete (out_hw, pads) at run time (with the op's error messages)."""
        out_hw, pads, _ = self._check(x_shape, w_shape)
        return out_hw, pads


class Conv2D(_Conv):
    """2-D cross-correlation of NHWC ``x`` with a (KH, KW, Cin, Cout) filter ``w``.

    Gradients: ``conv2d_grad_input(g, w)`` for x and ``conv2d_grad_filter(x, g)``
    for w (both primitives, differentiable again).
    """

    nin = 2
    opname = "conv2d"

    def forward(self, xp, x, w):
        if x.dtype.kind != "f" or w.dtype.kind != "f":
            _floating(self.opname, ("x", x.dtype), ("w", w.dtype))
        out_hw, pads = self._pads(x.shape, w.shape)
        return (_k.conv2d_forward(xp, x, w, self.stride, pads, out_hw),)

    def infer(self, x, w):
        _floating(self.opname, ("x", x.dtype), ("w", w.dtype))
        _, _, out = self._check(x.shape, w.shape)
        return (Spec(out, np.result_type(x.dtype, w.dtype)),)

    def backward(self, g):
        x, w = self.inputs
        gx = conv2d_grad_input(g[0], w, x, self.stride, self.padding) if self.needs_grad[0] else None
        gw = conv2d_grad_filter(x, g[0], w, self.stride, self.padding) if self.needs_grad[1] else None
        return gx, gw


class Conv2DGradInput(_Conv):
    """Gradient of conv2d with respect to its input: the adjoint of ``x -> conv2d(x, w)`` applied to g.

    Inputs ``(g, w, x)``; x is only a shape reference (its values are not used).
    Linear in g and in w: d/dg = conv2d(gg, w), d/dw = conv2d_grad_filter(gg, g).
    """

    nin = 3
    nondiff_inputs = (2,)
    opname = "conv2d_grad_input"

    def forward(self, xp, g, w, x):
        out_hw, pads = self._pads(x.shape, w.shape)
        _same_dims(self.opname, "g", g.shape, (x.shape[0], *out_hw, w.shape[3]))
        return (_kern.conv2d_grad_input(xp, g, w, x.shape, self.stride, pads),)

    def infer(self, g, w, x):
        _floating(self.opname, ("g", g.dtype), ("w", w.dtype))
        _rank4(self.opname, "g", g.shape, "(N, OH, OW, Cout)")
        _, _, out = self._check(x.shape, w.shape)
        _same_dims(self.opname, "g", g.shape, out)
        shape = _merge(x.shape, (g.shape[0], None, None, w.shape[2]))
        return (Spec(shape, np.result_type(g.dtype, w.dtype)),)

    def backward(self, gg):
        g, w, _ = self.inputs
        dg = conv2d(gg[0], w, self.stride, self.padding) if self.needs_grad[0] else None
        dw = conv2d_grad_filter(gg[0], g, w, self.stride, self.padding) if self.needs_grad[1] else None
        return dg, dw, None


class Conv2DGradFilter(_Conv):
    """Gradient of conv2d with respect to its filter: the adjoint of ``w -> conv2d(x, w)`` applied to g.

    Inputs ``(x, g, w)``; w is only a shape reference. Linear in x and in g:
    d/dx = conv2d_grad_input(g, ggw), d/dg = conv2d(x, ggw).
    """

    nin = 3
    nondiff_inputs = (2,)
    opname = "conv2d_grad_filter"

    def forward(self, xp, x, g, w):
        out_hw, pads = self._pads(x.shape, w.shape)
        _same_dims(self.opname, "g", g.shape, (x.shape[0], *out_hw, w.shape[3]))
        return (_k.conv2d_backward_filter(xp, x, g, w.shape, self.stride, pads),)

    def infer(self, x, g, w):
        _floating(self.opname, ("x", x.dtype), ("g", g.dtype))
        _rank4(self.opname, "g", g.shape, "(N, OH, OW, Cout)")
        _, _, out = self._check(x.shape, w.shape)
        _same_dims(self.opname, "g", g.shape, out)
        shape = _merge(w.shape, (None, None, x.shape[3], g.shape[3]))
        return (Spec(shape, np.result_type(x.dtype, g.dtype)),)

    def backward(self, gg):
        x, g, _ = self.inputs
        dx = conv2d_grad_input(g, gg[0], x, self.stride, self.padding) if self.needs_grad[0] else None
        dg = conv2d(x, gg[0], self.stride, self.padding) if self.needs_grad[1] else None
        return dx, dg, None


# ---------------------------------------------------------------------------------------
# pooling
# ---------------------------------------------------------------------------------------

class _Pool(Op):
    def __init__(self, ksize=2, stride=None, padding="VALID"):
        k = _pair(self.opname, "ksize", ksize)
        s = k if stride is None else _pair(self.opname, "stride", stride)
        super().__init__(ksize=k, stride=s, padding=_padding(self.opname, padding))

    def _check(self, x_shape, name="x"):
        """Validate x's shape; returns ((OH, OW), pads, pooled shape)."""
        _rank4(self.opname, name, x_shape, "(N, H, W, C)")
        out_hw, pads = _geometry(self.opname, x_shape, self.ksize, self.stride, self.padding,
                                 f"{name} {fmt_shape(x_shape)}")
        return out_hw, pads, (x_shape[0], out_hw[0], out_hw[1], x_shape[3])

    def _pooled(self, name, spec, out):
        _rank4(self.opname, name, spec.shape, "(N, OH, OW, C)")
        _same_dims(self.opname, name, spec.shape, out)


class MaxPool2D(_Pool):
    """Maximum over each ksize window of NHWC x (padded cells never win).

    Gradient: ``max_pool2d_grad(x, y, g)``, which sends each output's gradient
    to the first maximal cell of its window (row-major order).
    """

    nin = 1
    retain_outputs = True
    opname = "max_pool2d"

    def forward(self, xp, x):
        out_hw, pads, _ = self._check(x.shape)
        return (_k.max_pool_forward(xp, x, self.ksize, self.stride, pads, out_hw),)

    def infer(self, x):
        _, _, out = self._check(x.shape)
        return (Spec(out, x.dtype),)

    def backward(self, g):
        return (max_pool2d_grad(self.inputs[0], self.output(0), g[0], self.ksize, self.stride, self.padding),)


class MaxPool2DGrad(_Pool):
    """Gradient of max_pool2d: g routed to each window's first maximum, found by comparing x with y.

    Inputs ``(x, y, g)`` with y = max_pool2d(x); linear in g (x and y only
    select cells). Its backward is :class:`MaxPool2DGradGrad`.
    """

    nin = 3
    nondiff_inputs = (0, 1)
    opname = "max_pool2d_grad"

    def forward(self, xp, x, y, g):
        _, pads, out = self._check(x.shape)
        _same_dims(self.opname, "y", y.shape, out)
        _same_dims(self.opname, "g", g.shape, out)
        return (_kern.max_pool_grad(xp, x, y, g, self.ksize, self.stride, pads),)

    def infer(self, x, y, g):
        _floating(self.opname, ("g", g.dtype))
        _, _, out = self._check(x.shape)
        self._pooled("y", y, out)
        self._pooled("g", g, out)
        return (Spec(_merge(x.shape, (g.shape[0], None, None, g.shape[3])), g.dtype),)

    def backward(self, gg):
        x, y, _ = self.inputs
        return None, None, max_pool2d_grad_grad(x, y, gg[0], self.ksize, self.stride, self.padding)


class MaxPool2DGradGrad(_Pool):
    """Adjoint of max_pool2d_grad in its gradient argument: gg read at each window's first maximum.

    Inputs ``(x, y, gg)`` with gg shaped like x; output shaped like y.
    Its backward is :class:`MaxPool2DGrad`.
    """

    nin = 3
    nondiff_inputs = (0, 1)
    opname = "max_pool2d_grad_grad"

    def forward(self, xp, x, y, gg):
        _, pads, out = self._check(x.shape)
        _same_dims(self.opname, "y", y.shape, out)
        _same_dims(self.opname, "gg", gg.shape, x.shape)
        return (_k.max_pool_gather(xp, x, y, gg, self.ksize, self.stride, pads),)

    def infer(self, x, y, gg):
        _floating(self.opname, ("gg", gg.dtype))
        _, _, out = self._check(x.shape)
        self._pooled("y", y, out)
        _rank4(self.opname, "gg", gg.shape, "(N, H, W, C)")
        _same_dims(self.opname, "gg", gg.shape, x.shape)
        return (Spec(_merge(y.shape, out), gg.dtype),)

    def backward(self, ggg):
        x, y, _ = self.inputs
        return None, None, max_pool2d_grad(x, y, ggg[0], self.ksize, self.stride, self.padding)


class AvgPool2D(_Pool):
    """Mean over each ksize window of NHWC x; with SAME, over the window's real (unpadded) cells only.

    Gradient: ``avg_pool2d_grad(g, x)``.
    """

    nin = 1
    opname = "avg_pool2d"

    def forward(self, xp, x):
        if x.dtype.kind != "f":
            raise DTypeError(f"{self.opname}: x must be floating, got {x.dtype}")
        out_hw, pads, _ = self._check(x.shape)
        return (_k.avg_pool_forward(xp, x, self.ksize, self.stride, pads, out_hw),)

    def infer(self, x):
        _floating(self.opname, ("x", x.dtype))
        _, _, out = self._check(x.shape)
        return (Spec(out, x.dtype),)

    def backward(self, g):
        return (avg_pool2d_grad(g[0], self.inputs[0], self.ksize, self.stride, self.padding),)


class AvgPool2DGrad(_Pool):
    """Gradient of avg_pool2d: each output gradient spread evenly over its window's real cells.

    Inputs ``(g, x)``; x is only a shape reference. Linear in g; its
    backward is avg_pool2d.
    """

    nin = 2
    nondiff_inputs = (1,)
    opname = "avg_pool2d_grad"

    def forward(self, xp, g, x):
        _, pads, out = self._check(x.shape)
        _same_dims(self.opname, "g", g.shape, out)
        return (_k.avg_pool_backward(xp, g, x.shape, self.ksize, self.stride, pads),)

    def infer(self, g, x):
        _floating(self.opname, ("g", g.dtype))
        _, _, out = self._check(x.shape)
        self._pooled("g", g, out)
        return (Spec(_merge(x.shape, (g.shape[0], None, None, g.shape[3])), g.dtype),)

    def backward(self, gg):
        return avg_pool2d(gg[0], self.ksize, self.stride, self.padding), None


# ---------------------------------------------------------------------------------------
# public functions
# ---------------------------------------------------------------------------------------

def conv2d(x, w, stride=1, padding="VALID"):
    """2-D convolution (cross-correlation) of NHWC ``x`` with filter ``w``, like TF1's ``tf.nn.conv2d``.

    x: (N, H, W, Cin); w: (KH, KW, Cin, Cout); stride: int, (sh, sw) or
    [1, sh, sw, 1]; padding: "SAME" (out = ceil(in / stride), zeros split as
    TF does, the extra one after) or "VALID" (no padding). Returns
    (N, OH, OW, Cout) with y[n, p, q, o] = sum_{i,j,c} xpad[n, p*sh+i, q*sw+j, c] w[i, j, c, o].

    >>> conv2d(np.ones((1, 28, 28, 1)), np.ones((5, 5, 1, 32)), padding="SAME").shape
    (1, 28, 28, 32)
    """
    return Conv2D.apply(x, w, stride=stride, padding=padding)


def conv2d_grad_input(g, w, x, stride=1, padding="VALID"):
    """d(sum(g * conv2d(x, w)))/dx: the gradient of conv2d with respect to x (x gives only the shape)."""
    return Conv2DGradInput.apply(g, w, x, stride=stride, padding=padding)


def conv2d_grad_filter(x, g, w, stride=1, padding="VALID"):
    """d(sum(g * conv2d(x, w)))/dw: the gradient of conv2d with respect to w (w gives only the shape)."""
    return Conv2DGradFilter.apply(x, g, w, stride=stride, padding=padding)


def max_pool2d(x, ksize=2, stride=None, padding="VALID"):
    """Max pooling of NHWC ``x`` over ksize windows, like TF1's ``tf.nn.max_pool``.

    ksize/stride: int, pair or [1, a, b, 1]; stride defaults to ksize.
    Padding "SAME"/"VALID" as in :func:`conv2d`; padded cells never win. The
    gradient goes to the first maximum of each window (row-major order).

    When ``x`` is ``maximum(0, y + b)`` with a per-channel bias (a conv layer's
    ReLU output) and a gradient is being recorded, the fused
    :func:`neuralab.ops.fused.bias_relu_max_pool2d` computes the same values and
    gradients from ``y`` and ``b`` in fewer passes (switch: ``fused.set_fusion``).

    >>> max_pool2d(np.ones((1, 28, 28, 32)), 2, 2, "SAME").shape
    (1, 14, 14, 32)
    """
    src = _fused.bias_relu_source(x)
    if src is not None:
        return _fused.bias_relu_max_pool2d(src[0], src[1], ksize=ksize, stride=stride, padding=padding)
    return MaxPool2D.apply(x, ksize=ksize, stride=stride, padding=padding)


def max_pool2d_grad(x, y, g, ksize=2, stride=None, padding="VALID"):
    """Gradient of ``y = max_pool2d(x)`` for upstream g: each g routed to its window's first maximum."""
    return MaxPool2DGrad.apply(x, y, g, ksize=ksize, stride=stride, padding=padding)


def max_pool2d_grad_grad(x, y, gg, ksize=2, stride=None, padding="VALID"):
    """For ``y = max_pool2d(x)``: gg (shaped like x) read at each window's first maximum (shaped like y)."""
    return MaxPool2DGradGrad.apply(x, y, gg, ksize=ksize, stride=stride, padding=padding)


def avg_pool2d(x, ksize=2, stride=None, padding="VALID"):
    """Average pooling of NHWC ``x``, like TF1's ``tf.nn.avg_pool``.

    ksize/stride: int, pair or [1, a, b, 1]; stride defaults to ksize. With
    "SAME" each window averages over its real cells only (padding is not counted).

    >>> avg_pool2d(np.ones((2, 5, 5, 3)), 2, 2, "SAME").shape
    (2, 3, 3, 3)
    """
    return AvgPool2D.apply(x, ksize=ksize, stride=stride, padding=padding)


def avg_pool2d_grad(g, x, ksize=2, stride=None, padding="VALID"):
    """Gradient of ``avg_pool2d(x)`` for upstream g (x gives only the shape)."""
    return AvgPool2DGrad.apply(g, x, ksize=ksize, stride=stride, padding=padding)


from . import fused as _fused  # noqa: E402  (it builds on this module's helpers)
