"""OpInfo record for the one primitive in ``neuralab/functional/losses.py``: ``label_nll``.

``label_nll(lp, y)`` picks ``-lp[..., y, ...]`` along the class axis and is
where integer labels are checked in every mode. The samples put the classes on
the last axis and on a middle one, with labels covering every class; the error
inputs are the ones known at graph-build time (float labels, labels that do not
fit the batch). Labels outside ``[0, classes)`` can only be seen at run time:
their ``LabelError`` is tested eagerly, in graphs, in compiled steps and
through compat.v1 in ``tests/functional/test_losses.py``.
"""
from __future__ import annotations

import numpy as np

import neuralab as nl

from ..functional.losses import label_nll
from .opinfo import OpRecord, register

# classes axis by the rank of the log-probabilities: (N, C) and (N, C, T)
_AXIS = {2: -1, 3: 1, 1: -1}


def _fn(lp, labels):
    return label_nll(lp, labels, axis=_AXIS[lp.ndim])


def _ref(lp, labels):
    ax = _AXIS[lp.ndim] % lp.ndim
    return -np.squeeze(np.take_along_axis(lp, np.expand_dims(labels, ax), axis=ax), axis=ax)


def _inputs(rng, dtype):
    out = []
    for shape in [(5, 4), (3, 4, 2), (4,)]:
        ax = _AXIS[len(shape)] % len(shape)
        lp = np.asarray(rng.uniform(-3.0, 0.0, size=shape), dtype=dtype)
        lshape = shape[:ax] + shape[ax + 1:]
        labels = np.asarray(rng.integers(0, shape[ax], size=lshape), dtype=np.int64)
        out.append([lp, labels])
    return out


register(OpRecord(
    name="label_nll", fn=_fn, ref=_ref, make_inputs=_inputs,
    error_inputs=[([np.zeros((3, 4), np.float32), np.zeros(3, np.float32)], nl.DTypeError,
                   ("label_nll", "integer class labels", "float32")),
                  ([np.zeros((3, 4), np.float32), np.zeros(2, np.int64)], nl.ShapeError,
                   ("label_nll", "(2,)", "(3, 4)", "expected (3,)"))],
    notes={"kind": "loss"}))
