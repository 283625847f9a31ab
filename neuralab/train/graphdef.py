"""A TensorBoard GraphDef of neuralab's own ops (for the Graphs tab).

Each recorded op becomes a node named by its scoped name ("layer1/MatMul"),
typed by TensorFlow's name for it (``Op.type``: "MatMul", "Add", "Sigmoid"),
with edges from the ops producing its inputs;
captured concrete tensors (parameters, constants) become "Variable"/"Const"
nodes. TensorBoard groups nodes by the "/" in their names, so name scopes show
as collapsible boxes. Used by the TensorBoard callback and compat.v1's FileWriter.
"""
from __future__ import annotations

import numpy as np

_DT = {np.dtype(np.float32): 1, np.dtype(np.float64): 2, np.dtype(np.int32): 3, np.dtype(np.uint8): 4,
       np.dtype(np.int64): 9, np.dtype(np.bool_): 10, np.dtype(np.float16): 19}


def graph_def(ops, names: dict | None = None):
    """Build a ``GraphDef`` protobuf (tensorboardX's classes) from neuralab ops.

    ``ops``: recorded ops (``Graph.ops`` or a plan's ops). ``names`` optionally
    maps ``id(tensor)`` of captured concrete tensors to display names.
    """
    from tensorboardX.proto import attr_value_pb2, graph_pb2, node_def_pb2, tensor_shape_pb2, versions_pb2

    names = dict(names or {})
    gd = graph_pb2.GraphDef()
    gd.versions.CopyFrom(versions_pb2.VersionDef(producer=22))
    emitted = set()
    const_count = [0]

    def shape_attr(shape):
        dims = [tensor_shape_pb2.TensorShapeProto.Dim(size=-1 if d is None else int(d)) for d in (shape or ())]
        return tensor_shape_pb2.TensorShapeProto(dim=dims, unknown_rank=shape is None)

    def leaf_name(t):
        k = id(t)
        if k not in names:
            if t.name:
                names[k] = t.name
            else:
                const_count[0] += 1
                names[k] = f"Const_{const_count[0]}" if t.size is not None and t.size <= 1 else \
                    f"Variable_{const_count[0]}"
        nm = names[k]
        if nm not in emitted:
            emitted.add(nm)
            node = gd.node.add(name=nm, op="Const" if t.size == 1 else "VariableV2")
            node.attr["dtype"].CopyFrom(attr_value_pb2.AttrValue(type=_DT.get(np.dtype(t.dtype), 1)))
            node.attr["shape"].CopyFrom(attr_value_pb2.AttrValue(shape=shape_attr(t.shape)))
        return nm

    for op in ops:
        if getattr(op, "name", None) is None:
            continue
        node = node_def_pb2.NodeDef(name=op.name, op=op.type)
        for t in op.inputs:
            if t.data is not None or t._op is None or getattr(t._op, "name", None) is None:
                node.input.append(leaf_name(t))
            else:
                node.input.append(t._op.name if t._idx == 0 else f"{t._op.name}:{t._idx}")
        for c in op.control_inputs:
            if getattr(c, "name", None):
                node.input.append("^" + c.name)
        outs = op.outputs or ()
        if outs:
            node.attr["_output_shapes"].CopyFrom(attr_value_pb2.AttrValue(
                list=attr_value_pb2.AttrValue.ListValue(shape=[shape_attr(o.shape) for o in outs])))
            node.attr["T"].CopyFrom(attr_value_pb2.AttrValue(type=_DT.get(np.dtype(outs[0].dtype), 1)))
        gd.node.append(node)
        emitted.add(op.name)
    return gd


def write_graph(writer, ops, names=None) -> None:
    """Write ``graph_def(ops)`` into a tensorboardX ``SummaryWriter``'s event file."""
    writer._get_file_writer().add_onnx_graph(graph_def(ops, names))  # a plain GraphDef event
