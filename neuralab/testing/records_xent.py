"""OpInfo records for the fused softmax cross-entropy (``neuralab/ops/xent.py``).

``softmax_xent(x, labels)`` returns ``(loss, log_softmax(x))`` along the last axis; the references are the
textbook formulas in NumPy (shifted log-sum-exp). Labels are one-hot rows and also arbitrary positive rows
(probabilities that need not sum to 1), so the labels' gradient and the ``sum(labels)`` factor of the
logits' gradient are both checked by gradcheck and gradgradcheck. ``softmax_xent_grad`` (the logits'
gradient as a primitive) is checked against ``g * (exp(lsm) * sum(labels) - labels)``.
"""
from __future__ import annotations

import numpy as np

import neuralab as nl

from ..ops.xent import softmax_xent, softmax_xent_grad
from .opinfo import OpRecord, register

_SHAPES = [(5, 4), (3, 2, 4), (4,), (2, 1)]


def _labels(rng, shape, dtype, k):
    if k % 2 == 0:  # one-hot rows
        return np.eye(shape[-1], dtype=dtype)[rng.integers(0, shape[-1], size=shape[:-1])]
    return np.asarray(rng.uniform(0.1, 1.0, size=shape), dtype=dtype)  # rows not summing to 1


def _xent_inputs(rng, dtype):
    return [[np.asarray(rng.uniform(-3, 3, size=s), dtype=dtype), _labels(rng, s, dtype, k)]
            for k, s in enumerate(_SHAPES)]


def _xent_ref(x, labels):
    m = x.max(axis=-1, keepdims=True)
    lsm = x - (m + np.log(np.exp(x - m).sum(axis=-1, keepdims=True)))
    return -(labels * lsm).sum(axis=-1), lsm


def _grad_inputs(rng, dtype):
    out = []
    for k, s in enumerate(_SHAPES):
        lsm = np.log(rng.dirichlet(np.ones(s[-1]), size=s[:-1]))
        out.append([np.asarray(rng.standard_normal(s[:-1]), dtype=dtype), np.asarray(lsm, dtype=dtype),
                    _labels(rng, s, dtype, k)])
    return out


def _grad_ref(g, lsm, labels):
    return np.expand_dims(g, -1) * (np.exp(lsm) * labels.sum(axis=-1, keepdims=True) - labels)


register(OpRecord(
    name="softmax_xent", fn=softmax_xent, ref=_xent_ref, make_inputs=_xent_inputs,
    error_inputs=[([np.zeros((3, 4), np.float32), np.zeros((3, 5), np.float32)], nl.ShapeError,
                   ("softmax_xent", "(3, 5)", "(3, 4)")),
                  ([np.zeros((3, 4), np.float32), np.zeros((3, 4), np.float64)], nl.DTypeError,
                   ("softmax_xent", "float32", "float64")),
                  ([np.zeros((3, 4), np.float32), np.zeros((3, 4), np.int64)], nl.DTypeError,
                   ("softmax_xent", "floating", "int64")),
                  ([np.zeros((), np.float32), np.zeros((), np.float32)], nl.ShapeError,
                   ("softmax_xent", "class axis", "()"))],
    notes={"kind": "loss"}))

register(OpRecord(
    name="softmax_xent_grad", fn=softmax_xent_grad, ref=_grad_ref, make_inputs=_grad_inputs,
    error_inputs=[([np.zeros(2, np.float32), np.zeros((3, 4), np.float32), np.zeros((3, 4), np.float32)],
                   nl.ShapeError, ("softmax_xent_grad", "(2,)", "(3,)")),
                  ([np.zeros(3, np.float32), np.zeros((3, 4), np.float32), np.zeros((3, 2), np.float32)],
                   nl.ShapeError, ("softmax_xent_grad", "(3, 2)", "(3, 4)"))],
    notes={"kind": "loss"}))
