"""``tf.summary``: scalar/histogram/image summary nodes, merge_all, and FileWriter (tensorboardX).

A summary node's value at run time is a serialized ``Summary`` protocol buffer
(bytes), so ``s = sess.run(merged, feed); writer.add_summary(s, step)`` works as
in the notes. ``FileWriter`` writes real TensorBoard event files through
tensorboardX; ``add_graph`` writes a GraphDef of the graph's nodes (names with
their name scopes, op types, inputs, control inputs, output shapes).
tensorboardX (and tensorboard to view the files) are optional: they are
imported when a summary runs or a writer is made.
"""
from __future__ import annotations

import numpy as np

from ..._core import graph as _graph
from ..._core.op import Op, Spec
from ..._core.tensor import Tensor
from ...optim.optimizer import ApplyUpdates
from . import _types
from ._base import as_tensor, core_graph, gstate
from .missing import module_getattr
from .variables import GraphKeys

__getattr__ = module_getattr(__name__, "tf.summary")


def _tbx():
    try:
        import tensorboardX  # noqa: PLC0415 - optional extra
        from tensorboardX import summary as tbs  # noqa: PLC0415
        from tensorboardX.proto import (  # noqa: PLC0415
            attr_value_pb2, event_pb2, graph_pb2, node_def_pb2, summary_pb2, tensor_shape_pb2,
        )
    except ImportError as e:
        raise ImportError("neuralab.compat.v1: tf.summary needs the optional 'tensorboardX' package; install it "
                          "with `pip install tensorboardX` (and `pip install tensorboard` to view the logs)") from e
    return tensorboardX, tbs, attr_value_pb2, event_pb2, graph_pb2, node_def_pb2, summary_pb2, tensor_shape_pb2


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
                "text": "TensorSummary"}[self.kind]

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


_BUCKETS: list = []


def _tf_buckets():
    """TensorBoard's default histogram bucket edges: +-1e-12 * 1.1^k up to 1e20, and 0."""
    if not _BUCKETS:
        pos = []
        v = 1e-12
        while v < 1e20:
            pos.append(v)
            v *= 1.1
        _BUCKETS.append(np.asarray([-p for p in reversed(pos)] + [0.0] + pos))
    return _BUCKETS[0]


def _serialize(kind, tag, value, max_outputs):
    _, tbs, *_rest = _tbx()
    if kind == "scalar":
        if value.size != 1:
            raise ValueError(f"tf.summary.scalar {tag!r}: expected a scalar, got shape {value.shape}")
        return tbs.scalar(tag, float(value.reshape(()))).SerializeToString()
    if kind == "histogram":
        v = value.astype(np.float64).reshape(-1)
        edges = _tf_buckets()
        if v.size:  # only the edges around the values' range (same histogram, much cheaper to bin)
            lo = max(int(edges.searchsorted(v.min(), side="right")) - 1, 0)
            hi = min(int(edges.searchsorted(v.max(), side="left")) + 1, len(edges) - 1)
            edges = edges[lo:hi + 1]
        return tbs.histogram(tag, v, bins=edges).SerializeToString()
    if kind == "image":
        if value.ndim != 4:
            raise ValueError(f"tf.summary.image {tag!r}: expected a 4-D NHWC tensor, got shape {value.shape}")
        n = min(int(max_outputs), value.shape[0])
        parts = []
        for i in range(n):
            t = f"{tag}/image" if n == 1 and max_outputs == 1 else f"{tag}/image/{i}"
            img = _image_uint8(value[i])
            parts.append(tbs.image(t, img, dataformats="HWC").SerializeToString())
        return b"".join(parts)
    if kind == "text":
        return tbs.text(tag, str(value.reshape(-1)[0] if value.size else "")).SerializeToString()
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

def graph_def(graph):
    """A tensorboardX GraphDef of ``graph``: one NodeDef per op and per variable, with scoped names."""
    _, _, attr_value_pb2, _, graph_pb2, node_def_pb2, _, tensor_shape_pb2 = _tbx()
    gd = graph_pb2.GraphDef()

    def shapes_attr(specs):
        lst = attr_value_pb2.AttrValue.ListValue()
        for shp in specs:
            sp = lst.shape.add()
            if shp is None:
                sp.unknown_rank = True
                continue
            for d in shp:
                sp.dim.add(size=-1 if d is None else int(d))
        return attr_value_pb2.AttrValue(list=lst)

    graph = core_graph(graph)
    stores = {}
    for v in gstate(graph).variables.values():
        stores[id(v._var)] = v.op_name
        gd.node.add(name=v.op_name, op="VariableV2", attr={"_output_shapes": shapes_attr([tuple(v._var.shape)])})
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
                gd.node.add(name=cname, op="Const", attr={"_output_shapes": shapes_attr([tuple(t.shape)])})
                inputs.append(cname)
        if isinstance(op, ApplyUpdates):
            inputs.extend(stores[id(p)] for p in op.optimizer.params if id(p) in stores)
        inputs.extend("^" + c.name for c in op.control_inputs)
        attrs = {}
        if op.outputs:
            attrs["_output_shapes"] = shapes_attr([o.shape for o in op.outputs])
        gd.node.add(name=op.name, op=op.type, input=inputs, attr=attrs)
    return gd


class FileWriter:
    """tf.summary.FileWriter(logdir, graph=None): writes summaries and the graph to TensorBoard event files."""

    def __init__(self, logdir, graph=None, max_queue=10, flush_secs=120, graph_def=None, filename_suffix=None,
                 session=None):
        tbx = _tbx()[0]
        self._w = tbx.writer.FileWriter(str(logdir), max_queue=max_queue, flush_secs=flush_secs,
                                        filename_suffix=filename_suffix or "")
        self._logdir = str(logdir)
        if graph is not None or graph_def is not None:
            self.add_graph(graph if graph is not None else graph_def)

    def get_logdir(self):
        """The folder the event file is written to."""
        return self._logdir

    def add_summary(self, summary, global_step=None, walltime=None):
        """tf.summary.FileWriter.add_summary: a serialized Summary (bytes from Session.run) or a Summary proto."""
        summary_pb2 = _tbx()[6]
        if summary is None:
            return
        if isinstance(summary, (bytes, bytearray, np.bytes_)):
            summary = summary_pb2.Summary.FromString(bytes(summary))
        self._w.add_summary(summary, None if global_step is None else int(global_step), walltime)

    def add_graph(self, graph, global_step=None, graph_def=None):
        """tf.summary.FileWriter.add_graph: write the graph (a neuralab Graph, e.g. ``sess.graph``)."""
        event_pb2 = _tbx()[3]
        g = graph if graph is not None else graph_def
        if hasattr(g, "graph") and not isinstance(g, (_graph.Graph, _types.Graph)):  # a Session
            g = g.graph
        gd = graph_def_of(g) if isinstance(g, (_graph.Graph, _types.Graph)) else g
        ev = event_pb2.Event(graph_def=gd.SerializeToString())
        if global_step is not None:
            ev.step = int(global_step)
        self._w.add_event(ev, None)

    def add_event(self, event):
        """tf.summary.FileWriter.add_event."""
        self._w.add_event(event, None)

    def add_session_log(self, session_log, global_step=None):
        """tf.summary.FileWriter.add_session_log (written as an event)."""
        event_pb2 = _tbx()[3]
        self._w.add_event(event_pb2.Event(session_log=session_log), global_step)

    def flush(self):
        """Write pending events to disk."""
        self._w.flush()

    def close(self):
        """Flush and close the event file."""
        self._w.close()

    def reopen(self):
        """Reopen after close()."""
        self._w.reopen()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


graph_def_of = graph_def


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
