"""TF 1.x's control flow (``tf.cond``, ``tf.case``, ``tf.map_fn``, ``tf.while_loop``) over neuralab graphs.

neuralab graphs are straight-line plans, so control flow is built from them:

``tf.cond(pred, true_fn, false_fn)``
    with a pred known when the graph is built (a constant tensor), only the
    taken branch is built, as TF would run it. With a pred known at run time
    both branches are built and both run; the result is the taken branch's
    value (:class:`CondSelect`, TF's ``Merge``). Its gradient is NaN-safe by
    construction: each branch's gradient w.r.t. the tensors it captures is
    taken separately and *selected* (``where(pred, g_true, 0)``), so a NaN or
    Inf that the untaken branch computes (``log(0)``, ``sqrt``'s gradient at 0)
    never reaches the result, as with TF's truly conditional execution.
    Running both sides is only right for branches without side effects: a
    branch that creates a stateful node (an assign, an optimizer update, a
    queue or iterator ``get_next``) raises :class:`StatefulBranchError`
    (random draws are fine: an unused draw changes nothing but the stream).
``tf.case(pred_fn_pairs, default)``
    nested ``tf.cond``: the first pair whose pred is True wins.
``tf.map_fn(fn, elems)``
    unrolled: ``fn`` is applied to each of the ``n`` slices of ``elems`` along
    axis 0 and the results are stacked, so ``n`` must be known when the graph
    is built (an unknown ``n`` raises a ValueError saying so).
``tf.while_loop(cond, body, loop_vars)``
    unrolled too: the trip count must follow from values known when the graph
    is built (constants), else a ValueError says so.
"""
from __future__ import annotations

import numpy as np

from ..._core import graph as _graph
from ..._core.autograd import gradients as _nl_gradients
from ..._core.op import Op, Spec, fmt_shape
from ..._core.tensor import Tensor
from ... import ops as O
from ...functional.array import stack as _stack
from . import _base, _dtypes, _types
from ._base import as_graph_tensor, as_tensor

__all__ = ["case", "cond", "map_fn", "while_loop"]


class StatefulBranchError(NotImplementedError):
    """A tf.cond branch (with a run-time pred) that creates stateful nodes: neuralab would run it either way."""


# ---------------------------------------------------------------------------------------
# tf.cond
# ---------------------------------------------------------------------------------------

class CondSelect(Op):
    """The taken branch's value: inputs ``(pred, a, b, *captured)``, output ``a`` if pred else ``b`` (TF's Merge).

    ``captured`` are the tensors the two branches read from outside them
    (given so that the gradient reaches them). Gradient: for each captured
    tensor ``c``, ``where(pred, d a/d c, 0) + where(pred, 0, d b/d c)`` with the
    branch gradients taken separately, so what the untaken branch computes
    (NaN, Inf) never leaks; ``a`` and ``b`` themselves get none (their
    gradients reach the captured tensors through this rule).
    """

    nin = None
    register = False  # an adapter node (no entry in neuralab.REGISTRY)
    type = "Merge"
    nondiff_inputs = (0,)

    def forward(self, xp, pred, a, b, *captured):
        return (a if bool(pred) else b,)

    def infer(self, pred, a, b, *captured):
        return (Spec(_merge_shapes(a.shape, b.shape), a.dtype),)

    def backward(self, grads):
        g = grads[0]
        pred, a, b = self.inputs[:3]
        captured = list(self.inputs[3:])
        if g is None or not captured:
            return (None,) * len(self.inputs)
        gt = _branch_grads(a, captured, _PickGrad.apply(pred, g, a, side=True))
        gf = _branch_grads(b, captured, _PickGrad.apply(pred, g, b, side=False))
        out = []
        for x, y in zip(gt, gf):
            parts = []
            if x is not None:
                parts.append(O.where(pred, x, O.zeros_like(x)))
            if y is not None:
                parts.append(O.where(pred, O.zeros_like(y), y))
            out.append(None if not parts else parts[0] if len(parts) == 1 else parts[0] + parts[1])
        return (None, None, None, *out)


class _PickGrad(Op):
    """The gradient one branch of a cond receives: ``g`` if the branch was taken (``pred == side``), else zeros
    shaped like the branch's own output ``like`` (the branches' shapes may differ)."""

    nin = 3
    nondiff_inputs = (0, 2)

    def __init__(self, side=True):
        super().__init__(side=side)

    def forward(self, xp, pred, g, like):
        return (g if bool(pred) == self.side else xp.zeros(like.shape, dtype=g.dtype),)

    def infer(self, pred, g, like):
        return (Spec(like.shape, g.dtype),)

    def backward(self, gg):
        pred, g, _ = self.inputs
        return None, _PickGrad.apply(pred, gg[0], g, side=self.side), None


def _branch_grads(out, captured, g):
    """d out / d captured (weighted by g): a list with None where out does not depend on a captured tensor."""
    if out.dtype.kind not in "fc":
        return [None] * len(captured)
    res = _nl_gradients([out], captured, grad_ys=[g])
    return [r if (r is not None and c.dtype.kind in "fc") else None for r, c in zip(res, captured)]


def _merge_shapes(a, b):
    if a is None or b is None or len(a) != len(b):
        return None
    return tuple(x if x == y else None for x, y in zip(a, b))


def _flatten(x, leaves):
    """Nested lists/tuples/dicts of tensors -> a structure of leaf indices (in ``leaves``)."""
    if isinstance(x, (list, tuple)):
        return type(x)(_flatten(e, leaves) for e in x) if not hasattr(x, "_fields") else \
            type(x)(*[_flatten(e, leaves) for e in x])
    if isinstance(x, dict):
        return {k: _flatten(v, leaves) for k, v in x.items()}
    leaves.append(x)
    return len(leaves) - 1


def _unflatten(struct, leaves):
    if isinstance(struct, (list, tuple)):
        items = [_unflatten(e, leaves) for e in struct]
        return type(struct)(*items) if hasattr(struct, "_fields") else type(struct)(items)
    if isinstance(struct, dict):
        return {k: _unflatten(v, leaves) for k, v in struct.items()}
    return leaves[struct]


def _same_structure(a, b):
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same_structure(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same_structure(a[k], b[k]) for k in a)
    return not isinstance(a, (list, tuple, dict)) and not isinstance(b, (list, tuple, dict))


def _stateful_nodes(new_ops, g_tf, vars_before, slot_before):
    """The stateful nodes among ``new_ops`` (a branch's), leaving out new variables' initializers and slot resets."""
    skip = set()
    for name, v in g_tf.variables.items():
        if name not in vars_before and getattr(v, "initializer", None) is not None:
            skip.add(id(v.initializer._op))
    nl_g = g_tf._nl
    from .variables import _SLOT_INITS

    for op in nl_g.get_collection(_SLOT_INITS)[slot_before:]:
        skip.add(id(getattr(op, "_op", op)))
    bad = []
    for op in new_ops:
        if id(op) in skip or not getattr(op, "stateful", False):
            continue
        if type(op).__name__ in _READS and not op.state_writes():
            continue  # reads of state (an optimizer slot's value) change nothing
        bad.append(op)  # assigns, optimizer updates, queue/reader/iterator nodes
    return bad


#: stateful node classes that only read state (safe to run on the untaken side)
_READS = frozenset({"_SlotRead", "ReadVariable"})


def _build_branch(fn, what):
    """Call branch ``fn`` recording what it creates: (output structure, leaves, new ops, captured tensors)."""
    g = _graph.get_default_graph()
    g_tf = _base.gstate(g)
    start = len(g.ops)
    vars_before = set(g_tf.variables)
    from .variables import _SLOT_INITS

    slot_before = len(g.get_collection(_SLOT_INITS))
    if not callable(fn):
        raise TypeError(f"tf.cond: {what} must be callable, got {type(fn).__name__}")
    out = fn()
    if out is None:
        raise ValueError(f"tf.cond: {what} returned None; it must return a tensor or a structure of tensors")
    leaves = []
    struct = _flatten(out, leaves)
    for x in leaves:
        if isinstance(x, (_types.Operation, Op)):
            from .array_ops import _unsupported

            _unsupported("tf.cond", f"with a {what} that returns an Operation ({x.name}) and a pred known only at run "
                         "time", "return tensors (e.g. a tf.identity under tf.control_dependencies), or run the "
                         "operation outside tf.cond")
    leaves = [as_graph_tensor(x) for x in leaves]
    new_ops = g.ops[start:]
    bad = _stateful_nodes(new_ops, g_tf, vars_before, slot_before)
    if bad:
        names = ", ".join(f"{getattr(o, 'name', None) or o.opname} ({o.type})" for o in bad[:3])
        raise StatefulBranchError(
            f"neuralab.compat.v1: tf.cond with a pred known only at run time and a {what} that creates stateful "
            f"nodes ({names}) is not supported yet: neuralab runs both branches and keeps the taken one's value, "
            "so the untaken branch's updates would run too. Move the update out of the branch (e.g. run it under "
            "tf.control_dependencies outside tf.cond), or use a Python bool/constant pred.")
    return struct, leaves, new_ops


def _captured(new_ops, leaves):
    """Tensors the branch reads from outside (inputs of its new nodes made elsewhere; leaves returned as is)."""
    mine = {id(op) for op in new_ops}
    seen, out = set(), []

    def add(t):
        if isinstance(t, Tensor) and id(t) not in seen and (t.data is None or t.requires_grad or t._variable):
            seen.add(id(t))
            out.append(t)

    for op in new_ops:
        for t in op.inputs:
            if t._op is None or id(t._op) not in mine:
                add(t)
    for t in leaves:
        if t._op is None or id(t._op) not in mine:
            add(t)
    return out


def _pred_value(pred):
    """pred -> a Python bool when known at build time, else the scalar bool graph tensor."""
    from .array_ops import _const_value

    if isinstance(pred, (bool, np.bool_)):
        raise TypeError("tf.cond: 'pred' must not be a Python bool; give a bool tensor (tf.constant(True) or a "
                        "tf.placeholder(tf.bool, []))")
    p = as_tensor(pred)
    if not isinstance(p, Tensor):
        p = as_graph_tensor(p)
    if p.dtype.kind != "b":
        raise TypeError(f"tf.cond: 'pred' must be a bool tensor, got {_dtypes.as_dtype(p.dtype).name}")
    if p.shape is not None and len(p.shape) != 0:
        raise ValueError(f"tf.cond: 'pred' must be a scalar (rank 0), got shape {fmt_shape(p.shape)}")
    c = p.numpy() if p.data is not None else _const_value(p)
    if c is not None:
        return bool(np.asarray(c))
    return p


def cond(pred, true_fn=None, false_fn=None, strict=False, name=None, fn1=None, fn2=None):
    """tf.cond(pred, true_fn, false_fn): the value of ``true_fn()`` if the scalar bool ``pred`` is True, else
    of ``false_fn()``.

    A pred known at build time (a constant) builds only the taken branch. A
    pred known at run time builds both; both run, the taken one's value is
    returned, and gradients come from the taken branch only (NaN-safe). The
    branches must return the same structure and dtypes (shapes may differ:
    the result's static shape is what they share). A run-time pred with a
    branch that creates stateful nodes raises :class:`StatefulBranchError`.
    """
    true_fn = true_fn if true_fn is not None else fn1
    false_fn = false_fn if false_fn is not None else fn2
    if true_fn is None or false_fn is None:
        raise TypeError("tf.cond: both true_fn and false_fn are required")
    p = _pred_value(pred)
    g = _graph.get_default_graph()
    with g.name_scope(name or "cond"):
        if isinstance(p, bool):
            out = (true_fn if p else false_fn)()
            return out
        st, lt, ops_t = _build_branch(true_fn, "true_fn")
        sf, lf, ops_f = _build_branch(false_fn, "false_fn")
        if not _same_structure(st, sf) or len(lt) != len(lf):
            raise ValueError(f"tf.cond: true_fn and false_fn must return the same structure, got {len(lt)} and "
                             f"{len(lf)} tensors")
        captured = []
        seen = set()
        for t in _captured(ops_t, lt) + _captured(ops_f, lf):
            if id(t) not in seen:
                seen.add(id(t))
                captured.append(t)
        outs = []
        for i, (a, b) in enumerate(zip(lt, lf)):
            if a.dtype != b.dtype:
                raise ValueError(f"tf.cond: output {i} of true_fn and false_fn must have the same dtype, got "
                                 f"{_dtypes.as_dtype(a.dtype).name} from true_fn and {_dtypes.as_dtype(b.dtype).name} "
                                 "from false_fn")
            outs.append(CondSelect.apply(p, a, b, *captured))  # named cond/Merge, cond/Merge_1, ... (TF's names)
        return _unflatten(st, outs)


def case(pred_fn_pairs, default=None, exclusive=False, strict=False, name="case"):
    """tf.case(pred_fn_pairs, default): the value of the first ``fn`` whose ``pred`` is True, else ``default()``.

    Nested :func:`cond` (TF's rule for ``exclusive=False``); without a default
    the last pair's fn is the default.
    """
    if exclusive:
        from .array_ops import _unsupported

        _unsupported("tf.case", "with exclusive=True (a run-time check that at most one pred is True)",
                     "use exclusive=False: the first True pred wins")
    pairs = list(pred_fn_pairs.items()) if isinstance(pred_fn_pairs, dict) else list(pred_fn_pairs)
    if not pairs:
        raise ValueError("tf.case: pred_fn_pairs must not be empty")
    for i, pair in enumerate(pairs):
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2 and callable(pair[1])):
            raise TypeError(f"tf.case: pred_fn_pairs[{i}] must be a (pred, callable) pair, got {pair!r}")
    if default is None:
        default = pairs[-1][1]
        pairs = pairs[:-1]
    with _graph.get_default_graph().name_scope(name or "case"):
        fn = default
        for p, f in reversed(pairs):
            fn = (lambda p=p, f=f, rest=fn: cond(p, f, rest))
        return fn()


# ---------------------------------------------------------------------------------------
# tf.map_fn, tf.while_loop: unrolled
# ---------------------------------------------------------------------------------------

def map_fn(fn, elems, dtype=None, parallel_iterations=None, back_prop=True, swap_memory=False, infer_shape=True,
           name=None, fn_output_signature=None):
    """tf.map_fn(fn, elems): ``stack([fn(elems[i]) for i in range(n)])`` (per output, along axis 0).

    ``elems``: a tensor or a (nested) tuple/list of tensors sharing their first
    dimension ``n``; ``fn`` gets slices of the same structure. neuralab unrolls
    the map, so ``n`` must be known when the graph is built; an unknown ``n``
    raises a ValueError naming the shape.
    """
    leaves = []
    struct = _flatten(elems, leaves)
    xs = [as_graph_tensor(x) for x in leaves]
    if not xs:
        raise ValueError("tf.map_fn: elems must hold at least one tensor")
    ns = set()
    for x in xs:
        if x.shape is None or len(x.shape) == 0:
            raise ValueError(f"tf.map_fn: elems must have a first dimension to map over, got "
                             f"{'an unknown rank' if x.shape is None else 'a scalar'}")
        ns.add(x.shape[0])
    if None in ns:
        shapes = ", ".join(fmt_shape(x.shape) for x in xs)
        raise ValueError(f"tf.map_fn: neuralab unrolls map_fn, so the first dimension of elems must be known when "
                         f"the graph is built; got shape {shapes}. Give the placeholder a fixed size, or write the "
                         "function on the whole batch (most TF ops work on a batch axis)")
    if len(ns) != 1:
        raise ValueError(f"tf.map_fn: the tensors in elems must have the same first dimension, got "
                         f"{', '.join(fmt_shape(x.shape) for x in xs)}")
    n = ns.pop()
    if n == 0:
        raise ValueError("tf.map_fn: elems has 0 elements; neuralab cannot infer fn's output from an empty map")
    g = _graph.get_default_graph()
    with g.name_scope(name or "map"):
        parts = [O.unstack(x, 0) for x in xs]
        results, out_struct = [], None
        for i in range(n):
            args = _unflatten(struct, [_types.wrap(p[i]) for p in parts])
            r = fn(args)
            rl = []
            s = _flatten(r, rl)
            if out_struct is None:
                out_struct = s
            elif not _same_structure(out_struct, s) or len(rl) != len(results[0]):
                raise ValueError("tf.map_fn: fn must return the same structure for every element")
            results.append([as_graph_tensor(t) for t in rl])
        outs = []
        for k in range(len(results[0])):
            with g.name_scope("TensorArrayStack"):
                y = _stack([r[k] for r in results], axis=0)
                if y._op is not None and getattr(y._op, "graph", None) is not None:
                    y._op.name = g.unique_name("TensorArrayGatherV3")
            outs.append(y)
        return _unflatten(out_struct, outs)


def _build_time_value(t):
    """The value of graph tensor ``t`` if it follows from constants alone (no feeds, variables, state, draws)."""
    if t.data is not None:
        return None if t._variable else t.data
    stack, seen = [t._op], set()
    while stack:
        op = stack.pop()
        if op is None or id(op) in seen:
            continue
        seen.add(id(op))
        if isinstance(op, _graph.Placeholder) or getattr(op, "stateful", False) or \
                getattr(op, "nondeterministic", False) or (hasattr(op, "state_reads") and op.state_reads()):
            return None
        for x in op.inputs:
            if x.data is not None:
                if x._variable or x.requires_grad:
                    return None
            else:
                stack.append(x._op)
    return _graph.run(t)


def while_loop(cond, body, loop_vars, shape_invariants=None, parallel_iterations=10, back_prop=True,
               swap_memory=False, name=None, maximum_iterations=None, return_same_structure=False):
    """tf.while_loop(cond, body, loop_vars): ``while cond(*vars): vars = body(*vars)``, unrolled.

    neuralab unrolls the loop when the graph is built, so ``cond`` must follow
    from values known then (constants and the loop's own constant updates);
    a ``cond`` that depends on a placeholder, a variable or a random draw
    raises a ValueError saying so. ``maximum_iterations`` (an int) caps the trip count.
    """
    limit = 100000 if maximum_iterations is None else int(_base_static(maximum_iterations))
    single = not isinstance(loop_vars, (list, tuple))
    leaves = []
    struct = _flatten(loop_vars, leaves)
    vars_ = [_types.wrap(as_graph_tensor(x)) for x in leaves]
    g = _graph.get_default_graph()
    with g.name_scope(name or "while"):
        for it in range(limit + 1):
            args = _unflatten(struct, vars_)
            c = cond(args) if single else cond(*args)
            ct = as_graph_tensor(c)
            if ct.dtype.kind != "b" or (ct.shape is not None and len(ct.shape) != 0):
                raise ValueError(f"tf.while_loop: cond must return a scalar bool, got {_dtypes.as_dtype(ct.dtype).name}"
                                 f" of shape {fmt_shape(ct.shape)}")
            v = _build_time_value(ct)
            if v is None:
                raise ValueError("tf.while_loop: neuralab unrolls while loops when the graph is built, so cond must "
                                 "follow from constants (a trip count known then); this cond depends on a "
                                 "placeholder, a variable or a random draw. Use a Python loop over a fixed count "
                                 "or a cond on constants")
            if not bool(np.asarray(v)):
                break
            if it == limit:
                if maximum_iterations is None:
                    raise ValueError(f"tf.while_loop: more than {limit} unrolled iterations; give maximum_iterations")
                break
            r = body(args) if single else body(*args)
            if single and isinstance(r, (list, tuple)) and len(r) == 1:
                r = r[0]
            rl = []
            _flatten(r, rl)
            if len(rl) != len(vars_):
                raise ValueError(f"tf.while_loop: body must return {len(vars_)} loop variables, got {len(rl)}")
            vars_ = [_types.wrap(as_graph_tensor(x)) for x in rl]
    if len(vars_) == 1 and isinstance(loop_vars, (list, tuple)) and not return_same_structure:
        return vars_[0]  # TF returns a one-variable loop's result as the tensor itself
    return _unflatten(struct, vars_)


def _base_static(x):
    from .array_ops import _static

    return _static(x, "tf.while_loop maximum_iterations")


_types.export(globals(), scope_names=("cond", "case", "map_fn", "while_loop"))
