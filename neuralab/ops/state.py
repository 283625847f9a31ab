"""Stateful graph ops: assign (update a variable when run) and group (a dummy node)."""
from __future__ import annotations

import numpy as np

from .._core.errors import NeuralabError, ShapeError
from .._core.op import Op, Spec, fmt_shape
from ..backend import writeable as _writeable


class Assign(Op):
    """Write ``value`` into the variable ``var`` (a concrete tensor) and return it.

    Eagerly the write happens at once. In a graph it happens only when the
    assign node (or something depending on it) is run — the notes' "Assign
    calls not actually being executed!" lesson.
    """

    nin = 1
    differentiable = False
    stateful = True

    def forward(self, xp, value):
        var = self.var
        if var.data is not None and value.shape != var.data.shape:
            raise ShapeError(f"assign: value of shape {fmt_shape(value.shape)} does not fit variable "
                             f"{var._label()} of shape {fmt_shape(var.data.shape)}")
        cur = var.data
        if cur is not None and _writeable(cur) and cur.shape == value.shape:
            xp.copyto(cur, value, casting="unsafe")  # in place: the variable never aliases the value
            return (cur,)
        var.data = xp.array(value, dtype=self.dtype, copy=True)
        return (var.data,)

    def infer(self, value):
        vs = self.var.shape
        if vs is not None and value.shape is not None and len(vs) == len(value.shape):
            for a, b in zip(vs, value.shape):
                if a is not None and b is not None and a != b:
                    raise ShapeError(f"assign: value of shape {fmt_shape(value.shape)} does not fit variable "
                                     f"{self.var._label()} of shape {fmt_shape(vs)}")
        return (Spec(vs if vs is not None else value.shape, self.dtype),)

    def backward(self, g):
        return (None,)

    def state_writes(self):
        return (self.var,)


class ReadVariable(Op):
    """A variable's value, read when the graph runs (see :func:`neuralab.read`); gradients pass to it."""

    nin = 1
    identity = True
    type = "Identity"

    def forward(self, xp, x):
        return (x,)

    def infer(self, x):
        return (x,)

    def backward(self, grads):
        return (grads[0],)


class Group(Op):
    """A node with no output that runs all of its control inputs (TF's ``tf.group``)."""

    nin = 0
    nout = 0
    differentiable = False

    def forward(self, xp):
        return ()

    def infer(self):
        return ()

    def backward(self, g):
        return ()


def assign(var, value):
    """Set variable ``var`` (a concrete Tensor) to ``value``; recorded when ``value`` is symbolic."""
    from .._core.tensor import Tensor

    if not isinstance(var, Tensor) or (var.data is None and var._spec is None):
        raise NeuralabError("assign: the target must be a concrete tensor (a variable)")
    dt = var.dtype
    op = Assign(var=var, dtype=dt)
    if not isinstance(value, Tensor):
        value = Tensor(np.asarray(value), dtype=dt)
    return _apply(op, value)


def _apply(op, value):
    from .._core.op import dispatch

    return dispatch(op, (value,))


def group(*deps, name=None):
    """A dummy node that, when run, runs every dependency (assigns, other groups)."""
    from .._core import graph as G

    g = G.get_default_graph()
    op = Group()
    op.name = g.unique_name(name or "group")
    flat = []
    for d in deps:
        if isinstance(d, (list, tuple)):
            flat.extend(d)
        else:
            flat.append(d)
    ctrl = tuple(G._target_op(d) for d in flat if d is not None and not _is_concrete(d))
    op.control_inputs = ctrl
    op.inputs = ()
    op.outputs = ()
    op.generation = 1 + max((c.generation for c in ctrl), default=0)
    from .._core.op import new_id

    op.id = new_id()
    op.graph = g
    g.ops.append(op)
    return op


def _is_concrete(d):
    from .._core.tensor import Tensor

    return isinstance(d, Tensor) and d.data is not None
