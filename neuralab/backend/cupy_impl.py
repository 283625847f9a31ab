"""The GPU side of the backend helpers: the names and signatures of :mod:`neuralab.backend.numpy_impl`.

The convolution and pooling kernels are written against the API NumPy and
CuPy share (``lib.stride_tricks.as_strided`` windows, ``matmul(out=)``,
basic slicing, ``copyto(where=)``), so on the GPU they are the same
functions: one definition per kernel, the arithmetic in the same order, and
the results of the two backends agree to the last bit wherever the
elementary operations do (CuPy's GEMM and transcendental functions are not
NumPy's, so floating results agree to rounding, not bit for bit).

Where the GPU wants something else, the helper here keeps the signature and
changes the body: :func:`scratch` hands out blocks of CuPy's memory pool,
which already reuses device memory between calls, instead of buffers kept
per thread (for code that asks :func:`neuralab.backend.impl` for its
helpers). The shared kernels keep calling the NumPy side's ``scratch``, whose
per-thread buffers then hold device arrays; :func:`clear_scratch` releases
those and the pool's cached blocks.

The other divergences of the issue are handled where they occur: scatter-add
(``xp.add.at`` on CuPy, sorted ``add.reduceat`` on NumPy, in
:func:`neuralab.ops.indexing.scatter_add_rows` and the getitem gradient) and
random streams (masks and draws come from neuralab's host
``numpy.random.Generator`` and are copied to the device, so one seed gives
the same masks on both backends; :mod:`neuralab.ops.random`).

This module never imports CuPy itself: every helper receives the array
module ``xp`` as its first argument, as on the NumPy side, and importing it
costs nothing on a machine without a GPU.
"""
from __future__ import annotations

from . import numpy_impl as _np_impl

# the xp-generic kernels, shared with the NumPy side (same objects: one definition each)
tap_range = _np_impl.tap_range
windows = _np_impl.windows
im2col = _np_impl.im2col
col2im = _np_impl.col2im
conv2d_forward = _np_impl.conv2d_forward
conv2d_backward_input = _np_impl.conv2d_backward_input
conv2d_backward_filter = _np_impl.conv2d_backward_filter
max_pool_forward = _np_impl.max_pool_forward
tiled = _np_impl.tiled
max_pool_backward = _np_impl.max_pool_backward
max_pool_gather = _np_impl.max_pool_gather
avg_pool_forward = _np_impl.avg_pool_forward
avg_pool_backward = _np_impl.avg_pool_backward
tap_index_dtype = _np_impl.tap_index_dtype
bias_relu_max_pool_forward = _np_impl.bias_relu_max_pool_forward
bias_relu_max_pool_backward = _np_impl.bias_relu_max_pool_backward
bias_relu_max_pool_gather = _np_impl.bias_relu_max_pool_gather


def scratch(xp, name: str, shape, dtype):
    """An uninitialised device array of ``shape``/``dtype`` for temporaries named ``name``.

    Same contract as :func:`neuralab.backend.numpy_impl.scratch` (valid until
    the next request of that name); on the GPU the block comes from CuPy's
    memory pool, which keeps freed blocks for reuse, so nothing is held
    between calls.
    """
    return xp.empty(tuple(int(d) for d in shape), dtype=dtype)


def clear_scratch() -> None:
    """Drop cached temporaries: the host side's per-thread buffers and CuPy's pooled device blocks."""
    _np_impl.clear_scratch()
    from . import _state  # noqa: PLC0415 - the GPU module, when one is switched on

    cp = _state["cupy"]
    pool = getattr(cp, "get_default_memory_pool", None) if cp is not None else None
    if pool is not None:
        pool().free_all_blocks()


__all__ = [
    "avg_pool_backward", "avg_pool_forward", "bias_relu_max_pool_backward", "bias_relu_max_pool_forward",
    "bias_relu_max_pool_gather", "clear_scratch", "col2im", "conv2d_backward_filter", "conv2d_backward_input",
    "conv2d_forward", "im2col", "max_pool_backward", "max_pool_forward", "max_pool_gather", "scratch",
    "tap_index_dtype", "tap_range", "tiled", "windows",
]
