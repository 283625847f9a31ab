"""``tf.nn.rnn_cell`` (also ``tf.contrib.rnn``): TF 1.x's RNN cells as adapters over neuralab's recurrent kernels.

A cell is a :class:`~neuralab.compat.v1.layers.Layer` (TF 1.x's cells are
layers too), so it gets TF's variable names and sharing rules from there: the
first ``cell(inputs, state)`` opens the cell's variable scope (``basic_lstm_cell``,
``lstm_cell``, ``gru_cell``, ... made unique, or the ``scope`` given) under the
enclosing one (``rnn`` inside ``tf.nn.dynamic_rnn``, ``cell_0`` inside
``MultiRNNCell``) and creates the variables with ``tf.get_variable``; later
calls reuse them. So ``rnn/multi_rnn_cell/cell_0/basic_lstm_cell/kernel`` is
where TF puts it, and Savers and ``get_variable`` lookups behave as in TF.

The variables keep TF's layout: an LSTM's ``kernel`` is ``[input + hidden,
4 * units]`` with the gate blocks ``i, j, f, o`` and ``forget_bias`` added to
``f`` when the cell runs. No second LSTM is written here: the kernel's two row
blocks, transposed (views of the variable's read node), are the native
``w_ih = K[:input].T`` and ``w_hh = K[input:].T``, and
:func:`neuralab.functional.lstm` / :func:`~neuralab.functional.lstm_cell` run
with ``gate_order="ijfo"`` and the cell's ``forget_bias``. ``BasicRNNCell``
maps onto :func:`neuralab.functional.rnn` the same way.

Cells run in two ways: one step (``cell(x_t, state)``, what user loops and
``static_rnn``-style code call) or a whole time-major sequence at once
(``cell._sequence``, what ``tf.nn.dynamic_rnn`` uses). A whole sequence is one
native :class:`~neuralab.ops.recurrent.Recurrence` op per layer where the
native kernel computes the cell exactly (``BasicLSTMCell``, ``LSTMCell``
without peepholes, clipping or projection, ``BasicRNNCell`` with tanh/relu,
and ``MultiRNNCell``/``DropoutWrapper``/``ResidualWrapper`` around them:
dropout of inputs and outputs is applied to the whole sequence, which draws
one independent mask per step as TF does). Other cells run as a loop of steps
in the graph, with the input projections of all steps as one GEMM first:
``GRUCell`` (TF's GRU applies the reset gate *before* its candidate GEMM,
``(r * h) @ W``, which PyTorch's kernel cannot express), ``LSTMCell`` with
peepholes / ``cell_clip`` / ``num_proj``, custom activations, state dropout
and user cells. Either way the outputs past a sequence's length are zero and
its state stays at its last valid step.
"""
from __future__ import annotations

import collections
import hashlib

import numpy as np

from ... import ops as O
from ..._core import graph as _graph
from ..._core.tensor import Tensor
from ...functional import recurrent as F
from ...ops import elementwise as E, recurrent as R, shape as S
from . import _dtypes, _types
from ._base import as_tensor
from .array_ops import _const_value, _unsupported
from .layers import Layer, _act
from .missing import module_getattr
from .variables import constant_initializer, variable_scope, zeros_initializer

__getattr__ = module_getattr(__name__, "tf.nn.rnn_cell")


# ---------------------------------------------------------------------------------------
# nested structures (states are tensors, tuples of tensors, LSTMStateTuples, ...)
# ---------------------------------------------------------------------------------------

def _is_nested(s) -> bool:
    return isinstance(s, (tuple, list))


def _map(fn, *structures):
    """``fn`` applied to the leaves of structures of the same shape; the first one's types are kept."""
    s0 = structures[0]
    if _is_nested(s0):
        parts = [_map(fn, *xs) for xs in zip(*structures)]
        return type(s0)(*parts) if hasattr(s0, "_fields") else type(s0)(parts)
    return fn(*structures)


def _flatten(s) -> list:
    if _is_nested(s):
        return [leaf for x in s for leaf in _flatten(x)]
    return [s]


def _nl(s):
    """A structure of tf objects as neuralab tensors."""
    return _map(as_tensor, s)


def _wrap(s):
    """A structure of neuralab tensors as tf.Tensors (tf objects and other values pass through)."""
    return _map(_types.wrap, s)


def _same_structure(what, a, b):
    if _is_nested(a) != _is_nested(b) or (_is_nested(a) and len(a) != len(b)):
        raise ValueError(f"{what}: the state does not have the structure the cell expects (got {_describe(b)}, "
                         f"expected {_describe(a)})")
    if _is_nested(a):
        for x, y in zip(a, b):
            _same_structure(what, x, y)


def _describe(s):
    if _is_nested(s):
        return f"{type(s).__name__}(" + ", ".join(_describe(x) for x in s) + ")"
    return "tensor" if isinstance(s, (Tensor, _types.Tensor)) or hasattr(s, "__neuralab_tensor__") else repr(s)


class LSTMStateTuple(collections.namedtuple("LSTMStateTuple", ("c", "h"))):
    """tf.nn.rnn_cell.LSTMStateTuple(c, h): an LSTM's state, the cell state ``c`` first, the output ``h`` second."""

    __slots__ = ()

    @property
    def dtype(self):
        """The state's dtype (TypeError if ``c`` and ``h`` differ)."""
        c, h = self
        if c.dtype != h.dtype:
            raise TypeError(f"Inconsistent internal state: {c.dtype} vs {h.dtype}")
        return c.dtype


# ---------------------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------------------

def _size(s, what="state_size") -> int:
    """An int state/output size (an int, Dimension or 1-D TensorShape)."""
    if isinstance(s, _types.TensorShape):
        if s.ndims != 1 or s[0].value is None:
            _unsupported("RNN cells", f"with a {what} of shape {s}", "use integer sizes")
        return int(s[0].value)
    return int(_types.dimension_value(s))


def _zeros(batch_size, size, dtype):
    """A ``[batch_size, size]`` tensor of zeros; ``batch_size`` an int or a scalar tensor known at run time."""
    n = _size(size)
    d = _dtypes.np_dtype(dtype, np.float32)
    b = known_value(batch_size)
    if isinstance(b, Tensor):
        if b.shape is not None and len(b.shape) != 0:
            raise ValueError(f"zero_state: batch_size must be a scalar, got a tensor of shape "
                             f"{_types.TensorShape(b.shape)}")
        dims = O.stack([E.cast(b, np.int64), Tensor(np.int64(n))])
        z = O.full(dims, np.zeros((), d), d)
        _graph.refine_shape(z, (None, n))
        return z
    if b.ndim != 0 or b.dtype.kind not in "iuf" or float(b) != int(b):
        raise TypeError(f"zero_state: batch_size must be an integer or a scalar tensor, got {batch_size!r}")
    return O.zeros((int(b), n), d)


def known_value(x):
    """``x`` as a NumPy value when it is known at build time (a number, array, concrete tensor or Const node),
    else the symbolic neuralab tensor it stands for."""
    t = as_tensor(x)
    if not isinstance(t, Tensor):
        return np.asarray(t)
    if t.data is not None:
        return t.numpy()
    c = _const_value(t)
    return t if c is None else np.asarray(c)


def _input_depth(cell, input_shape):
    depth = input_shape[-1].value if input_shape.ndims else None
    if depth is None:
        raise ValueError(f"Expected inputs.shape[-1] to be known, saw shape: {input_shape}")
    return int(depth)


def _tf_function(name):
    from . import array_ops, nn

    return getattr(nn, name) if hasattr(nn, name) else getattr(array_ops, name)


def _activation(activation):
    """``(native, fn)``: the native name ("tanh"/"relu") when the activation is one, and the function to apply."""
    if activation is None:
        return "tanh", None
    if isinstance(activation, str):
        if activation not in ("tanh", "relu", "sigmoid", "linear"):
            _unsupported("RNN cells", f"with activation={activation!r}", "pass tanh, relu, sigmoid or a function")
        if activation == "linear":
            return None, lambda t: t
        return (activation if activation != "sigmoid" else None), _tf_function(activation)
    for name in ("tanh", "relu"):
        if activation is _tf_function(name):
            return name, activation
    return None, activation


def _apply(fn, y, native=None):
    """The cell's activation of neuralab tensor ``y`` (a user function gets and returns tf objects)."""
    if fn is None or native == "tanh":
        return E.tanh(y)
    if native == "relu":
        return E.maximum(y, 0.0)
    return _act(fn, y)


def _native_weights(kernel, depth):
    """TF's ``[input + hidden, G * units]`` kernel as the native ``w_ih (G*units, input)``, ``w_hh (G*units, hidden)``
    (transposed views of its two row blocks; no copy)."""
    return (S.transpose(S.getitem(kernel, slice(0, depth))), S.transpose(S.getitem(kernel, slice(depth, None))))


def _blocks(z, n, k):
    """The ``k`` blocks of width ``n`` along z's last axis."""
    return [S.getitem(z, (Ellipsis, slice(i * n, (i + 1) * n))) for i in range(k)]


def _project_all(x, kernel, bias, depth):
    """The input projections of every step at once: ``x (T, B, depth) @ kernel[:depth] + bias`` as one GEMM."""
    T, B, _ = x.shape
    w = S.getitem(kernel, slice(0, depth))
    y = O.matmul(S.reshape(x, (-1, depth)), w)
    if bias is not None:
        y = E.add(y, bias)
    return S.reshape(y, (T, B if B is not None else -1, int(w.shape[1])))


# ---------------------------------------------------------------------------------------
# sequences: the contract cells implement for dynamic_rnn
# ---------------------------------------------------------------------------------------

class _Sequence:
    """How a sequence runs: ``lengths`` (None, a NumPy int array or an int tensor of shape (B,)), the number of
    steps, and the direction (``reverse``: each sequence from its own last valid step back to step 0)."""

    def __init__(self, lengths, steps, reverse=False):
        self.lengths, self.steps, self.reverse = lengths, int(steps), bool(reverse)
        self._mask = None

    def mask(self):
        """The (T, B, 1) bool mask of valid steps (None when every step is valid)."""
        if self.lengths is None:
            return None
        if self._mask is None:
            self._mask = S.expand_dims(F.sequence_mask(self.lengths, self.steps), -1)
        return self._mask


def _masked_loop(step, xs, state, seq):
    """Run ``step(x_t, state) -> (output, new_state)`` over the steps ``xs`` (neuralab tensors), in ``seq``'s
    direction, with TF's rule for steps past a sequence's length: the output is zero and the state is kept."""
    T = len(xs)
    m = seq.mask()
    ms = None if m is None else O.unstack(m, 0)
    outs = [None] * T
    for t in (range(T - 1, -1, -1) if seq.reverse else range(T)):
        out, new = step(xs[t], state)
        if ms is not None:
            out = E.where(ms[t], out, S.zeros_like(out))
            new = _map(lambda a, b, mt=ms[t]: E.where(mt, a, b), new, state)
        outs[t] = out
        state = new
    return O.stack(outs, 0), state


def _loop(cell, x, state, seq):
    """Any cell over a time-major sequence ``x`` (T, B, depth): one ``cell(x_t, state)`` call per step."""
    def step(xt, st):
        out, new = cell(_types.wrap(xt), _wrap(st))
        new = _nl(new)
        _same_structure(f"{type(cell).__name__} in an RNN", st, new)
        return as_tensor(out), new

    return _masked_loop(step, O.unstack(x, 0), state, seq)


def run_sequence(cell, x, state, seq):
    """``(outputs (T, B, output_size), final state)`` of ``cell`` over the time-major sequence ``x`` (neuralab
    tensors in, neuralab tensors out): the cell's own ``_sequence`` when it has one, else a loop of calls."""
    f = getattr(cell, "_sequence", None)
    if f is None:
        return _loop(cell, x, state, seq)
    return f(x, state, seq)


# ---------------------------------------------------------------------------------------
# the base classes
# ---------------------------------------------------------------------------------------

class RNNCell(Layer):
    """tf.nn.rnn_cell.RNNCell: the base of RNN cells (and of user cells).

    Subclasses define ``state_size``, ``output_size`` and ``call(inputs,
    state) -> (output, new_state)`` (creating variables with ``tf.get_variable``
    or in ``build``). ``cell(inputs, state, scope=None)`` runs one step in the
    cell's variable scope (created on the first call, reused afterwards);
    ``zero_state(batch_size, dtype)`` gives the all-zeros state.
    """

    def __init__(self, trainable=True, name=None, dtype=None, _reuse=None, **kwargs):
        super().__init__(trainable=trainable, name=name, dtype=_dtypes.np_dtype(dtype), _reuse=_reuse, **kwargs)

    @property
    def state_size(self):
        """The size(s) of the state: an int, a TensorShape or a (nested) tuple of them."""
        raise NotImplementedError("Abstract method")

    @property
    def output_size(self):
        """The size of the output."""
        raise NotImplementedError("Abstract method")

    def zero_state(self, batch_size, dtype):
        """The all-zeros state: ``[batch_size, s]`` tensors for each size ``s`` in ``state_size``."""
        with _graph.get_default_graph().name_scope(type(self).__name__ + "ZeroState"):
            return _wrap(_map(lambda s: _zeros(batch_size, s, dtype), self.state_size))

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        """The zero state for ``inputs``' batch and dtype (or the given ``batch_size`` and ``dtype``)."""
        if inputs is not None:
            x = as_tensor(inputs)
            b = x.shape[0] if x.shape is not None and x.shape[0] is not None else O.getitem(O.shape_of(x), 0)
            if batch_size is None:
                batch_size = b
            dtype = dtype or x.dtype
        if batch_size is None or dtype is None:
            raise ValueError(f"batch_size and dtype cannot be None while constructing initial state: "
                             f"batch_size={batch_size}, dtype={dtype}")
        return self.zero_state(batch_size, dtype)

    def build(self, input_shape):
        """Nothing to build by default (a cell may create its variables in ``call``)."""
        self.built = True

    def __call__(self, inputs, state, scope=None):
        """One step: ``(output, new_state)`` for ``inputs`` ([batch, depth]) and ``state``."""
        if scope is not None and self._scope is None:
            self._given_name = scope  # (TF: a scope given on the first call is the cell's own scope)
        return _wrap(_nl(Layer.__call__(self, inputs, state)))

    def _in_scope(self, x, state, seq):
        """``call(x, state, _seq=seq)`` in the cell's variable scope (building it first): a whole sequence."""
        return _nl(Layer.__call__(self, _types.wrap(x), _wrap(state), _seq=seq))


class LayerRNNCell(RNNCell):
    """tf.nn.rnn_cell.LayerRNNCell: an RNNCell that creates its variables in ``build`` (like every layer)."""


def _check_depth(cell, x, depth):
    n = x.shape[-1] if x.shape is not None else None
    if n is not None and n != depth:
        raise ValueError(f"{type(cell).__name__} '{cell.name}': inputs have {n} features but the cell was built for "
                         f"{depth} (its kernel has shape {cell._kernel.shape})")


# ---------------------------------------------------------------------------------------
# the cells
# ---------------------------------------------------------------------------------------

class _OneState(LayerRNNCell):
    """A cell whose state and output are one [batch, num_units] tensor."""

    @property
    def state_size(self):
        """The size(s) of the state (see the class docstring)."""
        return self._num_units

    @property
    def output_size(self):
        """The size of the output."""
        return self._num_units

    def _sequence(self, x, state, seq):
        return self._in_scope(x, state, seq)


class BasicRNNCell(_OneState):
    """tf.nn.rnn_cell.BasicRNNCell: ``h' = activation([x, h] @ kernel + bias)``; output = new state.

    Variables ``kernel`` ``[input + units, units]`` (the scope's initializer, else Glorot uniform) and ``bias``
    (zeros). With tanh (default) or relu a sequence is one native :func:`neuralab.functional.rnn` op.
    """

    def __init__(self, num_units, activation=None, reuse=None, name=None, dtype=None, **kwargs):
        super().__init__(_reuse=reuse, name=name, dtype=dtype, **kwargs)
        self._num_units = int(num_units)
        self._native, self._activation = _activation(activation)

    def build(self, input_shape):
        """Create the variables for inputs of ``input_shape`` (its last dimension is the input depth)."""
        self._depth = _input_depth(self, input_shape)
        n = self._num_units
        self._kernel = self.add_weight("kernel", [self._depth + n, n])
        self._bias = self.add_weight("bias", [n], initializer=zeros_initializer())
        self.built = True

    def call(self, inputs, state, _seq=None):
        """One step ``(output, new_state)``; with ``_seq`` (a sequence description) the whole time-major sequence."""
        x, h = as_tensor(inputs), as_tensor(state)
        _check_depth(self, x, self._depth)
        K, b = as_tensor(self._kernel), as_tensor(self._bias)
        if _seq is None:
            if self._native is not None:
                w_ih, w_hh = _native_weights(K, self._depth)
                y = F.rnn_cell(x, h, w_ih, w_hh, b, nonlinearity=self._native)
            else:
                y = _apply(self._activation, E.add(O.matmul(O.concatenate([x, h], axis=1), K), b))
            return y, y
        if self._native is not None:
            w_ih, w_hh = _native_weights(K, self._depth)
            return F.rnn(x, w_ih, w_hh, b, None, h, nonlinearity=self._native, lengths=_seq.lengths,
                         reverse=_seq.reverse)
        xw = O.unstack(_project_all(x, K, b, self._depth), 0)
        u = S.getitem(K, slice(self._depth, None))

        def step(xw_t, h):
            y = _apply(self._activation, E.add(xw_t, O.matmul(h, u)))
            return y, y

        return _masked_loop(step, xw, h, _seq)


class GRUCell(_OneState):
    """tf.nn.rnn_cell.GRUCell (Cho et al. 2014), TF's formulation::

        r, u = split(sigmoid([x, h] @ gates/kernel + gates/bias))      (gates/bias starts at 1.0)
        c = activation([x, r * h] @ candidate/kernel + candidate/bias)
        h' = u * h + (1 - u) * c                                       output = h'

    The reset gate scales ``h`` before the candidate's GEMM, which the native
    (PyTorch/cuDNN) GRU kernel does not compute, so a sequence runs as a graph
    loop of these steps after one GEMM for all the steps' input projections.
    """

    def __init__(self, num_units, activation=None, reuse=None, kernel_initializer=None, bias_initializer=None,
                 name=None, dtype=None, **kwargs):
        super().__init__(_reuse=reuse, name=name, dtype=dtype, **kwargs)
        self._num_units = int(num_units)
        self._native, self._activation = _activation(activation)
        self._kernel_initializer, self._bias_initializer = kernel_initializer, bias_initializer

    def build(self, input_shape):
        """Create the variables for inputs of ``input_shape`` (its last dimension is the input depth)."""
        self._depth = d = _input_depth(self, input_shape)
        n = self._num_units
        self._gate_kernel = self.add_weight("gates/kernel", [d + n, 2 * n], initializer=self._kernel_initializer)
        self._gate_bias = self.add_weight("gates/bias", [2 * n], initializer=(
            self._bias_initializer if self._bias_initializer is not None else constant_initializer(1.0)))
        self._candidate_kernel = self.add_weight("candidate/kernel", [d + n, n], initializer=self._kernel_initializer)
        self._candidate_bias = self.add_weight("candidate/bias", [n], initializer=(
            self._bias_initializer if self._bias_initializer is not None else zeros_initializer()))
        self._kernel = self._gate_kernel
        self.built = True

    def _step(self, xg, xc, h):
        """One step from the input parts of both GEMMs (``xg``: gates, ``xc``: candidate, biases included)."""
        n, d = self._num_units, self._depth
        gk, ck = as_tensor(self._gate_kernel), as_tensor(self._candidate_kernel)
        r, u = _blocks(E.sigmoid(E.add(xg, O.matmul(h, S.getitem(gk, slice(d, None))))), n, 2)
        c = _apply(self._activation, E.add(xc, O.matmul(E.multiply(r, h), S.getitem(ck, slice(d, None)))),
                   self._native)
        new_h = E.add(E.multiply(u, h), E.multiply(E.subtract(1.0, u), c))
        return new_h, new_h

    def call(self, inputs, state, _seq=None):
        """One step ``(output, new_state)``; with ``_seq`` (a sequence description) the whole time-major sequence."""
        x, h = as_tensor(inputs), as_tensor(state)
        _check_depth(self, x, self._depth)
        d = self._depth
        gk, gb = as_tensor(self._gate_kernel), as_tensor(self._gate_bias)
        ck, cb = as_tensor(self._candidate_kernel), as_tensor(self._candidate_bias)
        if _seq is None:
            xg = E.add(O.matmul(x, S.getitem(gk, slice(0, d))), gb)
            xc = E.add(O.matmul(x, S.getitem(ck, slice(0, d))), cb)
            return self._step(xg, xc, h)
        xg = O.unstack(_project_all(x, gk, gb, d), 0)
        xc = O.unstack(_project_all(x, ck, cb, d), 0)
        return _masked_loop(lambda parts, st: self._step(parts[0], parts[1], st), list(zip(xg, xc)), h, _seq)


class _LSTMBase(LayerRNNCell):
    """What BasicLSTMCell and LSTMCell share: the state layout, the kernel mapping and the native paths."""

    _num_proj = None
    _use_peepholes = False
    _cell_clip = None
    _proj_clip = None

    def _split_state(self, state):
        n = self._num_units
        if self._state_is_tuple:
            if not _is_nested(state) or len(state) != 2:
                raise ValueError(f"{type(self).__name__}: expected an LSTMStateTuple (c, h) state, got "
                                 f"{_describe(state)}")
            c, h = state
            return as_tensor(c), as_tensor(h)
        s = as_tensor(state)
        return S.getitem(s, (slice(None), slice(0, n))), S.getitem(s, (slice(None), slice(n, None)))

    def _join_state(self, c, h):
        return LSTMStateTuple(c, h) if self._state_is_tuple else O.concatenate([c, h], axis=1)

    @property
    def _plain(self):
        """True when the native LSTM kernel is exactly this cell (tanh, no peepholes, clipping or projection)."""
        return (self._native == "tanh" and not self._use_peepholes and self._cell_clip is None
                and self._num_proj is None)

    def _pointwise(self, gates, c_prev):
        """``(m, c)`` from the pre-activations (blocks i, j, f, o) and the previous cell state, before projection."""
        if self._native == "tanh" and not self._use_peepholes and self._cell_clip is None:
            h, c, _ = R.lstm_pointwise(gates, c_prev, gate_order="ijfo", forget_bias=self._forget_bias)
            return h, c
        n = self._num_units
        i, j, f, o = _blocks(gates, n, 4)
        f = E.add(f, self._forget_bias) if self._forget_bias else f
        if self._use_peepholes:
            wi, wf, wo = (as_tensor(v) for v in (self._w_i_diag, self._w_f_diag, self._w_o_diag))
            f, i = E.add(f, E.multiply(wf, c_prev)), E.add(i, E.multiply(wi, c_prev))
        c = E.add(E.multiply(E.sigmoid(f), c_prev), E.multiply(E.sigmoid(i), _apply(self._activation, j,
                                                                                     self._native)))
        if self._cell_clip is not None:
            c = O.clip(c, -float(self._cell_clip), float(self._cell_clip))
        if self._use_peepholes:
            o = E.add(o, E.multiply(wo, c))
        return E.multiply(E.sigmoid(o), _apply(self._activation, c, self._native)), c

    def _project(self, m):
        if self._num_proj is None:
            return m
        m = O.matmul(m, as_tensor(self._proj_kernel))
        if self._proj_clip is not None:
            m = O.clip(m, -float(self._proj_clip), float(self._proj_clip))
        return m

    def call(self, inputs, state, _seq=None):
        """One step ``(output, new_state)``; with ``_seq`` (a sequence description) the whole time-major sequence."""
        x = as_tensor(inputs)
        _check_depth(self, x, self._depth)
        c, h = self._split_state(state)
        K, b = as_tensor(self._kernel), as_tensor(self._bias)
        d = self._depth
        if _seq is None:
            if self._plain:
                w_ih, w_hh = _native_weights(K, d)
                h2, c2 = F.lstm_cell(x, h, c, w_ih, w_hh, b, gate_order="ijfo", forget_bias=self._forget_bias)
            else:
                h2, c2 = self._pointwise(E.add(O.matmul(O.concatenate([x, h], axis=1), K), b), c)
                h2 = self._project(h2)
            return h2, self._join_state(c2, h2)
        if self._plain:
            w_ih, w_hh = _native_weights(K, d)
            out, (hn, cn) = F.lstm(x, w_ih, w_hh, b, None, h, c, lengths=_seq.lengths, reverse=_seq.reverse,
                                   gate_order="ijfo", forget_bias=self._forget_bias)
            return out, self._join_state(cn, hn)
        xw = O.unstack(_project_all(x, K, b, d), 0)
        u = S.getitem(K, slice(d, None))

        def step(xw_t, st):
            c_prev, m_prev = st
            m, c_new = self._pointwise(E.add(xw_t, O.matmul(m_prev, u)), c_prev)
            m = self._project(m)
            return m, (c_new, m)

        out, (cn, hn) = _masked_loop(step, xw, (c, h), _seq)
        return out, self._join_state(cn, hn)

    def _sequence(self, x, state, seq):
        return self._in_scope(x, state, seq)


class BasicLSTMCell(_LSTMBase):
    """tf.nn.rnn_cell.BasicLSTMCell: the LSTM with ``forget_bias`` (default 1.0) added to the forget gate::

        i, j, f, o = split([x, h] @ kernel + bias, 4)
        c' = c * sigmoid(f + forget_bias) + sigmoid(i) * tanh(j)      h' = tanh(c') * sigmoid(o)

    State ``LSTMStateTuple(c, h)`` (or ``[c, h]`` concatenated with
    ``state_is_tuple=False``); variables ``kernel`` ``[input + units, 4 * units]``
    and ``bias`` (zeros). This is the native LSTM kernel with TF's gate order.
    """

    def __init__(self, num_units, forget_bias=1.0, state_is_tuple=True, activation=None, reuse=None, name=None,
                 dtype=None, **kwargs):
        super().__init__(_reuse=reuse, name=name, dtype=dtype, **kwargs)
        self._num_units = int(num_units)
        self._forget_bias = float(forget_bias)
        self._state_is_tuple = bool(state_is_tuple)
        self._native, self._activation = _activation(activation)

    @property
    def state_size(self):
        """The size(s) of the state (see the class docstring)."""
        n = self._num_units
        return LSTMStateTuple(n, n) if self._state_is_tuple else 2 * n

    @property
    def output_size(self):
        """The size of the output."""
        return self._num_units

    def build(self, input_shape):
        """Create the variables for inputs of ``input_shape`` (its last dimension is the input depth)."""
        self._depth = _input_depth(self, input_shape)
        n = self._num_units
        self._kernel = self.add_weight("kernel", [self._depth + n, 4 * n])
        self._bias = self.add_weight("bias", [4 * n], initializer=zeros_initializer())
        self.built = True


class LSTMCell(_LSTMBase):
    """tf.nn.rnn_cell.LSTMCell: BasicLSTMCell plus optional peepholes, cell clipping and an output projection.

    ``use_peepholes``: diagonal weights ``w_f_diag``, ``w_i_diag``, ``w_o_diag``
    (Sak et al. 2014) add ``w * c`` to the forget and input gates (previous
    ``c``) and to the output gate (new ``c``); ``cell_clip`` clips ``c`` to
    ``[-cell_clip, cell_clip]`` before the output; ``num_proj`` multiplies the
    output by ``projection/kernel`` ``[units, num_proj]`` (then clipped to
    ``proj_clip``), and that projected output is what feeds back. State
    ``LSTMStateTuple(c, m)``. ``initializer`` initializes the kernel,
    peepholes and projection (default: the scope's, else Glorot uniform).
    """

    def __init__(self, num_units, use_peepholes=False, cell_clip=None, initializer=None, num_proj=None,
                 proj_clip=None, num_unit_shards=None, num_proj_shards=None, forget_bias=1.0, state_is_tuple=True,
                 activation=None, reuse=None, name=None, dtype=None, **kwargs):
        super().__init__(_reuse=reuse, name=name, dtype=dtype, **kwargs)
        if num_unit_shards is not None or num_proj_shards is not None:
            _unsupported("tf.nn.rnn_cell.LSTMCell", "with num_unit_shards/num_proj_shards (partitioned variables)",
                         "leave them None")
        self._num_units = int(num_units)
        self._use_peepholes = bool(use_peepholes)
        self._cell_clip = cell_clip
        self._initializer = initializer
        self._num_proj = None if num_proj is None else int(num_proj)
        self._proj_clip = proj_clip
        self._forget_bias = float(forget_bias)
        self._state_is_tuple = bool(state_is_tuple)
        self._native, self._activation = _activation(activation)

    @property
    def state_size(self):
        """The size(s) of the state (see the class docstring)."""
        n, p = self._num_units, self._num_proj
        if p is None:
            return LSTMStateTuple(n, n) if self._state_is_tuple else 2 * n
        return LSTMStateTuple(n, p) if self._state_is_tuple else n + p

    @property
    def output_size(self):
        """The size of the output."""
        return self._num_units if self._num_proj is None else self._num_proj

    def build(self, input_shape):
        """Create the variables for inputs of ``input_shape`` (its last dimension is the input depth)."""
        self._depth = d = _input_depth(self, input_shape)
        n = self._num_units
        h = n if self._num_proj is None else self._num_proj
        init = self._initializer
        self._kernel = self.add_weight("kernel", [d + h, 4 * n], initializer=init)
        self._bias = self.add_weight("bias", [4 * n], initializer=zeros_initializer())
        if self._use_peepholes:
            self._w_f_diag = self.add_weight("w_f_diag", [n], initializer=init)
            self._w_i_diag = self.add_weight("w_i_diag", [n], initializer=init)
            self._w_o_diag = self.add_weight("w_o_diag", [n], initializer=init)
        if self._num_proj is not None:
            self._proj_kernel = self.add_weight("projection/kernel", [n, self._num_proj], initializer=init)
        self.built = True


# ---------------------------------------------------------------------------------------
# MultiRNNCell and the wrappers
# ---------------------------------------------------------------------------------------

class MultiRNNCell(RNNCell):
    """tf.nn.rnn_cell.MultiRNNCell(cells): the cells stacked, cell ``i`` in variable scope ``cell_i``.

    The state is the tuple of the cells' states (or their concatenation with
    ``state_is_tuple=False``); the output is the last cell's. Over a sequence
    each layer runs whole (one native op per layer where the cell allows),
    which is the same computation as stepping the whole stack per time step.
    """

    def __init__(self, cells, state_is_tuple=True):
        super().__init__()
        if not _is_nested(cells):
            raise TypeError(f"cells must be a list or tuple, but saw: {cells}.")
        if not cells:
            raise ValueError("Must specify at least one cell for MultiRNNCell.")
        self._cells = list(cells)
        self._state_is_tuple = bool(state_is_tuple)
        if not state_is_tuple and any(_is_nested(c.state_size) for c in self._cells):
            raise ValueError(f"Some cells return tuples of states, but the flag state_is_tuple is not set.  State "
                             f"sizes are: {[c.state_size for c in self._cells]}")

    @property
    def state_size(self):
        """The size(s) of the state (see the class docstring)."""
        if self._state_is_tuple:
            return tuple(c.state_size for c in self._cells)
        return sum(_size(c.state_size) for c in self._cells)

    @property
    def output_size(self):
        """The size of the output."""
        return self._cells[-1].output_size

    def zero_state(self, batch_size, dtype):
        """The tuple of the cells' zero states (or one concatenated zero state)."""
        if not self._state_is_tuple:
            return super().zero_state(batch_size, dtype)
        with _graph.get_default_graph().name_scope("MultiRNNCellZeroState"):
            return tuple(c.zero_state(batch_size, dtype) for c in self._cells)

    @property
    def variables(self):
        """The variables of all the cells."""
        out = []
        for c in self._cells:
            for v in getattr(c, "variables", []):
                if not any(v is w for w in out):
                    out.append(v)
        return out

    weights = variables

    @property
    def trainable_variables(self):
        """The trainable variables."""
        return [v for v in self.variables if v.trainable]

    trainable_weights = trainable_variables

    @property
    def non_trainable_variables(self):
        """The non-trainable variables."""
        return [v for v in self.variables if not v.trainable]

    non_trainable_weights = non_trainable_variables

    def call(self, inputs, state, _seq=None):
        """One step ``(output, new_state)``; with ``_seq`` (a sequence description) the whole time-major sequence."""
        if self._state_is_tuple and (not _is_nested(state) or len(state) != len(self._cells)):
            raise ValueError(f"Expected state to be a tuple of length {len(self._cells)}, but received: "
                             f"{_describe(state)}")
        cur, pos, new_states = inputs, 0, []
        for i, cell in enumerate(self._cells):
            with variable_scope(f"cell_{i}"):
                if self._state_is_tuple:
                    st = state[i]
                else:
                    n = _size(cell.state_size)
                    st = S.getitem(as_tensor(state), (slice(None), slice(pos, pos + n)))
                    pos += n
                if _seq is None:
                    cur, new = cell(cur, st)
                else:
                    cur, new = run_sequence(cell, as_tensor(cur), _nl(st), _seq)
                new_states.append(_nl(new))
        if self._state_is_tuple:
            return as_tensor(cur), tuple(new_states)
        return as_tensor(cur), O.concatenate(new_states, axis=1)

    def _sequence(self, x, state, seq):
        return self._in_scope(x, state, seq)


class _Wrapper(RNNCell):
    """A cell around another one, in the wrapped cell's variable scope (wrappers add no scope of their own)."""

    def __init__(self, cell, **kwargs):
        super().__init__(**kwargs)
        if not callable(cell) or not hasattr(cell, "state_size") or not hasattr(cell, "output_size"):
            raise TypeError(f"The argument 'cell' ({cell}) is not an RNNCell: it needs state_size, output_size and "
                            "to be callable.")
        self.cell = cell

    @property
    def wrapped_cell(self):
        """The cell inside."""
        return self.cell

    @property
    def state_size(self):
        """The size(s) of the state (see the class docstring)."""
        return self.cell.state_size

    @property
    def output_size(self):
        """The size of the output."""
        return self.cell.output_size

    def zero_state(self, batch_size, dtype):
        """The wrapped cell's zero state."""
        with _graph.get_default_graph().name_scope(type(self).__name__ + "ZeroState"):
            return self.cell.zero_state(batch_size, dtype)

    @property
    def variables(self):
        """The wrapped cell's variables."""
        return list(getattr(self.cell, "variables", []))

    weights = variables

    @property
    def trainable_variables(self):
        """The trainable variables."""
        return [v for v in self.variables if v.trainable]

    trainable_weights = trainable_variables

    def _call_cell(self, inputs, state, scope):
        out, new = self.cell(inputs, state) if scope is None else self.cell(inputs, state, scope=scope)
        return as_tensor(out), _nl(new)



def _default_state_filter(s):
    """TF's default for DropoutWrapper: drop every state part except an LSTM's memory ``c``."""
    if isinstance(s, LSTMStateTuple):
        return LSTMStateTuple(c=False, h=True)
    return True


def _filter_of(visitor, s):
    """A structure of bools like ``s``: which leaves ``visitor`` lets dropout touch (TF's traversal: a True at a
    level applies the visitor again below it, a False turns the whole level off)."""
    r = visitor(s)
    if isinstance(r, (bool, np.bool_)):
        if not r or not _is_nested(s):
            return _map(lambda _: bool(r), s)
        return type(s)(*[_filter_of(visitor, x) for x in s]) if hasattr(s, "_fields") else \
            type(s)([_filter_of(visitor, x) for x in s])
    if not _is_nested(s) or not _is_nested(r) or len(r) != len(s):
        raise ValueError(f"dropout_state_filter_visitor returned {r!r} for a state part {_describe(s)}: expected a "
                         "bool or one bool per part")
    parts = [(_filter_of(visitor, x) if (ri and _is_nested(x)) else _map(lambda _, v=bool(ri): v, x))
             for x, ri in zip(s, r)]
    return type(s)(*parts) if hasattr(s, "_fields") else type(s)(parts)


class DropoutWrapper(_Wrapper):
    """tf.nn.rnn_cell.DropoutWrapper: dropout on a cell's inputs, outputs and (outgoing) states.

    The keep probabilities are floats in [0, 1] or scalar tensors (a
    placeholder fed 1.0 at test time); a constant 1 adds nothing. Each step
    draws a new mask, unless ``variational_recurrent=True``: then one mask per
    run and per part (shape ``[1, depth]``, TF's rule) is used at every step
    (needs ``dtype``, and ``input_size`` when inputs are dropped). State dropout
    skips an LSTM's memory ``c`` unless ``dropout_state_filter_visitor`` says
    otherwise. Over a sequence without state dropout, the input and output
    masks are drawn for all steps at once around the wrapped cell's sequence.
    """

    def __init__(self, cell, input_keep_prob=1.0, output_keep_prob=1.0, state_keep_prob=1.0,
                 variational_recurrent=False, input_size=None, dtype=None, seed=None,
                 dropout_state_filter_visitor=None, **kwargs):
        super().__init__(cell, dtype=dtype, **kwargs)
        if dropout_state_filter_visitor is not None and not callable(dropout_state_filter_visitor):
            raise TypeError("dropout_state_filter_visitor must be callable")
        self._state_filter = dropout_state_filter_visitor or _default_state_filter
        for prob, attr in ((input_keep_prob, "input_keep_prob"), (state_keep_prob, "state_keep_prob"),
                           (output_keep_prob, "output_keep_prob")):
            p = known_value(prob)
            if isinstance(p, Tensor):
                if p.shape is not None and len(p.shape) != 0:
                    raise ValueError(f"Parameter {attr} must be a scalar, got a tensor of shape "
                                     f"{_types.TensorShape(p.shape)}")
                setattr(self, "_" + attr, p if p.shape is not None else O.reshape(p, ()))
                continue
            v = float(p)
            if not 0.0 <= v <= 1.0:
                raise ValueError(f"Parameter {attr} must be between 0 and 1: {v}")
            setattr(self, "_" + attr, v)
        self._variational = bool(variational_recurrent)
        self._seed = seed
        self._noise = {}
        if self._variational:
            if dtype is None:
                raise ValueError("When variational_recurrent=True, dtype must be provided")
            d = _dtypes.np_dtype(dtype)
            if self._drops(self._input_keep_prob):
                if input_size is None:
                    raise ValueError("When variational_recurrent=True and input_keep_prob < 1.0 or is unknown, "
                                     "input_size must be provided")
                self._noise["input"] = self._draws("input", input_size, d)
            self._noise["state"] = self._draws("state", cell.state_size, d)
            self._noise["output"] = self._draws("output", cell.output_size, d)

    @staticmethod
    def _drops(p):
        return not isinstance(p, float) or p < 1.0

    def _gen_seed(self, salt, index):
        """TF's per-part op seed: the first 8 hex digits of md5(str(seed) + "<salt>_<index>"), 31 bits."""
        if self._seed is None:
            return None
        digest = hashlib.md5(f"{self._seed}{salt}_{index}".encode()).hexdigest()
        return int(digest[:8], 16) & 0x7FFFFFFF

    def _draws(self, salt, sizes, dtype):
        from . import array_ops

        leaves = _flatten(sizes)
        noise = [as_tensor(array_ops.random_uniform([1, _size(s, "input_size")], dtype=dtype,
                                                    seed=self._gen_seed(salt, i)))
                 for i, s in enumerate(leaves)]
        it = iter(noise)
        return _map(lambda _: next(it), sizes)

    def _dropout(self, values, salt, keep, which=None):
        """Dropout of the leaves of ``values`` (neuralab tensors) that ``which`` marks (default: all)."""
        from . import nn

        which = _map(lambda _: True, values) if which is None else which
        noise = self._noise.get(salt)
        leaves, flags = _flatten(values), _flatten(which)
        noises = _flatten(noise) if noise is not None else [None] * len(leaves)
        out = []
        for i, (v, on, n) in enumerate(zip(leaves, flags, noises)):
            if not on:
                out.append(v)
            elif n is not None:  # the run's fixed mask: v / keep * floor(keep + u)
                out.append(E.multiply(E.divide(v, keep), O.floor(E.add(keep, n))))
            else:
                out.append(as_tensor(nn.dropout(_types.wrap(v), keep_prob=keep, seed=self._gen_seed(salt, i))))
        it = iter(out)
        return _map(lambda _: next(it), values)

    def __call__(self, inputs, state, scope=None):
        """One step: dropout on the inputs, the wrapped cell, dropout on the new state and the output."""
        x = as_tensor(inputs)
        if self._drops(self._input_keep_prob):
            x = self._dropout(x, "input", self._input_keep_prob)
        out, new = self._call_cell(_types.wrap(x), state, scope)
        if self._drops(self._state_keep_prob):
            new = self._dropout(new, "state", self._state_keep_prob, _filter_of(self._state_filter, new))
        if self._drops(self._output_keep_prob):
            out = self._dropout(out, "output", self._output_keep_prob)
        return _wrap((out, new))

    def _sequence(self, x, state, seq):
        if self._drops(self._state_keep_prob):
            return _loop(self, x, state, seq)
        if self._drops(self._input_keep_prob):
            x = self._dropout(x, "input", self._input_keep_prob)
        out, st = run_sequence(self.cell, x, state, seq)
        if self._drops(self._output_keep_prob):
            out = self._dropout(out, "output", self._output_keep_prob)
        return out, st


class ResidualWrapper(_Wrapper):
    """tf.nn.rnn_cell.ResidualWrapper: the cell's output plus its input (``residual_fn(inputs, outputs)`` if
    given); the state is the wrapped cell's."""

    def __init__(self, cell, residual_fn=None, **kwargs):
        super().__init__(cell, **kwargs)
        self._residual_fn = residual_fn

    def _residual(self, x, out):
        if self._residual_fn is not None:
            return as_tensor(self._residual_fn(_types.wrap(x), _types.wrap(out)))
        if x.shape is not None and out.shape is not None and not _types.TensorShape(x.shape).is_compatible_with(
                _types.TensorShape(out.shape)):
            raise ValueError(f"ResidualWrapper: the inputs of shape {_types.TensorShape(x.shape)} and the cell's "
                             f"outputs of shape {_types.TensorShape(out.shape)} cannot be added")
        return E.add(x, out)

    def __call__(self, inputs, state, scope=None):
        """One step: ``(inputs + cell output, new state)``."""
        out, new = self._call_cell(inputs, state, scope)
        return _wrap((self._residual(as_tensor(inputs), out), new))

    def _sequence(self, x, state, seq):
        if self._residual_fn is not None:
            return _loop(self, x, state, seq)
        out, st = run_sequence(self.cell, x, state, seq)
        out = self._residual(x, out)
        m = seq.mask()
        if m is not None:  # (steps past a sequence's end output zeros)
            out = E.where(m, out, S.zeros_like(out))
        return out, st


class DeviceWrapper(_Wrapper):
    """tf.nn.rnn_cell.DeviceWrapper(cell, device): the cell itself (every op runs on the CPU here)."""

    def __init__(self, cell, device, **kwargs):
        super().__init__(cell, **kwargs)
        self._device = device

    def __call__(self, inputs, state, scope=None):
        """One step of the wrapped cell."""
        return _wrap(self._call_cell(inputs, state, scope))

    def _sequence(self, x, state, seq):
        return run_sequence(self.cell, x, state, seq)


__all__ = ["BasicLSTMCell", "BasicRNNCell", "DeviceWrapper", "DropoutWrapper", "GRUCell", "LSTMCell",
           "LSTMStateTuple", "LayerRNNCell", "MultiRNNCell", "RNNCell", "ResidualWrapper"]
