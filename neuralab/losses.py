"""Loss functions and weight penalties (``neuralab.losses.mse``, ``neuralab.losses.softmax_cross_entropy``, ...).

A thin public module: the implementations live in
:mod:`neuralab.functional.losses` (composites of primitives, so gradients and
graph mode come free).
"""
from .functional.losses import (
    binary_cross_entropy, binary_cross_entropy_with_logits, l1_penalty, l2_penalty, mse, nll,
    softmax_cross_entropy,
)

__all__ = ["binary_cross_entropy", "binary_cross_entropy_with_logits", "l1_penalty", "l2_penalty", "mse", "nll",
           "softmax_cross_entropy"]
