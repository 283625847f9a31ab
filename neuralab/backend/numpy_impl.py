"""Convolution and pooling kernels on NHWC arrays (the CPU hot spots of a CNN step).

Every helper takes the array module ``xp`` first and uses only the API NumPy
and CuPy share (``as_strided``, ``matmul(out=)``, basic slicing), so the same
code serves both backends.

Geometry: a window *tap* ``(i, j)`` is one kernel offset. Output cell ``o``
along an axis reads input cell ``o * stride + i - pad_before``; taps that fall
into the padding simply have no input there. Pads are given explicitly as
``((top, bottom), (left, right))`` and output sizes as ``(OH, OW)``; the
TF "SAME"/"VALID" rules live in :mod:`neuralab.ops.conv`.

- convolution forward: strided im2col (an ``as_strided`` view of the padded
  input, shape ``(N, OH, OW, KH, KW, C)``) copied block by block into a
  cache-sized buffer, one GEMM per block against the ``(KH*KW*Cin, Cout)`` filter;
- input gradient: per block and tap, one GEMM ``g @ w[i, j].T`` overlap-added
  onto the input by a vectorized strided add (col2im split by tap, so each
  add reads a contiguous slab; :func:`col2im` itself is kept for callers);
- filter gradient: the same im2col blocks, ``cols.T @ g`` accumulated;
- few input channels (``Cin <= SMALL_CIN``, e.g. MNIST's first layer): the
  columns are built *tap-major*, ``(KH*KW*Cin, rows)``, one contiguous slab per
  tap and channel, and handed to the GEMM transposed (an ``(N, OH, OW, KH, KW, 1)``
  copy would move one float per inner loop);
- pooling: ``KH*KW`` vectorized passes over strided tap views; max-pool's
  backward recomputes which tap won by comparing each tap with the output
  (ties go to the first tap in row-major window order);
- fused bias + ReLU + max-pool (:func:`bias_relu_max_pool_forward`): the window
  maximum of ``y + b`` with the winning tap of each window kept as a small
  integer, ReLU applied to the pooled values; its backward scatters the
  gradient to the winners (no comparison pass, no full-size masks).

Temporaries that die inside a call (padded inputs, column blocks, masks) come
from :func:`scratch`, a per-thread cache of buffers kept between calls, so a
training step does not hand megabytes back to the OS and fault them in again
every step; only the outputs are fresh arrays.
"""
from __future__ import annotations

import threading

import numpy as np

#: bytes of im2col columns handled per GEMM (a block stays in cache between the copy and the GEMM)
BLOCK_BYTES = 4 << 20
#: inputs with at most this many channels get tap-major columns (see the module docstring)
SMALL_CIN = 4


# ---------------------------------------------------------------------------------------
# scratch buffers
# ---------------------------------------------------------------------------------------

class _Scratch(threading.local):
    def __init__(self):
        self.bufs = {}


_scratch = _Scratch()


def scratch(xp, name: str, shape, dtype):
    """A reusable uninitialised array of ``shape``/``dtype`` for temporaries named ``name``.

    One flat buffer per (name, dtype, array module) and thread, grown when a
    larger shape is asked for and otherwise reused, so its pages stay mapped
    between calls. The array is valid until the next request of the same name
    in the same thread: callers use it only within one kernel call.
    """
    dtype = np.dtype(dtype)
    size = 1
    for d in shape:
        size *= int(d)
    key = (name, dtype.str, id(xp))
    buf = _scratch.bufs.get(key)
    if buf is None or buf.size < size:
        buf = xp.empty(max(size, 1), dtype=dtype)
        _scratch.bufs[key] = buf
    return buf[:size].reshape(shape)


def clear_scratch() -> None:
    """Drop this thread's scratch buffers (their memory goes back to the allocator)."""
    _scratch.bufs.clear()


# ---------------------------------------------------------------------------------------
# geometry
# ---------------------------------------------------------------------------------------

def tap_range(i: int, size: int, out: int, stride: int, pad: int, lo: int = 0, hi: int | None = None):
    """Output indices ``[o0, o1)`` (within ``[lo, hi)``) whose tap ``i`` reads a real input cell.

    Returns ``(o0, o1, first_input_index)``, or None when the tap reads only padding.
    """
    hi = out if hi is None else hi
    o0 = max(lo, -((i - pad) // stride))  # ceil((pad - i) / stride)
    o1 = min(hi, (size - 1 - i + pad) // stride + 1)
    if o1 <= o0:
        return None
    return o0, o1, o0 * stride + i - pad


def _tap_slices(i, size, out, stride, pad, lo=0, hi=None):
    r = tap_range(i, size, out, stride, pad, lo, hi)
    if r is None:
        return None
    o0, o1, s0 = r
    return slice(o0, o1), slice(s0, s0 + (o1 - o0 - 1) * stride + 1, stride)


def _taps(x_hw, out_hw, ksize, stride, pads):
    """[(i, j, out_h, out_w, in_h, in_w)] slices for every tap (i, j) reading real input, row-major."""
    th = [_tap_slices(i, x_hw[0], out_hw[0], stride[0], pads[0][0]) for i in range(ksize[0])]
    tw = [_tap_slices(j, x_hw[1], out_hw[1], stride[1], pads[1][0]) for j in range(ksize[1])]
    out = []
    for i, a in enumerate(th):
        for j, b in enumerate(tw):
            if a is not None and b is not None:
                out.append((i, j, a[0], b[0], a[1], b[1]))
    return out


def _pad(xp, x, pads, value=0, name=None):
    """``x`` with ``pads`` cells of ``value`` around H and W (x itself without padding).

    With ``name`` the padded copy is a scratch buffer (valid until the next use of that name).
    """
    (pt, pb), (pl, pr) = pads
    if not (pt or pb or pl or pr):
        return x
    n, h, w, c = x.shape
    shape = (n, h + pt + pb, w + pl + pr, c)
    if name is None:
        out = xp.full(shape, value, dtype=x.dtype)
    else:
        out = scratch(xp, name, shape, x.dtype)
        out[:, :pt] = value
        out[:, pt + h:] = value
        out[:, pt:pt + h, :pl] = value
        out[:, pt:pt + h, pl + w:] = value
    out[:, pt:pt + h, pl:pl + w] = x
    return out


def windows(xp, x, ksize, stride, pads, out_hw, name=None):
    """Strided view ``(N, OH, OW, KH, KW, C)`` of the zero-padded ``x``: every window, no copy of them.

    With ``name`` the padded copy lives in a scratch buffer (the view is valid until its next use).
    """
    xpad = _pad(xp, x, pads, name=name)
    sn, sh, sw, sc = xpad.strides
    shape = (x.shape[0], out_hw[0], out_hw[1], ksize[0], ksize[1], x.shape[3])
    strides = (sn, sh * stride[0], sw * stride[1], sh, sw, sc)
    return xp.lib.stride_tricks.as_strided(xpad, shape=shape, strides=strides)


def _blocks(n, oh, row_bytes, budget=None):
    """(image slice, output-row slice) blocks of about ``budget`` bytes (BLOCK_BYTES by default)."""
    budget = BLOCK_BYTES if budget is None else budget
    rows = max(1, budget // max(1, row_bytes))
    if rows >= oh:
        per = max(1, rows // max(1, oh))
        return [(slice(a, min(n, a + per)), slice(0, oh)) for a in range(0, n, per)]
    return [(slice(a, a + 1), slice(h, min(oh, h + rows))) for a in range(n) for h in range(0, oh, rows)]


def _rows(sl_n, sl_h, ow):
    return (sl_n.stop - sl_n.start) * (sl_h.stop - sl_h.start) * ow


# ---------------------------------------------------------------------------------------
# im2col / col2im
# ---------------------------------------------------------------------------------------

def im2col(xp, x, ksize, stride, pads, out_hw):
    """Windows of ``x`` as a contiguous array ``(N, OH, OW, KH, KW, C)`` (padding reads as 0)."""
    return xp.ascontiguousarray(windows(xp, x, ksize, stride, pads, out_hw))


def col2im(xp, cols, x_shape, stride, pads):
    """Overlap-add window gradients ``(N, OH, OW, KH, KW, C)`` back onto an input of ``x_shape``.

    One vectorized strided add per tap; contributions that fall into the
    padding are dropped. The adjoint of :func:`im2col`.
    """
    n, oh, ow, kh, kw, c = cols.shape
    gx = xp.zeros(x_shape, dtype=cols.dtype)
    for i, j, so_h, so_w, si_h, si_w in _taps(x_shape[1:3], (oh, ow), (kh, kw), stride, pads):
        gx[:, si_h, si_w] += cols[:, so_h, so_w, i, j]
    return gx


# ---------------------------------------------------------------------------------------
# convolution
# ---------------------------------------------------------------------------------------

def _common(xp, a, b):
    dt = xp.result_type(a.dtype, b.dtype)
    return a.astype(dt, copy=False), b.astype(dt, copy=False), dt


def _image_blocks(n, per_image_bytes, budget=None):
    """Slices of whole images of about ``budget`` bytes (BLOCK_BYTES by default)."""
    per = max(1, (BLOCK_BYTES if budget is None else budget) // max(1, per_image_bytes))
    return [slice(a, min(n, a + per)) for a in range(0, n, per)]


def _tap_major(xp, xpad, sn, ksize, stride, out_hw, c, buf):
    """Fill ``buf`` (KH*KW*C, images, OH, OW) with the columns of images ``sn``: row (i*KW + j)*C + ch
    holds input channel ch under tap (i, j) for every output cell (the transpose of im2col's block)."""
    (kh, kw), (sh, sw), (oh, ow) = ksize, stride, out_hw
    r = 0
    for i in range(kh):
        for j in range(kw):
            v = xpad[sn, i:i + (oh - 1) * sh + 1:sh, j:j + (ow - 1) * sw + 1:sw]
            for ch in range(c):
                buf[r] = v[..., ch]
                r += 1
    return buf


def _is_pointwise(ksize, stride, pads):
    return tuple(ksize) == (1, 1) and tuple(stride) == (1, 1) and not any(pads[0] + pads[1])


def conv2d_forward(xp, x, w, stride, pads, out_hw):
    """y[n, p, q, o] = sum_{i, j, c} xpad[n, p*sh + i, q*sw + j, c] * w[i, j, c, o] (im2col + GEMM)."""
    x, w, dt = _common(xp, x, w)
    n, h, wd, c = x.shape
    kh, kw, _, co = w.shape
    oh, ow = out_hw
    k = kh * kw * c
    y = xp.empty((n, oh, ow, co), dtype=dt)
    if y.size == 0:
        return y
    w2 = w.reshape(k, co)
    if k == 0:
        y[...] = 0
        return y
    if _is_pointwise((kh, kw), stride, pads):
        return xp.matmul(x.reshape(-1, c), w2).reshape(n, oh, ow, co)
    if c <= SMALL_CIN:
        xpad = _pad(xp, x, pads, name="conv.pad")
        for sn in _image_blocks(n, oh * ow * k * x.itemsize):
            nb = sn.stop - sn.start
            cols = scratch(xp, "conv.cols", (k, nb, oh, ow), dt)
            _tap_major(xp, xpad, sn, (kh, kw), stride, out_hw, c, cols)
            xp.matmul(cols.reshape(k, -1).T, w2, out=y[sn].reshape(-1, co))
        return y
    v = windows(xp, x, (kh, kw), stride, pads, out_hw, name="conv.pad")
    blocks = _blocks(n, oh, ow * k * x.itemsize)
    buf = scratch(xp, "conv.cols", (max(_rows(a, b, ow) for a, b in blocks), k), dt)
    for sn, sh in blocks:
        m = _rows(sn, sh, ow)
        blk = v[sn, sh]
        cols = buf[:m]
        xp.copyto(cols.reshape(blk.shape), blk)
        xp.matmul(cols, w2, out=y[sn, sh].reshape(m, co))
    return y


def conv2d_backward_input(xp, g, w, x_shape, stride, pads):
    """Gradient of conv2d with respect to x: per tap (i, j), the GEMM g @ w[i, j].T overlap-added onto x.

    Same arithmetic as GEMM-then-col2im, but each tap's column gradient is a
    contiguous (rows, Cin) slab, so the KH*KW strided adds read contiguous memory.
    With few input channels one GEMM ``w2 @ g.T`` gives every tap's column
    gradient as a contiguous row instead (a GEMM per tap would be a
    matrix-vector product there).
    """
    g, w, dt = _common(xp, g, w)
    n, oh, ow, co = g.shape
    kh, kw, c, _ = w.shape
    gx = xp.zeros(x_shape, dtype=dt)
    if g.size == 0 or gx.size == 0 or kh * kw * c == 0:
        return gx
    g = xp.ascontiguousarray(g)
    h, wd = x_shape[1], x_shape[2]
    th = [_tap_slices(i, h, oh, stride[0], pads[0][0]) for i in range(kh)]
    tw = [_tap_slices(j, wd, ow, stride[1], pads[1][0]) for j in range(kw)]
    if c <= SMALL_CIN:
        k = kh * kw * c
        w2 = w.reshape(k, co)
        for sn in _image_blocks(n, oh * ow * k * g.itemsize):
            nb = sn.stop - sn.start
            d = scratch(xp, "conv.cols", (k, nb * oh * ow), dt)
            xp.matmul(w2, g[sn].reshape(-1, co).T, out=d)
            d = d.reshape(k, nb, oh, ow)
            gb = gx[sn]
            for i, a in enumerate(th):
                for j, b in enumerate(tw):
                    if a is not None and b is not None:
                        for ch in range(c):
                            gb[:, a[1], b[1], ch] += d[(i * kw + j) * c + ch][:, a[0], b[0]]
        return gx
    wt = xp.ascontiguousarray(xp.swapaxes(w, 2, 3))  # (KH, KW, Cout, Cin)
    blocks = _blocks(n, oh, ow * (c + co) * g.itemsize, BLOCK_BYTES // 2)
    buf = scratch(xp, "conv.cols", (max(_rows(a, b, ow) for a, b in blocks), c), dt)
    for sn, sh in blocks:
        m = _rows(sn, sh, ow)
        g2 = g[sn, sh].reshape(m, co)
        gb = gx[sn]
        for i in range(kh):
            a = _tap_slices(i, h, oh, stride[0], pads[0][0], sh.start, sh.stop)
            if a is None:
                continue
            so_h = slice(a[0].start - sh.start, a[0].stop - sh.start)
            for j, b in enumerate(tw):
                if b is not None:
                    d = xp.matmul(g2, wt[i, j], out=buf[:m]).reshape(sn.stop - sn.start, sh.stop - sh.start, ow, c)
                    gb[:, a[1], b[1]] += d[:, so_h, b[0]]
    return gx


def conv2d_backward_filter(xp, x, g, w_shape, stride, pads):
    """Gradient of conv2d with respect to w: sum over blocks of im2col(x).T @ g."""
    x, g, dt = _common(xp, x, g)
    kh, kw, c, co = w_shape
    n, oh, ow, _ = g.shape
    k = kh * kw * c
    gw = xp.zeros((k, co), dtype=dt)
    if g.size == 0 or k == 0:
        return gw.reshape(w_shape)
    g = xp.ascontiguousarray(g)
    if _is_pointwise((kh, kw), stride, pads):
        return xp.matmul(x.reshape(-1, c).T, g.reshape(-1, co)).reshape(w_shape)
    tmp = scratch(xp, "conv.gw", (k, co), dt)
    if c <= SMALL_CIN:
        xpad = _pad(xp, x, pads, name="conv.pad")
        for sn in _image_blocks(n, oh * ow * k * x.itemsize):
            nb = sn.stop - sn.start
            cols = scratch(xp, "conv.cols", (k, nb, oh, ow), dt)
            _tap_major(xp, xpad, sn, (kh, kw), stride, (oh, ow), c, cols)
            xp.matmul(cols.reshape(k, -1), g[sn].reshape(-1, co), out=tmp)
            gw += tmp
        return gw.reshape(w_shape)
    v = windows(xp, x, (kh, kw), stride, pads, (oh, ow), name="conv.pad")
    blocks = _blocks(n, oh, ow * k * x.itemsize)
    buf = scratch(xp, "conv.cols", (max(_rows(a, b, ow) for a, b in blocks), k), dt)
    for sn, sh in blocks:
        m = _rows(sn, sh, ow)
        blk = v[sn, sh]
        cols = buf[:m]
        xp.copyto(cols.reshape(blk.shape), blk)
        xp.matmul(cols.T, g[sn, sh].reshape(m, co), out=tmp)
        gw += tmp
    return gw.reshape(w_shape)


# ---------------------------------------------------------------------------------------
# pooling
# ---------------------------------------------------------------------------------------

def _lowest(xp, dtype):
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        return -np.inf
    if dtype.kind == "b":
        return False
    return np.iinfo(dtype).min


def max_pool_forward(xp, x, ksize, stride, pads, out_hw):
    """Maximum over each window; padded cells never win (they act as -inf)."""
    n, h, w, c = x.shape
    taps = _taps((h, w), out_hw, ksize, stride, pads)
    y = None
    if taps:
        i, j, so_h, so_w, si_h, si_w = taps[0]
        if (so_h.start, so_h.stop, so_w.start, so_w.stop) == (0, out_hw[0], 0, out_hw[1]):
            y = x[:, si_h, si_w].copy()  # a copy even when the slice is all of x: y is written below
            taps = taps[1:]
    if y is None:
        y = xp.full((n, out_hw[0], out_hw[1], c), _lowest(xp, x.dtype), dtype=x.dtype)
    for _, _, so_h, so_w, si_h, si_w in taps:
        yv = y[:, so_h, so_w]
        xp.maximum(yv, x[:, si_h, si_w], out=yv)
    return y


def tiled(x_shape, out_hw, ksize, stride, pads) -> bool:
    """True when the windows tile the input exactly (stride == ksize, no padding, nothing left over)."""
    return (tuple(stride) == tuple(ksize) and not any(pads[0] + pads[1])
            and out_hw[0] * ksize[0] == x_shape[1] and out_hw[1] * ksize[1] == x_shape[2])


def _first_max_taps(xp, x, y, ksize, stride, pads):
    """Yield (tap slices, mask) where mask marks output cells whose first maximum is at this tap."""
    free = scratch(xp, "pool.free", y.shape, bool)
    free[...] = True
    buf = scratch(xp, "pool.hit", y.shape, bool)
    for _, _, so_h, so_w, si_h, si_w in _taps(x.shape[1:3], y.shape[1:3], ksize, stride, pads):
        fv, hit = free[:, so_h, so_w], buf[:, so_h, so_w]
        xp.equal(x[:, si_h, si_w], y[:, so_h, so_w], out=hit)
        xp.logical_and(hit, fv, out=hit)
        xp.logical_xor(fv, hit, out=fv)
        yield so_h, so_w, si_h, si_w, hit


def _masked(xp, g, mask, out, finite):
    """g where mask else 0, written to ``out`` (a multiply when g is all finite: one fast pass)."""
    if finite:
        return xp.multiply(g, mask, out=out)
    out[...] = xp.where(mask, g, 0)
    return out


def max_pool_backward(xp, x, y, g, ksize, stride, pads):
    """Route each output gradient to its window's first maximal input cell (row-major order)."""
    n, oh, ow, c = y.shape
    if tiled(x.shape, (oh, ow), ksize, stride, pads):
        # windows are blocks of x: one comparison pass over x seen as (N, OH, KH, OW, KW, C)
        kh, kw = ksize
        eq = xp.equal(x.reshape(n, oh, kh, ow, kw, c), y[:, :, None, :, None, :],
                      out=scratch(xp, "pool.eq", (n, oh, kh, ow, kw, c), bool))
        free = scratch(xp, "pool.free", y.shape, bool)
        free[...] = True
        for i in range(kh):
            for j in range(kw):
                m = eq[:, :, i, :, j, :]
                xp.logical_and(m, free, out=m)
                xp.logical_xor(free, m, out=free)
        gx = xp.empty(x.shape, dtype=g.dtype)
        _masked(xp, g[:, :, None, :, None, :], eq, gx.reshape(eq.shape), bool(xp.isfinite(g).all()))
        return gx
    gx = xp.zeros(x.shape, dtype=g.dtype)
    buf = scratch(xp, "pool.buf", y.shape, g.dtype)
    disjoint = stride[0] >= ksize[0] and stride[1] >= ksize[1]
    finite = bool(xp.isfinite(g).all())
    for so_h, so_w, si_h, si_w, hit in _first_max_taps(xp, x, y, ksize, stride, pads):
        contrib = _masked(xp, g[:, so_h, so_w], hit, buf[:, so_h, so_w], finite)
        if disjoint:  # each input cell lies in one window: plain stores
            gx[:, si_h, si_w] = contrib
        else:
            gx[:, si_h, si_w] += contrib
    return gx


def max_pool_gather(xp, x, y, gg, ksize, stride, pads):
    """For each output cell, ``gg`` at its window's first maximal input cell (adjoint of max_pool_backward)."""
    out = xp.zeros(y.shape, dtype=gg.dtype)
    buf = scratch(xp, "pool.buf", y.shape, gg.dtype)
    finite = bool(xp.isfinite(gg).all())
    for so_h, so_w, si_h, si_w, hit in _first_max_taps(xp, x, y, ksize, stride, pads):
        ov = out[:, so_h, so_w]
        ov += _masked(xp, gg[:, si_h, si_w], hit, buf[:, so_h, so_w], finite)
    return out


def _inv_counts(xp, x_hw, out_hw, ksize, stride, pads, dtype):
    """1 / (number of real input cells in each window): a Python float, or an (OH, OW, 1) array."""
    if not any(pads[0] + pads[1]):
        return 1.0 / (ksize[0] * ksize[1])
    cnt = []
    for ax in range(2):
        c = np.zeros(out_hw[ax], dtype=np.int64)
        for i in range(ksize[ax]):
            r = tap_range(i, x_hw[ax], out_hw[ax], stride[ax], pads[ax][0])
            if r is not None:
                c[r[0]:r[1]] += 1
        cnt.append(c)
    inv = 1.0 / np.maximum(cnt[0][:, None] * cnt[1][None, :], 1)
    return xp.asarray(inv[:, :, None].astype(dtype))


def avg_pool_forward(xp, x, ksize, stride, pads, out_hw):
    """Mean over the real (unpadded) cells of each window (TF's SAME rule)."""
    n, h, w, c = x.shape
    acc = xp.zeros((n, out_hw[0], out_hw[1], c), dtype=x.dtype)
    for _, _, so_h, so_w, si_h, si_w in _taps((h, w), out_hw, ksize, stride, pads):
        acc[:, so_h, so_w] += x[:, si_h, si_w]
    acc *= _inv_counts(xp, (h, w), out_hw, ksize, stride, pads, x.dtype)
    return acc


def avg_pool_backward(xp, g, x_shape, ksize, stride, pads):
    """Spread each output gradient evenly over its window's real cells (overlap-add)."""
    gs = g * _inv_counts(xp, x_shape[1:3], g.shape[1:3], ksize, stride, pads, g.dtype)
    n, oh, ow, c = g.shape
    if tiled(x_shape, (oh, ow), ksize, stride, pads):  # one broadcast store
        gx = xp.empty(x_shape, dtype=g.dtype)
        gx.reshape(n, oh, ksize[0], ow, ksize[1], c)[...] = gs[:, :, None, :, None, :]
        return gx
    gx = xp.zeros(x_shape, dtype=g.dtype)
    for _, _, so_h, so_w, si_h, si_w in _taps(x_shape[1:3], g.shape[1:3], ksize, stride, pads):
        gx[:, si_h, si_w] += gs[:, so_h, so_w]
    return gx


# ---------------------------------------------------------------------------------------
# fused bias + ReLU + max-pool
# ---------------------------------------------------------------------------------------

def tap_index_dtype(ksize):
    """The integer dtype that holds a row-major tap number ``i * KW + j`` of a ``ksize`` window."""
    return np.dtype(np.uint8) if ksize[0] * ksize[1] <= 255 else np.dtype(np.int32)


def _covers(tap, out_hw):
    so_h, so_w = tap[2], tap[3]
    return (so_h.start, so_h.stop, so_w.start, so_w.stop) == (0, out_hw[0], 0, out_hw[1])


def _relu_plus_zero(xp, a):
    """ReLU in place, branch-free: every ``v <= 0`` becomes +0.0 (``maximum`` may leave -0.0; adding +0.0
    clears its sign), NaN stays NaN. The Numba kernels compute the same: ``0 if v <= 0 else v``."""
    xp.maximum(a, 0, out=a)
    a += 0.0
    return a


def bias_relu_max_pool_forward(xp, y, b, ksize, stride, pads, out_hw):
    """``(p, idx)``: ``p = max(0, max over each window of (y + b))`` and ``idx``, the row-major tap
    ``i * KW + j`` of each window's first maximum of ``y + b`` (padded cells never win).

    The same values as ``max_pool(maximum(0, y + b))`` (both maps are monotonic and the bias is
    per channel, so the order of max and ReLU does not matter), computed on the pooled size;
    ``idx`` lets the backward scatter without comparing again. ReLU here maps every
    ``v <= 0`` to +0.0 (``maximum(0, -0.0)`` may give either zero, depending on NumPy's
    SIMD loop) and keeps NaN.

    Branch-free passes only (a masked ``copyto`` with a random mask is ~20x slower here): ``y + b``
    in one pass, then per tap the running maximum and ``idx = max(idx, t * (z_t > running max))``
    (taps come in increasing ``t``, so the last strict increase is the first maximum).
    """
    n, h, w, c = y.shape
    dt = xp.result_type(y.dtype, b.dtype)
    shape = (n, out_hw[0], out_hw[1], c)
    taps = _taps((h, w), out_hw, ksize, stride, pads)
    z = xp.add(y, b, out=scratch(xp, "pool.zfull", y.shape, dt))
    zmax = xp.empty(shape, dtype=dt)
    idt = tap_index_dtype(ksize)
    idx = xp.zeros(shape, dtype=idt)
    if taps and _covers(taps[0], out_hw):
        i, j, _, _, si_h, si_w = taps[0]
        zmax[...] = z[:, si_h, si_w]
        idx[...] = i * ksize[1] + j
        taps = taps[1:]
    else:
        zmax[...] = -np.inf
    hit = scratch(xp, "pool.hit", shape, bool)
    tv = scratch(xp, "pool.tap", shape, idt)
    for i, j, so_h, so_w, si_h, si_w in taps:
        zt, mv, hv, iv, tt = z[:, si_h, si_w], zmax[:, so_h, so_w], hit[:, so_h, so_w], idx[:, so_h, so_w], \
            tv[:, so_h, so_w]
        xp.greater(zt, mv, out=hv)  # strictly greater: the first maximum keeps its tap
        xp.maximum(mv, zt, out=mv)  # (NaN propagates as in max_pool)
        xp.multiply(hv, i * ksize[1] + j, out=tt, dtype=idt)
        xp.maximum(iv, tt, out=iv)
    return _relu_plus_zero(xp, zmax), idx


def bias_relu_max_pool_backward(xp, gp, p, idx, y_shape, ksize, stride, pads):
    """Gradient of :func:`bias_relu_max_pool_forward` for ``y``: ``gp`` where ``p > 0`` (ReLU passed),
    sent to the cell ``idx`` names in each window, zero elsewhere (overlapping windows add up)."""
    n, oh, ow, c = p.shape
    finite = bool(xp.isfinite(gp).all())
    pos = xp.greater(p, 0, out=scratch(xp, "pool.pos", p.shape, bool))
    gpr = _masked(xp, gp, pos, scratch(xp, "pool.g", p.shape, gp.dtype), finite)
    hit = scratch(xp, "pool.hit", p.shape, bool)
    kh, kw = ksize
    if tiled(y_shape, (oh, ow), ksize, stride, pads):
        gy = xp.empty(y_shape, dtype=gp.dtype)
        g6 = gy.reshape(n, oh, kh, ow, kw, c)
        for i in range(kh):
            for j in range(kw):
                xp.equal(idx, i * kw + j, out=hit)
                _masked(xp, gpr, hit, g6[:, :, i, :, j, :], finite)
        return gy
    gy = xp.zeros(y_shape, dtype=gp.dtype)
    buf = scratch(xp, "pool.buf", p.shape, gp.dtype)
    disjoint = stride[0] >= kh and stride[1] >= kw
    for i, j, so_h, so_w, si_h, si_w in _taps(y_shape[1:3], (oh, ow), ksize, stride, pads):
        hv = hit[:, so_h, so_w]
        xp.equal(idx[:, so_h, so_w], i * kw + j, out=hv)
        contrib = _masked(xp, gpr[:, so_h, so_w], hv, buf[:, so_h, so_w], finite)
        if disjoint:
            gy[:, si_h, si_w] = contrib
        else:
            gy[:, si_h, si_w] += contrib
    return gy


def bias_relu_max_pool_gather(xp, gg, p, idx, ksize, stride, pads):
    """Adjoint of :func:`bias_relu_max_pool_backward`: ``gg`` (shaped like y) read at each window's
    winning cell, where ``p > 0``; zero elsewhere. Shaped like ``p``."""
    n, oh, ow, c = p.shape
    out = xp.zeros(p.shape, dtype=gg.dtype)
    finite = bool(xp.isfinite(gg).all())
    hit = scratch(xp, "pool.hit", p.shape, bool)
    buf = scratch(xp, "pool.buf", p.shape, gg.dtype)
    for i, j, so_h, so_w, si_h, si_w in _taps(gg.shape[1:3], (oh, ow), ksize, stride, pads):
        hv = hit[:, so_h, so_w]
        xp.equal(idx[:, so_h, so_w], i * ksize[1] + j, out=hv)
        ov = out[:, so_h, so_w]
        ov += _masked(xp, gg[:, si_h, si_w], hv, buf[:, so_h, so_w], finite)
    pos = xp.greater(p, 0, out=scratch(xp, "pool.pos", p.shape, bool))
    return _masked(xp, out, pos, out, finite)
