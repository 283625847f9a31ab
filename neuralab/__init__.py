"""neuralab: a small deep-learning framework on NumPy, built from the lectures.

It (1) builds computational graphs, (2) computes their gradients by reverse-mode
autodiff, and (3) runs them efficiently: eagerly (define-by-run), as
define-then-run graphs with placeholders, or as compiled replays.

>>> import neuralab as nl
>>> x = nl.tensor(-2.0, requires_grad=True); y = nl.tensor(5.0, requires_grad=True)
>>> z = nl.tensor(-4.0, requires_grad=True)
>>> f = (x + y) * z
>>> f.backward(); x.grad, y.grad, z.grad
(Tensor(-4., dtype=float32), Tensor(-4., dtype=float32), Tensor(3., dtype=float32))
"""
from ._core.autograd import grad, gradients, value_and_grad
from ._core.config import detect_anomaly, enable_grad, is_grad_enabled, no_grad
from ._core.dtypes import (
    bool_, default_float, float16, float32, float64, int32, int64, set_default_dtype, uint8,
)
from ._core.errors import DTypeError, FeedError, LabelError, NeuralabError, ShapeError, StateError, TraceError
from ._core.function import Function
from ._core.graph import (
    CompiledFunction, Graph, Plan, compile, get_default_graph, name_scope, placeholder, read,
    reset_default_graph, run,
)
from ._core.op import REGISTRY, Op, Spec
from ._core.random import get_rng, seed
from ._core.tensor import Tensor, tensor
from .ops import *  # noqa: F403  (the op functions under NumPy's names)
from .ops import __all__ as _ops_all
from .ops.state import assign, group
from . import testing  # noqa: E402  (neuralab.testing.gradcheck)

__version__ = "0.1.0"

stop_gradient = stop_gradient  # noqa: F405,PLW0127  (re-exported explicitly for readers)


_SUBMODULES = ("nn", "init", "optim", "losses", "functional", "data", "train", "io", "compat", "cli", "export")
_LAZY = {"save": ("io", "save"), "load": ("io", "load"), "fit": ("train", "fit"), "Trainer": ("train", "Trainer"),
         "DataLoader": ("data", "DataLoader"), "set_num_threads": ("backend.threads", "set_num_threads"),
         "get_num_threads": ("backend.threads", "get_num_threads"), "device": ("backend", "device"),
         "to_device": ("backend", "to_device"), "DeviceError": ("backend", "DeviceError")}


def __getattr__(name):
    """Submodules and their main names load on first use (``import neuralab`` stays light)."""
    import importlib

    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in _LAZY:
        mod, attr = _LAZY[name]
        return getattr(importlib.import_module(f".{mod}", __name__), attr)
    raise AttributeError(f"module 'neuralab' has no attribute {name!r}")


def detach(x):
    """The value of ``x`` cut from the graph (alias of :func:`stop_gradient`)."""
    return stop_gradient(x)  # noqa: F405


def cat(tensors, dim=0):
    """PyTorch's name for :func:`concatenate`: join ``tensors`` along ``dim``."""
    return concatenate(tensors, axis=dim)  # noqa: F405


def manual_seed(value: int):
    """PyTorch's name for :func:`seed`: reseed the global generator; returns it."""
    seed(value)
    return get_rng()


__all__ = [
    "CompiledFunction", "DTypeError", "FeedError", "Function", "Graph", "LabelError", "NeuralabError", "Op", "Plan",
    "REGISTRY", "ShapeError", "Spec", "StateError", "Tensor", "TraceError", "assign", "bool_", "cat", "compile",
    "default_float", "detach", "detect_anomaly", "enable_grad", "float16", "float32", "float64",
    "get_default_graph", "get_rng", "grad", "gradients", "group", "int32", "int64", "is_grad_enabled", "manual_seed",
    "name_scope", "no_grad", "placeholder", "read", "reset_default_graph", "run", "seed", "set_default_dtype",
    "tensor", "uint8", "value_and_grad", "__version__", *_ops_all, *_SUBMODULES, *_LAZY,
]
