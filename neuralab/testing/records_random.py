"""OpInfo records for the random primitives (``neuralab/ops/random.py``).

A random op cannot be compared value for value with a reference, except where
its output does not depend on the draw. The record therefore feeds keep
probabilities of exactly 0 or 1 (per element, broadcast, or scalar): then the
mask is exactly ``keep_prob`` broadcast to the input's shape, whatever the
generator, so the generic tests can check values, dtypes and shapes eagerly, in
graph mode and compiled. The statistics of genuinely random masks (mean,
fresh draws per run, seeding) are tested in ``tests/functional/test_regularization.py``.
"""
from __future__ import annotations

import numpy as np

import neuralab as nl

from ..ops.random import bernoulli_mask
from .opinfo import OpRecord, register

# (shape of the reference input, shape of keep_prob)
_SHAPES = [((3, 4), ()), ((3, 4), (3, 4)), ((), ()), ((2, 3, 2), (3, 1)), ((5,), (5,))]


def _inputs(rng, dtype):
    out = []
    for xs, ks in _SHAPES:
        x = np.asarray(rng.uniform(-2, 2, size=xs), dtype=dtype)
        keep = np.ones(ks, dtype=dtype) if ks == () else np.asarray(rng.random(ks) < 0.5, dtype=dtype)
        out.append([x, keep])
    return out


def _ref(like, keep):
    return np.broadcast_to(keep, like.shape).astype(like.dtype)


register(OpRecord(
    name="bernoulli_mask", fn=bernoulli_mask, ref=_ref, make_inputs=_inputs, differentiable=False,
    error_inputs=[([np.zeros((3,), np.float32), np.full((4,), 0.5, np.float32)], nl.ShapeError,
                   ("bernoulli_mask", "(4,)", "(3,)")),
                  ([np.zeros((2, 3), np.float32), np.full((4, 1, 3), 0.5, np.float32)], nl.ShapeError,
                   ("bernoulli_mask", "(4, 1, 3)", "(2, 3)"))],
    notes={"kind": "random"}))


# random_normal / random_uniform: with std = 0 (low == high) every draw is the mean (low) exactly, whatever
# the generator, so values, dtypes and shapes compare eagerly, in graph mode and compiled. The samples'
# statistics, fresh draws per run and seeding are tested in tests/ops/test_new_primitives.py.
_DRAW_SHAPES = [((3, 4),), ((),), ((2, 3, 2),), ((5,),)]

register(OpRecord(
    name="random_normal", fn=lambda x: nl.random_normal(x.shape, mean=1.5, std=0.0, dtype=x.dtype),
    ref=lambda x: np.full(x.shape, 1.5, dtype=x.dtype), shapes=_DRAW_SHAPES, differentiable=False,
    error_inputs=[([np.zeros((2,), np.int64)], nl.DTypeError, ("random_normal", "floating", "int64"))],
    notes={"kind": "random"}))
register(OpRecord(
    name="random_uniform", fn=lambda x: nl.random_uniform(x.shape, -0.5, -0.5, dtype=x.dtype),
    ref=lambda x: np.full(x.shape, -0.5, dtype=x.dtype), shapes=_DRAW_SHAPES, differentiable=False,
    error_inputs=[([np.zeros((2,), np.int64)], nl.DTypeError, ("random_uniform", "floating", "int64"))],
    notes={"kind": "random"}))
