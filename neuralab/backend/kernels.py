"""Fast kernels for the few passes NumPy cannot do in one go, with Numba when it is installed.

Each function here has two implementations with the same results:

- **Numba** (the ``[fast]`` extra: ``pip install neuralab[fast]``): one
  compiled pass, parallel over the cores (``prange``), used for NumPy arrays
  of float32/float64;
- **NumPy** (always there): the xp-generic kernels of
  :mod:`neuralab.backend.numpy_impl` (several vectorized passes), also used
  for CuPy arrays and any dtype Numba is not asked to handle.

Which one runs is decided once, lazily: ``"auto"`` (the default) imports Numba
the first time a kernel is called and uses it when the import works;
:func:`use` forces ``"numpy"`` or ``"numba"`` (for tests and comparisons; no
environment variable is read). Numba is never imported by ``import neuralab``.
When it is loaded, ``OMP_WAIT_POLICY`` defaults to ``PASSIVE`` (unless already
set), so that the kernels' OpenMP threads sleep instead of spinning between
kernels; :func:`neuralab.set_num_threads` sets their number.

Results are bit-identical between the two paths: the Numba kernels repeat the
NumPy arithmetic operation by operation, in the same dtype and, where several
values are added into one cell, in the same order (see
:mod:`neuralab.backend._numba_kernels`). The tests compare them with
``assert_array_equal`` and also check signed zeros. The one exception is
:func:`conv2d_grad_input`, where the Numba path calls BLAS with a different GEMM
shape: equal to float rounding, not always bit for bit.

Kernels: :func:`bias_relu_max_pool` / :func:`bias_relu_max_pool_grad` (the fused
conv-layer tail), :func:`max_pool_grad` (max-pool backward from x and y),
:func:`col2im` (overlap-add of window gradients) and :func:`conv2d_grad_input`
(one GEMM + col2im per block instead of a GEMM and a strided add per tap),
:func:`bias_act` (bias add + ReLU in one pass) and :func:`adam_flat` (one fused
Adam update over flat buffers).
"""
from __future__ import annotations

import math
import os

import numpy as np

from . import numpy_impl as _np_impl

_MODES = ("auto", "numba", "numpy")
_state = {"mode": "auto", "nb": None, "tried": False, "error": None}
_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def _load():
    """The compiled-kernel module, or None (Numba missing or failing to import)."""
    if not _state["tried"]:
        _state["tried"] = True
        # Numba's OpenMP threads would otherwise spin between kernels, taking the CPU from BLAS and from
        # other processes (measured: a 1.6 ms kernel took 36 ms next to busy processes; 4 ms passive).
        # Read once, when Numba first loads its OpenMP runtime; a value set by the user wins.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        try:
            from . import _numba_kernels  # noqa: PLC0415 - optional, imported on first use

            if not _numba_kernels.HAVE_NUMBA:
                raise ImportError("No module named 'numba'")
            _state["nb"] = _numba_kernels
            from . import threads

            threads._numba_loaded()
        except Exception as e:  # noqa: BLE001 - any failure means: use the NumPy kernels
            _state["error"] = e
    return _state["nb"]


def use(mode: str) -> str:
    """Choose the kernels: ``"auto"`` (Numba when it imports), ``"numba"`` (raise if it does not) or ``"numpy"``.

    Returns the previous mode. Meant for tests and benchmarks; the default is ``"auto"``.
    """
    if mode not in _MODES:
        raise ValueError(f"kernels.use: mode must be one of {_MODES}, got {mode!r}")
    if mode == "numba" and _load() is None:
        raise ImportError("kernels.use('numba'): Numba is not available "
                          f"({_state['error']!r}); install it with `pip install neuralab[fast]`")
    old = _state["mode"]
    _state["mode"] = mode
    return old


def active() -> str:
    """The kernels in use now: ``"numba"`` or ``"numpy"`` (resolving ``"auto"``, which may import Numba)."""
    return "numba" if _nb() is not None else "numpy"


def available() -> bool:
    """Whether the Numba kernels can be used (imports Numba if needed)."""
    return _load() is not None


def _nb():
    mode = _state["mode"]
    if mode == "numpy":
        return None
    return _load()


def _fast(xp, *arrays):
    """The Numba module when it should run on these arrays (NumPy, one floating dtype), else None."""
    if xp is not np:
        return None
    nb = _nb()
    if nb is None:
        return None
    dt = arrays[0].dtype
    if dt not in _FLOATS or any(a.dtype != dt for a in arrays):
        return None
    return nb


def _c(a):
    return np.ascontiguousarray(a)


# ---------------------------------------------------------------------------------------
# pooling
# ---------------------------------------------------------------------------------------

def bias_relu_max_pool(xp, y, b, ksize, stride, pads, out_hw):
    """``(p, idx)`` with ``p = max(0, max over each window of y + b)`` and ``idx`` the row-major tap of each
    window's first maximum (see :func:`neuralab.backend.numpy_impl.bias_relu_max_pool_forward`)."""
    dt = xp.result_type(y.dtype, b.dtype)
    y, b = y.astype(dt, copy=False), b.astype(dt, copy=False)
    nb = _fast(xp, y, b) if _np_impl.tap_index_dtype(ksize) == np.uint8 else None  # (windows of <= 255 cells)
    if nb is None:
        return _np_impl.bias_relu_max_pool_forward(xp, y, b, ksize, stride, pads, out_hw)
    shape = (y.shape[0], out_hw[0], out_hw[1], y.shape[3])
    p = np.empty(shape, dtype=dt)
    idx = np.empty(shape, dtype=_np_impl.tap_index_dtype(ksize))
    if p.size:
        nb.bias_relu_max_pool_forward(_c(y), _c(b), ksize[0], ksize[1], stride[0], stride[1], pads[0][0],
                                      pads[1][0], p, idx)
    return p, idx


def bias_relu_max_pool_grad(xp, gp, p, idx, y_shape, ksize, stride, pads):
    """The y-gradient of :func:`bias_relu_max_pool`: ``gp`` where ``p > 0``, sent to each window's winner."""
    nb = _fast(xp, gp, p) if idx.dtype == np.uint8 else None
    if nb is None:
        return _np_impl.bias_relu_max_pool_backward(xp, gp, p, idx, y_shape, ksize, stride, pads)
    dt = gp.dtype
    tiled = _np_impl.tiled(y_shape, p.shape[1:3], ksize, stride, pads)
    gy = np.empty(y_shape, dtype=dt) if tiled else np.zeros(y_shape, dtype=dt)
    if gp.size == 0 or gy.size == 0:
        return np.zeros(y_shape, dtype=dt)
    finite = bool(np.isfinite(gp).all())
    disjoint = stride[0] >= ksize[0] and stride[1] >= ksize[1]
    fn = nb.bias_relu_max_pool_backward_disjoint if disjoint else nb.bias_relu_max_pool_backward_overlap
    fn(_c(gp), _c(p), _c(idx), ksize[0], ksize[1], stride[0], stride[1], pads[0][0], pads[1][0], finite,
       dt.type(1), dt.type(0), gy)
    return gy


def bias_relu_max_pool_gather(xp, gg, p, idx, ksize, stride, pads):
    """Adjoint of :func:`bias_relu_max_pool_grad` (double backward only: NumPy kernel)."""
    return _np_impl.bias_relu_max_pool_gather(xp, gg, p, idx, ksize, stride, pads)


def max_pool_grad(xp, x, y, g, ksize, stride, pads):
    """Gradient of ``y = max_pool(x)``: each g sent to its window's first maximal cell (row-major)."""
    nb = _fast(xp, x, y, g)
    if nb is None:
        return _np_impl.max_pool_backward(xp, x, y, g, ksize, stride, pads)
    dt = g.dtype
    gx = np.zeros(x.shape, dtype=dt)
    if g.size == 0 or gx.size == 0:
        return gx
    finite = bool(np.isfinite(g).all())
    disjoint = stride[0] >= ksize[0] and stride[1] >= ksize[1]
    nb.max_pool_backward(_c(x), _c(y), _c(g), ksize[0], ksize[1], stride[0], stride[1], pads[0][0], pads[1][0],
                         finite, disjoint, dt.type(1), dt.type(0), gx)
    return gx


def col2im(xp, cols, x_shape, stride, pads):
    """Overlap-add window gradients ``(N, OH, OW, KH, KW, C)`` onto an input of ``x_shape`` (adjoint of im2col)."""
    nb = _fast(xp, cols)
    if nb is None:
        return _np_impl.col2im(xp, cols, x_shape, stride, pads)
    gx = np.zeros(x_shape, dtype=cols.dtype)
    if cols.size and gx.size:
        nb.col2im(_c(cols), stride[0], stride[1], pads[0][0], pads[1][0], gx)
    return gx


# ---------------------------------------------------------------------------------------
# convolution
# ---------------------------------------------------------------------------------------

def conv2d_grad_input(xp, g, w, x_shape, stride, pads):
    """Gradient of conv2d for its input (see :func:`neuralab.backend.numpy_impl.conv2d_backward_input`).

    With Numba: per block of images one GEMM ``g @ w2.T`` (all taps' column gradients at once, a wider
    and faster GEMM than one per tap) and the parallel :func:`col2im` overlap-add, in the same tap order
    as the NumPy path's adds. The one difference from the NumPy path is the GEMM shape (all taps vs one
    tap), which BLAS may round differently: the two agree to float rounding, not always bit for bit.
    """
    g, w, dt = _np_impl._common(xp, g, w)
    kh, kw, c, co = w.shape
    small = c <= _np_impl.SMALL_CIN or g.size == 0 or kh * kw * c == 0 or 0 in x_shape
    nb = None if small else _fast(xp, g, w)  # (the few-channel path is NumPy's: no need to load Numba)
    if nb is None:
        return _np_impl.conv2d_backward_input(xp, g, w, x_shape, stride, pads)
    n, oh, ow, _ = g.shape
    k = kh * kw * c
    g = np.ascontiguousarray(g)
    w2t = np.ascontiguousarray(w.reshape(k, co).T)
    gx = np.zeros(x_shape, dtype=dt)
    for sn in _np_impl._image_blocks(n, oh * ow * k * g.itemsize):
        nbk = sn.stop - sn.start
        cols = _np_impl.scratch(np, "conv.cols", (nbk * oh * ow, k), dt)
        np.matmul(g[sn].reshape(-1, co), w2t, out=cols)
        nb.col2im(cols.reshape(nbk, oh, ow, kh, kw, c), stride[0], stride[1], pads[0][0], pads[1][0], gx[sn])
    return gx


# ---------------------------------------------------------------------------------------
# elementwise
# ---------------------------------------------------------------------------------------

_ACTS = (None, "relu")


def bias_act(y, b, activation=None, out=None):
    """``activation(y + b)`` over the last axis in one pass (``activation``: None or "relu").

    ReLU maps every value ``<= 0`` to +0.0 and keeps NaN (the values of
    :func:`neuralab.functional.relu`; NumPy's ``maximum(0, -0.0)`` leaves the sign of that
    zero to its SIMD loop, this kernel does not). ``out`` may be given (and may be ``y``).
    """
    if activation not in _ACTS:
        raise ValueError(f"kernels.bias_act: activation must be one of {_ACTS}, got {activation!r}")
    y, b = np.asarray(y), np.asarray(b)
    if b.ndim != 1 or y.ndim < 1 or y.shape[-1] != b.shape[0]:
        raise ValueError(f"kernels.bias_act: b must have shape ({y.shape[-1] if y.ndim else '?'},), "
                         f"got {b.shape} for y {y.shape}")
    dt = np.result_type(y.dtype, b.dtype)
    if out is None:
        out = np.empty(y.shape, dtype=dt)
    nb = _fast(np, y.astype(dt, copy=False), b.astype(dt, copy=False)) if activation == "relu" else None
    if nb is None or not out.flags.c_contiguous or out.dtype != dt:  # (a bias alone is one NumPy pass anyway)
        np.add(y, b, out=out)
        if activation == "relu":
            _np_impl._relu_plus_zero(np, out)
        return out
    if out.size:
        c = b.shape[0]
        nb.bias_relu(_c(y.astype(dt, copy=False)).reshape(-1, c), _c(b.astype(dt, copy=False)), out.reshape(-1, c))
    return out


# ---------------------------------------------------------------------------------------
# optimizer
# ---------------------------------------------------------------------------------------

def adam_flat(param, grad, m, v, step, lr, b1=0.9, b2=0.999, eps=1e-8, grad_scale=1.0, out=None):
    """One Adam step over flat buffers, in place: ``m``, ``v`` and ``param`` are updated; returns ``param``.

    With ``t = step`` (counting from 1) and ``g = grad * grad_scale``::

        m <- b1 m + (1 - b1) g;   v <- b2 v + (1 - b2) g^2
        param <- param - lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps * sqrt(1 - b2^t))

    the bias corrections folded into two scalars. The NumPy path is
    :func:`neuralab.optim.transforms.adam_delta` followed by ``param += delta``;
    the Numba kernel does the same operations in the same order and dtype, in
    one pass over the cores. All four arrays: 1-D, C-contiguous, one floating
    dtype. ``out`` is the NumPy path's work buffer (a scratch buffer when None).
    """
    arrays = {"param": param, "grad": grad, "m": m, "v": v}
    for name, a in arrays.items():
        if not isinstance(a, np.ndarray) or a.ndim != 1 or not a.flags.c_contiguous:
            raise ValueError(f"kernels.adam_flat: {name} must be a 1-D C-contiguous ndarray, got "
                             f"{type(a).__name__} of shape {getattr(a, 'shape', None)}")
        if a.shape != param.shape or a.dtype != param.dtype:
            raise ValueError(f"kernels.adam_flat: {name} has shape {a.shape} and dtype {a.dtype}, but param has "
                             f"{param.shape} and {param.dtype}")
    if param.dtype not in _FLOATS:
        raise ValueError(f"kernels.adam_flat: the buffers must be float32 or float64, got {param.dtype}")
    if not (isinstance(step, (int, np.integer)) and step >= 1):
        raise ValueError(f"kernels.adam_flat: step counts from 1, got {step!r}")
    nb = _fast(np, param)
    if nb is not None:
        dt = param.dtype.type
        c1 = 1.0 - b1 ** step
        s2 = math.sqrt(1.0 - b2 ** step)  # as adam_delta folds the two bias corrections
        scale = -lr * s2 / c1
        nb.adam(param, grad, m, v, dt(b1), dt(1.0 - b1), dt(b2), dt(1.0 - b2), dt(eps * s2), dt(scale),
                dt(grad_scale), grad_scale != 1.0)
        return param
    from ..optim.transforms import adam_delta  # noqa: PLC0415 - the one NumPy definition of the update

    if out is None:
        out = _np_impl.scratch(np, "adam.out", param.shape, param.dtype)
    if grad_scale != 1.0:
        grad = np.multiply(grad, grad_scale, out=_np_impl.scratch(np, "adam.g", param.shape, param.dtype))
    param += adam_delta(np, grad, m, v, step, lr, b1, b2, eps, out)
    return param
