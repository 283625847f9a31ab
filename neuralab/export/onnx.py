"""Export to ONNX: a model's inference graph as an ``.onnx`` file that onnxruntime (or any ONNX runtime) runs.

What is exported is the graph the model records on a placeholder with a
symbolic batch dimension, in inference form (``eval()``: Dropout is the
identity, BatchNorm uses its running statistics), so every layer built from
neuralab ops exports through the same per-op translation: Dense, Conv2D,
pooling, Flatten, BatchNorm, Dropout, every activation, Maxout, softmax,
Sequential and Ensemble. A ``compat.v1`` graph exports the same way, from a
fetch, with its variables' values taken from a Session.

The translation, op by op:

- ops whose inputs are all known at export time (weights, constants,
  BatchNorm's ``gamma / sqrt(running_var + eps)``) are computed here, with the
  op's own ``forward``, and stored as initializers; reads of variables and
  ``stop_gradient`` are aliases; ``where`` with a constant condition keeps one
  branch; a dropout mask whose keep probability is fed 1 is the identity;
- the rest become ONNX nodes (``MatMul``, ``Add``, ``Conv``, ``MaxPool``,
  ``AveragePool``, ``Relu``, ``Exp``, ``ReduceMax``, ``Reshape``, ...).

Layout: neuralab's images are NHWC, ONNX's ``Conv`` and pooling NCHW. Each
value is kept in the layout its producer gives (a convolution gives NCHW) and
converted only where a consumer needs the other one, so a CNN gets one
``Transpose`` at its input and one where it is flattened; elementwise ops
(bias, ReLU, BatchNorm's scale and shift) run in whichever layout their input
has, their constant operands transposed here.

The file: ONNX IR version 8, opset 17 (what onnxruntime 1.12 and later run), a
symbolic batch dimension ``"batch"``, checked with ``onnx.checker``'s full
check (which runs shape inference). Requires the ``[onnx]`` extra
(``pip install neuralab[onnx]``: onnx, and onnxruntime to run the file).
"""
from __future__ import annotations

import re

import numpy as np

from .._core.graph import Placeholder
from .._core.op import Op, fmt_shape
from .._core.tensor import Tensor
from ._trace import ExportError, Trace, default_input_shape, layer_label, model_dtype

OPSET = 17
IR_VERSION = 8
#: neuralab's NHWC axes -> ONNX's NCHW (``nchw = transpose(nhwc, TO_NCHW)``) and back
TO_NCHW = (0, 3, 1, 2)
TO_NHWC = (0, 2, 3, 1)


def _import_onnx():
    try:
        import onnx as onnx_mod  # noqa: PLC0415 - optional extra
    except ImportError as e:
        raise ImportError(f"neuralab.export.onnx needs the onnx package ({e}): `pip install neuralab[onnx]` "
                          "(onnx, and onnxruntime to run the exported file)", name="onnx") from e
    return onnx_mod


# ---------------------------------------------------------------------------------------
# values
# ---------------------------------------------------------------------------------------

class _Dyn:
    """A value computed by the ONNX graph: its name in the logical (NHWC) layout and/or in NCHW."""

    __slots__ = ("logical", "nchw", "shape", "dtype")

    def __init__(self, shape, dtype, logical=None, nchw=None):
        self.shape, self.dtype, self.logical, self.nchw = shape, np.dtype(dtype), logical, nchw

    @property
    def rank(self):
        return None if self.shape is None else len(self.shape)


class _Ones:
    """A tensor of ones shaped like ``like`` (a dropout mask whose keep probability is 1)."""

    __slots__ = ("like", "dtype")

    def __init__(self, like, dtype):
        self.like, self.dtype = like, np.dtype(dtype)


class _Pending:
    """An output of an op that will become an ONNX node (filled in when the node is emitted)."""

    __slots__ = ("op", "index", "value")

    def __init__(self, op, index):
        self.op, self.index, self.value = op, index, None


def _is_static(v) -> bool:
    return isinstance(v, np.ndarray)


def _host(a) -> np.ndarray:
    from ..backend import to_numpy

    return np.asarray(to_numpy(a))


# ---------------------------------------------------------------------------------------
# the exporter
# ---------------------------------------------------------------------------------------

class _Exporter:
    def __init__(self, onnx_mod, outputs, inputs, *, feeds=None, store=None, names=None, owner=None,
                 input_names=None, output_names=None, batch_name="batch", who="export.onnx"):
        self.onnx = onnx_mod
        self.h = onnx_mod.helper
        self.who = who
        self.outputs = outputs
        self.inputs = inputs
        self.feeds = feeds or {}  # id(placeholder tensor) -> constant value
        self.store = store  # a compat Session's {variable storage: array}, or None
        self.names = names or {}  # id(captured tensor) -> readable name
        self.owner = owner  # id(op) -> (path, module), for error messages
        self.batch_name = batch_name
        self.nodes, self.inits = [], []
        self._taken = set()
        self._consts = {}  # id(array) -> (array, initializer name)
        self._convert = {}  # (name, perm) -> transposed name
        self._array_names = {}  # id(array of a captured tensor) -> (array, its tensor's name)
        self.env = {}  # id(tensor) -> static array | _Dyn | _Ones | _Pending
        self.input_names = input_names or [self._fresh(_clean(p._op.name if p._op else "input")) for p in inputs]
        self.output_names = output_names or (["output"] if len(outputs) == 1 else
                                             [f"output_{i}" for i in range(len(outputs))])
        if len(self.input_names) != len(inputs) or len(self.output_names) != len(outputs):
            raise ValueError(f"{who}: got {len(self.input_names)} input names for {len(inputs)} inputs and "
                             f"{len(self.output_names)} output names for {len(outputs)} outputs")
        self._taken.update(self.input_names)
        self._taken.update(self.output_names)

    # -- names, constants and nodes --------------------------------------------------------
    def _fresh(self, base: str) -> str:
        base = base or "v"
        name, k = base, 1
        while name in self._taken:
            name = f"{base}_{k}"
            k += 1
        self._taken.add(name)
        return name

    def const(self, arr, base="const") -> str:
        """The initializer holding ``arr`` (one per array object)."""
        hit = self._consts.get(id(arr))
        if hit is not None and hit[0] is arr:
            return hit[1]
        a = np.ascontiguousarray(arr)
        known = self._array_names.get(id(arr))
        name = self._fresh(_clean(known[1] if known is not None and known[0] is arr else base))
        self.inits.append(self.onnx.numpy_helper.from_array(a, name))
        self._consts[id(arr)] = (arr, name)
        return name

    def node(self, op_type, inputs, n_out=1, name=None, **attrs):
        """Append an ONNX node; returns its output name (a list of them when ``n_out > 1``)."""
        base = _clean(name or op_type)
        outs = [self._fresh(f"{base}:{i}" if n_out > 1 else base) for i in range(n_out)]
        self.nodes.append(self.h.make_node(op_type, list(inputs), outs, name=self._fresh("node/" + base), **attrs))
        return outs if n_out > 1 else outs[0]

    def ints(self, values, base="shape") -> str:
        return self.const(np.asarray(list(values), dtype=np.int64), base)

    # -- layouts ---------------------------------------------------------------------------
    def logical(self, v, base="x") -> str:
        """The ONNX name of ``v`` in neuralab's own layout."""
        if _is_static(v):
            return self.const(v, base)
        if isinstance(v, _Ones):
            return self._ones(v)
        if v.logical is None:
            v.logical = self._transpose(v.nchw, TO_NHWC, base)
        return v.logical

    def nchw(self, v, base="x") -> str:
        """The ONNX name of the rank-4 value ``v`` in NCHW."""
        if _is_static(v):
            return self.const(_static_nchw(v), base)
        if isinstance(v, _Ones):
            return self._transpose(self._ones(v), TO_NCHW, base)
        if v.nchw is None:
            if v.rank == 4:
                v.nchw = self._transpose(v.logical, TO_NCHW, base)
            else:  # a lower-rank value that broadcasts against an NCHW one: pad with leading axes first
                k = 4 - v.rank
                up = self.node("Unsqueeze", [v.logical, self.ints(range(k), "axes")], name=base + "/expand")
                v.nchw = self._transpose(up, TO_NCHW, base)
        return v.nchw

    def _transpose(self, name, perm, base):
        key = (name, tuple(perm))
        out = self._convert.get(key)
        if out is None:
            tag = "to_nchw" if tuple(perm) == TO_NCHW else "to_nhwc" if tuple(perm) == TO_NHWC else "transpose"
            out = self._convert[key] = self.node("Transpose", [name], perm=list(perm), name=f"{base}/{tag}")
        return out

    def _ones(self, v):
        like = self.logical(self.value(v.like))
        shape = self.node("Shape", [like], name="ones/shape")
        one = self.onnx.numpy_helper.from_array(np.ones(1, dtype=v.dtype), "value")
        return self.node("ConstantOfShape", [shape], name="ones", value=one)

    # -- pass 1: what is known now, what is an alias, what becomes a node --------------------
    def value(self, t: Tensor):
        """What ``t`` is once the nodes before it are emitted: a static array, a _Dyn or a _Ones."""
        v = self._raw(t)
        return v.value if isinstance(v, _Pending) else v

    def _raw(self, t: Tensor):
        v = self.env.get(id(t))
        if v is not None:
            return v
        if t.data is not None:  # captured state or a constant
            arr = self._captured(t)
            name = self.names.get(id(t)) or t.name
            if name:
                self._array_names[id(arr)] = (arr, str(name))
            self.env[id(t)] = arr
            return arr
        raise ExportError(f"{self.who}: tensor produced by '{t._op.name}' is used before it is computed")

    def _captured(self, t: Tensor) -> np.ndarray:
        if t._variable and self.store is not None and t in self.store:
            return _host(self.store[t])
        if t._variable and self.store is None and not _module_state(t):
            raise ExportError(f"{self.who}: the fetch reads variable {t._label()}, whose value lives in a "
                              "tf.Session; pass session=sess")
        if t._variable and self.store is not None and not _module_state(t):
            raise ExportError(f"{self.who}: variable {t._label()} has no value in the session; run its "
                              "initializer (tf.global_variables_initializer()) first")
        return _host(t.data)

    def run(self):
        order = self._ancestors()
        for i, p in enumerate(self.inputs):
            self.env[id(p)] = _Dyn(p.shape, p.dtype, logical=self.input_names[i])
        pending = []
        for op in order:
            if isinstance(op, Placeholder):
                t = op.outputs[0]
                if id(t) in self.env:
                    continue
                if id(t) in self.feeds:
                    self.env[id(t)] = self.feeds[id(t)]
                    continue
                raise ExportError(f"{self.who}: the outputs need placeholder '{op.name}' of shape "
                                  f"{fmt_shape(op.shape) if op.shape is not None else '(any)'}; list it in "
                                  "inputs=[...] or give its value in feed_dict={...} (keep_prob: 1.0, "
                                  "is_training: False)")
            ins = [self._raw(t) for t in op.inputs]
            outs = self._simplify(op, ins)
            if outs is None:
                outs = [_Pending(op, i) for i in range(op.nout)]
                pending.append((op, outs))
            for t, v in zip(op.outputs, outs):
                self.env[id(t)] = v
        needed = self._needed(pending)
        for op, outs in pending:
            if id(op) not in needed:
                continue
            rule = RULES.get(op.opname)
            if rule is None:
                raise ExportError(self._unsupported(op))
            ins = [self.value(t) for t in op.inputs]
            for v in ins:
                if isinstance(v, _NotExported):
                    raise ExportError(self._unsupported(v.op, f"its output {v.index} has no ONNX form"))
            try:
                res = rule(self, op, ins)
            except ExportError:
                raise
            except Exception as e:  # noqa: BLE001 - name the op and its layer
                raise ExportError(self._unsupported(op, f"{type(e).__name__}: {e}")) from e
            res = res if isinstance(res, (list, tuple)) else [res]
            for p, v in zip(outs, res):
                p.value = v
        return self._model()

    def _ancestors(self):
        ops = _ops_before(self.outputs, self.inputs).values()
        for o in ops:
            if o.stateful:
                raise ExportError(f"{self.who}: the outputs depend on op '{o.name}' ({o.opname}), which changes "
                                  "state when run; export the inference graph (no assign or optimizer updates)")
        return sorted(ops, key=lambda o: o.id)

    def _needed(self, pending):
        """ids of the pending ops the outputs reach through values that are not known now."""
        needed = set()
        stack = [self.env.get(id(t)) for t in self.outputs]
        while stack:
            v = stack.pop()
            if isinstance(v, _Ones):
                stack.append(self.env.get(id(v.like)))
            if not isinstance(v, _Pending) or id(v.op) in needed:
                continue
            needed.add(id(v.op))
            stack.extend(self.env.get(id(t)) for t in v.op.inputs)
        return needed

    def _simplify(self, op: Op, ins):
        """Outputs known without an ONNX node (folded, aliased), or None."""
        name = op.opname
        if op.identity or name in ("read_variable", "stop_gradient"):
            return [ins[0]]
        if op.nout and all(_is_static(v) for v in ins) and not getattr(op, "nondeterministic", False):
            return [np.asarray(y) for y in op.forward(np, *ins)]  # known now: computed here, by the op itself
        if name == "where" and _is_static(ins[0]) and ins[0].size and (ins[0].all() or not ins[0].any()):
            return [ins[1] if ins[0].all() else ins[2]]
        if name == "bernoulli_mask" and _is_static(ins[1]) and ins[1].size and np.all(ins[1] >= 1):
            return [_Ones(op.inputs[0], op.outputs[0].dtype)]
        if name == "multiply":
            for k in (0, 1):
                one, other = ins[k], ins[1 - k]
                if isinstance(one, _Ones) and one.like is op.inputs[1 - k]:
                    return [other]
        return None

    def _unsupported(self, op, why=None):
        where = ""
        if self.owner is not None and id(op) in self.owner:
            path, m = self.owner[id(op)]
            where = f"{layer_label(path, m)}: "
        shapes = ", ".join(fmt_shape(t.shape) if t.shape is not None else "(unknown rank)" for t in op.inputs)
        reason = why or ("neuralab has no ONNX translation for it; exportable layers: Dense, Conv2D, MaxPool2D, "
                         "AvgPool2D, Flatten, Dropout, BatchNorm, Maxout, PReLU, the activations, Softmax, "
                         "Sequential, Ensemble")
        return f"{self.who}: {where}op '{op.opname}' (node '{op.name}', inputs {shapes}) cannot be exported: {reason}"

    # -- the model ---------------------------------------------------------------------------
    def _model(self):
        h = self.h
        graph_outputs = []
        for t, name in zip(self.outputs, self.output_names):
            v = self.value(t)
            if isinstance(v, _NotExported):
                raise ExportError(self._unsupported(v.op, f"its output {v.index} has no ONNX form"))
            self.nodes.append(h.make_node("Identity", [self.logical(v, name + "/value")], [name],
                                          name=self._fresh("node/" + name)))
            shape = t.shape if t.data is None else t.data.shape
            graph_outputs.append(self._info(name, shape, t.dtype))
        graph_inputs = [self._info(n, p.shape, p.dtype) for n, p in zip(self.input_names, self.inputs)]
        g = h.make_graph(self.nodes, "neuralab", graph_inputs, graph_outputs, initializer=self.inits)
        from .. import __version__

        m = h.make_model(g, producer_name="neuralab", producer_version=str(__version__),
                         opset_imports=[h.make_opsetid("", OPSET)])
        m.ir_version = IR_VERSION
        return m

    def _info(self, name, shape, dtype):
        elem = self.h.np_dtype_to_tensor_dtype(np.dtype(dtype))
        if shape is None:
            return self.h.make_tensor_value_info(name, elem, None)
        dims = [self.batch_name if d is None and i == 0 else d for i, d in enumerate(shape)]
        return self.h.make_tensor_value_info(name, elem, dims)


def _module_state(t) -> bool:
    from ..nn.module import Buffer, Parameter

    return isinstance(t, (Parameter, Buffer))


def _clean(name: str) -> str:
    return re.sub(r"[^0-9A-Za-z_./:-]", "_", str(name or ""))


def _static_nchw(a: np.ndarray) -> np.ndarray:
    """A constant operand of an elementwise op on an NCHW value, in NCHW broadcasting form."""
    if a.ndim > 4:
        raise ExportError(f"export.onnx: a constant of rank {a.ndim} cannot broadcast against an image")
    a4 = a.reshape((1,) * (4 - a.ndim) + a.shape)
    return np.ascontiguousarray(a4.transpose(TO_NCHW))


# ---------------------------------------------------------------------------------------
# translation rules: rule(exporter, op, input values) -> output value(s)
# ---------------------------------------------------------------------------------------

RULES: dict = {}


def _rule(*names):
    def deco(fn):
        for n in names:
            RULES[n] = fn
        return fn
    return deco


def _out(op, i=0):
    t = op.outputs[i]
    return t.shape, t.dtype


def _elementwise(ex, op, ins, onnx_op, **attrs):
    """One ONNX node over ``ins``, in NCHW when a rank-4 input exists only there (no transposes added)."""
    shape, dtype = _out(op)
    dyn = [v for v in ins if isinstance(v, _Dyn)]
    use_nchw = (shape is not None and len(shape) == 4 and any(v.logical is None for v in dyn)
                and all(v.rank is not None and v.rank <= 4 for v in dyn)
                and all(v.ndim <= 4 for v in ins if _is_static(v)))
    if use_nchw:
        name = ex.node(onnx_op, [ex.nchw(v) for v in ins], name=op.name, **attrs)
        return _Dyn(shape, dtype, nchw=name)
    return _Dyn(shape, dtype, logical=ex.node(onnx_op, [ex.logical(v) for v in ins], name=op.name, **attrs))


_UNARY = {"exp": "Exp", "log": "Log", "sqrt": "Sqrt", "tanh": "Tanh", "sigmoid": "Sigmoid", "abs": "Abs",
          "negative": "Neg", "sign": "Sign", "floor": "Floor", "ceil": "Ceil", "round": "Round", "sin": "Sin",
          "cos": "Cos", "logical_not": "Not", "isnan": "IsNaN", "isinf": "IsInf"}
_BINARY = {"add": "Add", "subtract": "Sub", "multiply": "Mul", "divide": "Div", "power": "Pow", "maximum": "Max",
           "minimum": "Min", "equal": "Equal", "less": "Less", "less_equal": "LessOrEqual", "greater": "Greater",
           "greater_equal": "GreaterOrEqual", "logical_and": "And", "logical_or": "Or", "logical_xor": "Xor"}


def _unary_rule(onnx_op):
    return lambda ex, op, ins: _elementwise(ex, op, ins, onnx_op)


for _n, _o in _UNARY.items():
    RULES[_n] = _unary_rule(_o)
for _n, _o in _BINARY.items():
    RULES[_n] = _unary_rule(_o)


@_rule("maximum")
def _maximum(ex, op, ins):
    for k in (0, 1):  # max(0, x): ReLU (one node runtimes fuse with the convolution or GEMM before it)
        z = ins[k]
        if _is_static(z) and z.size == 1 and z.ndim == 0 and float(z) == 0.0 and isinstance(ins[1 - k], _Dyn):
            return _elementwise(ex, op, [ins[1 - k]], "Relu")
    return _elementwise(ex, op, ins, "Max")


@_rule("not_equal")
def _not_equal(ex, op, ins):
    eq = _elementwise(ex, op, ins, "Equal")
    if eq.nchw is not None:
        return _Dyn(eq.shape, eq.dtype, nchw=ex.node("Not", [eq.nchw], name=op.name + "/not"))
    return _Dyn(eq.shape, eq.dtype, logical=ex.node("Not", [eq.logical], name=op.name + "/not"))


@_rule("square")
def _square(ex, op, ins):
    return _elementwise(ex, op, [ins[0], ins[0]], "Mul")


@_rule("where")
def _where(ex, op, ins):
    return _elementwise(ex, op, ins, "Where")


@_rule("cast")
def _cast(ex, op, ins):
    return _elementwise(ex, op, ins, "Cast", to=ex.h.np_dtype_to_tensor_dtype(np.dtype(op.dtype)))


@_rule("matmul")
def _matmul(ex, op, ins):
    shape, dtype = _out(op)
    a, b = (ex.logical(v, base) for v, base in zip(ins, _const_bases(ex, op)))
    return _Dyn(shape, dtype, logical=ex.node("MatMul", [a, b], name=op.name))


def _const_bases(ex, op):
    """Readable initializer names for the op's inputs: the names of the weights they hold."""
    out = []
    for i, t in enumerate(op.inputs):
        v = ex.env.get(id(t))
        known = ex._array_names.get(id(v)) if _is_static(v) else None
        out.append(known[1] if known is not None and known[0] is v else ex.names.get(id(t)) or f"{op.name}/in{i}")
    return out


def _hw_pads(pads):
    (pt, pb), (pl, pr) = pads
    return [int(pt), int(pl), int(pb), int(pr)]


def _geometry(op, x_shape, ksize):
    from ..ops.conv import _geometry as geometry

    if x_shape[1] is None or x_shape[2] is None:
        return None
    _, pads = geometry(op.opname, x_shape, ksize, op.stride, op.padding, "export")
    return pads


def _pad_attrs(op, x_shape, ksize):
    pads = _geometry(op, x_shape, ksize)
    if pads is not None:
        return {"pads": _hw_pads(pads)}
    return {"auto_pad": "SAME_UPPER" if op.padding == "SAME" else "VALID"}  # (TF's SAME: the odd cell after)


@_rule("conv2d")
def _conv2d(ex, op, ins):
    x, w = ins
    shape, dtype = _out(op)
    xs, ws = op.inputs[0].shape, op.inputs[1].shape
    if _is_static(w):
        wname = ex.const(np.ascontiguousarray(w.transpose(3, 2, 0, 1)), _const_bases(ex, op)[1])  # HWIO -> OIHW
    else:
        wname = ex.node("Transpose", [ex.logical(w)], perm=[3, 2, 0, 1], name=op.name + "/filter")
    kh, kw = ws[0], ws[1]
    y = ex.node("Conv", [ex.nchw(x, op.name), wname], name=op.name, kernel_shape=[kh, kw],
                strides=list(op.stride), dilations=[1, 1], group=1, **_pad_attrs(op, xs, (kh, kw)))
    return _Dyn(shape, dtype, nchw=y)


def _pool(ex, op, x_value, x_shape, onnx_op, **extra):
    attrs = dict(kernel_shape=list(op.ksize), strides=list(op.stride), **_pad_attrs(op, x_shape, op.ksize), **extra)
    return ex.node(onnx_op, [ex.nchw(x_value, op.name)], name=op.name, **attrs)


@_rule("max_pool2d")
def _max_pool(ex, op, ins):
    shape, dtype = _out(op)
    return _Dyn(shape, dtype, nchw=_pool(ex, op, ins[0], op.inputs[0].shape, "MaxPool"))


@_rule("avg_pool2d")
def _avg_pool(ex, op, ins):
    shape, dtype = _out(op)  # (padded cells are not counted, as in TF's SAME)
    return _Dyn(shape, dtype, nchw=_pool(ex, op, ins[0], op.inputs[0].shape, "AveragePool", count_include_pad=0))


@_rule("bias_relu_max_pool2d")
def _bias_relu_max_pool(ex, op, ins):
    y, b = ins
    shape, dtype = _out(op)
    z = ex.node("Add", [ex.nchw(y, op.name), ex.nchw(b, op.name + "/bias")], name=op.name + "/bias")
    r = ex.node("Relu", [z], name=op.name + "/relu")
    pooled = _Dyn(shape, dtype, nchw=ex.node("MaxPool", [r], name=op.name, kernel_shape=list(op.ksize),
                                             strides=list(op.stride),
                                             **_pad_attrs(op, op.inputs[0].shape, op.ksize)))
    return [pooled, _NotExported(op, 1)]


class _NotExported:
    """An output with no ONNX form (the fused pooling's winner indices); using it raises."""

    def __init__(self, op, index):
        self.op, self.index = op, index


@_rule("reshape")
def _reshape(ex, op, ins):
    shape, dtype = _out(op)
    target = [int(s) for s in op.shape]
    attrs = {"allowzero": 1} if 0 in target else {}
    return _Dyn(shape, dtype, logical=ex.node("Reshape", [ex.logical(ins[0]), ex.ints(target)], name=op.name,
                                              **attrs))


@_rule("transpose")
def _transpose(ex, op, ins):
    shape, dtype = _out(op)
    x = ins[0]
    nd = len(op.inputs[0].shape)
    perm = list(op.axes) if op.axes is not None else list(reversed(range(nd)))
    perm = [p % nd for p in perm]
    if isinstance(x, _Dyn) and x.logical is None and nd == 4:  # compose with NCHW -> NHWC: one Transpose
        return _Dyn(shape, dtype, logical=ex.node("Transpose", [x.nchw], perm=[TO_NHWC[p] for p in perm],
                                                  name=op.name))
    return _Dyn(shape, dtype, logical=ex.node("Transpose", [ex.logical(x)], perm=perm, name=op.name))


def _axes_of(op, nd):
    from .._core.op import normalize_axis

    return list(normalize_axis(op.opname, op.axis, nd))


def _reduce(ex, op, ins, onnx_op):
    shape, dtype = _out(op)
    x = ins[0]
    nd = len(op.inputs[0].shape)
    axes = _axes_of(op, nd)
    keep = int(bool(op.keepdims))
    if isinstance(x, _Dyn) and x.logical is None and nd == 4:
        phys = sorted(TO_NCHW.index(a) for a in axes)  # where each logical axis sits in NCHW
        rest = [TO_NCHW[p] for p in range(4) if p not in phys]
        if keep or rest == sorted(rest):
            y = _reduce_node(ex, onnx_op, x.nchw, phys, keep, op.name)
            return _Dyn(shape, dtype, nchw=y) if keep else _Dyn(shape, dtype, logical=y)
    return _Dyn(shape, dtype, logical=_reduce_node(ex, onnx_op, ex.logical(x), axes, keep, op.name))


def _reduce_node(ex, onnx_op, x, axes, keep, name):
    if onnx_op == "ReduceSum":  # (opset 13+: axes is an input; the other reductions take it as an attribute up to 17)
        return ex.node(onnx_op, [x, ex.ints(axes, "axes")], name=name, keepdims=keep)
    return ex.node(onnx_op, [x], name=name, axes=list(axes), keepdims=keep)


RULES["sum"] = lambda ex, op, ins: _reduce(ex, op, ins, "ReduceSum")
RULES["mean"] = lambda ex, op, ins: _reduce(ex, op, ins, "ReduceMean")
RULES["max"] = lambda ex, op, ins: _reduce(ex, op, ins, "ReduceMax")
RULES["min"] = lambda ex, op, ins: _reduce(ex, op, ins, "ReduceMin")


@_rule("logsumexp")
def _logsumexp(ex, op, ins):
    """m + log(sum(exp(x - m))) with m the maximum (0 where it is infinite): neuralab's own stable form."""
    shape, dtype = _out(op)
    x = ex.logical(ins[0])
    axes = _axes_of(op, len(op.inputs[0].shape))
    n = op.name
    m = _reduce_node(ex, "ReduceMax", x, axes, 1, n + "/max")
    zero = ex.const(np.zeros((), dtype=dtype), n + "/zero")
    m = ex.node("Where", [ex.node("IsInf", [m], name=n + "/isinf"), zero, m], name=n + "/shift")
    s = ex.node("Exp", [ex.node("Sub", [x, m], name=n + "/sub")], name=n + "/exp")
    s = ex.node("Log", [_reduce_node(ex, "ReduceSum", s, axes, 1, n + "/sum")], name=n + "/log")
    s = ex.node("Add", [s, m], name=n + "/add")
    if not op.keepdims:
        s = ex.node("Squeeze", [s, ex.ints(axes, "axes")], name=n)
    return _Dyn(shape, dtype, logical=s)


def _arg(ex, op, ins, onnx_op):
    shape, dtype = _out(op)
    x = ex.logical(ins[0])
    if op.axis is None:
        x = ex.node("Reshape", [x, ex.ints([-1])], name=op.name + "/flat")
        axis = 0
    else:
        axis = int(op.axis) % len(op.inputs[0].shape)
    return _Dyn(shape, dtype, logical=ex.node(onnx_op, [x], name=op.name, axis=axis, keepdims=0))


RULES["argmax"] = lambda ex, op, ins: _arg(ex, op, ins, "ArgMax")
RULES["argmin"] = lambda ex, op, ins: _arg(ex, op, ins, "ArgMin")


@_rule("expand_dims")
def _expand_dims(ex, op, ins):
    shape, dtype = _out(op)
    nd = len(shape)
    axes = (op.axis,) if isinstance(op.axis, (int, np.integer)) else tuple(op.axis)
    axes = sorted(int(a) % nd for a in axes)
    return _Dyn(shape, dtype, logical=ex.node("Unsqueeze", [ex.logical(ins[0]), ex.ints(axes, "axes")], name=op.name))


@_rule("squeeze")
def _squeeze(ex, op, ins):
    shape, dtype = _out(op)
    xs = op.inputs[0].shape
    if op.axis is None:
        axes = [i for i, d in enumerate(xs) if d == 1]
    else:
        axes = _axes_of(op, len(xs))
    return _Dyn(shape, dtype, logical=ex.node("Squeeze", [ex.logical(ins[0]), ex.ints(axes, "axes")], name=op.name))


_BIG = np.iinfo(np.int64).max


@_rule("getitem")
def _getitem(ex, op, ins):
    """Basic indexing (slices with any step, ints, None, ...) as Slice, Squeeze and Unsqueeze."""
    shape, dtype = _out(op)
    index = op.index if isinstance(op.index, tuple) else (op.index,)
    if not all(isinstance(i, (int, np.integer, slice, type(None), type(Ellipsis))) for i in index):
        raise ExportError(f"export.onnx: '{op.name}' indexes with arrays (advanced indexing); only slices, ints "
                          "and None export")
    nd = len(op.inputs[0].shape)
    used = sum(1 for i in index if i is not None and i is not Ellipsis)
    full = []
    for i in index:
        full.extend([slice(None)] * (nd - used) if i is Ellipsis else [i])
    full.extend([slice(None)] * (nd - sum(1 for i in full if i is not None)))
    starts, ends, axes, steps, squeeze, unsqueeze = [], [], [], [], [], []
    axis = out_axis = 0
    for i in full:
        if i is None:
            unsqueeze.append(out_axis)
            out_axis += 1
            continue
        if isinstance(i, slice):
            step = 1 if i.step is None else int(i.step)
            if (i.start, i.stop, step) != (None, None, 1):
                starts.append((0 if step > 0 else -1) if i.start is None else int(i.start))
                ends.append((_BIG if step > 0 else -_BIG - 1) if i.stop is None else int(i.stop))
                axes.append(axis)
                steps.append(step)
            out_axis += 1
        else:
            k = int(i)
            starts.append(k)
            ends.append(_BIG if k == -1 else k + 1)
            axes.append(axis)
            steps.append(1)
            squeeze.append(axis)
        axis += 1
    x = ins[0]
    if isinstance(x, _Dyn) and x.logical is None and nd == 4 and not squeeze and not unsqueeze:
        phys = [TO_NCHW.index(a) for a in axes]  # slice the NCHW value along the same (permuted) axes
        y = ex.node("Slice", [x.nchw, ex.ints(starts, "starts"), ex.ints(ends, "ends"), ex.ints(phys, "axes"),
                              ex.ints(steps, "steps")], name=op.name) if axes else x.nchw
        return _Dyn(shape, dtype, nchw=y)
    y = ex.logical(x)
    if axes:
        y = ex.node("Slice", [y, ex.ints(starts, "starts"), ex.ints(ends, "ends"), ex.ints(axes, "axes"),
                              ex.ints(steps, "steps")], name=op.name)
    if squeeze:
        y = ex.node("Squeeze", [y, ex.ints(squeeze, "axes")], name=op.name + "/squeeze")
    if unsqueeze:
        y = ex.node("Unsqueeze", [y, ex.ints(unsqueeze, "axes")], name=op.name + "/unsqueeze")
    return _Dyn(shape, dtype, logical=y if (axes or squeeze or unsqueeze) else
                ex.node("Identity", [y], name=op.name))


@_rule("concatenate")
def _concatenate(ex, op, ins):
    shape, dtype = _out(op)
    axis = int(op.axis) % len(shape)
    return _Dyn(shape, dtype, logical=ex.node("Concat", [ex.logical(v) for v in ins], name=op.name, axis=axis))


@_rule("broadcast_to")
def _broadcast_to(ex, op, ins):
    shape, dtype = _out(op)
    return _Dyn(shape, dtype, logical=ex.node("Expand", [ex.logical(ins[0]), ex.ints(op.shape)], name=op.name))


@_rule("pad")
def _pad(ex, op, ins):
    shape, dtype = _out(op)
    pw = np.asarray(op.pad_width, dtype=np.int64).reshape(-1, 2)
    value = ex.const(np.asarray(op.value, dtype=dtype), op.name + "/value")
    return _Dyn(shape, dtype, logical=ex.node("Pad", [ex.logical(ins[0]), ex.ints(list(pw[:, 0]) + list(pw[:, 1]),
                                                                               "pads"), value],
                                              name=op.name, mode="constant"))


# ---------------------------------------------------------------------------------------
# the public function
# ---------------------------------------------------------------------------------------

def onnx(model, path=None, input_shape=None, *, dtype=None, inputs=None, session=None, feed_dict=None,
         input_names=None, output_names=None, batch_name: str = "batch", check: bool = True):
    """Export ``model`` to ONNX; returns the ``onnx.ModelProto`` (and writes it to ``path`` when given).

    ``model`` is a :class:`neuralab.nn.Module` or the output(s) of a graph
    (a symbolic tensor, a ``compat.v1`` ``tf.Tensor``, or a list of them).

    Modules: the file computes ``model(x)`` in inference form for ``x`` of
    shape ``(batch, *input_shape)`` with a symbolic ``batch``; ``input_shape``
    (without the batch axis) defaults to the first Dense layer's input size;
    ``dtype`` defaults to the parameters' dtype. A layer that cannot be
    exported raises :class:`ExportError` naming the layer, its path in the
    model and the op.

    Graphs: ``inputs`` are the placeholders that become the file's inputs
    (default: every placeholder the outputs need and ``feed_dict`` does not
    give); ``feed_dict`` fixes other placeholders to constants (``keep_prob:
    1.0``, ``is_training: False``); ``session`` is the ``tf.Session`` holding
    the variables' values (required when the graph reads compat.v1 variables).

    ``input_names``/``output_names`` default to the placeholders' names and
    ``"output"`` (``"output_0"``, ... for several). With ``check`` the model is
    validated by ``onnx.checker.check_model(full_check=True)``.

    >>> from neuralab import nn
    >>> model = nn.Sequential(nn.Dense(4, 3, activation="relu"), nn.Dense(3, 2))
    >>> proto = onnx(model)
    >>> [i.name for i in proto.graph.input], [o.name for o in proto.graph.output], proto.opset_import[0].version
    (['input'], ['output'], 17)
    >>> x = np.ones((5, 4), np.float32)
    >>> bool(np.abs(run_onnx(proto, x)[0] - model(x).numpy()).max() < 1e-6)
    True
    """
    onnx_mod = _import_onnx()
    from ..nn.module import Module

    if isinstance(model, Module):
        if inputs is not None or session is not None or feed_dict:
            raise TypeError("export.onnx: inputs=, session= and feed_dict= are for graph outputs, not modules")
        shape = tuple(default_input_shape(model, "export.onnx") if input_shape is None else
                      ((input_shape,) if isinstance(input_shape, int) else input_shape))
        d = np.dtype(dtype) if dtype is not None else model_dtype(model)
        tr = Trace(model, shape, d, who="export.onnx")
        outs = _leaves(tr.output)
        ex = _Exporter(onnx_mod, outs, [tr.input], names=tr.names, owner=tr.owner,
                       input_names=input_names or ["input"], output_names=output_names, batch_name=batch_name)
    else:
        if input_shape is not None or dtype is not None:
            raise TypeError("export.onnx: input_shape= and dtype= are for modules; a graph's inputs are its "
                            "placeholders (inputs=[...])")
        outs = [_as_graph_tensor(t, "output") for t in _leaves(model, tensors=False)]
        feeds = {}
        for k, v in (feed_dict or {}).items():
            kt = _as_graph_tensor(k, "feed_dict key")
            feeds[id(kt)] = np.asarray(_host(v.data if isinstance(v, Tensor) else v), dtype=kt.dtype)
        ins = [_as_graph_tensor(t, "input") for t in inputs] if inputs is not None else _placeholders(outs, feeds)
        store = getattr(session, "_store", None) if session is not None else None
        if session is not None and store is None:
            raise TypeError(f"export.onnx: session must be a compat.v1 tf.Session, got {type(session).__name__}")
        names = _variable_names(outs)
        ex = _Exporter(onnx_mod, outs, ins, feeds=feeds, store=store, names=names, input_names=input_names,
                       output_names=output_names, batch_name=batch_name)
    proto = ex.run()
    if check:
        onnx_mod.checker.check_model(proto, full_check=True)
    if path is not None:
        onnx_mod.save(proto, str(path))
    return proto


def _leaves(structure, tensors=True):
    """The leaves of nested lists/tuples/dicts of outputs (as Tensors when ``tensors``)."""
    from .._core.graph import _flatten

    leaves = []
    _flatten(structure, leaves)
    return [Tensor.from_data(x) for x in leaves] if tensors else leaves


def _as_graph_tensor(x, what):
    f = getattr(x, "__neuralab_tensor__", None)
    t = f() if f is not None else x
    if not isinstance(t, Tensor):
        raise TypeError(f"export.onnx: {what} must be a tensor of a graph, got {type(x).__name__}")
    return t


def _ops_before(outputs, stop=()):
    """The ops the outputs are computed from (``id(op) -> op``), not looking past the tensors in ``stop``."""
    stop = {id(t) for t in stop}
    seen, stack = {}, [t._op for t in outputs if t.data is None and id(t) not in stop]
    while stack:
        o = stack.pop()
        if id(o) not in seen:
            seen[id(o)] = o
            stack.extend(t._op for t in o.inputs if t.data is None and id(t) not in stop)
    return seen


def _placeholders(outputs, feeds):
    """Every placeholder the outputs need (in creation order), except those given in feed_dict."""
    found = sorted((o for o in _ops_before(outputs).values() if isinstance(o, Placeholder)
                    and id(o.outputs[0]) not in feeds), key=lambda o: o.id)
    if not found:
        raise ExportError("export.onnx: the outputs depend on no placeholder; there is nothing to feed")
    return [o.outputs[0] for o in found]


def _variable_names(outputs):
    """Names for the initializers of captured variables: the variables' own names."""
    return {id(t): str(t.name) for o in _ops_before(outputs).values() for t in o.inputs
            if t.data is not None and t.name}


def run_onnx(model, *inputs):
    """Run an ONNX model (a path or a ``ModelProto``) in onnxruntime on the CPU; returns its outputs (a list).

    Inputs are given in the model's input order. Needs ``pip install onnxruntime``.
    """
    try:
        import onnxruntime as ort  # noqa: PLC0415 - optional extra
    except ImportError as e:
        raise ImportError(f"neuralab.export.run_onnx needs onnxruntime ({e}): `pip install neuralab[onnx]`",
                          name="onnxruntime") from e
    src = model.SerializeToString() if hasattr(model, "SerializeToString") else str(model)
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    sess = ort.InferenceSession(src, opts, providers=["CPUExecutionProvider"])
    names = [i.name for i in sess.get_inputs()]
    if len(inputs) != len(names):
        raise ValueError(f"run_onnx: the model has inputs {names}, got {len(inputs)} arrays")
    return sess.run(None, {n: np.asarray(_host(a.data if isinstance(a, Tensor) else a)) for n, a in zip(names, inputs)})


__all__ = ["ExportError", "IR_VERSION", "OPSET", "onnx", "run_onnx"]
