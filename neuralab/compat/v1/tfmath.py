"""``tf.math``: the math ops TF 1.x also lists under ``tf.math`` (the same functions as ``tf.<name>``).

Names of ``tf.math`` that the adapter does not provide raise NotProvidedError
(``neuralab.compat.v1 does not provide `tf.math.x` yet``).
"""
from __future__ import annotations

from . import array_ops as _array_ops, mask_ops as _mask_ops
from .missing import module_getattr

#: the names of TF 1.15's tf.math that the adapter provides
NAMES = (
    "abs", "add", "add_n", "argmax", "argmin", "ceil", "cos", "count_nonzero", "cumsum", "divide", "equal", "exp",
    "floor", "floordiv", "floormod", "greater", "greater_equal", "is_finite", "is_inf", "is_nan", "less",
    "less_equal", "log", "log1p", "logical_and", "logical_not", "logical_or", "logical_xor", "maximum", "minimum",
    "mod", "multiply", "negative", "not_equal", "pow", "reciprocal", "reduce_all", "reduce_any", "reduce_logsumexp",
    "reduce_max", "reduce_mean", "reduce_min", "reduce_prod", "reduce_sum", "round", "rsqrt", "segment_max",
    "segment_mean", "segment_sum", "sigmoid", "sign", "sin", "sqrt", "square", "squared_difference", "subtract",
    "tanh", "truediv", "unsorted_segment_sum",
)

for _n in NAMES:
    globals()[_n] = getattr(_mask_ops, _n) if _n in _mask_ops.__all__ else getattr(_array_ops, _n)
del _n

__all__ = list(NAMES)
__getattr__ = module_getattr(__name__, "tf.math")
