"""TF 1.x dtype objects (``tf.float32``...) that are interchangeable with NumPy dtypes."""
from __future__ import annotations

import numpy as np

from ..._core import dtypes as _nd


class DType:
    """tf.DType: compares equal to the NumPy dtype it wraps and converts with ``np.dtype(d)``."""

    def __init__(self, np_dtype, name=None):
        self.dtype = np.dtype(np_dtype)  # what np.dtype(d) reads, so neuralab accepts a DType anywhere
        self.name = name or self.dtype.name

    @property
    def as_numpy_dtype(self):
        """The NumPy scalar type (``tf.float32.as_numpy_dtype is np.float32``)."""
        return self.dtype.type

    @property
    def base_dtype(self):
        """TF1's ``DType.base_dtype`` (no reference dtypes here: itself)."""
        return self

    @property
    def is_floating(self):
        """True for float16/32/64."""
        return self.dtype.kind == "f"

    @property
    def is_integer(self):
        """True for (unsigned) integer types."""
        return self.dtype.kind in "iu"

    @property
    def is_bool(self):
        """True for bool."""
        return self.dtype.kind == "b"

    @property
    def size(self):
        """Bytes per element."""
        return self.dtype.itemsize

    def __eq__(self, other):
        if other is None:
            return False
        try:
            return np.dtype(other) == self.dtype
        except TypeError:
            return False

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        return hash(self.dtype)

    def __repr__(self):
        return f"tf.{self.name}"


float16 = half = DType(np.float16, "float16")
float32 = DType(np.float32, "float32")
float64 = double = DType(np.float64, "float64")
int8 = DType(np.int8, "int8")
int16 = DType(np.int16, "int16")
int32 = DType(np.int32, "int32")
int64 = DType(np.int64, "int64")
uint8 = DType(np.uint8, "uint8")
uint16 = DType(np.uint16, "uint16")
bool = DType(np.bool_, "bool")  # noqa: A001 - TF's public name
string = DType(np.object_, "string")

_ALL = {d.dtype: d for d in (float16, float32, float64, int8, int16, int32, int64, uint8, uint16, bool, string)}


def as_dtype(type_value):
    """tf.as_dtype: the DType for a DType, NumPy dtype/type or name."""
    if isinstance(type_value, DType):
        return type_value
    d = np_dtype(type_value)
    return _ALL.get(d) or DType(d)


def np_dtype(d, default=None) -> np.dtype | None:
    """The NumPy dtype of a TF/NumPy dtype or name; ``default`` (e.g. float32) when ``d`` is None."""
    if d is None:
        return None if default is None else np.dtype(default)
    if isinstance(d, DType):
        return d.dtype
    if isinstance(d, str) and d == "float":  # tf.placeholder("float") in the notes (np.dtype("float64") == "float")
        return _nd.default_float()
    return _nd.as_dtype(d)


def value_dtype(value) -> np.dtype:
    """The dtype TF 1.x gives a Python/NumPy value: Python floats -> float32, ints -> int32."""
    if isinstance(value, np.ndarray) or isinstance(value, np.generic):
        return value.dtype
    a = np.asarray(value)
    if a.dtype.kind == "f":
        return np.dtype(np.float32)
    if a.dtype.kind in "iu":
        if a.size and (a.max() > np.iinfo(np.int32).max or a.min() < np.iinfo(np.int32).min):
            return np.dtype(np.int64)
        return np.dtype(np.int32)
    return a.dtype
