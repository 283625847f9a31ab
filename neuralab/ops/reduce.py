"""Reductions: sum, mean, max/min (ties share the gradient), logsumexp, argmax/argmin."""
from __future__ import annotations

import builtins

import numpy as np

from .._core.op import Op, Spec, normalize_axis
from .elementwise import cast, divide, equal, exp, multiply, subtract


def _reduced_shape(opname, shape, axis, keepdims):
    axes = normalize_axis(opname, axis, len(shape))
    if keepdims:
        return tuple(1 if i in axes else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in axes)


class _Reduce(Op):
    nin = 1

    def __init__(self, axis=None, keepdims=False):
        super().__init__(axis=axis, keepdims=bool(keepdims))

    def infer(self, x):
        return (Spec(_reduced_shape(self.opname, x.shape, self.axis, self.keepdims), self._dtype(x.dtype)),)

    def _dtype(self, d):
        return d

    def _axes(self, ndim):
        return normalize_axis(self.opname, self.axis, ndim)


class Sum(_Reduce):
    """Sum over ``axis`` (all axes when None). Gradient: g broadcast back over the summed axes."""

    def forward(self, xp, x):
        # the array method skips np.sum's Python wrapper (~1.5 us on a tiny array)
        return (x.sum(axis=None if self.axis is None else self._axes(x.ndim), keepdims=self.keepdims),)

    def _dtype(self, d):
        return np.sum(np.zeros(0, d)).dtype  # NumPy's accumulator type (int64, uint64, ...)

    def backward(self, g):
        return (unreduce(g[0], self.inputs[0], self.axis, self.keepdims),)


class Mean(_Reduce):
    """Arithmetic mean over ``axis``. Gradient: g / n broadcast back."""

    def forward(self, xp, x):
        if x.dtype.kind not in "fc":
            from .._core.dtypes import default_float

            x = x.astype(default_float())
        return (xp.mean(x, axis=self._axes(x.ndim), keepdims=self.keepdims),)

    def _dtype(self, d):
        from .._core.dtypes import default_float

        return d if d.kind in "fc" else default_float()

    def backward(self, g):
        return (unreduce(g[0], self.inputs[0], self.axis, self.keepdims, mean=True),)


class Max(_Reduce):
    """Maximum over ``axis``.

    Tie rule: when several entries share the maximum, the gradient is split
    equally among them (as TF's reduce_max and torch's amax do).
    """

    retain_outputs = True

    def forward(self, xp, x):
        return (xp.max(x, axis=self._axes(x.ndim), keepdims=self.keepdims),)

    def backward(self, g):
        x = self.inputs[0]
        y = unreduce(self.output(0), x, self.axis, self.keepdims)
        mask = cast(equal(x, y), x.dtype)
        from .reduce import sum as _sum

        count = _sum(mask, axis=self.axis, keepdims=True)
        return (multiply(divide(mask, count), unreduce(g[0], x, self.axis, self.keepdims)),)


class Min(Max):
    """Minimum over ``axis`` (ties share the gradient equally, like max)."""

    def forward(self, xp, x):
        return (xp.min(x, axis=self._axes(x.ndim), keepdims=self.keepdims),)


class Logsumexp(_Reduce):
    """log(sum(exp(x))) over ``axis``, computed stably by shifting by the max.

    Gradient: g * softmax(x) = g * exp(x - logsumexp(x)).
    """

    retain_outputs = True

    def forward(self, xp, x):
        axes = self._axes(x.ndim)
        m = xp.max(x, axis=axes, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0)
        s = xp.log(xp.sum(xp.exp(x - m), axis=axes, keepdims=True)) + m
        if not self.keepdims:
            s = xp.squeeze(s, axis=axes)
        return (s.astype(x.dtype, copy=False),)

    def infer(self, x):
        from . import _util

        _util.floating(self.opname, x)
        return super().infer(x)

    def backward(self, g):
        x = self.inputs[0]
        y = unreduce(self.output(0), x, self.axis, self.keepdims)
        return (multiply(unreduce(g[0], x, self.axis, self.keepdims), exp(subtract(x, y))),)


class Unreduce(Op):
    """Broadcast a reduced gradient back over the reduced axes of ``like`` (optionally / n).

    The backward of every reduction; works when ``like``'s shape is known only at run time.
    """

    nin = 2
    nondiff_inputs = (1,)

    def __init__(self, axis=None, keepdims=False, mean=False):
        super().__init__(axis=axis, keepdims=bool(keepdims), mean=bool(mean))

    def forward(self, xp, g, like):
        axes = normalize_axis(self.opname, self.axis, like.ndim)
        shape = like.shape
        if not self.keepdims:  # a reshape is a C call; np.expand_dims is ~3 us of Python
            g = g.reshape(tuple(1 if i in axes else d for i, d in enumerate(shape)))
        if like.size <= 4096:  # small: a filled array is cheaper than np.broadcast_to (~3 us of Python)
            out = xp.empty(shape, dtype=g.dtype)
            out[...] = g
        else:
            out = xp.broadcast_to(g, shape)
        if self.mean:
            n = 1
            for a in axes:
                n *= like.shape[a]
            out = out / np.asarray(builtins.max(n, 1), dtype=out.dtype)
        return (out,)

    def infer(self, g, like):
        return (Spec(like.shape, g.dtype),)

    def backward(self, gg):
        red = Mean if self.mean else Sum
        return red.apply(gg[0], axis=self.axis, keepdims=self.keepdims), None


class _Arg(Op):
    nin = 1
    differentiable = False

    def __init__(self, axis=None):
        super().__init__(axis=axis)

    def infer(self, x):
        if self.axis is None:
            return (Spec((), np.dtype(np.int64)),)
        return (Spec(_reduced_shape(self.opname, x.shape, self.axis, False), np.dtype(np.int64)),)

    def backward(self, g):
        return (None,)


class Argmax(_Arg):
    """Index of the maximum along ``axis`` (flat index when None). No gradient."""

    def forward(self, xp, x):
        return (xp.argmax(x, axis=self.axis).astype(np.int64, copy=False),)


class Argmin(_Arg):
    """Index of the minimum along ``axis`` (flat index when None). No gradient."""

    def forward(self, xp, x):
        return (xp.argmin(x, axis=self.axis).astype(np.int64, copy=False),)


def sum(x, axis=None, keepdims=False):  # noqa: A001 - NumPy's name
    """Sum of elements over ``axis`` (an int, a tuple, or None for all)."""
    return Sum.apply(x, axis=axis, keepdims=keepdims)


def mean(x, axis=None, keepdims=False):
    """Mean of elements over ``axis``."""
    return Mean.apply(x, axis=axis, keepdims=keepdims)


def max(x, axis=None, keepdims=False):  # noqa: A001
    """Maximum over ``axis``; tied maxima share the gradient equally."""
    return Max.apply(x, axis=axis, keepdims=keepdims)


def min(x, axis=None, keepdims=False):  # noqa: A001
    """Minimum over ``axis``; tied minima share the gradient equally."""
    return Min.apply(x, axis=axis, keepdims=keepdims)


def logsumexp(x, axis=None, keepdims=False):
    """log(sum(exp(x), axis)), stable for large |x| (shifts by the maximum first)."""
    return Logsumexp.apply(x, axis=axis, keepdims=keepdims)


def argmax(x, axis=None):
    """Index of the largest element along ``axis`` (int64, no gradient)."""
    return Argmax.apply(x, axis=axis)


def argmin(x, axis=None):
    """Index of the smallest element along ``axis`` (int64, no gradient)."""
    return Argmin.apply(x, axis=axis)


def unreduce(g, like, axis=None, keepdims=False, mean=False):
    """Broadcast reduced ``g`` back to ``like``'s shape (divided by the count if ``mean``)."""
    return Unreduce.apply(g, like, axis=axis, keepdims=keepdims, mean=mean)
