"""Data types and promotion rules.

Rules (written down once, used everywhere):

* The default floating type is float32; ``set_default_dtype("float64")`` changes it.
* ``tensor(data)`` from Python floats (or lists of them) gives the default float;
  Python ints give int64, bools give bool. NumPy arrays keep their dtype
  (like ``torch.from_numpy``); pass ``dtype=`` to convert.
* Between two tensors the result is NumPy's ``result_type`` of the two dtypes
  (float32 with float64 gives float64; int with float gives the float).
* A Python scalar next to a tensor is "weak": it takes the tensor's dtype when
  that is floating (``x32 * 2.0`` stays float32); a Python float next to an
  integer tensor gives the default float.
* Only floating tensors can require gradients.
"""
from __future__ import annotations

import numpy as np

_state = {"default": np.dtype(np.float32)}

float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
float16 = np.dtype(np.float16)
int32 = np.dtype(np.int32)
int64 = np.dtype(np.int64)
uint8 = np.dtype(np.uint8)
bool_ = np.dtype(np.bool_)


def default_float() -> np.dtype:
    """The floating dtype used when none is given (float32 unless changed)."""
    return _state["default"]


def set_default_dtype(dtype) -> None:
    """Make ``dtype`` (float32 or float64) the default floating type."""
    d = as_dtype(dtype)
    if d.kind != "f":
        raise TypeError(f"set_default_dtype: dtype must be floating, got {d}")
    _state["default"] = d


def as_dtype(dtype) -> np.dtype | None:
    """Normalise a dtype given as a NumPy dtype, a type or a name ("float64")."""
    if dtype is None:
        return None
    if dtype is float:
        return default_float()
    if dtype is int:
        return int64
    if dtype is bool:
        return bool_
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(f"unknown dtype {dtype!r}") from None


def is_floating(dtype) -> bool:
    """True for float16/32/64."""
    return np.dtype(dtype).kind == "f"


def result_type(*dtypes) -> np.dtype:
    """The dtype two tensors combine to (NumPy's promotion table)."""
    return np.result_type(*dtypes)


def infer_data_dtype(data) -> np.dtype:
    """The dtype ``tensor(data)`` takes when no dtype is given."""
    if isinstance(data, np.ndarray) or isinstance(data, np.generic):
        return data.dtype
    arr = np.asarray(data)
    if arr.dtype.kind == "f":
        return default_float()
    if arr.dtype.kind in "iu":
        return int64
    return arr.dtype
