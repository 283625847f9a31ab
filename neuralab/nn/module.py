"""Module, Parameter, Buffer and the containers (ModuleList, Sequential, Lambda).

A :class:`Module` owns state and computes ``forward``. Assigning a
:class:`Parameter` (trainable), a :class:`Buffer` (non-trainable state, such as
batch-norm running statistics) or another Module to an attribute registers it,
in assignment order, so the dotted names of :meth:`Module.state_dict` are stable::

    class TwoLayer(Module):
        def __init__(self):
            super().__init__()
            self.fc1 = Dense(784, 256, activation="relu")   # keys fc1.weight, fc1.bias
            self.fc2 = Dense(256, 10)                        # keys fc2.weight, fc2.bias

        def forward(self, x):
            return self.fc2(self.fc1(x))

Layers may create their weights lazily from the first input they see (Keras's
``build``, Chainer's ``in_size=None``); a symbolic placeholder input works too,
as long as the dimensions the layer needs are known.
"""
from __future__ import annotations

import contextlib
from collections import OrderedDict
from typing import NamedTuple

import numpy as np

from .._core import dtypes
from .._core.errors import NeuralabError, ShapeError
from .._core.op import fmt_shape
from .._core.tensor import Tensor

__all__ = [
    "Buffer", "Lambda", "LoadResult", "Module", "ModuleList", "Parameter", "Sequential", "StateDictError",
    "functional_call",
]


class StateDictError(NeuralabError, KeyError):
    """A state dict that does not fit the module (missing/unexpected keys, wrong shapes)."""

    def __str__(self):  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


def _to_array(value):
    if isinstance(value, Tensor):
        if value.data is None:
            raise TypeError("a symbolic tensor has no value to store")
        return value.numpy()
    from ..backend import is_cupy_array

    return value if is_cupy_array(value) else np.asarray(value)


def _is_device_name(x) -> bool:
    from ..backend import as_device

    try:
        as_device(x)
    except ValueError:
        return False
    return True


class Parameter(Tensor):
    """A tensor that is trainable state of a :class:`Module` (``requires_grad=True``).

    ``data`` is array-like or a Tensor. Parameters are always floating: a
    floating array keeps its dtype, anything else becomes ``dtype`` or the
    default float (float32). The array is not copied when it already has the
    right dtype.

    >>> w = Parameter(np.zeros((3, 2)), name="w")
    >>> w.requires_grad, w.dtype
    (True, dtype('float64'))
    """

    _variable = True  # state: graphs read it at run time, never fold it into a constant

    def __init__(self, data, requires_grad: bool = True, name: str | None = None, dtype=None):
        arr = _to_array(data)
        d = dtypes.as_dtype(dtype)
        if d is None:
            d = arr.dtype if arr.dtype.kind == "f" else dtypes.default_float()
        if d.kind != "f":
            raise TypeError(f"Parameter: parameters must be floating, got dtype {d}")
        super().__init__(arr, dtype=d, requires_grad=requires_grad, name=name)

    def __repr__(self):
        return "Parameter(" + Tensor.__repr__(self)[len("Tensor("):]


class Buffer(Tensor):
    """A tensor that is non-trainable state of a :class:`Module` (never requires grad).

    Buffers (batch-norm running mean and variance, step counters) are saved in
    :meth:`Module.state_dict` next to the parameters, but optimizers ignore them.
    The dtype of ``data`` is kept (Python floats give the default float).
    """

    _variable = True

    def __init__(self, data, name: str | None = None, dtype=None):
        super().__init__(_to_array(data) if isinstance(data, Tensor) else data, dtype=dtype, name=name)

    def requires_grad_(self, flag: bool = True):
        """Buffers never require gradients; ``flag=True`` raises."""
        if flag:
            raise TypeError("Buffer: buffers are not trainable; use a Parameter")
        self.requires_grad = False
        return self

    def __repr__(self):
        return "Buffer(" + Tensor.__repr__(self)[len("Tensor("):]


class LoadResult(NamedTuple):
    """What :meth:`Module.load_state_dict` could not match (empty when strict)."""

    missing_keys: list
    unexpected_keys: list


_KINDS = ("param", "buffer", "module")


def _kind_of(value):
    if isinstance(value, Parameter):
        return "param"
    if isinstance(value, Buffer):
        return "buffer"
    if isinstance(value, Module):
        return "module"
    return None


class Module:
    """Base class of layers and models: owns parameters, buffers and sub-modules.

    Subclasses call ``super().__init__()`` first, assign their state as
    attributes and define ``forward``; calling the module calls ``forward``.
    ``training`` (True after construction) switches layers such as Dropout and
    BatchNorm between training and inference behaviour; set it for the whole
    tree with :meth:`train` / :meth:`eval`.
    """

    def __init__(self):
        object.__setattr__(self, "_members", OrderedDict())
        object.__setattr__(self, "_kinds", {})
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_param_dtype", None)

    # -- registration -------------------------------------------------------------------
    def __setattr__(self, name, value):
        members = self.__dict__.get("_members")
        new = _kind_of(value)
        if members is None:
            if new is not None:
                raise AttributeError(f"cannot assign {type(value).__name__} '{name}' before "
                                     f"{type(self).__name__}.__init__ called super().__init__()")
            object.__setattr__(self, name, value)
            return
        kinds = self._kinds
        old = kinds.get(name)
        if new is None:
            if old is None:
                object.__setattr__(self, name, value)
                return
            if value is None:
                members[name] = None
                return
            if old == "buffer" and isinstance(value, (Tensor, np.ndarray)):
                members[name] = Buffer(value)
                return
            expect = {"param": "a Parameter", "buffer": "a Buffer or an array", "module": "a Module"}[old]
            what = {"param": "parameter", "buffer": "buffer", "module": "sub-module"}[old]
            raise TypeError(f"cannot assign {type(value).__name__} to {what} '{name}' of "
                            f"{type(self).__name__} ({expect} or None expected)")
        if name in self.__dict__:
            object.__delattr__(self, name)
        if old is not None and old != new:
            del members[name]
        members[name] = value
        kinds[name] = new

    def __getattr__(self, name):
        members = self.__dict__.get("_members")
        if members is not None and name in members:
            return members[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        members = self.__dict__.get("_members")
        if members is not None and name in members:
            del members[name]
            del self._kinds[name]
        else:
            object.__delattr__(self, name)

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._members))

    def _register(self, kind, name, value):
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(f"{type(self).__name__}: invalid member name {name!r} (non-empty, no dots)")
        if name in self.__dict__ or (hasattr(type(self), name) and name not in self._members):
            raise KeyError(f"{type(self).__name__}: attribute '{name}' already exists")
        if self._kinds.get(name, kind) != kind:
            del self._members[name]
        self._members[name] = value
        self._kinds[name] = kind

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` under ``name``; ``None`` reserves the slot (a bias turned off,
        or a weight built later), keeping its place in the state-dict order."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter: expected a Parameter or None, got {type(param).__name__}")
        self._register("param", name, param)

    def register_buffer(self, name: str, value) -> None:
        """Register non-trainable state ``value`` (array-like, Tensor or None) under ``name``."""
        if value is not None and not isinstance(value, Buffer):
            value = Buffer(value)
        self._register("buffer", name, value)

    def add_module(self, name: str, module: Module | None) -> None:
        """Register ``module`` as a child under ``name``."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: expected a Module, got {type(module).__name__}")
        self._register("module", name, module)

    # -- traversal ------------------------------------------------------------------------
    def _own(self, kind):
        kinds = self._kinds
        for name, v in self._members.items():
            if v is not None and kinds[name] == kind:
                yield name, v

    def named_children(self):
        """``(name, module)`` for each direct sub-module, in assignment order."""
        return list(self._own("module"))

    def children(self):
        """The direct sub-modules, in assignment order."""
        return [m for _, m in self._own("module")]

    def named_modules(self, prefix: str = ""):
        """``(dotted name, module)`` for this module (name ``""``) and all below it, each once."""
        out, seen = [], set()
        stack = [(prefix, self)]
        while stack:
            name, m = stack.pop()
            if id(m) in seen:
                continue
            seen.add(id(m))
            out.append((name, m))
            kids = [(f"{name}.{k}" if name else k, c) for k, c in m._own("module")]
            stack.extend(reversed(kids))
        return out

    def modules(self):
        """This module and every module below it (depth first, each once)."""
        return [m for _, m in self.named_modules()]

    def _named_state(self, kinds, prefix="", dedupe=True):
        """(dotted name, tensor) for the given member kinds, in assignment order, recursively."""
        out, seen_t, seen_m = [], set(), set()

        def walk(m, pre):
            if id(m) in seen_m:
                return
            seen_m.add(id(m))
            for name, v in m._members.items():
                if v is None:
                    continue
                k = m._kinds[name]
                if k == "module":
                    walk(v, f"{pre}{name}.")
                elif k in kinds:
                    if dedupe and id(v) in seen_t:
                        continue
                    seen_t.add(id(v))
                    out.append((pre + name, v))

        walk(self, prefix + "." if prefix else "")
        return out

    def named_parameters(self, prefix: str = "", recurse: bool = True):
        """``(dotted name, Parameter)`` pairs in assignment order (shared parameters once)."""
        if not recurse:
            return [(f"{prefix}.{n}" if prefix else n, p) for n, p in self._own("param")]
        return self._named_state(("param",), prefix)

    def parameters(self, recurse: bool = True):
        """The trainable parameters (a list, in assignment order, each once)."""
        return [p for _, p in self.named_parameters(recurse=recurse)]

    def named_buffers(self, prefix: str = "", recurse: bool = True):
        """``(dotted name, Buffer)`` pairs in assignment order."""
        if not recurse:
            return [(f"{prefix}.{n}" if prefix else n, b) for n, b in self._own("buffer")]
        return self._named_state(("buffer",), prefix)

    def buffers(self, recurse: bool = True):
        """The non-trainable state tensors (a list)."""
        return [b for _, b in self.named_buffers(recurse=recurse)]

    # -- state dicts ----------------------------------------------------------------------
    def state_dict(self) -> OrderedDict:
        """Parameters and buffers as ``{dotted name: NumPy array}`` (copies), in assignment order.

        >>> from neuralab.nn import Dense
        >>> Sequential(Dense(2, 3), Dense(3, 1)).state_dict().keys()
        odict_keys(['0.weight', '0.bias', '1.weight', '1.bias'])
        """
        return OrderedDict((k, np.array(t.numpy(), copy=True))
                           for k, t in self._named_state(("param", "buffer"), dedupe=False))

    def load_state_dict(self, state_dict, strict: bool = True, layout: str = "neuralab",
                        input_shape=None) -> LoadResult:
        """Copy values from ``state_dict`` (``{dotted name: array or Tensor}``) into this module.

        Values are written in place (cast to each tensor's dtype), so compiled
        functions and optimizers holding the tensors see them. Unbuilt lazy
        layers are built from the stored shapes first. With ``strict`` every
        key must match; otherwise the unmatched keys are returned. A shape
        mismatch always raises :class:`StateDictError`, and nothing is written
        unless everything fits.

        ``layout="torch"`` reads the state dict of the PyTorch twin of this
        model (``(out, in)`` linear weights, OIHW conv kernels, BatchNorm's
        ``weight``/``bias``; torch tensors are accepted) through
        :func:`neuralab.export.from_torch`; ``input_shape`` (without the batch
        axis) is needed when a Dense layer reads a flattened feature map.
        """
        if layout != "neuralab":
            from ..export.torch_layout import convert

            state_dict = convert(self, state_dict, layout, input_shape, direction="in")
        state = {str(k): v for k, v in state_dict.items()}
        for name, m in self.named_modules():
            pre = f"{name}." if name else ""
            local = {k[len(pre):]: _to_array(v) for k, v in state.items()
                     if k.startswith(pre) and "." not in k[len(pre):]}
            if local and hasattr(m, "_materialize"):
                m._materialize(local)
        own = OrderedDict(self._named_state(("param", "buffer"), dedupe=False))
        missing = [k for k in own if k not in state]
        unexpected = [k for k in state if k not in own]
        problems = []
        if strict and missing:
            problems.append("missing key(s): " + ", ".join(repr(k) for k in missing))
        if strict and unexpected:
            problems.append("unexpected key(s): " + ", ".join(repr(k) for k in unexpected))
        writes = []
        for k, t in own.items():
            if k not in state:
                continue
            arr = _to_array(state[k])
            if arr.shape != t.shape:
                problems.append(f"shape mismatch for {k!r}: the module has {fmt_shape(t.shape)}, "
                                f"the state dict {fmt_shape(arr.shape)}")
                continue
            writes.append((t, arr))
        if problems:
            raise StateDictError(f"load_state_dict for {type(self).__name__}: " + "; ".join(problems))
        from ..backend import get_xp, writeable

        for t, arr in writes:  # (written on the device the tensor lives on)
            xp = get_xp(t.data)
            if t.data is not None and writeable(t.data):
                xp.copyto(t.data, xp.asarray(arr), casting="unsafe")
            else:
                t.data = xp.array(arr, dtype=t.dtype)
        return LoadResult(missing, unexpected)

    def export_state_dict(self, layout: str = "neuralab", input_shape=None) -> OrderedDict:
        """The state dict in ``layout``: ``"neuralab"`` (:meth:`state_dict`) or ``"torch"``, the names and
        layouts of this model's PyTorch twin (see :func:`neuralab.export.to_torch`), as NumPy arrays.

        >>> from neuralab.nn import Dense
        >>> {k: v.shape for k, v in Sequential(Dense(3, 2)).export_state_dict(layout="torch").items()}
        {'0.weight': (2, 3), '0.bias': (2,)}
        """
        from ..export.torch_layout import convert

        return convert(self, None, layout, input_shape, direction="out")

    # -- modes and utilities --------------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Set ``training`` on this module and every sub-module; returns self.

        The flag is read when the forward pass runs: a function compiled with
        :func:`neuralab.compile` keeps the mode it was traced in, so compile one
        function for training steps and another for evaluation.
        """
        mode = bool(mode)
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self) -> Module:
        """Inference mode for the whole tree (``train(False)``); returns self."""
        return self.train(False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the ``.grad`` of every parameter (to None, or to zeros in place)."""
        for p in self.parameters():
            if set_to_none or p.grad is None or p.grad.data is None:
                p.grad = None
            else:
                p.grad.data[...] = 0

    def requires_grad_(self, flag: bool = True) -> Module:
        """Freeze (``False``) or unfreeze every parameter; returns self."""
        for p in self.parameters():
            p.requires_grad_(flag)
        return self

    def num_parameters(self, trainable_only: bool = False) -> int:
        """Total number of parameter elements (shared parameters counted once)."""
        return int(sum(p.size for p in self.parameters() if p.requires_grad or not trainable_only))

    def apply(self, fn) -> Module:
        """Call ``fn(module)`` on every sub-module and then on self; returns self."""
        for m in reversed(self.modules()):
            fn(m)
        return self

    def to(self, dtype=None, device=None) -> Module:
        """Convert floating parameters and buffers to ``dtype`` in place (also for weights
        built later), and/or move every parameter and buffer to ``device`` ("cpu", "gpu"; a device
        name may also be given as the one argument: ``model.to("gpu")``); returns self. Gradients are
        cleared. Weights a lazy layer builds later are made on the current :func:`neuralab.device`: build
        the model (one call on a sample) before moving it, or create it inside ``with nl.device("gpu"):``.
        """
        from .. import backend

        if isinstance(dtype, (str, backend.Device)) and device is None and _is_device_name(dtype):
            dtype, device = None, dtype
        if device is not None:
            dev = backend.as_device(device)
            for _, t in self._named_state(("param", "buffer")):
                if t.data is not None:
                    t.data = backend.to_device(t.data, dev)
                t.grad = None
        if dtype is None:
            return self
        d = dtypes.as_dtype(dtype)
        if d is None or d.kind != "f":
            raise TypeError(f"to: expected a floating dtype, got {dtype!r}")
        for m in self.modules():
            object.__setattr__(m, "_param_dtype", d)
        for _, t in self._named_state(("param", "buffer")):
            if t.dtype.kind == "f" and t.dtype != d:
                t.data = t.data.astype(d)
                t.grad = None
        return self

    def _float_dtype(self) -> np.dtype:
        """The dtype new parameters of this module get (``to()`` / ``dtype=`` or the default)."""
        return self._param_dtype if self._param_dtype is not None else dtypes.default_float()

    # -- calling and printing -------------------------------------------------------------
    def forward(self, *args, **kwargs):
        """The computation; subclasses define it."""
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, *args, **kwargs):
        if _symbolic_args(args):
            # in graph mode each module call gets a name scope ("dense", "dense_1", ...) for TensorBoard
            from .._core.graph import name_scope

            with name_scope(type(self).__name__.lower()):
                return self.forward(*args, **kwargs)
        return self.forward(*args, **kwargs)

    def extra_repr(self) -> str:
        """The text inside the parentheses of this module's repr (its settings)."""
        return ""

    def summary(self, input_shape=None, print_fn=print) -> str:
        """A table of the layers, their output shapes and parameter counts (Keras' ``model.summary()``).

        One row per child module; the output shapes come from running the
        model on a placeholder of shape ``(None, *input_shape)`` in a separate
        graph (nothing is computed; layers built lazily get their weights from
        the traced shapes, as their first call would give them).
        ``input_shape`` (without the batch dimension) defaults to the first
        Dense layer's input size; without it the shapes show as ``?``.
        Buffers (batch-norm running statistics) and frozen parameters count as
        non-trainable. The table is printed with ``print_fn`` (None: not
        printed) and returned.

        >>> from neuralab import nn
        >>> _ = nn.Sequential(nn.Dense(4, 8, activation="relu"), nn.Dropout(0.5), nn.Dense(8, 3)).summary()
        Layer (type)    Output shape    Param #
        =======================================
        0 (Dense)       (None, 8)            40
        1 (Dropout)     (None, 8)             0
        2 (Dense)       (None, 3)            27
        =======================================
        Total params: 67
        Trainable params: 67
        Non-trainable params: 0
        """
        kids = self.named_children() or [(type(self).__name__.lower(), self)]
        shapes = _summary_shapes(self, kids, input_shape)
        rows = []
        for (name, m), shape in zip(kids, shapes):
            n = sum(int(t.size) for _, t in m._named_state(("param", "buffer")) if t.dtype.kind == "f")
            rows.append((f"{name} ({type(m).__name__})", shape, f"{n:,}"))
        seen = self._named_state(("param", "buffer"))
        trainable = sum(int(t.size) for _, t in seen if isinstance(t, Parameter) and t.requires_grad)
        frozen = sum(int(t.size) for _, t in seen if t.dtype.kind == "f") - trainable
        head = ("Layer (type)", "Output shape", "Param #")
        w = [max(len(r[i]) for r in [head, *rows]) + (4 if i < 2 else 0) for i in range(3)]
        width = sum(w)
        lines = [head[0].ljust(w[0]) + head[1].ljust(w[1]) + head[2].rjust(w[2]), "=" * width]
        lines += [a.ljust(w[0]) + b.ljust(w[1]) + c.rjust(w[2]) for a, b, c in rows]
        lines += ["=" * width, f"Total params: {trainable + frozen:,}", f"Trainable params: {trainable:,}",
                  f"Non-trainable params: {frozen:,}"]
        text = "\n".join(lines)
        if print_fn is not None:
            print_fn(text)
        return text

    def stats(self, x, y=None, **kwargs):
        """Per-layer activation and gradient statistics on the batch ``x`` (targets ``y`` optional): a table.

        The same as :func:`neuralab.inspect.layer_stats` (``model.stats(x, y)`` prints
        each layer's mean, std, saturated and dead fractions and gradient norms).
        """
        from ..inspect import layer_stats

        return layer_stats(self, x, y, **kwargs)

    def __repr__(self):
        kids = self.named_children()
        extra = self.extra_repr()
        if not kids:
            return f"{type(self).__name__}({extra})"
        lines = [f"{type(self).__name__}("]
        if extra:
            lines.append("  " + extra.replace("\n", "\n  "))
        for name, m in kids:
            body = repr(m).replace("\n", "\n  ")
            lines.append(f"  ({name}): {body}")
        return "\n".join(lines) + "\n)"


def _summary_shapes(model, kids, input_shape) -> list:
    """Output shape of each child (as text) from a symbolic run in a graph of its own; ``?`` where unknown."""
    unknown = ["?"] * len(kids)
    if input_shape is None:
        first = model
        while first.named_children():  # the first layer the input meets
            first = first.named_children()[0][1]
        if getattr(first, "in_features", None) is None:
            return unknown
        input_shape = (first.in_features,)
    if isinstance(input_shape, int):
        input_shape = (input_shape,)
    from .._core.graph import Graph, placeholder

    fmt = lambda s: "(" + ", ".join("None" if d is None else str(d) for d in s) + ")"  # noqa: E731
    was = [(m, m.training) for m in model.modules()]
    out = []
    try:
        with Graph().as_default():
            x = placeholder((None, *tuple(input_shape)), model._float_dtype())
            model.eval()
            if len(kids) == 1 and kids[0][1] is model:
                return [fmt(model(x).shape)]
            if not isinstance(model, Sequential):
                return unknown[:-1] + [fmt(model(x).shape)]  # only the whole model's output is known
            for _, m in kids:
                x = m(x)
                out.append(fmt(x.shape))
    except Exception:  # noqa: BLE001 - a layer that cannot run symbolically: show what is known
        return out + unknown[len(out):]
    finally:
        for m, flag in was:
            object.__setattr__(m, "training", flag)
    return out


def _symbolic_args(args) -> bool:
    for a in args:
        if isinstance(a, Tensor) and a.data is None:
            return True
    return False


@contextlib.contextmanager
def _substituted(module: Module, tensors: dict):
    saved = []
    try:
        for key, value in tensors.items():
            *path, leaf = key.split(".")
            owner = module
            for p in path:
                owner = owner._members.get(p) if isinstance(owner, Module) else None
                if not isinstance(owner, Module):
                    raise KeyError(f"functional_call: no sub-module on the path of {key!r}")
            if leaf not in owner._members or owner._kinds[leaf] == "module":
                raise KeyError(f"functional_call: {type(owner).__name__} has no parameter or buffer {leaf!r} "
                               f"(key {key!r})")
            if not isinstance(value, Tensor):
                value = Tensor(value)
            saved.append((owner, leaf, owner._members[leaf]))
            owner._members[leaf] = value
        yield
    finally:
        for owner, leaf, old in reversed(saved):
            owner._members[leaf] = old


def functional_call(module: Module, tensors: dict, *args, **kwargs):
    """Call ``module(*args, **kwargs)`` with some parameters/buffers replaced by ``tensors``.

    ``tensors`` maps dotted state-dict names to Tensors (or arrays); the module's
    own tensors are put back afterwards. Gradients then flow to the given
    tensors, which makes a module a pure function of its weights (gradient
    checks, ensembles of weight sets).

    >>> from neuralab.nn import Dense
    >>> layer = Dense(3, 2)
    >>> w = nl.tensor(np.ones((3, 2)), requires_grad=True)
    >>> y = functional_call(layer, {"weight": w}, np.ones((1, 3)))
    >>> y.numpy()               # x @ w + bias (0)
    array([[3., 3.]])
    """
    with _substituted(module, tensors):
        return module(*args, **kwargs)


class Lambda(Module):
    """Wrap a function of tensors (``nl.relu``, ``lambda x: x * 2``) as a Module without state."""

    def __init__(self, fn, name: str | None = None):
        super().__init__()
        if not callable(fn):
            raise TypeError(f"Lambda: expected a callable, got {type(fn).__name__}")
        self.fn = fn
        self.fn_name = name or getattr(fn, "__name__", type(fn).__name__)

    def forward(self, *args, **kwargs):
        """``fn(*args, **kwargs)``."""
        return self.fn(*args, **kwargs)

    def extra_repr(self):
        return self.fn_name


class ModuleList(Module):
    """A list of modules registered as children ``"0"``, ``"1"``, ... (for models built in loops).

    >>> from neuralab.nn import Dense
    >>> blocks = ModuleList(Dense(5, 5) for _ in range(9))
    >>> len(blocks), blocks[0]
    (9, Dense(in_features=5, out_features=5))
    """

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def _check(self, m):
        if not isinstance(m, Module):
            raise TypeError(f"{type(self).__name__}: expected a Module, got {type(m).__name__}")
        return m

    def _list(self):
        return [m for _, m in self._own("module")]

    def _reset(self, items):
        self._members.clear()
        self._kinds.clear()
        for i, m in enumerate(items):
            self.add_module(str(i), m)

    def append(self, module: Module) -> ModuleList:
        """Add ``module`` at the end; returns self."""
        self.add_module(str(len(self)), self._check(module))
        return self

    def extend(self, modules) -> ModuleList:
        """Append each of ``modules``; returns self."""
        for m in modules:
            self.append(m)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Insert ``module`` before position ``index`` (later ones are renumbered)."""
        items = self._list()
        items.insert(index, self._check(module))
        self._reset(items)

    def __len__(self):
        return len(self._members)

    def __iter__(self):
        return iter(self._list())

    def __getitem__(self, index):
        items = self._list()
        if isinstance(index, slice):
            return ModuleList(items[index])
        return items[index]

    def __setitem__(self, index, module):
        items = self._list()
        items[index] = self._check(module)
        self._reset(items)

    def __delitem__(self, index):
        items = self._list()
        del items[index]
        self._reset(items)

    def forward(self, *args, **kwargs):
        """A ModuleList is a container, not a computation."""
        raise NotImplementedError("ModuleList has no forward(); iterate over it or use Sequential")


class Sequential(ModuleList):
    """Layers applied one after the other: ``Sequential(l1, l2, l3)(x) == l3(l2(l1(x)))``.

    Non-Module callables (``nl.relu``) are wrapped in :class:`Lambda`. A single
    dict argument names the layers (``Sequential({"fc1": ..., "act": ...})``);
    otherwise they are named ``"0"``, ``"1"``, ... Supports indexing, slicing
    (a new Sequential sharing the layers), ``len`` and ``append``.

    >>> from neuralab.nn import Dense, Dropout
    >>> model = Sequential(Dense(784, 256, activation="relu"), Dropout(0.3), Dense(256, 10))
    >>> logits = model(np.zeros((5, 784), np.float32))
    >>> logits.shape
    (5, 10)
    """

    def __init__(self, *layers):
        Module.__init__(self)
        if len(layers) == 1 and isinstance(layers[0], dict):
            for name, m in layers[0].items():
                self.add_module(str(name), self._check(m))
        else:
            self.extend(layers)

    def _check(self, m):
        if isinstance(m, Module):
            return m
        if callable(m):
            return Lambda(m)
        raise TypeError(f"Sequential: expected a Module or a callable, got {type(m).__name__}")

    def append(self, module) -> Sequential:
        """Add a layer at the end; returns self."""
        name = str(len(self))
        while name in self._members:
            name = "_" + name
        self.add_module(name, self._check(module))
        return self

    def __getitem__(self, index):
        if isinstance(index, str):
            return self._members[index]
        items = self._list()
        if isinstance(index, slice):
            return Sequential(*items[index])
        return items[index]

    def forward(self, x):
        """Apply the layers in order."""
        for m in self._list():
            x = m(x)
        return x


def _check_known(layer: str, x, axis: int, what: str) -> int:
    """The size of ``x`` along ``axis``, raising a ShapeError naming ``layer`` when unknown."""
    shape = x.shape
    if shape is None or not -len(shape) <= axis < len(shape):
        raise ShapeError(f"{layer}: cannot infer {what} from an input of shape "
                         f"{fmt_shape(shape) if shape is not None else '(unknown rank)'}")
    n = shape[axis]
    if n is None:
        raise ShapeError(f"{layer}: cannot infer {what} from an input of shape {fmt_shape(shape)}: "
                         f"dimension {axis} is unknown; give it explicitly")
    return int(n)
