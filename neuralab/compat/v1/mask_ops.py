"""TF 1.x's masking, N-d gather/scatter, unique and segment ops over :mod:`neuralab.ops.masking`.

``tf.sequence_mask``, ``tf.boolean_mask``, ``tf.gather_nd``, ``tf.scatter_nd``,
``tf.unique``, ``tf.unsorted_segment_sum`` (also ``tf.math.``), ``tf.segment_sum``,
``tf.segment_mean``, ``tf.segment_max``: each converts its arguments and calls
the native op (no math here); results are named as TF names them
(``SequenceMask/Less:0``, ``boolean_mask/GatherV2:0``, ``GatherNd:0``, ``Unique:0``/``Unique:1``).
"""
from __future__ import annotations

import collections

import numpy as np

from ..._core import graph as _graph
from ..._core.tensor import Tensor
from ... import ops as O
from ...ops import masking as M
from . import _dtypes, _types
from ._base import as_graph_tensor, as_tensor

__all__ = ["boolean_mask", "gather_nd", "scatter_nd", "segment_max", "segment_mean", "segment_sum", "sequence_mask",
           "unique", "unsorted_segment_sum"]

#: tf.unique's result: the distinct values and each element's position among them
UniqueResult = collections.namedtuple("Unique", ["y", "idx"])


def _scoped(scope, node, build):
    """Run ``build()`` in name scope ``scope`` and name its first new node ``scope/node`` (TF's composite names)."""
    from ..._core import op as _opmod

    with _graph.get_default_graph().name_scope(scope):
        mark = _opmod.new_id()
        out = build()
        _types._rename(out, mark, node)
    return out


def _ints(x, what, dtype=None):
    t = as_graph_tensor(x, dtype)
    if t.dtype.kind not in "iu":
        raise TypeError(f"{what} must be an integer tensor, got {_dtypes.as_dtype(t.dtype).name} "
                        f"(shape {_types.TensorShape(t.shape)})")
    return t


def _maybe_static_int(x):
    """A Python int for an int / concrete scalar / Const node; else the tensor."""
    from .array_ops import _const_value

    x = as_tensor(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, Tensor):
        c = x.numpy() if x.data is not None else _const_value(x)
        if c is not None and np.ndim(c) == 0:
            return int(c)
        return x
    return int(np.asarray(x))


def sequence_mask(lengths, maxlen=None, dtype=_dtypes.bool, name=None):
    """tf.sequence_mask(lengths, maxlen=None, dtype=tf.bool): ``range(maxlen) < lengths[..., None]``.

    Shape ``lengths.shape + (maxlen,)``; ``maxlen=None`` is ``max(lengths)``,
    known when the graph runs (the last size is then ``?``).
    """
    d = _dtypes.np_dtype(dtype, np.bool_)
    lens = _ints(lengths, "tf.sequence_mask: lengths")
    m = None if maxlen is None else _maybe_static_int(maxlen)

    def build():
        mask = _scoped_node(lambda: M.sequence_mask(lens, m), "Less")
        return mask if d == np.dtype(bool) else _scoped_node(lambda: O.cast(mask, d), "Cast")

    with _graph.get_default_graph().name_scope(name or "SequenceMask"):
        return build()


def _scoped_node(build, node):
    """``build()`` with its first new node named ``node`` in the current name scope."""
    from ..._core import op as _opmod

    mark = _opmod.new_id()
    out = build()
    _types._rename(out, mark, node)
    return out


def boolean_mask(tensor, mask, name="boolean_mask", axis=None):
    """tf.boolean_mask(tensor, mask, axis=None): the entries of ``tensor`` where the bool ``mask`` is True.

    The mask's rank must be known (its sizes may be ``?``); its dimensions,
    ``tensor.shape[axis:axis + mask.ndim]``, become one of run-time size. The
    gradient is scattered back into the masked positions.
    """
    x = as_graph_tensor(tensor)
    m = as_graph_tensor(mask, _dtypes.bool)
    if m.shape is None:
        raise ValueError("tf.boolean_mask: the number of mask dimensions must be known (shape=[None] is fine, "
                         "shape=None is not)")
    if m.dtype.kind != "b":
        raise TypeError(f"tf.boolean_mask: mask must be a bool tensor, got {_dtypes.as_dtype(m.dtype).name}")
    ax = 0 if axis is None else _maybe_static_int(axis)
    if not isinstance(ax, int):
        from .array_ops import _unsupported

        _unsupported("tf.boolean_mask", "with an axis computed at run time", "give axis as a Python int")
    return _scoped(name or "boolean_mask", "GatherV2", lambda: M.boolean_mask(x, m, ax))


def gather_nd(params, indices, name=None, batch_dims=0):
    """tf.gather_nd(params, indices): ``params[indices[..., 0], ..., indices[..., m-1]]`` for each index tuple.

    Shape ``indices.shape[:-1] + params.shape[m:]`` with ``m = indices.shape[-1]``;
    the gradient w.r.t. params is a scatter-add (:func:`scatter_nd`).
    """
    if batch_dims:
        from .array_ops import _unsupported

        _unsupported("tf.gather_nd", f"with batch_dims={batch_dims}", "use batch_dims=0 (index tuples that start "
                     "with the batch index)")
    return M.gather_nd(as_graph_tensor(params), _ints(indices, "tf.gather_nd: indices"))


def scatter_nd(indices, updates, shape, name=None):
    """tf.scatter_nd(indices, updates, shape): zeros of ``shape`` with ``updates`` added at the index tuples.

    ``shape``: a list or a 1-D integer tensor (possibly computed at run time);
    repeated indices sum. The gradient w.r.t. updates is ``tf.gather_nd``.
    """
    from .array_ops import _shape_arg

    dims = _shape_arg(shape, "tf.scatter_nd shape")
    return M.scatter_nd(_ints(indices, "tf.scatter_nd: indices"), as_graph_tensor(updates), dims)


def unique(x, out_idx=_dtypes.int32, name=None):
    """tf.unique(x): ``(y, idx)``, the distinct values of the 1-D ``x`` in order of first appearance and
    ``x == y[idx]``. No gradient."""
    y, idx = M.unique(as_graph_tensor(x), out_idx=_dtypes.np_dtype(out_idx, np.int32))
    op = y._op
    if name and op is not None and getattr(op, "graph", None) is not None:
        op.name = op.graph.unique_name(name)
    return UniqueResult(_types.wrap(y), _types.wrap(idx))


def _segment_data(data, segment_ids, what):
    return as_graph_tensor(data), _ints(segment_ids, f"{what}: segment_ids")


def unsorted_segment_sum(data, segment_ids, num_segments, name=None):
    """tf.unsorted_segment_sum(data, segment_ids, num_segments): ``y[s] = sum of data[i...] where
    segment_ids[i...] == s`` for ids in any order (negative ids are dropped)."""
    d, ids = _segment_data(data, segment_ids, "tf.unsorted_segment_sum")
    n = _maybe_static_int(num_segments)
    return M.unsorted_segment_sum(d, ids, n)


def segment_sum(data, segment_ids, name=None):
    """tf.segment_sum(data, segment_ids): sums over runs of equal, sorted ids (``ids[-1] + 1`` rows)."""
    return M.segment_sum(*_segment_data(data, segment_ids, "tf.segment_sum"))


def segment_mean(data, segment_ids, name=None):
    """tf.segment_mean(data, segment_ids): means over runs of equal, sorted ids (empty segments are 0)."""
    return M.segment_mean(*_segment_data(data, segment_ids, "tf.segment_mean"))


def segment_max(data, segment_ids, name=None):
    """tf.segment_max(data, segment_ids): maxima over runs of equal, sorted ids (empty segments are 0; the
    gradient is split among tied maxima)."""
    return M.segment_max(*_segment_data(data, segment_ids, "tf.segment_max"))


# (gather_nd, scatter_nd and the segment ops' nodes already have TF's types as their names)
_types.export(globals(), default_names={"segment_mean": "SegmentMean"},
              scope_names=("sequence_mask", "boolean_mask", "unique"))
