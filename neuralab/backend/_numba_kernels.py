"""Numba versions of the kernels in :mod:`neuralab.backend.kernels` (imported only when Numba is).

Every kernel repeats the arithmetic of its NumPy counterpart operation by
operation (same dtype for every intermediate, the same order of additions
into any one cell, no fast-math), so the two give bit-identical results;
``one``/``zero`` arguments are scalars of the arrays' dtype, used where NumPy
multiplies by a boolean mask (``g * 0`` keeps the sign of g, as NumPy does).
Loops run over the 2 cores with ``prange``, split by rows (or by image where
windows overlap, so that no two threads add into the same cell).
"""
from __future__ import annotations

import numpy as np

try:
    from numba import njit, prange
except ImportError:  # importable without Numba (for tools that walk the package); kernels.py then uses NumPy
    HAVE_NUMBA = False

    def njit(*args, **kwargs):
        return lambda f: f

    prange = range
else:
    HAVE_NUMBA = True

_OPTS = {"parallel": True, "cache": True, "nogil": True}


@njit(**_OPTS)
def bias_relu_max_pool_forward(y, b, kh, kw, sh, sw, pt, pl, p, idx):
    n, h, w, c = y.shape
    oh, ow = p.shape[1], p.shape[2]
    for r in prange(n * oh):
        ni = r // oh
        po = r - ni * oh
        best = np.empty(c, y.dtype)
        arg = np.zeros(c, np.int64)
        for qo in range(ow):
            for ch in range(c):
                best[ch] = -np.inf
                arg[ch] = 0
            for i in range(kh):
                hh = po * sh + i - pt
                if hh < 0 or hh >= h:
                    continue
                for j in range(kw):
                    ww = qo * sw + j - pl
                    if ww < 0 or ww >= w:
                        continue
                    t = i * kw + j
                    row = y[ni, hh, ww]
                    for ch in range(c):  # selects, no branches: the loop vectorizes
                        z = row[ch] + b[ch]
                        m = best[ch]
                        gt = z > m
                        arg[ch] = t if gt else arg[ch]
                        best[ch] = z if (gt or z != z) else m
            prow, irow = p[ni, po, qo], idx[ni, po, qo]
            for ch in range(c):
                v = best[ch]
                prow[ch] = 0 if v <= 0 else v
                irow[ch] = arg[ch]


@njit(inline="always")
def _routed(g, pos, hit, finite, one, zero):
    """NumPy's ``(g * pos) * hit`` (finite g) or ``where(hit, where(pos, g, 0), 0)``."""
    if finite:
        return (g * (one if pos else zero)) * (one if hit else zero)
    return g if (pos and hit) else zero


@njit(**_OPTS)
def bias_relu_max_pool_backward_disjoint(gp, p, idx, kh, kw, sh, sw, pt, pl, finite, one, zero, gy):
    n, oh, ow, c = gp.shape
    h, w = gy.shape[1], gy.shape[2]
    for r in prange(n * oh):
        ni = r // oh
        po = r - ni * oh
        for qo in range(ow):
            for i in range(kh):
                hh = po * sh + i - pt
                if hh < 0 or hh >= h:
                    continue
                for j in range(kw):
                    ww = qo * sw + j - pl
                    if ww < 0 or ww >= w:
                        continue
                    t = i * kw + j
                    for ch in range(c):
                        gy[ni, hh, ww, ch] = _routed(gp[ni, po, qo, ch], p[ni, po, qo, ch] > 0,
                                                     idx[ni, po, qo, ch] == t, finite, one, zero)


@njit(**_OPTS)
def bias_relu_max_pool_backward_overlap(gp, p, idx, kh, kw, sh, sw, pt, pl, finite, one, zero, gy):
    # Each window adds its routed gradient to its winner only (the other cells would get +-0, which
    # changes no sum that starts from +0.0). Windows run in reverse row-major order: then the values
    # reaching any one cell come in increasing tap order, the order of NumPy's tap-by-tap additions.
    n, oh, ow, c = gp.shape
    h, w = gy.shape[1], gy.shape[2]
    for ni in prange(n):
        for po in range(oh - 1, -1, -1):
            for qo in range(ow - 1, -1, -1):
                for ch in range(c):
                    t = idx[ni, po, qo, ch]
                    hh = po * sh + t // kw - pt
                    ww = qo * sw + t % kw - pl
                    if hh < 0 or hh >= h or ww < 0 or ww >= w:  # a window of -inf only: tap 0 may be padding
                        continue
                    gy[ni, hh, ww, ch] += _routed(gp[ni, po, qo, ch], p[ni, po, qo, ch] > 0, True, finite,
                                                  one, zero)


@njit(inline="always")
def _first_max(x, y, ni, po, qo, ch, kh, kw, sh, sw, pt, pl, h, w):
    """Row-major tap of the first input cell of window (po, qo) equal to the pooled value; -1 if none."""
    v = y[ni, po, qo, ch]
    for i in range(kh):
        hh = po * sh + i - pt
        if hh < 0 or hh >= h:
            continue
        for j in range(kw):
            ww = qo * sw + j - pl
            if 0 <= ww < w and x[ni, hh, ww, ch] == v:
                return i * kw + j
    return -1


@njit(**_OPTS)
def max_pool_backward(x, y, g, kh, kw, sh, sw, pt, pl, finite, disjoint, one, zero, gx):
    n, oh, ow, c = y.shape
    h, w = x.shape[1], x.shape[2]
    if disjoint:  # every input cell in at most one window: store g * (winner) in each, as NumPy does
        for r in prange(n * oh):
            ni = r // oh
            po = r - ni * oh
            for qo in range(ow):
                for ch in range(c):
                    first = _first_max(x, y, ni, po, qo, ch, kh, kw, sh, sw, pt, pl, h, w)
                    gv = g[ni, po, qo, ch]
                    for i in range(kh):
                        hh = po * sh + i - pt
                        if hh < 0 or hh >= h:
                            continue
                        for j in range(kw):
                            ww = qo * sw + j - pl
                            if 0 <= ww < w:
                                gx[ni, hh, ww, ch] = _routed(gv, True, i * kw + j == first, finite, one, zero)
        return
    for ni in prange(n):  # overlapping windows: add to the winner, windows in reverse order (see above)
        for po in range(oh - 1, -1, -1):
            for qo in range(ow - 1, -1, -1):
                for ch in range(c):
                    first = _first_max(x, y, ni, po, qo, ch, kh, kw, sh, sw, pt, pl, h, w)
                    if first >= 0:
                        gx[ni, po * sh + first // kw - pt, qo * sw + first % kw - pl, ch] += \
                            _routed(g[ni, po, qo, ch], True, True, finite, one, zero)


@njit(**_OPTS)
def col2im(cols, sh, sw, pt, pl, gx):
    n, oh, ow, kh, kw, c = cols.shape
    h, w = gx.shape[1], gx.shape[2]
    for ni in prange(n):
        for i in range(kh):
            for j in range(kw):
                for po in range(oh):
                    hh = po * sh + i - pt
                    if hh < 0 or hh >= h:
                        continue
                    for qo in range(ow):
                        ww = qo * sw + j - pl
                        if ww < 0 or ww >= w:
                            continue
                        for ch in range(c):
                            gx[ni, hh, ww, ch] += cols[ni, po, qo, i, j, ch]


@njit(**_OPTS)
def bias_relu(y, b, out):
    rows, c = y.shape
    for r in prange(rows):
        for ch in range(c):
            z = y[r, ch] + b[ch]
            out[r, ch] = 0 if z <= 0 else z


@njit(**_OPTS)
def adam(param, grad, m, v, b1, omb1, b2, omb2, eps_s2, step_scale, gscale, scaled):
    for i in prange(param.shape[0]):
        g = grad[i]
        if scaled:
            g = g * gscale
        mi = m[i] * b1
        mi = mi + g * omb1
        m[i] = mi
        vi = v[i] * b2
        vi = vi + (g * g) * omb2
        v[i] = vi
        d = np.sqrt(vi)
        d = d + eps_s2
        d = mi / d
        d = d * step_scale
        param[i] = param[i] + d
