"""Shared machinery of the TF 1.x adapter: per-graph state, graph-only source ops, tensor conversion.

Everything a TF 1.x program builds is a graph node. neuralab runs an op at once
when all of its inputs are concrete, so the adapter makes the nodes that have
no inputs (constants, random draws, variable reads) explicit *source* ops that
are always recorded: ``tf.random_normal`` draws anew each time it runs, and an
expression over Variables reads their current values at run time.
"""
from __future__ import annotations

import contextlib
import threading
import weakref

import numpy as np

from ..._core import graph as _graph
from ..._core.op import Op, Spec
from ..._core.tensor import Tensor
from . import _dtypes

#: the seed TF 1.x uses for the graph when only an op seed is given
DEFAULT_GRAPH_SEED = 87654321


class _Running(threading.local):
    def __init__(self):
        self.session = None


#: the Session whose run is in progress on this thread (random ops keep per-session generators)
RUNNING = _Running()


class GraphState:
    """What TF 1.x keeps on a graph and neuralab's Graph does not: seed, variable store, layer names."""

    def __init__(self):
        self.seed = None
        self.variables = {}  # op name -> Variable (tf.Variable and tf.get_variable)
        self.store = {}  # full get_variable name -> Variable
        self.scope_counts = {}  # (variable scope, default name) -> uses, for "dense", "dense_1", ...
        self.var_scope = []  # stack of VariableScope
        self.optimizers = []  # compat optimizers built on this graph (their slot state is per session)
        self.summary_tags = {}  # summary tag -> uses


_STATES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def gstate(g=None) -> GraphState:
    """The adapter's state for graph ``g`` (the default graph when None)."""
    g = g if g is not None else _graph.get_default_graph()
    st = _STATES.get(g)
    if st is None:
        st = _STATES[g] = GraphState()
    return st


@contextlib.contextmanager
def no_control_dependencies(g=None):
    """Record nodes without the enclosing ``control_dependencies`` (TF's init_scope for variables/slots).

    (neuralab's Graph keeps the stack in ``_control``; a public way to clear it would be cleaner.)
    """
    g = g if g is not None else _graph.get_default_graph()
    saved = g._control
    g._control = []
    try:
        yield g
    finally:
        g._control = saved


def op_seed(seed=None, g=None):
    """TF 1.x's seed rule: (graph seed, op seed) for a new random op, or None when neither is set."""
    g = g if g is not None else _graph.get_default_graph()
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
    tf_type = "NoOp"

    def backward(self, grads):
        return ()


def record_source(op: SourceOp, name: str, scoped: bool = True):
    """Record a source op named ``name`` (made unique, prefixed by the name scope) in the default graph."""
    g = _graph.get_default_graph()
    op.name = g.unique_name(name, scoped=scoped)
    return _graph.record(op, ())


class Const(SourceOp):
    """``tf.constant``: returns a stored read-only array (Assign copies it, fetches get a copy)."""

    tf_type = "Const"
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
    def tf_type(self):
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
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    out = []
    for s in shape:
        if s is None:
            raise ValueError(f"{what}: the shape {tuple(shape)} must be fully defined here")
        out.append(int(s))
    return tuple(out)


def as_tensor(x):
    """Variables -> their read node (so expressions over them are graph nodes); other values unchanged."""
    r = getattr(x, "_read", None)
    return r if r is not None else x


def as_graph_tensor(x, dtype=None, name="Const"):
    """Any value as a graph tensor: Variables -> read node, Python/NumPy/concrete values -> Const node."""
    if isinstance(x, Tensor):
        r = getattr(x, "_read", None)
        if r is not None:
            return r
        if x.data is None:
            return x
    return constant_node(x, dtype, name)


def tf_type(op) -> str:
    """The TF op type shown for a node in TensorBoard's graph (``MatMul``, ``Add``, ...)."""
    t = getattr(op, "tf_type", None)
    if t:
        return t
    return "".join(p[:1].upper() + p[1:] for p in type(op).__name__.lstrip("_").split("_")) or "Op"
