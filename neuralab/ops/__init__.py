"""Differentiable primitives. One Op class and one snake_case function each."""
from .._core import autograd as _autograd, tensor as _tensor
from .._core.tensor import Tensor
from .elementwise import (
    abs, add, cast, divide, equal, exp, greater, greater_equal, less, less_equal, log, logical_and,
    logical_not, logical_or, maximum, minimum, multiply, negative, not_equal, power, sigmoid, sign, sqrt,
    stop_gradient, subtract, tanh, where,
)
from .linalg import dot, matmul
from .reduce import argmax, argmin, logsumexp, max, mean, min, sum, unreduce
from .shape import (
    broadcast_like, broadcast_to, concat, concatenate, expand_dims, getitem, one_hot, ones_like, pad,
    reshape, reshape_like, squeeze, sum_to_like, transpose, zeros_like,
)
from .conv import avg_pool2d, conv2d, max_pool2d
from .random import bernoulli_mask
from .indexing import embedding, take, unstack
from .recurrent import gru_pointwise, lstm_pointwise
from ..functional.array import clip, split, stack  # noqa: E402  (composites)
from .elementwise import (  # noqa: A004
    IntegerDivisionError, ceil, cos, floor, floor_divide, isfinite, isinf, isnan, logical_xor, mod, round, sin,
    square,
)
from .reduce import all, any, cumsum, prod, top_k  # noqa: A004
from .shape import flip, full, ones, reverse, shape_of, take_along_axis, tile, zeros
from .random import random_normal, random_uniform
from ..functional.array import slice  # noqa: A004  (a composite: TF's tf.slice)
from .masking import (
    arange, boolean_mask, gather_nd, scatter_nd, segment_max, segment_mean, segment_sum, sequence_mask, unique,
    unsorted_segment_sum,
)

__all__ = [
    "Tensor", "abs", "add", "argmax", "argmin", "avg_pool2d", "bernoulli_mask", "conv2d", "max_pool2d",
    "broadcast_like", "broadcast_to", "cast", "clip", "concat", "embedding", "gru_pointwise", "lstm_pointwise",
    "take", "unstack",
    "concatenate", "divide", "dot", "equal", "exp", "expand_dims", "getitem", "greater", "greater_equal",
    "less", "less_equal", "log", "logical_and", "logical_not", "logical_or", "logsumexp", "matmul", "max",
    "maximum", "mean", "min", "minimum", "multiply", "negative", "not_equal", "one_hot", "ones_like", "pad",
    "power", "reshape", "reshape_like", "sigmoid", "sign", "split", "sqrt", "square", "squeeze", "stack",
    "stop_gradient", "subtract", "sum", "sum_to_like", "tanh", "transpose", "unreduce", "where", "zeros_like",
]
__all__ += [
    "IntegerDivisionError", "all", "any", "ceil", "cos", "cumsum", "flip", "floor", "floor_divide", "full",
    "isfinite", "isinf", "isnan", "logical_xor", "mod", "ones", "prod", "random_normal", "random_uniform", "reverse",
    "round", "shape_of", "sin", "slice", "take_along_axis", "tile", "top_k", "zeros",
]
__all__ += [
    "arange", "boolean_mask", "gather_nd", "scatter_nd", "segment_max", "segment_mean", "segment_sum", "sequence_mask",
    "unique", "unsorted_segment_sum",
]

import sys as _sys  # noqa: E402

_self = _sys.modules[__name__]
_tensor._install_operators(_self)
_autograd._ops = _self
