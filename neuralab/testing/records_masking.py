"""OpInfo records for the masking, N-d gather/scatter, unique and segment ops (``neuralab/ops/masking.py``).

Conventions (as in ``records_core``): ``notes["kind"]`` is ``"shape"``. The
references are NumPy written independently of the ops: fancy indexing for the
masks and gathers, ``numpy.add.at`` for the scatters and sums, Python loops
over first appearances and segments for ``unique`` and the segment reductions.
The ops whose output size depends on the values (``boolean_mask``, ``unique``,
``segment_sum``, ``segment_max``: the static shape has an unknown dimension)
set ``graph=False`` here, and tests/compat/test_compat_gaps.py runs them in
graph mode with unknown shapes.
"""
from __future__ import annotations

import numpy as np

import neuralab as nl

from .._core.errors import DTypeError, ShapeError
from ..ops.masking import BooleanMaskGrad, Range, ScatterNd, SegmentMax, SegmentSum, SequenceMask, UnsortedSegmentSum
from .opinfo import OpRecord, register

F32 = np.float32
_KIND = {"kind": "shape"}
I64 = np.int64


# -- sequence_mask ------------------------------------------------------------------------
_LENGTHS = [np.array([0, 3, 5, 1]), np.array([[2, 0], [4, 4]]), np.array(3), np.zeros((0,), I64)]


def _ref_sequence_mask(lengths):
    return np.arange(5) < np.asarray(lengths)[..., None]


register(OpRecord(
    name=SequenceMask.opname, fn=lambda lengths: nl.sequence_mask(lengths, 5), ref=_ref_sequence_mask,
    make_inputs=lambda rng, dtype: [[a.copy()] for a in _LENGTHS], differentiable=False,
    error_inputs=[([np.array([1.0, 2.0])], DTypeError, ("sequence_mask", "lengths", "float64"))], notes=_KIND))


# -- boolean_mask and its gradient -----------------------------------------------------------
#: (x shape, mask, axis)
_BMASK = [((4, 3), np.array([True, False, True, True]), 0), ((2, 3, 2), np.array([[True, False, True],
                                                                                    [False, False, True]]), 0),
          ((2, 3), np.array([False, True, True]), 1), ((3,), np.zeros(3, bool), 0)]
_BMASK_AXIS = {(4, 3): 0, (2, 3, 2): 0, (2, 3): 1, (3,): 0}


def _ref_boolean_mask(x, mask):
    a = _BMASK_AXIS[x.shape]
    return x[(slice(None),) * a + (mask,)]


register(OpRecord(
    name="boolean_mask", fn=lambda x, m: nl.boolean_mask(x, m, _BMASK_AXIS[tuple(x.shape)]), ref=_ref_boolean_mask,
    make_inputs=lambda rng, dtype: [[rng.uniform(-2, 2, size=s).astype(dtype), m.copy()] for s, m, _ in _BMASK],
    graph=False,
    error_inputs=[([np.zeros((4, 3), F32), np.zeros(3, bool)], ShapeError, ("boolean_mask", "(3,)", "(4, 3)")),
                  ([np.zeros((4, 3), F32), np.zeros(4, F32)], DTypeError, ("boolean_mask", "bool", "float32"))],
    notes=_KIND))


def _bmask_grad_inputs(rng, dtype):
    out = []
    for s, m, a in _BMASK:
        g = np.zeros(s, dtype)[(slice(None),) * a + (m,)]
        out.append([rng.uniform(-2, 2, size=g.shape).astype(dtype), m.copy(), np.zeros(s, dtype)])
    return out


def _ref_bmask_grad(g, mask, like):
    out = np.zeros(like.shape, g.dtype)
    out[(slice(None),) * _BMASK_AXIS[like.shape] + (mask,)] = g
    return out


register(OpRecord(
    name=BooleanMaskGrad.opname,
    fn=lambda g, m, like: BooleanMaskGrad.apply(g, m, like, axis=_BMASK_AXIS[tuple(like.shape)]),
    ref=_ref_bmask_grad, make_inputs=_bmask_grad_inputs,
    error_inputs=[([np.zeros((2, 3), F32), np.zeros(3, bool), np.zeros((4, 3), F32)], ShapeError,
                   ("boolean_mask_grad", "(3,)", "(4, 3)"))],
    notes=_KIND))


# -- gather_nd / scatter_nd -----------------------------------------------------------------
#: (params shape, indices): full tuples, partial tuples (slices), repeated tuples, a single tuple
_GND = [((4, 5), np.array([[0, 1], [3, 4], [0, 1]])), ((3, 2, 2), np.array([[2], [0], [2]])),
        ((2, 3, 4), np.array([[[1, 2], [0, 0]]])), ((5,), np.array([4])), ((3, 2), np.zeros((0, 1), I64))]


def _ref_gather_nd(p, idx):
    return p[tuple(np.moveaxis(idx, -1, 0))]


register(OpRecord(
    name="gather_nd", fn=nl.gather_nd, ref=_ref_gather_nd,
    make_inputs=lambda rng, dtype: [[rng.uniform(-2, 2, size=s).astype(dtype), i.copy()] for s, i in _GND],
    error_inputs=[([np.zeros((3, 2), F32), np.zeros((2, 3), I64)], ShapeError, ("gather_nd", "3", "(3, 2)")),
                  ([np.zeros((3, 2), F32), np.zeros((2, 1), F32)], DTypeError, ("gather_nd", "float32"))],
    notes=_KIND))

#: scatter_nd's target shape, by the shape of its updates
_SND = {(3,): (4, 5), (3, 2, 2): (3, 2, 2), (1, 2, 4): (2, 3, 4), (): (5,), (0, 2): (3, 2)}


def _scatter_inputs(rng, dtype):
    out = []
    for s, idx in _GND:
        u = np.zeros(s)[tuple(np.moveaxis(idx, -1, 0))]
        out.append([idx.copy(), rng.uniform(-2, 2, size=u.shape).astype(dtype)])
    return out


def _ref_scatter_nd(idx, u):
    out = np.zeros(_SND[u.shape], u.dtype)
    np.add.at(out, tuple(np.moveaxis(idx, -1, 0)), u)
    return out


register(OpRecord(
    name=ScatterNd.opname, fn=lambda i, u: nl.scatter_nd(i, u, _SND[tuple(u.shape)]), ref=_ref_scatter_nd,
    make_inputs=_scatter_inputs,
    error_inputs=[([np.zeros((2, 1), I64), np.zeros((3,), F32)], ShapeError, ("scatter_nd", "(3,)", "(2, 5)"))],
    notes=_KIND))


# -- unique ---------------------------------------------------------------------------------
def _ref_unique(x):
    vals, idx = [], []
    for v in x.tolist():
        if v not in vals:
            vals.append(v)
        idx.append(vals.index(v))
    return np.array(vals, dtype=x.dtype), np.array(idx, dtype=np.int32)


def _unique_inputs(rng, dtype):
    return [[rng.integers(0, 4, size=9).astype(dtype)], [np.array([2.5, -1.0, 2.5], dtype)], [np.zeros(0, dtype)],
            [np.array([7, 7, 1, 7], I64)]]


register(OpRecord(
    name="unique", fn=nl.unique, ref=_ref_unique, make_inputs=_unique_inputs, differentiable=False, graph=False,
    error_inputs=[([np.zeros((2, 2), F32)], ShapeError, ("unique", "1-D", "(2, 2)"))], notes=_KIND))


# -- segment reductions -----------------------------------------------------------------------
#: (data shape, segment ids) -- unsorted with a dropped negative id, 2-D ids, empty segments
_USEG = [((5, 2), np.array([2, 0, 2, -1, 3])), ((2, 3), np.array([[1, 1, 0], [3, 1, 0]])),
         ((4,), np.array([0, 0, 0, 0])), ((0, 3), np.zeros((0,), I64))]


def _ref_unsorted_segment_sum(data, ids):
    out = np.zeros((4,) + data.shape[ids.ndim:], data.dtype)
    keep = ids >= 0
    np.add.at(out, ids[keep], data[keep])
    return out


register(OpRecord(
    name=UnsortedSegmentSum.opname, fn=lambda d, i: nl.unsorted_segment_sum(d, i, 4), ref=_ref_unsorted_segment_sum,
    make_inputs=lambda rng, dtype: [[rng.uniform(-2, 2, size=s).astype(dtype), i.copy()] for s, i in _USEG],
    error_inputs=[([np.zeros((3, 2), F32), np.zeros(2, I64)], ShapeError, ("unsorted_segment_sum", "(2,)", "(3, 2)")),
                  ([np.zeros((3, 2), F32), np.zeros(3, F32)], DTypeError, ("unsorted_segment_sum", "float32"))],
    notes=_KIND))

#: sorted segment ids: a gap (empty segment 1), one segment, starting above 0, a single row
_SSEG = [((6, 2), np.array([0, 0, 2, 2, 2, 3])), ((3,), np.array([0, 0, 0])), ((4, 1, 2), np.array([1, 1, 2, 4])),
         ((1,), np.array([0]))]


def _ref_segment(reduce):
    def ref(data, ids):
        n = int(ids[-1]) + 1 if ids.size else 0
        out = np.zeros((n,) + data.shape[1:], data.dtype)
        for s in range(n):
            rows = data[ids == s]
            if len(rows):
                out[s] = reduce(rows)
        return out
    return ref


def _sseg_inputs(rng, dtype):
    return [[rng.uniform(-2, 2, size=s).astype(dtype), i.copy()] for s, i in _SSEG]


register(OpRecord(
    name=SegmentSum.opname, fn=nl.segment_sum, ref=_ref_segment(lambda r: r.sum(axis=0)), make_inputs=_sseg_inputs,
    graph=False,
    error_inputs=[([np.zeros((3, 1, 2), F32), np.zeros((3, 1), I64)], ShapeError,
                   ("segment_sum", "1-D", "(3, 1)"))],
    notes=_KIND))
register(OpRecord(
    name=SegmentMax.opname, fn=nl.segment_max, ref=_ref_segment(lambda r: r.max(axis=0)), make_inputs=_sseg_inputs,
    graph=False,
    error_inputs=[([np.zeros((3, 2), F32), np.zeros(2, I64)], ShapeError, ("segment_max", "(2,)", "(3, 2)"))],
    notes=_KIND))


# -- arange (run-time bounds) ------------------------------------------------------------------
def _range_inputs(rng, dtype):
    return [[np.array(0), np.array(5), np.array(1)], [np.array(7), np.array(-2), np.array(-3)],
            [np.array(2, np.int32), np.array(2, np.int32), np.array(1, np.int32)],
            [np.array(0.5, dtype), np.array(2.0, dtype), np.array(0.5, dtype)]]


register(OpRecord(
    name=Range.opname, fn=nl.arange, ref=lambda s, l, d: np.arange(s, l, d).astype(np.result_type(s, l, d)),
    make_inputs=_range_inputs, differentiable=False, graph=False,
    error_inputs=[([np.zeros(2, I64), np.array(3), np.array(1)], ShapeError, ("arange", "start", "(2,)"))],
    notes=_KIND))
