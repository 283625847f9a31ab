"""Shared machinery of the TF 1.x adapter: per-graph state, graph-only source ops, tensor conversion.

Everything a TF 1.x program builds is a graph node. neuralab runs an op at once
when all of its inputs are concrete, so the adapter makes the nodes that have
no inputs (constants, random draws) explicit *source* ops that are always
recorded: ``tf.random_normal`` draws anew each time it runs. Variables enter
expressions through their ``<name>/read`` node (:func:`neuralab.read`), so an
expression over Variables reads their current values at run time.
"""
from __future__ import annotations

import threading

import numpy as np

from ..._core import graph as _graph
from ..._core.op import Op, Spec
from ..._core.tensor import Tensor
from . import _dtypes, _types

#: the seed TF 1.x uses for the graph when only an op seed is given
DEFAULT_GRAPH_SEED = 87654321


class _Running(threading.local):
    def __init__(self):
        self.session = None


#: the Session whose run is in progress on this thread (random ops keep per-session generators)
RUNNING = _Running()


def gstate(g=None) -> _types.Graph:
    """The adapter's tf.Graph (with its per-graph state) for neuralab graph ``g`` (the default graph when None)."""
    return _types.graph_of(g)


def core_graph(g=None) -> _graph.Graph:
    """The neuralab Graph of a tf.Graph, a neuralab Graph, or (None) the default graph."""
    if isinstance(g, _types.Graph):
        return g._nl
    return g if g is not None else _graph.get_default_graph()


def no_control_dependencies(g=None):
    """Record nodes without the enclosing ``control_dependencies`` (variables, slots: neuralab's init_scope)."""
    return core_graph(g).init_scope()


def op_seed(seed=None, g=None):
    """TF 1.x's seed rule: (graph seed, op seed) for a new random op, or None when neither is set."""
    g = core_graph(g)
    gs = gstate(g).seed
    if gs is None and seed is None:
        return None
    if gs is None:
        gs = DEFAULT_GRAPH_SEED
    if seed is None:
        seed = len(g.ops)  # the op's index in the graph
    return (int(gs), int(seed))


def seeded_rng(seed=None, g=None):
    """A Generator for ops that take one at build time (dropout masks); None -> neuralab's global one."""
    s = op_seed(seed, g)
    return None if s is None else np.random.default_rng(list(s))


class SourceOp(Op):
    """A graph node without inputs; always recorded (never run at build time)."""

    nin = 0
    register = False
    differentiable = False
    type = "NoOp"

    def backward(self, grads):
        return ()


def record_source(op: SourceOp, name: str, scoped: bool = True):
    """Record a source op named ``name`` (made unique, prefixed by the name scope) in the default graph.

    After ``tf.enable_eager_execution()`` the op runs at once instead and its value is returned.
    """
    if _types.MODE.eager:
        return Tensor(op.forward(np)[0]) if op.nout == 1 else None
    g = _graph.get_default_graph()
    op.name = g.unique_name(name, scoped=scoped)
    return _graph.record(op, ())


class Const(SourceOp):
    """``tf.constant``: returns a stored read-only array (Assign copies it, fetches get a copy)."""

    type = "Const"
    register = False  # adapter nodes stay out of neuralab.REGISTRY (the primitives' coverage table)

    def forward(self, xp):
        return (self.value,)

    def infer(self):
        return (Spec(self.value.shape, self.value.dtype),)


class Generate(SourceOp):
    """A random (or filled) array drawn by ``fn(shape, dtype=..., rng=...)`` every time the node runs.

    ``fn`` is a :mod:`neuralab.nn.init`-style initializer. With a seed (TF's
    graph-level and op-level seeds) each Session gets its own generator for the
    op, started from (graph seed, op seed): a script repeats exactly, and a new
    session re-draws the same initial values. Without any seed the draws come
    from neuralab's global generator (:func:`neuralab.seed`).
    """

    nondeterministic = True
    register = False

    @property
    def type(self):
        fn = getattr(self.fn, "func", self.fn)
        return {"normal": "RandomStandardNormal", "uniform": "RandomUniform", "truncated_normal": "TruncatedNormal",
                "zeros": "Zeros", "ones": "Ones", "constant": "Fill"}.get(getattr(fn, "__name__", ""), "RandomOp")

    def forward(self, xp):
        rng = None
        if self.seed is not None:
            sess = RUNNING.session
            store = sess._rngs if sess is not None else self.__dict__.setdefault("_own", {})
            rng = store.get(self)
            if rng is None:
                rng = store[self] = np.random.default_rng(list(self.seed))
        return (np.asarray(self.fn(self.shape, dtype=self.dtype, rng=rng), dtype=self.dtype),)

    def infer(self):
        return (Spec(self.shape, self.dtype),)


def constant_node(value, dtype=None, name="Const", scoped=True):
    """A Const node holding ``value`` (converted with TF's dtype rules or to ``dtype``)."""
    if isinstance(value, Tensor):
        value = value.numpy()
    d = _dtypes.np_dtype(dtype) or _dtypes.value_dtype(value)
    arr = np.array(value, dtype=d)  # a private copy
    arr.flags.writeable = False
    return record_source(Const(value=arr), name, scoped=scoped)


def generate_node(fn, shape, dtype, seed=None, name="random"):
    """A Generate node drawing ``fn(shape, dtype, rng)`` at each run (see :class:`Generate`)."""
    shp = static_shape(shape, name)
    g = _graph.get_default_graph()
    return record_source(Generate(fn=fn, shape=shp, dtype=_dtypes.np_dtype(dtype, np.float32), seed=op_seed(seed, g)),
                         name)


def static_shape(shape, what="shape") -> tuple:
    """A shape given as an int, list/tuple or TensorShape, as a tuple of ints (must be fully known)."""
    if isinstance(shape, Tensor):
        if shape.data is None:
            raise NotImplementedError(f"neuralab.compat.v1: {what} from a run-time tensor is not supported; "
                                      "give the shape as a list of ints")
        shape = shape.numpy().tolist()
    if isinstance(shape, (int, np.integer, _types.Dimension)):
        return (int(shape),)
    if isinstance(shape, _types.TensorShape):
        shape = shape.as_list()
    out = []
    for s in shape:
        s = _types.dimension_value(s)
        if s is None:
            raise ValueError(f"{what}: the shape {tuple(shape)} must be fully defined here")
        out.append(int(s))
    return tuple(out)


def _has_tensor(x):
    if isinstance(x, (list, tuple)):
        return any(_has_tensor(e) for e in x)
    return isinstance(x, Tensor) or hasattr(x, "__neuralab_tensor__")


def as_tensor(x):
    """An argument as a neuralab tensor: tf.Tensor/tf.Variable -> the tensor they stand for (a variable's read
    node); a (nested) list holding tensors -> one packed tensor (TF's auto-packing); other values unchanged."""
    if isinstance(x, Tensor):
        return x
    f = getattr(x, "__neuralab_tensor__", None)
    if f is not None:
        return f()
    if isinstance(x, (list, tuple)):
        if _has_tensor(x):
            from ...functional.array import stack

            return stack([as_graph_tensor(e) for e in x])
        if any(isinstance(e, _types.Dimension) for e in x):
            return [_types.dimension_value(e) for e in x]
    if isinstance(x, _types.Dimension):
        return x.value
    return x


def as_graph_tensor(x, dtype=None, name="Const"):
    """Any value as a graph tensor: TF objects -> theirs, Python/NumPy/concrete values -> a Const node."""
    x = as_tensor(x)
    if isinstance(x, Tensor) and x.data is None:
        return x
    if _types.MODE.eager:
        return x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=_dtypes.np_dtype(dtype) or
                                                                 _dtypes.value_dtype(x)))
    return constant_node(x, dtype, name)
