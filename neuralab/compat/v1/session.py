"""``tf.Session``: runs a graph with per-session variable values and cached plans.

A session keeps its own value for every Variable it initialized, its own
optimizer state (moments, step counts) and its own generators for seeded
random ops, as TF 1.x does: all in one store ``{state: value}`` that its plans
run against (:meth:`neuralab.Plan.run`). ``run`` looks up a compiled
:class:`neuralab.Plan` cached by (fetch structure, feed keys) — built once,
pruned to what the fetches need — checks that every variable the plan reads
has a value in this session (TF's FailedPreconditionError otherwise) and runs
it. Nothing is rebuilt per call: the overhead over calling the plan is a few
dictionary lookups and attribute swaps.
"""
from __future__ import annotations

import contextlib
import threading

import numpy as np

from ..._core.errors import DTypeError, FeedError, LabelError, NeuralabError, ShapeError, StateError
from ..._core.graph import Placeholder, Plan, _check_feed, _flatten
from ..._core.op import Op
from ..._core.tensor import Tensor
from ...backend import is_cupy_array
from ...ops.elementwise import IntegerDivisionError, StopGradient
from ...ops.state import Assign, ReadVariable
from . import _types, errors
from ._base import RUNNING, Const


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


class _Entry:
    """A cached run: the plan, the structure rebuild, and what must be initialized before it runs."""

    __slots__ = ("plan", "feeds", "rebuild", "single", "variables", "holders", "resets", "keep", "convert")


class BaseSession:
    """tf.Session's implementation (shared with tf.InteractiveSession)."""

    def __init__(self, target="", graph=None, config=None):
        if _types.MODE.eager:
            raise RuntimeError("The Session graph is empty. Add operations to the graph before calling run(). "
                               "(tf.Session is not available with eager execution enabled.)")
        self._graph = _types.graph_of(graph)
        self._store: dict = {}  # variable storage -> array, optimizer -> its OptimizerState
        self._rngs: dict = {}
        self._cache: dict = {}
        self._closed = False
        self._ctx = []
        self.config = config
        self._target = target

    # -- properties and context --------------------------------------------------------------
    @property
    def graph(self):
        """The graph this session runs."""
        return self._graph

    @property
    def graph_def(self):
        """The graph (FileWriter and add_graph accept it)."""
        return self._graph

    @property
    def sess_str(self):
        return self._target

    @contextlib.contextmanager
    def as_default(self):
        """tf.Session.as_default: make this the default session (for Tensor.eval / Operation.run)."""
        _defaults.sessions.append(self)
        try:
            yield self
        finally:
            _defaults.sessions.remove(self)

    def __enter__(self):
        g = self._graph._nl.as_default()
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
        self._store.clear()
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
        store = self._store
        for v in entry.variables:
            if v not in store:
                raise errors.FailedPreconditionError(
                    None, None, f"Attempting to use uninitialized value {v.name}\n\t [[node {v.name}/read]] "
                    "(run tf.global_variables_initializer() or the variable's initializer in this session first)")
        for opt in entry.holders:
            if opt not in store and opt not in entry.resets:
                if getattr(opt, "_tf_slotless", False):  # tf.train.GradientDescentOptimizer has nothing to initialize
                    store[opt] = opt.new_state()
                    continue
                raise errors.FailedPreconditionError(
                    None, None, f"Attempting to use uninitialized value {getattr(opt, '_tf_name', 'optimizer')} "
                    "(the optimizer's slot variables; run tf.global_variables_initializer() after building the "
                    "optimizer)")
        prev = RUNNING.session
        RUNNING.session = self
        try:
            vals = entry.plan.run(*arrays, store=store)
        except (FeedError, ShapeError, DTypeError, LabelError, IntegerDivisionError) as e:
            raise errors.InvalidArgumentError(None, None, str(e)) from e
        except StateError as e:
            raise errors.FailedPreconditionError(None, None, str(e)) from e
        except NeuralabError as e:  # other bad values met at run time (an embedding id out of range: IndexError)
            if not isinstance(e, (IndexError, ValueError, TypeError)):
                raise
            raise errors.InvalidArgumentError(None, None, str(e)) from e
        finally:
            RUNNING.session = prev
        if entry.single:
            return _convert(vals[0], entry.convert[0])
        return entry.rebuild([_convert(x, f) for x, f in zip(vals, entry.convert)])

    def _resolve(self, x):
        if isinstance(x, str):
            return self._resolve(self._graph.as_graph_element(x))
        if isinstance(x, (Tensor, Op)):
            return x
        f = getattr(x, "__neuralab_tensor__", None)
        if f is not None:
            return f()
        raise TypeError(f"Fetch argument {x!r} has invalid type {type(x)}, must be a string or Tensor. (Can not "
                        f"convert a {type(x).__name__} into a Tensor or Operation.)")

    def _check_graph(self, t):
        g = t._graph if isinstance(t, Tensor) else getattr(t, "graph", None)
        if g is not None and g is not self._graph._nl:
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
        e.convert = tuple(isinstance(t, Tensor) and (t.data is not None or t._op.identity or isinstance(
            t._op, (ReadVariable, Assign, StopGradient, Placeholder, Const))) for t in targets)
        e.keep = (leaves, targets, list(feed_dict or {}))  # keep objects alive: their ids key the cache
        e.variables = tuple(k for k in plan.reads if isinstance(k, Tensor))
        e.holders = tuple(k for k in plan.reads if not isinstance(k, Tensor))
        e.resets = frozenset(getattr(o, "resets_optimizer", None) for o in plan.ops
                             if getattr(o, "resets_optimizer", None) is not None)
        return e

    # -- values (used by tf.train.Saver and Variable.load) -----------------------------------------
    def _value_of(self, var):
        a = self._store.get(var._var)
        if a is None:
            raise errors.FailedPreconditionError(None, None, f"Attempting to use uninitialized value {var.op_name}")
        return a


def _convert(v, force):
    """A fetched array as TF returns it: a private copy when it may alias state, 0-d as a NumPy scalar.

    String tensors come back as TF gives them: ``bytes`` (UTF-8), arrays of them with dtype object.
    """
    if type(v) is not np.ndarray and is_cupy_array(v):  # fetched from the GPU: the host copy is private
        v = v.get()
        return v[()] if v.ndim == 0 else v
    if type(v) is np.ndarray:
        if v.dtype.kind == "U":
            v = np.char.encode(v, "utf-8").astype(object)
            return v[()] if v.ndim == 0 else v
        if v.ndim == 0:
            return v[()]
        if force or v.base is not None or not v.flags.writeable:
            return v.copy()
    return v


class Session(BaseSession):
    """tf.Session(target, graph, config): ``with tf.Session() as sess: sess.run(...)``."""


class InteractiveSession(BaseSession):
    """tf.InteractiveSession: a session that makes itself (and its graph) the default until closed."""

    def __init__(self, target="", graph=None, config=None):
        super().__init__(target, graph, config)
        self._gctx = self._graph._nl.as_default()
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


__all__ = ["InteractiveSession", "Session", "get_default_session"]
