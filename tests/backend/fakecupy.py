"""A stand-in for CuPy on machines without a GPU: NumPy inside, CuPy's rules outside.

What it checks is that neuralab's device paths never mix host and device
arrays, the way CuPy refuses to: its arrays cannot be turned into NumPy ones
implicitly (``np.asarray(a)`` raises ``TypeError``, as CuPy's ``__array__``
does; ``a.get()`` copies to the host), and its functions, ufuncs, operators,
``__setitem__`` and indices refuse NumPy arrays (of any rank, 0-d included:
CuPy takes Python and NumPy *scalars* only). NumPy functions called on its
arrays dispatch to it (NEP 18 / ``__array_function__``, ``__array_ufunc__``),
as they do to CuPy. ``.flags`` has no ``writeable``, like CuPy's. Names CuPy
does not have (``errstate``, ``seterr``) are missing here too.

The arithmetic is NumPy's, so results on this "device" must be bit-identical
to the NumPy backend's: that is what the backend tests assert.
"""
from __future__ import annotations

import sys
import types

import numpy as _np

_MISSING = {"errstate", "seterr", "geterr", "seterrcall", "set_printoptions", "printoptions"}
#: functions that take host data and copy it to the device
_FROM_HOST = {"asarray", "array", "asanyarray"}
stats = {"to_device": 0, "to_host": 0}


def _unwrap(x, where):
    """The NumPy array inside a device array; refuses host arrays as CuPy does (recursing into sequences)."""
    t = type(x)
    if t is ndarray:
        return x._a
    if t is _np.ndarray:
        raise TypeError(f"Unsupported type {t} ({where}: a NumPy array among device arrays; CuPy never transfers "
                        "implicitly)")
    if t is list or t is tuple:
        return t(_unwrap(v, where) for v in x)
    if t is dict:
        return {k: _unwrap(v, where) for k, v in x.items()}
    return x


def _wrap(x):
    t = type(x)
    if t is _np.ndarray:
        return ndarray(x)
    if isinstance(x, _np.generic):
        return ndarray(_np.asarray(x))  # CuPy's reductions give 0-d arrays, not scalars
    if t is tuple or t is list:
        return t(_wrap(v) for v in x)
    return x


class _Flags:
    def __init__(self, a):
        self.c_contiguous = a.flags.c_contiguous
        self.f_contiguous = a.flags.f_contiguous
        self.owndata = a.flags.owndata


class ndarray:  # noqa: N801 - CuPy's name
    """A device array (a NumPy array that refuses to meet host arrays)."""

    __slots__ = ("_a",)
    __array_priority__ = 100  # below neuralab's Tensor (1000): Tensor operators win

    def __init__(self, a):
        if type(a) is not _np.ndarray:
            raise TypeError(f"fakecupy.ndarray wraps a NumPy array, got {type(a).__name__}")
        self._a = a

    # -- what CuPy's arrays refuse or do differently -----------------------------------------
    def __array__(self, dtype=None, copy=None):
        raise TypeError("Implicit conversion to a NumPy array is not allowed. Please use `.get()` to construct "
                        "a NumPy array explicitly.")

    def get(self, stream=None, order="C", out=None):
        """A host (NumPy) copy."""
        stats["to_host"] += 1
        return self._a.copy()

    @property
    def flags(self):
        return _Flags(self._a)

    @property
    def base(self):
        return None if self._a.base is None else ndarray(_np.asarray(self._a.base)) \
            if type(self._a.base) is _np.ndarray else None

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method not in ("__call__", "reduce", "accumulate", "reduceat", "outer", "at"):
            return NotImplemented
        where = f"{ufunc.__name__}.{method}"
        out = kwargs.get("out")
        args = _unwrap(inputs, where)
        kw = _unwrap(kwargs, where)
        res = getattr(ufunc, method)(*args, **kw)
        if method == "at":
            return None
        if out is not None:
            return out[0] if isinstance(out, tuple) and len(out) == 1 else out
        return _wrap(res)

    def __array_function__(self, func, types_, args, kwargs):
        mod = sys.modules[__name__]
        name = func.__name__
        if name in _MISSING or "linalg" in getattr(func, "__module__", "") and not hasattr(linalg, name):
            return NotImplemented
        impl = getattr(linalg, name) if "linalg" in getattr(func, "__module__", "") else getattr(mod, name, None)
        if impl is None:
            return NotImplemented
        return impl(*args, **kwargs)

    # -- attributes and methods: NumPy's, on device arrays -------------------------------------
    shape = property(lambda self: self._a.shape)
    dtype = property(lambda self: self._a.dtype)
    ndim = property(lambda self: self._a.ndim)
    size = property(lambda self: self._a.size)
    itemsize = property(lambda self: self._a.itemsize)
    nbytes = property(lambda self: self._a.nbytes)
    strides = property(lambda self: self._a.strides)
    T = property(lambda self: ndarray(self._a.T))
    device = property(lambda self: "fake-gpu:0")

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        attr = getattr(self._a, name)
        if not callable(attr):
            return _wrap(attr)

        def method(*args, **kwargs):
            where = f"ndarray.{name}"
            return _wrap(attr(*_unwrap(args, where), **_unwrap(kwargs, where)))

        return method

    def __getitem__(self, index):
        return _wrap(self._a[_unwrap(index, "ndarray.__getitem__")])

    def __setitem__(self, index, value):
        self._a[_unwrap(index, "ndarray.__setitem__")] = _unwrap(value, "ndarray.__setitem__")

    def __len__(self):
        return len(self._a)

    def __iter__(self):
        for i in range(len(self._a)):
            yield self[i]

    def __bool__(self):
        return bool(self._a)

    def __float__(self):
        return float(self._a)

    def __int__(self):
        return int(self._a)

    def __index__(self):
        return self._a.__index__()

    def item(self):
        return self._a.item()

    def tolist(self):
        return self._a.tolist()

    def __repr__(self):
        return "fakecupy." + repr(self._a)

    def __hash__(self):
        raise TypeError("unhashable type: 'cupy.ndarray'")

    def __reduce__(self):
        raise TypeError("fakecupy arrays do not pickle (use .get())")


def _binary(ufunc, reflected=False):
    def op(self, other):
        if isinstance(other, _np.ndarray) or type(other).__name__ == "Tensor":
            return NotImplemented if type(other).__name__ == "Tensor" else ufunc(self, other)
        return ufunc(other, self) if reflected else ufunc(self, other)
    return op


for _name, _uf in [("add", _np.add), ("sub", _np.subtract), ("mul", _np.multiply), ("truediv", _np.true_divide),
                   ("floordiv", _np.floor_divide), ("mod", _np.mod), ("pow", _np.power), ("matmul", _np.matmul),
                   ("and", _np.logical_and), ("or", _np.logical_or), ("xor", _np.bitwise_xor), ("lt", _np.less),
                   ("le", _np.less_equal), ("gt", _np.greater), ("ge", _np.greater_equal), ("eq", _np.equal),
                   ("ne", _np.not_equal)]:
    setattr(ndarray, f"__{_name}__", _binary(_uf))
    if _name not in ("lt", "le", "gt", "ge", "eq", "ne"):
        setattr(ndarray, f"__r{_name}__", _binary(_uf, reflected=True))
        setattr(ndarray, f"__i{_name}__", lambda self, other, _u=_uf: _u(self, other, out=self))
ndarray.__neg__ = lambda self: _np.negative(self)
ndarray.__abs__ = lambda self: _np.absolute(self)
ndarray.__invert__ = lambda self: _np.invert(self)
ndarray.__pos__ = lambda self: self


# -- the module's functions ----------------------------------------------------------------------

class _UFunc:
    """A device ufunc: NumPy's, applied to device arrays (calls and its methods)."""

    def __init__(self, uf):
        self._uf = uf
        self.__name__ = uf.__name__
        self.nin, self.nout = uf.nin, uf.nout

    def __call__(self, *args, **kwargs):
        args = [_as_device_operand(a) for a in args]
        if not any(type(a) is ndarray for a in args):  # scalars only: the result is still a device array
            return _wrap(self._uf(*args, **_unwrap(kwargs, self.__name__)))
        return self._uf(*args, **kwargs)

    def __getattr__(self, method):
        fn = getattr(self._uf, method)
        if not callable(fn):
            return fn

        def call(a, *args, **kwargs):
            return fn(_as_device_operand(a), *args, **kwargs)
        return call


def _as_device_operand(a):
    if type(a) is _np.ndarray:
        raise TypeError(f"Unsupported type {type(a)} (a NumPy array passed to a device function)")
    return a  # device arrays, and scalars: Python's stay weakly typed, as CuPy treats them


def _function(name, fn):
    def call(*args, **kwargs):
        where = f"fakecupy.{name}"
        if name in _FROM_HOST:  # the one door from the host: a copy onto the "device"
            a, rest, kw = args[0], _unwrap(args[1:], where), _unwrap(kwargs, where)
            if type(a) is ndarray:
                out = (_np.array if name == "array" else _np.asarray)(a._a, *rest, **kw)
                return a if out is a._a else ndarray(out)
            stats["to_device"] += 1
            out = (_np.array if name == "array" else _np.asarray)(_unwrap(a, where) if type(a) is not _np.ndarray
                                                                  else a, *rest, **kw)
            return ndarray(out.copy() if type(a) is _np.ndarray and _np.shares_memory(out, a) else out)
        return _wrap(fn(*_unwrap(args, where), **_unwrap(kwargs, where)))
    call.__name__ = name
    return call


def __getattr__(name):
    if name in _MISSING or name.startswith("__"):
        raise AttributeError(f"module 'cupy' has no attribute '{name}'")
    obj = getattr(_np, name)
    if isinstance(obj, _np.ufunc):
        wrapped = _UFunc(obj)
    elif callable(obj) and not isinstance(obj, type):
        wrapped = _function(name, obj)
    else:
        return obj
    globals()[name] = wrapped
    return wrapped


def asnumpy(a, stream=None, order="C", out=None):
    """A host copy of a device array (NumPy arrays are returned as they are)."""
    if type(a) is ndarray:
        return a.get()
    return _np.asarray(a)


def get_array_module(*args):
    for a in args:
        if type(a) is ndarray:
            return sys.modules[__name__]
    return _np


def ascontiguousarray(a, dtype=None):
    if type(a) is not ndarray:
        raise TypeError(f"Unsupported type {type(a)}")
    return ndarray(_np.ascontiguousarray(a._a, dtype=dtype))


class _Namespace(types.SimpleNamespace):
    pass


def _as_strided(x, shape=None, strides=None, **kw):
    return ndarray(_np.lib.stride_tricks.as_strided(_unwrap(x, "as_strided"), shape=shape, strides=strides, **kw))


lib = _Namespace(stride_tricks=_Namespace(as_strided=_as_strided))


class _Linalg(types.ModuleType):
    def __getattr__(self, name):
        fn = getattr(_np.linalg, name)
        return lambda *a, **k: _wrap(fn(*_unwrap(a, f"linalg.{name}"), **_unwrap(k, f"linalg.{name}")))


linalg = _Linalg("fakecupy.linalg")


class _Runtime:
    @staticmethod
    def getDeviceCount():  # noqa: N802 - CUDA's name
        return 1

    @staticmethod
    def getDeviceProperties(i):  # noqa: N802 - CUDA's name
        return {"name": b"fakecupy (NumPy on the host)"}


class _Device:
    def __init__(self, i=0):
        self.id = int(i)

    def synchronize(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


cuda = _Namespace(runtime=_Runtime(), Device=_Device)
newaxis = None
inf, nan, pi, e = _np.inf, _np.nan, _np.pi, _np.e
float16, float32, float64 = _np.float16, _np.float32, _np.float64
int8, int16, int32, int64 = _np.int8, _np.int16, _np.int32, _np.int64
uint8, uint16, uint32, uint64 = _np.uint8, _np.uint16, _np.uint32, _np.uint64
bool_, complex64, complex128 = _np.bool_, _np.complex64, _np.complex128
dtype = _np.dtype
__version__ = "fake"
