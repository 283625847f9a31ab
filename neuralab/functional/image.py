"""Image ops on NHWC batches, composed from indexing and arithmetic (so gradients and graph mode come free).

``resize_bilinear(x, (h, w), align_corners=False)``
    TF 1.x's legacy rule (no half-pixel centres): output pixel ``i`` reads the
    input at ``s = i * scale`` with ``scale = in / out`` (``(in - 1) / (out - 1)``
    with align_corners), interpolating between rows ``floor(s)`` and
    ``min(floor(s) + 1, in - 1)``: first along the width, then along the
    height, as TF's kernel does. The result is float32 for integer images.
``resize_nearest(x, (h, w), align_corners=False)``
    pixel ``min(floor(i * scale), in - 1)`` (``round(i * scale)``, halves away
    from zero, with align_corners); keeps the dtype.
``per_image_standardization(x)``
    ``(x - mean) / max(std, 1 / sqrt(n))`` over each image's ``n = H * W * C`` values.
``flip_left_right(x)``
    the width axis reversed.
``convert_image_dtype(x, dtype, saturate=False)``
    integers <-> floats in ``[0, 1]``: ``uint8 -> float`` divides by 255;
    ``float -> uint8`` casts ``x * 255.5`` (wrapping out-of-range values unless
    ``saturate`` clips them first), as TF does.

The resize index tables depend only on the static sizes, so the input's
height and width must be known when a graph is built (the batch may be None).
"""
from __future__ import annotations

import numpy as np

from .._core.errors import DTypeError, ShapeError
from .._core.op import fmt_shape
from .._core.tensor import Tensor
from ..ops import elementwise as E, reduce as R, shape as S

__all__ = ["convert_image_dtype", "flip_left_right", "per_image_standardization", "resize_bilinear",
           "resize_nearest"]


def _images(what, x):
    x = x if isinstance(x, Tensor) else Tensor(x)
    if x.shape is None or len(x.shape) != 4:
        raise ShapeError(f"{what}: images must be 4-D (batch, height, width, channels), got shape "
                         f"{'(unknown rank)' if x.shape is None else fmt_shape(x.shape)}")
    return x


def _size(what, x, size):
    try:
        h, w = (int(s) for s in size)
    except (TypeError, ValueError):
        raise ShapeError(f"{what}: size must be two ints (new_height, new_width), got {size!r}") from None
    if h <= 0 or w <= 0:
        raise ShapeError(f"{what}: size must be positive, got {(h, w)}")
    ih, iw = x.shape[1], x.shape[2]
    if ih is None or iw is None:
        raise ShapeError(f"{what}: the input's height and width must be known when the graph is built, got shape "
                         f"{fmt_shape(x.shape)}")
    return (ih, iw), (h, w)


def _scale(n_in, n_out, align_corners):
    if align_corners and n_out > 1:
        return (n_in - 1) / (n_out - 1)
    return n_in / n_out


def _lerp_table(n_in, n_out, align_corners):
    src = np.arange(n_out, dtype=np.float64) * _scale(n_in, n_out, align_corners)
    lo = np.floor(src).astype(np.int64)
    frac = (src - lo).astype(np.float32)
    return np.minimum(lo, n_in - 1), np.minimum(lo + 1, n_in - 1), frac


def resize_bilinear(x, size, align_corners=False):
    """Bilinear resize of NHWC images to ``size = (height, width)`` (TF 1.x's ``resize_bilinear``, legacy rule
    without half-pixel centres). The gradient is the transposed interpolation.

    >>> resize_bilinear(np.arange(4.0).reshape(1, 2, 2, 1), (3, 3))[0, :, :, 0].numpy().round(3).tolist()
    [[0.0, 0.667, 1.0], [1.333, 2.0, 2.333], [2.0, 2.667, 3.0]]
    """
    x = _images("resize_bilinear", x)
    (ih, iw), (h, w) = _size("resize_bilinear", x, size)
    if x.dtype.kind != "f":
        x = E.cast(x, np.float32)
    f = x.dtype
    x0, x1, fx = _lerp_table(iw, w, align_corners)
    left, right = x[:, :, x0], x[:, :, x1]
    rows = left + (right - left) * Tensor(fx.astype(f).reshape(1, 1, w, 1))
    y0, y1, fy = _lerp_table(ih, h, align_corners)
    top, bottom = rows[:, y0], rows[:, y1]
    return top + (bottom - top) * Tensor(fy.astype(f).reshape(1, h, 1, 1))


def resize_nearest(x, size, align_corners=False):
    """Nearest-neighbour resize of NHWC images to ``size = (height, width)`` (TF 1.x's
    ``resize_nearest_neighbor``, legacy rule); keeps the dtype.

    >>> resize_nearest(np.arange(4).reshape(1, 2, 2, 1), (3, 3))[0, :, :, 0].numpy().tolist()
    [[0, 0, 1], [0, 0, 1], [2, 2, 3]]
    """
    x = _images("resize_nearest", x)
    (ih, iw), (h, w) = _size("resize_nearest", x, size)

    def table(n_in, n_out):
        src = np.arange(n_out, dtype=np.float64) * _scale(n_in, n_out, align_corners)
        idx = np.floor(src + 0.5) if align_corners else np.floor(src)
        return np.minimum(idx.astype(np.int64), n_in - 1)

    return x[:, table(ih, h)][:, :, table(iw, w)]


def per_image_standardization(x):
    """Each image scaled to mean 0 and variance 1: ``(x - mean) / max(std, 1 / sqrt(n))`` over its
    ``n = H * W * C`` values (TF's ``per_image_standardization``; float32 for integer images).

    >>> per_image_standardization(np.array([[[[1.0], [3.0]]]])).numpy().ravel().tolist()
    [-1.0, 1.0]
    """
    x = _images("per_image_standardization", x)
    if x.dtype.kind != "f":
        x = E.cast(x, np.float32)
    h, w, c = x.shape[1:]
    if None in (h, w, c):
        raise ShapeError(f"per_image_standardization: the image size must be known, got shape {fmt_shape(x.shape)}")
    n = h * w * c
    mean = R.mean(x, axis=(1, 2, 3), keepdims=True)
    var = R.mean(E.square(x - mean), axis=(1, 2, 3), keepdims=True)
    std = E.maximum(E.sqrt(var), float(1.0 / np.sqrt(n)))
    return (x - mean) / std


def flip_left_right(x):
    """NHWC images mirrored along the width (axis 2).

    >>> flip_left_right(np.arange(3).reshape(1, 1, 3, 1))[0, 0, :, 0].numpy().tolist()
    [2, 1, 0]
    """
    return S.flip(_images("flip_left_right", x), 2)


def convert_image_dtype(x, dtype, saturate=False):
    """Images between an integer dtype (``0 .. max``) and a float dtype (``[0, 1]``), TF's rule.

    ``int -> float``: ``x / max``; ``float -> int``: cast of ``x * (max + 0.5)``
    (values outside ``[0, 1]`` wrap around unless ``saturate`` clips them);
    float -> float and same-dtype conversions are casts. Integer -> integer is
    not supported (a DTypeError says so).

    >>> convert_image_dtype(np.array([0, 255], np.uint8), np.float32).numpy().tolist()
    [0.0, 1.0]
    """
    from .._core.dtypes import as_dtype

    x = x if isinstance(x, Tensor) else Tensor(x)
    d = as_dtype(dtype)
    src = x.dtype
    if src == d:
        return x
    if src.kind == "f" and d.kind == "f":
        return E.cast(x, d)
    if src.kind in "iu" and d.kind == "f":
        return E.cast(x, d) / float(np.iinfo(src).max)
    if src.kind == "f" and d.kind in "iu":
        top = float(np.iinfo(d).max)
        y = x * (top + 0.5)
        if saturate:
            y = E.minimum(E.maximum(y, 0.0 if d.kind == "u" else float(np.iinfo(d).min)), top)
        if src.itemsize < 8:
            y = E.cast(y, np.float64)  # exact wrap-around of out-of-range values, as a C cast gives on x86
        return E.cast(E.cast(y, np.int64), d)
    raise DTypeError(f"convert_image_dtype: converting {src} to {d} is not supported (integer to integer)")
