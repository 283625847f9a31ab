"""``tf.Variable``, variable scopes, ``tf.get_variable``, initializers and collections.

A :class:`Variable` owns a concrete neuralab tensor marked as state (its
storage, allocated with its shape and dtype, so optimizers and ``assign``
update it in place) plus two graph nodes: ``<name>/read`` (what expressions
use, so they read the value current at run time) and ``<name>/Assign`` (its
initializer). The value a Variable holds belongs to a Session: each session
keeps a store ``{storage: array}`` that its plans run against (see
:mod:`neuralab.compat.v1.session`).
"""
from __future__ import annotations

import functools
import inspect
import math
import numbers
import re

import numpy as np

from ... import nn as _nn  # noqa: F401  (neuralab.nn.init below)
from ..._core import graph as _graph
from ..._core.op import dispatch
from ..._core.tensor import Tensor
from ...nn import init as _init
from ...ops import elementwise as E
from ...ops.state import Assign, ReadVariable, group as _group
from . import _base, _dtypes, _types
from ._base import as_graph_tensor, as_tensor, generate_node, gstate


class GraphKeys:
    """tf.GraphKeys: the standard collection names."""

    GLOBAL_VARIABLES = "variables"
    VARIABLES = "variables"
    LOCAL_VARIABLES = "local_variables"
    MODEL_VARIABLES = "model_variables"
    TRAINABLE_VARIABLES = "trainable_variables"
    MOVING_AVERAGE_VARIABLES = "moving_average_variables"
    REGULARIZATION_LOSSES = "regularization_losses"
    LOSSES = "losses"
    SUMMARIES = "summaries"
    UPDATE_OPS = "update_ops"  # the collection neuralab.functional.batch_norm fills too
    GLOBAL_STEP = "global_step"
    TRAIN_OP = "train_op"
    INIT_OP = "init_op"
    QUEUE_RUNNERS = "queue_runners"  # tf.train.add_queue_runner / start_queue_runners
    ACTIVATIONS = "activations"
    WEIGHTS = "weights"
    BIASES = "biases"


_SLOT_INITS = "_neuralab_compat_slot_initializers"  # optimizer-state resets run by global_variables_initializer


class VariableOp:
    """What ``variable.op`` is: the variable's node (``VariableV2``), named like the variable without ``:0``."""

    type = "VariableV2"

    def __init__(self, var):
        self._var = var

    @property
    def name(self):
        return self._var.op_name

    @property
    def graph(self):
        return self._var.graph

    @property
    def inputs(self):
        return []

    @property
    def outputs(self):
        return [self._var]

    @property
    def control_inputs(self):
        return []

    @property
    def device(self):
        return ""

    def values(self):
        """The outputs as a tuple (the variable)."""
        return (self._var,)

    def __neuralab_tensor__(self):
        return self._var._nl

    def run(self, feed_dict=None, session=None):
        """tf.Operation.run on a variable's op: evaluates its value (returns None like TF)."""
        from .session import _session_for

        _session_for(session).run(self._var, feed_dict)

    def __repr__(self):
        return f"<tf.Operation '{self.name}' type=VariableV2>"


class Variable(_types._TensorLike):
    """tf.Variable: a value that lives in a Session and persists across runs.

    Its storage is a neuralab tensor marked as state (``_var``); expressions use
    its read node ``<name>/read`` (:func:`neuralab.read`), so they see the value
    current when the graph runs; ``<name>/Assign`` is its initializer. Each
    Session keeps its own value (the plan runs against the session's store).
    """

    def __init__(self, initial_value=None, trainable=True, collections=None, validate_shape=True,
                 caching_device=None, name=None, variable_def=None, dtype=None, expected_shape=None,
                 import_scope=None, constraint=None, use_resource=None, synchronization=None, aggregation=None,
                 shape=None, _op_name=None):
        if initial_value is None:
            raise ValueError("initial_value must be specified.")
        eager = _types.MODE.eager
        g = _graph.get_default_graph()
        if eager:
            op_name = _op_name or name or "Variable"
        else:
            op_name = _op_name if _op_name is not None else g.unique_name(name or "Variable")
            if _op_name is not None:
                g.unique_name(op_name, scoped=False)  # reserve it
        if callable(initial_value) and not hasattr(initial_value, "__neuralab_tensor__") \
                and not isinstance(initial_value, Tensor):
            with g.init_scope():
                initial_value = initial_value()
        init = as_tensor(initial_value)
        if not (isinstance(init, Tensor) and (init.data is None or eager)):
            with g.init_scope():
                init = as_graph_tensor(initial_value, dtype, name=op_name + "/initial_value")
        dt = _dtypes.np_dtype(dtype) or np.dtype(init.dtype)
        if init.dtype != dt:
            with g.init_scope():
                init = E.cast(init, dt)
        shp = tuple(init.shape) if init.shape is not None else None
        if shp is None or any(d is None for d in shp):
            if shape is not None and _types.as_shape(shape).is_fully_defined():
                shp = tuple(_types.as_shape(shape).as_list())
            elif not validate_shape and shp is not None:
                shp = tuple(1 if d is None else d for d in shp)
            else:
                raise ValueError(f"tf.Variable {op_name!r}: the initial value's shape {shp} must be fully defined "
                                 "(give shape= or a fully defined initial value)")
        self.op_name = op_name
        self.trainable = bool(trainable)
        self.constraint = constraint
        self._graph = g
        store = Tensor(np.zeros(shp, dtype=dt), name=op_name)
        store._variable = True
        self._var = store
        if eager:
            store.data = np.array(init.numpy(), dtype=dt)
            if dt.kind == "f" and self.trainable:
                store.requires_grad = True
            self._nl = store
            self.initial_value = init
            self.initializer = None
            _types.track_variable(self)
            return
        with g.as_default(), g.init_scope():  # a variable's own nodes wait for nothing
            rd = ReadVariable()
            rd.name = g.unique_name(op_name + "/read", scoped=False)
            self._nl = _graph.record(rd, (store,))
            self.initializer = _types.wrap_op(_assign_node(self, init, name=op_name + "/Assign", scoped=False)._op)
        self.initial_value = _types.wrap(init)
        st = gstate(g)
        st.variables[op_name] = self
        if collections is None:
            collections = [GraphKeys.GLOBAL_VARIABLES]
        cols = list(collections)
        if self.trainable and GraphKeys.TRAINABLE_VARIABLES not in cols:
            cols.append(GraphKeys.TRAINABLE_VARIABLES)
        for c in cols:
            g.add_to_collection(c, self)

    # -- TF's Variable API --------------------------------------------------------------
    @property
    def name(self):
        """``"<op name>:0"``."""
        return self.op_name + ":0"

    @property
    def graph(self):
        """The tf.Graph this variable belongs to."""
        return gstate(self._graph)

    @property
    def op(self):
        """The variable's node (``.name`` is the op name, e.g. ``"dense/kernel"``)."""
        return VariableOp(self)

    @property
    def dtype(self):
        """The element type (TF 1.x shows a ref type for variables; here the plain DType)."""
        return _dtypes.as_dtype(self._var.dtype)

    @property
    def shape(self):
        """The variable's (fully known) shape."""
        return _types.TensorShape(self._var.shape)

    def value(self):
        """tf.Variable.value: the read node."""
        return _types.wrap(self._nl)

    read_value = value
    initialized_value = value

    def numpy(self):
        """The value (eager execution only)."""
        if not _types.MODE.eager:
            raise NotImplementedError("numpy() is only available when eager execution is enabled.")
        return _types.eager_numpy(self._var)

    def eval(self, session=None):
        """tf.Variable.eval: the variable's value in ``session`` (default: the default session)."""
        from .session import _session_for

        return _session_for(session).run(self)

    def load(self, value, session=None):
        """tf.Variable.load: write ``value`` into the variable in ``session`` without adding graph nodes."""
        arr = np.array(value, dtype=self._var.dtype)
        if arr.shape != tuple(self._var.shape):
            raise ValueError(f"load: value of shape {arr.shape} does not fit variable {self.op_name} of "
                             f"shape {tuple(self._var.shape)}")
        if _types.MODE.eager:
            self._var.data[...] = arr
            return
        from .session import _session_for

        _session_for(session)._store[self._var] = arr

    def assign(self, value, use_locking=None, name=None, read_value=True):
        """tf.Variable.assign: a graph node that writes ``value`` when it is run (and only then)."""
        return _types.wrap(_assign_node(self, value, name=name or "Assign"))

    def assign_add(self, delta, use_locking=None, name=None, read_value=True):
        """tf.Variable.assign_add: a node that adds ``delta`` when it is run."""
        return _types.wrap(_assign_node(self, E.add(self._nl, as_graph_tensor(delta, self._var.dtype)),
                                        name=name or "AssignAdd"))

    def assign_sub(self, delta, use_locking=None, name=None, read_value=True):
        """tf.Variable.assign_sub: a node that subtracts ``delta`` when it is run."""
        return _types.wrap(_assign_node(self, E.subtract(self._nl, as_graph_tensor(delta, self._var.dtype)),
                                        name=name or "AssignSub"))

    def set_shape(self, shape):
        """tf.Variable.set_shape (shapes are fixed here; checks compatibility)."""
        if not self.shape.is_compatible_with(shape):
            raise ValueError(f"set_shape: {_types.as_shape(shape)} is not compatible with {self.shape}")

    def get_shape(self):
        """The variable's shape."""
        return self.shape

    def __repr__(self):
        if _types.MODE.eager:
            return (f"<tf.Variable '{self.name}' shape={self.shape} dtype={self.dtype.name}, "
                    f"numpy={_types.eager_text(self._var)}>")
        return f"<tf.Variable '{self.name}' shape={self.shape} dtype={self.dtype.name}_ref>"

    def __iter__(self):
        raise TypeError("'Variable' object is not iterable.")

    def __bool__(self):
        raise TypeError("Using a `tf.Variable` as a Python `bool` is not allowed.")


def _assign_node(var, value, name="Assign", scoped=True):
    """An Assign node writing ``value`` into ``var``'s storage when run (never at build time); eagerly: now.

    neuralab's Assign copies the value into the variable's array (or into a new
    array the first time), so the variable never aliases a fed array or another variable.
    """
    store = var._var
    if _types.MODE.eager:
        v = as_tensor(value)
        arr = v.numpy() if isinstance(v, Tensor) else np.asarray(v)
        store.data[...] = arr
        return store
    g = var._graph
    v = as_graph_tensor(value, store.dtype)
    if v.dtype != store.dtype:
        v = E.cast(v, store.dtype)
    op = Assign(var=store, dtype=store.dtype)
    op.name = g.unique_name(name, scoped=scoped)
    with g.as_default():
        return dispatch(op, (v,))


# ---------------------------------------------------------------------------------------
# collections
# ---------------------------------------------------------------------------------------

def _filter_scope(items, scope):
    if scope is None:
        return items
    pat = re.compile(scope)
    out = []
    for it in items:
        nm = getattr(it, "op_name", None) or getattr(it, "name", None)
        if nm is not None and pat.match(nm):
            out.append(it)
    return out


def get_collection(key, scope=None):
    """tf.get_collection: the items of collection ``key`` (filtered by name ``scope`` when given)."""
    return _types.get_default_graph().get_collection(key, scope)


def get_collection_ref(key):
    """tf.get_collection_ref: the collection's list itself (appending to it adds to the collection)."""
    return _graph.get_default_graph().collections.setdefault(key, [])


def add_to_collection(name, value):
    """tf.add_to_collection."""
    _graph.get_default_graph().add_to_collection(name, value)


def add_to_collections(names, value):
    """tf.add_to_collections."""
    for n in ([names] if isinstance(names, str) else names):
        add_to_collection(n, value)


def global_variables(scope=None):
    """tf.global_variables: every variable of the default graph (in creation order)."""
    return get_collection(GraphKeys.GLOBAL_VARIABLES, scope)


all_variables = global_variables


def trainable_variables(scope=None):
    """tf.trainable_variables: the variables optimizers update by default."""
    return get_collection(GraphKeys.TRAINABLE_VARIABLES, scope)


def local_variables(scope=None):
    """tf.local_variables."""
    return get_collection(GraphKeys.LOCAL_VARIABLES, scope)


def model_variables(scope=None):
    """tf.model_variables."""
    return get_collection(GraphKeys.MODEL_VARIABLES, scope)


def moving_average_variables(scope=None):
    """tf.moving_average_variables."""
    return get_collection(GraphKeys.MOVING_AVERAGE_VARIABLES, scope)


def variables_initializer(var_list, name="init"):
    """tf.variables_initializer: one node that runs the initializers of ``var_list``."""
    return _group(*[v.initializer for v in var_list], name=name)


def global_variables_initializer():
    """tf.global_variables_initializer: initializes every variable (and optimizer state) when run."""
    g = _graph.get_default_graph()
    return _group(*[v.initializer for v in global_variables()], *g.get_collection(_SLOT_INITS), name="init")


initialize_all_variables = global_variables_initializer


def local_variables_initializer():
    """tf.local_variables_initializer."""
    return variables_initializer(local_variables(), name="init_local")


initialize_local_variables = local_variables_initializer


# ---------------------------------------------------------------------------------------
# initializers
# ---------------------------------------------------------------------------------------

class Initializer:
    """tf.keras.initializers.Initializer: ``init(shape, dtype)`` returns a graph node drawing the values."""

    dtype = None

    def _node(self, fn, shape, dtype, seed, name):
        return _types.wrap(generate_node(fn, shape, _dtypes.np_dtype(dtype) or _dtypes.np_dtype(self.dtype,
                                                                                                np.float32),
                                         seed, name))

    def get_config(self):
        """tf.keras.initializers.Initializer.get_config: the constructor arguments."""
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}


class zeros_initializer(Initializer):  # noqa: N801 - TF's public name
    """tf.zeros_initializer."""

    def __init__(self, dtype=None):
        self.dtype = dtype

    def __call__(self, shape, dtype=None, partition_info=None):
        return self._node(_init.zeros, shape, dtype, None, "zeros")


class ones_initializer(Initializer):  # noqa: N801
    """tf.ones_initializer."""

    def __init__(self, dtype=None):
        self.dtype = dtype

    def __call__(self, shape, dtype=None, partition_info=None):
        return self._node(_init.ones, shape, dtype, None, "ones")


class constant_initializer(Initializer):  # noqa: N801
    """tf.constant_initializer: a scalar fills the shape; a list/array is reshaped to it."""

    def __init__(self, value=0, dtype=None, verify_shape=False):
        self.value = value
        self.dtype = dtype

    def __call__(self, shape, dtype=None, partition_info=None):
        d = _dtypes.np_dtype(dtype) or _dtypes.np_dtype(self.dtype, np.float32)
        shp = _base.static_shape(shape)
        if isinstance(self.value, numbers.Number):
            return self._node(functools.partial(_init.constant, value=self.value), shp, d, None, "Const")
        arr = np.asarray(self.value, dtype=d)
        if arr.size != int(np.prod(shp)):
            raise ValueError(f"constant_initializer: {arr.size} values do not fill the shape {shp}")
        return _base.constant_node(arr.reshape(shp), d)


class random_normal_initializer(Initializer):  # noqa: N801
    """tf.random_normal_initializer(mean, stddev, seed)."""

    def __init__(self, mean=0.0, stddev=1.0, seed=None, dtype=None):
        self.mean, self.stddev, self.seed, self.dtype = mean, stddev, seed, dtype

    def __call__(self, shape, dtype=None, partition_info=None):
        fn = functools.partial(_init.normal, mean=self.mean, std=self.stddev)
        return self._node(fn, shape, dtype, self.seed, "random_normal")


class random_uniform_initializer(Initializer):  # noqa: N801
    """tf.random_uniform_initializer(minval, maxval, seed)."""

    def __init__(self, minval=0.0, maxval=None, seed=None, dtype=None):
        self.minval, self.maxval, self.seed, self.dtype = minval, maxval, seed, dtype

    def __call__(self, shape, dtype=None, partition_info=None):
        hi = 1.0 if self.maxval is None else self.maxval
        return self._node(functools.partial(_init.uniform, low=self.minval, high=hi), shape, dtype, self.seed,
                          "random_uniform")


class truncated_normal_initializer(Initializer):  # noqa: N801
    """tf.truncated_normal_initializer(mean, stddev, seed): redraws samples beyond two stddevs."""

    def __init__(self, mean=0.0, stddev=1.0, seed=None, dtype=None):
        self.mean, self.stddev, self.seed, self.dtype = mean, stddev, seed, dtype

    def __call__(self, shape, dtype=None, partition_info=None):
        fn = functools.partial(_init.truncated_normal, mean=self.mean, std=self.stddev)
        return self._node(fn, shape, dtype, self.seed, "truncated_normal")


class variance_scaling_initializer(Initializer):  # noqa: N801
    """tf.variance_scaling_initializer(scale, mode, distribution): variance scale / n (n from the fans)."""

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None, dtype=None):
        self.scale, self.mode, self.distribution, self.seed, self.dtype = scale, mode, distribution, seed, dtype

    def __call__(self, shape, dtype=None, partition_info=None):
        fn = functools.partial(_init.variance_scaling, scale=self.scale, mode=self.mode,
                               distribution=self.distribution)
        return self._node(fn, shape, dtype, self.seed, "truncated_normal")


class glorot_uniform_initializer(Initializer):  # noqa: N801
    """tf.glorot_uniform_initializer: U(-sqrt(6/(fan_in+fan_out)), +...) (TF 1.x's get_variable default)."""

    def __init__(self, seed=None, dtype=None):
        self.seed, self.dtype = seed, dtype

    def __call__(self, shape, dtype=None, partition_info=None):
        return self._node(_init.xavier_uniform, shape, dtype, self.seed, "random_uniform")


class glorot_normal_initializer(Initializer):  # noqa: N801
    """tf.glorot_normal_initializer: truncated normal with variance 2/(fan_in+fan_out)."""

    def __init__(self, seed=None, dtype=None):
        self.seed, self.dtype = seed, dtype

    def __call__(self, shape, dtype=None, partition_info=None):
        fn = functools.partial(_init.variance_scaling, scale=1.0, mode="fan_avg", distribution="truncated_normal")
        return self._node(fn, shape, dtype, self.seed, "truncated_normal")


class _FnInitializer(Initializer):
    """Adapts a neuralab initializer function ``fn(shape, dtype=None, rng=None)`` (neuralab.nn.init)."""

    def __init__(self, fn, seed=None):
        self.fn, self.seed = fn, seed

    def __call__(self, shape, dtype=None, partition_info=None):
        return self._node(self.fn, shape, dtype, self.seed, getattr(self.fn, "__name__", "init"))


def xavier_initializer(uniform=True, seed=None, dtype=_dtypes.float32):
    """tf.contrib.layers.xavier_initializer: Glorot uniform (default) or truncated normal with 1.3/fan_avg."""
    return _FnInitializer(_init.xavier_uniform if uniform else _init.xavier_normal, seed)


def contrib_variance_scaling_initializer(factor=2.0, mode="FAN_IN", uniform=False, seed=None,
                                         dtype=_dtypes.float32):
    """tf.contrib.layers.variance_scaling_initializer: He et al. by default (factor 2, FAN_IN, normal)."""
    mode_u = str(mode).upper()
    if mode_u not in ("FAN_IN", "FAN_OUT", "FAN_AVG"):
        raise TypeError(f"Unknown mode {mode} [FAN_IN, FAN_OUT, FAN_AVG]")

    def fn(shape, dtype=None, rng=None):
        fan_in, fan_out = _init.fans(shape)
        n = {"FAN_IN": fan_in, "FAN_OUT": fan_out, "FAN_AVG": (fan_in + fan_out) / 2.0}[mode_u]
        if uniform:
            lim = math.sqrt(3.0 * factor / n)
            return _init.uniform(shape, -lim, lim, dtype=dtype, rng=rng)
        return _init.truncated_normal(shape, 0.0, math.sqrt(1.3 * factor / n), dtype=dtype, rng=rng)

    fn.__name__ = "truncated_normal" if not uniform else "random_uniform"
    return _FnInitializer(fn, seed)


def initial_value_node(initializer, shape, dtype):
    """The graph node an initializer gives for ``shape``: TF objects, neuralab init functions or values."""
    if isinstance(initializer, Initializer):
        return initializer(shape, dtype=dtype)
    if callable(initializer) and not isinstance(initializer, Tensor):
        try:
            params = inspect.signature(initializer).parameters
        except (TypeError, ValueError):
            params = {}
        if "rng" in params:  # a neuralab.nn.init function
            return _FnInitializer(initializer)(shape, dtype=dtype)
        out = initializer(shape, dtype=dtype, partition_info=None) if "partition_info" in params \
            else initializer(shape, dtype=dtype)
        return as_graph_tensor(out, dtype)
    return as_graph_tensor(initializer, dtype)


# ---------------------------------------------------------------------------------------
# variable scopes and get_variable
# ---------------------------------------------------------------------------------------

class _ReuseMode:
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"tf.{self.name}"


AUTO_REUSE = _ReuseMode("AUTO_REUSE")


class VariableScope:
    """tf.VariableScope: a name prefix for get_variable plus reuse/initializer/regularizer defaults."""

    def __init__(self, reuse, name="", initializer=None, regularizer=None, dtype=None, name_scope=""):
        self.name = name
        self.reuse = reuse
        self.initializer = initializer
        self.regularizer = regularizer
        self.dtype = dtype
        self.original_name_scope = name_scope

    def reuse_variables(self):
        """Make get_variable in this scope return existing variables."""
        self.reuse = True

    def set_initializer(self, initializer):
        """tf.VariableScope.set_initializer."""
        self.initializer = initializer

    def set_regularizer(self, regularizer):
        """tf.VariableScope.set_regularizer."""
        self.regularizer = regularizer

    def __repr__(self):
        return f"<tf.VariableScope {self.name!r} reuse={self.reuse}>"


_ROOT = VariableScope(False)


def get_variable_scope():
    """tf.get_variable_scope: the innermost variable scope (the root scope has name '')."""
    st = gstate()
    return st.var_scope[-1] if st.var_scope else _ROOT


def unique_scope_name(base, st=None):
    """``base``, ``base_1``, ... : the next free default scope name under the current variable scope."""
    st = st or gstate()
    parent = get_variable_scope().name
    key = (parent, base)
    k = st.scope_counts.get(key, 0)
    st.scope_counts[key] = k + 1
    return base if k == 0 else f"{base}_{k}"


class variable_scope:  # noqa: N801 - TF's public name
    """tf.variable_scope: prefixes get_variable names (and opens a name scope of the same name)."""

    def __init__(self, name_or_scope=None, default_name=None, values=None, initializer=None, regularizer=None,
                 caching_device=None, partitioner=None, custom_getter=None, reuse=None, dtype=None,
                 use_resource=None, constraint=None, auxiliary_name_scope=True):
        if name_or_scope is None and default_name is None:
            raise TypeError("If default_name is None then name_or_scope is required")
        self._arg = name_or_scope
        self._default = default_name
        self._init = initializer
        self._reg = regularizer
        self._reuse = reuse
        self._dtype = dtype
        self._aux = auxiliary_name_scope
        self._ns = None

    def __enter__(self):
        st = gstate()
        parent = get_variable_scope()
        arg = self._arg
        if isinstance(arg, VariableScope):
            full = arg.name
            base = full.rsplit("/", 1)[-1]
            reuse = arg.reuse
        else:
            if arg is None:
                base = unique_scope_name(self._default, st)
            else:
                base = str(arg)
                key = (parent.name, base)
                st.scope_counts[key] = st.scope_counts.get(key, 0) + 1
            full = f"{parent.name}/{base}" if parent.name else base
            reuse = parent.reuse
        # re-entering a scope restarts the default names inside it (TF's close_variable_subscopes), so a
        # second call of a GAN's discriminator under reuse=True finds "disc/dense/kernel", not "disc/dense_1/..."
        for key in [k for k in st.scope_counts if k[0] == full or k[0].startswith(full + "/")]:
            del st.scope_counts[key]
        if self._reuse is True or self._reuse is AUTO_REUSE:
            reuse = self._reuse
        if parent.reuse is True:
            reuse = True
        src = arg if isinstance(arg, VariableScope) else parent
        scope = VariableScope(reuse, full, self._init or src.initializer, self._reg or src.regularizer,
                              self._dtype or src.dtype)
        if self._aux:
            self._ns = _graph.get_default_graph().name_scope(base)
            scope.original_name_scope = self._ns.__enter__()
        st.var_scope.append(scope)
        self._st = st
        return scope

    def __exit__(self, *exc):
        self._st.var_scope.pop()
        if self._ns is not None:
            self._ns.__exit__(*exc)
        return False


def get_variable(name, shape=None, dtype=None, initializer=None, regularizer=None, trainable=None,
                 collections=None, caching_device=None, partitioner=None, validate_shape=True,
                 use_resource=None, custom_getter=None, constraint=None, synchronization=None, aggregation=None):
    """tf.get_variable: create ``scope/name`` or, under ``reuse``, return the existing one (else ValueError)."""
    st = gstate()
    scope = get_variable_scope()
    full = f"{scope.name}/{name}" if scope.name else name
    reuse = scope.reuse
    existing = st.store.get(full)
    d = _dtypes.np_dtype(dtype) or _dtypes.np_dtype(scope.dtype, np.float32)
    if existing is not None:
        if reuse is True or reuse is AUTO_REUSE:
            if shape is not None and tuple(_base.static_shape(shape)) != tuple(existing.shape):
                raise ValueError(f"Trying to share variable {full}, but specified shape {tuple(shape)} and found "
                                 f"shape {tuple(existing.shape)}.")
            return existing
        raise ValueError(f"Variable {full} already exists, disallowed. Did you mean to set reuse=True or "
                         "reuse=tf.AUTO_REUSE in VarScope?")
    if reuse is True:
        raise ValueError(f"Variable {full} does not exist, or was not created with tf.get_variable(). Did you "
                         "mean to set reuse=tf.AUTO_REUSE in VarScope?")
    init = initializer if initializer is not None else scope.initializer
    if init is None:
        init = glorot_uniform_initializer() if d.kind == "f" else zeros_initializer()
    if shape is None and isinstance(init, Initializer):
        raise ValueError(f"Shape of a new variable ({full}) must be fully defined, but instead was None.")
    with _base.no_control_dependencies():
        if shape is not None:
            value = initial_value_node(init, _base.static_shape(shape, f"get_variable({full!r})"), d)
        else:
            value = as_graph_tensor(init, d)
    if trainable is None:
        trainable = True
    g = _graph.get_default_graph()
    op_name = g.unique_name(full, scoped=False)  # full itself unless a node has that name already
    v = Variable(value, trainable=trainable, collections=collections, dtype=d, _op_name=op_name)
    if shape is not None and tuple(v.shape) != tuple(_base.static_shape(shape)):
        raise ValueError(f"get_variable({full!r}): initializer gave shape {tuple(v.shape)}, expected {tuple(shape)}")
    st.store[full] = v
    reg = regularizer if regularizer is not None else scope.regularizer
    if reg is not None:
        with g.name_scope(full.rsplit("/", 1)[-1] + "/Regularizer"):
            loss = reg(v)
        if loss is not None:
            g.add_to_collection(GraphKeys.REGULARIZATION_LOSSES, loss)
    return v


__all__ = [
    "AUTO_REUSE", "GraphKeys", "Initializer", "Variable", "VariableScope", "add_to_collection",
    "add_to_collections", "all_variables", "constant_initializer", "get_collection", "get_collection_ref",
    "get_variable", "get_variable_scope", "global_variables", "global_variables_initializer",
    "glorot_normal_initializer", "glorot_uniform_initializer", "initialize_all_variables",
    "initialize_local_variables", "local_variables", "local_variables_initializer", "model_variables",
    "moving_average_variables", "ones_initializer", "random_normal_initializer", "random_uniform_initializer",
    "trainable_variables", "truncated_normal_initializer", "variable_scope", "variables_initializer",
    "variance_scaling_initializer", "xavier_initializer", "zeros_initializer",
]


_types.export(globals(), names=["global_variables_initializer", "initialize_all_variables",
                                "initialize_local_variables", "local_variables_initializer", "variables_initializer"])
