"""Reductions: sum, mean, prod, max/min (ties share the gradient), logsumexp, any/all, argmax/argmin,
and the scans along one axis: cumsum and top_k."""
from __future__ import annotations

import builtins

import numpy as np

from .._core.errors import DTypeError, ShapeError
from .._core.op import Op, Spec, fmt_shape, normalize_axis
from .elementwise import cast, divide, equal, exp, multiply, subtract, where
from .shape import TakeAlongAxisGrad, expand_dims, ones_like


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


class Prod(_Reduce):
    """Product over ``axis`` (all axes when None).

    Gradient: d prod(x) / d x_i is the product of the *other* elements, computed
    by :class:`ProdOfOthers` from exclusive cumulative products (never as
    prod(x) / x_i, which is 0/0 where x_i == 0): exact when x holds zeros.
    """

    def forward(self, xp, x):
        return (x.prod(axis=None if self.axis is None else self._axes(x.ndim), keepdims=self.keepdims),)

    def _dtype(self, d):
        return np.prod(np.zeros(0, d)).dtype  # NumPy's accumulator type, as for sum

    def backward(self, g):
        x = self.inputs[0]
        axes = self._axes(x.ndim)  # (unknown rank: TypeError, and the core computes the gradient at run time)
        return (multiply(unreduce(g[0], x, self.axis, self.keepdims), prod_of_others(x, axes)),)


class ProdOfOthers(Op):
    """y_i = prod_{k != i} x_k along one ``axis``: the gradient of :func:`prod`, exact with zeros.

    Forward: the exclusive cumulative product from the left times the one from
    the right, y_i = (x_0 ... x_{i-1}) (x_{i+1} ... x_{n-1}), O(n), no division.

    Gradient (used only for second derivatives of prod): dy_i / dx_j =
    prod_{k not in {i, j}} x_k for i != j and 0 for i == j. It is built from
    this op itself on the n x n matrix M[j, k] = (1 if k == j else x_k), whose
    row j has x_j replaced by 1: prod_of_others(M, axis + 1)[j, i] =
    prod_{k not in {i, j}} x_k for i != j, and the diagonal is masked out. So
    every order of derivative stays exact with zeros, at O(n^2) memory for the
    second derivative along the axis.
    """

    nin = 1

    def __init__(self, axis=0):
        super().__init__(axis=axis)

    def forward(self, xp, x):
        (a,) = normalize_axis(self.opname, self.axis, x.ndim)
        xm = xp.moveaxis(x, a, -1)
        n = xm.shape[-1]
        left = xp.ones(xm.shape, dtype=x.dtype)
        right = xp.ones(xm.shape, dtype=x.dtype)
        if n > 1:
            xp.cumprod(xm[..., :-1], axis=-1, out=left[..., 1:])
            xp.cumprod(xm[..., :0:-1], axis=-1, out=right[..., -2::-1])
        xp.multiply(left, right, out=left)
        return (xp.ascontiguousarray(xp.moveaxis(left, -1, a)),)

    def infer(self, x):
        normalize_axis(self.opname, self.axis, len(x.shape))
        return (x,)

    def backward(self, g):
        x = self.inputs[0]
        (a,) = normalize_axis(self.opname, self.axis, x.ndim)
        iota = cumsum(ones_like(x), axis=a)  # 1..n along the axis, at run time
        eye = equal(expand_dims(iota, a + 1), expand_dims(iota, a))  # [.., j, k, ..]: j == k
        m = where(eye, 1, expand_dims(x, a))  # row j: x with x_j replaced by 1
        q = ProdOfOthers.apply(m, axis=a + 1)  # q[.., j, i, ..] = prod_{k != i, j} x_k (i != j)
        return (sum(where(eye, 0, multiply(expand_dims(g[0], a), q)), axis=a + 1),)


def prod_of_others(x, axes):
    """prod_{k != i} x_k over the group of ``axes`` (a tuple): one :class:`ProdOfOthers` per axis.

    For axes (A, b): the other elements of the group are the others in the same
    b-row, times every element of the other rows, so the result is
    ProdOfOthers_b(x) * prod_of_others(prod(x, b), A) (broadcast along b).
    """
    if not axes:
        return ones_like(x)
    y = ProdOfOthers.apply(x, axis=axes[-1])
    if len(axes) == 1:
        return y
    return multiply(y, prod_of_others(Prod.apply(x, axis=axes[-1], keepdims=True), axes[:-1]))


class _Logical(_Reduce):
    differentiable = False

    def _dtype(self, d):
        return np.dtype(bool)

    def backward(self, g):
        return (None,)


class Any(_Logical):
    """True where any element over ``axis`` is true (non-zero). Bool, no gradient."""

    def forward(self, xp, x):
        return (xp.any(x, axis=None if self.axis is None else self._axes(x.ndim), keepdims=self.keepdims),)


class All(_Logical):
    """True where every element over ``axis`` is true (non-zero). Bool, no gradient."""

    def forward(self, xp, x):
        return (xp.all(x, axis=None if self.axis is None else self._axes(x.ndim), keepdims=self.keepdims),)


class Cumsum(Op):
    """Running sums along ``axis`` (TF's ``tf.cumsum``): with x = [a, b, c],

    ====================  ===================
    default               [a, a+b, a+b+c]
    ``exclusive=True``    [0, a, a+b]
    ``reverse=True``      [a+b+c, b+c, c]
    both                  [b+c, c, 0]
    ====================  ===================

    Each exclusive sum is summed afresh (not the inclusive sum minus x, which
    would round differently). The dtype is NumPy's accumulator type (int32 ->
    int64, bool -> int64, floats unchanged). Gradient: the same scan of g in
    the opposite direction (``reverse`` flipped, ``exclusive`` kept).
    """

    nin = 1

    def __init__(self, axis=0, exclusive=False, reverse=False):
        super().__init__(axis=axis, exclusive=bool(exclusive), reverse=bool(reverse))

    def forward(self, xp, x):
        if x.ndim == 0:
            raise ShapeError(self._rank_msg())
        (a,) = normalize_axis(self.opname, self.axis, x.ndim)
        dt = np.cumsum(np.zeros(0, x.dtype)).dtype
        xm = xp.moveaxis(x, a, -1)
        if self.reverse:
            xm = xm[..., ::-1]
        if self.exclusive:
            out = xp.zeros(xm.shape, dtype=dt)
            if xm.shape[-1] > 1:
                xp.cumsum(xm[..., :-1], axis=-1, dtype=dt, out=out[..., 1:])
        else:
            out = xp.cumsum(xm, axis=-1, dtype=dt)
        if self.reverse:
            out = out[..., ::-1]
        return (xp.ascontiguousarray(xp.moveaxis(out, -1, a)),)

    def _rank_msg(self):
        return f"cumsum: needs a tensor of rank >= 1 to scan along axis {self.axis}, got shape ()"

    def infer(self, x):
        if len(x.shape) == 0:
            raise ShapeError(self._rank_msg())
        normalize_axis(self.opname, self.axis, len(x.shape))
        return (Spec(x.shape, np.cumsum(np.zeros(0, x.dtype)).dtype),)

    def backward(self, g):
        return (Cumsum.apply(g[0], axis=self.axis, exclusive=self.exclusive, reverse=not self.reverse),)


class TopK(Op):
    """The ``k`` largest entries along the last axis and their indices, largest first (TF's ``top_k``).

    Ties: equal values come in order of increasing index (TF's rule), so the
    result is fully determined. Outputs: values (x's dtype) and int64 indices,
    both of shape x.shape[:-1] + (k,). Gradient: g scattered back to the
    positions it was taken from (zeros elsewhere).
    """

    nin = 1
    nout = 2
    retain_outputs = True
    type = "TopKV2"

    def __init__(self, k=1):
        super().__init__(k=k)

    def forward(self, xp, x):
        if x.ndim == 0 or x.shape[-1] < self.k:
            raise ShapeError(self._size_msg(x.shape))
        n = x.shape[-1]
        # a stable ascending sort of the reversed row, read backwards: descending, and among equal
        # values the later position in the reversed row (the lower original index) comes first
        order = xp.argsort(x[..., ::-1], axis=-1, kind="stable")[..., ::-1][..., :self.k]
        idx = (n - 1) - order.astype(np.int64, copy=False)
        return xp.take_along_axis(x, idx, axis=-1), idx

    def _size_msg(self, shape):
        return (f"top_k: k = {self.k} needs a tensor of rank >= 1 whose last axis has at least k entries, "
                f"got shape {fmt_shape(shape)}")

    def infer(self, x):
        if len(x.shape) == 0 or (x.shape[-1] is not None and x.shape[-1] < self.k):
            raise ShapeError(self._size_msg(x.shape))
        if x.dtype.kind not in "fiub":
            raise DTypeError(f"top_k: expected a real number tensor, got {x.dtype}")
        shape = tuple(x.shape[:-1]) + (self.k,)
        return Spec(shape, x.dtype), Spec(shape, np.dtype(np.int64))

    def backward(self, g):
        if g[0] is None:
            return (None,)
        return (TakeAlongAxisGrad.apply(g[0], self.output(1), self.inputs[0], axis=-1, unique=True),)


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
            out = out / out.dtype.type(builtins.max(n, 1))  # (a NumPy scalar: CuPy takes scalars, not 0-d arrays)
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


def prod(x, axis=None, keepdims=False):
    """Product of elements over ``axis``; its gradient is exact where x holds zeros (product of the others).

    >>> nl.grad(lambda t: nl.prod(t))(nl.tensor([2.0, 0.0, 3.0])).numpy()
    array([0., 6., 0.], dtype=float32)
    """
    return Prod.apply(x, axis=axis, keepdims=keepdims)


def any(x, axis=None, keepdims=False):  # noqa: A001 - NumPy's name
    """Whether any element over ``axis`` is true / non-zero (bool, no gradient).

    >>> nl.any(nl.tensor([[True, False], [False, False]]), axis=1)
    Tensor([ True, False], dtype=bool)
    """
    return Any.apply(x, axis=axis, keepdims=keepdims)


def all(x, axis=None, keepdims=False):  # noqa: A001 - NumPy's name
    """Whether every element over ``axis`` is true / non-zero (bool, no gradient)."""
    return All.apply(x, axis=axis, keepdims=keepdims)


def cumsum(x, axis=None, exclusive=False, reverse=False):
    """Running sums along ``axis``; ``axis=None`` scans the flattened tensor (NumPy's default).

    ``exclusive=True`` leaves out the element itself (starts at 0), ``reverse=True``
    sums from the end (TF's ``tf.cumsum`` flags).

    >>> nl.cumsum(nl.tensor([1, 2, 3]), 0, exclusive=True, reverse=True)
    Tensor([5, 3, 0], dtype=int64)
    """
    if axis is None:
        from .shape import reshape

        x = reshape(x, (-1,))
        axis = 0
    return Cumsum.apply(x, axis=int(axis), exclusive=exclusive, reverse=reverse)


def top_k(x, k=1, sorted=True):  # noqa: A002 - TF's argument name
    """(values, indices) of the ``k`` largest entries along the last axis, largest first.

    Equal values are taken in order of increasing index (TF's rule). Indices
    are int64; values pass the gradient back to where they were taken.
    ``sorted=False`` is accepted (TF leaves the order open then) and gives the
    same sorted result.

    >>> nl.top_k(nl.tensor([1.0, 3.0, 3.0, 2.0]), 2)
    (Tensor([3., 3.], dtype=float32), Tensor([1, 2], dtype=int64))
    """
    k = int(k)
    if k < 0:
        raise ShapeError(f"top_k: k must be >= 0, got {k}")
    values, indices = TopK.apply(x, k=k)
    if indices.data is None and indices.dtype != np.int64:
        # x of unknown rank: the graph probes infer at sizes 1, where k > 1 does not fit, and falls back to
        # x's dtype for both outputs; the indices are int64 whatever x is
        indices._spec = Spec(indices.shape, np.dtype(np.int64))
    return values, indices
