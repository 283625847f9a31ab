"""OpInfo records for the convolution and pooling ops of ``neuralab/ops/conv.py``.

Conventions (as in ``records_core``): ``notes["kind"]`` is ``"conv"``; the
attributes (stride, padding, ksize) of each sample are looked up in a table
keyed by the input shapes *without their first dimension*, so the same record
works eagerly, compiled, and on placeholders whose first dimension is None
(even the filter's: shapes then stay unknown where they depend on it). The NumPy
references below are deliberately naive loops over output positions with
their own TF padding rule, independent of the im2col/col2im kernels.

Samples cover SAME and VALID, strides 1, 2, 3 and (1, 2), odd sizes (which
make TF's SAME padding asymmetric), even kernels, 1x1 kernels and windows that
leave input cells unused. Inputs lie on a 0.25 grid so float32 sums are
exact; max-pool inputs are distinct (no ties) so gradients are well defined.

The fused bias + ReLU + max-pool ops of ``neuralab/ops/fused.py`` are recorded
here too, against the unfused naive references (``ref_max_pool2d`` of
``maximum(0, y + b)`` and its chain-rule gradient); their samples mix channels
whose bias makes every value negative, positive, or both.
"""
from __future__ import annotations

import numpy as np

from .._core.errors import DTypeError, ShapeError
from ..ops import conv as C, fused as FU
from .opinfo import OpRecord, register

F32 = np.float32

# -- attribute tables --------------------------------------------------------------------
#: (x shape, w shape, stride, padding)
CONV_CASES = [
    ((2, 5, 5, 3), (3, 3, 3, 2), 1, "SAME"),
    ((2, 7, 6, 2), (3, 3, 2, 3), 2, "SAME"),
    ((1, 7, 7, 2), (3, 2, 2, 2), 2, "VALID"),
    ((2, 6, 5, 1), (2, 2, 1, 3), (1, 2), "VALID"),
    ((1, 4, 4, 3), (1, 1, 3, 2), 1, "VALID"),
    ((2, 5, 5, 2), (4, 4, 2, 2), 1, "SAME"),
    ((1, 5, 5, 1), (2, 2, 1, 1), 3, "SAME"),
]
#: (x shape, ksize, stride, padding)
POOL_CASES = [
    ((2, 6, 6, 3), 2, 2, "VALID"),
    ((2, 7, 5, 2), 2, 2, "SAME"),
    ((1, 7, 7, 2), 3, 2, "SAME"),
    ((1, 6, 7, 1), 3, 1, "VALID"),
    ((2, 5, 6, 2), (2, 3), (1, 2), "SAME"),
    ((1, 4, 4, 2), 3, 3, "SAME"),
    ((1, 5, 5, 3), 1, 2, "VALID"),
    ((1, 4, 5, 2), 2, 1, "SAME"),
]
_CONV = {tuple(x[1:]) + tuple(w[1:]): (s, p) for x, w, s, p in CONV_CASES}
_POOL = {tuple(x[1:]): (k, s, p) for x, k, s, p in POOL_CASES}


def _conv_attrs(x_shape, w_shape):
    return _CONV.get(tuple(x_shape[1:]) + tuple(w_shape[1:]), (1, "VALID"))


def _pool_attrs(x_shape):
    return _POOL.get(tuple(x_shape[1:]), (2, 2, "VALID"))


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


# -- naive NumPy references --------------------------------------------------------------

def ref_geometry(size, k, s, padding):
    """TF's rule along one axis: (out, pad_before, pad_after)."""
    if padding == "VALID":
        return (size - k) // s + 1, 0, 0
    out = (size + s - 1) // s
    total = max((out - 1) * s + k - size, 0)
    return out, total // 2, total - total // 2


def _ref_pad(x, k, s, padding, value):
    (oh, pt, pb), (ow, pl, pr) = (ref_geometry(x.shape[1], k[0], s[0], padding),
                                  ref_geometry(x.shape[2], k[1], s[1], padding))
    xp = np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)), constant_values=value)
    return xp, oh, ow, (pt, pl)


def ref_conv2d(x, w, stride, padding):
    """Loop over output positions: y[:, p, q] = tensordot(window, w)."""
    s = _pair(stride)
    kh, kw = w.shape[:2]
    xp, oh, ow, _ = _ref_pad(x, (kh, kw), s, padding, 0)
    y = np.zeros((x.shape[0], oh, ow, w.shape[3]), dtype=np.result_type(x, w))
    for p in range(oh):
        for q in range(ow):
            win = xp[:, p * s[0]:p * s[0] + kh, q * s[1]:q * s[1] + kw, :]
            y[:, p, q, :] = np.tensordot(win, w, axes=3)
    return y


def ref_conv2d_grad_input(g, w, x, stride, padding):
    """Scatter g[:, p, q] @ w.T back over each window, then drop the padding."""
    s = _pair(stride)
    kh, kw = w.shape[:2]
    xp, oh, ow, (pt, pl) = _ref_pad(np.zeros_like(x, dtype=np.result_type(g, w)), (kh, kw), s, padding, 0)
    for p in range(oh):
        for q in range(ow):
            xp[:, p * s[0]:p * s[0] + kh, q * s[1]:q * s[1] + kw, :] += np.tensordot(g[:, p, q, :], w, axes=([1], [3]))
    return xp[:, pt:pt + x.shape[1], pl:pl + x.shape[2], :]


def ref_conv2d_grad_filter(x, g, w, stride, padding):
    """Sum over output positions of outer(window, g[:, p, q])."""
    s = _pair(stride)
    kh, kw = w.shape[:2]
    xp, oh, ow, _ = _ref_pad(x, (kh, kw), s, padding, 0)
    gw = np.zeros(w.shape, dtype=np.result_type(x, g))
    for p in range(oh):
        for q in range(ow):
            win = xp[:, p * s[0]:p * s[0] + kh, q * s[1]:q * s[1] + kw, :]
            gw += np.tensordot(win, g[:, p, q, :], axes=([0], [0]))
    return gw


def _windows(x, ksize, stride, padding, value):
    k, s = _pair(ksize), _pair(stride)
    xp, oh, ow, (pt, pl) = _ref_pad(x, k, s, padding, value)
    for p in range(oh):
        for q in range(ow):
            yield p, q, (p * s[0] - pt, q * s[1] - pl), xp[:, p * s[0]:p * s[0] + k[0], q * s[1]:q * s[1] + k[1], :]


def _pooled_shape(x, ksize, stride, padding):
    k, s = _pair(ksize), _pair(stride)
    return (x.shape[0], ref_geometry(x.shape[1], k[0], s[0], padding)[0],
            ref_geometry(x.shape[2], k[1], s[1], padding)[0], x.shape[3])


def ref_max_pool2d(x, ksize, stride, padding):
    """Max over each window of the -inf-padded input."""
    y = np.zeros(_pooled_shape(x, ksize, stride, padding), dtype=x.dtype)
    for p, q, _, win in _windows(x, ksize, stride, padding, -np.inf):
        y[:, p, q, :] = win.max(axis=(1, 2))
    return y


def _first_argmax(win, n, c):
    kw = win.shape[2]
    a = int(np.argmax(win[n, :, :, c]))  # first maximum in row-major order
    return a // kw, a % kw


def ref_max_pool2d_grad(x, g, ksize, stride, padding):
    """Each g[n, p, q, c] added to x's cell holding the window's first maximum."""
    gx = np.zeros(x.shape, dtype=g.dtype)
    for p, q, (r0, c0), win in _windows(x, ksize, stride, padding, -np.inf):
        for n in range(x.shape[0]):
            for c in range(x.shape[3]):
                i, j = _first_argmax(win, n, c)
                gx[n, r0 + i, c0 + j, c] += g[n, p, q, c]
    return gx


def ref_max_pool2d_grad_grad(x, gg, ksize, stride, padding):
    """gg read at the cell holding each window's first maximum."""
    out = np.zeros(_pooled_shape(x, ksize, stride, padding), dtype=gg.dtype)
    for p, q, (r0, c0), win in _windows(x, ksize, stride, padding, -np.inf):
        for n in range(x.shape[0]):
            for c in range(x.shape[3]):
                i, j = _first_argmax(win, n, c)
                out[n, p, q, c] = gg[n, r0 + i, c0 + j, c]
    return out


def ref_avg_pool2d(x, ksize, stride, padding):
    """Sum of each window over the number of its real (unpadded) cells."""
    y = np.zeros(_pooled_shape(x, ksize, stride, padding), dtype=x.dtype)
    ones = np.ones((1,) + x.shape[1:3] + (1,))
    counts = {(p, q): win.sum() for p, q, _, win in _windows(ones, ksize, stride, padding, 0)}
    for p, q, _, win in _windows(x, ksize, stride, padding, 0):
        y[:, p, q, :] = win.sum(axis=(1, 2)) / counts[p, q]
    return y


def ref_avg_pool2d_grad(g, x, ksize, stride, padding):
    """g[:, p, q] / count spread over each window's real cells."""
    k = _pair(ksize)
    ones = np.ones((1,) + x.shape[1:3] + (1,))
    gx = np.zeros(x.shape, dtype=g.dtype)
    for p, q, (r0, c0), win in _windows(ones, ksize, stride, padding, 0):
        for i in range(k[0]):
            for j in range(k[1]):
                r, c = r0 + i, c0 + j
                if 0 <= r < x.shape[1] and 0 <= c < x.shape[2]:
                    gx[:, r, c, :] += g[:, p, q, :] / win.sum()
    return gx


# -- samplers ----------------------------------------------------------------------------

def _grid(rng, shape, dtype):
    """Multiples of 0.25 in [-2, 2]: float32 sums of products stay exact."""
    return np.asarray(rng.integers(-8, 9, size=shape) * 0.25, dtype=dtype)


def distinct(rng, shape, dtype):
    """Distinct values 0.25 apart (no ties within a max-pool window, exact in float32)."""
    n = int(np.prod(shape, dtype=np.int64))
    return np.asarray(((rng.permutation(n) - n // 2) * 0.25).reshape(shape), dtype=dtype)


def _conv_out(x_shape, w_shape):
    s, p = _conv_attrs(x_shape, w_shape)
    s = _pair(s)
    return (x_shape[0], ref_geometry(x_shape[1], w_shape[0], s[0], p)[0],
            ref_geometry(x_shape[2], w_shape[1], s[1], p)[0], w_shape[3])


def _pool_out(x_shape):
    k, s, p = _pool_attrs(x_shape)
    return _pooled_shape(np.empty(x_shape), k, s, p)


def _conv_inputs(which):
    def make(rng, dtype):
        out = []
        for xs, ws, _, _ in CONV_CASES:
            x, w, g = _grid(rng, xs, dtype), _grid(rng, ws, dtype), _grid(rng, _conv_out(xs, ws), dtype)
            out.append({"conv2d": [x, w], "input": [g, w, x], "filter": [x, g, w]}[which])
        return out

    return make


def _pool_inputs(which):
    def make(rng, dtype):
        out = []
        for xs, _, _, _ in POOL_CASES:
            x = distinct(rng, xs, dtype) if which.startswith("max") else _grid(rng, xs, dtype)
            g, gx = _grid(rng, _pool_out(xs), dtype), _grid(rng, xs, dtype)
            out.append({"max": [x], "max_grad": [x, g], "max_grad_grad": [x, gx], "avg": [x],
                        "avg_grad": [g, x]}[which])
        return out

    return make


# -- error inputs ------------------------------------------------------------------------

def _z(*shape):
    return np.zeros(shape, F32)


_CONV_ERRORS = [
    ([_z(5, 5, 3), _z(3, 3, 3, 2)], ShapeError, ("conv2d", "4-D", "(5, 5, 3)")),
    ([_z(1, 5, 5, 3), _z(3, 3, 2, 4)], ShapeError, ("conv2d", "(1, 5, 5, 3)", "(3, 3, 2, 4)")),
    ([_z(1, 2, 2, 1), _z(3, 3, 1, 1)], ShapeError, ("conv2d", "VALID", "(1, 2, 2, 1)", "(3, 3, 1, 1)")),
    ([_z(1, 5, 5, 1), _z(3, 3, 1)], ShapeError, ("conv2d", "4-D", "(3, 3, 1)")),
    ([np.zeros((1, 5, 5, 1), np.int64), _z(3, 3, 1, 1)], DTypeError, ("conv2d", "int64")),
]
_POOL_ERRORS = [
    ([_z(6, 6, 3)], ShapeError, ("4-D", "(6, 6, 3)")),
    ([_z(1, 1, 1, 3)], ShapeError, ("VALID", "(1, 1, 1, 3)")),
]


def _named(errors, name):
    return [(ins, exc, (name, *m)) for ins, exc, m in errors]


# -- records -----------------------------------------------------------------------------

def _conv2d(x, w):
    s, p = _conv_attrs(x.shape, w.shape)
    return C.conv2d(x, w, s, p)


def _conv2d_ref(x, w):
    return ref_conv2d(x, w, *_conv_attrs(x.shape, w.shape))


def _grad_input(g, w, x):
    return C.conv2d_grad_input(g, w, x, *_conv_attrs(x.shape, w.shape))


def _grad_filter(x, g, w):
    return C.conv2d_grad_filter(x, g, w, *_conv_attrs(x.shape, w.shape))


def _max_pool(x):
    return C.max_pool2d(x, *_pool_attrs(x.shape))


def _max_pool_grad(x, g):
    a = _pool_attrs(x.shape)
    return C.max_pool2d_grad(x, C.max_pool2d(x, *a), g, *a)


def _max_pool_grad_grad(x, gg):
    a = _pool_attrs(x.shape)
    return C.max_pool2d_grad_grad(x, C.max_pool2d(x, *a), gg, *a)


def _avg_pool(x):
    return C.avg_pool2d(x, *_pool_attrs(x.shape))


def _avg_pool_grad(g, x):
    return C.avg_pool2d_grad(g, x, *_pool_attrs(x.shape))


_NOTES = {"kind": "conv"}

register(OpRecord(name="conv2d", fn=_conv2d, ref=_conv2d_ref, make_inputs=_conv_inputs("conv2d"),
                  error_inputs=_CONV_ERRORS, notes=_NOTES))
register(OpRecord(name="conv2d_grad_input", fn=_grad_input,
                  ref=lambda g, w, x: ref_conv2d_grad_input(g, w, x, *_conv_attrs(x.shape, w.shape)),
                  make_inputs=_conv_inputs("input"),
                  error_inputs=[([_z(1, 4, 4, 2), _z(3, 3, 3, 2), _z(1, 5, 5, 3)], ShapeError,
                                 ("conv2d_grad_input", "(1, 4, 4, 2)")),
                                ([_z(1, 3, 3, 2), _z(3, 3, 4, 2), _z(1, 5, 5, 3)], ShapeError,
                                 ("conv2d_grad_input", "(3, 3, 4, 2)", "(1, 5, 5, 3)"))],
                  notes=_NOTES))
register(OpRecord(name="conv2d_grad_filter", fn=_grad_filter,
                  ref=lambda x, g, w: ref_conv2d_grad_filter(x, g, w, *_conv_attrs(x.shape, w.shape)),
                  make_inputs=_conv_inputs("filter"),
                  error_inputs=[([_z(1, 5, 5, 3), _z(1, 4, 4, 2), _z(3, 3, 3, 2)], ShapeError,
                                 ("conv2d_grad_filter", "(1, 4, 4, 2)"))],
                  notes=_NOTES))
register(OpRecord(name="max_pool2d", fn=_max_pool, ref=lambda x: ref_max_pool2d(x, *_pool_attrs(x.shape)),
                  make_inputs=_pool_inputs("max"), error_inputs=_named(_POOL_ERRORS, "max_pool2d"), notes=_NOTES))
register(OpRecord(name="max_pool2d_grad", fn=_max_pool_grad,
                  ref=lambda x, g: ref_max_pool2d_grad(x, g, *_pool_attrs(x.shape)),
                  make_inputs=_pool_inputs("max_grad"),
                  error_inputs=[([_z(1, 6, 6, 1), _z(1, 2, 3, 1)], ShapeError,
                                 ("max_pool2d_grad", "(1, 2, 3, 1)"))],
                  notes=_NOTES))
register(OpRecord(name="max_pool2d_grad_grad", fn=_max_pool_grad_grad,
                  ref=lambda x, gg: ref_max_pool2d_grad_grad(x, gg, *_pool_attrs(x.shape)),
                  make_inputs=_pool_inputs("max_grad_grad"),
                  error_inputs=[([_z(1, 6, 6, 1), _z(1, 6, 5, 1)], ShapeError,
                                 ("max_pool2d_grad_grad", "(1, 6, 5, 1)"))],
                  notes=_NOTES))
register(OpRecord(name="avg_pool2d", fn=_avg_pool, ref=lambda x: ref_avg_pool2d(x, *_pool_attrs(x.shape)),
                  make_inputs=_pool_inputs("avg"),
                  error_inputs=_named(_POOL_ERRORS, "avg_pool2d") + [
                      ([np.zeros((1, 4, 4, 1), np.int64)], DTypeError, ("avg_pool2d", "int64"))],
                  notes=_NOTES))
register(OpRecord(name="avg_pool2d_grad", fn=_avg_pool_grad,
                  ref=lambda g, x: ref_avg_pool2d_grad(g, x, *_pool_attrs(x.shape)),
                  make_inputs=_pool_inputs("avg_grad"),
                  error_inputs=[([_z(1, 2, 2, 1), _z(1, 6, 6, 1)], ShapeError, ("avg_pool2d_grad", "(1, 2, 2, 1)"))],
                  notes=_NOTES))


# -- fused bias + ReLU + max-pool ----------------------------------------------------------

def _relu_z(y, b):
    return np.maximum(y + b, 0)


def ref_bias_relu_max_pool2d(y, b, ksize, stride, padding):
    """max_pool of ReLU(y + b), naively."""
    return ref_max_pool2d(_relu_z(y, b), ksize, stride, padding)


def ref_bias_relu_max_pool2d_grad(y, b, gp, ksize, stride, padding):
    """Chain rule through the unfused ops: pool gradient of ReLU(y + b), times ReLU's mask (y + b > 0)."""
    z = y + b
    return ref_max_pool2d_grad(np.maximum(z, 0), gp, ksize, stride, padding) * (z > 0)


def ref_bias_relu_max_pool2d_gather(y, b, gg, ksize, stride, padding):
    """gg at each window's first maximum of ReLU(y + b), where the pooled value is positive."""
    a = np.maximum(y + b, 0)
    return ref_max_pool2d_grad_grad(a, gg, ksize, stride, padding) * (ref_max_pool2d(a, ksize, stride, padding) > 0)


def _fused_inputs(which):
    def make(rng, dtype):
        out = []
        for xs, _, _, _ in POOL_CASES:
            y = distinct(rng, xs, dtype)
            span = float(np.abs(y).max())
            # per channel: all negative after the bias, all positive, or mixed
            b = np.asarray([(-span - 1, span + 1, 0.25)[c % 3] for c in range(xs[3])], dtype=dtype)
            gp, gy = _grid(rng, _pool_out(xs), dtype), _grid(rng, xs, dtype)
            out.append({"fwd": [y, b], "grad": [y, b, gp], "gather": [y, b, gy]}[which])
        return out

    return make


def _fused(y, b):
    return FU.bias_relu_max_pool2d(y, b, *_pool_attrs(y.shape))


def _fused_outputs(y, b):
    a = _pool_attrs(y.shape)
    return FU.BiasReluMaxPool2D.apply(y, b, ksize=a[0], stride=a[1], padding=a[2])


def _fused_grad(y, b, gp):
    a = _pool_attrs(y.shape)
    p, idx = _fused_outputs(y, b)
    return FU.bias_relu_max_pool2d_grad(gp, p, idx, y.shape[1:3], *a)


def _fused_gather(y, b, gg):
    a = _pool_attrs(y.shape)
    p, idx = _fused_outputs(y, b)
    return FU.bias_relu_max_pool2d_gather(gg, p, idx, *a)


_FUSED_ERRORS = [
    ([_z(6, 6, 3), _z(3)], ShapeError, ("bias_relu_max_pool2d", "4-D", "(6, 6, 3)")),
    ([_z(1, 4, 4, 3), _z(2)], ShapeError, ("bias_relu_max_pool2d", "(2,)", "(1, 4, 4, 3)")),
    ([_z(1, 4, 4, 3), _z(3, 1)], ShapeError, ("bias_relu_max_pool2d", "(3, 1)")),
    ([_z(1, 1, 1, 3), _z(3)], ShapeError, ("bias_relu_max_pool2d", "VALID", "(1, 1, 1, 3)")),
    ([np.zeros((1, 4, 4, 1), np.int64), _z(1)], DTypeError, ("bias_relu_max_pool2d", "int64")),
]

register(OpRecord(name="bias_relu_max_pool2d", fn=_fused,
                  ref=lambda y, b: ref_bias_relu_max_pool2d(y, b, *_pool_attrs(y.shape)),
                  make_inputs=_fused_inputs("fwd"), error_inputs=_FUSED_ERRORS, notes=_NOTES))
register(OpRecord(name="bias_relu_max_pool2d_grad", fn=_fused_grad,
                  ref=lambda y, b, gp: ref_bias_relu_max_pool2d_grad(y, b, gp, *_pool_attrs(y.shape)),
                  make_inputs=_fused_inputs("grad"),
                  error_inputs=[([_z(1, 6, 6, 1), _z(1), _z(1, 2, 3, 1)], ShapeError,
                                 ("bias_relu_max_pool2d_grad", "(1, 2, 3, 1)"))],
                  notes=_NOTES))
register(OpRecord(name="bias_relu_max_pool2d_gather", fn=_fused_gather,
                  ref=lambda y, b, gg: ref_bias_relu_max_pool2d_gather(y, b, gg, *_pool_attrs(y.shape)),
                  make_inputs=_fused_inputs("gather"),
                  error_inputs=[([_z(1, 6, 6, 1), _z(1), _z(1, 6, 5, 1)], ShapeError,
                                 ("bias_relu_max_pool2d_gather", "(1, 6, 5, 1)"))],
                  notes=_NOTES))
