"""Indexing primitives for sequence models: row lookup (embeddings) and unstacking along an axis.

``take(params, indices)`` gathers rows of ``params`` along its first axis:

    y[k..., :] = params[indices[k...], :]      y.shape = indices.shape + params.shape[1:]

It is the one gather that ``neuralab.nn.Embedding``, :func:`embedding` (PyTorch's
``F.embedding`` argument order) and compat's ``tf.nn.embedding_lookup`` share.
Every index must lie in ``[0, len(params))`` (no wrap-around for negative
indices, as in PyTorch and TF on CPU); a bad index raises
:class:`IndexRangeError` naming the op, the index and the table size, eagerly and
when a graph runs. The gradient is a scatter-add (:class:`TakeGrad`): row ``r``
of ``d params`` is the sum of the output gradients of every position that read
row ``r``. With ``padding_idx`` the rows read through that index get no
gradient, as in PyTorch (the forward still returns the row's values).

Why a primitive: ``getitem`` with an index array scatters its gradient with
``numpy.add.at``, which costs 1.3 ms for 3200 lookups of 64-float rows in a
60-row table; sorting the indices once and summing runs of equal indices with
``add.reduceat`` takes 0.22 ms (2.6 ms vs 1.7 ms for a 10 000-row table).

``unstack(x, axis)`` returns the ``n = x.shape[axis]`` slices along ``axis`` as
views, and its gradient stacks the slices' gradients into one array (zeros for
slices that got none). A recurrent layer reads its precomputed input
projection one time step at a time this way; with ``getitem`` every step's
gradient would be a full-size array of zeros with one slice filled, summed over
the steps (T allocations of the whole sequence instead of one).
"""
from __future__ import annotations

import numpy as np

from .._core.errors import DTypeError, NeuralabError, ShapeError
from .._core.op import Op, Spec, fmt_shape, normalize_axis
from . import elementwise as E, shape as S

__all__ = ["IndexRangeError", "Take", "TakeGrad", "Unstack", "embedding", "take", "unstack"]


class IndexRangeError(NeuralabError, IndexError):
    """An index outside the table it looks up (raised eagerly and when a graph runs)."""


def _check_indices(what: str, spec: Spec):
    if spec.dtype.kind not in "iu":
        raise DTypeError(f"{what}: indices must be integers, got {spec.dtype}")


def _check_params(what: str, spec: Spec):
    if spec.shape is not None and len(spec.shape) == 0:
        raise ShapeError(f"{what}: params (the table) must be at least 1-D, got shape ()")


class Take(Op):
    """Rows of ``params`` (axis 0) at integer ``indices``: shape ``indices.shape + params.shape[1:]``.

    Attributes: ``padding_idx`` (None or a row whose lookups pass no gradient)
    and ``what`` (the name errors give: ``"take"`` or ``"embedding"``).
    Gradient: ``take_grad`` (scatter-add of g into zeros shaped like params).
    """

    nin = 2
    nondiff_inputs = (1,)
    type = "GatherV2"

    def __init__(self, padding_idx=None, what="take"):
        super().__init__(padding_idx=padding_idx, what=what)

    def forward(self, xp, params, indices):
        n = params.shape[0]
        if indices.size:
            lo, hi = indices.min(), indices.max()
            if lo < 0 or hi >= n:
                bad = lo if lo < 0 else hi
                raise IndexRangeError(f"{self.what}: index {int(bad)} is out of range for a table of {n} rows "
                                      f"(params of shape {fmt_shape(params.shape)}); indices must lie in [0, {n})")
        return (xp.take(params, indices, axis=0),)

    def infer(self, params, indices):
        _check_params(self.what, params)
        _check_indices(self.what, indices)
        if params.shape is None or indices.shape is None:
            return (Spec(None, params.dtype),)
        return (Spec(tuple(indices.shape) + tuple(params.shape[1:]), params.dtype),)

    def backward(self, g):
        params, indices = self.inputs
        return TakeGrad.apply(g[0], indices, params, padding_idx=self.padding_idx), None


def scatter_add_rows(xp, g, indices, n_rows: int, padding_idx=None):
    """zeros((n_rows,) + rest) with ``g[k...]`` added into row ``indices[k...]`` (rows at padding_idx stay 0).

    Sorts the flat indices once (stable, so sums run in a fixed order) and adds
    each run of equal indices with ``add.reduceat``: one pass, no ``add.at``.
    """
    flat = indices.reshape(-1)
    rows = g.reshape((flat.size,) + g.shape[indices.ndim:])
    out = xp.zeros((n_rows,) + rows.shape[1:], dtype=g.dtype)
    if flat.size == 0:
        return out
    if xp is not np:  # array modules without reduceat
        xp.add.at(out, flat, rows)
    else:
        order = np.argsort(flat, kind="stable")
        s = flat[order]
        starts = np.flatnonzero(np.concatenate(([True], s[1:] != s[:-1])))
        out[s[starts]] = np.add.reduceat(rows[order], starts, axis=0)
    if padding_idx is not None:
        out[padding_idx] = 0
    return out


class TakeGrad(Op):
    """The gradient of :class:`Take`: scatter-add ``g`` into zeros shaped like ``like`` at ``indices``.

    Row ``padding_idx`` (if set) stays zero. Gradient w.r.t. g: ``take(gg, indices)``
    with the positions reading ``padding_idx`` zeroed (take_grad is linear in g).
    """

    nin = 3
    nondiff_inputs = (1, 2)
    type = "UnsortedSegmentSum"

    def __init__(self, padding_idx=None):
        super().__init__(padding_idx=padding_idx)

    def forward(self, xp, g, indices, like):
        if g.shape != indices.shape + like.shape[1:]:
            self.infer(Spec(g.shape, g.dtype), Spec(indices.shape, indices.dtype), Spec(like.shape, like.dtype))
        return (scatter_add_rows(xp, g, indices, like.shape[0], self.padding_idx),)

    def infer(self, g, indices, like):
        _check_indices(self.opname, indices)
        _check_params(self.opname, like)
        if g.shape is not None and indices.shape is not None and like.shape is not None:
            want = tuple(indices.shape) + tuple(like.shape[1:])
            if len(g.shape) != len(want) or any(a is not None and b is not None and a != b
                                                for a, b in zip(g.shape, want)):
                raise ShapeError(f"take_grad: g of shape {fmt_shape(g.shape)} does not fit indices of shape "
                                 f"{fmt_shape(indices.shape)} into a table of shape {fmt_shape(like.shape)} "
                                 f"(expected {fmt_shape(want)})")
        return (Spec(like.shape, g.dtype),)

    def backward(self, gg):
        g, indices, _ = self.inputs
        y = Take.apply(gg[0], indices)
        if self.padding_idx is not None:
            keep = E.not_equal(indices, self.padding_idx)
            if g.ndim > indices.ndim:
                keep = S.expand_dims(keep, tuple(range(-(g.ndim - indices.ndim), 0)))
            y = E.where(keep, y, 0)
        return y, None, None


def _padding(what, padding_idx, params):
    if padding_idx is None:
        return None
    p = int(padding_idx)
    n = params.shape[0] if params.shape is not None else None
    if n is None:
        if p < 0:
            raise ShapeError(f"{what}: a negative padding_idx ({p}) needs the table size, which is unknown")
        return p
    if not -n <= p < n:
        raise ShapeError(f"{what}: padding_idx {p} is out of range for a table of {n} rows")
    return p % n


def take(params, indices, padding_idx=None):
    """Rows ``params[indices]`` along axis 0 (a gather); shape ``indices.shape + params.shape[1:]``.

    ``indices``: integers in ``[0, len(params))`` of any shape (an
    IndexRangeError names a bad one). ``padding_idx``: lookups of that row pass
    no gradient to it. The gradient w.r.t. ``params`` is a scatter-add.

    >>> take(nl.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), [2, 0, 2]).numpy().tolist()
    [[5.0, 6.0], [1.0, 2.0], [5.0, 6.0]]
    """
    from .._core.tensor import Tensor

    params = params if isinstance(params, Tensor) else Tensor(params)
    if not isinstance(indices, Tensor):
        indices = np.asarray(indices)
        if indices.dtype.kind not in "iu":
            raise DTypeError(f"take: indices must be integers, got {indices.dtype}")
    return Take.apply(params, indices, padding_idx=_padding("take", padding_idx, params))


def embedding(indices, weight, padding_idx=None):
    """Embedding lookup ``weight[indices]`` (PyTorch's ``F.embedding`` argument order): :func:`take` on a
    ``(num_embeddings, embedding_dim)`` table, errors naming ``embedding``.

    >>> embedding([[0, 2]], nl.tensor(np.eye(3))).numpy().tolist()
    [[[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]]
    """
    from .._core.tensor import Tensor

    weight = weight if isinstance(weight, Tensor) else Tensor(weight)
    if weight.shape is not None and len(weight.shape) != 2:
        raise ShapeError(f"embedding: weight must be 2-D (num_embeddings, embedding_dim), got shape "
                         f"{fmt_shape(weight.shape)}")
    if not isinstance(indices, Tensor):
        indices = np.asarray(indices)
        if indices.dtype.kind not in "iu":
            raise DTypeError(f"embedding: indices must be integers, got {indices.dtype}")
    return Take.apply(weight, indices, padding_idx=_padding("embedding", padding_idx, weight), what="embedding")


class Unstack(Op):
    """The ``num`` slices of x along ``axis`` (views). Gradient: the slices' gradients stacked along ``axis``."""

    nin = 1
    retain_outputs = True  # (views of x: free to keep) shapes and dtypes for slices without a gradient

    def __init__(self, axis=0, num=1):
        super().__init__(axis=axis, num=num, nout=num)

    def forward(self, xp, x):
        ax = self.axis % x.ndim
        if x.shape[ax] != self.num:
            raise ShapeError(f"unstack: axis {self.axis} of a tensor of shape {fmt_shape(x.shape)} has size "
                             f"{x.shape[ax]}, not {self.num}")
        if ax == 0:
            return tuple(x[i] for i in range(self.num))
        pre = (slice(None),) * ax
        return tuple(x[pre + (i,)] for i in range(self.num))

    def infer(self, x):
        if x.shape is None:
            raise ShapeError("unstack: the input's rank must be known")
        (ax,) = normalize_axis(self.opname, self.axis, len(x.shape))
        if x.shape[ax] is not None and x.shape[ax] != self.num:
            raise ShapeError(f"unstack: axis {self.axis} of a tensor of shape {fmt_shape(x.shape)} has size "
                             f"{x.shape[ax]}, not {self.num}")
        rest = tuple(d for i, d in enumerate(x.shape) if i != ax)
        return tuple(Spec(rest, x.dtype) for _ in range(self.num))

    def backward(self, grads):
        ax = self.axis % self.inputs[0].ndim
        parts = [S.expand_dims(g if g is not None else S.zeros_like(self.output(i)), ax)
                 for i, g in enumerate(grads)]
        return (S.concatenate(parts, axis=ax),)


def unstack(x, axis=0):
    """The slices of ``x`` along ``axis`` as a tuple of tensors (views; ``x.shape[axis]`` must be known).

    >>> [t.numpy().tolist() for t in unstack(nl.tensor([[1.0, 2.0], [3.0, 4.0]]))]
    [[1.0, 2.0], [3.0, 4.0]]
    """
    from .._core.tensor import Tensor

    x = x if isinstance(x, Tensor) else Tensor(x)
    if x.shape is None or not x.shape:
        raise ShapeError(f"unstack: needs a tensor of rank >= 1, got shape "
                         f"{fmt_shape(x.shape) if x.shape is not None else '(unknown rank)'}")
    (ax,) = normalize_axis("unstack", axis, len(x.shape))
    n = x.shape[ax]
    if n is None:
        raise ShapeError(f"unstack: the size of axis {ax} must be known, got shape {fmt_shape(x.shape)}")
    if n == 0:
        return ()
    out = Unstack.apply(x, axis=ax, num=int(n))
    return out if isinstance(out, tuple) else (out,)
