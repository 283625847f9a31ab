"""Shared shape/dtype rules for op definitions."""
from __future__ import annotations

import numpy as np

from .._core.errors import DTypeError
from .._core.op import Spec, broadcast_shapes


def same(spec: Spec):
    return (spec,)


def binary(opname, a: Spec, b: Spec):
    return (Spec(broadcast_shapes(opname, a.shape, b.shape), np.result_type(a.dtype, b.dtype)),)


def floating(opname, spec: Spec):
    if spec.dtype.kind not in "fc":
        raise DTypeError(f"{opname}: expected a floating tensor, got {spec.dtype}")
    return spec
