"""Fused bias + ReLU + max-pool on NHWC tensors: the block that ends every conv layer of the lectures' CNNs.

``bias_relu_max_pool2d(y, b, ksize, stride, padding)`` computes exactly

    max_pool2d(maximum(0, y + b), ksize, stride, padding)

for a per-channel bias ``b`` of shape ``(C,)``. Both ``v -> v + b[c]`` (rounded)
and ReLU are monotonic, so the maximum can be taken first: the op pools
``y + b`` (tracking the winning tap of each window as a small integer) and
applies ReLU to the pooled values only. The values are bit-identical to the
unfused chain. The gradient is the same as well: it goes to each window's first
maximum of ``y + b`` (row-major), masked where the pooled value is not positive
(``relu'(0) = 0``), and the bias gets ``sum_to_like`` of it, the op the
unfused ``add`` uses.

Why a primitive: unfused, a conv layer's tail makes four full-size passes
forward (add, maximum, the window taps) and six backward (the comparison
that finds each maximum, masks, the ReLU select) and keeps two full-size
intermediates alive until the backward; fused, the forward reads ``y`` once and
writes a quarter-size output plus one byte per pooled value, and the backward
is one scatter. (Measured on the lecture CNN, batch 100, 2 cores: see
benchmarks/results/profile_*.txt.)

:func:`max_pool2d` uses it by itself: when its input is ``maximum(0, y + b)``
with a per-channel ``b`` and a gradient is being recorded (a graph is being
built or a tape is running), it calls this op on ``y`` and ``b`` instead (the
``maximum`` and ``add`` nodes stay, and a compiled plan drops them when nothing
else reads them). :func:`set_fusion` switches that off.

Ops: :class:`BiasReluMaxPool2D` (outputs the pooled values and the tap index),
:class:`BiasReluMaxPool2DGrad` (the scatter) and :class:`BiasReluMaxPool2DGather`
(its adjoint, for double backward); the kernels live in
:mod:`neuralab.backend.kernels` (Numba when installed) and
:mod:`neuralab.backend.numpy_impl` (the NumPy fallback).
"""
from __future__ import annotations

import numpy as np

from .._core.errors import DTypeError, ShapeError
from .._core.op import Op, Spec, fmt_shape
from ..backend import kernels as _kern, numpy_impl as _k
from .conv import _floating, _geometry, _merge, _padding, _pair, _rank4, _same_dims

_FUSION = {"enabled": True}


def set_fusion(enabled: bool) -> bool:
    """Turn the automatic use of :func:`bias_relu_max_pool2d` by ``max_pool2d`` on or off; returns the old setting.

    With fusion off, ``max_pool2d(relu(y + b))`` records the plain ``max_pool2d`` op (same values and
    gradients, more passes over memory).
    """
    old = _FUSION["enabled"]
    _FUSION["enabled"] = bool(enabled)
    return old


class _FusedPool(Op):
    def __init__(self, ksize=2, stride=None, padding="VALID", in_hw=None):
        k = _pair(self.opname, "ksize", ksize)
        s = k if stride is None else _pair(self.opname, "stride", stride)
        attrs = {"ksize": k, "stride": s, "padding": _padding(self.opname, padding)}
        if in_hw is not None:
            attrs["in_hw"] = (int(in_hw[0]), int(in_hw[1]))
        super().__init__(**attrs)

    def _check(self, y_shape, name="y"):
        """Validate an NHWC input shape; returns ((OH, OW), pads, pooled shape)."""
        _rank4(self.opname, name, y_shape, "(N, H, W, C)")
        out_hw, pads = _geometry(self.opname, y_shape, self.ksize, self.stride, self.padding,
                                 f"{name} {fmt_shape(y_shape)}")
        return out_hw, pads, (y_shape[0], out_hw[0], out_hw[1], y_shape[3])

    def _input_shape(self, pooled_shape):
        """The (N, H, W, C) of the pooled op's input from a pooled shape (H, W from the in_hw attribute)."""
        return (pooled_shape[0], self.in_hw[0], self.in_hw[1], pooled_shape[3])

    def _pooled(self, name, spec, out):
        _rank4(self.opname, name, spec.shape, "(N, OH, OW, C)")
        _same_dims(self.opname, name, spec.shape, out)

    def _index(self, spec):
        if np.dtype(spec.dtype).kind not in "iu":
            raise DTypeError(f"{self.opname}: idx must hold integer tap numbers, got {np.dtype(spec.dtype)}")


class BiasReluMaxPool2D(_FusedPool):
    """``max_pool2d(maximum(0, y + b))`` for NHWC ``y`` and a ``(C,)`` bias, in one pass over ``y``.

    Outputs: the pooled values ``p`` and ``idx``, the row-major tap ``i * KW + j``
    of each window's first maximum of ``y + b`` (uint8 for windows of at most
    255 cells, else int32; not differentiable). Gradient: ``gy`` from
    :class:`BiasReluMaxPool2DGrad`, ``gb = sum_to_like(gy, b)``.
    """

    nin = 2
    nout = 2
    retain_outputs = True
    opname = "bias_relu_max_pool2d"
    type = "FusedBiasReluMaxPool"

    def forward(self, xp, y, b):
        out_hw, pads, _ = self._check(y.shape)
        self._bias(b.shape, y.shape)
        if y.dtype.kind != "f" or b.dtype.kind != "f":
            _floating(self.opname, ("y", y.dtype), ("b", b.dtype))
        return _kern.bias_relu_max_pool(xp, y, b, self.ksize, self.stride, pads, out_hw)

    def _bias(self, b_shape, y_shape):
        c = y_shape[3]
        if b_shape is None or len(b_shape) != 1 or (c is not None and b_shape[0] is not None and b_shape[0] != c):
            raise ShapeError(f"{self.opname}: b must be a per-channel bias of shape ({c if c is not None else '?'},)"
                             f" for y {fmt_shape(y_shape)}, got {fmt_shape(b_shape)}")

    def infer(self, y, b):
        _floating(self.opname, ("y", y.dtype), ("b", b.dtype))
        _, _, out = self._check(y.shape)
        self._bias(b.shape, y.shape)
        if y.shape[1] is None or y.shape[2] is None:
            raise ShapeError(f"{self.opname}: y's height and width must be known when the graph is built "
                             f"(its gradient is shaped by them), got {fmt_shape(y.shape)}")
        return (Spec(out, np.result_type(y.dtype, b.dtype)), Spec(out, _k.tap_index_dtype(self.ksize)))

    def backward(self, g):
        y, b = self.inputs
        if g[0] is None:
            return None, None
        gy = BiasReluMaxPool2DGrad.apply(g[0], self.output(0), self.output(1), ksize=self.ksize, stride=self.stride,
                                         padding=self.padding, in_hw=y.shape[1:3])
        from .shape import sum_to_like

        return gy, (sum_to_like(gy, b) if self.needs_grad[1] else None)


class BiasReluMaxPool2DGrad(_FusedPool):
    """Gradient of :class:`BiasReluMaxPool2D` for ``y``: ``gp`` where ``p > 0``, scattered to the cells ``idx``
    names, zeros elsewhere (shaped like ``y``; ``in_hw`` gives its H and W).

    Inputs ``(gp, p, idx)``; linear in ``gp`` (p and idx only select). Its
    backward is :class:`BiasReluMaxPool2DGather`.
    """

    nin = 3
    nondiff_inputs = (1, 2)
    opname = "bias_relu_max_pool2d_grad"

    def forward(self, xp, gp, p, idx):
        shape = self._input_shape(gp.shape)
        _, pads, out = self._check(shape, "the input")
        _same_dims(self.opname, "gp", gp.shape, out)
        _same_dims(self.opname, "p", p.shape, out)
        _same_dims(self.opname, "idx", idx.shape, out)
        return (_kern.bias_relu_max_pool_grad(xp, gp, p, idx, shape, self.ksize, self.stride, pads),)

    def infer(self, gp, p, idx):
        _floating(self.opname, ("gp", gp.dtype))
        self._index(idx)
        _rank4(self.opname, "gp", gp.shape, "(N, OH, OW, C)")
        shape = self._input_shape(gp.shape)
        _, _, out = self._check(shape, "the input")
        for name, spec in (("gp", gp), ("p", p), ("idx", idx)):
            self._pooled(name, spec, out)
        return (Spec(_merge(shape, (p.shape[0], None, None, p.shape[3])), gp.dtype),)

    def backward(self, gg):
        _, p, idx = self.inputs
        return (BiasReluMaxPool2DGather.apply(gg[0], p, idx, ksize=self.ksize, stride=self.stride,
                                              padding=self.padding), None, None)


class BiasReluMaxPool2DGather(_FusedPool):
    """Adjoint of :class:`BiasReluMaxPool2DGrad`: ``gg`` (shaped like ``y``) read at each window's winning cell,
    where ``p > 0``; zero elsewhere. Shaped like ``p``.

    Inputs ``(gg, p, idx)``; linear in ``gg``. Its backward is :class:`BiasReluMaxPool2DGrad`.
    """

    nin = 3
    nondiff_inputs = (1, 2)
    opname = "bias_relu_max_pool2d_gather"

    def forward(self, xp, gg, p, idx):
        _, pads, out = self._check(gg.shape, "gg")
        for name, a in (("p", p), ("idx", idx)):
            _same_dims(self.opname, f"{name} (pooled from gg {fmt_shape(gg.shape)})", a.shape, out)
        return (_kern.bias_relu_max_pool_gather(xp, gg, p, idx, self.ksize, self.stride, pads),)

    def infer(self, gg, p, idx):
        _floating(self.opname, ("gg", gg.dtype))
        self._index(idx)
        _, _, out = self._check(gg.shape, "gg")
        for name, spec in (("p", p), ("idx", idx)):
            self._pooled(f"{name} (pooled from gg {fmt_shape(gg.shape)})", spec, out)
        return (Spec(_merge(p.shape, out), gg.dtype),)

    def backward(self, ggg):
        gg, p, idx = self.inputs
        return (BiasReluMaxPool2DGrad.apply(ggg[0], p, idx, ksize=self.ksize, stride=self.stride,
                                            padding=self.padding, in_hw=gg.shape[1:3]), None, None)


# ---------------------------------------------------------------------------------------
# public functions
# ---------------------------------------------------------------------------------------

def bias_relu_max_pool2d(y, b, ksize=2, stride=None, padding="VALID"):
    """``max_pool2d(maximum(0, y + b), ksize, stride, padding)`` in one fused op (same values and gradients).

    y: NHWC (N, H, W, C) floating; b: (C,); ksize/stride/padding as in
    :func:`neuralab.ops.conv.max_pool2d` (stride defaults to ksize). Returns the
    pooled (N, OH, OW, C) tensor.

    >>> bias_relu_max_pool2d(np.ones((1, 4, 4, 2)), np.array([-2.0, 1.0])).numpy()[0, 0, 0]
    array([0., 2.])
    """
    return BiasReluMaxPool2D.apply(y, b, ksize=ksize, stride=stride, padding=padding)[0]


def bias_relu_max_pool2d_grad(gp, p, idx, in_hw, ksize=2, stride=None, padding="VALID"):
    """The y-gradient of :func:`bias_relu_max_pool2d` from its outputs ``p`` and ``idx`` (input H, W = ``in_hw``)."""
    return BiasReluMaxPool2DGrad.apply(gp, p, idx, ksize=ksize, stride=stride, padding=padding, in_hw=in_hw)


def bias_relu_max_pool2d_gather(gg, p, idx, ksize=2, stride=None, padding="VALID"):
    """Adjoint of :func:`bias_relu_max_pool2d_grad`: ``gg`` at each window's winner where ``p > 0``."""
    return BiasReluMaxPool2DGather.apply(gg, p, idx, ksize=ksize, stride=stride, padding=padding)


def bias_relu_source(x):
    """``(y, b)`` when ``x`` was computed as ``maximum(0, y + b)`` (or ``b + y``) with a per-channel ``b``
    and a gradient is being recorded for it, so that pooling ``x`` may run fused; else None.

    Requires: fusion on (:func:`set_fusion`), a literal zero constant (not a variable), NHWC ``y`` with
    known H and W and ``b`` of shape ``(C,)``, both of the same floating dtype.
    """
    if not _FUSION["enabled"]:
        return None
    op = getattr(x, "_op", None)
    if op is None:
        return None
    from .elementwise import Add, Maximum

    if type(op) is not Maximum:
        return None
    zero, z = op.inputs
    zd = zero.data
    if zd is None or zero._op is not None or zero._variable or zero.requires_grad or np.ndim(zd) != 0 or zd != 0:
        return None
    zop = z._op
    if type(zop) is not Add:
        return None
    a, c = zop.inputs
    y, b = (a, c) if (c.shape is not None and len(c.shape) == 1) else (c, a)
    ys, bs = y.shape, b.shape
    if ys is None or bs is None or len(ys) != 4 or len(bs) != 1 or tuple(ys) != tuple(z.shape):
        return None
    if ys[1] is None or ys[2] is None or ys[3] is None or bs[0] != ys[3]:
        return None
    if y.dtype != b.dtype or y.dtype.kind != "f" or x.dtype != y.dtype:
        return None
    return y, b
