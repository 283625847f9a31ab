"""``tf.data``: TF 1.x input pipelines as graph nodes over :class:`neuralab.data.Pipeline`.

A :class:`Dataset` is a description: its sources are NumPy values or graph
tensors (placeholders, for the initializable-iterator feed pattern), and each
transformation is the native :class:`~neuralab.data.Pipeline` method of the
same name. The native pipeline is built when an iterator starts — when its
``initializer`` runs, with the values fed to the placeholders, or on the first
``get_next`` of a one-shot iterator — so re-running an initializer restarts the
pipeline (with a seeded ``shuffle``, in the same order, as in TF 1.x).

``get_next()`` returns graph tensors in the structure of the dataset's
elements, all outputs of one node: each ``Session.run`` that fetches any of
them pulls the next element once, and raises ``tf.errors.OutOfRangeError``
after the last. The iterator's position belongs to the Session (like
variables), so two sessions iterate independently.

``map`` (and ``filter``) call the function once with tf.Tensors standing for
one element, recording a small graph of TF ops, and evaluate that graph per
element. When every op in it acts elementwise (casts, arithmetic,
comparisons, ``decode_csv``: the results for a batch are the results for each
element, bit for bit), ``map(f).batch(n)`` evaluates it once per batch
instead. Tensors of the outer graph that the function uses (constants,
placeholders) become inputs of the iterator's initializer. A function that
cannot run on tf.Tensors (plain NumPy code) is called with NumPy arrays
instead. After ``tf.enable_eager_execution()``, datasets are iterable with
``for`` and map functions get eager tensors.
"""
from __future__ import annotations

import glob as _glob
import threading
import types as _pytypes
import weakref

import numpy as np

from ..._core import graph as _graph
from ..._core.op import Op, Spec, new_id
from ..._core.tensor import Tensor as _NLTensor
from ...data.pipeline import (
    INFINITE, UNKNOWN, Pipeline, _call, _nested, flatten, leaves_like as _leaves_like, map_structure, unflatten,
)
from ...ops import elementwise as _E
from . import _base, _dtypes, _types, errors
from ._base import RUNNING, as_graph_tensor, as_tensor, gstate
from .missing import module_getattr

AUTOTUNE = -1  # tf.data.experimental.AUTOTUNE


# ---------------------------------------------------------------------------------------
# per-session state of iterators (and of the queue readers in io_ops)
# ---------------------------------------------------------------------------------------

class Resource:
    """Something whose run-time state belongs to the Session running it (an iterator, a queue, a reader).

    ``state()`` is the state for the Session whose ``run`` is in progress on
    this thread (kept in the session's store, so ``close()`` frees it), or the
    resource's own state outside sessions. Subclasses define ``new_state()``.
    """

    def __init__(self):
        self._own = None
        self._lock = threading.Lock()

    def new_state(self):  # pragma: no cover - abstract
        """A fresh state (for a session that has none yet)."""
        raise NotImplementedError

    def state_for(self, sess):
        """The state of this resource in Session ``sess`` (None: outside sessions), made on first use."""
        if sess is None:
            with self._lock:
                if self._own is None:
                    self._own = self.new_state()
            return self._own
        st = sess._store.get(self)
        if st is None:
            with self._lock:
                st = sess._store.get(self)
                if st is None:
                    st = sess._store[self] = self.new_state()
        return st

    def state(self):
        """The state for the run in progress on this thread (see the class doc)."""
        return self.state_for(RUNNING.session)


def _record(op, inputs, name):
    """Record adapter node ``op`` (inputs: neuralab tensors) named ``name`` (made unique) in the default graph."""
    g = _graph.get_default_graph()
    op.name = g.unique_name(name)
    return _graph.record(op, tuple(inputs))


class StatefulNode(Op):
    """Base of the adapter's iterator, queue and reader nodes: stateful, never differentiated.

    ``specs`` (given when the node is made) are its output Specs.
    """

    register = False
    differentiable = False
    stateful = True
    nondeterministic = True
    specs = ()

    def infer(self, *specs):
        """The output Specs given when the node was made."""
        return tuple(self.specs)

    def backward(self, grads):
        """No gradient to any input."""
        return tuple(None for _ in self.inputs)


# ---------------------------------------------------------------------------------------
# values in, specs
# ---------------------------------------------------------------------------------------

def _tf_array(value):
    """A Python/NumPy value as TF converts it: float -> float32, int -> int32, str -> bytes (tf.string)."""
    if isinstance(value, np.ndarray) and value.dtype.kind not in "US":
        return value
    arr = np.asarray(value)
    if arr.dtype.kind in "US":
        out = np.empty(arr.shape, dtype=object)
        out.flat[:] = [v.encode() if isinstance(v, str) else bytes(v) for v in arr.flat]
        return out
    return arr if isinstance(value, (np.ndarray, np.generic)) else np.asarray(value, dtype=_dtypes.value_dtype(value))


def _leaf(x):
    """One component given to a source: a symbolic neuralab tensor, or a NumPy array."""
    if isinstance(x, Dataset):
        raise TypeError("tf.data: a Dataset cannot be a component of an element; use Dataset.zip")
    t = as_tensor(x)
    if isinstance(t, _NLTensor):
        return t if t.data is None else _tf_array(t.numpy())
    return _tf_array(t)


def _components(structure):
    """A user structure (tuples/dicts; a list is one tensor, as TF packs it) with every leaf converted."""
    if isinstance(structure, dict):
        return {k: _components(v) for k, v in structure.items()}
    if isinstance(structure, tuple):
        parts = [_components(v) for v in structure]
        return type(structure)(*parts) if hasattr(structure, "_fields") else tuple(parts)
    return _leaf(structure)


def _value(leaf, values):
    return values[id(leaf)] if isinstance(leaf, _NLTensor) else leaf


def _symbolic(leaves):
    return tuple(x for x in leaves if isinstance(x, _NLTensor))


def _spec_of_leaf(x, drop_first=False):
    shape = None if x.shape is None else tuple(x.shape)
    if drop_first and shape is not None:
        if not shape:
            raise ValueError("tf.data.Dataset.from_tensor_slices: a component is a scalar; slicing needs a tensor of "
                             "rank 1 or more")
        shape = shape[1:]
    return Spec(shape, np.dtype(x.dtype))


def _types_of(spec):
    return map_structure(lambda s: _dtypes.as_dtype(s.dtype), spec)


def _shapes_of(spec):
    return map_structure(lambda s: _types.TensorShape(s.shape), spec)


def _spec_from(output_types, output_shapes):
    """A structure of Specs from TF's output_types / output_shapes (shapes default to unknown rank)."""
    def one(d, s):
        return Spec(_types.shape_tuple(s) if s is not None else None, np.dtype(_dtypes.np_dtype(d)))

    if isinstance(output_types, (tuple, list, dict)):
        template = _as_type_struct(output_types)
        leaves = flatten(template)
        shapes = [None] * len(leaves) if output_shapes is None else _leaves_like(template, output_shapes)
        return unflatten(template, [one(d.d, s) for d, s in zip(leaves, shapes)])
    return one(output_types, output_shapes)


def _as_type_struct(t):
    if isinstance(t, dict):
        return {k: _as_type_struct(v) for k, v in t.items()}
    if isinstance(t, (tuple, list)):
        return tuple(_as_type_struct(v) for v in t)
    return _TypeLeaf(t)


class _TypeLeaf:
    """A dtype as a leaf of a structure (so a tuple of dtypes is not mistaken for a shape)."""

    __slots__ = ("d",)

    def __init__(self, d):
        self.d = d


def _fix_types(spec_leaves):
    return [Spec(s.shape, s.dtype) for s in spec_leaves]


# ---------------------------------------------------------------------------------------
# functions of elements (map, filter, flat_map): traced into a small graph, run per element or per batch
# ---------------------------------------------------------------------------------------

#: elementwise ops whose result on a batch is, bit for bit, the result on each element (exactly rounded
#: arithmetic; transcendental functions may round differently in NumPy's vector loops, so they are left out)
_INEXACT = (_E.Exp, _E.Log, _E.Tanh, _E.Sigmoid, _E.Power, _E.Sin, _E.Cos)


def _elementwise(op) -> bool:
    if isinstance(op, _INEXACT):
        return False
    return (isinstance(op, (_E._Binary, _E._Unary, _E.Where)) or op.identity
            or getattr(op, "elementwise", False))


class _Traced:
    """``fn`` called once on tf.Tensors standing for an element of ``in_spec``, as a neuralab Plan.

    ``captures`` are tensors of the outer graph the function uses (their values
    come with the dataset's other inputs); ``out_spec`` the result's structure;
    ``batch_safe`` whether the plan may run on a whole batch at once.
    """

    def __init__(self, fn, in_spec, what):
        g = _graph.Graph()
        _types.graph_of(g).seed = gstate().seed  # the function sees the outer graph's seed, as in TF
        mark = new_id()
        with g.as_default():
            specs = flatten(in_spec)
            phs = [_graph.placeholder(s.shape, s.dtype, name=f"args_{i}") for i, s in enumerate(specs)]
            args = unflatten(in_spec, [_types.wrap(p) for p in phs])
            out = _call(fn, args)
            if isinstance(out, Dataset):
                self.dataset, self.phs = out, phs
                self.plan = None
                self.captures = tuple(t for t in out._deps if id(t) not in {id(p) for p in phs})
                return
            out = _graph_struct(out)
        self.dataset = None
        leaves = flatten(out)
        self.template = out
        self.out_spec = unflatten(out, [Spec(None if t.shape is None else tuple(t.shape), np.dtype(t.dtype))
                                        for t in leaves])
        self.captures = tuple(_captures(leaves, phs, mark))
        self.plan = _graph.Plan(leaves, phs + list(self.captures))
        self.batch_safe = _batch_safe(self.plan, phs, leaves)

    def function(self, values, batched=False):
        """The NumPy function (``fn(*element)``) running the plan, with the captures' values bound."""
        caps = [values[id(t)] for t in self.captures]
        run, template = self.plan.fn, self.template
        single = not isinstance(template, (tuple, dict))

        def call(*xs):
            outs = run(*flatten(xs), *caps)
            return outs[0] if single else unflatten(template, list(outs))

        return call


def _graph_struct(out):
    """A function's result as graph tensors: tuples/dicts kept, any other leaf (a list: packed) a tensor."""
    if isinstance(out, dict):
        return {k: _graph_struct(v) for k, v in out.items()}
    if isinstance(out, tuple):
        parts = [_graph_struct(v) for v in out]
        return type(out)(*parts) if hasattr(out, "_fields") else tuple(parts)
    t = as_graph_tensor(out)
    return t if isinstance(t, _NLTensor) else as_graph_tensor(np.asarray(t))


def _captures(leaves, phs, mark):
    """Tensors of the outer graph (made before tracing started) that the traced results depend on."""
    inner = {id(p) for p in phs}
    seen, caps, stack = set(), [], [t for t in leaves]
    while stack:
        t = stack.pop()
        if not isinstance(t, _NLTensor) or t.data is not None or id(t) in seen or id(t) in inner:
            continue
        seen.add(id(t))
        op = t._op
        if op.id < mark:
            caps.append(t)
            continue
        stack.extend(op.inputs)
    return caps


def _batch_safe(plan, phs, leaves) -> bool:
    rank = {id(p): (None if p.shape is None else len(p.shape)) for p in phs}
    for o in plan.ops:
        if o.stateful or getattr(o, "nondeterministic", False):
            return False
        batched = [rank[id(t)] for t in o.inputs if id(t) in rank]
        if not batched:
            continue
        if not _elementwise(o) or batched[0] is None or any(r != batched[0] for r in batched):
            return False
        r = batched[0]
        for t in o.inputs:
            if id(t) not in rank and (t.shape is None or len(t.shape) > r):
                return False
        for y in o.outputs:
            rank[id(y)] = r
    return all(id(t) in rank and rank[id(t)] is not None for t in leaves)


class _NumpyFn:
    """A function of NumPy arrays (it could not run on tf.Tensors): called per element, result as arrays."""

    def __init__(self, fn, in_spec, what, why):
        self.fn, self.what = fn, what
        probe = unflatten(in_spec, [np.zeros(tuple(1 if d is None else d for d in (s.shape or ())), s.dtype)
                                    for s in flatten(in_spec)])
        try:
            res = _call(fn, probe)
        except Exception as e:  # noqa: BLE001 - both ways failed: report the first
            raise why from e
        known = all(s.shape is not None and None not in s.shape for s in flatten(in_spec))
        self.out_spec = map_structure(lambda a: Spec(np.shape(a) if known else (None,) * np.ndim(a),
                                                     np.asarray(a).dtype), _np_struct(res))

    def function(self, values, batched=False):
        fn = self.fn
        return lambda *xs: _np_struct(fn(*xs))


def _np_struct(x):
    if isinstance(x, dict):
        return {k: _np_struct(v) for k, v in x.items()}
    if isinstance(x, tuple):
        return tuple(_np_struct(v) for v in x)
    t = as_tensor(x)
    if isinstance(t, _NLTensor):
        return t.numpy()
    return _tf_array(t)


class _EagerFn:
    """After tf.enable_eager_execution: the function called per element on eager tf.Tensors."""

    def __init__(self, fn, in_spec, what):
        self.fn = fn
        probe = unflatten(in_spec, [np.zeros(tuple(1 if d is None else d for d in (s.shape or ())), s.dtype)
                                    for s in flatten(in_spec)])
        res = self.function({})(*(probe if type(probe) is tuple else (probe,)))
        known = all(s.shape is not None and None not in s.shape for s in flatten(in_spec))
        self.out_spec = map_structure(lambda a: Spec(np.shape(a) if known else (None,) * np.ndim(a),
                                                     np.asarray(a).dtype), res)
        self.captures = ()

    def function(self, values, batched=False):
        fn = self.fn

        def call(*xs):
            args = map_structure(lambda a: _types.wrap(_NLTensor(a)), xs)
            return _np_struct(fn(*args))

        return call


def _function(fn, in_spec, what):
    """The per-element function of a map/filter/flat_map: traced (graph mode), eager, or plain NumPy."""
    if not callable(fn):
        raise TypeError(f"tf.data.Dataset.{what}: expected a function, got {type(fn).__name__}")
    if _types.MODE.eager:
        return _EagerFn(fn, in_spec, what)
    try:
        return _Traced(fn, in_spec, what)
    except (NotImplementedError, TypeError) as e:  # e.g. np.float32(x) of a tf.Tensor: try it on arrays
        f = _NumpyFn(fn, in_spec, what, e)
        f.captures = ()
        return f


# ---------------------------------------------------------------------------------------
# datasets
# ---------------------------------------------------------------------------------------

class _Element:
    """What datasets and iterators say about their elements (``_spec``: a structure of Specs)."""

    @property
    def output_types(self):
        """The element's dtypes (a structure of tf.DType)."""
        return _types_of(self._spec)

    @property
    def output_shapes(self):
        """The element's static shapes (a structure of TensorShape; None sizes are unknown)."""
        return _shapes_of(self._spec)

    @property
    def output_classes(self):
        """The element's classes (tf.Tensor for every component)."""
        return map_structure(lambda s: _types.Tensor, self._spec)


class Dataset(_Element):
    """tf.data.Dataset: a description of an input pipeline (see the module doc).

    Sources take NumPy values, Python values (converted as TF converts them)
    or graph tensors; tuples and dicts give structured elements, a list is one
    tensor. ``output_types`` / ``output_shapes`` describe one element.
    """

    def __init__(self, spec, make, deps=()):
        self._spec = spec  # structure of Spec (shape None: unknown rank)
        self._make = make  # values {id(tensor): array} -> neuralab Pipeline
        self._deps = tuple(deps)  # graph tensors whose values the pipeline is built from
        self._map = None  # (input dataset, function) when this is a map, for map->batch fusion

    def __repr__(self):
        shapes = _fmt(self._spec, lambda s: str(_types.TensorShape(s.shape)))
        types = _fmt(self._spec, lambda s: repr(_dtypes.as_dtype(s.dtype)))
        return f"<Dataset shapes: {shapes}, types: {types}>"

    # -- sources --------------------------------------------------------------------------------
    @staticmethod
    def from_tensor_slices(tensors):
        """tf.data.Dataset.from_tensor_slices: one element per index of the components' first dimension."""
        comps = _components(tensors)
        leaves = flatten(comps)
        firsts = {x.shape[0] for x in leaves if x.shape is not None and len(x.shape) and x.shape[0] is not None}
        if len(firsts) > 1:
            raise ValueError("tf.data.Dataset.from_tensor_slices: all components need the same first dimension, "
                             "got shapes " + ", ".join(str(_types.TensorShape(x.shape)) for x in leaves))
        spec = unflatten(comps, [_spec_of_leaf(x, drop_first=True) for x in leaves])
        return Dataset(spec, lambda values: Pipeline.from_tensor_slices(
            unflatten(comps, [_value(x, values) for x in leaves])), _symbolic(leaves))

    @staticmethod
    def from_tensors(tensors):
        """tf.data.Dataset.from_tensors: a dataset of exactly one element, ``tensors``."""
        comps = _components(tensors)
        leaves = flatten(comps)
        spec = unflatten(comps, [_spec_of_leaf(x) for x in leaves])
        return Dataset(spec, lambda values: Pipeline.from_tensors(
            unflatten(comps, [_value(x, values) for x in leaves])), _symbolic(leaves))

    @staticmethod
    def range(*args, output_type=_dtypes.int64):  # noqa: A003 - TF's name
        """tf.data.Dataset.range(stop) / range(start, stop[, step]): int64 scalars."""
        vals = [int(_static_int(a, "range")) for a in args]
        dt = np.dtype(_dtypes.np_dtype(output_type))
        Pipeline.range(*vals)  # validates the arguments now
        return Dataset(Spec((), dt), lambda values: Pipeline.range(*vals, dtype=dt))

    @staticmethod
    def zip(datasets):
        """tf.data.Dataset.zip((a, b)): elements of each dataset side by side; ends with the shortest."""
        if isinstance(datasets, Dataset) or not isinstance(datasets, (tuple, list, dict)):
            raise TypeError(f"tf.data.Dataset.zip: expected a tuple or dict of datasets, got "
                            f"{type(datasets).__name__}")
        datasets = tuple(datasets) if isinstance(datasets, list) else datasets
        parts = flatten(datasets)
        for d in parts:
            if not isinstance(d, Dataset):
                raise TypeError(f"tf.data.Dataset.zip: every component must be a Dataset, got {type(d).__name__}")
        spec = unflatten(datasets, [d._spec for d in parts])
        deps = tuple(t for d in parts for t in d._deps)
        return Dataset(spec, lambda values: Pipeline.zip(unflatten(datasets, [d._make(values) for d in parts])),
                       deps)

    @staticmethod
    def from_generator(generator, output_types, output_shapes=None, args=None):
        """tf.data.Dataset.from_generator: the elements ``generator(*args)`` yields, converted to output_types."""
        spec = _spec_from(output_types, output_shapes)
        leaves = flatten(spec)
        dts = unflatten(spec, [s.dtype for s in leaves])
        shapes = None if output_shapes is None else unflatten(spec, [s.shape for s in leaves])
        strings = any(s.dtype.kind == "O" for s in leaves)

        def gen(*a):
            for x in generator(*a):
                yield map_structure(_tf_array, x) if strings else x

        if shapes is not None and any(s.shape is None for s in leaves):
            shapes = None
        return Dataset(spec, lambda values: Pipeline.from_generator(gen, dts, shapes, args))

    @staticmethod
    def list_files(file_pattern, shuffle=None, seed=None):
        """tf.data.Dataset.list_files: the file names matching ``file_pattern`` (glob), shuffled by default."""
        pats = [file_pattern] if isinstance(file_pattern, (str, bytes)) else list(_static_value(file_pattern))
        names = sorted({n for p in pats for n in _glob.glob(p.decode() if isinstance(p, bytes) else str(p))})
        if not names:
            raise errors.InvalidArgumentError(None, None, f"Expected 'file_pattern' argument to match at least one "
                                              f"file, got {file_pattern!r}")
        ds = Dataset.from_tensor_slices(np.array(names))
        return ds.shuffle(len(names), seed=seed) if shuffle is None or shuffle else ds

    # -- transformations ------------------------------------------------------------------------
    def _then(self, spec, fn, deps=()):
        make = self._make
        return Dataset(spec, lambda values: fn(make(values), values), self._deps + tuple(deps))

    def map(self, map_func, num_parallel_calls=None):  # noqa: A003 - TF's name
        """Dataset.map: ``map_func(*element)`` for tuple elements, ``map_func(element)`` otherwise."""
        f = _function(map_func, self._spec, "map")
        if getattr(f, "dataset", None) is not None:
            raise TypeError("tf.data.Dataset.map: the function returned a Dataset; use flat_map")
        out = self._then(f.out_spec, lambda p, v: p.map(f.function(v), output_spec=f.out_spec), f.captures)
        out._map = (self, f)
        return out

    def filter(self, predicate):  # noqa: A003 - TF's name
        """Dataset.filter: the elements for which ``predicate`` gives True (a scalar bool tensor)."""
        f = _function(predicate, self._spec, "filter")
        s = getattr(f, "out_spec", None)
        if not isinstance(s, Spec) or s.dtype != np.bool_ or (s.shape is not None and s.shape != ()):
            raise ValueError(f"tf.data.Dataset.filter: the predicate must return a scalar tf.bool tensor, got {s}")
        return self._then(self._spec, lambda p, v: p.filter(f.function(v)), f.captures)

    def flat_map(self, map_func):
        """Dataset.flat_map: ``map_func`` returns a Dataset per element; their elements one after another."""
        return self._nested(map_func, "flat_map", lambda p, g: p.flat_map(g))

    def interleave(self, map_func, cycle_length=None, block_length=1, num_parallel_calls=None):
        """Dataset.interleave: cycle through the datasets ``map_func`` makes (TF's deterministic order)."""
        cyc = None if cycle_length is None else _static_int(cycle_length, "interleave")
        blk = _static_int(block_length, "interleave")
        return self._nested(map_func, "interleave", lambda p, g: p.interleave(g, cyc, blk))

    def _nested(self, map_func, what, how):
        if _types.MODE.eager:
            def per(values):
                def g(*xs):
                    args = map_structure(lambda a: _types.wrap(_NLTensor(a)), xs)
                    return _call(map_func, args)._make({})
                return g
            probe = _call(map_func, unflatten(self._spec, [_types.wrap(_NLTensor(np.zeros(
                tuple(1 if d is None else d for d in (s.shape or ())), s.dtype))) for s in flatten(self._spec)]))
            if not isinstance(probe, Dataset):
                raise TypeError(f"tf.data.Dataset.{what}: the function must return a Dataset, got "
                                f"{type(probe).__name__}")
            return self._then(probe._spec, lambda p, v: how(p, per(v)))
        tr = _Traced(map_func, self._spec, what)
        inner = tr.dataset
        if inner is None:
            raise TypeError(f"tf.data.Dataset.{what}: the function must return a Dataset")
        phs = tr.phs

        def per(values):
            def g(*xs):
                vals = dict(values)
                vals.update({id(p): a for p, a in zip(phs, flatten(xs))})
                return inner._make(vals)
            return g

        return self._then(inner._spec, lambda p, v: how(p, per(v)), tr.captures)

    def batch(self, batch_size, drop_remainder=False):
        """Dataset.batch: stack ``batch_size`` consecutive elements (the last batch short unless drop_remainder)."""
        n, deps = _int_arg(batch_size, "batch")
        drop = bool(_static_value(drop_remainder))
        lead = n if drop and isinstance(n, int) else None
        spec = map_structure(lambda s: Spec(None if s.shape is None else (lead, *s.shape), s.dtype), self._spec)
        if self._map is not None and getattr(self._map[1], "batch_safe", False):
            src, f = self._map  # map(f).batch(n) == batch(n).map(f) for an elementwise f: one call per batch
            return src._then(spec, lambda p, v: p.batch(_resolve(n, v), drop).map(
                f.function(v, batched=True), output_spec=spec), deps + tuple(f.captures))
        return self._then(spec, lambda p, v: p.batch(_resolve(n, v), drop), deps)

    def padded_batch(self, batch_size, padded_shapes=None, padding_values=None, drop_remainder=False):
        """Dataset.padded_batch: batch elements of different sizes, padding to ``padded_shapes``."""
        n, deps = _int_arg(batch_size, "padded_batch")
        drop = bool(_static_value(drop_remainder))
        lead = n if drop and isinstance(n, int) else None
        leaves = flatten(self._spec)
        if padded_shapes is None:
            pads = [None if s.shape is None else (None,) * len(s.shape) for s in leaves]
        elif isinstance(self._spec, (tuple, dict)):
            pads = [_types.shape_tuple(p) for p in _leaves_like(self._spec, padded_shapes)]
        else:
            pads = [_types.shape_tuple(padded_shapes)]
        pads = [None if p is None else tuple(None if d is None or d < 0 else d for d in p) for p in pads]
        spec = unflatten(self._spec, [Spec(None if p is None else (lead, *p), s.dtype) for s, p in zip(leaves, pads)])
        shapes = unflatten(self._spec, pads) if padded_shapes is not None else None
        vals = None if padding_values is None else map_structure(
            lambda v: _static_value(v), padding_values if isinstance(padding_values, (tuple, dict))
            else padding_values)
        return self._then(spec, lambda p, v: p.padded_batch(_resolve(n, v), shapes, vals, drop), deps)

    def unbatch(self):
        """Dataset.unbatch (tf.data.experimental.unbatch): split elements along their first dimension."""
        spec = map_structure(lambda s: Spec(None if s.shape is None else s.shape[1:], s.dtype), self._spec)
        return self._then(spec, lambda p, v: p.unbatch())

    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=None):
        """Dataset.shuffle: TF's buffer shuffle; seeded by (graph seed, op seed) as TF's random ops are."""
        n, deps = _int_arg(buffer_size, "shuffle")
        s = _base.op_seed(None if seed is None else int(_static_value(seed)))
        if s is not None:  # one more number, so that two shuffles made in a row get different streams
            g = _graph.get_default_graph()
            k = _SHUFFLES[g] = _SHUFFLES.get(g, -1) + 1
            s = (*s, k)
        again = True if reshuffle_each_iteration is None else bool(reshuffle_each_iteration)
        return self._then(self._spec, lambda p, v: p.shuffle(_resolve(n, v), seed=s, reshuffle_each_iteration=again),
                          deps)

    def repeat(self, count=None):
        """Dataset.repeat: ``count`` passes over the data (None or -1: forever)."""
        c, deps = (None, ()) if count is None else _int_arg(count, "repeat", minimum=-1)
        return self._then(self._spec, lambda p, v: p.repeat(_resolve(c, v)), deps)

    def take(self, count):
        """Dataset.take: the first ``count`` elements (-1: all)."""
        c, deps = _int_arg(count, "take", minimum=-1)
        return self._then(self._spec, lambda p, v: p.take(_resolve(c, v)), deps)

    def skip(self, count):
        """Dataset.skip: all but the first ``count`` elements (-1: none)."""
        c, deps = _int_arg(count, "skip", minimum=-1)
        return self._then(self._spec, lambda p, v: p.skip(_resolve(c, v)), deps)

    def shard(self, num_shards, index):
        """Dataset.shard: every ``num_shards``-th element from ``index``."""
        n, i = _static_int(num_shards, "shard"), _static_int(index, "shard")
        Pipeline.range(1).shard(n, i)  # validates now
        return self._then(self._spec, lambda p, v: p.shard(n, i))

    def prefetch(self, buffer_size):
        """Dataset.prefetch: produce elements ahead on a background thread (AUTOTUNE = -1 accepted)."""
        n, deps = _int_arg(buffer_size, "prefetch", minimum=-1)
        return self._then(self._spec, lambda p, v: p.prefetch(_resolve(n, v)), deps)

    def cache(self, filename=""):
        """Dataset.cache: replay the first complete pass (kept in memory; a ``filename`` is accepted and unused)."""
        return self._then(self._spec, lambda p, v: p.cache())

    def concatenate(self, dataset):
        """Dataset.concatenate: this dataset's elements, then ``dataset``'s (same structure and types)."""
        if not isinstance(dataset, Dataset):
            raise TypeError(f"tf.data.Dataset.concatenate: expected a Dataset, got {type(dataset).__name__}")
        a, b = flatten(self._spec), flatten(dataset._spec)
        if len(a) != len(b) or any(x.dtype != y.dtype for x, y in zip(a, b)):
            raise TypeError(f"tf.data.Dataset.concatenate: the datasets have different types: {self.output_types} "
                            f"and {dataset.output_types}")
        spec = unflatten(self._spec, [Spec(_merge(x.shape, y.shape), x.dtype) for x, y in zip(a, b)])
        other = dataset._make
        return self._then(spec, lambda p, v: p.concatenate(other(v)), dataset._deps)

    def enumerate(self, start=0):  # noqa: A003 - TF's name
        """Dataset.enumerate: elements ``(index, element)``, the index an int64 counting from ``start``."""
        s = _static_int(start, "enumerate")
        return self._then((Spec((), np.dtype(np.int64)), self._spec), lambda p, v: p.enumerate(s))

    def apply(self, transformation_func):
        """Dataset.apply: ``transformation_func(self)``, which must return a Dataset."""
        out = transformation_func(self)
        if not isinstance(out, Dataset):
            raise TypeError(f"tf.data.Dataset.apply: the transformation must return a Dataset, got "
                            f"{type(out).__name__}")
        return out

    def with_options(self, options):
        """Dataset.with_options: accepted (the options tune TF's runtime; neuralab has none to set)."""
        return self

    # -- iterators ------------------------------------------------------------------------------
    def make_one_shot_iterator(self):
        """An iterator that starts by itself at its first get_next (the dataset may not use placeholders)."""
        for t in self._deps:
            if isinstance(t._op, _graph.Placeholder):
                raise ValueError(f"Cannot capture a placeholder (name:{t._op.name}, type:Placeholder) by value. (A "
                                 "one-shot iterator cannot be fed; use make_initializable_iterator() and run its "
                                 "initializer with a feed_dict.)")
        return Iterator(self._spec, _IteratorResource(self), one_shot=True)

    def make_initializable_iterator(self, shared_name=None):
        """An iterator whose ``initializer`` (re)starts it; the initializer takes the placeholders' feeds."""
        it = Iterator(self._spec, _IteratorResource(None))
        it._initializer = it.make_initializer(self, name="MakeIterator")
        return it

    def __iter__(self):
        if not _types.MODE.eager:
            raise RuntimeError("dataset.__iter__() is only supported when eager execution is enabled. (In graph "
                               "mode use dataset.make_one_shot_iterator().get_next() and Session.run.)")
        return (map_structure(lambda a: _types.wrap(_NLTensor(np.asarray(a))), x) for x in self._make({}))


def _fmt(spec, leaf):
    """A structure of Specs written as TF prints it: ``((?, 2), (?,))``, ``{'x': (?,)}``."""
    if isinstance(spec, dict):
        return "{" + ", ".join(f"{k!r}: {_fmt(v, leaf)}" for k, v in spec.items()) + "}"
    if _nested(spec):
        parts = [_fmt(v, leaf) for v in spec]
        return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"
    return leaf(spec)


def _merge(a, b):
    if a is None or b is None or len(a) != len(b):
        return None
    return tuple(x if x == y else None for x, y in zip(a, b))


def _static_value(x):
    """A value that must be known when the graph is built (a Python value or a constant tensor)."""
    t = as_tensor(x)
    if isinstance(t, _NLTensor):
        if t.data is not None:
            return t.numpy()
        if isinstance(t._op, _base.Const):
            return t._op.value
        raise NotImplementedError("neuralab.compat.v1: tf.data arguments computed at run time are supported for "
                                  "batch_size, count and buffer_size only; give a Python value")
    return t


def _static_int(x, what):
    v = _static_value(x)
    try:
        return int(v)
    except (TypeError, ValueError):
        raise TypeError(f"tf.data.Dataset.{what}: expected an integer, got {x!r}") from None


def _int_arg(x, what, minimum=1):
    """An integer argument: a Python int (checked now) or a scalar graph tensor (a dependency, read at build)."""
    t = as_tensor(x)
    if isinstance(t, _NLTensor) and t.data is None and not isinstance(t._op, _base.Const):
        if t.dtype.kind not in "iu":
            raise TypeError(f"tf.data.Dataset.{what}: expected an integer tensor, got dtype {t.dtype}")
        return t, (t,)
    v = _static_int(t, what)
    if v < minimum:
        raise ValueError(f"tf.data.Dataset.{what}: expected an integer >= {minimum}, got {v}")
    return v, ()


def _resolve(n, values):
    if isinstance(n, _NLTensor):
        return int(np.asarray(values[id(n)]))
    return n


class TextLineDataset(Dataset):
    """tf.data.TextLineDataset(filenames): one tf.string element per line of the files (newlines removed)."""

    def __init__(self, filenames, compression_type=None, buffer_size=None, num_parallel_reads=None):
        if compression_type not in (None, ""):
            raise NotImplementedError(f"neuralab.compat.v1: tf.data.TextLineDataset with compression_type="
                                      f"{compression_type!r} is not supported; decompress the files first")
        names = _leaf(filenames)
        deps = _symbolic([names])

        def make(values):
            arr = np.asarray(_value(names, values), dtype=object).reshape(-1)
            files = [f.decode() if isinstance(f, bytes) else str(f) for f in arr]
            return Pipeline.from_generator(lambda: _lines(files), output_types=object)

        super().__init__(Spec((), np.dtype(object)), make, deps)


def _lines(files):
    for f in files:
        try:
            fh = open(f, "rb")  # noqa: SIM115 - closed below
        except OSError as e:
            raise errors.NotFoundError(None, None, f"{f}; {e.strerror}") from None
        with fh:
            for line in fh:
                yield np.array(line.rstrip(b"\n").rstrip(b"\r"), dtype=object)


# ---------------------------------------------------------------------------------------
# iterators
# ---------------------------------------------------------------------------------------

class _IterState:
    __slots__ = ("it",)

    def __init__(self):
        self.it = None


class _IteratorResource(Resource):
    """An iterator's position, per Session; ``dataset`` set for one-shot iterators (built on first use)."""

    def __init__(self, dataset):
        super().__init__()
        self.dataset = dataset

    def new_state(self):
        return _IterState()

    def start(self, state, dataset, values):
        old, state.it = state.it, None
        if old is not None and hasattr(old, "close"):
            old.close()
        state.it = iter(dataset._make(values))

    def next(self, deps_values, op):
        st = self.state()
        if st.it is None:
            if self.dataset is None:
                raise errors.FailedPreconditionError(
                    None, op, "GetNext() failed because the iterator has not been initialized. Ensure that you have "
                    f"run the initializer operation for this iterator before getting the next element. [[node "
                    f"{op.name}]]")
            if deps_values is None and self.dataset._deps:
                raise errors.FailedPreconditionError(
                    None, op, "GetNext() through a string handle: the one-shot iterator has not started; fetch its "
                    f"string_handle() in this session first [[node {op.name}]]")
            self.start(st, self.dataset, deps_values or {})
        x = next(st.it, _END)
        if x is _END:
            raise errors.OutOfRangeError(None, op, f"End of sequence\n\t [[node {op.name}]]")
        return x


_END = object()
_SHUFFLES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # neuralab Graph -> shuffles made in it
_HANDLES: weakref.WeakValueDictionary = weakref.WeakValueDictionary()  # string handle -> iterator resource


class _GetNext(StatefulNode):
    """IteratorGetNext: the next element of the iterator, one output per component."""

    type = "IteratorGetNext"

    def forward(self, xp, *arrays):
        if self.resource is None:  # a feedable iterator: the first input is the handle
            h = arrays[0]
            res = _HANDLES.get(bytes(h.item() if isinstance(h, np.ndarray) else h))
            if res is None:
                raise errors.InvalidArgumentError(None, self, f"{h!r} is not a string handle of an iterator "
                                                  "(fetch iterator.string_handle() first)")
            x = res.next(None, self)
        else:
            x = self.resource.next(dict(zip(self.dep_ids, arrays)), self)
        leaves = flatten(x)
        if len(leaves) != self.nout:
            raise errors.InvalidArgumentError(None, self, f"the iterator's element has {len(leaves)} components, "
                                              f"the get_next node expects {self.nout}")
        return tuple(leaves)


class _MakeIterator(StatefulNode):
    """MakeIterator: (re)starts an iterator on a dataset, with the values of the dataset's input tensors."""

    nout = 0
    type = "MakeIterator"

    def forward(self, xp, *arrays):
        res = self.resource
        res.start(res.state(), self.dataset, dict(zip(self.dep_ids, arrays)))
        return ()


class _Handle(StatefulNode):
    """IteratorToStringHandle: the iterator's handle (a one-shot iterator starts here if it has not yet)."""

    type = "IteratorToStringHandle"
    specs = (Spec((), np.dtype(object)),)

    def forward(self, xp, *arrays):
        res = self.resource
        if res.dataset is not None:
            st = res.state()
            if st.it is None:
                res.start(st, res.dataset, dict(zip(self.dep_ids, arrays)))
        return (np.array(self.handle, dtype=object),)


class Iterator(_Element):
    """tf.data.Iterator: ``get_next()`` gives graph tensors that pull the next element at each run."""

    def __init__(self, spec, resource, one_shot=False, handle=None):
        self._spec = spec
        self._resource = resource
        self._one_shot = one_shot
        self._handle_tensor = handle
        self._initializer = None
        if resource is not None:
            resource.dep_ids = tuple(id(t) for t in resource.dataset._deps) if resource.dataset is not None else ()

    @staticmethod
    def from_structure(output_types, output_shapes=None, shared_name=None, output_classes=None):
        """A reinitializable iterator: ``make_initializer(dataset)`` points it at any dataset of this structure."""
        return Iterator(_spec_from(output_types, output_shapes), _IteratorResource(None))

    @staticmethod
    def from_string_handle(string_handle, output_types, output_shapes=None, output_classes=None):
        """A feedable iterator: each run pulls from the iterator whose handle is fed to ``string_handle``."""
        h = as_tensor(string_handle)
        if not isinstance(h, _NLTensor):
            h = as_graph_tensor(np.array(_tf_array(h), dtype=object))
        return Iterator(_spec_from(output_types, output_shapes), None, handle=h)

    @property
    def initializer(self):
        """The op that (re)starts an initializable iterator (run it, with feeds, before get_next)."""
        if self._initializer is None:
            raise ValueError("Iterator does not have an initializer." if self._resource is None or self._one_shot
                             else "Iterator does not have an initializer: use make_initializer(dataset).")
        return self._initializer

    def make_initializer(self, dataset, name=None):
        """The op that starts this iterator on ``dataset`` (whose types must match; shapes must be compatible)."""
        if self._resource is None or self._one_shot:
            raise ValueError("make_initializer: this iterator cannot be re-pointed (use Iterator.from_structure)")
        if not isinstance(dataset, Dataset):
            raise TypeError(f"make_initializer: expected a Dataset, got {type(dataset).__name__}")
        mine, theirs = flatten(self._spec), flatten(dataset._spec)
        if len(mine) != len(theirs) or any(a.dtype != b.dtype for a, b in zip(mine, theirs)):
            raise TypeError(f"Expected output types {self.output_types} but got dataset with output types "
                            f"{dataset.output_types}.")
        if not all(_types.TensorShape(a.shape).is_compatible_with(_types.TensorShape(b.shape))
                   for a, b in zip(mine, theirs)):
            raise TypeError(f"Expected output shapes compatible with {self.output_shapes} but got dataset with "
                            f"output shapes {dataset.output_shapes}.")
        if _types.MODE.eager:
            self._resource.start(self._resource.state(), dataset, {})
            return None
        op = _MakeIterator(resource=self._resource, dataset=dataset, dep_ids=tuple(id(t) for t in dataset._deps))
        with _base.no_control_dependencies():
            _record(op, dataset._deps, name or "MakeIterator")
        return _types.wrap_op(op)

    def get_next(self, name=None):
        """The next element, as graph tensors in the dataset's structure (one node: one element per run)."""
        leaves = flatten(self._spec)
        if _types.MODE.eager:
            x = self._resource.next({}, _EagerOp(name or "IteratorGetNext"))
            return map_structure(lambda a: _types.wrap(_NLTensor(np.asarray(a))), x)
        if self._resource is None:
            inputs, dep_ids = (self._handle_tensor,), ()
        else:
            inputs = self._resource.dataset._deps if self._one_shot else ()
            dep_ids = self._resource.dep_ids
        op = _GetNext(resource=self._resource, dep_ids=dep_ids, specs=_fix_types(leaves), nout=len(leaves))
        outs = _record(op, inputs, name or "IteratorGetNext")
        outs = (outs,) if len(leaves) == 1 else outs
        return unflatten(self._spec, [_types.wrap(t) for t in outs])

    def string_handle(self, name=None):
        """A scalar tf.string naming this iterator, to feed an Iterator.from_string_handle placeholder."""
        if self._resource is None:
            raise ValueError("string_handle: a feedable iterator has no handle of its own")
        res = self._resource
        h = getattr(res, "handle", None)
        if h is None:
            h = res.handle = f"neuralab-iterator-{id(res):x}".encode()
            _HANDLES[h] = res
        deps = res.dataset._deps if self._one_shot else ()
        op = _Handle(resource=res, handle=h, dep_ids=res.dep_ids)
        with _base.no_control_dependencies():
            return _types.wrap(_record(op, deps, name or "IteratorToStringHandle"))


class _EagerOp:
    def __init__(self, name):
        self.name = name


def make_one_shot_iterator(dataset):
    """tf.data.make_one_shot_iterator(dataset) (tf.compat.v1.data): ``dataset.make_one_shot_iterator()``."""
    return dataset.make_one_shot_iterator()


def make_initializable_iterator(dataset, shared_name=None):
    """tf.data.make_initializable_iterator(dataset): ``dataset.make_initializable_iterator()``."""
    return dataset.make_initializable_iterator(shared_name)


def get_output_types(dataset_or_iterator):
    """tf.data.get_output_types: the dtypes of a dataset's or iterator's elements."""
    return dataset_or_iterator.output_types


def get_output_shapes(dataset_or_iterator):
    """tf.data.get_output_shapes: the static shapes of a dataset's or iterator's elements."""
    return dataset_or_iterator.output_shapes


def get_output_classes(dataset_or_iterator):
    """tf.data.get_output_classes: tf.Tensor for every component."""
    return dataset_or_iterator.output_classes


class Options:
    """tf.data.Options: accepted, with any attribute (TF's runtime tuning has no counterpart here)."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        v = Options()
        self.__dict__[name] = v
        return v


# -- tf.data.experimental ---------------------------------------------------------------------

def _shuffle_and_repeat(buffer_size, count=None, seed=None):
    """tf.data.experimental.shuffle_and_repeat: ``lambda ds: ds.shuffle(buffer_size, seed).repeat(count)``."""
    return lambda ds: ds.shuffle(buffer_size, seed=seed).repeat(count)


def _map_and_batch(map_func, batch_size, num_parallel_batches=None, drop_remainder=False, num_parallel_calls=None):
    """tf.data.experimental.map_and_batch: ``lambda ds: ds.map(map_func).batch(batch_size, drop_remainder)``."""
    return lambda ds: ds.map(map_func).batch(batch_size, drop_remainder)


def _unbatch():
    """tf.data.experimental.unbatch(): ``lambda ds: ds.unbatch()``."""
    return lambda ds: ds.unbatch()


def _cardinality(dataset):
    """tf.data.experimental.cardinality: the number of elements (INFINITE -1, UNKNOWN -2) as an int64 tensor."""
    c = dataset._make({}).cardinality() if not dataset._deps else UNKNOWN
    return _base.constant_node(np.int64(c), name="DatasetCardinality")


experimental = _pytypes.ModuleType("tf.data.experimental", "tf.data.experimental: the helpers TF 1.x programs use.")
experimental.AUTOTUNE = AUTOTUNE
experimental.INFINITE_CARDINALITY = INFINITE
experimental.UNKNOWN_CARDINALITY = UNKNOWN
experimental.shuffle_and_repeat = _shuffle_and_repeat
experimental.map_and_batch = _map_and_batch
experimental.unbatch = _unbatch
experimental.cardinality = _cardinality
experimental.__getattr__ = module_getattr("tf.data.experimental", "tf.data.experimental")

__getattr__ = module_getattr(__name__, "tf.data")

__all__ = ["AUTOTUNE", "Dataset", "Iterator", "Options", "TextLineDataset", "experimental", "get_output_classes",
           "get_output_shapes", "get_output_types", "make_initializable_iterator", "make_one_shot_iterator"]
