"""Input pipelines: lazily evaluated, chained streams of NumPy elements (the native side of ``tf.data``).

A :class:`Pipeline` describes how to produce a stream of *elements*; nothing is
computed until it is iterated, and every ``for`` over it starts a fresh pass::

    >>> import numpy as np
    >>> x, y = np.arange(10.0).reshape(5, 2), np.arange(5)
    >>> p = Pipeline.from_tensor_slices((x, y)).shuffle(5, seed=0).batch(2)
    >>> [yb.shape for _, yb in p]
    [(2,), (2,), (1,)]

An element is an array or a nested ``tuple``/``dict`` of arrays (a Python
list is one array, as in TF). Sources: :meth:`~Pipeline.from_tensor_slices`
(slices along the first axis), :meth:`~Pipeline.from_tensors` (one element),
:meth:`~Pipeline.range`, :meth:`~Pipeline.zip`, :meth:`~Pipeline.from_generator`.
Transformations return new pipelines and follow TensorFlow's ``tf.data``
semantics:

* ``map(fn)`` calls ``fn(*element)`` for a tuple element, ``fn(element)``
  otherwise (a function of NumPy arrays); ``filter(pred)`` keeps the elements
  where ``pred`` is true.
* ``batch(n, drop_remainder=False)`` stacks ``n`` consecutive elements
  component by component; the last batch is short unless ``drop_remainder``.
  The static batch size is unknown (None) unless ``drop_remainder``.
* ``shuffle(buffer_size, seed)`` keeps a buffer of ``buffer_size`` elements,
  emits one chosen uniformly at random and refills its slot with the next input
  element (TF's algorithm: ``buffer_size >= `` the number of elements gives a
  uniform permutation, 1 gives no shuffling). Each pass over the pipeline (an
  epoch of ``repeat``, or a new ``for``) reshuffles with the generator
  ``default_rng([*seed, pass_number])``, so one seed repeats a run bit for
  bit; without a seed the base seed is drawn from neuralab's global generator
  (:func:`neuralab.seed`) when ``shuffle`` is called.
* ``repeat(count=None)`` passes over its input ``count`` times (forever when
  None or -1; an empty input ends instead of looping forever); ``take(n)`` /
  ``skip(n)`` keep / drop the first ``n`` elements (-1: all).
* ``prefetch(n)`` produces up to ``n`` elements ahead on a background thread,
  which overlaps a slow input pipeline with the consumer's work (NumPy and BLAS
  release the GIL in their kernels); the order is unchanged.
* ``cache()``, ``concatenate``, ``shard``, ``enumerate``, ``unbatch``,
  ``apply`` as in TF.

Elements sliced from arrays are read-only views (the source arrays are not
copied: do not modify them while iterating). ``from_tensor_slices(...)``
followed by any of shuffle/repeat/take/skip/shard/cache/prefetch and then
``batch`` never materializes single elements: the pass runs over indices and
each batch is one fancy-indexing gather, ``x[idx]``, which is the same array as
stacking the slices. Prefer ``batch(n).map(fn)`` over ``map(fn).batch(n)``
when ``fn`` works on whole batches: one call per batch instead of per element.

Relation to :class:`~neuralab.data.DataLoader`: a DataLoader serves a
map-style dataset (random access, ``len``) in shuffled batches — the PyTorch
model; a Pipeline is a stream (the ``tf.data`` model) built from sources and
transformations, for data without random access (generators, files) or with
per-element preprocessing. Both are re-iterable, so both can be passed to
:func:`neuralab.train.fit` (a Pipeline of ``(x, y)`` batches).
:mod:`neuralab.compat.v1`'s ``tf.data`` drives this class.
"""
from __future__ import annotations

import itertools
import queue
import threading

import numpy as np

from .._core.errors import ShapeError
from .._core.op import Spec, fmt_shape

__all__ = ["INFINITE", "UNKNOWN", "Pipeline", "flatten", "leaves_like", "map_structure", "unflatten"]

#: :meth:`Pipeline.cardinality` of an endless pipeline (TF's ``tf.data.INFINITE_CARDINALITY``)
INFINITE = -1
#: :meth:`Pipeline.cardinality` when the number of elements is not known in advance (``filter``, generators)
UNKNOWN = -2


# ---------------------------------------------------------------------------------------
# nested structures: arrays in (named) tuples and dicts (dict keys in sorted order, as tf.nest)
# ---------------------------------------------------------------------------------------

def _nested(x) -> bool:
    """Whether ``x`` is a structure (a dict or a (named) tuple; a :class:`Spec` is a leaf)."""
    return isinstance(x, (tuple, dict)) and not isinstance(x, Spec)


def flatten(structure) -> list:
    """The leaves of a nested tuple/dict structure, depth first (dicts by sorted key)."""
    if isinstance(structure, dict):
        return [leaf for k in sorted(structure) for leaf in flatten(structure[k])]
    if _nested(structure):
        return [leaf for e in structure for leaf in flatten(e)]
    return [structure]


def unflatten(template, leaves):
    """The structure of ``template`` with its leaves replaced, in order, by ``leaves``."""
    it = iter(leaves)
    out = _rebuild(template, it)
    if next(it, _END) is not _END:
        raise ValueError("unflatten: more leaves than the structure has")
    return out


def _rebuild(template, it):
    if isinstance(template, dict):
        vals = {k: _rebuild(template[k], it) for k in sorted(template)}
        return {k: vals[k] for k in template}
    if _nested(template):
        parts = [_rebuild(e, it) for e in template]
        return type(template)(*parts) if hasattr(template, "_fields") else tuple(parts)
    try:
        return next(it)
    except StopIteration:
        raise ValueError("unflatten: fewer leaves than the structure has") from None


def map_structure(fn, *structures):
    """Apply ``fn`` leaf by leaf to structures of the same shape; returns the first one's structure."""
    flats = [flatten(s) for s in structures]
    n = len(flats[0])
    for f in flats[1:]:
        if len(f) != n:
            raise ValueError(f"map_structure: the structures differ ({n} and {len(f)} leaves)")
    return unflatten(structures[0], [fn(*xs) for xs in zip(*flats)])


def _rebuilder(template):
    """A fast ``leaves -> structure`` function for ``template`` (a single leaf and flat tuples are common)."""
    if not _nested(template):
        return lambda leaves: leaves[0]
    if type(template) is tuple and not any(_nested(e) for e in template):
        return tuple
    return lambda leaves: unflatten(template, leaves)


def _as_array(x):
    return x if type(x) is np.ndarray else np.asarray(x)


def _as_element(x):
    """A value returned by user code as an element: tuples/dicts kept, every leaf (a list too) an array."""
    if isinstance(x, (tuple, dict)):
        return map_structure(_as_array, x)
    return _as_array(x)


def _spec_of(element):
    return map_structure(lambda a: Spec(tuple(np.shape(a)), np.asarray(a).dtype), element)


def _call(fn, element):
    """TF's calling convention: a plain tuple element is unpacked into positional arguments."""
    return fn(*element) if type(element) is tuple else fn(element)


def _count(value, what, allow_none=False):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < -1:
        raise ValueError(f"Pipeline.{what}: count must be an integer >= -1 (-1: all), got {value!r}")
    return int(value)


def _positive(value, what, arg):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"Pipeline.{what}: {arg} must be a positive integer, got {value!r}")
    return int(value)


_END = object()


# ---------------------------------------------------------------------------------------
# the pipeline
# ---------------------------------------------------------------------------------------

class Pipeline:
    """A lazily evaluated stream of elements built from a source and transformations (see the module doc).

    Subclasses implement ``_iter()`` (a fresh iterator of elements) and may
    implement ``_index_stream()``: ``(leaves, rebuild, make)`` when every
    element is ``rebuild([leaf[i] for leaf in leaves])`` for an index ``i``
    drawn from ``make()`` (lets ``batch`` gather whole batches at once).
    All random state a pass needs is set up when its iterator is created, not
    inside the generator, so passes started on a prefetch thread stay
    deterministic.
    """

    _input: Pipeline | None = None

    # -- sources ----------------------------------------------------------------------------
    @staticmethod
    def from_tensor_slices(tensors) -> Pipeline:
        """One element per index of the first axis of ``tensors`` (an array, or a tuple/dict of arrays).

        All components must have the same first dimension; ``(x, y)`` gives
        elements ``(x[i], y[i])``.
        """
        return _Slices(tensors)

    @staticmethod
    def from_tensors(tensors) -> Pipeline:
        """A pipeline of exactly one element, ``tensors`` (an array or a structure of arrays)."""
        return _Tensors(tensors)

    @staticmethod
    def range(*args, dtype=np.int64) -> Pipeline:  # noqa: A003 - TF's name
        """``range(stop)``, ``range(start, stop[, step])``: the integers of Python's ``range`` as 0-d arrays."""
        return _Range(args, dtype)

    @staticmethod
    def zip(datasets) -> Pipeline:
        """Elements taken from each of ``datasets`` (a tuple or dict of pipelines) together; stops at the shortest."""
        return _Zip(datasets)

    @staticmethod
    def from_generator(generator, output_types=None, output_shapes=None, args=None) -> Pipeline:
        """The elements ``generator(*args)`` yields (``generator`` is called anew for every pass).

        ``output_types`` (a dtype or structure of dtypes) converts each element;
        ``output_shapes`` (None entries for any size) checks it.
        """
        return _Generator(generator, output_types, output_shapes, args)

    # -- transformations ------------------------------------------------------------------------
    def map(self, fn, output_spec=None, num_parallel_calls=None) -> Pipeline:  # noqa: A003 - TF's name
        """The elements ``fn(*element)`` (tuple elements) or ``fn(element)``; ``fn`` takes and returns arrays.

        ``output_spec`` (a structure of :class:`~neuralab._core.op.Spec`) gives
        :attr:`element_spec` without calling ``fn``; otherwise ``fn`` is called
        on the first element when the spec is asked for. ``num_parallel_calls``
        is accepted for TF's signature; calls run in order on one thread.
        """
        if not callable(fn):
            raise TypeError(f"Pipeline.map: fn must be callable, got {type(fn).__name__}")
        return _Map(self, fn, output_spec)

    def filter(self, predicate) -> Pipeline:  # noqa: A003 - TF's name
        """The elements for which ``predicate(*element)`` (or ``predicate(element)``) is true."""
        if not callable(predicate):
            raise TypeError(f"Pipeline.filter: predicate must be callable, got {type(predicate).__name__}")
        return _Filter(self, predicate)

    def batch(self, batch_size, drop_remainder=False) -> Pipeline:
        """Stack ``batch_size`` consecutive elements; the last batch is short unless ``drop_remainder``."""
        return _Batch(self, _positive(batch_size, "batch", "batch_size"), bool(drop_remainder))

    def padded_batch(self, batch_size, padded_shapes=None, padding_values=None, drop_remainder=False) -> Pipeline:
        """Batch elements of different shapes, padding each component to a common shape.

        ``padded_shapes`` (a shape, or a structure of shapes like the element)
        gives each dimension's size; None (or no ``padded_shapes``) pads to the
        largest size in the batch. ``padding_values`` (scalars, default 0, or
        ``b""`` for strings) fills the padding.
        """
        return _PaddedBatch(self, _positive(batch_size, "padded_batch", "batch_size"), padded_shapes,
                            padding_values, bool(drop_remainder))

    def flat_map(self, fn) -> Pipeline:
        """The elements of the pipelines ``fn(*element)`` returns, one pipeline after another."""
        if not callable(fn):
            raise TypeError(f"Pipeline.flat_map: fn must be callable, got {type(fn).__name__}")
        return _Interleave(self, fn, 1, 1, "flat_map")

    def interleave(self, fn, cycle_length=None, block_length=1, num_parallel_calls=None) -> Pipeline:
        """Cycle through the pipelines ``fn`` makes of ``cycle_length`` input elements, ``block_length``
        elements from each in turn (an exhausted one is replaced by the next input element's), as TF's
        deterministic ``interleave``; ``cycle_length`` None: 2."""
        if not callable(fn):
            raise TypeError(f"Pipeline.interleave: fn must be callable, got {type(fn).__name__}")
        cycle = 2 if cycle_length is None or cycle_length == -1 else _positive(cycle_length, "interleave",
                                                                               "cycle_length")
        return _Interleave(self, fn, cycle, _positive(block_length, "interleave", "block_length"), "interleave")

    def unbatch(self) -> Pipeline:
        """Split each element along its first axis into elements (the inverse of ``batch``)."""
        return _Unbatch(self)

    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=True) -> Pipeline:
        """Shuffle with a buffer of ``buffer_size`` elements (TF's algorithm, seeded; see the module doc)."""
        return _Shuffle(self, _positive(buffer_size, "shuffle", "buffer_size"), seed, reshuffle_each_iteration)

    def repeat(self, count=None) -> Pipeline:
        """Pass over the input ``count`` times (None or -1: forever)."""
        count = _count(count, "repeat", allow_none=True)
        return _Repeat(self, None if count == -1 else count)

    def take(self, count) -> Pipeline:
        """The first ``count`` elements (-1: all of them)."""
        return _Take(self, _count(count, "take"))

    def skip(self, count) -> Pipeline:
        """Everything after the first ``count`` elements (-1: nothing)."""
        return _Skip(self, _count(count, "skip"))

    def shard(self, num_shards, index) -> Pipeline:
        """Every ``num_shards``-th element, starting at element ``index``."""
        n = _positive(num_shards, "shard", "num_shards")
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or not 0 <= index < n:
            raise ValueError(f"Pipeline.shard: index must be in [0, {n}), got {index!r}")
        return _Shard(self, n, int(index))

    def prefetch(self, buffer_size=1) -> Pipeline:
        """Produce up to ``buffer_size`` elements ahead on a background thread (-1, TF's AUTOTUNE: 2)."""
        if buffer_size is None or (isinstance(buffer_size, (int, np.integer)) and buffer_size == -1):
            buffer_size = 2
        return _Prefetch(self, _positive(buffer_size, "prefetch", "buffer_size"))

    def cache(self) -> Pipeline:
        """Remember the elements of the first complete pass and replay them in later passes."""
        return _Cache(self)

    def concatenate(self, other) -> Pipeline:
        """This pipeline's elements followed by ``other``'s (their structures must match)."""
        if not isinstance(other, Pipeline):
            raise TypeError(f"Pipeline.concatenate: expected a Pipeline, got {type(other).__name__}")
        return _Concat(self, other)

    def enumerate(self, start=0) -> Pipeline:  # noqa: A003 - TF's name
        """Elements ``(i, element)`` with ``i`` counting from ``start`` (int64)."""
        return Pipeline.zip((Pipeline.range(int(start), np.iinfo(np.int64).max), self))

    def apply(self, transformation) -> Pipeline:
        """``transformation(self)``: for functions that transform a whole pipeline."""
        out = transformation(self)
        if not isinstance(out, Pipeline):
            raise TypeError(f"Pipeline.apply: the transformation must return a Pipeline, got {type(out).__name__}")
        return out

    # -- iteration and description -----------------------------------------------------------
    def __iter__(self):
        return self._iter()

    def as_numpy_iterator(self):
        """A fresh iterator over the elements (TF 2's name for iterating a dataset as NumPy)."""
        return self._iter()

    def _iter(self):  # pragma: no cover - abstract
        raise NotImplementedError(type(self).__name__)

    def _index_stream(self):
        return None

    @property
    def element_spec(self):
        """The structure of one element, with a :class:`Spec` (shape with None for unknown sizes, dtype) per leaf."""
        spec = self.__dict__.get("_spec")
        if spec is None:
            spec = self.__dict__["_spec"] = self._element_spec()
        return spec

    def _element_spec(self):
        return self._input.element_spec

    def cardinality(self) -> int:
        """The number of elements, :data:`INFINITE` or :data:`UNKNOWN` (TF's ``cardinality``)."""
        return self._input.cardinality()

    def __repr__(self):
        return f"<Pipeline {type(self).__name__.lstrip('_').lower()}>"


# -- sources ------------------------------------------------------------------------------

class _Slices(Pipeline):
    def __init__(self, tensors):
        if isinstance(tensors, Pipeline):
            raise TypeError("Pipeline.from_tensor_slices: got a Pipeline; pass arrays")
        self._template = tensors if isinstance(tensors, (tuple, dict)) else None
        leaves = [_as_array(a) for a in flatten(tensors)]
        if not leaves:
            raise ValueError("Pipeline.from_tensor_slices: got an empty structure; pass at least one array")
        for a in leaves:
            if a.ndim == 0:
                raise ShapeError("Pipeline.from_tensor_slices: a component is a scalar (shape ()); slicing needs "
                                 "at least one dimension")
        n = leaves[0].shape[0]
        for a in leaves[1:]:
            if a.shape[0] != n:
                raise ShapeError("Pipeline.from_tensor_slices: all components need the same first dimension, got "
                                 + " and ".join(fmt_shape(b.shape) for b in leaves))
        self._leaves, self._n = leaves, n
        self._rebuild = _rebuilder(tensors) if self._template is not None else (lambda ls: ls[0])

    def _iter(self):
        leaves, rebuild = self._leaves, self._rebuild

        def gen():
            for i in range(self._n):
                parts = []
                for a in leaves:
                    v = a[i, ...]  # a view (0-d for vectors), made read-only: elements are values
                    v.flags.writeable = False
                    parts.append(v)
                yield rebuild(parts)

        return gen()

    def _index_stream(self):
        return self._leaves, self._rebuild, lambda: iter(range(self._n))

    def _element_spec(self):
        specs = [Spec(a.shape[1:], a.dtype) for a in self._leaves]
        return self._rebuild(specs) if self._template is not None else specs[0]

    def cardinality(self):
        return self._n


class _Tensors(Pipeline):
    def __init__(self, tensors):
        self._value = _as_element(tensors)

    def _iter(self):
        return iter((self._value,))

    def _element_spec(self):
        return _spec_of(self._value)

    def cardinality(self):
        return 1


class _Range(Pipeline):
    def __init__(self, args, dtype):
        if not 1 <= len(args) <= 3:
            raise TypeError(f"Pipeline.range: expected 1 to 3 arguments (start, stop, step), got {len(args)}")
        try:
            self._range = range(*(int(a) for a in args))
        except ValueError as e:
            raise ValueError(f"Pipeline.range{tuple(args)}: {e}") from None
        self._dtype = np.dtype(dtype)

    def _iter(self):
        dt = self._dtype
        return (np.array(v, dtype=dt) for v in self._range)

    def _element_spec(self):
        return Spec((), self._dtype)

    def cardinality(self):
        return len(self._range)


class _Zip(Pipeline):
    def __init__(self, datasets):
        if isinstance(datasets, Pipeline) or not isinstance(datasets, (tuple, list, dict)):
            raise TypeError("Pipeline.zip: expected a tuple or dict of pipelines, got "
                            f"{type(datasets).__name__}")
        datasets = tuple(datasets) if isinstance(datasets, list) else datasets
        self._parts = flatten(datasets)
        for p in self._parts:
            if not isinstance(p, Pipeline):
                raise TypeError(f"Pipeline.zip: every component must be a Pipeline, got {type(p).__name__}")
        self._template = datasets
        self._rebuild = _rebuilder(datasets)

    def _iter(self):
        its = [p._iter() for p in self._parts]
        rebuild = self._rebuild
        return (rebuild(list(xs)) for xs in zip(*its))

    def _element_spec(self):
        return self._rebuild([p.element_spec for p in self._parts])

    def cardinality(self):
        cs = [p.cardinality() for p in self._parts]
        finite = [c for c in cs if c >= 0]
        if 0 in finite:
            return 0
        if UNKNOWN in cs:
            return UNKNOWN
        return min(finite) if finite else INFINITE


class _Generator(Pipeline):
    def __init__(self, generator, output_types, output_shapes, args):
        if not callable(generator):
            raise TypeError("Pipeline.from_generator: generator must be a callable returning an iterator, got "
                            f"{type(generator).__name__}")
        self._gen, self._args = generator, tuple(args or ())
        self._types, self._shapes = output_types, output_shapes

    def _convert(self, x, k):
        types, shapes = self._types, self._shapes
        try:
            if types is None:
                x = _as_element(x)
            elif isinstance(types, (tuple, dict)):
                x = map_structure(lambda v, d: np.asarray(v, dtype=np.dtype(d)), x, types)
            else:
                x = np.asarray(x, dtype=np.dtype(types))
        except (ValueError, TypeError) as e:
            raise TypeError(f"Pipeline.from_generator: element {k} does not fit output_types {types!r}: {e}") from None
        if shapes is not None:
            pats = flatten(_shape_struct(types, shapes)) if isinstance(types, (tuple, dict)) else [tuple(shapes)]
            for a, pat in zip(flatten(x), pats):
                if not _fits(a.shape, pat):
                    raise ShapeError(f"Pipeline.from_generator: element {k} has a component of shape "
                                     f"{fmt_shape(a.shape)}, which does not fit output_shapes {fmt_shape(pat)}")
        return x

    def _iter(self):
        def gen():
            for k, x in enumerate(self._gen(*self._args)):
                yield self._convert(x, k)

        return gen()

    def _element_spec(self):
        if self._types is not None and self._shapes is not None:
            if isinstance(self._types, (tuple, dict)):
                return map_structure(lambda d, s: Spec(tuple(s), np.dtype(d)), self._types, _shape_struct(
                    self._types, self._shapes))
            return Spec(tuple(self._shapes), np.dtype(self._types))
        first = next(iter(self._iter()), _END)
        if first is _END:
            raise ValueError("Pipeline.from_generator: the generator yields nothing; give output_types and "
                             "output_shapes")
        return _spec_of(first)

    def cardinality(self):
        return UNKNOWN


def leaves_like(template, values) -> list:
    """For each leaf of the structure ``template``, in flatten order, the matching entry of ``values``.

    ``values`` follows ``template``'s tuples (as tuples or lists) and dicts,
    and anything at a leaf's place is taken whole (a shape such as ``(None, 3)``).
    """
    out = []

    def walk(t, v):
        if isinstance(t, dict):
            for k in sorted(t):
                walk(t[k], v[k])
        elif _nested(t):
            if not isinstance(v, (tuple, list)) or len(v) != len(t):
                raise ValueError(f"{values!r} does not match the structure {template!r}")
            for a, b in zip(t, v):
                walk(a, b)
        else:
            out.append(v)

    walk(template, values)
    return out


def _shape_struct(types, shapes):
    """``output_shapes`` in the structure of ``output_types`` (tuples of sizes; None kept)."""
    return unflatten(types, [None if s is None else tuple(s) for s in leaves_like(types, shapes)])


def _fits(shape, pattern):
    pattern = tuple(pattern)
    return len(shape) == len(pattern) and all(p is None or p == s for s, p in zip(shape, pattern))


# -- element transformations ----------------------------------------------------------------

class _Map(Pipeline):
    def __init__(self, input, fn, output_spec):  # noqa: A002
        self._input, self._fn = input, fn
        if output_spec is not None:
            self.__dict__["_spec"] = output_spec

    def _iter(self):
        fn = self._fn
        return (_as_element(_call(fn, x)) for x in self._input._iter())

    def _element_spec(self):
        first = next(iter(self._input._iter()), _END)
        if first is _END:
            raise ValueError("Pipeline.map: the input is empty, so the output's element_spec is unknown; pass "
                             "output_spec=")
        return _spec_of(_as_element(_call(self._fn, first)))


class _Filter(Pipeline):
    def __init__(self, input, predicate):  # noqa: A002
        self._input, self._pred = input, predicate

    def _iter(self):
        pred = self._pred

        def keep(x):
            r = np.asarray(_call(pred, x))
            if r.shape != ():
                raise ShapeError(f"Pipeline.filter: the predicate must return a scalar boolean, got shape "
                                 f"{fmt_shape(r.shape)}")
            return bool(r)

        return (x for x in self._input._iter() if keep(x))

    def cardinality(self):
        c = self._input.cardinality()
        return 0 if c == 0 else UNKNOWN


def _chunks(it, n, drop):
    """Lists of ``n`` consecutive elements of ``it`` (the last one shorter unless ``drop``)."""
    while True:
        chunk = list(itertools.islice(it, n))
        if not chunk or (drop and len(chunk) < n):
            return
        yield chunk


def _stack(chunk, rebuild):
    cols = [flatten(x) for x in chunk]
    out = []
    for j, col in enumerate(zip(*cols)):
        first = np.shape(col[0])
        for k, a in enumerate(col):
            if np.shape(a) != first:
                raise ShapeError(f"Pipeline.batch: cannot batch elements with different shapes in component {j}: "
                                 f"the first element has shape {fmt_shape(first)} and element {k} has shape "
                                 f"{fmt_shape(np.shape(a))}")
        out.append(np.stack(col))
    return rebuild(out)


class _Batch(Pipeline):
    def __init__(self, input, n, drop):  # noqa: A002
        self._input, self._n, self._drop = input, n, drop

    def _iter(self):
        n, drop = self._n, self._drop
        s = self._input._index_stream()
        if s is not None:
            leaves, rebuild, make = s
            it = make()

            def gather():
                while True:
                    idx = np.fromiter(itertools.islice(it, n), dtype=np.intp)
                    if not len(idx) or (drop and len(idx) < n):
                        return
                    yield rebuild([a[idx] for a in leaves])

            return gather()
        return (_stack(chunk, _rebuilder(chunk[0])) for chunk in _chunks(self._input._iter(), n, drop))

    def _element_spec(self):
        lead = self._n if self._drop else None
        return map_structure(lambda s: Spec((lead, *s.shape), s.dtype), self._input.element_spec)

    def cardinality(self):
        c = self._input.cardinality()
        if c < 0:
            return c
        return c // self._n if self._drop else -(-c // self._n)


class _Unbatch(Pipeline):
    def __init__(self, input):  # noqa: A002
        self._input = input

    def _iter(self):
        def gen():
            for x in self._input._iter():
                leaves = flatten(x)
                rebuild = _rebuilder(x)
                n = {np.shape(a)[0] if np.ndim(a) else None for a in leaves}
                if None in n or len(n) != 1:
                    raise ShapeError("Pipeline.unbatch: every component needs the same first dimension, got "
                                     + " and ".join(fmt_shape(np.shape(a)) for a in leaves))
                for i in range(n.pop()):
                    yield rebuild([a[i, ...] for a in leaves])

        return gen()

    def _element_spec(self):
        return map_structure(lambda s: Spec(tuple(s.shape[1:]), s.dtype), self._input.element_spec)

    def cardinality(self):
        c = self._input.cardinality()
        return c if c in (0, INFINITE) else UNKNOWN


class _PaddedBatch(Pipeline):
    def __init__(self, input, n, shapes, values, drop):  # noqa: A002
        self._input, self._n, self._drop = input, n, drop
        self._shapes, self._values = shapes, values

    def _targets(self, template):
        """Per component: the padded shape (None entries: the batch's largest) and the padding value."""
        leaves = flatten(template)
        if self._shapes is None:
            shapes = [None] * len(leaves)
        elif _nested(template):
            shapes = flatten(_shape_struct(template, self._shapes))
        else:
            shapes = [tuple(self._shapes)]
        if self._values is None:
            values = [None] * len(leaves)
        else:
            values = flatten(self._values) if _nested(template) else [self._values]
        return shapes, values

    def _iter(self):
        def gen():
            for chunk in _chunks(self._input._iter(), self._n, self._drop):
                shapes, values = self._targets(chunk[0])
                cols = list(zip(*[flatten(x) for x in chunk]))
                out = [_pad_stack(j, col, shape, value) for j, (col, shape, value)
                       in enumerate(zip(cols, shapes, values))]
                yield _rebuilder(chunk[0])(out)

        return gen()

    def _element_spec(self):
        spec = self._input.element_spec
        shapes, _ = self._targets(spec)
        lead = self._n if self._drop else None
        leaves = flatten(spec)
        return unflatten(spec, [Spec((lead, *(shp if shp is not None else (None,) * len(s.shape))), s.dtype)
                                for s, shp in zip(leaves, shapes)])


def _pad_stack(j, col, shape, value):
    arrs = [np.asarray(a) for a in col]
    rank = arrs[0].ndim
    if shape is None:
        shape = (None,) * rank
    if any(a.ndim != rank for a in arrs) or len(shape) != rank:
        raise ShapeError(f"Pipeline.padded_batch: component {j} has elements of ranks "
                         f"{sorted({a.ndim for a in arrs})} and padded shape {fmt_shape(tuple(shape))}; the ranks "
                         "must agree")
    size = []
    for d, want in enumerate(shape):
        big = max(a.shape[d] for a in arrs)
        if want is not None and want >= 0:
            if big > want:
                raise ShapeError(f"Pipeline.padded_batch: component {j} has size {big} in dimension {d}, more "
                                 f"than the padded size {want}")
            big = int(want)
        size.append(big)
    dtype = arrs[0].dtype
    if value is None:
        value = b"" if dtype.kind == "O" else 0
    out = np.full((len(arrs), *size), value, dtype=dtype)
    for i, a in enumerate(arrs):
        out[(i, *(slice(0, k) for k in a.shape))] = a
    return out


class _Interleave(Pipeline):
    def __init__(self, input, fn, cycle, block, what):  # noqa: A002
        self._input, self._fn, self._cycle, self._block, self._what = input, fn, cycle, block, what

    def _open(self, x):
        p = _call(self._fn, x)
        if not isinstance(p, Pipeline):
            raise TypeError(f"Pipeline.{self._what}: fn must return a Pipeline, got {type(p).__name__}")
        return p._iter()

    def _iter(self):
        src = self._input._iter()
        cycle, block = self._cycle, self._block

        def gen():
            # TF's deterministic interleave: an empty slot takes the next input element when the cycle reaches
            # it; an exhausted iterator frees its slot and the cycle moves on
            slots = [None] * cycle
            k = b = live = 0
            ended = False
            while not ended or live:
                it = slots[k]
                if it is not None:
                    y = next(it, _END)
                    if y is not _END:
                        b += 1
                        if b == block:
                            b, k = 0, (k + 1) % cycle
                        yield y
                        continue
                    slots[k], live = None, live - 1
                    b, k = 0, (k + 1) % cycle
                elif not ended:
                    x = next(src, _END)
                    if x is _END:
                        ended = True
                    else:
                        slots[k], live = self._open(x), live + 1
                else:
                    b, k = 0, (k + 1) % cycle

        return gen()

    def _element_spec(self):
        first = next(iter(self._input._iter()), _END)
        if first is _END:
            raise ValueError(f"Pipeline.{self._what}: the input is empty, so the element_spec is unknown")
        p = _call(self._fn, first)
        return p.element_spec

    def cardinality(self):
        return 0 if self._input.cardinality() == 0 else UNKNOWN


class _Concat(Pipeline):
    def __init__(self, a, b):
        sa, sb = a.element_spec, b.element_spec
        if [s.dtype for s in flatten(sa)] != [s.dtype for s in flatten(sb)] or len(flatten(sa)) != len(flatten(sb)):
            raise TypeError(f"Pipeline.concatenate: the element structures differ: {sa} and {sb}")
        self._input, self._other = a, b

    def _iter(self):
        return itertools.chain(self._input._iter(), self._other._iter())

    def _element_spec(self):
        return map_structure(lambda a, b: Spec(a.shape if a.shape == b.shape else _merge(a.shape, b.shape), a.dtype),
                             self._input.element_spec, self._other.element_spec)

    def cardinality(self):
        a, b = self._input.cardinality(), self._other.cardinality()
        if INFINITE in (a, b):
            return INFINITE
        return UNKNOWN if UNKNOWN in (a, b) else a + b


def _merge(a, b):
    if a is None or b is None or len(a) != len(b):
        return None
    return tuple(x if x == y else None for x, y in zip(a, b))


# -- order transformations: they work the same on elements and on indices -------------------

class _Passthrough(Pipeline):
    """A transformation of the order of elements only: ``_over(make)`` maps a fresh-input-iterator factory
    to an iterator, and serves both the element path and the index path of ``batch``."""

    def _over(self, make):  # pragma: no cover - abstract
        raise NotImplementedError

    def _iter(self):
        return self._over(self._input._iter)

    def _index_stream(self):
        s = self._input._index_stream()
        if s is None:
            return None
        leaves, rebuild, make = s
        return leaves, rebuild, lambda: self._over(make)


class _Shuffle(_Passthrough):
    def __init__(self, input, size, seed, reshuffle):  # noqa: A002
        self._input, self._size, self._reshuffle = input, size, bool(reshuffle)
        if seed is None:
            from .._core.random import get_rng

            seed = (int(get_rng().integers(2 ** 63)),)
        elif isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
            seed = (int(seed),)
        elif isinstance(seed, (tuple, list)) and all(isinstance(s, (int, np.integer)) for s in seed):
            seed = tuple(int(s) for s in seed)
        else:
            raise TypeError(f"Pipeline.shuffle: seed must be an int (or a tuple of ints), got {seed!r}")
        if any(s < 0 for s in seed):
            raise ValueError(f"Pipeline.shuffle: seed must be non-negative, got {seed!r}")
        self._seed = seed
        self._passes = 0
        self._lock = threading.Lock()

    def _over(self, make):
        with self._lock:
            k = self._passes if self._reshuffle else 0
            self._passes += 1
        rng = np.random.default_rng([*self._seed, k])
        return self._gen(make(), rng, self._size)

    @staticmethod
    def _gen(it, rng, size):
        buf = list(itertools.islice(it, size))
        draws, d = rng.random(1024), 0
        while buf:
            if d == len(draws):
                draws, d = rng.random(1024), 0
            j = int(draws[d] * len(buf))  # uniform over the buffer
            d += 1
            out = buf[j]
            nxt = next(it, _END)
            if nxt is _END:
                buf[j] = buf[-1]
                buf.pop()
            else:
                buf[j] = nxt
            yield out


class _Repeat(_Passthrough):
    def __init__(self, input, count):  # noqa: A002
        self._input, self._count = input, count

    def _over(self, make):
        count = self._count

        def gen():
            k = 0
            while count is None or k < count:
                empty = True
                for x in make():
                    empty = False
                    yield x
                if empty:
                    return  # an empty input repeated forever is empty, not an endless loop
                k += 1

        return gen()

    def cardinality(self):
        c = self._input.cardinality()
        if self._count is None:
            return 0 if c == 0 else (INFINITE if c != UNKNOWN else UNKNOWN)
        return c * self._count if c >= 0 else (c if self._count else 0)


class _Take(_Passthrough):
    def __init__(self, input, count):  # noqa: A002
        self._input, self._count = input, count

    def _over(self, make):
        it = make()
        return it if self._count == -1 else itertools.islice(it, self._count)

    def cardinality(self):
        c = self._input.cardinality()
        if self._count == -1:
            return c
        return min(c, self._count) if c >= 0 else (self._count if c == INFINITE else UNKNOWN)


class _Skip(_Passthrough):
    def __init__(self, input, count):  # noqa: A002
        self._input, self._count = input, count

    def _over(self, make):
        it = make()
        if self._count == -1:
            for _ in it:
                pass
            return iter(())
        return itertools.islice(it, self._count, None)

    def cardinality(self):
        c = self._input.cardinality()
        if self._count == -1:
            return 0 if c >= 0 or c == UNKNOWN else INFINITE
        return max(0, c - self._count) if c >= 0 else c


class _Shard(_Passthrough):
    def __init__(self, input, n, index):  # noqa: A002
        self._input, self._n, self._index = input, n, index

    def _over(self, make):
        return itertools.islice(make(), self._index, None, self._n)

    def cardinality(self):
        c = self._input.cardinality()
        return max(0, -(-(c - self._index) // self._n)) if c >= 0 else c


class _Cache(_Passthrough):
    def __init__(self, input):  # noqa: A002
        self._input = input
        self._done = {}  # "elements" / "indices" -> what the first complete pass of that kind produced

    def _record(self, key, make):
        got = self._done.get(key)
        if got is not None:
            return iter(got)

        def gen():
            rec = []
            for x in make():
                rec.append(x)
                yield x
            self._done[key] = rec

        return gen()

    def _iter(self):
        return self._record("elements", self._input._iter)

    def _over(self, make):
        return self._record("indices", make)


class _Prefetch(_Passthrough):
    def __init__(self, input, size):  # noqa: A002
        self._input, self._size = input, size

    def _iter(self):
        return _PrefetchIterator(self._input._iter(), self._size)

    def _over(self, make):
        return make()  # prefetching indices buys nothing: the index path passes straight through


class _PrefetchIterator:
    """Runs ``it`` on a daemon thread, ``size`` elements ahead; errors re-raise in the consumer."""

    def __init__(self, it, size):
        self._q = queue.Queue(maxsize=size)
        self._stop = threading.Event()
        self._done = False
        self._thread = threading.Thread(target=self._produce, args=(it,), daemon=True, name="neuralab-prefetch")
        self._thread.start()

    def _put(self, item):
        while not self._stop.is_set():
            try:
                self._q.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def _produce(self, it):
        try:
            for x in it:
                if not self._put((0, x)):
                    return
            self._put((1, None))
        except BaseException as e:  # noqa: BLE001 - handed to the consumer, which re-raises it
            self._put((2, e))

    def __iter__(self):
        return self

    def __next__(self):
        if self._done:
            raise StopIteration
        kind, x = self._q.get()
        if kind == 0:
            return x
        self._done = True
        self._stop.set()
        if kind == 2:
            raise x  # the input pipeline's own error, as if it had been raised here
        raise StopIteration

    def close(self):
        """Stop the producer thread (also done when the iterator is garbage collected)."""
        self._stop.set()
        self._done = True

    def __del__(self):
        self._stop.set()
