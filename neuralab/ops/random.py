"""Random primitives: a Bernoulli keep-mask (the source of dropout's randomness), normal and uniform draws.

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
from ._util import select


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
        kp = np.asarray(keep_prob if xp is np else keep_prob.get(), dtype=u.dtype)
        keep = np.broadcast_to(kp, u.shape)
        kept = u < keep
        if self.scale:
            with np.errstate(divide="ignore"):
                m = select(np, kept, 1.0 / kp, 0.0).astype(dt, copy=False)  # (np.where's bits, no branches)
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


class _Draw(Op):
    """Base of the draws of a given shape: input ``dims`` (a 1-D integer tensor, the run-time shape).

    Attributes: ``static_shape`` (what is known of the shape when the graph is
    built: the tuple given, or None), ``dtype`` (floating), ``rng`` (a
    Generator, or None for :func:`neuralab.get_rng` at run time) and the
    distribution's two parameters. Not differentiable (a draw's gradient with
    respect to its parameters is out of scope: they are Python numbers).
    """

    nin = 1
    differentiable = False
    nondiff_inputs = (0,)
    nondeterministic = True

    def __init__(self, static_shape=None, dtype=None, rng=None, a=0.0, b=1.0):
        super().__init__(static_shape=static_shape, dtype=dtype, rng=rng, a=a, b=b)

    def infer(self, dims):
        from .shape import shape_from_dims

        return (Spec(shape_from_dims(self.opname, dims, self.static_shape), self.dtype),)

    def forward(self, xp, dims):
        from .shape import _dims

        shape = _dims(self.opname, dims if xp is np else dims.get())
        rng = self.rng if self.rng is not None else get_rng()
        wide = np.float64 if self.dtype == np.float64 else np.float32  # what Generator draws natively
        out = self._draw(rng, shape, wide).astype(self.dtype, copy=False)
        return (out if xp is np else xp.asarray(out),)

    def backward(self, grads):
        return (None,)


class RandomNormal(_Draw):
    """x_i ~ N(mean, std^2) independently: mean + std * z with z from the Generator's standard normal.

    Attributes ``a`` = mean, ``b`` = std (TF's RandomStandardNormal, scaled and shifted).
    """

    type = "RandomStandardNormal"

    def _draw(self, rng, shape, wide):
        z = rng.standard_normal(shape, dtype=wide)
        z *= wide(self.b)
        z += wide(self.a)
        return z


class RandomUniform(_Draw):
    """x_i ~ U[low, high) independently: low + (high - low) * u with u ~ U[0, 1) from the Generator.

    Attributes ``a`` = low, ``b`` = high (TF's RandomUniform, scaled and shifted).
    """

    type = "RandomUniform"

    def _draw(self, rng, shape, wide):
        u = rng.random(shape, dtype=wide)
        u *= wide(self.b) - wide(self.a)
        u += wide(self.a)
        return u


def _number(opname, what, v):
    from .._core.tensor import Tensor

    if isinstance(v, Tensor):
        if v.data is None or v.size != 1:
            raise TypeError(f"{opname}: `{what}` must be a number (draws are not differentiated with respect to "
                            f"their parameters), got a {'symbolic ' if v.data is None else ''}tensor")
        v = v.data.reshape(())
    try:
        return float(v)
    except (TypeError, ValueError):
        raise TypeError(f"{opname}: `{what}` must be a number, got {type(v).__name__}") from None


def _draw(cls, opname, shape, a, b, dtype, rng):
    from .._core import config, graph as _graph
    from .._core.dtypes import as_dtype
    from .._core.errors import DTypeError
    from .._core.tensor import Tensor
    from .shape import _shape_arg

    d = as_dtype(dtype) or default_float()
    if d.kind != "f":
        raise DTypeError(f"{opname}: dtype must be floating, got {d}")
    if isinstance(rng, (int, np.integer)):
        rng = np.random.default_rng(int(rng))
    dims = _shape_arg(opname, shape)
    op = cls(static_shape=dims if isinstance(dims, tuple) else None, dtype=d, rng=rng, a=a, b=b)
    if isinstance(dims, tuple):
        dims = Tensor(np.asarray(dims, dtype=np.int64).reshape(len(dims)))
        if config.flags.building:  # inside a graph being built (as_default, compile): draw at every run
            return _graph.record(op, (dims,))
    return cls.apply(dims, **op.attrs())


def random_normal(shape, mean=0.0, std=1.0, dtype=None, rng=None):
    """Samples of N(mean, std^2) of ``shape`` (a tuple, or a 1-D integer tensor known at run time).

    ``dtype``: floating (the default float when None). ``rng``: a Generator, an
    int seed (a Generator made once, here) or None for neuralab's global
    generator at run time (so ``neuralab.seed`` applies). Eagerly the draw
    happens now; in a graph being built (``Graph.as_default()``, ``compile``)
    or with a symbolic shape it is a node that draws fresh values every run.

    >>> z = random_normal((2, 3), std=0.1, rng=0)   # the same six numbers for every rng=0 call
    """
    std = _number("random_normal", "std", std)
    if std < 0:
        raise ValueError(f"random_normal: std must be >= 0, got {std}")
    return _draw(RandomNormal, "random_normal", shape, _number("random_normal", "mean", mean), std, dtype, rng)


def random_uniform(shape, low=0.0, high=1.0, dtype=None, rng=None):
    """Samples of U[low, high) of ``shape`` (a tuple, or a 1-D integer tensor known at run time).

    Arguments as for :func:`random_normal`; every run of a graph draws afresh.

    >>> u = random_uniform((4,), -1.0, 1.0)   # four numbers in [-1, 1)
    """
    low, high = _number("random_uniform", "low", low), _number("random_uniform", "high", high)
    if high < low:
        raise ValueError(f"random_uniform: high ({high}) must be >= low ({low})")
    return _draw(RandomUniform, "random_uniform", shape, low, high, dtype, rng)


__all__ = ["BernoulliMask", "RandomNormal", "RandomUniform", "bernoulli_mask", "random_normal", "random_uniform"]
