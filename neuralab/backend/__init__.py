"""Array backends. The only module that knows CuPy exists.

``get_xp(*arrays)`` returns the array module (NumPy or CuPy) for the arrays,
like Chainer's ``get_array_module``. CuPy is imported lazily, only when an array
of it is seen or :func:`cupy` is called.
"""
from __future__ import annotations

import numpy

_state = {"cupy": None, "used": False}


def cupy():
    """Import and return CuPy, or raise ImportError with a clear message."""
    if _state["cupy"] is None:
        try:
            import cupy as _cp  # noqa: PLC0415  (optional, lazy)
        except ImportError as e:
            raise ImportError("neuralab: CuPy is not installed; `pip install cupy-cuda12x` "
                              "for GPU arrays") from e
        _state["cupy"] = _cp
        _state["used"] = True
        from .._core import op as _op

        _op._xp_state["used"] = True
    return _state["cupy"]


def is_cupy_array(a) -> bool:
    return _state["used"] and type(a).__module__.startswith("cupy")


def get_xp(*arrays):
    """The array module for ``arrays``: CuPy if any is a CuPy array, else NumPy."""
    if _state["used"]:
        for a in arrays:
            if type(a).__module__.startswith("cupy"):
                return _state["cupy"]
    return numpy


def to_numpy(a):
    """A NumPy copy (or view) of an array from any backend."""
    if is_cupy_array(a):
        return a.get()
    return numpy.asarray(a)


def available() -> list[str]:
    """Names of usable backends ("numpy", plus "cupy" when it imports and sees a GPU)."""
    names = ["numpy"]
    try:
        cp = cupy()
        if cp.cuda.runtime.getDeviceCount() > 0:
            names.append("cupy")
    except Exception:  # noqa: BLE001 - any failure means no GPU backend
        pass
    return names
