"""Dilated (atrous), transposed and depthwise 2-D convolution, composed from the conv primitives.

All three are built from :mod:`neuralab.ops.conv`'s three primitives (conv2d
and its two gradients) and shape ops, so gradients of every order, graph mode
and compiled replays come with them. Layout as everywhere in neuralab: NHWC
images, filters ``(KH, KW, C_in, C_out)``.

**Dilated convolution** with rate ``d = (dh, dw)`` (Yu & Koltun 2016; TF's
``dilations``/``atrous_conv2d``, PyTorch's ``dilation``) spaces the filter taps
``d`` cells apart::

    y[n, p, q, o] = sum_{i, j, c} xpad[n, p*sh + i*dh, q*sw + j*dw, c] * w[i, j, c, o]

which is an ordinary convolution with the *dilated filter* of size
``((KH - 1) dh + 1, (KW - 1) dw + 1)`` holding ``w[i, j]`` at ``(i dh, j dw)``
and zeros in between (:func:`dilate_filter`). Padding therefore follows TF with
that effective size: "SAME" gives ``ceil(in / s)``, "VALID" gives
``(in - k_eff) // s + 1``. With stride 1 (the atrous case) :func:`conv2d`
does not multiply the zeros: it splits the padded input into its ``dh * dw``
phases (rows ``r, r + dh, ...``), folds them into the batch, convolves each with
the undilated ``w`` and interleaves the results (TF's space-to-batch method), so
the work is that of the undilated convolution plus two copies (measured in
benchmarks/bench_conv_transpose.py: 1.2-1.5x the undilated convolution, against
2-8x for the zero-filled filter at rates 2-4). With stride > 1, or spatial sizes
known only at run time, it convolves with the dilated filter.

**Transposed convolution** ("deconvolution", fractionally strided convolution;
Dumoulin & Visin 2016, "A guide to convolution arithmetic") is the adjoint of
``z -> conv2d(z, w)``: for ``x`` shaped like conv2d's output,

    conv2d_transpose(x, w, output_shape) = d/dz sum(x * conv2d(z, w)),   z of shape output_shape,

that is :func:`neuralab.ops.conv.conv2d_grad_input` with ``x`` as the upstream
gradient: every input pixel adds a copy of the filter, scaled by its value,
into the output at stride ``s``. The filter is TF's ``(KH, KW, C_out, C_in)``
(the layout of the conv whose *input* is this op's output). Several output
sizes map back to the same input size when ``s > 1``; ``output_shape`` picks
one, and by default it is Keras' rule: "SAME" ``in * s``, "VALID"
``in * s + max(k_eff - s, 0)``.

**Depthwise convolution** (TF's ``depthwise_conv2d``) convolves each input
channel with its own ``M`` filters, ``w`` of shape ``(KH, KW, C, M)`` giving
``C * M`` channels (channel ``c * M + m``). It is one conv2d with the
block-diagonal filter ``W[i, j, c, c' M + m] = w[i, j, c, m] [c = c']``, so it
costs ``C`` times the arithmetic of a grouped kernel: fine for the small ``C``
of tutorials, not for MobileNet-sized layers.
"""
from __future__ import annotations

import numpy as np

from .._core.errors import ShapeError
from .._core.op import Op, Spec, fmt_shape
from .._core.tensor import Tensor
from ..ops import conv as _conv, elementwise as E, shape as S

__all__ = ["conv2d", "conv2d_transpose", "depthwise_conv2d", "dilate_filter", "transposed_output_size"]

_t = Tensor.from_data


def _rate(opname, dilation):
    """``dilation`` as a pair of positive ints (an int, a pair or TF's ``[1, a, b, 1]``)."""
    return _conv._pair(opname, "dilation", dilation)


def _filter_hw(opname, w, name="w"):
    if w.shape is None or len(w.shape) != 4:
        got = "unknown rank" if w.shape is None else f"shape {fmt_shape(w.shape)}"
        raise ShapeError(f"{opname}: {name} must be a 4-D filter (KH, KW, C_in, C_out), got {got}")
    kh, kw = w.shape[0], w.shape[1]
    if kh is None or kw is None:
        raise ShapeError(f"{opname}: the filter's spatial size must be known, got shape {fmt_shape(w.shape)}")
    return int(kh), int(kw)


def dilate_filter(w, dilation):
    """The filter ``w`` (KH, KW, C_in, C_out) with ``dh - 1`` zero rows between its rows and ``dw - 1`` zero
    columns between its columns: shape ``((KH - 1) dh + 1, (KW - 1) dw + 1, C_in, C_out)``.

    Differentiable in ``w`` (built with expand_dims, pad, reshape and a slice).

    >>> dilate_filter(np.ones((2, 2, 1, 1)), 2)[..., 0, 0].numpy()
    array([[1., 0., 1.],
           [0., 0., 0.],
           [1., 0., 1.]])
    """
    w = _t(w)
    dh, dw = _rate("dilate_filter", dilation)
    kh, kw = _filter_hw("dilate_filter", w)
    for axis, k, d in ((0, kh, dh), (1, kw, dw)):
        if d == 1 or k == 1:
            continue
        shape = tuple(w.shape)
        w = S.expand_dims(w, axis + 1)  # (..., k, 1, ...)
        pw = [(0, 0)] * 5
        pw[axis + 1] = (0, d - 1)
        w = S.pad(w, tuple(pw))  # (..., k, d, ...): each tap followed by d - 1 zeros
        w = S.reshape(w, shape[:axis] + (k * d,) + shape[axis + 1:])
        w = S.getitem(w, (slice(None),) * axis + (slice(0, (k - 1) * d + 1),))
    return w


def _phase_conv(x, w, padding, d):
    """Stride-1 dilated conv2d by phases: the padded input's ``dh * dw`` sub-grids convolved with ``w`` (VALID)."""
    (dh, dw), (kh, kw) = d, _filter_hw("conv2d", w)
    _, h, wd, c = x.shape
    keff = ((kh - 1) * dh + 1, (kw - 1) * dw + 1)
    (oh, ow), ((pt, _), (pl, _)) = _conv._geometry("conv2d", x.shape, keff, (1, 1), padding,
                                                  f"x {fmt_shape(x.shape)}, w {fmt_shape(w.shape)}, dilation {d}")
    # phase r of an axis holds padded rows r, r + d, ...; it needs oh/d + k - 1 of them (rounded up)
    qh, qw = -(-oh // dh) + kh - 1, -(-ow // dw) + kw - 1
    xp = S.pad(x, ((0, 0), (pt, qh * dh - h - pt), (pl, qw * dw - wd - pl), (0, 0)))
    xp = S.reshape(xp, (-1, qh, dh, qw, dw, c))  # (the batch may be unknown until run time)
    xp = S.reshape(S.transpose(xp, (2, 4, 0, 1, 3, 5)), (-1, qh, qw, c))
    y = _conv.conv2d(xp, w, 1, "VALID")  # (dh*dw*n, qh - kh + 1, qw - kw + 1, co)
    yh, yw, co = qh - kh + 1, qw - kw + 1, y.shape[3]
    y = S.reshape(S.transpose(S.reshape(y, (dh, dw, -1, yh, yw, co)), (2, 3, 0, 4, 1, 5)), (-1, yh * dh, yw * dw, co))
    return S.getitem(y, (slice(None), slice(0, oh), slice(0, ow)))


def conv2d(x, w, stride=1, padding="VALID", dilation=1):
    """2-D convolution of NHWC ``x`` with filter ``w`` (KH, KW, C_in, C_out), optionally dilated (atrous).

    ``stride``, ``dilation``: an int, a pair or TF's ``[1, a, b, 1]``;
    ``padding``: "SAME" or "VALID" (TF's rules, with the dilated filter's size).
    ``dilation=1`` is :func:`neuralab.ops.conv2d` itself; otherwise the taps are
    ``dilation`` cells apart (see the module docstring).

    >>> conv2d(np.ones((1, 7, 7, 1)), np.ones((3, 3, 1, 1)), dilation=2).shape   # 5x5 effective filter
    (1, 3, 3, 1)
    >>> float(conv2d(np.arange(25.0).reshape(1, 5, 5, 1), np.ones((2, 2, 1, 1)), dilation=2)[0, 0, 0, 0])
    24.0
    """
    d = _rate("conv2d", dilation)
    if d == (1, 1):
        return _conv.conv2d(x, w, stride=stride, padding=padding)
    x, w = _t(x), _t(w)
    s = _conv._pair("conv2d", "stride", stride)
    pad = _conv._padding("conv2d", padding)
    _filter_hw("conv2d", w)
    if s == (1, 1) and x.shape is not None and len(x.shape) == 4 and None not in x.shape[1:]:
        return _phase_conv(x, w, pad, d)
    return _conv.conv2d(x, dilate_filter(w, d), stride=s, padding=pad)


def transposed_output_size(size, k, stride, padding):
    """Keras' default output size of a transposed convolution along one axis: "SAME" ``size * stride``,
    "VALID" ``size * stride + max(k - stride, 0)`` (``k`` the filter's size, dilated if it is).

    >>> transposed_output_size(7, 5, 2, "SAME"), transposed_output_size(7, 5, 2, "VALID")
    (14, 17)
    """
    if size is None:
        return None
    return size * stride if padding == "SAME" else size * stride + max(k - stride, 0)


def _fits(out, k, s, padding, size):
    """Whether conv2d maps an axis of ``out`` cells to ``size`` cells."""
    if padding == "SAME":
        return -(-out // s) == size
    return out >= k and (out - k) // s + 1 == size


class _TransposedOutput(Op):
    """A stride-0 view of zeros with the output shape of a transposed convolution: the shape reference
    conv2d_grad_input takes (its values are never read, so it costs no memory).

    Inputs: ``x`` (the transposed convolution's input: the batch size comes from
    it) and ``dims`` (a 1-D integer tensor, the output shape; -1 in entry 0 means
    x's batch size). Attributes: ``static_shape`` (what is known when the graph is
    built), ``ksize`` (effective), ``stride``, ``padding``, ``channels`` (the
    filter's C_out, or None). The run-time check names ``conv2d_transpose``.
    Not registered: a helper of :func:`conv2d_transpose`, not a primitive.
    """

    nin = 2
    differentiable = False
    nondiff_inputs = (0, 1)
    type = "Const"

    def __init__(self, static_shape, ksize, stride, padding, channels):
        super().__init__(static_shape=static_shape, ksize=ksize, stride=stride, padding=padding, channels=channels)

    def _check(self, shape, x_shape):
        want = (x_shape[0], shape[1], shape[2], self.channels)
        for i, (a, b) in enumerate(zip(shape, want)):
            if i in (0, 3) and a is not None and b is not None and a != b:
                what = "batch size" if i == 0 else "channel count (the filter's third axis)"
                raise ShapeError(f"conv2d_transpose: output_shape {fmt_shape(shape)} has {what} {a}, expected {b} "
                                 f"(x {fmt_shape(x_shape)})")
        for out, k, s, size in zip(shape[1:3], self.ksize, self.stride, x_shape[1:3]):
            if out is not None and size is not None and not _fits(out, k, s, self.padding, size):
                if self.padding == "VALID" and out < k:
                    raise ShapeError(f"conv2d_transpose: output_shape {fmt_shape(shape)} is smaller than the "
                                     f"{self.ksize[0]}x{self.ksize[1]} filter (padding 'VALID', "
                                     f"x {fmt_shape(x_shape)})")
                raise ShapeError(
                    f"conv2d_transpose: output_shape {fmt_shape(shape)} does not fit x {fmt_shape(x_shape)}: a "
                    f"{self.ksize[0]}x{self.ksize[1]} conv2d with stride {self.stride} and padding {self.padding!r} "
                    f"maps a size-{out} axis to {_conv._axis(out, k, s, self.padding)[0]} cells, not {size}")

    def forward(self, xp, x, dims):
        shape = [int(v) for v in (dims if xp is np else dims.get())]
        if len(shape) != 4:
            raise ShapeError(f"conv2d_transpose: output_shape must have 4 entries (N, H, W, C), got {tuple(shape)}")
        if shape[0] == -1:
            shape[0] = x.shape[0]
        if min(shape) < 0:
            raise ShapeError(f"conv2d_transpose: invalid output_shape {tuple(shape)}")
        self._check(tuple(shape), x.shape)
        return (xp.broadcast_to(xp.zeros((), dtype=x.dtype), tuple(shape)),)

    def infer(self, x, dims):
        shape = list(self.static_shape)
        if shape[0] is None:
            shape[0] = x.shape[0]
        self._check(tuple(shape), x.shape)
        return (Spec(tuple(shape), x.dtype),)

    def backward(self, grads):
        return None, None


def _int_entry(v):
    """An entry of a shape given as a list (an int, None, or a concrete scalar tensor) as an int or None."""
    if v is None:
        return None
    a = np.asarray(v.data if isinstance(v, Tensor) else v)
    if a.ndim != 0 or a.dtype.kind not in "iu":
        raise ShapeError(f"conv2d_transpose: output_shape entries must be integers, got {v!r}")
    return int(a)


def _output_dims(output_shape, x, keff, s, pad, cout):
    """(dims tensor, static shape) of a transposed convolution's output (-1 in dims[0]: x's batch size)."""
    if cout is None:
        raise ShapeError("conv2d_transpose: the filter's output-channel count (its third axis) must be known")
    if isinstance(output_shape, Tensor) and output_shape.data is not None:
        output_shape = output_shape.data
    if isinstance(output_shape, Tensor):  # known when the graph runs
        if output_shape.dtype.kind not in "iu" or output_shape.shape is None or len(output_shape.shape) != 1 \
                or output_shape.shape[0] not in (4, None):
            raise ShapeError(f"conv2d_transpose: output_shape must be a 1-D integer tensor of 4 entries, got "
                             f"{output_shape.dtype} of shape {fmt_shape(output_shape.shape)}")
        return output_shape, (None, None, None, cout)
    if output_shape is None:
        n, c = None, cout
        hw = [transposed_output_size(x.shape[1 + i], keff[i], s[i], pad) for i in range(2)]
        if None in hw:
            raise ShapeError(f"conv2d_transpose: x's spatial size must be known to infer the output size, got "
                             f"{fmt_shape(x.shape)}; give output_shape")
    else:
        entries = list(output_shape.ravel()) if isinstance(output_shape, np.ndarray) else list(output_shape)
        symbolic = [isinstance(v, Tensor) and v.data is None for v in entries]
        if any(symbolic[1:]):  # a size known only when the graph runs: TF's tf.stack([tf.shape(x)[0], h, w, c])
            static = tuple(None if sym else _int_entry(v) for v, sym in zip(entries, symbolic))
            return S._shape_arg("conv2d_transpose", entries), (static + (None,) * 4)[:4]
        vals = [None if sym else _int_entry(v) for v, sym in zip(entries, symbolic)]
        vals = [None if v == -1 else v for v in vals]
        if len(vals) == 2:
            vals = [None, vals[0], vals[1], cout]
        if len(vals) != 4 or any(v is None for v in vals[1:]):
            raise ShapeError(f"conv2d_transpose: output_shape must be (H, W) or (N, H, W, C) with known H, W and "
                             f"C (N may be None or -1), got {output_shape!r}")
        n, hw, c = vals[0], vals[1:3], vals[3]
    dims = np.asarray([-1 if n is None else n, hw[0], hw[1], c], dtype=np.int64)
    return Tensor(dims), (n, hw[0], hw[1], c)


def conv2d_transpose(x, w, output_shape=None, stride=1, padding="VALID", dilation=1):
    """Transposed 2-D convolution of NHWC ``x`` with filter ``w`` of shape (KH, KW, C_out, C_in), like TF's
    ``tf.nn.conv2d_transpose``: the gradient of ``conv2d(z, w, stride, padding)`` with respect to z,
    applied to ``x``.

    ``output_shape``: None (Keras' rule: "SAME" ``H * s``, "VALID" ``H * s + max(k - s, 0)``), ``(H_out,
    W_out)``, ``(N, H_out, W_out, C_out)`` (N may be None: x's batch; entries may be scalar tensors known
    when the graph runs, e.g. ``nl.shape_of(x)[0]``) or a 1-D integer tensor known when the graph runs.
    It must be a size that conv2d maps back to x's (a ShapeError says so). ``stride``, ``dilation``: an
    int, a pair or ``[1, a, b, 1]``; ``padding``: "SAME" or "VALID".

    >>> y = conv2d_transpose(np.ones((1, 2, 2, 1)), np.ones((3, 3, 1, 1)), stride=2, padding="VALID")
    >>> y.shape
    (1, 5, 5, 1)
    >>> y.numpy()[0, :, :, 0]                     # overlapping 3x3 stamps, 2 cells apart
    array([[1., 1., 2., 1., 1.],
           [1., 1., 2., 1., 1.],
           [2., 2., 4., 2., 2.],
           [1., 1., 2., 1., 1.],
           [1., 1., 2., 1., 1.]])
    """
    x, w = _t(x), _t(w)
    s = _conv._pair("conv2d_transpose", "stride", stride)
    pad = _conv._padding("conv2d_transpose", padding)
    d = _rate("conv2d_transpose", dilation)
    if x.shape is None or len(x.shape) != 4:
        got = "unknown rank" if x.shape is None else f"shape {fmt_shape(x.shape)}"
        raise ShapeError(f"conv2d_transpose: x must be 4-D (N, H, W, C_in), got {got}")
    kh, kw = _filter_hw("conv2d_transpose", w, "w (KH, KW, C_out, C_in)")
    cin, cout = x.shape[3], w.shape[3]
    if cin is not None and cout is not None and cin != cout:
        raise ShapeError(f"conv2d_transpose: x has {cin} channels but the filter of shape {fmt_shape(w.shape)} "
                         f"expects {cout} (its last axis is the input's channels: (KH, KW, C_out, C_in))")
    keff = ((kh - 1) * d[0] + 1, (kw - 1) * d[1] + 1)
    dims, static = _output_dims(output_shape, x, keff, s, pad, w.shape[2])
    ref = _TransposedOutput.apply(x, dims, static_shape=static, ksize=keff, stride=s, padding=pad,
                                  channels=w.shape[2])
    wd = w if d == (1, 1) else dilate_filter(w, d)
    return _conv.conv2d_grad_input(x, wd, ref, stride=s, padding=pad)


def depthwise_conv2d(x, w, stride=1, padding="VALID", dilation=1):
    """Depthwise 2-D convolution (TF's ``tf.nn.depthwise_conv2d``): channel c of NHWC ``x`` convolved with
    ``w[:, :, c, m]`` for m < M gives output channel ``c * M + m`` (``w`` of shape (KH, KW, C, M)).

    One conv2d with a block-diagonal filter (see the module docstring for the cost).

    >>> depthwise_conv2d(np.ones((1, 4, 4, 3)), np.ones((2, 2, 3, 2))).shape
    (1, 3, 3, 6)
    """
    x, w = _t(x), _t(w)
    _filter_hw("depthwise_conv2d", w)
    c, m = w.shape[2], w.shape[3]
    if c is None or m is None:
        raise ShapeError(f"depthwise_conv2d: the filter's shape must be known, got {fmt_shape(w.shape)}")
    if x.shape is not None and len(x.shape) == 4 and x.shape[3] is not None and x.shape[3] != c:
        raise ShapeError(f"depthwise_conv2d: x of shape {fmt_shape(x.shape)} has {x.shape[3]} channels but the "
                         f"filter of shape {fmt_shape(w.shape)} expects {c}")
    eye = np.eye(c, dtype=w.dtype).reshape(1, 1, c, c, 1)
    full = S.reshape(E.multiply(S.expand_dims(w, 3), Tensor(eye)), (w.shape[0], w.shape[1], c, c * m))
    return conv2d(x, full, stride=stride, padding=padding, dilation=dilation)
