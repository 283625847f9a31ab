"""Elementwise primitives: arithmetic, exp/log, tanh/sigmoid, maximum/where, comparisons.

Each backward rule reads like a calculus table; broadcasting is undone by the
autograd sweep, not here.
"""
from __future__ import annotations

import numpy as np

from .._core.errors import DTypeError, NeuralabError
from .._core.op import Op, Spec, broadcast_shapes, dispatch, dispatch2, fmt_shape
from . import _util

_new = object.__new__  # attribute-free ops skip __init__ on the hot path


class _Binary(Op):
    nin = 2

    def infer(self, a, b):
        return _util.binary(self.opname, a, b)


class _Unary(Op):
    nin = 1

    def infer(self, a):
        return (a,)


class _FloatUnary(_Unary):
    def infer(self, a):
        if a.dtype.kind not in "fc":
            # integer input promotes to the default float, as NumPy's ufuncs do for float64
            from .._core.dtypes import default_float

            return (Spec(a.shape, default_float()),)
        return (a,)

    def _prep(self, xp, x):
        if x.dtype.kind not in "fc":
            from .._core.dtypes import default_float

            return x.astype(default_float())
        return x


class Add(_Binary):
    """a + b. Gradient: the add gate distributes: (g, g)."""

    xp_kernel = "add"  # plans call xp.add directly

    def forward(self, xp, a, b):
        return (xp.add(a, b),)

    def backward(self, g):
        return g[0], g[0]


class Subtract(_Binary):
    """a - b. Gradient: (g, -g)."""

    xp_kernel = "subtract"  # plans call xp.subtract directly

    def forward(self, xp, a, b):
        return (xp.subtract(a, b),)

    def backward(self, g):
        return g[0], (negative(g[0]) if self.needs_grad[1] else None)


class Multiply(_Binary):
    """a * b. Gradient: the mul gate switches: (g * b, g * a)."""

    xp_kernel = "multiply"  # plans call xp.multiply directly

    def forward(self, xp, a, b):
        return (xp.multiply(a, b),)

    def backward(self, g):
        a, b = self.inputs
        return (multiply(g[0], b) if self.needs_grad[0] else None,
                multiply(g[0], a) if self.needs_grad[1] else None)


class Divide(_Binary):
    """a / b. Gradient: (g / b, -g * a / b**2)."""

    def forward(self, xp, a, b):
        if a.dtype.kind not in "fc" and b.dtype.kind not in "fc":
            from .._core.dtypes import default_float

            return (xp.true_divide(a, b, dtype=default_float()),)
        return (xp.true_divide(a, b),)

    def infer(self, a, b):
        (s,) = _util.binary(self.opname, a, b)
        if s.dtype.kind not in "fc":
            from .._core.dtypes import default_float

            s = Spec(s.shape, default_float())
        return (s,)

    def backward(self, g):
        a, b = self.inputs
        ga = divide(g[0], b)
        gb = negative(multiply(ga, divide(a, b))) if self.needs_grad[1] else None
        return (ga if self.needs_grad[0] else None), gb


class Power(_Binary):
    """a ** b. Gradient: (g * b * a**(b-1), g * a**b * log(a))."""

    def forward(self, xp, a, b):
        return (xp.power(a, b),)

    def backward(self, g):
        a, b = self.inputs
        ga = gb = None
        if self.needs_grad[0]:
            ga = multiply(g[0], multiply(b, power(a, subtract(b, 1))))
        if self.needs_grad[1]:
            # log(a) is only defined for a > 0; where a == 0 the term is taken as 0
            safe = where(greater(a, 0), a, 1)
            gb = multiply(g[0], multiply(power(a, b), log(safe)))
        return ga, gb


class Maximum(_Binary):
    """Elementwise max(a, b). Gradient goes to a where a >= b (ties to the first argument, as TF)."""

    def forward(self, xp, a, b):
        return (xp.maximum(a, b),)

    def backward(self, g):
        a, b = self.inputs
        mask = greater_equal(a, b)
        return (where(mask, g[0], 0) if self.needs_grad[0] else None,
                where(mask, 0, g[0]) if self.needs_grad[1] else None)


class Minimum(_Binary):
    """Elementwise min(a, b). Gradient goes to a where a <= b (ties to the first argument)."""

    def forward(self, xp, a, b):
        return (xp.minimum(a, b),)

    def backward(self, g):
        a, b = self.inputs
        mask = less_equal(a, b)
        return (where(mask, g[0], 0) if self.needs_grad[0] else None,
                where(mask, 0, g[0]) if self.needs_grad[1] else None)


class Negative(_Unary):
    """-x. Gradient: -g."""

    def forward(self, xp, x):
        return (xp.negative(x),)

    def backward(self, g):
        return (negative(g[0]),)


class Exp(_FloatUnary):
    """e**x. Gradient: g * e**x (taken from the output)."""

    retain_outputs = True

    def forward(self, xp, x):
        return (xp.exp(self._prep(xp, x)),)

    def backward(self, g):
        return (multiply(g[0], self.output(0)),)


class Log(_FloatUnary):
    """Natural log. Gradient: g / x."""

    def forward(self, xp, x):
        return (xp.log(self._prep(xp, x)),)

    def backward(self, g):
        return (divide(g[0], self.inputs[0]),)


class Sqrt(_FloatUnary):
    """Square root. Gradient: g / (2 sqrt(x)) (from the output)."""

    retain_outputs = True

    def forward(self, xp, x):
        return (xp.sqrt(self._prep(xp, x)),)

    def backward(self, g):
        return (divide(g[0], multiply(self.output(0), 2)),)


class Abs(_Unary):
    """|x|. Gradient: g * sign(x) (0 at x = 0)."""

    def forward(self, xp, x):
        return (xp.abs(x),)

    def backward(self, g):
        return (multiply(g[0], sign(self.inputs[0])),)


class Tanh(_FloatUnary):
    """Hyperbolic tangent. Gradient: g * (1 - tanh(x)**2) (from the output)."""

    retain_outputs = True

    def forward(self, xp, x):
        return (xp.tanh(self._prep(xp, x)),)

    def backward(self, g):
        y = self.output(0)
        return (multiply(g[0], subtract(1, multiply(y, y))),)


class Sigmoid(_FloatUnary):
    """Logistic sigmoid 1 / (1 + e**-x), stable for large |x|.

    Computed as exp(-log(1 + e^-x)) with NumPy's logaddexp, which never
    overflows and keeps full relative precision in both tails (sigmoid(-50) is
    1.9e-22, not 0). Gradient: g * s * (1 - s) (from the output).
    """

    retain_outputs = True

    def forward(self, xp, x):
        y = xp.negative(self._prep(xp, x))
        if y.ndim == 0:
            y = xp.asarray(y)
        xp.logaddexp(0, y, out=y)  # log(1 + e^-x), never overflows
        xp.negative(y, out=y)
        return (xp.exp(y, out=y),)

    def backward(self, g):
        y = self.output(0)
        return (multiply(g[0], multiply(y, subtract(1, y))),)


class Where(Op):
    """where(cond, a, b): a where cond is true, else b. Gradient: routed by cond."""

    nin = 3
    nondiff_inputs = (0,)

    def forward(self, xp, c, a, b):
        return (_util.select(xp, c, a, b),)  # np.where's bits without its per-element branches

    def infer(self, c, a, b):
        shape = broadcast_shapes(self.opname, c.shape, a.shape, b.shape)
        return (Spec(shape, np.result_type(a.dtype, b.dtype)),)

    def backward(self, g):
        c, a, b = self.inputs
        return (None,
                where(c, g[0], 0) if self.needs_grad[1] else None,
                where(c, 0, g[0]) if self.needs_grad[2] else None)


class Cast(_Unary):
    """Convert to ``dtype``. Gradient: cast back (floating inputs only)."""

    def forward(self, xp, x):
        return (x.astype(self.dtype, copy=False) if x.dtype != self.dtype else x.copy(),)

    def infer(self, x):
        return (Spec(x.shape, self.dtype),)

    def backward(self, g):
        x = self.inputs[0]
        if x.dtype.kind not in "fc" or self.dtype.kind not in "fc":
            return (None,)
        return (cast(g[0], x.dtype),)


class StopGradient(_Unary):
    """The value of x, with no gradient flowing back (TF's stop_gradient, torch's detach)."""

    differentiable = False

    def forward(self, xp, x):
        return (x,)

    def backward(self, g):
        return (None,)


# -- non-differentiable elementwise ops ---------------------------------------------------
class _Compare(_Binary):
    differentiable = False

    def infer(self, a, b):
        return (Spec(broadcast_shapes(self.opname, a.shape, b.shape), np.dtype(bool)),)

    def backward(self, g):
        return None, None


class Equal(_Compare):
    """a == b elementwise (bool; no gradient)."""

    def forward(self, xp, a, b):
        return (xp.equal(a, b),)


class NotEqual(_Compare):
    """a != b elementwise (bool; no gradient)."""

    def forward(self, xp, a, b):
        return (xp.not_equal(a, b),)


class Less(_Compare):
    """a < b elementwise (bool; no gradient)."""

    def forward(self, xp, a, b):
        return (xp.less(a, b),)


class LessEqual(_Compare):
    """a <= b elementwise (bool; no gradient)."""

    def forward(self, xp, a, b):
        return (xp.less_equal(a, b),)


class Greater(_Compare):
    """a > b elementwise (bool; no gradient)."""

    def forward(self, xp, a, b):
        return (xp.greater(a, b),)


class GreaterEqual(_Compare):
    """a >= b elementwise (bool; no gradient)."""

    def forward(self, xp, a, b):
        return (xp.greater_equal(a, b),)


class LogicalAnd(_Compare):
    """a and b elementwise (bool)."""

    def forward(self, xp, a, b):
        return (xp.logical_and(a, b),)


class LogicalOr(_Compare):
    """a or b elementwise (bool)."""

    def forward(self, xp, a, b):
        return (xp.logical_or(a, b),)


class LogicalNot(_Unary):
    """not x elementwise (bool)."""

    differentiable = False

    def forward(self, xp, x):
        return (xp.logical_not(x),)

    def infer(self, x):
        return (Spec(x.shape, np.dtype(bool)),)

    def backward(self, g):
        return (None,)


class Sign(_Unary):
    """sign(x) in {-1, 0, 1} (no gradient)."""

    differentiable = False

    def forward(self, xp, x):
        return (xp.sign(x),)

    def backward(self, g):
        return (None,)


class _Rounding(_Unary):
    """Base of floor/ceil/round: integers pass through unchanged, bools are refused; no gradient.

    The output is piecewise constant, so its derivative is 0 almost everywhere and undefined at the
    jumps; like TF (whose gradient for these ops is None) they are not differentiable: nothing flows
    back through them.
    """

    differentiable = False

    def infer(self, x):
        if x.dtype.kind not in "fiu":
            raise DTypeError(f"{self.opname}: expected a real number tensor, got {x.dtype}")
        return (x,)

    def forward(self, xp, x):
        if x.dtype.kind in "iu":
            return (x.copy(),)
        if x.dtype.kind != "f":
            raise DTypeError(f"{self.opname}: expected a real number tensor, got {x.dtype}")
        return (self._kernel(xp)(x),)

    def backward(self, g):
        return (None,)


class Floor(_Rounding):
    """The largest integer <= x, elementwise (in x's dtype). No gradient."""

    def _kernel(self, xp):
        return xp.floor


class Ceil(_Rounding):
    """The smallest integer >= x, elementwise (in x's dtype). No gradient."""

    def _kernel(self, xp):
        return xp.ceil


class Round(_Rounding):
    """x rounded to the nearest integer, halves to the even neighbour (0.5 -> 0, 1.5 -> 2, -2.5 -> -2).

    NumPy's ``round`` and TF's ``tf.round`` (banker's rounding, not Python 2's away-from-zero). No gradient.
    """

    def _kernel(self, xp):
        return xp.rint


class IntegerDivisionError(NeuralabError, ZeroDivisionError):
    """An integer floor_divide/mod by zero (NumPy would return 0 with a warning; TF raises)."""


def _check_int_divisor(opname, a, b):
    if a.dtype.kind in "iub" and b.dtype.kind in "iub" and (b == 0).any():
        raise IntegerDivisionError(f"{opname}: integer division by zero (divisor of shape {fmt_shape(b.shape)} "
                                   f"has {int((b == 0).sum())} zero entries)")


class FloorDivide(_Binary):
    """floor(a / b) elementwise: Python's and NumPy's ``//`` (TF's FloorDiv): -7 // 2 == -4.

    Integers stay integers; an integer division by zero raises :class:`IntegerDivisionError`.
    Piecewise constant: no gradient (TF defines none either).
    """

    type = "FloorDiv"
    differentiable = False

    def forward(self, xp, a, b):
        _check_int_divisor(self.opname, a, b)
        return (xp.floor_divide(a, b),)

    def backward(self, g):
        return None, None


class Mod(_Binary):
    """a - floor(a / b) * b elementwise: the remainder with the sign of the divisor b.

    Python's and NumPy's ``%`` and TF's FloorMod (``-7 % 3 == 2``, ``7 % -3 == -2``), not C's fmod.
    Gradient (away from the jumps at a / b integer): d/da = 1, d/db = -floor(a / b).
    """

    type = "FloorMod"

    def forward(self, xp, a, b):
        _check_int_divisor(self.opname, a, b)
        return (xp.remainder(a, b),)

    def backward(self, g):
        a, b = self.inputs
        gb = negative(multiply(g[0], floor_divide(a, b))) if self.needs_grad[1] else None
        return (g[0] if self.needs_grad[0] else None), gb


class Square(_Unary):
    """x * x. Gradient: 2 g x.

    A primitive rather than ``multiply(x, x)``: the multiply gate's backward
    computes g x twice and the sweep adds the two (three passes over the
    array); this is two. Compiled forward + backward measured 1.3-1.5x faster
    at 64k-1M elements (benchmarks/bench_square.py; eager timings on a loaded
    machine were too noisy to tell), and a graph shows TF's ``Square`` node.
    """

    def forward(self, xp, x):
        return (xp.square(x),)

    def backward(self, g):
        return (multiply(g[0], multiply(self.inputs[0], 2)),)


class Sin(_FloatUnary):
    """sin(x). Gradient: g * cos(x)."""

    def forward(self, xp, x):
        return (xp.sin(self._prep(xp, x)),)

    def backward(self, g):
        return (multiply(g[0], cos(self.inputs[0])),)


class Cos(_FloatUnary):
    """cos(x). Gradient: -g * sin(x)."""

    def forward(self, xp, x):
        return (xp.cos(self._prep(xp, x)),)

    def backward(self, g):
        return (negative(multiply(g[0], sin(self.inputs[0]))),)


class LogicalXor(_Compare):
    """a xor b elementwise (bool): true where exactly one is true."""

    def forward(self, xp, a, b):
        return (xp.logical_xor(a, b),)


class _Classify(_Unary):
    """Base of isnan/isfinite/isinf: a bool per element; no gradient."""

    differentiable = False

    def infer(self, x):
        return (Spec(x.shape, np.dtype(bool)),)

    def backward(self, g):
        return (None,)


class IsNan(_Classify):
    """True where x is NaN (bool; integers are never NaN)."""

    opname = "isnan"
    type = "IsNan"

    def forward(self, xp, x):
        return (xp.isnan(x),)


class IsFinite(_Classify):
    """True where x is neither NaN nor +-Inf (bool)."""

    opname = "isfinite"
    type = "IsFinite"

    def forward(self, xp, x):
        return (xp.isfinite(x),)


class IsInf(_Classify):
    """True where x is +Inf or -Inf (bool)."""

    opname = "isinf"
    type = "IsInf"

    def forward(self, xp, x):
        return (xp.isinf(x),)


def _check_float_arg(name, x):
    if x.dtype.kind not in "fc":
        raise DTypeError(f"{name}: expected a floating tensor, got {x.dtype}")


# -- public functions ---------------------------------------------------------------------
def add(a, b):
    """Elementwise a + b with broadcasting."""
    return dispatch2(_new(Add), a, b)


def subtract(a, b):
    """Elementwise a - b with broadcasting."""
    return dispatch2(_new(Subtract), a, b)


def multiply(a, b):
    """Elementwise a * b with broadcasting."""
    return dispatch2(_new(Multiply), a, b)


def divide(a, b):
    """Elementwise a / b (true division) with broadcasting."""
    return dispatch2(_new(Divide), a, b)


def power(a, b):
    """Elementwise a ** b with broadcasting."""
    return dispatch2(_new(Power), a, b)


def maximum(a, b):
    """Elementwise maximum; ``maximum(x, 0)`` is the ReLU of the notes."""
    return dispatch2(_new(Maximum), a, b)


def minimum(a, b):
    """Elementwise minimum."""
    return dispatch2(_new(Minimum), a, b)


def negative(x):
    """-x."""
    return dispatch(_new(Negative), (x,))


def exp(x):
    """e**x."""
    return dispatch(_new(Exp), (x,))


def log(x):
    """Natural logarithm."""
    return dispatch(_new(Log), (x,))


def sqrt(x):
    """Square root."""
    return dispatch(_new(Sqrt), (x,))


def abs(x):  # noqa: A001 - NumPy's name
    """Absolute value |x|."""
    return dispatch(_new(Abs), (x,))


def tanh(x):
    """Hyperbolic tangent, squashes to [-1, 1]."""
    return dispatch(_new(Tanh), (x,))


def sigmoid(x):
    """Logistic sigmoid 1/(1+e^-x), squashes to [0, 1]; stable for large |x|."""
    return dispatch(_new(Sigmoid), (x,))


def where(condition, a, b):
    """Elementwise select: a where condition is true, b elsewhere."""
    return dispatch(_new(Where), (condition, a, b))


def cast(x, dtype):
    """Convert x to ``dtype`` (a NumPy dtype or its name)."""
    from .._core.dtypes import as_dtype

    return Cast.apply(x, dtype=as_dtype(dtype))


def stop_gradient(x):
    """x with no gradient flowing back through it."""
    return dispatch(_new(StopGradient), (x,))


def equal(a, b):
    """a == b (bool)."""
    return dispatch2(_new(Equal), a, b)


def not_equal(a, b):
    """a != b (bool)."""
    return dispatch2(_new(NotEqual), a, b)


def less(a, b):
    """a < b (bool)."""
    return dispatch2(_new(Less), a, b)


def less_equal(a, b):
    """a <= b (bool)."""
    return dispatch2(_new(LessEqual), a, b)


def greater(a, b):
    """a > b (bool)."""
    return dispatch2(_new(Greater), a, b)


def greater_equal(a, b):
    """a >= b (bool)."""
    return dispatch2(_new(GreaterEqual), a, b)


def logical_and(a, b):
    """Elementwise logical and."""
    return dispatch2(_new(LogicalAnd), a, b)


def logical_or(a, b):
    """Elementwise logical or."""
    return dispatch2(_new(LogicalOr), a, b)


def logical_not(x):
    """Elementwise logical not."""
    return dispatch(_new(LogicalNot), (x,))


def sign(x):
    """Elementwise sign (-1, 0 or 1)."""
    return dispatch(_new(Sign), (x,))


def floor(x):
    """The largest integer <= x, elementwise (floats stay floats; integers pass through). No gradient.

    >>> nl.floor(nl.tensor([-1.5, 1.5]))
    Tensor([-2.,  1.], dtype=float32)
    """
    return dispatch(_new(Floor), (x,))


def ceil(x):
    """The smallest integer >= x, elementwise (floats stay floats; integers pass through). No gradient."""
    return dispatch(_new(Ceil), (x,))


def round(x):  # noqa: A001 - NumPy's name
    """x rounded to the nearest integer, ties to the even neighbour (NumPy's and TF's rule). No gradient.

    >>> nl.round(nl.tensor([0.5, 1.5, 2.5, -0.5]))
    Tensor([ 0.,  2.,  2., -0.], dtype=float32)
    """
    return dispatch(_new(Round), (x,))


def floor_divide(a, b):
    """floor(a / b) elementwise with broadcasting (Python's ``//``; integer division by zero raises). No gradient.

    >>> nl.floor_divide(nl.tensor([-7, 7]), nl.tensor([2, 2]))
    Tensor([-4,  3], dtype=int64)
    """
    return dispatch2(_new(FloorDivide), a, b)


def mod(a, b):
    """a - floor(a / b) * b elementwise: the remainder takes the divisor's sign (Python's ``%``, TF's floormod).

    >>> nl.mod(nl.tensor([-7, 7, -7]), nl.tensor([3, -3, -3]))
    Tensor([ 2, -2, -1], dtype=int64)
    """
    return dispatch2(_new(Mod), a, b)


def square(x):
    """x * x elementwise; the gradient is 2 g x."""
    return dispatch(_new(Square), (x,))


def sin(x):
    """Elementwise sine (radians)."""
    return dispatch(_new(Sin), (x,))


def cos(x):
    """Elementwise cosine (radians)."""
    return dispatch(_new(Cos), (x,))


def logical_xor(a, b):
    """Elementwise logical exclusive or (bool)."""
    return dispatch2(_new(LogicalXor), a, b)


def isnan(x):
    """True where x is NaN (bool, no gradient).

    >>> nl.isnan(nl.tensor([1.0, np.nan]))
    Tensor([False,  True], dtype=bool)
    """
    return dispatch(_new(IsNan), (x,))


def isfinite(x):
    """True where x is finite: not NaN, not +-Inf (bool, no gradient)."""
    return dispatch(_new(IsFinite), (x,))


def isinf(x):
    """True where x is +Inf or -Inf (bool, no gradient)."""
    return dispatch(_new(IsInf), (x,))
