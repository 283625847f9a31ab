"""``tf.Session``: runs a graph with per-session variable values and cached plans.

A session keeps its own value for every Variable it initialized
(``{variable: array}``), its own optimizer state (moments, step counts) and its
own generators for seeded random ops, as TF 1.x does. ``run`` looks up a
compiled :class:`neuralab.Plan` cached by (fetch structure, feed keys) — built
once, pruned to what the fetches need — swaps the session's arrays into the
variables the plan touches, calls the plan and stores the arrays back. Nothing
is rebuilt per call: the overhead over calling the plan is a few dictionary
lookups and attribute swaps.
"""
from __future__ import annotations

import contextlib
import threading

import numpy as np

from ..._core import graph as _graph
from ..._core.errors import DTypeError, FeedError, ShapeError
from ..._core.graph import Placeholder, Plan, _check_feed
from ..._core.op import Op
from ..._core.tensor import Tensor
from ...ops.elementwise import StopGradient
from ...ops.state import Assign
from ...optim.optimizer import ApplyUpdates, _GroupState
from . import errors
from ._base import RUNNING, Const
from .variables import Variable, _VariableOpView, _VariableRead
from ..._core.graph import _flatten as _graph_flatten


class _Defaults(threading.local):
    def __init__(self):
        self.sessions = []


_defaults = _Defaults()


def get_default_session():
    """tf.get_default_session: the innermost session made default (``with sess:``, InteractiveSession)."""
    return _defaults.sessions[-1] if _defaults.sessions else None


def _session_for(session):
    s = session if session is not None else get_default_session()
    if s is None:
        raise ValueError("Cannot evaluate tensor using `eval()`: No default session is registered. Use `with "
                         "sess.as_default()` or pass an explicit session to `eval(session=sess)`")
    return s


def _key(x):
    """A hashable key for a (nested) fetch structure, by object identity of its leaves."""
    t = type(x)
    if t is list or t is tuple:
        return (t, *[_key(e) for e in x])
    if t is dict:
        return (dict, *[(k, _key(v)) for k, v in x.items()])
    if t is str:
        return x
    if isinstance(x, tuple):  # namedtuple
        return (t, *[_key(e) for e in x])
    return id(x)


_flatten = _graph_flatten  # one definition: neuralab's nested-fetch flattening


def tensor_by_name(graph, name: str):
    """The tensor (``"scope/op:0"``) or op (``"scope/op"``) named ``name`` in ``graph``."""
    base, _, idx = name.partition(":")
    from ._base import gstate

    v = gstate(graph).variables.get(base)
    if v is not None:
        return v._read if idx else _VariableOpView(v)
    for o in graph.ops:
        if o.name == base:
            if not idx:
                return o
            i = int(idx)
            if i >= len(o.outputs):
                raise KeyError(f"The name '{name}' refers to a Tensor which does not exist. The operation, "
                               f"'{base}', exists but only has {len(o.outputs)} outputs.")
            return o.outputs[i]
    raise KeyError(f"The name '{name}' refers to a Tensor which does not exist. The operation, '{base}', does not "
                   "exist in the graph.")


class _Entry:
    """A cached run: the plan, the structure rebuild, and what the plan reads and writes."""

    __slots__ = ("plan", "feeds", "rebuild", "single", "reads", "writes", "all_vars", "opts", "resets", "keep",
                 "convert")


class BaseSession:
    """tf.Session's implementation (shared with tf.InteractiveSession)."""

    def __init__(self, target="", graph=None, config=None):
        self._graph = graph if graph is not None else _graph.get_default_graph()
        self._values: dict = {}
        self._rngs: dict = {}
        self._opt_state: dict = {}
        self._opt_ready: set = set()
        self._cache: dict = {}
        self._closed = False
        self._ctx = []
        self.config = config
        self.sess_str = target

    # -- properties and context --------------------------------------------------------------
    @property
    def graph(self):
        """The graph this session runs."""
        return self._graph

    @property
    def graph_def(self):
        """The graph (FileWriter and add_graph accept it)."""
        return self._graph

    @contextlib.contextmanager
    def as_default(self):
        """tf.Session.as_default: make this the default session (for Tensor.eval / Operation.run)."""
        _defaults.sessions.append(self)
        try:
            yield self
        finally:
            _defaults.sessions.remove(self)

    def __enter__(self):
        g = self._graph.as_default()
        g.__enter__()
        s = self.as_default()
        s.__enter__()
        self._ctx.append((g, s))
        return self

    def __exit__(self, *exc):
        g, s = self._ctx.pop()
        s.__exit__(*exc)
        g.__exit__(*exc)
        self.close()
        return False

    def close(self):
        """tf.Session.close: free the session's values; later runs raise."""
        self._closed = True
        self._values.clear()
        self._opt_state.clear()
        self._cache.clear()

    def list_devices(self):
        """tf.Session.list_devices: the one CPU device."""
        return [_Bag(name="/job:localhost/replica:0/task:0/device:CPU:0", device_type="CPU")]

    # -- running -----------------------------------------------------------------------------
    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        """tf.Session.run: evaluate ``fetches`` (nested lists/tuples/dicts of tensors, ops, names).

        ``feed_dict`` maps placeholders (or any tensor) to values (lists or arrays,
        converted to the placeholder's dtype, shapes checked). Returns NumPy
        values in the fetches' structure; ops give None.
        """
        if self._closed:
            raise RuntimeError("Attempted to use a closed Session.")
        if isinstance(fetches, (Tensor, Op)):
            skey = id(fetches)
        else:
            skey = _key(fetches)
        fkey = tuple(map(id, feed_dict)) if feed_dict else ()
        entry = self._cache.get((skey, fkey))
        if entry is None:
            entry = self._build(fetches, feed_dict)
            self._cache[(skey, fkey)] = entry
        if feed_dict:
            try:
                arrays = [_check_feed(t, v) for t, v in zip(entry.feeds, feed_dict.values())]
            except FeedError as e:
                raise errors.InvalidArgumentError(None, None, str(e)) from None
        else:
            arrays = ()
        return self._execute(entry, arrays)

    def make_callable(self, fetches, feed_list=None, accept_options=False):
        """tf.Session.make_callable: a function of the feed values that runs ``fetches`` (no lookups)."""
        feed_list = list(feed_list or [])
        entry = self._build(fetches, dict.fromkeys(feed_list))
        feeds = entry.feeds

        def call(*values):
            try:
                arrays = [_check_feed(t, v) for t, v in zip(feeds, values)]
            except FeedError as e:
                raise errors.InvalidArgumentError(None, None, str(e)) from None
            return self._execute(entry, arrays)

        return call

    def _execute(self, entry, arrays):
        values = self._values
        for v in entry.reads:
            if v not in values:
                raise errors.FailedPreconditionError(
                    None, None, f"Attempting to use uninitialized value {v.op_name}\n\t [[node {v.op_name}/read]] "
                    "(run tf.global_variables_initializer() or the variable's initializer in this session first)")
        for opt in entry.opts:
            st = self._opt_state.get(opt)
            if st is None:
                st = self._opt_state[opt] = _new_opt_state(opt)
            if opt not in self._opt_ready and opt not in entry.resets:
                raise errors.FailedPreconditionError(
                    None, None, f"Attempting to use uninitialized value {getattr(opt, '_tf_name', 'optimizer')} "
                    "(the optimizer's slot variables; run tf.global_variables_initializer() after building the "
                    "optimizer)")
            opt._groups, opt.state = st
        for v in entry.reads:
            v.data = values[v]
        for v in entry.writes:  # written, not read: a variable this session has not set yet gets a new array
            v.data = values.get(v)
        prev = RUNNING.session
        RUNNING.session = self
        try:
            vals = entry.plan(*arrays)
        except FeedError as e:
            raise errors.InvalidArgumentError(None, None, str(e)) from e
        except (ShapeError, DTypeError) as e:
            raise errors.InvalidArgumentError(None, None, str(e)) from e
        finally:
            RUNNING.session = prev
            for v in entry.all_vars:
                a = v.data
                if a is None:
                    v.data = v._blank
                else:
                    values[v] = a
        if entry.resets:
            self._opt_ready.update(entry.resets)
        if entry.single:
            return _convert(vals[0], entry.convert[0])
        return entry.rebuild([_convert(x, f) for x, f in zip(vals, entry.convert)])

    def _resolve(self, x):
        if isinstance(x, Variable):
            return x._read
        if isinstance(x, (Tensor, Op)):
            return x
        if isinstance(x, str):
            return self._resolve(tensor_by_name(self._graph, x))
        t = getattr(x, "_fetch_target", None)
        if t is not None:
            return self._resolve(t() if callable(t) else t)
        raise TypeError(f"Fetch argument {x!r} has invalid type {type(x)}, must be a string or Tensor. (Can not "
                        f"convert a {type(x).__name__} into a Tensor or Operation.)")

    def _check_graph(self, t):
        g = t._graph if isinstance(t, Tensor) else getattr(t, "graph", None)
        if g is not None and g is not self._graph:
            op = t._op if isinstance(t, Tensor) else t
            what = f"'{op.name}:{t._idx}'" if isinstance(t, Tensor) and op is not None else f"'{op.name}'"
            raise ValueError(f"Fetch argument {what} cannot be interpreted as a Tensor. (Tensor {what} is not an "
                             "element of this graph.)")

    def _build(self, fetches, feed_dict):
        e = _Entry()
        leaves = []
        e.rebuild = _flatten(fetches, leaves)
        e.single = not isinstance(fetches, (list, tuple, dict))
        targets = [self._resolve(x) for x in leaves]
        for t in targets:
            self._check_graph(t)
        feeds = [self._resolve(k) for k in (feed_dict or {})]
        for k in feeds:
            if not isinstance(k, Tensor):
                raise TypeError(f"The key {k!r} of feed_dict cannot be interpreted as a Tensor")
            self._check_graph(k)
        try:
            plan = Plan(targets, feeds)
        except FeedError as err:
            raise errors.InvalidArgumentError(None, None, str(err)) from None
        e.plan, e.feeds = plan, feeds
        # fetched values that may be a variable's (or a fed) array itself are copied, as TF returns copies
        e.convert = tuple(isinstance(t, Tensor) and (t.data is not None or isinstance(
            t._op, (_VariableRead, Assign, StopGradient, Placeholder, Const))) for t in targets)
        e.keep = (leaves, targets, list(feed_dict or {}))  # keep objects alive: their ids key the cache
        reads, writes, opts, resets = {}, {}, {}, {}
        for o in plan.ops:
            if isinstance(o, _VariableRead):
                reads[o.var] = None
            elif isinstance(o, Assign) and isinstance(o.var, Variable):
                writes[o.var] = None
            elif isinstance(o, ApplyUpdates):
                opts[o.optimizer] = None
                for p in o.optimizer.params:
                    if isinstance(p, Variable):
                        reads[p] = None
            elif getattr(o, "resets_optimizer", None) is not None:
                opts[o.resets_optimizer] = None
                resets[o.resets_optimizer] = None
        for c in plan.captured:
            if isinstance(c, Variable):
                reads[c] = None
        e.reads = tuple(reads)
        e.writes = tuple(v for v in writes if v not in reads)
        e.all_vars = tuple(reads) + e.writes
        e.opts = tuple(opts)
        e.resets = frozenset(resets)
        return e

    # -- checkpoints (used by tf.train.Saver) -------------------------------------------------
    def _value_of(self, var):
        a = self._values.get(var)
        if a is None:
            raise errors.FailedPreconditionError(None, None, f"Attempting to use uninitialized value {var.op_name}")
        return a


def _convert(v, force):
    """A fetched array as TF returns it: a private copy when it may alias state, 0-d as a NumPy scalar."""
    if type(v) is np.ndarray:
        if v.ndim == 0:
            return v[()]
        if force or v.base is not None or not v.flags.writeable:
            return v.copy()
    return v


def _new_opt_state(opt):
    groups = [_GroupState(g["params"], opt.slots) for g in opt.param_groups]
    state = {}
    for g, gs in zip(opt.param_groups, groups):
        for p, st in zip(g["params"], gs.states):
            state[p] = st
    return groups, state


class Session(BaseSession):
    """tf.Session(target, graph, config): ``with tf.Session() as sess: sess.run(...)``."""


class InteractiveSession(BaseSession):
    """tf.InteractiveSession: a session that makes itself (and its graph) the default until closed."""

    def __init__(self, target="", graph=None, config=None):
        super().__init__(target, graph, config)
        self._gctx = self._graph.as_default()
        self._gctx.__enter__()
        _defaults.sessions.append(self)

    def close(self):
        """Close and stop being the default session."""
        if not self._closed:
            if self in _defaults.sessions:
                _defaults.sessions.remove(self)
            try:
                self._gctx.__exit__(None, None, None)
            except (IndexError, ValueError):
                pass
        super().close()


class _Bag:
    def __init__(self, **kw):
        self.__dict__.update(kw)


# ---------------------------------------------------------------------------------------
# TF's Tensor/Operation/Graph methods on neuralab's classes
# ---------------------------------------------------------------------------------------

class TensorShape(tuple):
    """tf.TensorShape: a tuple of dimensions (None = unknown) with TF's helper methods."""

    def __new__(cls, dims=None):
        if dims is None:
            return super().__new__(cls, ())
        return super().__new__(cls, tuple(None if d is None else int(d) for d in dims))

    def as_list(self):
        """The dimensions as a list."""
        return list(self)

    @property
    def ndims(self):
        return len(self)

    rank = ndims

    @property
    def dims(self):
        return list(self)

    def num_elements(self):
        """The number of elements, or None if a dimension is unknown."""
        if any(d is None for d in self):
            return None
        return int(np.prod(self, dtype=np.int64))

    def is_fully_defined(self):
        """tf.TensorShape.is_fully_defined: no unknown dimension."""
        return all(d is not None for d in self)

    def __repr__(self):
        return "TensorShape([" + ", ".join("Dimension(None)" if d is None else f"Dimension({d})" for d in self) + "])"

    def __str__(self):
        return "(" + ", ".join("?" if d is None else str(d) for d in self) + ("," if len(self) == 1 else "") + ")"


def _tensor_eval(self, feed_dict=None, session=None):
    """tf.Tensor.eval: run this tensor in ``session`` (default: the default session)."""
    return _session_for(session).run(self, feed_dict)


def _tensor_get_shape(self):
    """tf.Tensor.get_shape: the static shape as a TensorShape."""
    return TensorShape(self.shape)


def _op_run(self, feed_dict=None, session=None):
    """tf.Operation.run: run this op in ``session`` (default: the default session)."""
    _session_for(session).run(self, feed_dict)


def _graph_get_tensor_by_name(self, name):
    """tf.Graph.get_tensor_by_name."""
    t = tensor_by_name(self, name if ":" in name else name + ":")
    return t


def _graph_get_operation_by_name(self, name):
    """tf.Graph.get_operation_by_name."""
    return tensor_by_name(self, name.partition(":")[0])


def _graph_get_operations(self):
    """tf.Graph.get_operations."""
    return list(self.ops)


def _graph_finalize(self):
    """tf.Graph.finalize (accepted; the graph stays open)."""


def install_tf_methods():
    """Give neuralab's Tensor/Op/Graph the TF 1.x methods scripts call, where the names are free."""
    for cls, name, fn in ((Tensor, "eval", _tensor_eval), (Tensor, "get_shape", _tensor_get_shape),
                          (Op, "run", _op_run), (_graph.Graph, "get_tensor_by_name", _graph_get_tensor_by_name),
                          (_graph.Graph, "get_operation_by_name", _graph_get_operation_by_name),
                          (_graph.Graph, "get_operations", _graph_get_operations),
                          (_graph.Graph, "finalize", _graph_finalize)):
        if not hasattr(cls, name):
            setattr(cls, name, fn)


install_tf_methods()

__all__ = ["InteractiveSession", "Session", "TensorShape", "get_default_session"]
