"""Define-then-run: graphs of symbolic tensors, plans, replay and ``compile``.

An op applied to a symbolic tensor (a placeholder, or anything computed from
one) is *recorded*: its output shapes/dtypes come from ``infer`` and a node is
appended to the current :class:`Graph` ("No computation occurs here!!").
:func:`run` evaluates fetches: it prunes the graph to what the fetches need,
orders it once, and turns it into a :class:`Plan` — straight-line Python that
calls each op's ``forward`` on raw arrays, with no per-op dispatch through
Tensor. Plans are cached by (fetches, fed tensors), so "run the graph many
times" costs only the kernels. :func:`compile` traces a Python function on
placeholders once per input signature and replays its plan.

State (parameters, buffers, optimizer moments, compat.v1 Variables) enters a
graph in one way: as a *captured* concrete tensor that the plan reads afresh
every time it runs, never as a value frozen at build time. A concrete tensor
is marked as state by ``_variable = True`` (Parameter, Buffer and compat
Variables set it). Three places make the capture happen, all the same
mechanism: (1) an op with at least one symbolic input captures its concrete
inputs; (2) while a graph is being built (:meth:`Graph.as_default`,
``compile`` tracing, a symbolic ``gradients`` sweep) an op whose inputs are all
concrete but include state is recorded instead of computed, so ``transpose(W)``
stays live; (3) :func:`read` makes the capture explicit — a node standing for
a variable's value at run time — for code that builds graph pieces from state
alone in the implicit default graph (batch norm's running statistics,
compat.v1's ``<variable>/read``). Ops that write state (``assign``, optimizer
updates) name what they touch (:meth:`Op.state_writes`), so a plan knows every
variable it reads and writes and can run against a separate
``{variable: array}`` store (:meth:`Plan.run`), which is how compat.v1 gives
each Session its own values.
"""
from __future__ import annotations

import builtins
import contextlib
import itertools
import threading
import weakref

import numpy as np

from . import config, dtypes, op as _opmod
from .errors import FeedError, NeuralabError, ShapeError, StateError, TraceError
from .op import Op, Spec, check_finite, fmt_shape, new_id
from .tensor import Tensor

# ---------------------------------------------------------------------------------------
# graphs
# ---------------------------------------------------------------------------------------


class Graph:
    """A container of recorded ops, with name scopes and plan caches."""

    def __init__(self):
        self.ops: list[Op] = []
        self._names: dict[str, int] = {}
        self._scope: list[str] = []
        self._control: list[tuple] = []
        self._plans: dict = {}
        self.collections: dict[str, list] = {}

    # names ---------------------------------------------------------------------------
    def unique_name(self, base: str, scoped: bool = True) -> str:
        """``base`` in the current name scope, or ``base_1``, ``base_2``, ... when taken (TF's rule: a generated
        name is itself marked as used, so ``dense``, ``dense``, ``dense_1`` give ``dense``, ``dense_1``,
        ``dense_1_1``)."""
        name = "/".join(self._scope + [base]) if scoped and self._scope else base
        n = self._names.get(name, 0)
        self._names[name] = n + 1
        if n == 0:
            return name
        while f"{name}_{n}" in self._names:
            n += 1
        new = f"{name}_{n}"
        self._names[new] = 1
        return new

    @contextlib.contextmanager
    def name_scope(self, name: str):
        """Prefix the names of ops recorded inside with ``name/`` (TensorBoard groups).

        As in TF, a name ending in "/" (what entering a scope returns) re-enters that scope as it is.
        """
        if name:
            full = name[:-1] if name.endswith("/") else self.unique_name(name, scoped=True)
            prev = self._scope
            self._scope = full.split("/")
            try:
                yield full + "/"
            finally:
                self._scope = prev
        else:
            prev = self._scope
            self._scope = []
            try:
                yield ""
            finally:
                self._scope = prev

    def current_scope(self) -> str:
        return "/".join(self._scope)

    @contextlib.contextmanager
    def control_dependencies(self, deps):
        """Ops recorded inside run only after ``deps`` (tensors or ops) have run."""
        ops = tuple(_target_op(d) for d in deps if d is not None)
        self._control.append(ops)
        try:
            yield
        finally:
            self._control.pop()

    @contextlib.contextmanager
    def as_default(self):
        """Make this graph the one new symbolic ops are recorded in.

        Inside, ops that read variables (parameters, buffers, requires-grad
        leaves) are recorded as graph nodes even when all their inputs are
        concrete, so a graph never freezes a value that a later update changes.
        """
        _stack.graphs.append(self)
        config.flags.building += 1
        try:
            yield self
        finally:
            config.flags.building -= 1
            _stack.graphs.pop()

    @contextlib.contextmanager
    def init_scope(self):
        """Record the nodes made inside without the enclosing ``control_dependencies``.

        For nodes that must not wait for anything: a variable's initializer and
        read, an optimizer's state reset (TF's ``init_scope``).
        """
        saved = self._control
        self._control = []
        try:
            yield self
        finally:
            self._control = saved

    def add_to_collection(self, name, value):
        self.collections.setdefault(name, []).append(value)

    def get_collection(self, name):
        return list(self.collections.get(name, []))

    # lookups ------------------------------------------------------------------------
    def get_operations(self) -> list:
        """Every recorded op, in the order they were added."""
        return list(self.ops)

    def get_operation_by_name(self, name: str):
        """The op named ``name`` (e.g. ``"layer1/MatMul"``); KeyError naming what exists otherwise."""
        for o in self.ops:
            if o.name == name:
                return o
        raise KeyError(f"The name '{name}' refers to an Operation not in the graph.")

    def get_tensor_by_name(self, name: str) -> Tensor:
        """The output ``"op_name:i"`` (``":0"`` may be omitted) of the op named ``op_name``."""
        base, _, idx = str(name).partition(":")
        for o in self.ops:
            if o.name == base:
                i = int(idx) if idx else 0
                outs = o.outputs or ()
                if i >= len(outs):
                    raise KeyError(f"The name '{name}' refers to a Tensor which does not exist. The operation, "
                                   f"'{base}', exists but only has {len(outs)} outputs.")
                return outs[i]
        raise KeyError(f"The name '{name}' refers to a Tensor which does not exist. The operation, '{base}', does "
                       "not exist in the graph.")

    def __repr__(self):
        return f"<Graph with {len(self.ops)} ops>"


class _GraphStack(threading.local):
    def __init__(self):
        self.graphs = []


_stack = _GraphStack()
_default = {"graph": Graph()}


def get_default_graph() -> Graph:
    """The graph that symbolic ops are recorded in right now."""
    return _stack.graphs[-1] if _stack.graphs else _default["graph"]


def reset_default_graph() -> Graph:
    """Start a fresh default graph (drops every recorded op and cached plan)."""
    _default["graph"] = Graph()
    return _default["graph"]


def name_scope(name: str):
    """``with name_scope("layer1"):`` groups the ops recorded inside (see Graph.name_scope)."""
    return get_default_graph().name_scope(name)


def _target_op(x):
    if isinstance(x, Op):
        return x
    if isinstance(x, Tensor):
        if x._op is None:
            raise NeuralabError("control_dependencies: a concrete tensor has no op to wait for")
        return x._op
    t = getattr(x, "__neuralab_tensor__", None)
    if t is not None:
        return _target_op(t())
    raise TypeError(f"expected a Tensor or an op, got {type(x).__name__}")


# ---------------------------------------------------------------------------------------
# recording
# ---------------------------------------------------------------------------------------

def _infer_unknown_rank(op, specs):
    """Output specs when some input has unknown rank: probe ``infer`` at two ranks."""
    results = []
    for probe in ((), (1, 1, 1)):
        try:
            results.append(op.infer(*[Spec(probe if s.shape is None else s.shape, s.dtype) for s in specs]))
        except Exception:  # noqa: BLE001 - a probe rank the op cannot take
            results.append(None)
    good = [r for r in results if r is not None]
    if not good:
        # the data's dtype: integer inputs next to floating ones are ids, counts or shapes (gather, one_hot,
        # segment ops), and must not promote float32 data to float64
        floats = [s.dtype for s in specs if np.dtype(s.dtype).kind in "fc"]
        dt = (dtypes.result_type(*(floats or [s.dtype for s in specs])) if specs else dtypes.default_float())
        return tuple(Spec(None, dt) for _ in range(op.nout))
    if len(good) == 2:
        return tuple(Spec(a.shape if a.shape == b.shape else None, a.dtype) for a, b in zip(*good))
    return tuple(Spec(None, s.dtype) for s in good[0])


def record(op: Op, ts) -> Tensor | tuple:
    """Append ``op`` applied to ``ts`` to the current graph; return symbolic outputs."""
    g = None
    for t in ts:
        if t._graph is not None:
            g = t._graph
            break
    if g is None:
        g = get_default_graph()
    specs = [Spec(t.shape, t.dtype) for t in ts]
    if any(s.shape is None for s in specs):
        outs = _infer_unknown_rank(op, specs)
    else:
        outs = op.infer(*specs)
    op.inputs = tuple(ts)
    op.generation = max((t._op.generation if t._op is not None else 0) for t in ts) + 1 if ts else 1
    op.id = new_id()
    if _opmod._xp_state["used"]:  # recorded inside neuralab.device("gpu") (TF's tf.device): plans run it there
        from ..backend import current_device

        if current_device().kind == "gpu":
            op._device = "gpu"
    if op.name is None:
        op.name = g.unique_name(op.type)
    if g._control:
        op.control_inputs = tuple(c for deps in g._control for c in deps)
    op.graph = g
    res = tuple(Tensor._symbolic(Spec(tuple(s.shape) if s.shape is not None else None, np.dtype(s.dtype)),
                                 op, i, g) for i, s in enumerate(outs))
    if not op.differentiable:
        for r in res:
            r.requires_grad = False
    op.outputs = res
    g.ops.append(op)
    return res[0] if op.nout == 1 else res


class Placeholder(Op):
    """A graph input whose value is given at run time through ``feed_dict``."""

    nin = 0
    differentiable = False
    register = False

    def forward(self, xp):
        raise FeedError(f"placeholder '{self.name}' of shape {fmt_shape(self.shape)} was not fed")

    def infer(self):
        return (Spec(self.shape, self.dtype),)

    def backward(self, grads):
        return ()


def placeholder(shape=None, dtype=None, name: str | None = None) -> Tensor:
    """A symbolic input of a graph ("Create placeholders for input x, weights w1, w2").

    ``shape`` may contain None for dimensions known only at run time (a batch
    size) or be None altogether (any shape). The value is given with
    ``feed_dict`` when the graph runs; fed values are converted to ``dtype``
    (float32 by default) and checked against ``shape``.
    """
    d = dtypes.as_dtype(dtype) or dtypes.default_float()
    shp = None if shape is None else tuple(None if s is None or (isinstance(s, int) and s < 0) else int(s)
                                           for s in ((shape,) if isinstance(shape, int) else shape))
    g = get_default_graph()
    op = Placeholder(shape=shp, dtype=d)
    op.name = g.unique_name(name or "Placeholder")
    op.inputs = ()
    op.generation = 0
    op.id = new_id()
    op.graph = g
    t = Tensor._symbolic(Spec(shp, d), op, 0, g, name=op.name)
    t.requires_grad = d.kind == "f"
    op.outputs = (t,)
    g.ops.append(op)
    return t


# ---------------------------------------------------------------------------------------
# plans: pruned, ordered, straight-line replay
# ---------------------------------------------------------------------------------------

def _flatten(structure, leaves):
    """Flatten nested lists/tuples/dicts of fetches; returns a rebuild function."""
    if isinstance(structure, dict):
        keys = list(structure.keys())
        subs = [_flatten(structure[k], leaves) for k in keys]
        return lambda vals: type(structure)((k, s(vals)) for k, s in zip(keys, subs)) \
            if type(structure) is not dict else {k: s(vals) for k, s in zip(keys, subs)}
    if isinstance(structure, (list, tuple)) and not isinstance(structure, Tensor):
        subs = [_flatten(x, leaves) for x in structure]
        if isinstance(structure, tuple) and hasattr(structure, "_fields"):
            return lambda vals: type(structure)(*[s(vals) for s in subs])
        return lambda vals: type(structure)(s(vals) for s in subs)
    i = len(leaves)
    leaves.append(structure)
    return lambda vals: vals[i]


def _resolve_fetch(x):
    """A fetch leaf -> Tensor, Op or None (objects standing for one define ``__neuralab_tensor__()``)."""
    if isinstance(x, (Tensor, Op)) or x is None:
        return x
    t = getattr(x, "__neuralab_tensor__", None)
    if t is not None:
        return _resolve_fetch(t())
    raise TypeError(f"run: cannot fetch an object of type {type(x).__name__}; fetch Tensors or ops")


class Plan:
    """A pruned graph turned into one straight-line Python function.

    Built once per (fetches, fed tensors); calling it runs each needed op's
    ``forward`` in order on raw arrays and returns the fetched arrays.
    """

    def __init__(self, fetches: list, feeds: list[Tensor]):
        self.fetches = fetches
        self.feeds = feeds
        fed = {id(t): i for i, t in enumerate(feeds)}
        # collect needed ops (ancestors of the fetches, cut at fed tensors)
        needed: dict[int, Op] = {}
        stack = []
        for f in fetches:
            if isinstance(f, Op):
                stack.append(f)
            elif isinstance(f, Tensor) and f.data is None and id(f) not in fed:
                stack.append(f._op)
        while stack:
            o = stack.pop()
            if id(o) in needed:
                continue
            needed[id(o)] = o
            for t in o.inputs:
                if t.data is None and id(t) not in fed and id(t._op) not in needed:
                    stack.append(t._op)
            for c in o.control_inputs:
                if id(c) not in needed:
                    stack.append(c)
        order = sorted(needed.values(), key=lambda o: o.id)
        for o in order:
            if isinstance(o, Placeholder):
                raise FeedError(f"run: the fetches need placeholder '{o.name}' of shape "
                                f"{fmt_shape(o.shape) if o.shape is not None else '(any)'}, "
                                "but it was not fed a value in feed_dict")
        self.ops = order
        self._build(order, fed)
        reads, writes = {}, {}
        for c in self.captured:
            if c._variable:
                reads[c] = None
        for o in order:
            for k in o.state_reads():
                reads[k] = None
            for k in o.state_writes():
                writes[k] = None
        #: state the plan reads (variables, and holders such as optimizers whose state a run uses)
        self.reads = tuple(reads)
        #: state the plan writes without reading it first
        self.writes = tuple(k for k in writes if k not in reads)
        # holders first: a fresh holder state is shaped after the variables' own arrays
        both = self.reads + self.writes
        self.state = tuple(k for k in both if not isinstance(k, Tensor)) + tuple(k for k in both
                                                                                 if isinstance(k, Tensor))
        self._fed = fed
        self._fns = {np: self.fn}  # array module -> the plan's function for it
        self._home = np  # the device the plan's variables were on when it was built (or its ops were placed on)
        if _opmod._xp_state["used"]:
            if any(getattr(o, "_device", None) for o in order):  # recorded under neuralab.device("gpu")
                from ..backend import require_gpu

                self._home = require_gpu("run")
            self._home = self._device_xp(())
            self.fn = self._fn_for(self._home)

    # -- devices (looked at only once a GPU backend is on: neuralab.backend) ----------------------
    def _variables_now(self):
        """The arrays of the variables this plan reads or writes, as they are now."""
        out = [k.data for k in self.state if isinstance(k, Tensor) and k.data is not None]
        return out + [c.data for c in self.captured if c._variable and c.data is not None]

    def _device_xp(self, arrays):
        """The array module of a run: the variables' device (the one they had when the plan was built while
        they have no values), and, for a plan that keeps no variables on a GPU, the feeds' device."""
        from ..backend import DeviceError, get_xp, is_cupy_array

        held = self._variables_now()
        xp = get_xp(*held) if held else self._home
        if xp is not np:
            host = [k for k in self.state if isinstance(k, Tensor) and k.data is not None
                    and not is_cupy_array(k.data)]
            if host:
                raise DeviceError(f"run: the graph reads variables on two devices: {_label(host[0])} is on the "
                                  "CPU, others on the GPU; move the model (Module.to('gpu')) as a whole")
            return xp
        xp = get_xp(*arrays)
        if xp is not np and held:
            raise DeviceError("run: the graph's variables are on the CPU but it was fed GPU arrays; move the model "
                              "to the GPU (Module.to('gpu')) or feed host (NumPy) arrays")
        return xp if xp is not np else get_xp(*[c.data for c in self.captured])

    def _fn_for(self, xp):
        fn = self._fns.get(xp)
        if fn is None:
            fn = self._fns[xp] = self._build(self.ops, self._fed, xp)
        return fn

    def _build(self, order, fed, xp=np):
        """Generate the plan's function for array module ``xp`` (the NumPy one is ``self.fn``); for a GPU
        module the function copies host feeds and host captures to the device as it reads them."""
        names = {}  # id(tensor) -> local name
        caps = []
        ns = {"xp": xp, "_dev": xp.asarray}
        lines = []
        args = []
        for i, t in enumerate(self.feeds):
            nm = f"f{i}"
            names[id(t)] = nm
            args.append(nm)
            if xp is not np:
                lines.append(f"    {nm} = _dev({nm})")
        counter = itertools.count()
        read = "{} = _caps[{}].data" if xp is np else "{} = _dev(_caps[{}].data)"
        # on a device, constants (captured tensors that are neither variables nor gradient leaves, which code
        # may update in place) are copied there once, the copy reused while the tensor holds the same array
        const = "{0} = _cd[{1}] if _caps[{1}].data is _ch[{1}] else _recache({1})"

        def ref(t):
            k = id(t)
            if k in names:
                return names[k]
            if t.data is not None:  # a concrete tensor: read its current value at each run, where first used
                nm = f"c{len(caps)}"
                caps.append(t)
                names[k] = nm
                live = xp is np or t._variable or t.requires_grad
                body.append("    " + (read if live else const).format(nm, len(caps) - 1))
                return nm
            raise NeuralabError(f"plan: tensor produced by '{t._op.name}' is not computed before use")

        body = []
        last_use = {}
        for o in order:
            for t in o.inputs:
                last_use[id(t)] = o
        for f in self.fetches:
            if isinstance(f, Tensor):
                last_use[id(f)] = None
        for j, o in enumerate(order):
            ins = [ref(t) for t in o.inputs]
            outs = []
            for t in o.outputs:
                nm = f"v{next(counter)}"
                names[id(t)] = nm
                outs.append(nm)
            ns[f"k{j}"] = o.forward
            target = ", ".join(outs) + ("," if len(outs) == 1 else "")
            kern = getattr(o, "xp_kernel", None)
            if o.identity and len(ins) == 1 and len(outs) == 1:  # forward returns its input: an alias
                body.append(f"    {outs[0]} = {ins[0]}")
            elif kern is not None and len(outs) == 1:  # a plain array-module function: call it directly
                ns[f"k{j}"] = getattr(xp, kern)
                body.append(f"    {outs[0]} = k{j}({', '.join(ins)})")
            elif not outs:
                body.append(f"    k{j}(xp{''.join(', ' + a for a in ins)})")
            else:
                body.append(f"    {target} = k{j}(xp{''.join(', ' + a for a in ins)})")
            dead = [names[id(t)] for t in o.inputs
                    if last_use.get(id(t)) is o and t.data is None and id(t) not in fed]
            dead += [n for t, n in zip(o.outputs, outs) if id(t) not in last_use]
            if dead:
                body.append(f"    del {', '.join(sorted(set(dead)))}")
        rets = []
        for f in self.fetches:
            if isinstance(f, Tensor):
                rets.append(ref(f))
            else:
                rets.append("None")
        src = ("def _plan(" + ", ".join(args) + "):\n" + "\n".join(lines + body)
               + "\n    return (" + "".join(r + ", " for r in rets) + ")\n")
        ns["_caps"] = caps
        if xp is not np:
            ns["_ch"] = [t.data for t in caps]
            ns["_cd"] = [None if t._variable or t.requires_grad else xp.asarray(t.data) for t in caps]

            def _recache(i):
                ns["_ch"][i] = caps[i].data
                ns["_cd"][i] = xp.asarray(caps[i].data)
                return ns["_cd"][i]

            ns["_recache"] = _recache
        exec(builtins.compile(src, "<neuralab plan>", "exec"), ns)  # noqa: S102 - our own generated straight-line code
        if xp is not np:
            return ns["_plan"]
        self.source = src
        self.fn = ns["_plan"]
        self.captured = caps
        return self.fn

    def __call__(self, *arrays):
        if config.flags.anomaly:
            return self.interpret(arrays)
        try:
            if _opmod._xp_state["used"]:
                return self._fn_for(self._device_xp(arrays))(*arrays)
            return self.fn(*arrays)
        except NeuralabError:
            raise
        except (ValueError, TypeError, IndexError) as e:  # a kernel failed: say which op, on which shapes
            raise self.explain(e, arrays) from e

    def explain(self, err, arrays):
        """The error naming the op a failed run stopped at (its inputs' shapes), found by replaying op by op.

        Replays the pure ops before the first stateful one (nothing is written
        twice); returns ``err`` itself when the failing op is not found there.
        """
        xp, env = self._env(arrays)
        for o in self.ops:
            if o.stateful:
                break
            ins = [env[id(t)] if t.data is None or id(t) in env else xp.asarray(t.data) for t in o.inputs]
            try:
                ys = o.forward(xp, *ins)
            except NeuralabError as e:
                return e
            except (ValueError, TypeError, IndexError) as e:
                shapes = ", ".join(fmt_shape(getattr(a, "shape", ())) for a in ins)
                cls = ShapeError if isinstance(e, ValueError) else NeuralabError
                where = f"'{o.name}' ({o.opname})" if o.name else o.opname
                return cls(f"{where} failed when the graph ran, on inputs of shapes {shapes}: {e}")
            for t, y in zip(o.outputs or (), ys):
                env[id(t)] = y
        return err

    def run(self, *arrays, store=None):
        """Run the plan; with ``store`` (a dict), against the store's state instead of the variables' own.

        ``store`` maps variables (concrete tensors) to arrays and state holders
        (objects with ``new_state``/``get_state``/``set_state``, such as
        optimizers) to their state. For the run, each variable in
        :attr:`reads` and :attr:`writes` holds the store's value (a variable
        only written may be missing: it gets a new array) and each holder the
        store's state (a fresh ``new_state()`` when missing); afterwards the
        store receives what the run left and every variable gets its own value
        back. Raises :class:`StateError` when a variable that is read has no
        value in the store. This is how several sessions share one graph.
        """
        if store is None:
            return self(*arrays)
        keys = self.state
        saved = []
        try:
            for k in keys:
                if isinstance(k, Tensor):
                    saved.append(k.data)
                    v = store.get(k)
                    if v is None and k in self._read_set:
                        raise StateError(f"run: the store has no value for variable {_label(k)}, which the "
                                         "fetches read; initialize it first")
                    k.data = v
                else:
                    saved.append(k.get_state())
                    st = store.get(k)
                    if st is None:
                        st = store[k] = k.new_state()
                    k.set_state(st)
            return self(*arrays)
        finally:
            for k, old in zip(keys, saved):
                if isinstance(k, Tensor):
                    if k.data is not None:
                        store[k] = k.data
                    k.data = old
                else:
                    store[k] = k.get_state()
                    k.set_state(old)

    @property
    def _read_set(self):
        rs = self.__dict__.get("_rs")
        if rs is None:
            rs = self.__dict__["_rs"] = {id(k) for k in self.reads}
        return _IdSet(rs)

    def _env(self, arrays):
        """(array module, {id(fed tensor): array on its device}) for running op by op."""
        xp = self._device_xp(arrays) if _opmod._xp_state["used"] else np
        return xp, {id(t): (a if xp is np else xp.asarray(a)) for t, a in zip(self.feeds, arrays)}

    def interpret(self, arrays):
        """Slow path: run op by op, checking every output for NaN/Inf (debug mode)."""
        xp, env = self._env(arrays)
        for o in self.ops:
            ins = [env[id(t)] if t.data is None or id(t) in env else xp.asarray(t.data) for t in o.inputs]
            ys = o.forward(xp, *ins)
            check_finite(o, ys, ins)
            for t, y in zip(o.outputs, ys):
                env[id(t)] = y
        return tuple(None if not isinstance(f, Tensor) else (env[id(f)] if id(f) in env else f.data)
                     for f in self.fetches)

    @property
    def num_kernels(self) -> int:
        return len(self.ops)


def refine_shape(t: Tensor, shape) -> None:
    """Make symbolic ``t``'s static shape more specific (``shape``: a tuple with None for unknown sizes).

    The new shape must fit the old one (same rank, known sizes equal); what it
    adds is checked against the fed or computed values no more than any other
    static shape is. Used by compat.v1's ``Tensor.set_shape``.
    """
    if t.data is not None:
        if shape is not None and (len(shape) != t.data.ndim or any(
                s is not None and s != d for s, d in zip(shape, t.data.shape))):
            raise ShapeError(f"refine_shape: shape {fmt_shape(tuple(shape))} does not fit a value of shape "
                             f"{fmt_shape(t.data.shape)}")
        return
    old = t._spec.shape
    if shape is None:
        return
    shape = tuple(shape)
    if old is not None:
        if len(old) != len(shape) or any(a is not None and b is not None and a != b for a, b in zip(old, shape)):
            raise ShapeError(f"refine_shape: shape {fmt_shape(shape)} does not fit {fmt_shape(old)}")
        shape = tuple(a if a is not None else b for a, b in zip(old, shape))
    t._spec = Spec(shape, t._spec.dtype)


class _IdSet:
    __slots__ = ("ids",)

    def __init__(self, ids):
        self.ids = ids

    def __contains__(self, k):
        return id(k) in self.ids


def read(var, name: str | None = None) -> Tensor:
    """A graph node standing for ``var``'s value at run time (the explicit form of capturing state).

    ``var`` is a concrete tensor (a Parameter, Buffer or any variable). The
    node is recorded in the default graph even though its input is concrete, so
    expressions built on it are graph nodes that read the variable's current
    value whenever the graph runs; gradients pass through it to ``var``.
    """
    from ..ops.state import ReadVariable

    if not isinstance(var, Tensor) or var.data is None:
        raise TypeError(f"read: expected a concrete tensor (a variable), got "
                        f"{'a symbolic tensor' if isinstance(var, Tensor) else type(var).__name__}")
    op = ReadVariable()
    g = get_default_graph()
    op.name = g.unique_name(name or "read")
    return record(op, (var,))


def _check_feed(t: Tensor, value):
    spec = t._spec if t.data is None else Spec(t.shape, t.dtype)
    arr = value.data if isinstance(value, Tensor) else value
    if arr is None:
        raise FeedError(f"feed for {_label(t)}: got a symbolic tensor, feed values (arrays)")
    if _opmod._xp_state["used"] and _opmod._xp_state["is_cupy"](arr):  # a GPU array: checked where it is
        arr = arr if arr.dtype == spec.dtype else arr.astype(spec.dtype)
    elif not (isinstance(arr, np.ndarray) and arr.dtype == spec.dtype):
        try:
            arr = np.asarray(arr, dtype=spec.dtype)
        except (ValueError, TypeError) as e:
            raise FeedError(f"feed for {_label(t)}: cannot convert to {spec.dtype}: {e}") from None
    if spec.shape is not None:
        shp = arr.shape
        if len(shp) != len(spec.shape) or any(d is not None and d != s for d, s in zip(spec.shape, shp)):
            raise FeedError(f"feed for {_label(t)}: expected shape {fmt_shape(spec.shape)}, "
                            f"got {fmt_shape(shp)}")
    return arr


def _label(t):
    if t._op is not None and isinstance(t._op, Placeholder):
        return f"placeholder '{t._op.name}'"
    if t._op is not None:
        return f"tensor '{t._op.name}'"
    return f"tensor {t._label()}"


def run(fetches, feed_dict=None):
    """Evaluate symbolic ``fetches`` (a Tensor, an op, or nested lists/tuples/dicts).

    ``feed_dict`` maps placeholders (or any symbolic tensor) to values. Only the
    ops the fetches need are run. Returns NumPy arrays in the fetches' structure
    (None for fetched ops). The plan is built once per (fetches, feed keys) and
    cached on the graph, so running the same fetches again only runs kernels.
    """
    leaves = []
    rebuild = _flatten(fetches, leaves)
    targets = [_resolve_fetch(x) for x in leaves]
    feed_dict = feed_dict or {}
    feed_items = []
    for k, v in feed_dict.items():
        kt = _resolve_fetch(k)
        if not isinstance(kt, Tensor):
            raise FeedError(f"feed_dict keys must be tensors, got {type(k).__name__}")
        feed_items.append((kt, v))
    graph = None
    for t in targets:
        if isinstance(t, Tensor) and t._graph is not None:
            graph = t._graph
            break
        if isinstance(t, Op) and getattr(t, "graph", None) is not None:
            graph = t.graph
            break
    graph = graph or get_default_graph()
    key = (tuple(id(t) for t in targets), tuple(id(k) for k, _ in feed_items))
    entry = graph._plans.get(key)
    if entry is None:
        plan = Plan([t for t in targets], [k for k, _ in feed_items])
        entry = (plan, targets, [k for k, _ in feed_items])  # keep objects alive: ids stay unique
        graph._plans[key] = entry
    plan = entry[0]
    arrays = [_check_feed(k, v) for k, v in feed_items]
    vals = plan(*arrays)
    out = [None if t is None else (v if v is not None else (t.data if isinstance(t, Tensor) else None))
           for t, v in zip(targets, vals)]
    if _opmod._xp_state["used"]:  # fetched values come back to the host
        from ..backend import to_numpy

        out = [to_numpy(v) if _opmod._xp_state["is_cupy"](v) else v for v in out]
    return rebuild(out)


# ---------------------------------------------------------------------------------------
# compile: trace once per signature, replay the plan
# ---------------------------------------------------------------------------------------

class CompiledFunction:
    """A function traced into a plan per input signature (see :func:`compile`)."""

    def __init__(self, fn, retrace: bool = True):
        self.fn = fn
        self.retrace = retrace
        self.trace_count = 0
        self._plans: dict = {}
        self.__name__ = getattr(fn, "__name__", "compiled")
        self.__doc__ = getattr(fn, "__doc__", None)
        self.__wrapped__ = fn
        self._fast = None  # guard + replay generated for the last signature seen
        self._fast_for: dict = {}  # signature -> its generated guard + replay (None: generic path only)
        _COMPILED.add(self)

    def _signature(self, args):
        arrays, sig = [], []
        for a in args:
            if isinstance(a, Tensor):
                if a.data is None:
                    raise TraceError(f"{self.__name__}: compiled functions take concrete values, "
                                     "not symbolic tensors")
                arr = a.data
            elif isinstance(a, (np.ndarray, np.generic)):
                arr = np.asarray(a)
            elif _opmod._xp_state["used"] and _opmod._xp_state["is_cupy"](a):  # a GPU array
                arr = a
            elif isinstance(a, (list, tuple)) and a and not isinstance(a[0], (str,)):
                arr = np.asarray(a)
                if arr.dtype.kind == "f":
                    arr = arr.astype(dtypes.default_float())
            else:
                sig.append(("static", a))
                continue
            arrays.append(arr)
            sig.append((arr.shape, arr.dtype.str))
        return tuple(sig), arrays

    def _trace(self, sig, args):
        if self._plans and not self.retrace:
            have = ", ".join(_fmt_sig(s) for s in self._plans)
            raise TraceError(f"{self.__name__}: called with inputs {_fmt_sig(sig)}, but it was traced for "
                             f"{have}; compile(fn, retrace=True) allows a new trace per signature")
        graph = Graph()
        feeds, targs, k = [], [], 0
        with graph.as_default():
            for a, s in zip(args, sig):
                if s[0] == "static":
                    targs.append(a)
                    continue
                shape, dt = s
                p = placeholder(shape, np.dtype(dt), name=f"arg{k}")
                k += 1
                feeds.append(p)
                targs.append(p)
            out = self.fn(*targs)
        leaves = []
        rebuild = _flatten(out, leaves)
        targets = [_resolve_fetch(x) if not isinstance(x, (int, float)) else x for x in leaves]
        tensor_targets = [t if isinstance(t, (Tensor, Op)) else None for t in targets]
        # state changes recorded while tracing (assigns, optimizer updates) run on every call
        effects = [o for o in graph.ops if o.stateful]
        plan = Plan(tensor_targets + effects, feeds)
        self.trace_count += 1
        entry = (plan, rebuild, targets)
        self._plans[sig] = entry
        return entry

    def __new__(cls, *args, **kwargs):
        # each compiled function gets its own subclass, so the guard+replay generated for its current
        # signature can be installed as ``__call__`` itself (Python looks special methods up on the type)
        sub = type(cls.__name__, (cls,), {"__module__": cls.__module__, "__qualname__": cls.__qualname__})
        return super().__new__(sub)

    def __reduce__(self):  # pickles as "compile this function again"
        return (CompiledFunction, (self.fn, self.retrace))

    def __call__(self, *args):
        return self._call(*args)

    def _call(self, *args):
        """The generic path: signature, plan lookup (tracing if needed), replay, output wrapping."""
        sig, arrays = self._signature(args)
        entry = self._plans.get(sig)
        if entry is None:
            entry = self._trace(sig, args)
        if sig not in self._fast_for:
            self._fast_for[sig] = _make_fast(sig, entry, self._call)
        self._fast = self._fast_for[sig]
        cls = type(self)
        if self._fast is not None:
            cls.__call__ = self._fast
        elif "__call__" in cls.__dict__:
            del cls.__call__
        plan, rebuild, targets = entry
        vals = plan(*arrays)
        make = Tensor._make
        out = []
        for t, v in zip(targets, vals):  # (values of trailing stateful ops are dropped)
            if isinstance(t, Tensor):
                v = v if v is not None else t.data
                if isinstance(v, np.ndarray) and not v.flags.writeable:
                    v = v.copy()  # never hand out a read-only broadcast view
                out.append(make(v))
            elif isinstance(t, Op) or t is None:
                out.append(None)
            else:
                out.append(t)
        return rebuild(out)

    def plan_for(self, *args) -> Plan:
        """The plan that serves these arguments (tracing if needed), for inspection."""
        sig, _ = self._signature(args)
        entry = self._plans.get(sig) or self._trace(sig, args)
        return entry[0]


_MISSING = object()
_COMPILED = weakref.WeakSet()  # every CompiledFunction, so that switching a GPU backend on drops their fast paths


def _drop_fast_paths():
    """Forget every generated guard + replay (they assume NumPy arrays everywhere): called when a GPU backend
    is switched on, after which compiled functions take the generic, device-aware path."""
    for f in list(_COMPILED):
        f._fast, f._fast_for = None, {}
        if "__call__" in type(f).__dict__:
            del type(f).__call__


_opmod._xp_state["on_activate"].append(_drop_fast_paths)
#: ops whose output may be a read-only view of another array (broadcasts, stop_gradient, reshapes)
_VIEW_OPS = {"broadcast_to", "broadcast_like", "unreduce", "stop_gradient", "reshape", "reshape_like", "transpose",
             "expand_dims", "squeeze", "getitem", "sum_to_like", "placeholder"}


def _make_fast(sig, entry, slow):
    """Generate ``fast(a0, a1, ...)``: check each argument's type, shape and dtype against ``sig``
    and replay the plan, or hand over to ``slow`` (a new signature, anomaly mode, odd arguments).

    Returns None where the generic path is needed every time (static arguments, non-tensor outputs).
    """
    plan, rebuild, targets = entry
    if any(s[0] == "static" for s in sig) or not all(isinstance(t, Tensor) for t in targets):
        return None
    if _opmod._xp_state["used"]:  # with a GPU backend the generic path picks each call's device
        return None
    n = len(sig)
    ns = {"T": Tensor, "new": object.__new__, "flags": config.flags, "fn": plan.fn, "slow": slow,
          "rebuild": rebuild, "ndarray": np.ndarray}
    args = ", ".join(f"a{i}" for i in range(n))
    ns["MISSING"] = _MISSING
    lines = [f"def fast(self, {''.join(f'a{i}=MISSING, ' for i in range(n))}*rest):"]
    conds = ["not rest", "not flags.anomaly"]
    for i, (shape, dt) in enumerate(sig):
        ns[f"S{i}"] = shape
        ns[f"D{i}"] = np.dtype(dt)
        lines.append(f"    d{i} = a{i}.data if isinstance(a{i}, T) else a{i}")
        conds.append(f"type(d{i}) is ndarray and d{i}.shape == S{i} and (d{i}.dtype is D{i} or d{i}.dtype == D{i})")
    lines.append(f"    if not ({' and '.join(conds)}):")  # (a missing argument fails its type test)
    lines.append(f"        return slow(*[a for a in ({args}{',' if n else ''}) if a is not MISSING], *rest)")
    ns["plan"] = plan
    ns["NLError"] = NeuralabError
    lines.append("    try:")
    lines.append(f"        r = fn({', '.join(f'd{i}' for i in range(n))})")
    lines.append("    except NLError:")
    lines.append("        raise")
    lines.append("    except (ValueError, TypeError, IndexError) as e:")
    lines.append(f"        raise plan.explain(e, ({''.join(f'd{i}, ' for i in range(n))})) from e")
    outs = []
    for j, t in enumerate(targets):
        lines.append(f"    o{j} = new(T)")
        if t._op is None or t._op.opname in _VIEW_OPS:  # may be a read-only view: hand out a copy then
            lines.append(f"    x{j} = r[{j}]")
            lines.append(f"    o{j}.data = x{j} if x{j}.flags.writeable else x{j}.copy()")
        else:
            lines.append(f"    o{j}.data = r[{j}]")
        outs.append(f"o{j}")
    marks = [object() for _ in targets]
    shaped = rebuild(marks)
    if len(marks) == 1 and shaped is marks[0]:
        lines.append("    return o0")  # a single tensor, as returned by fn
    elif type(shaped) is tuple and len(shaped) == len(marks) and all(x is m for x, m in zip(shaped, marks)):
        lines.append(f"    return ({', '.join(outs)},)")  # a flat tuple
    else:
        lines.append(f"    return rebuild([{', '.join(outs)}])")
    src = "\n".join(lines) + "\n"
    exec(builtins.compile(src, "<neuralab compiled call>", "exec"), ns)  # noqa: S102 - our own generated code
    return ns["fast"]


def _fmt_sig(sig):
    return "(" + ", ".join("static " + repr(s[1]) if s[0] == "static" else f"{fmt_shape(s[0])} {np.dtype(s[1])}"
                           for s in sig) + ")"


def compile(fn=None, *, retrace: bool = True):  # noqa: A001 - public name of the API
    """Trace ``fn`` once per input signature and replay a flat schedule of kernels.

    Array/Tensor arguments become placeholders of exactly their shape and dtype;
    other arguments (Python numbers, strings) are static and part of the
    signature. Tensors the function closes over (parameters) are read afresh at
    every call. A call with a new signature retraces (counted in
    ``trace_count``) or, with ``retrace=False``, raises :class:`TraceError`.

    >>> f = compile(lambda x, y: (x * y).sum())
    >>> f(np.ones(3), np.ones(3))   # traces
    Tensor(3., dtype=float64)
    >>> f(np.full(3, 2.0), np.ones(3)), f.trace_count   # replays the same schedule
    (Tensor(6., dtype=float64), 1)
    """
    if fn is None:
        return lambda f: CompiledFunction(f, retrace=retrace)
    return CompiledFunction(fn, retrace=retrace)


_opmod._graph = __import__(__name__, fromlist=["record"])
