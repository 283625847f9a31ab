"""TF 1.x's queue-based input pipelines: queues, readers, ``decode_csv``, ``tf.train.batch``, queue runners.

The pieces work as in TF 1.x. A queue (:class:`FIFOQueue`,
:class:`RandomShuffleQueue`) holds elements (tuples of arrays); its
``enqueue``/``dequeue`` methods give graph nodes that push/pull when run, and
block while the queue is full/empty. The producers —
``string_input_producer`` (file names, one epoch per run, reshuffled each
epoch), ``slice_input_producer``, the enqueue node of ``tf.train.batch`` (which
runs a reader and ``decode_csv`` for each element) — are run by
:class:`QueueRunner` threads started with ``tf.train.start_queue_runners``;
each thread calls ``sess.run(enqueue_op)`` until its input is exhausted
(``num_epochs``), then closes its queue, so that the consumer's
``sess.run(batch)`` raises ``tf.errors.OutOfRangeError`` after the last
(full, or with ``allow_smaller_final_batch`` short) batch. A
:class:`Coordinator` stops the threads (``request_stop`` closes the queues,
waking blocked threads) and ``join`` re-raises an error a thread hit.

Queue contents and reader positions belong to the Session running them (like
variables). Where TF would wait forever — a dequeue from an empty queue that
no thread feeds (queue runners never started) — neuralab waits a few seconds
and raises FailedPreconditionError saying so. The enqueue threads run the
same kind of plans as the main thread; they must not write variables the
training step uses at the same time (TF's input pipelines never do).
"""
from __future__ import annotations

import contextlib
import csv
import logging as _pylogging
import sys
import threading
import time
import types as _pytypes
import weakref

import numpy as np

from ..._core import graph as _graph
from ..._core.op import Op, Spec
from ..._core.tensor import Tensor as _NLTensor
from . import _base, _dtypes, _types, errors, gfile as _gfile
from ._base import as_graph_tensor, as_tensor
from .data import Resource, StatefulNode as _Node, _tf_array
from .missing import module_getattr
from .variables import GraphKeys

QUEUE_RUNNERS = GraphKeys.QUEUE_RUNNERS

#: seconds a dequeue waits on an empty queue that no live thread feeds before it raises (TF waits forever)
UNFED_WAIT = 5.0


def _exact_name(name):
    """``name`` made unique in the current name scope, or exactly ``name`` when it ends with "/" (a scope)."""
    g = _graph.get_default_graph()
    return name[:-1] if name.endswith("/") else g.unique_name(name)


def _record(op, inputs, name):
    """Record adapter node ``op`` named ``name`` (see _exact_name); its outputs, or the tf.Operation if none."""
    op.name = _exact_name(name)
    out = _graph.record(op, tuple(inputs))
    return _types.wrap_op(op) if op.nout == 0 else out


# ---------------------------------------------------------------------------------------
# queues
# ---------------------------------------------------------------------------------------

class _QueueState:
    """One session's queue: its elements, a condition variable, closed/cancelled flags, who feeds it."""

    def __init__(self, capacity, rng=None):
        self.items = []
        self.capacity = capacity
        self.cond = threading.Condition()
        self.closed = False
        self.cancelled = False
        self.rng = rng
        self.feeders = weakref.WeakSet()  # threads that enqueued, and queue-runner threads made for this queue
        self.session = None

    def _check_session(self, op):
        s = self.session() if self.session is not None else None
        if self.session is not None and (s is None or s._closed):
            raise errors.CancelledError(None, op, f"{op.name}: the session was closed")

    def put(self, elements, capacity_name, op):
        me = threading.current_thread()
        with self.cond:
            self.feeders.add(me)
            for e in elements:
                while len(self.items) >= self.capacity and not self.closed:
                    self._check_session(op)
                    self.cond.wait(0.1)
                if self.closed:
                    why = "the enqueue was cancelled" if self.cancelled else "it is closed"
                    raise errors.CancelledError(None, op, f"{capacity_name} '{op.queue.name}': {why} [[node "
                                                f"{op.name}]]")
                self.items.append(e)
                self.cond.notify_all()

    def take(self, n, up_to, op, min_after=0):
        me = threading.current_thread()
        q = op.queue
        with self.cond:
            unfed_since = None
            while True:
                have = len(self.items)
                if self.closed:
                    if have >= n or (up_to and have > 0):
                        return self._pop(min(n, have))
                    raise errors.OutOfRangeError(None, op, f"{q.kind} '{q.name}' is closed and has insufficient "
                                                 f"elements (requested {n}, current size {have})\n\t [[node "
                                                 f"{op.name}]]")
                if have >= n + min_after:
                    return self._pop(n)
                self._check_session(op)
                if any(t.is_alive() and t is not me for t in self.feeders):
                    unfed_since = None
                elif unfed_since is None:
                    unfed_since = time.monotonic()
                elif time.monotonic() - unfed_since > UNFED_WAIT:
                    raise errors.FailedPreconditionError(
                        None, op, f"{q.kind} '{q.name}' has {have} elements, the dequeue needs {n + min_after}, and no "
                        "thread feeds the queue: start its queue runners with tf.train.start_queue_runners(sess) "
                        f"before running {op.name} (TensorFlow would wait forever here)")
                self.cond.wait(0.1)

    def _pop(self, k):
        if self.rng is None:
            out, self.items = self.items[:k], self.items[k:]
        else:
            out = []
            for _ in range(k):
                j = int(self.rng.integers(len(self.items)))
                self.items[j], self.items[-1] = self.items[-1], self.items[j]
                out.append(self.items.pop())
        self.cond.notify_all()
        return out

    def close(self, cancel=False):
        with self.cond:
            self.closed = True
            self.cancelled = self.cancelled or cancel
            self.cond.notify_all()


class QueueBase(Resource):
    """tf.QueueBase: a queue of elements (tuples of tensors of ``dtypes``), per Session."""

    kind = "Queue"

    def __init__(self, dtypes, shapes=None, names=None, capacity=2 ** 31 - 1, name="queue"):
        super().__init__()
        if isinstance(dtypes, (list, tuple)):
            self._dtypes = [np.dtype(_dtypes.np_dtype(d)) for d in dtypes]
        else:
            self._dtypes = [np.dtype(_dtypes.np_dtype(dtypes))]
        if shapes is not None:
            shapes = [shapes] if not isinstance(dtypes, (list, tuple)) else list(shapes)
            if len(shapes) != len(self._dtypes):
                raise ValueError(f"{type(self).__name__}: {len(shapes)} shapes for {len(self._dtypes)} dtypes")
            self._shapes = [_types.shape_tuple(s) for s in shapes]
        else:
            self._shapes = [None] * len(self._dtypes)
        self._names = list(names) if names is not None else None
        if self._names is not None and len(self._names) != len(self._dtypes):
            raise ValueError(f"{type(self).__name__}: {len(self._names)} names for {len(self._dtypes)} dtypes")
        self._capacity = int(capacity)
        g = _graph.get_default_graph()
        self._name = g.unique_name(name)

    def new_state(self):
        """An empty, open queue."""
        return _QueueState(self._capacity)

    @property
    def _leaf(self):
        return self._name.rpartition("/")[2]  # default node names are made in the current name scope

    def state_for(self, sess):
        """The queue in session ``sess`` (which remembers the session, so blocked threads notice its close)."""
        st = super().state_for(sess)
        if st.session is None and sess is not None:
            st.session = weakref.ref(sess)
        return st

    # -- TF's attributes ----------------------------------------------------------------------
    @property
    def name(self):
        """The queue's name."""
        return self._name

    @property
    def dtypes(self):
        """The component dtypes."""
        return [_dtypes.as_dtype(d) for d in self._dtypes]

    @property
    def shapes(self):
        """The component shapes (TensorShape; unknown when the queue was made without shapes)."""
        return [_types.TensorShape(s) for s in self._shapes]

    @property
    def names(self):
        """The component names (None for a queue of tuples)."""
        return self._names

    @property
    def queue_ref(self):
        """The queue itself (TF's resource handle)."""
        return self

    # -- nodes ---------------------------------------------------------------------------------
    def _components(self, vals, many, what):
        if self._names is not None:
            if not isinstance(vals, dict):
                raise ValueError(f"{what}: the queue has names {self._names}; give a dict")
            vals = [vals[k] for k in self._names]
        elif not isinstance(vals, (list, tuple)):
            vals = [vals]
        if len(vals) != len(self._dtypes):
            raise ValueError(f"{what}: expected {len(self._dtypes)} components, got {len(vals)}")
        out = []
        for v, d, s in zip(vals, self._dtypes, self._shapes):
            t = as_graph_tensor(v, dtype=d)
            if t.dtype != d:
                raise TypeError(f"{what}: a component has dtype {t.dtype}, the queue holds {d}")
            shp = None if t.shape is None else (tuple(t.shape[1:]) if many else tuple(t.shape))
            if s is not None and shp is not None and not _types.TensorShape(shp).is_compatible_with(
                    _types.TensorShape(s)):
                raise ValueError(f"{what}: shape {_types.TensorShape(shp)} does not fit the queue's component shape "
                                 f"{_types.TensorShape(s)}")
            out.append(t)
        return out

    def enqueue(self, vals, name=None):
        """An op that adds one element (a list/tuple of tensors, a dict for named queues) when run."""
        comps = self._components(vals, False, f"{self.kind}.enqueue")
        return (_record(_Enqueue(queue=self, many=False, specs=()), comps,
                                      name or f"{self._leaf}_enqueue"))

    def enqueue_many(self, vals, name=None):
        """An op that adds the elements of ``vals`` (split along the first dimension) when run."""
        comps = self._components(vals, True, f"{self.kind}.enqueue_many")
        return (_record(_Enqueue(queue=self, many=True, specs=()), comps,
                                      name or f"{self._leaf}_EnqueueMany"))

    def _dequeue(self, mode, n, name):
        lead = () if mode == "one" else ((n if mode == "many" else None),)
        specs = [Spec(None if s is None else (*lead, *s), d) for s, d in zip(self._shapes, self._dtypes)]
        op = _Dequeue(queue=self, mode=mode, n=1 if mode == "one" else int(n), specs=specs, nout=len(specs))
        outs = _record(op, (), name)
        outs = [outs] if len(specs) == 1 else list(outs)
        outs = [_types.wrap(t) for t in outs]
        if self._names is not None:
            return dict(zip(self._names, outs))
        return outs[0] if len(outs) == 1 else outs

    def dequeue(self, name=None):
        """A node giving the next element (a tensor, or a list of them) when run; blocks while empty."""
        return self._dequeue("one", 1, name or f"{self._leaf}_Dequeue")

    def dequeue_many(self, n, name=None):
        """``n`` elements stacked; OutOfRangeError once the queue is closed with fewer than ``n`` left."""
        return self._dequeue("many", _int(n, "dequeue_many"), name or f"{self._leaf}_DequeueMany")

    def dequeue_up_to(self, n, name=None):
        """Up to ``n`` elements stacked (fewer only after the queue is closed)."""
        return self._dequeue("up_to", _int(n, "dequeue_up_to"), name or f"{self._leaf}_DequeueUpTo")

    def close(self, cancel_pending_enqueues=False, name=None):
        """An op that closes the queue when run (with ``cancel_pending_enqueues``, blocked enqueues fail)."""
        op = _QueueClose(queue=self, cancel=bool(cancel_pending_enqueues), specs=())
        return (_record(op, (), name or f"{self._leaf}_Close"))

    def size(self, name=None):
        """A scalar int32 node: the number of elements when run."""
        op = _QueueSize(queue=self, specs=(Spec((), np.dtype(np.int32)),))
        return _types.wrap(_record(op, (), name or f"{self._leaf}_Size"))

    def is_closed(self, name=None):
        """A scalar bool node: whether the queue is closed when run."""
        op = _QueueIsClosed(queue=self, specs=(Spec((), np.dtype(np.bool_)),))
        return _types.wrap(_record(op, (), name or f"{self._leaf}_IsClosed"))

    def __repr__(self):
        return f"<tf.{type(self).__name__} '{self._name}'>"


def _int(n, what):
    v = as_tensor(n)
    if isinstance(v, _NLTensor):
        if v.data is None and not isinstance(v._op, _base.Const):
            raise NotImplementedError(f"neuralab.compat.v1: {what} with a size computed at run time is not "
                                      "supported; give a Python int")
        v = v.numpy() if v.data is not None else v._op.value
    try:
        return int(v)
    except (TypeError, ValueError):
        raise TypeError(f"{what}: expected an integer, got {n!r}") from None


class FIFOQueue(QueueBase):
    """tf.FIFOQueue(capacity, dtypes, shapes=None, names=None): first in, first out."""

    kind = "FIFOQueue"

    def __init__(self, capacity, dtypes, shapes=None, names=None, shared_name=None, name="fifo_queue"):
        super().__init__(dtypes, shapes, names, capacity, name)


class RandomShuffleQueue(QueueBase):
    """tf.RandomShuffleQueue: dequeues a random element, once more than ``min_after_dequeue`` are held.

    Seeded by (graph seed, op seed) like TF's random ops (each Session starts
    the same generator); without any seed, by a seed drawn from neuralab's
    global generator when the queue is made.
    """

    kind = "RandomShuffleQueue"

    def __init__(self, capacity, min_after_dequeue, dtypes, shapes=None, names=None, seed=None, shared_name=None,
                 name="random_shuffle_queue"):
        super().__init__(dtypes, shapes, names, capacity, name)
        self._min_after = int(min_after_dequeue)
        self._seed = _seed(seed)

    def new_state(self):
        """An empty queue with its generator started from the queue's seed."""
        return _QueueState(self._capacity, np.random.default_rng(list(self._seed)))


def _seed(seed):
    s = _base.op_seed(seed)
    if s is None:
        from ..._core.random import get_rng

        s = (int(get_rng().integers(2 ** 63)),)
    return s


class _Enqueue(_Node):
    type = "QueueEnqueueV2"
    nout = 0

    def forward(self, xp, *arrays):
        q = self.queue
        for a, s in zip(arrays, q._shapes):
            shp = a.shape[1:] if self.many else a.shape
            if s is not None and (len(s) != len(shp) or any(x is not None and x != y for x, y in zip(s, shp))):
                raise errors.InvalidArgumentError(None, self, f"{q.kind} '{q.name}': a component of shape "
                                                  f"{list(shp)} does not fit the queue's shape {list(s)}")
        if self.many:
            n = {len(a) for a in arrays}
            if len(n) != 1:
                raise errors.InvalidArgumentError(None, self, f"enqueue_many: the components have different first "
                                                  f"dimensions {sorted(n)}")
            elements = [tuple(a[i] for a in arrays) for i in range(n.pop())]
        else:
            elements = [tuple(arrays)]
        q.state().put(elements, q.kind, self)
        return ()


class _Dequeue(_Node):
    @property
    def type(self):
        return {"one": "QueueDequeueV2", "many": "QueueDequeueManyV2", "up_to": "QueueDequeueUpToV2"}[self.mode]

    def forward(self, xp):
        q = self.queue
        got = q.state().take(self.n, self.mode == "up_to", self, getattr(q, "_min_after", 0))
        if self.mode == "one":
            return tuple(np.asarray(a) for a in got[0])
        return tuple(np.stack([e[j] for e in got]) for j in range(len(q._dtypes)))


class _QueueClose(_Node):
    type = "QueueCloseV2"
    nout = 0

    def forward(self, xp):
        self.queue.state().close(self.cancel)
        return ()


class _QueueSize(_Node):
    type = "QueueSizeV2"

    def forward(self, xp):
        st = self.queue.state()
        with st.cond:
            return (np.array(len(st.items), dtype=np.int32),)


class _QueueIsClosed(_Node):
    type = "QueueIsClosedV2"

    def forward(self, xp):
        return (np.array(self.queue.state().closed),)


# ---------------------------------------------------------------------------------------
# readers
# ---------------------------------------------------------------------------------------

class _ReaderState:
    def __init__(self):
        self.fh = None
        self.file = None
        self.line = 0
        self.records = 0
        self.units = 0


class ReaderBase(Resource):
    """tf.ReaderBase: reads records from the files whose names a queue gives (one file after another)."""

    type_name = "Reader"

    def __init__(self, name=None):
        super().__init__()
        self._name = _graph.get_default_graph().unique_name(name or self.type_name)

    def new_state(self):
        """A reader at the start (no file open)."""
        return _ReaderState()

    @property
    def reader_ref(self):
        """The reader itself (TF's resource handle)."""
        return self

    @property
    def supports_serialize(self):
        """False: reader states are not serialized."""
        return False

    def _next_record(self, st, queue, op):
        """(key, value) of the next record, moving to the next file from ``queue`` when one ends."""
        while True:
            if st.fh is None:
                (fname,) = queue.state().take(1, False, op)[0]
                fname = fname.item() if isinstance(fname, np.ndarray) else fname
                path = fname.decode() if isinstance(fname, bytes) else str(fname)
                try:
                    st.fh = open(path, "rb")  # noqa: SIM115 - kept open across runs, closed at its end
                except OSError as e:
                    raise errors.NotFoundError(None, op, f"{path}; {e.strerror}") from None
                st.file, st.line = path, 0
                self._opened(st)
            rec = self._read(st)
            if rec is not None:
                st.records += 1
                return rec
            st.fh.close()
            st.fh = None
            st.units += 1

    def _opened(self, st):
        pass

    def read(self, queue, name=None):
        """The next (key, value) pair as two scalar tf.string tensors (one record per run)."""
        op = _ReaderRead(reader=self, queue=_queue_of(queue), n=None, nout=2,
                         specs=(Spec((), np.dtype(object)), Spec((), np.dtype(object))))
        k, v = _record(op, (), name or "ReaderReadV2")
        return _types.wrap(k), _types.wrap(v)

    def read_up_to(self, queue, num_records, name=None):
        """Up to ``num_records`` (key, value) pairs as two string vectors (fewer only at the end)."""
        op = _ReaderRead(reader=self, queue=_queue_of(queue), n=_int(num_records, "read_up_to"), nout=2,
                         specs=(Spec((None,), np.dtype(object)), Spec((None,), np.dtype(object))))
        k, v = _record(op, (), name or "ReaderReadUpToV2")
        return _types.wrap(k), _types.wrap(v)

    def num_records_produced(self, name=None):
        """An int64 node: the number of records this reader has produced (in the running session)."""
        return _types.wrap(_record(_ReaderCount(reader=self, field="records",
                                                specs=(Spec((), np.dtype(np.int64)),)), (), name or
                                   "ReaderNumRecordsProducedV2"))

    def num_work_units_completed(self, name=None):
        """An int64 node: the number of files this reader has finished."""
        return _types.wrap(_record(_ReaderCount(reader=self, field="units",
                                                specs=(Spec((), np.dtype(np.int64)),)), (), name or
                                   "ReaderNumWorkUnitsCompletedV2"))

    def reset(self, name=None):
        """An op that puts the reader back to its initial state."""
        return (_record(_ReaderReset(reader=self, specs=()), (), name or "ReaderResetV2"))


def _queue_of(queue):
    if isinstance(queue, QueueBase):
        return queue
    raise TypeError(f"reader.read: expected a queue of file names (e.g. tf.train.string_input_producer(...)), got "
                    f"{type(queue).__name__}")


class TextLineReader(ReaderBase):
    """tf.TextLineReader(skip_header_lines=None): records are lines (newline removed); key ``b"file:line"``."""

    type_name = "TextLineReaderV2"

    def __init__(self, skip_header_lines=None, name=None):
        super().__init__(name)
        self._skip = int(skip_header_lines or 0)

    def _opened(self, st):
        for _ in range(self._skip):
            if not st.fh.readline():
                break
            st.line += 1

    def _read(self, st):
        line = st.fh.readline()
        if not line:
            return None
        st.line += 1
        return f"{st.file}:{st.line}".encode(), line.rstrip(b"\n").rstrip(b"\r")


class WholeFileReader(ReaderBase):
    """tf.WholeFileReader: one record per file: (file name, contents)."""

    type_name = "WholeFileReaderV2"

    def _read(self, st):
        if st.line:
            return None
        st.line = 1
        return st.file.encode(), st.fh.read()


class FixedLengthRecordReader(ReaderBase):
    """tf.FixedLengthRecordReader(record_bytes, header_bytes, footer_bytes, hop_bytes): fixed-size records."""

    type_name = "FixedLengthRecordReaderV2"

    def __init__(self, record_bytes, header_bytes=None, footer_bytes=None, hop_bytes=None, name=None, encoding=None):
        super().__init__(name)
        if encoding not in (None, ""):
            raise NotImplementedError(f"neuralab.compat.v1: FixedLengthRecordReader(encoding={encoding!r}) is not "
                                      "supported; decompress the files first")
        self._size = int(record_bytes)
        self._header, self._footer = int(header_bytes or 0), int(footer_bytes or 0)
        self._hop = int(hop_bytes or 0) or self._size

    def _opened(self, st):
        data = st.fh.read()
        st.fh.close()
        st.fh = _Buffer(data[self._header: len(data) - self._footer if self._footer else None])

    def _read(self, st):
        buf = st.fh
        if buf.pos + self._size > len(buf.data):
            return None
        rec = buf.data[buf.pos: buf.pos + self._size]
        key = f"{st.file}:{buf.pos // self._hop}".encode()
        buf.pos += self._hop
        return key, rec


class _Buffer:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def close(self):
        pass


class _ReaderRead(_Node):
    @property
    def type(self):
        return "ReaderReadV2" if self.n is None else "ReaderReadUpToV2"

    def forward(self, xp):
        r = self.reader
        st = r.state()
        if self.n is None:
            k, v = r._next_record(st, self.queue, self)
            return np.array(k, dtype=object), np.array(v, dtype=object)
        keys, vals = [], []
        for _ in range(self.n):
            try:
                k, v = r._next_record(st, self.queue, self)
            except errors.OutOfRangeError:
                if keys:
                    break
                raise
            keys.append(k)
            vals.append(v)
        ka, va = np.empty(len(keys), dtype=object), np.empty(len(vals), dtype=object)
        ka[:], va[:] = keys, vals
        return ka, va


class _ReaderCount(_Node):
    type = "ReaderNumRecordsProducedV2"

    def forward(self, xp):
        return (np.array(getattr(self.reader.state(), self.field), dtype=np.int64),)


class _ReaderReset(_Node):
    type = "ReaderResetV2"
    nout = 0

    def forward(self, xp):
        st = self.reader.state()
        if st.fh is not None:
            st.fh.close()
        st.__init__()
        return ()


# ---------------------------------------------------------------------------------------
# parsing: decode_csv, decode_raw, read_file
# ---------------------------------------------------------------------------------------

_CSV_TYPES = (np.float32, np.float64, np.int32, np.int64, np.object_)


class DecodeCSV(Op):
    """decode_csv's node: one output per column, each shaped like ``records`` (works on any shape)."""

    register = False
    differentiable = False
    elementwise = True  # the columns of a batch of records are the columns of each record (tf.data batches it)
    type = "DecodeCSV"

    def infer(self, records):
        """One output per column, shaped like the records, of the column's dtype."""
        return tuple(Spec(records.shape, d) for d, _ in self.columns)

    def backward(self, grads):
        """Parsing has no gradient."""
        return (None,)

    def forward(self, xp, records):
        """Split and parse every record (InvalidArgumentError naming the record and field when one is bad)."""
        recs = np.asarray(records)
        outs = [np.empty(recs.shape, dtype=d) for d, _ in self.columns]
        flat = [o.reshape(-1) for o in outs]
        for i, rec in enumerate(recs.reshape(-1)):
            fields = self._split(rec, i)
            for j, (f, (d, default)) in enumerate(zip(fields, self.columns)):
                flat[j][i] = self._parse(f, d, default, i, j)
        return tuple(outs)

    def _split(self, rec, i):
        if isinstance(rec, str):
            rec = rec.encode()
        if not isinstance(rec, bytes):
            raise errors.InvalidArgumentError(None, self, f"decode_csv: record {i} is not a string: {rec!r}")
        d = self.delim
        if self.quote and b'"' in rec:
            try:
                fields = [f.encode() for f in next(csv.reader([rec.decode()], delimiter=d.decode(), quotechar='"',
                                                             strict=True))]
            except csv.Error as e:
                raise errors.InvalidArgumentError(None, self, f"Quoted field in record {i} is not terminated "
                                                  f"correctly: {e}") from None
        else:
            fields = rec.split(d)
        if self.select is not None:
            if len(fields) <= self.select[-1]:
                raise errors.InvalidArgumentError(None, self, f"Expect {self.select[-1] + 1} fields or more but have "
                                                  f"{len(fields)} in record {i}")
            fields = [fields[k] for k in self.select]
        elif len(fields) != len(self.columns):
            raise errors.InvalidArgumentError(None, self, f"Expect {len(self.columns)} fields but have {len(fields)} "
                                              f"in record {i}")
        return fields

    def _parse(self, f, d, default, i, j):
        if f == self.na_value:
            if default is None:
                raise errors.InvalidArgumentError(None, self, f"Field {j} is required but missing in record {i}!")
            return default
        if d.kind == "O":
            return f
        try:
            if d.kind == "f":
                return float(f)
            v = int(f)
        except ValueError:
            kind = "float" if d.kind == "f" else ("int32" if d == np.int32 else "int64")
            raise errors.InvalidArgumentError(None, self, f"Field {j} in record {i} is not a valid {kind}: "
                                              f"{f.decode(errors='replace')}") from None
        info = np.iinfo(d)
        if not info.min <= v <= info.max:
            raise errors.InvalidArgumentError(None, self, f"Field {j} in record {i} is not in the range of "
                                              f"{d.name}: {v}")
        return v


def _csv_default(entry, j):
    """A record_defaults entry -> (dtype, default or None for a required field)."""
    t = as_tensor(entry)
    if isinstance(t, _NLTensor):
        if t.data is None and not isinstance(t._op, _base.Const):
            raise NotImplementedError("neuralab.compat.v1: decode_csv with record_defaults computed at run time is "
                                      "not supported; give constants such as [[0.0], [0]]")
        arr = t.numpy() if t.data is not None else t._op.value
    else:
        arr = _tf_array(t if isinstance(t, (list, tuple, np.ndarray)) else [t])
        if isinstance(t, (list, tuple)) and len(t) == 0:
            arr = np.zeros((0,), np.float32)
    arr = np.asarray(arr).reshape(-1)
    if arr.dtype.type not in _CSV_TYPES:
        raise TypeError(f"decode_csv: record_defaults[{j}] has dtype {arr.dtype}; use float32, float64, int32, "
                        "int64 or string")
    if arr.size > 1:
        raise ValueError(f"decode_csv: record_defaults[{j}] must have at most one element, got {arr.size}")
    d = arr.dtype
    return d, (None if arr.size == 0 else (arr[0] if d.kind == "O" else d.type(arr[0])))


def decode_csv(records, record_defaults, field_delim=",", use_quote_delim=True, name=None, na_value="",
               select_cols=None):
    """tf.decode_csv (tf.io.decode_csv): the columns of CSV ``records`` (a string tensor of any shape).

    ``record_defaults`` has one entry per column: ``[value]`` gives the
    column's dtype (Python float -> float32, int -> int32, str -> string) and
    the value for an empty field; an empty entry makes the field required.
    Quoted fields (``"a,b"``, ``""`` for a quote) are read when
    ``use_quote_delim``. Bad records raise InvalidArgumentError naming the
    record and the field.
    """
    if isinstance(field_delim, str):
        field_delim = field_delim.encode()
    if len(field_delim) != 1:
        raise ValueError(f"decode_csv: field_delim must be a single character, got {field_delim!r}")
    cols = [_csv_default(e, j) for j, e in enumerate(record_defaults)]
    if not cols:
        raise ValueError("decode_csv: record_defaults must not be empty")
    sel = None
    if select_cols is not None:
        sel = [int(c) for c in select_cols]
        if sel != sorted(set(sel)) or (sel and sel[0] < 0):
            raise ValueError(f"decode_csv: select_cols must be non-negative and strictly increasing, got {sel}")
        if len(sel) != len(cols):
            raise ValueError(f"decode_csv: {len(sel)} select_cols for {len(cols)} record_defaults")
    rec = as_graph_tensor(records)
    if rec.dtype.kind not in "OSU":
        raise TypeError(f"decode_csv: records must be tf.string, got {rec.dtype}")
    na = na_value.encode() if isinstance(na_value, str) else bytes(na_value)
    outs = DecodeCSV.apply(rec, columns=cols, delim=bytes(field_delim), quote=bool(use_quote_delim), na_value=na,
                           select=sel, nout=len(cols))
    return list(outs) if isinstance(outs, tuple) else [outs]


class _DecodeRaw(Op):
    register = False
    differentiable = False
    type = "DecodeRaw"

    def infer(self, x):
        return (Spec(None if x.shape is None else (*x.shape, None), self.dtype),)

    def backward(self, grads):
        return (None,)

    def forward(self, xp, x):
        arr = np.asarray(x)
        dt = self.dtype if self.little else self.dtype.newbyteorder(">")
        rows = [np.frombuffer(b if isinstance(b, bytes) else bytes(b), dtype=dt) for b in arr.reshape(-1)]
        if len({len(r) for r in rows}) > 1:
            raise errors.InvalidArgumentError(None, self, "DecodeRaw: the strings have different lengths "
                                              f"{sorted({len(r) for r in rows})}")
        n = len(rows[0]) if rows else 0
        out = np.stack(rows).astype(self.dtype) if rows else np.zeros((0, n), self.dtype)
        return (out.reshape((*arr.shape, n)),)


def decode_raw(input_bytes=None, out_type=None, little_endian=True, name=None, bytes=None):  # noqa: A002
    """tf.decode_raw: the bytes of each string reinterpreted as a vector of ``out_type`` numbers."""
    x = as_graph_tensor(input_bytes if input_bytes is not None else bytes)
    return _DecodeRaw.apply(x, dtype=np.dtype(_dtypes.np_dtype(out_type)), little=bool(little_endian))


class _ReadFile(Op):
    register = False
    differentiable = False
    nondeterministic = True
    type = "ReadFile"

    def infer(self, x):
        return (Spec((), np.dtype(object)),)

    def backward(self, grads):
        return (None,)

    def forward(self, xp, fname):
        f = np.asarray(fname).item()
        path = f.decode() if isinstance(f, bytes) else str(f)
        try:
            with open(path, "rb") as fh:
                return (np.array(fh.read(), dtype=object),)
        except OSError as e:
            raise errors.NotFoundError(None, self, f"{path}; {e.strerror}") from None


def read_file(filename, name=None):
    """tf.read_file (tf.io.read_file): a scalar tf.string node holding the file's bytes when run."""
    return _ReadFile.apply(as_graph_tensor(_tf_array(filename) if isinstance(filename, str) else filename))


class _WriteFile(_Node):
    type = "WriteFile"
    nout = 0

    def forward(self, xp, fname, contents):
        f, c = np.asarray(fname).item(), np.asarray(contents).item()
        path = f.decode() if isinstance(f, bytes) else str(f)
        with open(path, "wb") as fh:
            fh.write(c if isinstance(c, bytes) else str(c).encode())
        return ()


def write_file(filename, contents, name=None):
    """tf.write_file (tf.io.write_file): an op that writes the string ``contents`` to ``filename`` when run."""
    f = as_graph_tensor(_tf_array(filename) if isinstance(filename, str) else filename)
    c = as_graph_tensor(_tf_array(contents) if isinstance(contents, (str, bytes)) else contents)
    return (_record(_WriteFile(specs=()), (f, c), name or "WriteFile"))


# ---------------------------------------------------------------------------------------
# producers
# ---------------------------------------------------------------------------------------

class _Producer(Resource):
    """The epoch count and shuffling generator of an input producer, per Session."""

    def __init__(self, num_epochs, shuffle, seed):
        super().__init__()
        self.num_epochs = None if num_epochs is None else int(num_epochs)
        self.shuffle = bool(shuffle)
        self.seed = _seed(seed) if shuffle else None

    def new_state(self):
        return [0, np.random.default_rng(list(self.seed)) if self.shuffle else None]


class _ProduceEpoch(_Node):
    """Enqueues one epoch of the slices of its inputs (reshuffled each epoch); OutOfRange after num_epochs."""

    type = "QueueEnqueueManyV2"
    nout = 0

    def forward(self, xp, *arrays):
        p = self.producer
        st = p.state()
        if p.num_epochs is not None and st[0] >= p.num_epochs:
            raise errors.OutOfRangeError(None, self, f"Reached limit of {p.num_epochs} [[node {self.name}]]")
        st[0] += 1
        n = len(arrays[0])
        order = st[1].permutation(n) if st[1] is not None else range(n)
        q = self.queue
        q.state().put([tuple(a[i] for a in arrays) for i in order], q.kind, self)
        return ()


def _producer(tensors, what, num_epochs, shuffle, seed, capacity, name, element_shapes=None):
    """A FIFOQueue of the slices of ``tensors`` with a QueueRunner enqueuing one epoch per run."""
    g = _graph.get_default_graph()
    with g.name_scope(name) as scope:
        comps = [as_graph_tensor(t) for t in tensors]
        for t in comps:
            if t.shape is not None and len(t.shape) == 0:
                raise ValueError(f"{what}: the input must have at least one dimension, got a scalar")
            if t.shape is not None and t.shape[0] == 0:
                raise ValueError(f"{what} requires a non-null input tensor")
        shapes = element_shapes or [None if t.shape is None else tuple(t.shape[1:]) for t in comps]
        q = FIFOQueue(capacity, [t.dtype for t in comps], shapes)
        q._name = scope.rstrip("/")  # TF names the producer's queue after its scope ("input_producer")
        op = _ProduceEpoch(queue=q, producer=_Producer(num_epochs, shuffle, seed), specs=())
        enq = _record(op, comps, f"{q._leaf}_EnqueueMany")
        add_queue_runner(QueueRunner(q, [enq]))
    return q


def string_input_producer(string_tensor, num_epochs=None, shuffle=True, seed=None, capacity=32, shared_name=None,
                          name=None, cancel_op=None):
    """tf.train.string_input_producer: a queue of file names, one epoch per run of its queue runner.

    Each epoch is reshuffled when ``shuffle``; after ``num_epochs`` epochs the
    queue is closed (None: forever). Returns the queue (give it to a reader).
    """
    t = _tf_array(string_tensor) if isinstance(string_tensor, (list, tuple, str, np.ndarray)) else string_tensor
    return _producer([t], "string_input_producer", num_epochs, shuffle, seed, capacity, name or "input_producer")


def range_input_producer(limit, num_epochs=None, shuffle=True, seed=None, capacity=32, shared_name=None, name=None):
    """tf.train.range_input_producer: a queue of the int32s 0..limit-1, one epoch per run."""
    return _producer([np.arange(_int(limit, "range_input_producer"), dtype=np.int32)], "range_input_producer",
                     num_epochs, shuffle, seed, capacity, name or "input_producer")


def input_producer(input_tensor, element_shape=None, num_epochs=None, shuffle=True, seed=None, capacity=32,
                   shared_name=None, summary_name=None, name=None, cancel_op=None):
    """tf.train.input_producer: a queue of the rows of ``input_tensor``, one epoch per run."""
    shapes = None if element_shape is None else [_types.shape_tuple(element_shape)]
    return _producer([input_tensor], "input_producer", num_epochs, shuffle, seed, capacity, name or "input_producer",
                     shapes)


def slice_input_producer(tensor_list, num_epochs=None, shuffle=True, seed=None, capacity=32, shared_name=None,
                         name=None):
    """tf.train.slice_input_producer: one slice (row) of every tensor per run, as a list of tensors."""
    tensor_list = list(tensor_list)
    if not tensor_list:
        raise ValueError("slice_input_producer: expected at least one tensor in tensor_list")
    comps = [as_graph_tensor(t) for t in tensor_list]
    firsts = {t.shape[0] for t in comps if t.shape is not None and len(t.shape)}
    if len(firsts) > 1:
        raise ValueError(f"slice_input_producer: the tensors have different first dimensions {sorted(firsts)}")
    q = _producer(comps, "slice_input_producer", num_epochs, shuffle, seed, capacity, name or "input_producer")
    out = q.dequeue(name=f"{q._leaf}_Dequeue")
    return list(out) if isinstance(out, list) else [out]


# ---------------------------------------------------------------------------------------
# batching
# ---------------------------------------------------------------------------------------

def _flat_tensors(tensors):
    """(components, rebuild): a list/tuple, a dict (sorted keys) or a single tensor of a batch call."""
    if isinstance(tensors, dict):
        keys = sorted(tensors)
        return [tensors[k] for k in keys], lambda outs: dict(zip(keys, outs))
    if isinstance(tensors, (list, tuple)):
        return list(tensors), lambda outs: outs[0] if len(outs) == 1 else list(outs)
    return [tensors], lambda outs: outs[0]


def _batch(tensors_list, batch_size, capacity, enqueue_many, shapes, allow_smaller, name, what, queue_fn):
    g = _graph.get_default_graph()
    with g.name_scope(name) as scope:
        flat, rebuild = _flat_tensors(tensors_list[0])
        comps_list = [[as_graph_tensor(t) for t in _flat_tensors(ts)[0]] for ts in tensors_list]
        comps = comps_list[0]
        if shapes is None:
            shapes = []
            for t in comps:
                s = None if t.shape is None else (tuple(t.shape[1:]) if enqueue_many else tuple(t.shape))
                if s is None or None in s:
                    raise ValueError(f"{what}: all shapes must be fully defined, got {_types.TensorShape(s)} (give "
                                     "shapes= or set the tensors' shapes)")
                shapes.append(s)
        q = queue_fn([t.dtype for t in comps], [_types.shape_tuple(s) for s in shapes])
        enqs = [q.enqueue_many(c) if enqueue_many else q.enqueue(c) for c in comps_list]
        add_queue_runner(QueueRunner(q, enqs))
    n = _int(batch_size, what)
    out = q.dequeue_up_to(n, name=scope) if allow_smaller else q.dequeue_many(n, name=scope)
    outs = out if isinstance(out, list) else [out]
    return rebuild(outs)


def batch(tensors, batch_size, num_threads=1, capacity=32, enqueue_many=False, shapes=None, dynamic_pad=False,
          allow_smaller_final_batch=False, shared_name=None, name=None):
    """tf.train.batch: batches of ``tensors`` (a list, dict or tensor) assembled by ``num_threads`` threads.

    The enqueue node (evaluating ``tensors``, e.g. a reader and decode_csv) runs
    on queue-runner threads; each run of the result dequeues ``batch_size``
    elements. After the inputs are exhausted the last short batch is returned
    only with ``allow_smaller_final_batch``; then OutOfRangeError.
    """
    if dynamic_pad:
        raise NotImplementedError("neuralab.compat.v1: tf.train.batch(dynamic_pad=True) is not supported; use "
                                  "tf.data.Dataset.padded_batch")
    return _batch([tensors] * int(num_threads), batch_size, capacity, enqueue_many, shapes,
                  allow_smaller_final_batch, name or "batch", "tf.train.batch",
                  lambda d, s: FIFOQueue(capacity, d, s))


def batch_join(tensors_list, batch_size, capacity=32, enqueue_many=False, shapes=None, dynamic_pad=False,
               allow_smaller_final_batch=False, shared_name=None, name=None):
    """tf.train.batch_join: like batch, with one enqueuing thread per entry of ``tensors_list``."""
    if dynamic_pad:
        raise NotImplementedError("neuralab.compat.v1: tf.train.batch_join(dynamic_pad=True) is not supported")
    return _batch(list(tensors_list), batch_size, capacity, enqueue_many, shapes, allow_smaller_final_batch,
                  name or "batch_join", "tf.train.batch_join", lambda d, s: FIFOQueue(capacity, d, s))


def _shuffle_queue(capacity, min_after_dequeue, batch_size, seed, what):
    if int(min_after_dequeue) + _int(batch_size, what) > int(capacity):
        raise ValueError(f"{what}: capacity ({capacity}) must be at least min_after_dequeue + batch_size "
                         f"({int(min_after_dequeue)} + {_int(batch_size, what)}), or the dequeue would wait forever")
    return lambda d, s: RandomShuffleQueue(capacity, min_after_dequeue, d, s, seed=seed)


def shuffle_batch(tensors, batch_size, capacity, min_after_dequeue, num_threads=1, seed=None, enqueue_many=False,
                  shapes=None, allow_smaller_final_batch=False, shared_name=None, name=None):
    """tf.train.shuffle_batch: batches drawn at random from a RandomShuffleQueue kept above min_after_dequeue."""
    return _batch([tensors] * int(num_threads), batch_size, capacity, enqueue_many, shapes,
                  allow_smaller_final_batch, name or "shuffle_batch", "tf.train.shuffle_batch",
                  _shuffle_queue(capacity, min_after_dequeue, batch_size, seed, "tf.train.shuffle_batch"))


def shuffle_batch_join(tensors_list, batch_size, capacity, min_after_dequeue, seed=None, enqueue_many=False,
                       shapes=None, allow_smaller_final_batch=False, shared_name=None, name=None):
    """tf.train.shuffle_batch_join: shuffle_batch with one enqueuing thread per entry of ``tensors_list``."""
    return _batch(list(tensors_list), batch_size, capacity, enqueue_many, shapes, allow_smaller_final_batch,
                  name or "shuffle_batch_join", "tf.train.shuffle_batch_join",
                  _shuffle_queue(capacity, min_after_dequeue, batch_size, seed, "tf.train.shuffle_batch_join"))


# ---------------------------------------------------------------------------------------
# threads: Coordinator, QueueRunner
# ---------------------------------------------------------------------------------------

_log = _pylogging.getLogger("tensorflow")


class Coordinator:
    """tf.train.Coordinator: lets threads stop together and hands the main thread an error one of them hit.

    Threads loop ``while not coord.should_stop()``; any thread may call
    ``request_stop(exception)``; ``join(threads)`` waits for them and re-raises
    the first exception reported (except ``clean_stop_exception_types``,
    by default OutOfRangeError, which mean "the input is done").
    """

    def __init__(self, clean_stop_exception_types=None):
        self._clean = tuple(clean_stop_exception_types) if clean_stop_exception_types is not None else \
            (errors.OutOfRangeError,)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._exc_info = None
        self._threads = set()
        self._joined = False

    def should_stop(self):
        """True once a stop was requested."""
        return self._stop.is_set()

    def request_stop(self, ex=None):
        """Ask every thread to stop; ``ex`` (an exception or sys.exc_info()) is re-raised by join()."""
        with self._lock:
            if ex is not None and self._exc_info is None:
                info = ex if isinstance(ex, tuple) else (type(ex), ex, ex.__traceback__)
                if not isinstance(info[1], self._clean):
                    self._exc_info = info
            self._stop.set()

    def clear_stop(self):
        """Forget the stop request and any exception (for reusing the coordinator)."""
        with self._lock:
            self._stop.clear()
            self._exc_info = None
            self._joined = False

    def wait_for_stop(self, timeout=None):
        """Block until a stop is requested (or ``timeout`` seconds pass); returns should_stop()."""
        return self._stop.wait(timeout)

    @contextlib.contextmanager
    def stop_on_exception(self):
        """``with coord.stop_on_exception():`` — an exception inside requests a stop (and is kept for join)."""
        try:
            yield
        except BaseException:  # noqa: BLE001 - handed to request_stop, as TF does
            self.request_stop(ex=sys.exc_info())

    def register_thread(self, thread):
        """Make join() wait for ``thread`` too."""
        with self._lock:
            self._threads.add(thread)

    def join(self, threads=None, stop_grace_period_secs=120, ignore_live_threads=False):
        """Wait until the threads end (or a stop is requested, then ``stop_grace_period_secs`` more).

        Re-raises the exception given to request_stop; RuntimeError naming the
        threads still running after the grace period.
        """
        with self._lock:
            ts = set(threads or ()) | self._threads
        while any(t.is_alive() for t in ts) and not self.wait_for_stop(0.05):
            pass
        deadline = time.monotonic() + stop_grace_period_secs
        for t in ts:
            if t.is_alive():
                t.join(max(0.0, deadline - time.monotonic()))
        alive = [t.name for t in ts if t.is_alive()]
        with self._lock:
            self._joined = True
            self._threads = set()
            info = self._exc_info
        if info is not None:
            raise info[1].with_traceback(info[2])
        if alive and not ignore_live_threads:
            raise RuntimeError(f"Coordinator stopped with threads still running: {' '.join(alive)}")

    @property
    def joined(self):
        """True after join() returned."""
        return self._joined

    def raise_requested_exception(self):
        """Re-raise the exception given to request_stop, if any."""
        info = self._exc_info
        if info is not None:
            raise info[1].with_traceback(info[2])


class QueueRunner:
    """tf.train.QueueRunner(queue, enqueue_ops): threads that run enqueue ops until their input ends.

    Each thread runs ``sess.run(enqueue_op)`` in a loop; OutOfRangeError or
    CancelledError ends it, and the last thread of a session closes the queue.
    With a Coordinator, another thread closes the queue (cancelling pending
    enqueues) when a stop is requested, and errors go to ``coord.request_stop``.
    """

    def __init__(self, queue=None, enqueue_ops=None, close_op=None, cancel_op=None,
                 queue_closed_exception_types=None, queue_runner_def=None, import_scope=None):
        if queue_runner_def is not None:
            raise NotImplementedError("neuralab.compat.v1: QueueRunner(queue_runner_def=...) is not supported; pass "
                                      "queue and enqueue_ops")
        if queue is None or not enqueue_ops:
            raise ValueError("QueueRunner: give a queue and a list of enqueue ops")
        self._queue = queue
        self._enqueue_ops = list(enqueue_ops)
        with _base.no_control_dependencies():
            self._close_op = close_op if close_op is not None else queue.close()
            self._cancel_op = cancel_op if cancel_op is not None else queue.close(cancel_pending_enqueues=True)
        self._closed_types = tuple(queue_closed_exception_types or (errors.OutOfRangeError, errors.CancelledError))
        self._lock = threading.Lock()
        self._runs = weakref.WeakKeyDictionary()
        self._exceptions = []

    @property
    def queue(self):
        """The queue this runner feeds."""
        return self._queue

    @property
    def enqueue_ops(self):
        """The enqueue ops, one thread each."""
        return list(self._enqueue_ops)

    @property
    def close_op(self):
        """The op closing the queue (run when the last thread ends)."""
        return self._close_op

    @property
    def cancel_op(self):
        """The op closing the queue and cancelling blocked enqueues (run when the coordinator stops)."""
        return self._cancel_op

    @property
    def exceptions_raised(self):
        """Exceptions the threads raised (without a coordinator)."""
        return list(self._exceptions)

    @property
    def name(self):
        """The queue's name."""
        return self._queue.name

    def create_threads(self, sess, coord=None, daemon=False, start=False):
        """The threads running the enqueue ops in ``sess`` (started when ``start``); registered with ``coord``."""
        with self._lock:
            if self._runs.get(sess, 0) > 0:
                return []  # already running in this session (TF starts them once)
            self._runs[sess] = len(self._enqueue_ops)
        threads = [threading.Thread(target=self._run, args=(sess, op, coord), daemon=daemon,
                                    name=f"QueueRunnerThread-{self.name}-{op.name}") for op in self._enqueue_ops]
        self._queue.state_for(sess).feeders.update(threads)
        if coord is not None:
            threads.append(threading.Thread(target=self._close_on_stop, args=(sess, coord), daemon=daemon,
                                            name=f"QueueRunnerThread-{self.name}-close_on_stop"))
        for t in threads:
            if coord is not None:
                coord.register_thread(t)
            if start:
                t.start()
        return threads

    def _run(self, sess, enqueue_op, coord):
        done = False
        try:
            while not (coord is not None and coord.should_stop()):
                try:
                    sess.run(enqueue_op)
                except self._closed_types:
                    with self._lock:
                        self._runs[sess] -= 1
                        done = True
                        last = self._runs[sess] == 0
                    if last:
                        with contextlib.suppress(Exception):
                            sess.run(self._close_op)
                    return
        except Exception as e:  # noqa: BLE001 - reported to the coordinator (or logged) as TF does
            if coord is not None:
                coord.request_stop(e)
            else:
                _log.error("Exception in QueueRunner: %s", e)
                with self._lock:
                    self._exceptions.append(e)
        finally:
            if not done:
                with self._lock:
                    self._runs[sess] -= 1

    def _close_on_stop(self, sess, coord):
        coord.wait_for_stop()
        with contextlib.suppress(Exception):
            sess.run(self._cancel_op)


def add_queue_runner(qr, collection=QUEUE_RUNNERS):
    """tf.train.add_queue_runner: register ``qr`` so that start_queue_runners starts it."""
    _graph.get_default_graph().add_to_collection(collection, qr)


def start_queue_runners(sess=None, coord=None, daemon=True, start=True, collection=QUEUE_RUNNERS):
    """tf.train.start_queue_runners: start the threads of every registered QueueRunner; returns them."""
    from .session import get_default_session

    if sess is None:
        sess = get_default_session()
        if sess is None:
            raise ValueError("Cannot start queue runners: No default session is registered. Use `with "
                             "sess.as_default()` or pass an explicit session to tf.start_queue_runners(sess=sess)")
    g = sess.graph._nl
    threads = []
    for qr in g.get_collection(collection):
        threads.extend(qr.create_threads(sess, coord=coord, daemon=daemon, start=start))
    return threads


queue_runner = _pytypes.ModuleType("tf.train.queue_runner", "tf.train.queue_runner: QueueRunner and its helpers.")
queue_runner.QueueRunner = QueueRunner
queue_runner.add_queue_runner = add_queue_runner
queue_runner.start_queue_runners = start_queue_runners
queue_runner.__getattr__ = module_getattr("tf.train.queue_runner", "tf.train.queue_runner")

#: tf.io: TF 2's home of the parsing and file functions (and of gfile)
io = _pytypes.ModuleType("tf.io", "tf.io: decode_csv, decode_raw, read_file, write_file and gfile.")

_types.export(globals(), names=["decode_csv", "decode_raw", "read_file"],
              default_names={"decode_csv": None, "decode_raw": "DecodeRaw", "read_file": "ReadFile"})

io.decode_csv, io.decode_raw, io.read_file, io.write_file = decode_csv, decode_raw, read_file, write_file
io.gfile = _gfile.io_gfile
io.__getattr__ = module_getattr("tf.io", "tf.io")

__getattr__ = module_getattr(__name__, "tf")

__all__ = ["Coordinator", "FIFOQueue", "FixedLengthRecordReader", "QueueBase", "QueueRunner", "RandomShuffleQueue",
           "ReaderBase", "TextLineReader", "WholeFileReader", "add_queue_runner", "batch", "batch_join", "decode_csv",
           "decode_raw", "input_producer", "io", "queue_runner", "range_input_producer", "read_file", "shuffle_batch",
           "shuffle_batch_join", "slice_input_producer", "start_queue_runners", "string_input_producer",
           "write_file"]
