"""``tf.summary``: scalar/histogram/image/text summary nodes, merge_all, and FileWriter (TensorBoard event files).

A summary node's value at run time is a serialized ``Summary`` protocol buffer
(bytes), so ``s = sess.run(merged, feed); writer.add_summary(s, step)`` works as
in the notes; merging concatenates them (repeated fields of a protobuf message
concatenate). ``FileWriter`` writes real TensorBoard event files (TFRecord
framing with masked CRC-32C checksums); ``add_graph`` writes a GraphDef of the
graph's nodes (names with their name scopes, op types, inputs, control inputs,
output shapes).

The messages are encoded here, directly in the protobuf wire format (the few
fields TensorBoard reads: Summary values with ``simple_value``, ``histo``,
``image`` (PNG) or a string ``tensor``; Event; GraphDef), and events are written
synchronously to a buffered file. That keeps a summary per training step cheap
(the lecture's TensorBoard XOR lab fetches and writes a merged summary in each of
its 10,001 steps): no protobuf objects, no parse-and-reserialize of the fetched
bytes in ``add_summary``, no writer thread behind a process queue, and no import
of tensorboardX (which imports torch). Histograms are TensorFlow's: its default
bucket limits (+-1e-12 * 1.1^k up to 1e20, 0 and +-DBL_MAX), each value counted in
the bucket whose limit is the first above it, runs of empty buckets merged into
one entry, and an error for NaN or infinite values. tensorboardX is only needed
for :func:`graph_def`, which returns a GraphDef protobuf object; tensorboard to
view the files.
"""
from __future__ import annotations

import atexit
import itertools
import os
import socket
import struct
import sys
import time
import weakref
import zlib

import numpy as np

from ..._core import graph as _graph
from ..._core.op import Op, Spec
from ..._core.tensor import Tensor
from ...optim.optimizer import ApplyUpdates
from . import _types, errors
from ._base import as_tensor, core_graph, gstate
from .missing import module_getattr
from .variables import GraphKeys

__getattr__ = module_getattr(__name__, "tf.summary")


def _tbx_graph_pb2():
    try:
        from tensorboardX.proto import graph_pb2  # noqa: PLC0415 - optional extra
    except ImportError as e:
        raise ImportError("neuralab.compat.v1: tf.summary.graph_def returns a GraphDef protobuf object, which needs "
                          "the optional 'tensorboardX' package; install it with `pip install tensorboardX` (the "
                          "FileWriter itself does not need it)") from e
    return graph_pb2


def _tbx_event_pb2():
    try:
        from tensorboardX.proto import event_pb2  # noqa: PLC0415 - optional extra
    except ImportError as e:
        raise ImportError("neuralab.compat.v1: tf.train.summary_iterator returns Event protobuf objects, which needs "
                          "the optional 'tensorboardX' package; install it with `pip install tensorboardX` (the "
                          "FileWriter itself does not need it)") from e
    return event_pb2


# ---------------------------------------------------------------------------------------
# protobuf wire format: the few field types the summary messages use
# ---------------------------------------------------------------------------------------

def _varint(n: int) -> bytes:
    n &= (1 << 64) - 1  # negative int64s are ten-byte two's complement varints
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _f_bytes(field: int, data: bytes) -> bytes:
    """A length-delimited field (strings, bytes, embedded messages, packed arrays)."""
    return _varint(field << 3 | 2) + _varint(len(data)) + data


def _f_str(field: int, s: str) -> bytes:
    return _f_bytes(field, s.encode("utf-8"))


def _f_int(field: int, n: int) -> bytes:
    return _varint(field << 3) + _varint(int(n))


def _f_double(field: int, x: float) -> bytes:
    return _varint(field << 3 | 1) + struct.pack("<d", x)


def _f_float(field: int, x: float) -> bytes:
    return _varint(field << 3 | 5) + struct.pack("<f", x)


def _f_doubles(field: int, xs) -> bytes:
    """A packed repeated double field."""
    return _f_bytes(field, np.asarray(xs, dtype="<f8").tobytes())


# Summary.Value fields: tag 1, simple_value 2, image 4, histo 5, tensor 8, metadata 9
def _value(tag: str, body: bytes) -> bytes:
    """One ``Summary.Value`` as a serialized ``Summary`` holding it (``Summary.value`` is field 1)."""
    return _f_bytes(1, _f_str(1, tag) + body)


# ---------------------------------------------------------------------------------------
# the summaries
# ---------------------------------------------------------------------------------------

_OBJ = np.dtype(object)


class _Summary(Op):
    """A summary node: serializes its input as a Summary protobuf (bytes) each time it runs."""

    nin = 1
    register = False
    differentiable = False
    nondiff_inputs = (0,)

    @property
    def type(self):
        return {"scalar": "ScalarSummary", "histogram": "HistogramSummary", "image": "ImageSummary",
                "text": "TensorSummaryV2"}[self.kind]

    def forward(self, xp, value):
        return (_serialize(self.kind, self.tag, np.asarray(value), self.max_outputs),)

    def infer(self, value):
        return (Spec((), _OBJ),)

    def backward(self, grads):
        return (None,)


class _Merge(Op):
    """tf.summary.merge's node: concatenated serialized Summaries parse as one Summary with all values."""

    register = False
    differentiable = False
    type = "MergeSummary"

    def forward(self, xp, *parts):
        return (b"".join(p for p in parts if p is not None),)

    def infer(self, *specs):
        return (Spec((), _OBJ),)

    def backward(self, grads):
        return (None,) * len(self.inputs)


def _image_uint8(img):
    """TF 1.x's image summary scaling: uint8 as is; floats scaled so the largest |value| is 255 (0 -> 127 if
    any value is negative)."""
    if img.dtype == np.uint8:
        return img
    img = img.astype(np.float64)
    lo, hi = float(img.min()), float(img.max())
    if lo >= 0:
        scale = 255.0 / hi if hi > 0 else 0.0
        out = img * scale
    else:
        m = max(abs(lo), abs(hi))
        scale = 127.0 / m if m > 0 else 0.0
        out = img * scale + 127.0
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


def _png(img) -> bytes:
    """A PNG file of an (H, W, C) uint8 image, C = 1 (grey), 2 (grey + alpha), 3 (RGB) or 4 (RGBA)."""
    h, w, c = img.shape
    rows = np.zeros((h, 1 + w * c), np.uint8)  # each row: filter type 0 (none), then the pixels
    rows[:, 1:] = img.reshape(h, w * c)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    color = {1: 0, 2: 4, 3: 2, 4: 6}[c]
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, color, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows.tobytes(), 6)) + chunk(b"IEND", b""))


_LIMITS: list = []


def _tf_bucket_limits():
    """TensorFlow's default histogram bucket limits: -DBL_MAX, -1e20 .. -1e-12 (ratio 1.1), 0, 1e-12 .. 1e20,
    DBL_MAX."""
    if not _LIMITS:
        pos = []
        v = 1e-12
        while v < 1e20:
            pos.append(v)
            v *= 1.1
        big = sys.float_info.max
        _LIMITS.append(np.asarray([-big] + [-p for p in reversed(pos)] + [0.0] + pos + [big]))
    return _LIMITS[0]


def _histogram(tag, value) -> bytes:
    """TF's HistogramProto of ``value``: min 1, max 2, num 3, sum 4, sum_squares 5, bucket_limit 6, bucket 7."""
    v = value.astype(np.float64).reshape(-1)
    if not np.isfinite(v).all():
        raise errors.InvalidArgumentError(None, None, f"Nan in summary histogram for: {tag}")
    limits = _tf_bucket_limits()
    idx = np.minimum(limits.searchsorted(v, side="right"), len(limits) - 1)  # (a value of DBL_MAX: the last)
    counts = np.bincount(idx, minlength=len(limits))
    # every non-empty bucket, and of each run of empty buckets only its last one (which then covers the run)
    empty = counts == 0
    keep = ~empty
    keep[:-1] |= empty[:-1] & ~empty[1:]
    keep[-1] = True
    if v.size:
        stats = (float(v.min()), float(v.max()), float(v.size), float(v.sum()), float(np.dot(v, v)))
    else:  # TF's empty histogram: min DBL_MAX, max -DBL_MAX
        stats = (sys.float_info.max, -sys.float_info.max, 0.0, 0.0, 0.0)
    body = b"".join(_f_double(i + 1, x) for i, x in enumerate(stats))
    body += _f_doubles(6, limits[keep]) + _f_doubles(7, counts[keep].astype(np.float64))
    return _value(tag, _f_bytes(5, body))


def _text(tag, value) -> bytes:
    """A string tensor for TensorBoard's text plugin (metadata.plugin_data.plugin_name = "text")."""
    metadata = _f_bytes(1, _f_str(1, "text"))
    shape = b"".join(_f_bytes(2, _f_int(1, d)) for d in value.shape)
    strings = b"".join(_f_bytes(8, x if isinstance(x, bytes) else str(x).encode("utf-8"))
                       for x in value.reshape(-1).tolist())
    tensor = _f_int(1, 7) + _f_bytes(2, shape) + strings  # dtype DT_STRING (7), tensor_shape, string_val
    return _value(tag, _f_bytes(9, metadata) + _f_bytes(8, tensor))


def _serialize(kind, tag, value, max_outputs):
    if kind == "scalar":
        if value.size != 1:
            raise errors.InvalidArgumentError(None, None, f"tf.summary.scalar {tag!r}: expected a scalar, got shape "
                                              f"{value.shape}")
        return _value(tag, _f_float(2, float(value.reshape(()))))
    if kind == "histogram":
        return _histogram(tag, value)
    if kind == "image":
        if value.ndim != 4 or value.shape[-1] not in (1, 2, 3, 4):
            raise errors.InvalidArgumentError(None, None, f"tf.summary.image {tag!r}: expected a 4-D NHWC tensor "
                                              f"with 1 to 4 channels, got shape {value.shape}")
        n = min(int(max_outputs), value.shape[0])
        parts = []
        for i in range(n):
            t = f"{tag}/image" if n == 1 and max_outputs == 1 else f"{tag}/image/{i}"
            img = _image_uint8(value[i])
            h, w, c = img.shape  # Image: height 1, width 2, colorspace 3, encoded_image_string 4
            parts.append(_value(t, _f_bytes(4, _f_int(1, h) + _f_int(2, w) + _f_int(3, c) + _f_bytes(4, _png(img)))))
        return b"".join(parts)
    if kind == "text":
        return _text(tag, value)
    raise ValueError(kind)


def _summary_node(kind, name, tensor, collections, family=None, max_outputs=3):
    g = _graph.get_default_graph()
    x = as_tensor(tensor)
    if not isinstance(x, Tensor):
        x = Tensor(np.asarray(x))
    base = f"{family}/{name}" if family else name
    scope = g.current_scope()
    full = f"{scope}/{base}" if scope else base
    # the tag is the name in its scope, made unique among the graph's summaries (neuralab's lowercase op
    # names, e.g. "mean" for reduce_mean, must not turn tf.summary.scalar("mean", ...) into "mean_1")
    tags = gstate(g).summary_tags
    k = tags.get(full, 0)
    tags[full] = k + 1
    tag = full if k == 0 else f"{full}_{k}"
    op = _Summary(kind=kind, tag=tag, max_outputs=max_outputs)
    op.name = g.unique_name(base)
    from ..._core.op import dispatch

    with g.as_default():
        out = dispatch(op, (x,))
    if out.data is not None:  # a constant input: make it a graph node anyway
        raise TypeError(f"tf.summary.{kind}: {name!r} must be a graph tensor (a placeholder, variable or op output)")
    for c in (collections if collections is not None else [GraphKeys.SUMMARIES]):
        g.add_to_collection(c, out)
    return out


def scalar(name, tensor, collections=None, family=None):
    """tf.summary.scalar(name, tensor): a node whose value is a scalar Summary (tag = name in its name scope)."""
    return _summary_node("scalar", name, tensor, collections, family)


def histogram(name, values, collections=None, family=None):
    """tf.summary.histogram(name, values): a histogram Summary of the values (TensorBoard's buckets)."""
    return _summary_node("histogram", name, values, collections, family)


def image(name, tensor, max_outputs=3, collections=None, family=None):
    """tf.summary.image(name, tensor NHWC, max_outputs=3): up to max_outputs images, tags name/image/i."""
    return _summary_node("image", name, tensor, collections, family, max_outputs=max_outputs)


def text(name, tensor, collections=None):
    """tf.summary.text(name, tensor): a text Summary of the first string."""
    return _summary_node("text", name, tensor, collections)


def merge(inputs, collections=None, name=None):
    """tf.summary.merge(inputs): one node whose value holds all of the inputs' summary values."""
    g = _graph.get_default_graph()
    op = _Merge()
    op.name = g.unique_name(name or "Merge/MergeSummary")
    from ..._core.op import dispatch

    with g.as_default():
        out = dispatch(op, tuple(as_tensor(i) for i in inputs))
    for c in (collections or []):
        g.add_to_collection(c, out)
    return out


def merge_all(key=GraphKeys.SUMMARIES, scope=None, name=None):
    """tf.summary.merge_all: merge every summary in the collection (None when there is none)."""
    items = [as_tensor(s) for s in _graph.get_default_graph().get_collection(key)]
    if scope is not None:
        items = [s for s in items if s._op.name.startswith(scope)]
    if not items:
        return None
    return merge(items, name=name)


# ---------------------------------------------------------------------------------------
# GraphDef and FileWriter
# ---------------------------------------------------------------------------------------

def _shapes_attr(shapes) -> bytes:
    """An ``AttrValue`` holding a list of shapes (``list`` 1 -> ``shape`` 7; TensorShapeProto: ``dim`` 2 with
    ``size`` 1, -1 for an unknown size; ``unknown_rank`` 3)."""
    items = b""
    for shp in shapes:
        if shp is None:
            items += _f_bytes(7, _f_int(3, 1))
        else:
            items += _f_bytes(7, b"".join(_f_bytes(2, _f_int(1, -1 if d is None else int(d))) for d in shp))
    return _f_bytes(1, items)


def _node(name, op, inputs=(), shapes=None) -> bytes:
    """A serialized NodeDef (name 1, op 2, input 3, attr 5 as map entries key 1 / value 2) inside GraphDef.node (1)."""
    body = _f_str(1, name) + _f_str(2, op) + b"".join(_f_str(3, i) for i in inputs)
    if shapes is not None:
        body += _f_bytes(5, _f_str(1, "_output_shapes") + _f_bytes(2, _shapes_attr(shapes)))
    return _f_bytes(1, body)


def _graph_def_bytes(graph) -> bytes:
    """The serialized GraphDef of ``graph``: one NodeDef per op and per variable, with scoped names."""
    graph = core_graph(graph)
    stores = {}
    parts = []
    for v in gstate(graph).variables.values():
        stores[id(v._var)] = v.op_name
        parts.append(_node(v.op_name, "VariableV2", shapes=[tuple(v._var.shape)]))
    for op in graph.ops:
        inputs = []
        if getattr(op, "var", None) is not None and id(op.var) in stores:  # an Assign
            inputs.append(stores[id(op.var)])
        for i, t in enumerate(op.inputs):
            if id(t) in stores:
                inputs.append(stores[id(t)])
            elif t._op is not None:
                inputs.append(t._op.name if t._idx == 0 else f"{t._op.name}:{t._idx}")
            else:
                cname = f"{op.name}/Const_{i}"
                parts.append(_node(cname, "Const", shapes=[tuple(t.shape)]))
                inputs.append(cname)
        if isinstance(op, ApplyUpdates):
            inputs.extend(stores[id(p)] for p in op.optimizer.params if id(p) in stores)
        inputs.extend("^" + c.name for c in op.control_inputs)
        parts.append(_node(op.name, op.type, inputs, [o.shape for o in op.outputs] if op.outputs else None))
    return b"".join(parts)


def graph_def(graph):
    """A GraphDef protobuf object of ``graph`` (tensorboardX's class): one NodeDef per op and per variable."""
    return _tbx_graph_pb2().GraphDef.FromString(_graph_def_bytes(graph))


# ---------------------------------------------------------------------------------------
# event files: TFRecord framing with masked CRC-32C
# ---------------------------------------------------------------------------------------

_CRC: dict = {}
_CRC_CHUNK = 256  # bytes per vectorized step


def _crc_tables():
    """CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) tables: the byte table ``T``, ``P[j][b]`` (byte b
    followed by K - 1 - j zero bytes, from state 0) and ``Q[i][b]`` (state byte i advanced over K zero bytes)."""
    if not _CRC:
        t = np.arange(256, dtype=np.uint32)
        for _ in range(8):
            t = np.where(t & 1, (t >> 1) ^ np.uint32(0x82F63B78), t >> 1).astype(np.uint32)

        def zero_byte(x):  # the register after one more zero byte: linear in x
            return t[x & 0xFF] ^ (x >> 8)

        k = _CRC_CHUNK
        p = np.empty((k, 256), np.uint32)
        p[k - 1] = t
        for j in range(k - 2, -1, -1):
            p[j] = zero_byte(p[j + 1])
        q = (np.arange(256, dtype=np.uint32)[None, :] << (8 * np.arange(4, dtype=np.uint32))[:, None]).astype(np.uint32)
        for _ in range(k):
            q = zero_byte(q)
        _CRC.update(t=t.tolist(), p=p, q=q.tolist(), cols=np.arange(k))
    return _CRC


def _crc32c(data: bytes) -> int:
    """CRC-32C of ``data``. Long inputs go ``_CRC_CHUNK`` bytes at a time: the register is linear over GF(2), so each
    chunk's contribution (from state 0) is an XOR of table entries computed for all chunks at once with NumPy, and the
    chunks are chained through the zero-byte advance ``Q``; the initial state ~0 equals XOR-ing the first four
    bytes with 0xFF (the register meets the message's bytes low byte first), and zero bytes in front of the message
    leave the state 0, so the message is left-padded to whole chunks."""
    c = _crc_tables()
    n = len(data)
    if n < 64:
        t = c["t"]
        crc = 0xFFFFFFFF
        for b in data:
            crc = t[(crc ^ b) & 0xFF] ^ (crc >> 8)
        return crc ^ 0xFFFFFFFF
    k = _CRC_CHUNK
    pad = -n % k
    buf = np.zeros(n + pad, np.uint8)
    buf[pad:] = np.frombuffer(data, np.uint8)
    buf[pad:pad + 4] ^= 0xFF
    parts = np.bitwise_xor.reduce(c["p"][c["cols"], buf.reshape(-1, k)], axis=1).tolist()
    q0, q1, q2, q3 = c["q"]
    crc = 0
    for v in parts:
        crc = q0[crc & 0xFF] ^ q1[(crc >> 8) & 0xFF] ^ q2[(crc >> 16) & 0xFF] ^ q3[crc >> 24] ^ v
    return crc ^ 0xFFFFFFFF


def _masked_crc(data: bytes) -> bytes:
    x = _crc32c(data)
    return struct.pack("<I", ((((x >> 15) | (x << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF)


def _record(data: bytes) -> bytes:
    """One TFRecord: length (uint64), its masked CRC, the data, its masked CRC (little-endian)."""
    header = struct.pack("<Q", len(data))
    return header + _masked_crc(header) + data + _masked_crc(data)


def _event(wall_time, step=None, **field) -> bytes:
    """A serialized Event: wall_time 1, step 2, then one of file_version 3, graph_def 4, summary 5, session_log 6."""
    body = _f_double(1, wall_time) + (_f_int(2, step) if step else b"")
    (name, payload), = field.items()
    number = {"file_version": 3, "graph_def": 4, "summary": 5, "session_log": 6}[name]
    return body + _f_bytes(number, payload.encode() if isinstance(payload, str) else payload)


def _serialized(message) -> bytes:
    """Bytes from Session.run, or any protobuf message (tensorboardX's, TensorBoard's)."""
    if isinstance(message, (bytes, bytearray, np.bytes_)):
        return bytes(message)
    if hasattr(message, "SerializeToString"):
        return message.SerializeToString()
    raise TypeError(f"expected a serialized protobuf (bytes) or a protobuf message, got {type(message).__name__}")


def summary_iterator(path):
    """tf.train.summary_iterator(path): the events of an event file, one Event protobuf object at a time, in order.

    Reads what :class:`FileWriter` (or TensorFlow, or tensorboardX) wrote: TFRecord framing, each record's length and
    data checked against their masked CRC-32C. The objects are tensorboardX's ``Event`` class, with TF's fields
    (``wall_time``, ``step``, ``file_version``, ``summary.value[i].tag`` / ``.simple_value`` / ``.histo`` ...).
    Like TF's it is a generator: the file is opened when iteration starts; a missing file raises
    ``tf.errors.NotFoundError`` and a truncated or corrupted record ``tf.errors.DataLossError``.
    """
    event_pb2 = _tbx_event_pb2()
    path = os.fspath(path)
    try:
        f = open(path, "rb")  # noqa: SIM115 - closed in the finally below (a generator's with-block would do the same)
    except FileNotFoundError:
        raise errors.NotFoundError(None, None, f"tf.train.summary_iterator: {path}: no such file") from None
    try:
        offset = 0
        while True:
            header = f.read(12)
            if not header:
                return
            if len(header) < 12 or header[8:] != _masked_crc(header[:8]):
                raise errors.DataLossError(None, None, f"tf.train.summary_iterator: {path}: the record at byte "
                                                       f"{offset} has a truncated or corrupted length")
            (n,) = struct.unpack("<Q", header[:8])
            data, crc = f.read(n), f.read(4)
            if len(data) < n or crc != _masked_crc(data):
                raise errors.DataLossError(None, None, f"tf.train.summary_iterator: {path}: the record at byte "
                                                       f"{offset} ({n} bytes) is truncated or fails its checksum")
            offset += 16 + n
            yield event_pb2.Event.FromString(data)
    finally:
        f.close()


_OPEN: weakref.WeakSet = weakref.WeakSet()
_IDS = itertools.count()


@atexit.register
def _flush_open_writers():
    for w in list(_OPEN):
        w.flush()


class FileWriter:
    """tf.summary.FileWriter(logdir, graph=None): writes summaries and the graph to a TensorBoard event file.

    Events are written as they come to a buffered file, which is flushed every ``flush_secs`` seconds (checked when
    an event arrives), every ``max_queue`` events, on :meth:`flush` / :meth:`close` and at interpreter exit.
    """

    def __init__(self, logdir, graph=None, max_queue=10, flush_secs=120, graph_def=None, filename_suffix=None,
                 session=None):
        self._logdir = str(logdir)
        self._max_queue = max(int(max_queue), 1)
        self._flush_secs = float(flush_secs)
        self._suffix = filename_suffix or ""
        self._file = None
        self._open()
        if graph is not None or graph_def is not None:
            self.add_graph(graph if graph is not None else graph_def)

    def _open(self):
        os.makedirs(self._logdir, exist_ok=True)
        name = (f"events.out.tfevents.{int(time.time()):010d}.{socket.gethostname()}.{os.getpid()}.{next(_IDS)}"
                f"{self._suffix}")
        self._file = open(os.path.join(self._logdir, name), "wb")  # noqa: SIM115 - kept open until close()
        self._pending = 0
        self._last_flush = time.time()
        self._write(_event(time.time(), file_version="brain.Event:2"))
        _OPEN.add(self)

    def _write(self, event: bytes):
        if self._file is None:
            return  # closed: TF drops events written after close()
        self._file.write(_record(event))
        self._pending += 1
        if self._pending >= self._max_queue or time.time() - self._last_flush >= self._flush_secs:
            self.flush()

    def get_logdir(self):
        """The folder the event file is written to."""
        return self._logdir

    def add_summary(self, summary, global_step=None, walltime=None):
        """tf.summary.FileWriter.add_summary: a serialized Summary (bytes from Session.run) or a Summary proto."""
        if summary is None:
            return
        self._write(_event(time.time() if walltime is None else walltime,
                           None if global_step is None else int(global_step), summary=_serialized(summary)))

    def add_graph(self, graph, global_step=None, graph_def=None):
        """tf.summary.FileWriter.add_graph: write the graph (``sess.graph``, a tf/neuralab Graph or a GraphDef)."""
        g = graph if graph is not None else graph_def
        if hasattr(g, "graph") and not isinstance(g, (_graph.Graph, _types.Graph)):  # a Session
            g = g.graph
        gd = _graph_def_bytes(g) if isinstance(g, (_graph.Graph, _types.Graph)) else _serialized(g)
        self._write(_event(time.time(), None if global_step is None else int(global_step), graph_def=gd))

    def add_event(self, event):
        """tf.summary.FileWriter.add_event: an Event protobuf (or its serialized bytes)."""
        self._write(_serialized(event))

    def add_session_log(self, session_log, global_step=None):
        """tf.summary.FileWriter.add_session_log (a SessionLog protobuf, written as an event)."""
        self._write(_event(time.time(), None if global_step is None else int(global_step),
                           session_log=_serialized(session_log)))

    def flush(self):
        """Write pending events to disk."""
        if self._file is not None:
            self._file.flush()
            self._pending = 0
            self._last_flush = time.time()

    def close(self):
        """Flush and close the event file (later events are dropped until :meth:`reopen`)."""
        if self._file is not None:
            self.flush()
            self._file.close()
            self._file = None
            _OPEN.discard(self)

    def reopen(self):
        """Reopen after close(): later events go to a new event file in the same folder."""
        if self._file is None:
            self._open()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


class FileWriterCache:
    """tf.summary.FileWriterCache: one FileWriter per log folder."""

    _cache: dict = {}

    @staticmethod
    def get(logdir):
        """tf.summary.FileWriterCache.get: the FileWriter for ``logdir``."""
        if logdir not in FileWriterCache._cache:
            FileWriterCache._cache[logdir] = FileWriter(logdir)
        return FileWriterCache._cache[logdir]

    @staticmethod
    def clear():
        """tf.summary.FileWriterCache.clear: close and forget every cached writer."""
        for w in FileWriterCache._cache.values():
            w.close()
        FileWriterCache._cache.clear()


__all__ = ["FileWriter", "FileWriterCache", "graph_def", "histogram", "image", "merge", "merge_all", "scalar", "text"]
_types.export(globals(), names=["histogram", "image", "merge", "merge_all", "scalar", "text"],
              scope_names=("histogram", "image", "merge", "merge_all", "scalar", "text"))
