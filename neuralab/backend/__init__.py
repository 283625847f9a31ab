"""Array backends and devices. The only module that knows CuPy exists.

Every op computes with the array module ``xp`` of its inputs (Chainer's
``get_array_module``): NumPy for host arrays, CuPy for GPU arrays.
:func:`get_xp` picks it; CuPy is imported lazily, the first time a GPU is
asked for (:func:`device`, :func:`to_device`, ``Module.to("gpu")``), so a
program that never asks pays nothing and never imports it.

Devices are named ``"cpu"`` and ``"gpu"`` (also ``"cuda"``, ``"gpu:1"``, and
TF's ``"/gpu:0"``, ``"/device:GPU:0"``, ``"/cpu:0"``). Where arrays live:

- ``with neuralab.device("gpu"):`` new tensors and parameters are created on
  the GPU (``neuralab.tensor``, layers built inside, compat.v1 variables under
  ``tf.device("/gpu:0")``); :func:`to_device` and ``Module.to("gpu")`` move
  existing ones;
- an op whose inputs are on the GPU runs there, host operands (Python scalars,
  constants) are copied over first;
- a graph run or compiled function runs on the device of the variables it
  reads (the device of its feeds when it reads none), feeds are copied there,
  and ``neuralab.run`` / ``Session.run`` return host (NumPy) arrays: transfers
  happen at feed and fetch only;
- asking for a GPU without CuPy, or without a usable GPU, raises
  :class:`DeviceError` saying which (never a crash inside an op).

The few places where NumPy and CuPy differ sit behind helpers with the same
signatures in :mod:`neuralab.backend.numpy_impl` and
:mod:`neuralab.backend.cupy_impl` (:func:`impl` picks one).
"""
from __future__ import annotations

import contextlib
import re
import threading

import numpy

#: cupy: the GPU module once switched on (None before); module: CuPy once imported; checked: "" when it sees a
#: GPU, else why not (None: not checked yet)
_state = {"cupy": None, "module": None, "ndarray": None, "used": False, "checked": None}


class DeviceError(RuntimeError):
    """A GPU was asked for but cannot be used (CuPy missing, no GPU), or arrays sit on different devices."""


# ---------------------------------------------------------------------------------------
# the device array module
# ---------------------------------------------------------------------------------------

def _activate(module) -> None:
    """Make ``module`` (CuPy, or a stand-in with CuPy's API in tests) the GPU array module.

    From here on the dispatcher and the plans look at each array's type; before
    it, they take NumPy without looking.
    """
    _state["cupy"] = module
    _state["ndarray"] = module.ndarray
    _state["used"] = True
    from .._core import op as _op  # noqa: PLC0415 - the core's switch, flipped once

    _op._xp_state["used"] = True
    for hook in _op._xp_state.get("on_activate", ()):
        hook()


def _import_cupy():
    """CuPy, imported (not yet switched on); :class:`DeviceError` saying how to install it when missing."""
    if _state["module"] is None:
        try:
            import cupy as _cp  # noqa: PLC0415  (optional, lazy)
        except ImportError as e:
            raise DeviceError("CuPy is not installed, so neuralab has no GPU backend; install it with "
                              "`pip install neuralab[gpu]` (cupy-cuda12x, for CUDA 12)") from e
        _state["module"] = _cp
    return _state["module"]


def _gpu_problem(cp) -> str:
    """Why CuPy cannot compute here ("" when it can): no device, or no driver/runtime."""
    if _state["checked"] is None:
        try:
            n = int(cp.cuda.runtime.getDeviceCount())
            _state["checked"] = "" if n > 0 else "CuPy sees no GPU (getDeviceCount() == 0)"
        except Exception as e:  # noqa: BLE001 - a missing driver or runtime shows up here
            _state["checked"] = f"CuPy cannot reach a GPU ({type(e).__name__}: {e})"
    return _state["checked"]


def require_gpu(who: str = "neuralab"):
    """CuPy, switched on, after checking that it sees a GPU; else :class:`DeviceError` naming what is missing."""
    if _state["cupy"] is not None:
        return _state["cupy"]
    cp = _import_cupy()
    problem = _gpu_problem(cp)
    if problem:
        raise DeviceError(f"{who}: no usable GPU: {problem}")
    _activate(cp)
    return cp


cupy = require_gpu


def is_cupy_array(a) -> bool:
    """True for an array of the GPU backend."""
    return _state["used"] and isinstance(a, _state["ndarray"])


is_device_array = is_cupy_array


def get_xp(*arrays):
    """The array module for ``arrays``: CuPy if any is a GPU array, else NumPy."""
    if _state["used"]:
        t = _state["ndarray"]
        for a in arrays:
            if isinstance(a, t):
                return _state["cupy"]
    return numpy


def place(arrays):
    """``(xp, arrays)`` for one op: the GPU module and every host array copied there when any input is on
    the GPU (Python scalars and constants next to GPU arrays), else NumPy and the arrays unchanged."""
    xp = get_xp(*arrays)
    if xp is numpy:
        return numpy, arrays
    t = _state["ndarray"]
    return xp, [a if isinstance(a, t) else xp.asarray(a) for a in arrays]


def to_numpy(a):
    """A NumPy copy (or view) of an array from any backend."""
    if is_cupy_array(a):
        return a.get()
    return numpy.asarray(a)


def impl(xp):
    """The helper module for ``xp``: :mod:`numpy_impl` or :mod:`cupy_impl` (same function signatures)."""
    if xp is numpy:
        from . import numpy_impl

        return numpy_impl
    from . import cupy_impl

    return cupy_impl


def writeable(a) -> bool:
    """Whether ``a`` may be written in place (GPU arrays always; NumPy's read-only views not)."""
    flags = getattr(a, "flags", None)
    return bool(getattr(flags, "writeable", True)) if flags is not None else False


# ---------------------------------------------------------------------------------------
# devices
# ---------------------------------------------------------------------------------------

_NAME = re.compile(r"^/?(?:device:)?(cpu|gpu|cuda)(?::(\d+))?$")


class Device:
    """A device: ``kind`` is ``"cpu"`` or ``"gpu"``, ``index`` the GPU's number."""

    __slots__ = ("kind", "index")

    def __init__(self, kind: str = "cpu", index: int = 0):
        self.kind, self.index = kind, int(index)

    def __eq__(self, other):
        other = as_device(other) if isinstance(other, str) else other
        return isinstance(other, Device) and (self.kind, self.index) == (other.kind, other.index)

    def __hash__(self):
        return hash((self.kind, self.index))

    def __repr__(self):
        return "device('cpu')" if self.kind == "cpu" else f"device('gpu:{self.index}')"

    def __str__(self):
        return "cpu" if self.kind == "cpu" else f"gpu:{self.index}"


CPU = Device("cpu")


def as_device(name) -> Device:
    """A :class:`Device` from ``"cpu"``, ``"gpu"``, ``"cuda:1"``, ``"/gpu:0"``, ``"/device:GPU:0"`` or a Device."""
    if isinstance(name, Device):
        return name
    m = _NAME.match(str(name).strip().lower())
    if m is None:
        raise ValueError(f"device: expected 'cpu', 'gpu', 'gpu:N', 'cuda:N' or TF's '/gpu:0', got {name!r}")
    kind = "cpu" if m.group(1) == "cpu" else "gpu"
    return Device(kind, int(m.group(2) or 0) if kind == "gpu" else 0)


class _Current(threading.local):
    def __init__(self):
        self.stack = []


_current = _Current()


def current_device() -> Device:
    """The device new tensors are created on (the innermost :func:`device` context; the CPU outside any)."""
    return _current.stack[-1] if _current.stack else CPU


@contextlib.contextmanager
def device(name):
    """``with device("gpu"):`` create new tensors and parameters on the GPU (``"cpu"``: on the host).

    Entering a GPU context checks that CuPy is installed and sees a GPU, and
    raises :class:`DeviceError` otherwise; ``"gpu:1"`` also selects that GPU.

    >>> with device("cpu"):
    ...     current_device()
    device('cpu')
    """
    dev = as_device(name)
    if dev.kind == "gpu":
        cp = require_gpu(f"device({str(name)!r})")
        ctx = cp.cuda.Device(dev.index)
    else:
        ctx = contextlib.nullcontext()
    _current.stack.append(dev)
    try:
        with ctx:
            yield dev
    finally:
        _current.stack.pop()


def device_of(a) -> Device:
    """The device an array (or a Tensor's array) lives on."""
    data = getattr(a, "data", a) if not isinstance(a, numpy.ndarray) else a
    if is_cupy_array(data):
        dev = getattr(data, "device", None)
        return Device("gpu", getattr(dev, "id", 0) or 0)
    return CPU


def to_device(a, name=None):
    """``a`` (an array) on device ``name`` (default: :func:`current_device`): a copy when it moves, ``a`` when
    it is there already."""
    dev = current_device() if name is None else as_device(name)
    if dev.kind == "cpu":
        return to_numpy(a) if is_cupy_array(a) else a
    cp = require_gpu("to_device")
    if is_cupy_array(a):
        return a
    with cp.cuda.Device(dev.index):
        return cp.asarray(a)


def available() -> list[str]:
    """Names of usable backends ("numpy", plus "cupy" when CuPy imports and sees a GPU); never raises, and
    does not switch the dispatch to looking for GPU arrays."""
    names = ["numpy"]
    if _state["cupy"] is not None:
        return names + ["cupy"]
    try:
        if not _gpu_problem(_import_cupy()):
            names.append("cupy")
    except Exception:  # noqa: BLE001 - any failure means no GPU backend
        pass
    return names


def gpu_available() -> bool:
    """Whether a GPU can be used (CuPy installed, a device visible). Imports CuPy when it is installed."""
    return "cupy" in available()


__all__ = ["CPU", "Device", "DeviceError", "as_device", "available", "cupy", "current_device", "device", "device_of",
           "get_xp", "gpu_available", "impl", "is_cupy_array", "place", "require_gpu", "to_device", "to_numpy",
           "writeable"]
