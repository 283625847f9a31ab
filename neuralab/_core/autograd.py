"""Reverse-mode differentiation: the backward sweep over recorded ops.

The sweep visits ops in decreasing *generation* (an op's generation is one more
than its inputs'), so every consumer of a tensor is done before the tensor's own
producer runs: correct on DAGs with shared sub-expressions, iterative (no
recursion, any depth), and each pending gradient is dropped as soon as its op
has used it. Gradients are summed back to each input's shape here, in one place,
so no rule has to undo broadcasting itself.
"""
from __future__ import annotations

import heapq
import itertools

from . import config, op as _op
from .errors import NeuralabError, ShapeError
from .op import fmt_shape

_ops = None  # bound by neuralab.ops


def _as_list(x):
    if isinstance(x, (list, tuple)):
        return list(x), True
    return [x], False


def _known_equal(a, b) -> bool:
    return a is not None and a == b and None not in a


def _fit(g, x):
    """Sum ``g`` down to ``x``'s shape and cast it to ``x``'s dtype.

    Unless both shapes are known and equal, a ``sum_to_like`` node decides at
    run time (two unknown sizes may still differ: a broadcast input).
    """
    if not _known_equal(g.shape, x.shape):
        g = _ops.sum_to_like(g, x)
    if g.dtype != x.dtype and x.dtype.kind == "f":
        g = _ops.cast(g, x.dtype)
    return g


def _relevant_ops(roots, target_leaf_ids, target_out_keys):
    """Ops from which a target can be reached (post-order DFS, iterative)."""
    relevant = {}
    stack = []
    for r in roots:
        if r._op is not None:
            stack.append((r._op, False))
    while stack:
        op, expanded = stack.pop()
        key = id(op)
        if key in relevant and not expanded:
            continue
        if not expanded:
            relevant[key] = None  # visiting
            stack.append((op, True))
            for t in op.inputs:
                if t._op is not None and id(t._op) not in relevant:
                    stack.append((t._op, False))
            continue
        hit = any((key, i) in target_out_keys for i in range(op.nout))
        for t in op.inputs:
            if id(t) in target_leaf_ids and t._op is None:
                hit = True
            elif t._op is not None and relevant.get(id(t._op)):
                hit = True
        relevant[key] = hit
    return {k for k, v in relevant.items() if v}


def _sweep(ys, grad_ys, xs, create_graph, release=False):
    """Core sweep. With ``xs`` None, accumulate into every leaf requiring grad."""
    seq = itertools.count()
    pending = {}
    heap = []
    if xs is not None:
        leaf_ids = {id(x) for x in xs if x._op is None}
        out_keys = {(id(x._op), x._idx) for x in xs if x._op is not None}
        relevant = _relevant_ops(ys, leaf_ids, out_keys)
    else:
        leaf_ids, out_keys, relevant = None, set(), None
    leaf_grads = {}
    captured = {}

    def want(t):
        if t._op is None:
            return (id(t) in leaf_ids) if leaf_ids is not None else t.requires_grad
        return (id(t._op) in relevant) if relevant is not None else t.requires_grad

    def deliver(t, g):
        if t._op is None:
            k = id(t)
            if k in leaf_grads:
                leaf_grads[k] = (t, leaf_grads[k][1] + g)
            else:
                leaf_grads[k] = (t, g)
            return
        op = t._op
        slot = pending.get(id(op))
        if slot is None:
            slot = [None] * op.nout
            pending[id(op)] = slot
            heapq.heappush(heap, (-op.generation, next(seq), op))
        slot[t._idx] = g if slot[t._idx] is None else slot[t._idx] + g

    for y, g in zip(ys, grad_ys):
        if g is None:
            if y.data is not None and y.size != 1 and xs is None:
                raise NeuralabError(f"backward: the tensor is not a scalar (shape {fmt_shape(y.shape)}); "
                                    "pass grad= with the upstream gradient")
            g = _ops.ones_like(y)
        else:
            g = g if isinstance(g, _ops.Tensor) else _ops.Tensor(g, dtype=y.dtype)
            if g.data is not None and y.data is not None and g.shape != y.shape:
                raise ShapeError(f"backward: grad of shape {fmt_shape(g.shape)} does not match the "
                                 f"output's shape {fmt_shape(y.shape)}")
        if (y.requires_grad if xs is None else want(y)):
            deliver(y, g)

    while heap:
        _, _, op = heapq.heappop(heap)
        if op.__dict__.get("_released"):
            raise NeuralabError(f"backward: trying to backward through the graph a second time (op "
                                f"'{op.opname}' was already used by a backward that did not keep it); call "
                                "backward(retain_graph=True) the first time to backward through it again")
        gys = pending.pop(id(op))
        if out_keys:
            for i, g in enumerate(gys):
                if (id(op), i) in out_keys and g is not None:
                    captured[(id(op), i)] = g
        ins = op.inputs
        needs = tuple(want(t) and i not in op.nondiff_inputs for i, t in enumerate(ins))
        if not any(needs):
            continue
        op.needs_grad = needs
        gxs = _backward(op, tuple(gys))
        if release:  # PyTorch's rule: a backward without retain_graph frees what the graph kept for it
            op._released = True
            op._ydata = None
        if not isinstance(gxs, (tuple, list)):
            gxs = (gxs,)
        if len(gxs) != len(ins):
            raise NeuralabError(f"{op.opname}: backward returned {len(gxs)} gradients for {len(ins)} inputs")
        for t, g, need in zip(ins, gxs, needs):
            if g is None or not need:
                continue
            if not isinstance(g, _ops.Tensor):
                g = _ops.Tensor(g, dtype=t.dtype)
            deliver(t, _fit(g, t))
    return leaf_grads, captured


def _unknown(t) -> bool:
    """A symbolic tensor whose rank or some size is unknown at build time."""
    return t is not None and t.data is None and (t._spec.shape is None or None in t._spec.shape)


def _backward(op, gys):
    """``op.backward(gys)``; a late gradient where the rule needs a rank or size unknown at build time.

    A rule that branches on ranks (matmul of vectors vs matrices, transposes)
    or needs a size (the split points of a concatenation) cannot be written
    down before they are known. Such a gradient becomes one
    :class:`LateGradient` node, which runs the same rule on the arrays when the
    graph runs: every op's gradient works on placeholders of unknown shape.
    """
    if not any(_unknown(t) for t in op.inputs) and not any(_unknown(g) for g in gys):
        return op.backward(gys)
    try:
        return op.backward(gys)
    except (TypeError, ValueError, IndexError, AttributeError):
        pass
    from .graph import record
    from .tensor import Tensor

    needs = op.needs_grad
    late = LateGradient(target=op, needs=needs, has=tuple(g is not None for g in gys))
    args = (*op.inputs, *(op.outputs or ()), *(g for g in gys if g is not None))
    late.nout = sum(1 for n in needs if n)
    if late.nout == 0:
        return (None,) * len(op.inputs)
    args = tuple(a if isinstance(a, Tensor) else Tensor(a) for a in args)
    outs = record(late, args)
    outs = iter(outs if late.nout > 1 else (outs,))
    return tuple(next(outs) if n else None for n in needs)


class LateGradient(_op.Op):
    """The gradient of ``target`` computed when the graph runs, from the arrays (see :func:`_backward`).

    Inputs: the target's inputs, its outputs, then the upstream gradients that
    exist; outputs: the gradient of each input that needs one (zeros where the
    rule gives none).
    """

    register = False
    type = "LateGradient"

    def forward(self, xp, *arrays):
        from .tensor import Tensor

        op = self.target
        n_in, n_out = len(op.inputs), len(op.outputs or ())
        clone = object.__new__(type(op))
        clone.__dict__.update(op.attrs())
        clone.inputs = tuple(Tensor._make(a) for a in arrays[:n_in])
        clone._ydata = tuple(arrays[n_in:n_in + n_out])
        clone.outputs = None
        clone.needs_grad = self.needs
        it = iter(arrays[n_in + n_out:])
        gys = tuple(Tensor._make(next(it)) if h else None for h in self.has)
        flags = config.flags
        building, flags.building = flags.building, 0  # (a run inside Graph.as_default() computes, not records)
        try:
            with config.no_grad():
                gxs = clone.backward(gys)
        finally:
            flags.building = building
        out = []
        for x, g, need in zip(clone.inputs, gxs, self.needs):
            if not need:
                continue
            if g is None:
                out.append(xp.zeros_like(x.data))
            else:
                g = g if isinstance(g, Tensor) else Tensor(g)
                out.append(_fit(g, x).data)
        return tuple(out)

    def infer(self, *specs):
        ins = specs[:len(self.target.inputs)]
        return tuple(_op.Spec(s.shape, s.dtype) for s, n in zip(ins, self.needs) if n)

    def backward(self, grads):
        raise NeuralabError(f"gradients: a second derivative through '{self.target.name}', whose input ranks were "
                            "unknown when the graph was built, is not supported; give the placeholder a shape")


def backward(ys, grad_ys, create_graph: bool = False, retain_graph=None) -> None:
    """Accumulate d(sum of ys)/d(leaf) into ``leaf.grad`` for every leaf requiring grad.

    Unless ``retain_graph`` (default: ``create_graph``), the ops swept are
    released: a second backward through them raises, as in PyTorch.
    """
    ctx = config.enable_grad() if create_graph else config.no_grad()
    release = not (create_graph if retain_graph is None else retain_graph)
    with ctx:
        leaf_grads, _ = _sweep(list(ys), list(grad_ys), None, create_graph, release)
        seen = set()
        for t, g in leaf_grads.values():
            if g.data is not None and not create_graph:
                # (GPU arrays have no ``writeable`` flag: they are always writable)
                if id(g) in seen or g.data.base is not None or not getattr(g.data.flags, "writeable", True):
                    g = _ops.Tensor._make(g.data.copy())
                seen.add(id(g))
            t.grad = g if t.grad is None else t.grad + g


def gradients(ys, xs, grad_ys=None, create_graph: bool = False):
    """d(sum of ys)/d(x) for each x in ``xs`` (TF1's ``tf.gradients``).

    Works on concrete tensors (eagerly) and on symbolic ones (adds gradient
    nodes to the graph). ``grad_ys`` weights each y (default: ones). An x that
    no y depends on gets None. Nothing is accumulated into ``.grad``.
    """
    ys, _ = _as_list(ys)
    xs_l, was_list = _as_list(xs)
    if grad_ys is None:
        gys = [None] * len(ys)
    else:
        gys, _ = _as_list(grad_ys)
    if len(gys) != len(ys):
        raise NeuralabError(f"gradients: got {len(gys)} grad_ys for {len(ys)} ys")
    symbolic = any(y.data is None for y in ys)
    ctx = config.enable_grad() if (create_graph or symbolic) else config.no_grad()
    if symbolic:
        # building gradient nodes: ops of the backward rules that read variables alone (transpose(W))
        # must be graph nodes too, in any graph, or a later update of W would be missed
        config.flags.building += 1
    try:
        with ctx:
            leaf_grads, captured = _sweep(ys, gys, xs_l, create_graph)
    finally:
        if symbolic:
            config.flags.building -= 1
    out = []
    for x in xs_l:
        if x._op is None:
            g = leaf_grads.get(id(x))
            out.append(None if g is None else g[1])
        else:
            out.append(captured.get((id(x._op), x._idx)))
    return out if was_list else out[0]


def _wrap_args(args, argnums):
    from .tensor import Tensor

    new = list(args)
    nested = False
    for i in argnums:
        a = args[i]
        if isinstance(a, Tensor) and a.requires_grad:
            nested = True
            continue
        t = Tensor(a.data if isinstance(a, Tensor) else a)
        if t.dtype.kind != "f":
            t = Tensor(t.data, dtype=_default_float())  # integers are differentiated as the default float
        t.requires_grad = True
        new[i] = t
    return new, nested


def _default_float():
    from .dtypes import default_float

    return default_float()


def value_and_grad(fn, argnums=0):
    """Wrap ``fn`` so that it returns ``(fn(*args), d fn / d args[argnums])``.

    ``fn`` must return a scalar Tensor. ``argnums`` is an int or a tuple of ints.
    Nesting (``grad(grad(f))``) works: gradients of tensors that already require
    grad are built with ``create_graph=True``.
    """
    single = isinstance(argnums, int)
    nums = (argnums,) if single else tuple(argnums)

    def wrapped(*args, **kwargs):
        new, nested = _wrap_args(args, nums)
        with config.enable_grad():
            y = fn(*new, **kwargs)
        if y.data is not None and y.size != 1:
            raise NeuralabError(f"grad: the function must return a scalar, got shape {fmt_shape(y.shape)}")
        gs = gradients(y, [new[i] for i in nums], create_graph=nested)
        gs = [g if g is not None else _ops.zeros_like(new[i]) for g, i in zip(gs, nums)]
        return y, (gs[0] if single else tuple(gs))

    wrapped.__name__ = f"value_and_grad({getattr(fn, '__name__', 'fn')})"
    return wrapped


def grad(fn, argnums=0):
    """Wrap ``fn`` so that it returns the gradient of its scalar output.

    >>> grad(lambda x: (x * x).sum())(nl.tensor([1.0, 2.0]))   # 2x
    Tensor([2., 4.], dtype=float32)
    """
    vg = value_and_grad(fn, argnums)

    def wrapped(*args, **kwargs):
        return vg(*args, **kwargs)[1]

    wrapped.__name__ = f"grad({getattr(fn, '__name__', 'fn')})"
    return wrapped
