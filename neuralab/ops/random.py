"""Random primitives: a Bernoulli keep-mask, the source of dropout's randomness.

Why a primitive: a random draw cannot be composed from deterministic ops, and
it must happen *when the op runs*, not when it is recorded. A graph run or a
compiled replay calls ``forward`` again, so every run draws a fresh mask (TF1's
``tf.nn.dropout`` in a ``Session.run`` loop), while ``neuralab.seed(s)`` makes
the sequence of masks repeat.

The op is not differentiable: the mask is a constant of the backward pass
(d(x * m)/dx = m comes from the multiply, not from here).
"""
from __future__ import annotations

import numpy as np

from .._core.dtypes import default_float
from .._core.errors import ShapeError
from .._core.op import Op, Spec, broadcast_shapes, fmt_shape
from .._core.random import get_rng


class BernoulliMask(Op):
    """m_i ~ Bernoulli(keep_prob): 1 with probability ``keep_prob``, else 0.

    Inputs: ``like`` (only its shape and dtype are used) and ``keep_prob`` (a
    scalar, or any shape that broadcasts to ``like``). With ``scale=True`` the
    kept entries are 1/keep_prob instead of 1 (inverted dropout's mask, so that
    E[m_i] = 1). Attribute ``rng``: a ``numpy.random.Generator``, or None to use
    :func:`neuralab.get_rng` each time the op runs (so ``neuralab.seed`` applies
    to graphs and compiled functions traced before it was called).

    The draw is u_i ~ U[0, 1) in the output dtype and m_i = [u_i < keep_prob].
    """

    nin = 2
    differentiable = False
    nondiff_inputs = (0, 1)
    #: the output differs between runs with equal inputs: never constant-fold or cache it
    nondeterministic = True

    def __init__(self, rng=None, scale=False):
        super().__init__(rng=rng, scale=bool(scale))

    def forward(self, xp, like, keep_prob):
        dt = like.dtype if like.dtype.kind == "f" else default_float()
        rng = self.rng if self.rng is not None else get_rng()
        u = rng.random(like.shape, dtype=np.float64 if dt == np.float64 else np.float32)
        # (broadcast_to raises when keep_prob would enlarge the mask; the dispatcher reports it via infer)
        keep = np.broadcast_to(np.asarray(keep_prob if xp is np else keep_prob.get(), dtype=u.dtype), u.shape)
        kept = u < keep
        if self.scale:
            with np.errstate(divide="ignore"):
                m = np.where(kept, 1.0 / keep, 0.0).astype(dt, copy=False)
        else:
            m = kept.astype(dt)
        return (m if xp is np else xp.asarray(m),)

    def infer(self, like, keep_prob):
        shape = broadcast_shapes(self.opname, like.shape, keep_prob.shape)
        if len(shape) != len(like.shape) or any(a is not None and b is not None and a != b
                                                for a, b in zip(shape, like.shape)):
            raise ShapeError(f"{self.opname}: keep_prob of shape {fmt_shape(keep_prob.shape)} does not "
                             f"broadcast to the mask's shape {fmt_shape(like.shape)}")
        dt = like.dtype if like.dtype.kind == "f" else default_float()
        return (Spec(like.shape, np.dtype(dt)),)

    def backward(self, grads):
        return None, None


def bernoulli_mask(like, keep_prob, rng=None, scale=False):
    """A random 0/1 mask shaped like ``like``: P(m_i = 1) = keep_prob (the dropout lecture's mask).

    ``keep_prob`` is a number or a Tensor (a placeholder fed at run time works);
    ``rng`` a Generator, an int seed, or None for neuralab's global generator at
    run time. ``scale=True`` returns m_i / keep_prob (inverted dropout). A fresh
    mask is drawn every time the op runs, including each replay of a graph.

    >>> m = bernoulli_mask(nl.tensor(np.ones((2, 3))), 0.5)   # e.g. [[1, 0, 1], [1, 1, 0]]
    """
    if isinstance(rng, (int, np.integer)):
        rng = np.random.default_rng(int(rng))
    return BernoulliMask.apply(like, keep_prob, rng=rng, scale=scale)


__all__ = ["BernoulliMask", "bernoulli_mask"]
