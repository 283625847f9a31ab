"""``tf.image``: resizing, flips, per-image standardization and dtype conversion over
:mod:`neuralab.functional.image` (NHWC batches or single HWC images, TF 1.x's rules).

Resizing follows TF 1.x (``align_corners=False`` and no half-pixel centres);
the new size must be known when the graph is built, and so must the input's
height and width. Names TF 1.x has under ``tf.image`` that the adapter does not
provide raise NotProvidedError.
"""
from __future__ import annotations

import numpy as np

from ... import ops as O
from ...functional import image as _img
from . import _dtypes, _types
from ._base import as_graph_tensor
from .missing import module_getattr

__all__ = ["ResizeMethod", "convert_image_dtype", "flip_left_right", "per_image_standardization",
           "random_flip_left_right", "resize_bilinear", "resize_images", "resize_nearest_neighbor"]


class ResizeMethod:
    """tf.image.ResizeMethod: the interpolation of :func:`resize_images`."""

    BILINEAR = 0
    NEAREST_NEIGHBOR = 1
    BICUBIC = 2
    AREA = 3


def _batch(images, what):
    """(4-D tensor, was it a single 3-D image)."""
    x = as_graph_tensor(images)
    if x.shape is None or len(x.shape) not in (3, 4):
        shape = "an unknown rank" if x.shape is None else f"shape {_types.TensorShape(x.shape)}"
        raise ValueError(f"{what}: images must be 4-D (batch, height, width, channels) or 3-D (height, width, "
                         f"channels), got {shape}")
    return (O.expand_dims(x, 0), True) if len(x.shape) == 3 else (x, False)


def _static_size(size, what):
    from .array_ops import _static

    s = np.asarray(_static(size, f"{what} size")).reshape(-1)
    if s.size != 2:
        raise ValueError(f"{what}: size must be a 1-D list of 2 ints (new_height, new_width), got {size!r}")
    return int(s[0]), int(s[1])


def _scoped(scope, node, build):
    from .mask_ops import _scoped as scoped

    return scoped(scope, node, build)


def resize_bilinear(images, size, align_corners=False, name=None, half_pixel_centers=False):
    """tf.image.resize_bilinear(images, size): bilinear resize of NHWC images (float32 result)."""
    if half_pixel_centers:
        from .array_ops import _unsupported

        _unsupported("tf.image.resize_bilinear", "with half_pixel_centers=True", "use the TF 1.x default (False)")
    x, _ = _batch(images, "tf.image.resize_bilinear")
    return _img.resize_bilinear(x, _static_size(size, "tf.image.resize_bilinear"), bool(align_corners))


def resize_nearest_neighbor(images, size, align_corners=False, name=None, half_pixel_centers=False):
    """tf.image.resize_nearest_neighbor(images, size): nearest-neighbour resize of NHWC images (same dtype)."""
    if half_pixel_centers:
        from .array_ops import _unsupported

        _unsupported("tf.image.resize_nearest_neighbor", "with half_pixel_centers=True",
                     "use the TF 1.x default (False)")
    x, _ = _batch(images, "tf.image.resize_nearest_neighbor")
    return _img.resize_nearest(x, _static_size(size, "tf.image.resize_nearest_neighbor"), bool(align_corners))


def resize_images(images, size, method=ResizeMethod.BILINEAR, align_corners=False, preserve_aspect_ratio=False,
                  name=None):
    """tf.image.resize_images(images, size, method=BILINEAR): NHWC or HWC images resized to ``size``.

    BILINEAR gives float32 (as TF); NEAREST_NEIGHBOR keeps the dtype. BICUBIC,
    AREA and preserve_aspect_ratio are not supported (a NotImplementedError says so).
    """
    from .array_ops import _unsupported

    if preserve_aspect_ratio:
        _unsupported("tf.image.resize_images", "with preserve_aspect_ratio=True", "give the exact size")
    kinds = {ResizeMethod.BILINEAR: "ResizeBilinear", ResizeMethod.NEAREST_NEIGHBOR: "ResizeNearestNeighbor"}
    if method not in kinds:
        _unsupported("tf.image.resize_images", f"with method={method!r}", "use ResizeMethod.BILINEAR or "
                     "ResizeMethod.NEAREST_NEIGHBOR")
    x, single = _batch(images, "tf.image.resize_images")
    hw = _static_size(size, "tf.image.resize_images")
    fn = _img.resize_bilinear if method == ResizeMethod.BILINEAR else _img.resize_nearest

    def build():
        y = fn(x, hw, bool(align_corners))
        return O.squeeze(y, 0) if single else y

    return _scoped(name or "resize", "Squeeze" if single else kinds[method], build)


def flip_left_right(image):
    """tf.image.flip_left_right: the image(s) mirrored along the width."""
    x, single = _batch(image, "tf.image.flip_left_right")
    y = _img.flip_left_right(x)
    return O.squeeze(y, 0) if single else y


def random_flip_left_right(image, seed=None):
    """tf.image.random_flip_left_right(image, seed): each image mirrored along the width with probability 1/2,
    drawn anew every time the graph runs (one draw per image of a batch)."""
    from .array_ops import random_uniform, shape

    x, single = _batch(image, "tf.image.random_flip_left_right")
    n = [1] if single else O.getitem(as_graph_tensor(shape(x)), slice(0, 1))
    u = as_graph_tensor(random_uniform(n, 0.0, 1.0, seed=seed))
    flip = O.reshape(O.less(u, 0.5), (-1, 1, 1, 1))

    def build():
        y = O.where(flip, _img.flip_left_right(x), x)
        return O.squeeze(y, 0) if single else y

    return _scoped("random_flip_left_right", "Merge" if single else "add", build)


def per_image_standardization(image):
    """tf.image.per_image_standardization: each image to mean 0, variance 1 (``max(std, 1/sqrt(n))``)."""
    x, single = _batch(image, "tf.image.per_image_standardization")
    y = _img.per_image_standardization(x)
    return O.squeeze(y, 0) if single else y


def convert_image_dtype(image, dtype, saturate=False, name=None):
    """tf.image.convert_image_dtype(image, dtype, saturate=False): integers <-> floats in [0, 1] (TF's scaling)."""
    d = _dtypes.np_dtype(dtype)
    try:
        return _img.convert_image_dtype(as_graph_tensor(image), d, bool(saturate))
    except TypeError as e:
        raise TypeError(f"tf.image.convert_image_dtype: {e}") from None


_types.export(globals(), default_names={"resize_bilinear": "ResizeBilinear",
                                        "resize_nearest_neighbor": "ResizeNearestNeighbor",
                                        "per_image_standardization": "per_image_standardization",
                                        "convert_image_dtype": "convert_image", "flip_left_right": "flip_left_right"},
              scope_names=("resize_images", "random_flip_left_right"))

__getattr__ = module_getattr(__name__, "tf.image")
