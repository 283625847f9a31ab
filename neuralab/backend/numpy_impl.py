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
- pooling: ``KH*KW`` vectorized passes over strided tap views; max-pool's
  backward recomputes which tap won by comparing each tap with the output
  (ties go to the first tap in row-major window order).
"""
from __future__ import annotations

import numpy as np

#: bytes of im2col columns handled per GEMM (a block stays in cache between the copy and the GEMM)
BLOCK_BYTES = 4 << 20


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


def _pad(xp, x, pads, value=0):
    (pt, pb), (pl, pr) = pads
    if not (pt or pb or pl or pr):
        return x
    n, h, w, c = x.shape
    out = xp.full((n, h + pt + pb, w + pl + pr, c), value, dtype=x.dtype)
    out[:, pt:pt + h, pl:pl + w] = x
    return out


def windows(xp, x, ksize, stride, pads, out_hw):
    """Strided view ``(N, OH, OW, KH, KW, C)`` of the zero-padded ``x``: every window, no copy of them."""
    xpad = _pad(xp, x, pads)
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
    if kh == kw == 1 and tuple(stride) == (1, 1) and not any(pads[0] + pads[1]):
        return xp.matmul(x.reshape(-1, c), w2).reshape(n, oh, ow, co)
    v = windows(xp, x, (kh, kw), stride, pads, out_hw)
    blocks = _blocks(n, oh, ow * k * x.itemsize)
    buf = xp.empty((max(_rows(a, b, ow) for a, b in blocks), k), dtype=dt)
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
    """
    g, w, dt = _common(xp, g, w)
    n, oh, ow, co = g.shape
    kh, kw, c, _ = w.shape
    gx = xp.zeros(x_shape, dtype=dt)
    if g.size == 0 or gx.size == 0 or kh * kw * c == 0:
        return gx
    wt = xp.ascontiguousarray(xp.swapaxes(w, 2, 3))  # (KH, KW, Cout, Cin)
    g = xp.ascontiguousarray(g)
    h, wd = x_shape[1], x_shape[2]
    tw = [_tap_slices(j, wd, ow, stride[1], pads[1][0]) for j in range(kw)]
    blocks = _blocks(n, oh, ow * (c + co) * g.itemsize, BLOCK_BYTES // 2)
    buf = xp.empty((max(_rows(a, b, ow) for a, b in blocks), c), dtype=dt)
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
    if kh == kw == 1 and tuple(stride) == (1, 1) and not any(pads[0] + pads[1]):
        return xp.matmul(x.reshape(-1, c).T, g.reshape(-1, co)).reshape(w_shape)
    v = windows(xp, x, (kh, kw), stride, pads, (oh, ow))
    blocks = _blocks(n, oh, ow * k * x.itemsize)
    buf = xp.empty((max(_rows(a, b, ow) for a, b in blocks), k), dtype=dt)
    tmp = xp.empty((k, co), dtype=dt)
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
    free = xp.ones(y.shape, dtype=bool)
    buf = xp.empty(y.shape, dtype=bool)
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
        eq = xp.equal(x.reshape(n, oh, kh, ow, kw, c), y[:, :, None, :, None, :])
        free = xp.ones(y.shape, dtype=bool)
        for i in range(kh):
            for j in range(kw):
                m = eq[:, :, i, :, j, :]
                xp.logical_and(m, free, out=m)
                xp.logical_xor(free, m, out=free)
        gx = xp.empty(x.shape, dtype=g.dtype)
        _masked(xp, g[:, :, None, :, None, :], eq, gx.reshape(eq.shape), bool(xp.isfinite(g).all()))
        return gx
    gx = xp.zeros(x.shape, dtype=g.dtype)
    buf = xp.empty(y.shape, dtype=g.dtype)
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
    buf = xp.empty(y.shape, dtype=gg.dtype)
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
