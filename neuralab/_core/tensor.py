"""Tensor: an n-dimensional array that remembers how it was computed.

A Tensor is either *concrete* (``data`` holds an array) or *symbolic* (``data``
is None; only its shape and dtype are known, and it stands for a value a graph
run will compute). The math lives in ``neuralab.ops``; this module only holds
the value, the link to the producing op, and the operator sugar.
"""
from __future__ import annotations

import numpy as np

from . import dtypes, op as _opmod
from .errors import DTypeError

_ops = None  # neuralab.ops, bound at import time of neuralab.ops (no cycle)


class Tensor:
    """An array with NumPy semantics plus gradient tracking.

    Create with :func:`neuralab.tensor`. ``t.backward()`` fills ``.grad`` of the
    leaves it depends on; ``t.numpy()`` returns the value.
    """

    __array_priority__ = 1000  # make ndarray + Tensor defer to Tensor
    # defaults live on the class: creating a tensor sets only what differs (fast eager dispatch)
    data = None
    _spec = None
    _op = None
    _idx = 0
    requires_grad = False
    grad = None
    name = None
    _graph = None
    #: True for state that changes between runs (parameters, buffers, compat Variables): while a
    #: graph is being built, ops reading it are recorded instead of evaluated once
    _variable = False

    def __init__(self, data, dtype=None, requires_grad: bool = False, name: str | None = None):
        d = dtypes.as_dtype(dtype)
        if isinstance(data, Tensor):
            data = data.data
        if _opmod._xp_state["used"]:  # a GPU backend is on: GPU data stays there, host data goes to the device
            arr = _device_array(data, d)  # of the innermost neuralab.device(...) context
        else:
            if d is None:
                d = dtypes.infer_data_dtype(data)
            arr = data if (isinstance(data, np.ndarray) and data.dtype == d) else np.asarray(data, dtype=d)
        self.data = arr
        if name is not None:
            self.name = name
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _make(cls, array):
        """Fast constructor around an existing array (no copy, no checks)."""
        t = object.__new__(cls)
        t.data = array
        return t

    @classmethod
    def _symbolic(cls, spec, op=None, idx=0, graph=None, name=None):
        t = object.__new__(cls)
        t._spec = spec
        t._op = op
        t._idx = idx
        t.name = name
        t._graph = graph
        t.requires_grad = spec.dtype.kind == "f"
        return t

    @classmethod
    def from_data(cls, x):
        """``x`` if it is a Tensor, the tensor it stands for (``__neuralab_tensor__``), else a new Tensor of it."""
        if isinstance(x, Tensor):
            return x
        f = getattr(x, "__neuralab_tensor__", None)
        if f is not None:
            return f()
        return cls(x)

    # -- basic properties -----------------------------------------------------------------
    @property
    def shape(self) -> tuple:
        """The shape (a tuple; symbolic tensors may have None entries)."""
        return self.data.shape if self.data is not None else self._spec.shape

    @property
    def dtype(self) -> np.dtype:
        """The NumPy dtype of the elements."""
        return self.data.dtype if self.data is not None else self._spec.dtype

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self):
        if self.data is not None:
            return self.data.size
        n = 1
        for d in self.shape:
            if d is None:
                return None
            n *= d
        return n

    @property
    def is_symbolic(self) -> bool:
        """True for a graph-mode tensor whose value exists only when the graph runs."""
        return self.data is None

    @property
    def is_leaf(self) -> bool:
        """True when no recorded op produced this tensor (gradients accumulate here)."""
        return self._op is None

    @property
    def op(self):
        """The op that produced this tensor, or None for a leaf."""
        return self._op

    @property
    def T(self):
        return _ops.transpose(self)

    def requires_grad_(self, flag: bool = True):
        """Set whether gradients flow to this tensor (only floating tensors can)."""
        if flag and self.dtype.kind not in "fc":
            raise DTypeError(f"requires_grad: only floating tensors can require gradients, got {self.dtype}")
        self.requires_grad = flag
        return self

    def numpy(self) -> np.ndarray:
        """The value as a NumPy array (a view of the tensor's storage on the CPU)."""
        if self.data is None:
            raise ValueError(f"numpy(): tensor {self._label()} is symbolic; evaluate it with "
                             "neuralab.run(tensor, feed_dict)")
        from ..backend import to_numpy

        return to_numpy(self.data)

    def item(self):
        """The single element as a Python number."""
        return self.numpy().item()

    def tolist(self):
        return self.numpy().tolist()

    def detach(self) -> Tensor:
        """The same value, cut from the graph (no gradient flows through it)."""
        return _ops.stop_gradient(self)

    def astype(self, dtype) -> Tensor:
        return _ops.cast(self, dtype)

    def backward(self, grad=None, retain_graph=None, create_graph: bool = False) -> None:
        """Back-propagate from this tensor: add d(self)/d(leaf) into each leaf's ``.grad``.

        ``grad`` is the upstream gradient (required unless self is a scalar; default 1).
        With ``create_graph=True`` the gradients are themselves differentiable.
        As in PyTorch, the graph is released afterwards unless ``retain_graph``
        (default: ``create_graph``) is true: a second ``backward`` through it
        raises instead of silently adding the gradients again.
        """
        _autograd().backward([self], [grad], create_graph=create_graph, retain_graph=retain_graph)

    def _label(self) -> str:
        return repr(self.name) if self.name else f"of shape {_opmod.fmt_shape(self.shape)}"

    def __repr__(self):
        if self.data is None:  # a graph node: its name (op name and output index), as TF prints it
            op = self._op
            node = f"{op.name}:{self._idx}" if op is not None and op.name else "?"
            return f'Tensor(symbolic "{node}", shape={_opmod.fmt_shape(self.shape)}, dtype={self.dtype})'
        g = ", requires_grad=True" if self.requires_grad else ""
        body = np.array2string(self.numpy(), separator=", ", prefix="Tensor(")
        return f"Tensor({body}, dtype={self.dtype}{g})"

    def __len__(self):
        if not self.shape:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __bool__(self):
        if self.data is None:
            raise TypeError("bool() of a symbolic tensor: its value is unknown until the graph runs")
        return bool(self.data)

    def __float__(self):
        return float(self.numpy())

    def __int__(self):
        return int(self.numpy())

    def __array__(self, dtype=None, copy=None):
        a = self.numpy()
        return a if dtype is None else a.astype(dtype)

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def __hash__(self):
        return id(self)

    # shape sugar
    def reshape(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return _ops.reshape(self, shape)

    view = reshape  # PyTorch's name (a reshape here: it may copy, and never aliases a parameter's memory)

    def transpose(self, *axes):
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return _ops.transpose(self, axes or None)

    def sum(self, axis=None, keepdims=False):
        return _ops.sum(self, axis=axis, keepdims=keepdims)

    def mean(self, axis=None, keepdims=False):
        return _ops.mean(self, axis=axis, keepdims=keepdims)

    def max(self, axis=None, keepdims=False):
        return _ops.max(self, axis=axis, keepdims=keepdims)

    def min(self, axis=None, keepdims=False):
        return _ops.min(self, axis=axis, keepdims=keepdims)

    def argmax(self, axis=None):
        return _ops.argmax(self, axis=axis)

    def argmin(self, axis=None):
        return _ops.argmin(self, axis=axis)

    def exp(self):
        return _ops.exp(self)

    def log(self):
        return _ops.log(self)

    def sqrt(self):
        return _ops.sqrt(self)

    def abs(self):
        return _ops.abs(self)

    def tanh(self):
        return _ops.tanh(self)

    def sigmoid(self):
        return _ops.sigmoid(self)

    def clip(self, lo=None, hi=None):
        return _ops.clip(self, lo, hi)

    def squeeze(self, axis=None):
        return _ops.squeeze(self, axis)

    def expand_dims(self, axis):
        return _ops.expand_dims(self, axis)

    def __getitem__(self, index):
        return _ops.getitem(self, index)


def _autograd():
    """The autograd module (imported on first use; a plain global lookup afterwards)."""
    global _autograd_mod
    if _autograd_mod is None:
        from . import autograd

        _autograd_mod = autograd
    return _autograd_mod


_autograd_mod = None


def _install_operators(ops) -> None:
    """Bind Python operators to neuralab ops (called once by neuralab.ops)."""
    global _ops
    _ops = ops
    T = Tensor
    T.__add__ = ops.add
    T.__radd__ = lambda a, b: ops.add(b, a)
    T.__sub__ = ops.subtract
    T.__rsub__ = lambda a, b: ops.subtract(b, a)
    T.__mul__ = ops.multiply
    T.__rmul__ = lambda a, b: ops.multiply(b, a)
    T.__truediv__ = ops.divide
    T.__rtruediv__ = lambda a, b: ops.divide(b, a)
    T.__pow__ = ops.power
    T.__rpow__ = lambda a, b: ops.power(b, a)
    T.__floordiv__ = ops.floor_divide
    T.__rfloordiv__ = lambda a, b: ops.floor_divide(b, a)
    T.__mod__ = ops.mod
    T.__rmod__ = lambda a, b: ops.mod(b, a)
    T.__matmul__ = ops.matmul
    T.__rmatmul__ = lambda a, b: ops.matmul(b, a)
    T.__neg__ = lambda a: ops.negative(a)
    T.__pos__ = lambda a: a
    T.__abs__ = lambda a: ops.abs(a)
    T.__lt__ = lambda a, b: ops.less(a, b)
    T.__le__ = lambda a, b: ops.less_equal(a, b)
    T.__gt__ = lambda a, b: ops.greater(a, b)
    T.__ge__ = lambda a, b: ops.greater_equal(a, b)
    T.__eq__ = lambda a, b: ops.equal(a, b)
    T.__ne__ = lambda a, b: ops.not_equal(a, b)
    T.__invert__ = lambda a: ops.logical_not(a)
    T.__hash__ = lambda a: id(a)


_opmod._Tensor = Tensor


def _is_cupy(a):
    from ..backend import is_cupy_array

    return is_cupy_array(a)


def _get_xp(*arrays):
    from ..backend import get_xp

    return get_xp(*arrays)


def _place(arrays):
    from ..backend import place

    return place(arrays)


def _device_array(data, d):
    """``data`` as an array of dtype ``d`` (None: inferred) on its device: a GPU array stays on the GPU, host
    data goes to :func:`neuralab.backend.current_device`."""
    from .. import backend

    if backend.is_cupy_array(data):
        return data if d is None or data.dtype == d else data.astype(d)
    if d is None:
        d = dtypes.infer_data_dtype(data)
    arr = data if (isinstance(data, np.ndarray) and data.dtype == d) else np.asarray(data, dtype=d)
    return backend.to_device(arr)


#: the core's view of the array backends: ``used`` turns True when a GPU module is switched on
#: (neuralab.backend), and only then do the dispatcher and the plans look at each array's type;
#: ``on_activate`` holds what the core must forget at that moment (compiled fast paths)
_opmod._xp_state = {"used": False, "get_xp": _get_xp, "is_cupy": _is_cupy, "place": _place, "on_activate": []}


def tensor(data, dtype=None, requires_grad: bool = False, name: str | None = None, device=None) -> Tensor:
    """Make a Tensor from array-like ``data``.

    ``dtype`` accepts NumPy dtypes and their names ("float64"). Python floats
    become float32 (the default), NumPy arrays keep their dtype. ``device``
    ("cpu", "gpu") places the value there (default: where ``data`` is, host
    data on the current :func:`neuralab.device`).

    >>> tensor([1.0, 2.0]).dtype
    dtype('float32')
    """
    t = Tensor(data, dtype=dtype, requires_grad=requires_grad, name=name)
    if t.data.dtype.kind not in "biufc":  # strings, objects, dates: no op can compute with them
        raise DTypeError(f"tensor: data of dtype {t.data.dtype} cannot be a tensor; tensors hold booleans or "
                         "numbers (convert strings or objects to numbers first)")
    if device is not None:
        from ..backend import to_device

        t.data = to_device(t.data, device)
    return t
