"""User-defined ops with a NumPy forward and backward (the notes' ``MultiplyGate``).

>>> class MultiplyGate(Function):
...     def forward(self, x, y):          # arrays in, arrays out
...         self.x, self.y = x, y         # must keep these around!
...         return x * y
...     def backward(self, dz):           # upstream gradient in, one per input out
...         return self.y * dz, self.x * dz
>>> x = nl.tensor([2.0, 3.0], requires_grad=True); y = nl.tensor([4.0, 5.0], requires_grad=True)
>>> z = MultiplyGate.apply(x, y)        # a Tensor; z.backward() calls backward
>>> z.sum().backward(); x.grad, y.grad   # (y, x): the multiply gate "switches" the gradient
(Tensor([4., 5.], dtype=float32), Tensor([2., 3.], dtype=float32))

The op works eagerly, in graphs and in compiled functions, and can be checked
with ``neuralab.testing.gradcheck`` like a built-in. Its gradient is not itself
differentiable (use :class:`neuralab.Op` with a backward written in neuralab ops
for that). Output shapes for graph mode default to the broadcast of the inputs;
override ``infer(self, *specs)`` otherwise.
"""
from __future__ import annotations

import numpy as np

from .errors import NeuralabError
from .op import Op, Spec, broadcast_shapes


class Function(Op):
    """Base class for user ops whose forward/backward work on NumPy arrays."""

    register = False

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        if "forward" in cls.__dict__:
            cls.user_forward = cls.__dict__["forward"]
            cls.forward = Function._forward_adapter
        if "backward" in cls.__dict__:
            cls.user_backward = cls.__dict__["backward"]
            cls.backward = Function._backward_adapter

    def _forward_adapter(self, xp, *arrays):
        out = self.user_forward(*arrays)
        if not isinstance(out, tuple):
            out = (out,)
        return tuple(xp.asarray(o) for o in out)

    def _backward_adapter(self, grads):
        grads = [g if g is not None else _zeros_like_out(self, i) for i, g in enumerate(grads)]
        res = _FunctionGrad.apply(*grads, *self.inputs, fn=self, ng=len(grads))
        res = res if isinstance(res, tuple) else (res,)
        node = res[0]._op
        if node is not None and res[0].data is None:
            node.control_inputs = tuple(node.control_inputs) + (self,)  # run after the forward that saved state
        return res

    def infer(self, *specs):
        shape = broadcast_shapes(self.opname, *[s.shape for s in specs])
        return tuple(Spec(shape, np.result_type(*[s.dtype for s in specs])) for _ in range(self.nout))

    @classmethod
    def apply(cls, *inputs, **attrs):
        return super().apply(*inputs, **attrs)


def _zeros_like_out(fn, i):
    from ..ops import zeros_like

    return zeros_like(fn.output(i)) if fn.outputs is not None else None


class _FunctionGrad(Op):
    """Runs a Function's user backward on arrays (as a node of its own in graphs)."""

    register = False

    def __init__(self, fn, ng):
        super().__init__(fn=fn, ng=ng)
        self.nout = len(fn.inputs)

    def forward(self, xp, *arrays):
        grads = arrays[: self.ng]
        out = self.fn.user_backward(*grads)
        if not isinstance(out, (tuple, list)):
            out = (out,)
        if len(out) != self.nout:
            raise NeuralabError(f"{self.fn.opname}: backward returned {len(out)} gradients for "
                                f"{self.nout} inputs")
        ins = arrays[self.ng:]
        return tuple(xp.zeros_like(x) if o is None else xp.asarray(o, dtype=x.dtype) for o, x in zip(out, ins))

    def infer(self, *specs):
        return tuple(specs[self.ng:])

    def backward(self, grads):
        raise NeuralabError(f"{self.fn.opname}: the gradient of a Function is not differentiable; "
                            "write an Op with a backward in neuralab ops for double backward")
