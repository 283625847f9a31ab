"""The adapter's own thin types: ``tf.Tensor``, ``tf.Operation``, ``tf.Graph``, ``tf.TensorShape``, ``tf.Dimension``.

TF 1.x objects behave differently from neuralab's in the ways programs see:
a tensor is named ``"scope/MatMul:0"`` and prints as
``Tensor("scope/MatMul:0", shape=(?, 7), dtype=float32)``, its ``shape`` is a
``TensorShape`` of ``Dimension`` objects, ``==`` compares identities, and a
graph tensor refuses ``bool()`` and iteration. So the adapter wraps neuralab's
objects instead of changing them: a :class:`Tensor` holds a neuralab
``Tensor`` (``__neuralab_tensor__()`` hands it to any neuralab op, plan or
fetch), an :class:`Operation` a neuralab ``Op``, a :class:`Graph` a neuralab
``Graph`` plus what TF keeps on a graph (seeds, the variable store, layer name
counters). There is one wrapper per wrapped object, so wrappers can be dict
keys and compared with ``is``. Everything TF-specific is translated here, at
the adapter's edge; neuralab's classes are never modified.

>>> import neuralab.compat.v1 as tf
>>> tf.reset_default_graph()
>>> with tf.name_scope("layer1"):
...     h = tf.nn.relu(tf.matmul(tf.placeholder(tf.float32, [None, 3]), tf.ones([3, 7])))
>>> h.name, h.op.name, h.op.type
('layer1/Relu:0', 'layer1/Relu', 'Relu')
>>> s = h.shape
>>> s.ndims, s[1].value, s.is_fully_defined(), s.as_list()
(2, 7, False, [None, 7])
>>> tf.TensorShape([None, 7]).is_compatible_with(s)
True
"""
from __future__ import annotations

import contextlib
import functools
import inspect
import weakref

import numpy as np

from ..._core import config as _config, graph as _graph, op as _opmod
from ..._core.op import Op
from ..._core.tensor import Tensor as _NLTensor
from . import _dtypes

# ---------------------------------------------------------------------------------------
# execution mode
# ---------------------------------------------------------------------------------------


class _Mode:
    eager = False  # tf.enable_eager_execution() sets it for the rest of the program
    tapes = 0  # eager: how many tf.GradientTape contexts are recording (ops outside them record nothing)

    def __init__(self):
        self.variables = {}  # eager: id(storage) -> weakref of each tf.Variable made, in creation order


MODE = _Mode()


def eager_numpy(t):
    """A concrete neuralab tensor's value as TF's ``.numpy()`` gives it (a copy; 0-d as a NumPy scalar)."""
    a = np.array(t.data)
    return a[()] if a.ndim == 0 else a


def eager_text(t) -> str:
    """The ``numpy=`` part of an eager tensor's repr as TF prints it (``3.0`` for a scalar, else the array's repr)."""
    a = eager_numpy(t)
    return str(a) if np.ndim(a) == 0 else repr(a)


def track_variable(v) -> None:
    """Remember an eager tf.Variable (for implicit gradients and eager ``minimize``: which variables exist)."""
    key = id(v._var)
    MODE.variables[key] = weakref.ref(v, lambda _r, k=key: MODE.variables.pop(k, None))


def eager_variable_of(storage):
    """The live eager tf.Variable whose storage tensor is ``storage`` (None if there is none)."""
    r = MODE.variables.get(id(storage))
    v = r() if r is not None else None
    return v if v is not None and v._var is storage else None


def executing_eagerly() -> bool:
    """tf.executing_eagerly: True after ``tf.enable_eager_execution()``."""
    return MODE.eager


# ---------------------------------------------------------------------------------------
# shapes
# ---------------------------------------------------------------------------------------

class Dimension:
    """tf.Dimension: one dimension of a TensorShape, ``value`` an int or None (unknown).

    Arithmetic and comparisons follow TF 1.x: an unknown operand gives an
    unknown result (``Dimension(None) + 1`` is ``Dimension(None)``; ``==`` gives
    None when either side is unknown).
    """

    __slots__ = ("_value",)

    def __init__(self, value):
        if isinstance(value, Dimension):
            value = value.value
        if value is not None:
            try:
                iv = int(value)
            except (TypeError, ValueError):
                raise TypeError(f"Dimension value must be integer or None, got {value!r}") from None
            if iv != value and not isinstance(value, (np.integer,)):
                raise TypeError(f"Dimension value must be integer or None, got {value!r}")
            if iv < 0:
                raise ValueError(f"Dimension {iv} must be >= 0")
            value = iv
        self._value = value

    @property
    def value(self):
        """The size, or None when unknown."""
        return self._value

    def __int__(self):
        if self._value is None:
            raise TypeError("int() of an unknown Dimension (None)")
        return self._value

    __index__ = __int__

    def __repr__(self):
        return f"Dimension({self._value})"

    def __str__(self):
        return "?" if self._value is None else str(self._value)

    def __hash__(self):
        return hash(self._value)

    def _binop(self, other, fn):
        o = as_dimension(other).value
        if self._value is None or o is None:
            return Dimension(None)
        return Dimension(fn(self._value, o))

    def __add__(self, other):
        return self._binop(other, lambda a, b: a + b)

    __radd__ = __add__

    def __sub__(self, other):
        return self._binop(other, lambda a, b: a - b)

    def __rsub__(self, other):
        return as_dimension(other).__sub__(self)

    def __mul__(self, other):
        return self._binop(other, lambda a, b: a * b)

    __rmul__ = __mul__

    def __floordiv__(self, other):
        return self._binop(other, lambda a, b: a // b)

    def __rfloordiv__(self, other):
        return as_dimension(other).__floordiv__(self)

    def __truediv__(self, other):
        return self.__floordiv__(other)

    def __mod__(self, other):
        return self._binop(other, lambda a, b: a % b)

    def _cmp(self, other, fn):
        try:
            o = as_dimension(other).value
        except (TypeError, ValueError):
            return NotImplemented
        if self._value is None or o is None:
            return None
        return fn(self._value, o)

    def __eq__(self, other):
        if other is None:
            return self._value is None
        return self._cmp(other, lambda a, b: a == b)

    def __ne__(self, other):
        r = self.__eq__(other)
        return r if r is None or r is NotImplemented else not r

    def __lt__(self, other):
        return self._cmp(other, lambda a, b: a < b)

    def __le__(self, other):
        return self._cmp(other, lambda a, b: a <= b)

    def __gt__(self, other):
        return self._cmp(other, lambda a, b: a > b)

    def __ge__(self, other):
        return self._cmp(other, lambda a, b: a >= b)

    def is_compatible_with(self, other):
        """True when the two sizes may be equal (either unknown, or the same)."""
        o = as_dimension(other).value
        return self._value is None or o is None or self._value == o

    def merge_with(self, other):
        """The more specific of two compatible dimensions (ValueError when incompatible)."""
        o = as_dimension(other)
        if not self.is_compatible_with(o):
            raise ValueError(f"Dimensions {self} and {o} are not compatible")
        return Dimension(self._value if self._value is not None else o.value)


def as_dimension(value) -> Dimension:
    """tf.compat.v1.Dimension(value) unless it is one already."""
    return value if isinstance(value, Dimension) else Dimension(value)


def dimension_value(d):
    """tf.compat.dimension_value: the int (or None) of a Dimension or of an int."""
    return d.value if isinstance(d, Dimension) else d


class TensorShape:
    """tf.TensorShape: a list of Dimensions (each int or None), or of unknown rank (``TensorShape(None)``).

    ``shape[i]`` is a :class:`Dimension` (``.value`` the int), ``as_list()`` the
    ints (None for unknown sizes); ``ndims`` is None for an unknown rank. Equal
    to a list or tuple with the same entries.
    """

    __slots__ = ("_dims",)

    def __init__(self, dims=None):
        if isinstance(dims, TensorShape):
            dims = dims._dims
        if dims is None:
            self._dims = None
        elif isinstance(dims, (int, np.integer, Dimension)):
            self._dims = (as_dimension(dims),)
        else:
            self._dims = tuple(as_dimension(d) for d in dims)

    # TF's accessors ---------------------------------------------------------------------
    @property
    def dims(self):
        """The Dimensions (None for an unknown rank)."""
        return None if self._dims is None else list(self._dims)

    @property
    def ndims(self):
        """The rank, or None when unknown."""
        return None if self._dims is None else len(self._dims)

    rank = ndims

    def as_list(self):
        """The sizes as a list of ints (None where unknown); ValueError for an unknown rank."""
        if self._dims is None:
            raise ValueError("as_list() is not defined on an unknown TensorShape.")
        return [d.value for d in self._dims]

    def _as_tuple(self):
        """neuralab's form: a tuple of ints/None, or None for an unknown rank."""
        return None if self._dims is None else tuple(d.value for d in self._dims)

    def num_elements(self):
        """The number of elements, or None when any size (or the rank) is unknown."""
        if not self.is_fully_defined():
            return None
        return int(np.prod([d.value for d in self._dims], dtype=np.int64))

    def is_fully_defined(self):
        """True when the rank and every size are known."""
        return self._dims is not None and all(d.value is not None for d in self._dims)

    def assert_is_fully_defined(self):
        """ValueError unless fully defined."""
        if not self.is_fully_defined():
            raise ValueError(f"Shape {self} is not fully defined")

    def is_compatible_with(self, other):
        """True when some shape fits both (unknown rank/sizes fit anything)."""
        other = as_shape(other)
        if self._dims is None or other._dims is None:
            return True
        return len(self._dims) == len(other._dims) and all(
            a.is_compatible_with(b) for a, b in zip(self._dims, other._dims))

    def merge_with(self, other):
        """The most specific shape compatible with both (ValueError when there is none)."""
        other = as_shape(other)
        if self._dims is None:
            return other
        if other._dims is None:
            return self
        if len(self._dims) != len(other._dims):
            raise ValueError(f"Shapes {self} and {other} are not compatible")
        try:
            return TensorShape([a.merge_with(b) for a, b in zip(self._dims, other._dims)])
        except ValueError:
            raise ValueError(f"Shapes {self} and {other} are not compatible") from None

    def assert_is_compatible_with(self, other):
        """ValueError unless compatible."""
        if not self.is_compatible_with(other):
            raise ValueError(f"Shapes {self} and {as_shape(other)} are incompatible")

    def assert_has_rank(self, rank):
        """ValueError unless the rank is ``rank`` (or unknown)."""
        if self._dims is not None and len(self._dims) != rank:
            raise ValueError(f"Shape {self} must have rank {rank}")

    def with_rank(self, rank):
        """This shape, checked to have ``rank`` dimensions (an unknown rank becomes that many unknowns)."""
        if self._dims is None:
            return TensorShape([None] * rank)
        self.assert_has_rank(rank)
        return self

    def with_rank_at_least(self, rank):
        """This shape, checked to have at least ``rank`` dimensions."""
        if self._dims is not None and len(self._dims) < rank:
            raise ValueError(f"Shape {self} must have rank at least {rank}")
        return self

    def concatenate(self, other):
        """The dimensions of this shape followed by ``other``'s."""
        other = as_shape(other)
        if self._dims is None or other._dims is None:
            return TensorShape(None)
        return TensorShape(self._dims + other._dims)

    # Python protocol ----------------------------------------------------------------------
    def __len__(self):
        if self._dims is None:
            raise ValueError("Cannot take the length of shape with unknown rank.")
        return len(self._dims)

    def __bool__(self):
        return self._dims is not None

    def __iter__(self):
        if self._dims is None:
            raise ValueError("Cannot iterate over a shape with unknown rank.")
        return iter(self._dims)

    def __getitem__(self, key):
        if self._dims is None:
            return TensorShape(None) if isinstance(key, slice) else Dimension(None)
        if isinstance(key, slice):
            return TensorShape(self._dims[key])
        return self._dims[key]

    def __eq__(self, other):
        try:
            other = as_shape(other)
        except (TypeError, ValueError):
            return NotImplemented
        return self._as_tuple() == other._as_tuple()

    def __ne__(self, other):
        r = self.__eq__(other)
        return r if r is NotImplemented else not r

    def __hash__(self):
        return hash(self._as_tuple())

    def __add__(self, other):
        return self.concatenate(other)

    def __radd__(self, other):
        return as_shape(other).concatenate(self)

    def __repr__(self):
        if self._dims is None:
            return "TensorShape(None)"
        return "TensorShape([" + ", ".join(repr(d) for d in self._dims) + "])"

    def __str__(self):
        if self._dims is None:
            return "<unknown>"
        if len(self._dims) == 1:
            return f"({self._dims[0]},)"
        return "(" + ", ".join(str(d) for d in self._dims) + ")"


def as_shape(shape) -> TensorShape:
    """A TensorShape from a TensorShape, list/tuple of sizes, int or None."""
    return shape if isinstance(shape, TensorShape) else TensorShape(shape)


def unknown_shape(rank=None, **kwargs):
    """tf.TensorShape of unknown rank (or of ``rank`` unknown sizes)."""
    return TensorShape(None if rank is None else [None] * rank)


def shape_tuple(shape):
    """A user-given shape (TensorShape, list of ints/Dimensions/None) as neuralab's tuple (None: unknown rank)."""
    if shape is None:
        return None
    return as_shape(shape)._as_tuple()


# ---------------------------------------------------------------------------------------
# graphs
# ---------------------------------------------------------------------------------------

_GRAPHS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # neuralab Graph -> its tf.Graph


class Graph:
    """tf.Graph: a neuralab Graph plus what TF 1.x keeps on a graph.

    ``tf.Graph()`` makes a new graph; ``with g.as_default():`` records into it.
    Also holds the adapter's per-graph state: the graph-level seed, the
    variables by name, get_variable's store, layer-name counters, the
    optimizers built on it, and one wrapper per tensor and op.
    """

    def __init__(self, _nl=None):
        g = _nl if _nl is not None else _graph.Graph()
        self._nl = g
        self.seed = None
        self.variables = {}  # op name -> Variable (tf.Variable and tf.get_variable)
        self.store = {}  # full get_variable name -> Variable
        self.scope_counts = {}  # (variable scope, default name) -> uses, for "dense", "dense_1", ...
        self.var_scope = []  # stack of VariableScope
        self.optimizers = []  # compat optimizers built on this graph (their slot state is per session)
        self.summary_tags = {}  # summary tag -> uses
        self._wrappers = {}  # id(neuralab tensor or op) -> its wrapper
        self._finalized = False
        _GRAPHS[g] = self

    # TF's Graph API -----------------------------------------------------------------------
    @contextlib.contextmanager
    def as_default(self):
        """tf.Graph.as_default: nodes created inside are added to this graph."""
        with self._nl.as_default():
            yield self

    def name_scope(self, name):
        """tf.Graph.name_scope."""
        return self._nl.name_scope(name or "")

    def control_dependencies(self, control_inputs):
        """tf.Graph.control_dependencies (None clears the enclosing ones)."""
        if control_inputs is None:
            return self._nl.init_scope()
        return self._nl.control_dependencies([unwrap_op_or_tensor(c) for c in control_inputs])

    @contextlib.contextmanager
    def device(self, device_name_or_function):
        """tf.Graph.device: as ``tf.device`` (a GPU when CuPy sees one, else the CPU with a notice)."""
        from .array_ops import device

        with device(device_name_or_function):
            yield

    def get_operations(self):
        """tf.Graph.get_operations: every op, in creation order."""
        return [wrap_op(o) for o in self._nl.get_operations()]

    def get_operation_by_name(self, name):
        """tf.Graph.get_operation_by_name."""
        v = self.variables.get(name)
        if v is not None:
            return v.op
        try:
            return wrap_op(self._nl.get_operation_by_name(name))
        except KeyError:
            raise KeyError(f"The name '{name}' refers to an Operation not in the graph.") from None

    def get_tensor_by_name(self, name):
        """tf.Graph.get_tensor_by_name("scope/op:0")."""
        name = str(name)
        if ":" not in name:
            raise ValueError(f"The name '{name}' looks like an (invalid) Operation name, not a Tensor. Tensor names "
                             "must be of the form \"<op_name>:<output_index>\".")
        base, _, idx = name.partition(":")
        v = self.variables.get(base)
        if v is not None and idx == "0":
            return v
        return wrap(self._nl.get_tensor_by_name(name))

    def as_graph_element(self, obj, allow_tensor=True, allow_operation=True):
        """tf.Graph.as_graph_element: a name, tensor or op of this graph as that tensor or op."""
        if isinstance(obj, str):
            return self.get_tensor_by_name(obj) if ":" in obj else self.get_operation_by_name(obj)
        return obj

    def get_collection(self, name, scope=None):
        """tf.Graph.get_collection (items whose name matches ``scope`` when given)."""
        from .variables import _filter_scope

        return _filter_scope([wrap(x) for x in self._nl.get_collection(name)], scope)

    def get_collection_ref(self, name):
        """tf.Graph.get_collection_ref: the collection's own list."""
        return self._nl.collections.setdefault(name, [])

    def add_to_collection(self, name, value):
        """tf.Graph.add_to_collection."""
        self._nl.add_to_collection(name, value)

    def add_to_collections(self, names, value):
        """tf.Graph.add_to_collections."""
        for n in ([names] if isinstance(names, str) else names):
            self._nl.add_to_collection(n, value)

    def get_all_collection_keys(self):
        """tf.Graph.get_all_collection_keys."""
        return list(self._nl.collections)

    @property
    def collections(self):
        """tf.Graph.collections: the collection names."""
        return list(self._nl.collections)

    def clear_collection(self, name):
        """tf.Graph.clear_collection."""
        self._nl.collections.pop(name, None)

    def unique_name(self, name, mark_as_used=True):
        """tf.Graph.unique_name: ``name`` made unique in the current name scope."""
        return self._nl.unique_name(name)

    def get_name_scope(self):
        """tf.Graph.get_name_scope: the current name scope ("" at the top)."""
        return self._nl.current_scope()

    def finalize(self):
        """tf.Graph.finalize: no new nodes may be added (RuntimeError) — checked by the adapter's entry points."""
        self._finalized = True

    @property
    def finalized(self):
        """True after finalize()."""
        return self._finalized

    @property
    def version(self):
        """The number of nodes (TF: grows as nodes are added)."""
        return len(self._nl.ops)

    @property
    def graph_def_versions(self):
        return None

    def as_graph_def(self, from_version=None, add_shapes=False):
        """tf.Graph.as_graph_def: a TensorBoard GraphDef of this graph (tensorboardX)."""
        from .summary import graph_def

        return graph_def(self)

    def is_feedable(self, tensor):
        """tf.Graph.is_feedable: every tensor can be fed here."""
        return True

    def is_fetchable(self, tensor_or_op):
        """tf.Graph.is_fetchable."""
        return True

    def __repr__(self):
        return f"<tf.Graph with {len(self._nl.ops)} nodes>"


def graph_of(g=None) -> Graph:
    """The tf.Graph of neuralab graph ``g`` (default: the default graph); made on first use."""
    if isinstance(g, Graph):
        return g
    g = g if g is not None else _graph.get_default_graph()
    w = _GRAPHS.get(g)
    if w is None:
        w = Graph(g)
    return w


def get_default_graph() -> Graph:
    """tf.get_default_graph: the graph new nodes are added to."""
    return graph_of(None)


# ---------------------------------------------------------------------------------------
# tensors and operations
# ---------------------------------------------------------------------------------------

def _unwrap(x):
    return x.__neuralab_tensor__() if hasattr(x, "__neuralab_tensor__") else x


def unwrap_op_or_tensor(x):
    """For control dependencies and fetches: the neuralab Op or Tensor a TF object stands for."""
    if isinstance(x, Operation):
        return x._op
    return _unwrap(x)


class _TensorLike:
    """Operators and conversions shared by tf.Tensor and tf.Variable (``_nl`` is the neuralab tensor)."""

    __slots__ = ()
    __array_priority__ = 100

    def __neuralab_tensor__(self):
        return self._nl

    @property
    def dtype(self):
        """The element type (a tf.DType)."""
        return _dtypes.as_dtype(self._nl.dtype)

    @property
    def shape(self):
        """The static shape (a TensorShape; sizes known only at run time are unknown)."""
        return TensorShape(self._nl.shape)

    def get_shape(self):
        """tf.Tensor.get_shape: the static shape (``shape``)."""
        return self.shape

    @property
    def graph(self):
        """The tf.Graph this tensor belongs to."""
        return graph_of(self._nl._graph) if self._nl._graph is not None else get_default_graph()

    @property
    def device(self):
        return ""

    def __hash__(self):
        return id(self)

    def __eq__(self, other):  # TF 1.x: identity
        return self is other

    def __ne__(self, other):
        return self is not other

    def __bool__(self):
        if MODE.eager and self._nl.data is not None:
            return bool(self._nl.data)
        raise TypeError("Using a `tf.Tensor` as a Python `bool` is not allowed. Use `if t is not None:` instead of "
                        "`if t:` to test if a tensor is defined, and use TensorFlow ops such as tf.cond to execute "
                        "subgraphs conditioned on the value of a tensor.")

    def __len__(self):
        if MODE.eager and self._nl.data is not None:
            return len(self._nl.data)
        raise TypeError("len is not well defined for symbolic Tensors. Please call `x.shape` rather than `len(x)` "
                        "for shape information.")

    def __iter__(self):
        if not (MODE.eager and self._nl.data is not None):
            raise TypeError("Tensor objects are only iterable when eager execution is enabled. To iterate over this "
                            "tensor use tf.map_fn.")
        return iter([wrap(t) for t in self._nl])

    def _eager_scalar(self, kind):
        if not (MODE.eager and self._nl.data is not None):
            raise TypeError(f"{kind}() of a symbolic tf.Tensor is not defined; run it in a Session to get a value")
        return np.asarray(self._nl.data).item() if np.size(self._nl.data) == 1 else self._nl.data

    def __float__(self):  # eager tensors convert like NumPy scalars, as TF's EagerTensor does
        return float(self._eager_scalar("float"))

    def __int__(self):
        return int(self._eager_scalar("int"))

    def __index__(self):
        v = self._eager_scalar("index")
        if self._nl.dtype.kind not in "iu":
            raise TypeError("only integer tensors can be used as an index")
        return int(v)

    def __format__(self, spec):
        if MODE.eager and self._nl.data is not None:
            return format(eager_numpy(self._nl), spec)
        return format(str(self), spec)

    def __array__(self, dtype=None, copy=None):
        if self._nl.data is None:
            raise NotImplementedError(f"Cannot convert a symbolic Tensor ({self.name}) to a numpy array.")
        a = self._nl.numpy()
        return a if dtype is None else a.astype(dtype)

    def __getitem__(self, key):
        from .array_ops import _slice_tensor

        return _slice_tensor(self, key)

    # arithmetic: the tf.* functions, named like TF's operator overloads ("add", "mul", ...)
    def __add__(self, other):
        return _operator("add", self, other)

    def __radd__(self, other):
        return _operator("add", other, self)

    def __sub__(self, other):
        return _operator("sub", self, other)

    def __rsub__(self, other):
        return _operator("sub", other, self)

    def __mul__(self, other):
        return _operator("mul", self, other)

    def __rmul__(self, other):
        return _operator("mul", other, self)

    def __truediv__(self, other):
        return _operator("truediv", self, other)

    def __rtruediv__(self, other):
        return _operator("truediv", other, self)

    __div__ = __truediv__

    def __floordiv__(self, other):
        return _operator("floordiv", self, other)

    def __rfloordiv__(self, other):
        return _operator("floordiv", other, self)

    def __mod__(self, other):
        return _operator("mod", self, other)

    def __rmod__(self, other):
        return _operator("mod", other, self)

    def __pow__(self, other):
        return _operator("pow", self, other)

    def __rpow__(self, other):
        return _operator("pow", other, self)

    def __matmul__(self, other):
        return _operator("matmul", self, other)

    def __rmatmul__(self, other):
        return _operator("matmul", other, self)

    def __lt__(self, other):
        return _operator("Less", self, other)

    def __le__(self, other):
        return _operator("LessEqual", self, other)

    def __gt__(self, other):
        return _operator("Greater", self, other)

    def __ge__(self, other):
        return _operator("GreaterEqual", self, other)

    def __and__(self, other):
        return _operator("LogicalAnd", self, other)

    def __rand__(self, other):
        return _operator("LogicalAnd", other, self)

    def __or__(self, other):
        return _operator("LogicalOr", self, other)

    def __ror__(self, other):
        return _operator("LogicalOr", other, self)

    def __xor__(self, other):
        return _operator("LogicalXor", self, other)

    def __invert__(self):
        return _operator("LogicalNot", self)

    def __neg__(self):
        return _operator("Neg", self)

    def __abs__(self):
        return _operator("Abs", self)

    def eval(self, feed_dict=None, session=None):
        """tf.Tensor.eval: this tensor's value in ``session`` (default: the default session)."""
        from .session import _session_for

        return _session_for(session).run(self, feed_dict)


def _operator(kind, a, b=None):
    from . import array_ops as A

    fn = {"add": A.add, "sub": A.subtract, "mul": A.multiply, "truediv": A.truediv, "floordiv": A.floordiv,
          "mod": A.floormod, "pow": A.pow, "matmul": A.matmul, "Less": A.less, "LessEqual": A.less_equal,
          "Greater": A.greater, "GreaterEqual": A.greater_equal, "LogicalAnd": A.logical_and,
          "LogicalOr": A.logical_or, "LogicalXor": A.logical_xor, "LogicalNot": A.logical_not, "Neg": A.negative,
          "Abs": A.abs}[kind]
    name = kind if kind[0].islower() else None
    if b is None and kind in ("LogicalNot", "Neg", "Abs"):
        return fn(a) if name is None else fn(a, name=name)
    return fn(a, b) if name is None else fn(a, b, name=name)


class Tensor(_TensorLike):
    """tf.Tensor: a graph tensor (or, after tf.enable_eager_execution, a value), named ``"op_name:i"``."""

    __slots__ = ("_nl", "__weakref__")

    def __init__(self, nl_tensor):
        self._nl = nl_tensor

    @property
    def op(self):
        """The tf.Operation that produces this tensor."""
        return wrap_op(self._nl._op) if self._nl._op is not None else None

    @property
    def name(self):
        """``"op_name:i"``: the producing op's name and this output's index."""
        if self._nl.data is not None and MODE.eager:
            raise AttributeError("Tensor.name is meaningless when eager execution is enabled.")
        o = self._nl._op
        return f"{o.name}:{self._nl._idx}" if o is not None else "Const:0"

    @property
    def value_index(self):
        """This output's index among its op's outputs."""
        return self._nl._idx

    def consumers(self):
        """tf.Tensor.consumers: the ops that take this tensor as an input."""
        g = self._nl._graph
        if g is None:
            return []
        return [wrap_op(o) for o in g.ops if any(t is self._nl for t in o.inputs)]

    def set_shape(self, shape):
        """tf.Tensor.set_shape: refine the static shape (ValueError when incompatible)."""
        merged = self.shape.merge_with(as_shape(shape))
        _graph.refine_shape(self._nl, merged._as_tuple())

    def numpy(self):
        """The value (eager execution only): an array, or a NumPy scalar for a 0-d tensor as in TF."""
        if self._nl.data is None:
            raise AttributeError("'Tensor' object has no attribute 'numpy' (only eager tensors have values; use "
                                 "sess.run(tensor) in graph mode)")
        return eager_numpy(self._nl)

    def __repr__(self):
        if self._nl.data is not None:
            return (f"<tf.Tensor: shape={self.shape}, dtype={self.dtype.name}, numpy={eager_text(self._nl)}>")
        return f"<tf.Tensor '{self.name}' shape={self.shape} dtype={self.dtype.name}>"

    def __str__(self):
        if self._nl.data is not None:
            return f"tf.Tensor({self._nl.numpy()}, shape={self.shape}, dtype={self.dtype.name})"
        shape = f", shape={self.shape}" if self.shape.ndims is not None else ""  # TF leaves out an unknown rank
        return f'Tensor("{self.name}"{shape}, dtype={self.dtype.name})'

    def __reduce__(self):
        raise TypeError("can't pickle a tf.Tensor")


class Operation:
    """tf.Operation: a node of the graph (name, type, inputs, outputs); ``run()`` runs it."""

    __slots__ = ("_op", "__weakref__")

    def __init__(self, op):
        self._op = op

    def __neuralab_tensor__(self):
        return self._op

    @property
    def name(self):
        """The node's full name (with its name scope)."""
        return self._op.name

    @property
    def type(self):
        """The op type as TF names it ("MatMul", "Assign", "NoOp", "Relu", ...)."""
        return _TF_TYPES.get(self._op, self._op.type)

    @property
    def inputs(self):
        """The input tensors."""
        return [wrap(t) for t in self._op.inputs]

    @property
    def outputs(self):
        """The output tensors."""
        return [wrap(t) for t in (self._op.outputs or ())]

    @property
    def control_inputs(self):
        """The ops this one waits for."""
        return [wrap_op(c) for c in self._op.control_inputs]

    @property
    def graph(self):
        """The tf.Graph of this op."""
        return graph_of(getattr(self._op, "graph", None))

    @property
    def device(self):
        return ""

    def values(self):
        """tf.Operation.values: the outputs as a tuple."""
        return tuple(self.outputs)

    def get_attr(self, name):
        """tf.Operation.get_attr: one of the op's attributes (ValueError if it has none by that name)."""
        attrs = self._op.attrs()
        if name not in attrs:
            raise ValueError(f"Operation '{self.name}' has no attr named '{name}'.")
        return attrs[name]

    def run(self, feed_dict=None, session=None):
        """tf.Operation.run: run this op in ``session`` (default: the default session)."""
        from .session import _session_for

        _session_for(session).run(self, feed_dict)

    def __hash__(self):
        return id(self)

    def __repr__(self):
        return f"<tf.Operation '{self.name}' type={self.type}>"

    __str__ = __repr__


def wrap(x):
    """neuralab objects as the adapter's: Tensor -> tf.Tensor, Op -> tf.Operation, lists/tuples inside too.

    In graph mode a concrete neuralab tensor (an op computed from constants
    alone) becomes a Const node, so every tf.Tensor has a name and an op.
    """
    t = type(x)
    if t is _NLTensor:
        if x.data is not None:
            if MODE.eager:
                return Tensor(x)
            from ._base import constant_node

            return wrap(constant_node(x.data))  # (a tf.Tensor, like every other result)
        g = graph_of(x._graph)
        w = g._wrappers.get(id(x))
        if w is None:
            w = g._wrappers[id(x)] = Tensor(x)
        return w
    if t is tuple or t is list:
        return t(wrap(e) for e in x)
    if isinstance(x, Op):
        return wrap_op(x)
    return x


def wrap_op(op):
    """The tf.Operation of neuralab op ``op`` (one per op)."""
    g = graph_of(getattr(op, "graph", None))
    w = g._wrappers.get(id(op))
    if w is None:
        w = g._wrappers[id(op)] = Operation(op)
    return w


# ---------------------------------------------------------------------------------------
# the adapter's entry points: arguments in, TF objects out, TF names
# ---------------------------------------------------------------------------------------

def _name_argument(fn):
    """A function that finds the ``name`` argument of a call to ``fn`` (keyword or positional)."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return lambda args, kwargs: kwargs.get("name")
    p = params.get("name")
    if p is None:
        return lambda args, kwargs: None
    if p.kind is not inspect.Parameter.POSITIONAL_OR_KEYWORD:
        return lambda args, kwargs: kwargs.get("name")
    pos = list(params).index("name")
    return lambda args, kwargs: kwargs["name"] if "name" in kwargs else (args[pos] if len(args) > pos else None)


def tfop(default_name=None, scope_name=False):
    """Decorator for the adapter's public functions: wrap the result in TF types and name it as TF does.

    The function's first output, if its op was created by the call, is named
    ``name`` (the call's ``name=`` argument) or ``default_name`` (TF's op type
    where neuralab's differs, e.g. "Relu") in the current name scope. With
    ``scope_name=True`` the function uses ``name`` as a variable/name scope
    itself (layers), and the result is not renamed.
    """

    # a default name spelt like a TF op type ("Relu", "Softmax") is also the type TF gives the result's op
    tf_type = default_name if default_name and default_name[:1].isupper() and default_name.isalnum() else None

    def deco(fn):
        get_name = _name_argument(fn)

        @functools.wraps(fn)
        def call(*args, **kwargs):
            if MODE.eager:
                if MODE.tapes:  # recorded for the GradientTapes that are watching
                    return wrap(fn(*args, **kwargs))
                with _config.no_grad():  # as in TF: nothing is recorded outside a tape
                    return wrap(fn(*args, **kwargs))
            mark = _opmod.new_id()
            out = fn(*args, **kwargs)
            if not scope_name:
                name = get_name(args, kwargs) or default_name
                if name:
                    _rename(out, mark, str(name), tf_type)
            return wrap(out)

        call.__wrapped_tf__ = fn
        return call

    return deco


def _first_tensor(out):
    if isinstance(out, (list, tuple)):
        for x in out:
            t = _first_tensor(x)
            if t is not None:
                return t
        return None
    t = _unwrap(out)
    return t if isinstance(t, (_NLTensor, Op)) else None


#: TF's op type for ops made by an adapter function whose neuralab op has another type (tf.nn.relu is
#: neuralab's Maximum; TF calls its node Relu); read by Operation.type, neuralab's ops are left as they are
_TF_TYPES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _rename(out, mark, name, tf_type=None):
    t = _first_tensor(out)
    if t is None:
        return
    op = t if isinstance(t, Op) else t._op
    if op is None or getattr(op, "id", -1) < mark or getattr(op, "graph", None) is None:
        return  # not made by this call (an input returned as is)
    if tf_type and op.type != tf_type:
        _TF_TYPES[op] = tf_type
    if op.name is not None and op.name.rsplit("/", 1)[-1] == name:
        return
    op.name = op.graph.unique_name(name)




def export(namespace: dict, names=None, default_names: dict | None = None, scope_names=()) -> None:
    """Wrap the public functions of an adapter module with :func:`tfop` (in place, in ``namespace``).

    ``names`` defaults to the module's ``__all__``; ``default_names`` gives TF's
    node name where it differs from neuralab's op type; ``scope_names`` lists
    functions whose ``name`` argument names a scope (layers) rather than a node.
    """
    default_names = default_names or {}
    mod = namespace["__name__"]
    for n in (names if names is not None else namespace.get("__all__", ())):
        f = namespace.get(n)
        if inspect.isfunction(f) and not hasattr(f, "__wrapped_tf__") and f.__module__ == mod:
            namespace[n] = tfop(default_names.get(n), n in scope_names)(f)


__all__ = ["Dimension", "Graph", "Operation", "Tensor", "TensorShape", "as_dimension", "as_shape",
           "dimension_value", "executing_eagerly", "export", "get_default_graph", "graph_of", "tfop", "unknown_shape",
           "wrap", "wrap_op"]
