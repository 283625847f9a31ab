"""Recurrent cells and sequences as functions of explicit weights (the kernels behind ``nn.RNN/LSTM/GRU``).

Weights use PyTorch's layout and gate order, so a PyTorch state dict maps onto
them one to one: ``w_ih`` is ``(G*H, I)``, ``w_hh`` is ``(G*H, H)``, the biases
``(G*H,)``, with the G gate blocks stacked along the first axis

* RNN (G = 1): ``h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh)``, act tanh or relu;
* LSTM (G = 4, blocks i, f, g, o): see :func:`neuralab.ops.lstm_pointwise`;
* GRU (G = 3, blocks r, z, n, ``b_hn`` inside the reset product as in PyTorch):
  see :func:`neuralab.ops.gru_pointwise`.

The LSTM functions take ``gate_order`` (``"ifgo"``: PyTorch, ``"ijfo"``:
TensorFlow's i, j, f, o) and ``forget_bias``, so TensorFlow's ``BasicLSTMCell``
is the same kernel with its kernel matrix split into ``w_ih = K[:I].T`` and
``w_hh = K[I:].T``.

A sequence function (:func:`rnn`, :func:`lstm`, :func:`gru`) runs one layer in
one direction over a time-major ``x`` of shape ``(T, B, I)`` and returns the
outputs ``(T, B, H)`` and the final state. How it is computed:

1. the input projections of all T steps are one GEMM, ``(T*B, I) @ (I, G*H)``,
   with both biases added once (the GRU's ``b_hh`` stays in the step);
2. the recurrence is one :class:`~neuralab.ops.recurrent.Recurrence` op: a
   loop in which each step is one gate GEMM ``h @ W_hh^T`` (all gates at once)
   into a preallocated buffer plus the fused cell kernel;
3. its gradient, :class:`~neuralab.ops.recurrent.RecurrenceGrad`, runs
   backpropagation through time the same way (one GEMM per step for ``dh``)
   and gets ``dW_hh`` as one GEMM over all T*B rows; the projection's
   gradients are one GEMM each.

So a layer is a handful of ops eagerly, in a graph and in a compiled replay
alike. The cells (:func:`lstm_cell`, ...) are ordinary ops for hand-written
loops, and :func:`neuralab.ops.recurrent.unrolled` is the same recurrence as a
loop of them (the reference in the tests and the route of second and higher
derivatives). The number of time steps must be known when the graph is
built; the batch size may be unknown (``None``).

Variable lengths: ``lengths`` (B integers) and/or ``mask`` (``(T, B)`` bools).
A step whose mask entry is False leaves that sequence's state unchanged and
outputs zeros there, so with lengths the outputs past a sequence's end are zero
and the final state is the state at its last valid step (PyTorch's packed
sequences), in both directions: ``reverse=True`` starts each sequence at its
own last valid step. Concrete lengths also skip the steps no sequence reaches.
``lengths`` may be a placeholder (or an argument of a compiled function): the
mask is then built in the graph and new lengths need no new trace.
"""
from __future__ import annotations

import numpy as np

from .._core import graph as _graph
from .._core.errors import DTypeError, ShapeError
from .._core.op import fmt_shape
from .._core.tensor import Tensor
from ..ops import elementwise as E, linalg as L, recurrent as R, shape as S
from .activations import relu

__all__ = ["gru", "gru_cell", "lstm", "lstm_cell", "rnn", "rnn_cell", "sequence_mask"]

_NONLINEARITIES = ("tanh", "relu")


def _t(x):
    return x if isinstance(x, Tensor) or x is None else Tensor(x)


def _activation(what, nonlinearity):
    if nonlinearity == "tanh":
        return E.tanh
    if nonlinearity == "relu":
        return relu
    raise ValueError(f"{what}: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")


def _linear(x, w, b):
    """x @ w^T + b over the last axis of x (w of shape (out, in))."""
    y = L.matmul(x, S.transpose(w))
    return y if b is None else E.add(y, b)


def _gates(x, h, w_ih, w_hh, b_ih, b_hh):
    """x W_ih^T + b_ih + h W_hh^T + b_hh (h None: zeros, no second GEMM)."""
    y = _linear(x, w_ih, b_ih)
    if h is not None:
        return E.add(y, _linear(h, w_hh, b_hh))
    return y if b_hh is None else E.add(y, b_hh)


def _block0(x, width):
    """The first ``width`` entries of x's last axis (a view: the shape of one hidden state)."""
    return S.getitem(x, (Ellipsis, slice(0, width)))


def _check_weights(what, gates, x_features, w_ih, w_hh, b_ih, b_hh):
    """Validate the weight shapes of one layer/direction; returns the hidden size."""
    if w_hh.shape is None or len(w_hh.shape) != 2 or w_hh.shape[0] != gates * w_hh.shape[1]:
        raise ShapeError(f"{what}: w_hh must have shape ({gates}*H, H), got "
                         f"{fmt_shape(w_hh.shape) if w_hh.shape is not None else '(unknown rank)'}")
    H = w_hh.shape[1]
    if w_ih.shape is None or len(w_ih.shape) != 2 or w_ih.shape[0] != gates * H:
        raise ShapeError(f"{what}: w_ih must have shape ({gates * H}, input_size) for hidden size {H}, got "
                         f"{fmt_shape(w_ih.shape) if w_ih.shape is not None else '(unknown rank)'}")
    if x_features is not None and w_ih.shape[1] != x_features:
        raise ShapeError(f"{what}: the input has {x_features} features but w_ih of shape {fmt_shape(w_ih.shape)} "
                         f"expects {w_ih.shape[1]}")
    for name, b in (("b_ih", b_ih), ("b_hh", b_hh)):
        if b is not None and tuple(b.shape) != (gates * H,):
            raise ShapeError(f"{what}: {name} must have shape ({gates * H},), got {fmt_shape(b.shape)}")
    return H


def _check_state(what, name, s, x, H, lead):
    """``s`` (or None) as a Tensor of shape ``lead + (H,)``; ``lead`` is the input's batch part."""
    if s is None:
        return None
    s = _t(s)
    want = tuple(lead) + (H,)
    shp = s.shape
    if shp is None or len(shp) != len(want) or any(a is not None and b is not None and a != b
                                                   for a, b in zip(shp, want)):
        raise ShapeError(f"{what}: {name} of shape {fmt_shape(shp) if shp is not None else '(unknown rank)'} "
                         f"does not fit an input of shape {fmt_shape(x.shape)} (expected {fmt_shape(want)})")
    return s


def _as_dtype(w, *ts):
    """Inputs and states in the weights' dtype (as the layers' parameters decide it; None stays None)."""
    d = w.dtype
    return tuple(t if t is None or t.dtype == d else E.cast(t, d) for t in ts)


def _live(x, *ws):
    """In graph mode, weights enter through read nodes (ops on weights alone stay graph nodes)."""
    if x.data is not None:
        return ws
    return tuple(w if w is None or w.data is None else _graph.read(w) for w in ws)


# ---------------------------------------------------------------------------------------
# cells: one step
# ---------------------------------------------------------------------------------------

def rnn_cell(x, h, w_ih, w_hh, b_ih=None, b_hh=None, nonlinearity="tanh"):
    """One Elman RNN step: ``act(x W_ih^T + b_ih + h W_hh^T + b_hh)`` (act "tanh" or "relu").

    ``x``: (..., I); ``h``: (..., H) or None (zeros); weights as in PyTorch's ``RNNCell``.

    >>> w_ih, w_hh = nl.tensor(np.full((2, 3), 0.5)), nl.tensor(np.zeros((2, 2)))
    >>> rnn_cell(nl.tensor(np.ones((1, 3))), None, w_ih, w_hh).numpy().round(4).tolist()   # tanh(1.5)
    [[0.9051, 0.9051]]
    """
    x, h, w_ih, w_hh, b_ih, b_hh = (_t(v) for v in (x, h, w_ih, w_hh, b_ih, b_hh))
    act = _activation("rnn_cell", nonlinearity)
    H = _check_weights("rnn_cell", 1, x.shape[-1], w_ih, w_hh, b_ih, b_hh)
    h = _check_state("rnn_cell", "h", h, x, H, x.shape[:-1])
    x, h = _as_dtype(w_ih, x, h)
    return act(_gates(x, h, *_live(x, w_ih, w_hh, b_ih, b_hh)))


def lstm_cell(x, h, c, w_ih, w_hh, b_ih=None, b_hh=None, *, gate_order="ifgo", forget_bias=0.0):
    """One LSTM step; returns ``(h', c')``. ``h``/``c`` may be None (zeros).

    ``gates = x W_ih^T + b_ih + h W_hh^T + b_hh`` (one GEMM per operand, all four
    gates at once), then :func:`neuralab.ops.lstm_pointwise` with ``gate_order``
    (``"ifgo"`` PyTorch, ``"ijfo"`` TensorFlow) and ``forget_bias``.

    >>> w, u = nl.tensor(np.zeros((8, 3))), nl.tensor(np.zeros((8, 2)))
    >>> h, c = lstm_cell(nl.tensor(np.ones((1, 3))), None, None, w, u)   # g = tanh(0) = 0: nothing is written
    >>> c.numpy().tolist(), h.numpy().tolist()
    ([[0.0, 0.0]], [[0.0, 0.0]])
    """
    x, h, c, w_ih, w_hh, b_ih, b_hh = (_t(v) for v in (x, h, c, w_ih, w_hh, b_ih, b_hh))
    H = _check_weights("lstm_cell", 4, x.shape[-1], w_ih, w_hh, b_ih, b_hh)
    h = _check_state("lstm_cell", "h", h, x, H, x.shape[:-1])
    c = _check_state("lstm_cell", "c", c, x, H, x.shape[:-1])
    x, h, c = _as_dtype(w_ih, x, h, c)
    gates = _gates(x, h, *_live(x, w_ih, w_hh, b_ih, b_hh))
    if c is None:
        c = S.zeros_like(_block0(gates, H))
    h2, c2, _ = R.lstm_pointwise(gates, c, gate_order=gate_order, forget_bias=forget_bias)
    return h2, c2


def gru_cell(x, h, w_ih, w_hh, b_ih=None, b_hh=None):
    """One GRU step (PyTorch's ``GRUCell``: gate order r, z, n, ``b_hn`` inside the reset product).

    >>> h0 = nl.tensor(np.ones((1, 2)))
    >>> gru_cell(nl.tensor(np.ones((1, 3))), h0, nl.tensor(np.zeros((6, 3))), nl.tensor(np.zeros((6, 2)))).numpy()
    array([[0.5, 0.5]])
    """
    x, h, w_ih, w_hh, b_ih, b_hh = (_t(v) for v in (x, h, w_ih, w_hh, b_ih, b_hh))
    H = _check_weights("gru_cell", 3, x.shape[-1], w_ih, w_hh, b_ih, b_hh)
    h = _check_state("gru_cell", "h", h, x, H, x.shape[:-1])
    x, h = _as_dtype(w_ih, x, h)
    w_ih, w_hh, b_ih, b_hh = _live(x, w_ih, w_hh, b_ih, b_hh)
    xg = _linear(x, w_ih, b_ih)
    if h is None:
        h = S.zeros_like(_block0(xg, H))
        hg = S.zeros_like(xg) if b_hh is None else E.add(S.zeros_like(xg), b_hh)
    else:
        hg = _linear(h, w_hh, b_hh)
    return R.gru_pointwise(xg, hg, h)[0]


# ---------------------------------------------------------------------------------------
# masks
# ---------------------------------------------------------------------------------------

def sequence_mask(lengths, steps: int):
    """The ``(steps, B)`` bool mask ``t < lengths[b]`` (time-major), for concrete or symbolic lengths.

    >>> sequence_mask([2, 0, 3], 3).numpy().astype(int).tolist()
    [[1, 0, 1], [1, 0, 1], [0, 0, 1]]
    """
    t = np.arange(int(steps)).reshape(-1, 1)
    if isinstance(lengths, Tensor):
        return E.less(Tensor(t.astype(lengths.dtype if lengths.dtype.kind in "iu" else np.int64)),
                      S.expand_dims(lengths, 0))
    return Tensor(t < np.asarray(lengths).reshape(1, -1))


def _concrete(x):
    if x is None:
        return None
    if isinstance(x, Tensor):
        return x.data
    return np.asarray(x)


def _sequence_mask_of(what, T, B, lengths, mask):
    """The (T, B) bool mask of valid steps: None (all valid), a NumPy array (concrete) or a bool Tensor."""
    if lengths is None and mask is None:
        return None
    parts = []
    if lengths is not None:
        lv = _concrete(lengths)
        if lv is not None:
            lv = np.asarray(lv)
            if lv.dtype.kind not in "iu":
                if lv.dtype.kind == "f" and lv.size and np.all(lv == np.round(lv)):
                    lv = lv.astype(np.int64)
                else:
                    raise DTypeError(f"{what}: lengths must be integers, got {lv.dtype}")
            if lv.ndim != 1 or (B is not None and lv.shape[0] != B):
                raise ShapeError(f"{what}: lengths must have shape ({B if B is not None else 'batch'},), "
                                 f"got {fmt_shape(lv.shape)}")
            if lv.size and (lv.min() < 0 or lv.max() > T):
                bad = int(lv.min()) if lv.min() < 0 else int(lv.max())
                raise ShapeError(f"{what}: length {bad} is out of range for a sequence of {T} steps "
                                 f"(lengths must lie in [0, {T}])")
            parts.append(np.arange(T).reshape(-1, 1) < lv.reshape(1, -1))
        else:
            if lengths.dtype.kind not in "iu":
                raise DTypeError(f"{what}: lengths must be integers, got {lengths.dtype}")
            parts.append(sequence_mask(lengths, T))
    if mask is not None:
        mv = _concrete(mask)
        m = np.asarray(mv) if mv is not None else mask
        shp = m.shape
        if m.dtype.kind != "b":
            raise DTypeError(f"{what}: mask must be bool, got {m.dtype}")
        if shp is None or len(shp) != 2 or shp[0] != T or (B is not None and shp[1] is not None and shp[1] != B):
            raise ShapeError(f"{what}: mask of shape {fmt_shape(shp) if shp is not None else '(unknown rank)'} "
                             f"does not fit {T} steps and a batch of {B if B is not None else '?'} "
                             f"(expected ({T}, {B if B is not None else '?'}), time-major)")
        parts.append(m)
    concrete = [p for p in parts if isinstance(p, np.ndarray)]
    symbolic = [p for p in parts if not isinstance(p, np.ndarray)]
    cm = None
    if concrete:
        cm = concrete[0] if len(concrete) == 1 else np.logical_and(*concrete)
    if not symbolic:
        return None if cm.all() else cm
    m = symbolic[0] if len(symbolic) == 1 else E.logical_and(*symbolic)
    return m if cm is None else E.logical_and(m, Tensor(cm))


# ---------------------------------------------------------------------------------------
# sequences: one fused op per layer and direction
# ---------------------------------------------------------------------------------------

def _sequence_input(what, x):
    x = _t(x)
    if x.shape is None or len(x.shape) != 3:
        raise ShapeError(f"{what}: x must be time-major (T, B, I), got "
                         f"{fmt_shape(x.shape) if x.shape is not None else 'unknown rank'}")
    if x.shape[0] is None or x.shape[0] == 0:
        raise ShapeError(f"{what}: the number of time steps must be known (and at least 1), got an input of "
                         f"shape {fmt_shape(x.shape)}")
    if x.dtype.kind != "f":
        raise DTypeError(f"{what}: x must be floating, got {x.dtype}")
    return x


def _project(x, w_ih, bias):
    """Input projections of all steps as one GEMM: (T, B, I) -> (T, B, G*H)."""
    T, B, F = x.shape
    y = L.matmul(S.reshape(x, (-1, F)), S.transpose(w_ih))
    if bias is not None:
        y = E.add(y, bias)
    return S.reshape(y, (T, B if B is not None else -1, w_ih.shape[0]))


def _add_biases(a, b):
    if a is None:
        return b
    return a if b is None else E.add(a, b)


def _sequence(what, mode, x, w_ih, w_hh, b_ih, b_hh, states, lengths, mask, reverse, gate_order="ifgo",
              forget_bias=0.0):
    """Check, project, mask and run one :class:`~neuralab.ops.recurrent.Recurrence`; returns its public outputs."""
    x = _sequence_input(what, x)
    w_ih, w_hh, b_ih, b_hh = (_t(v) for v in (w_ih, w_hh, b_ih, b_hh))
    G = R.MODES[mode]
    H = _check_weights(what, G, x.shape[-1], w_ih, w_hh, b_ih, b_hh)
    states = [_check_state(what, name, s, x, H, x.shape[1:-1]) for name, s in states]
    x, *states = _as_dtype(w_hh, x, *states)
    T = x.shape[0]
    m = _sequence_mask_of(what, T, x.shape[1], lengths, mask)
    w_ih, w_hh, b_ih, b_hh = _live(x, w_ih, w_hh, b_ih, b_hh)
    steps = T
    if isinstance(m, np.ndarray):  # steps no sequence reaches are not computed (at least one is kept)
        valid = np.flatnonzero(m.any(axis=1))
        steps = max(int(valid[-1]) + 1 if valid.size else 1, 1)
        if steps < T:
            x = S.getitem(x, slice(0, steps))
            m = m[:steps]
        m = None if m.all() else Tensor(m)
    gru = mode == "gru"
    xw = _project(x, w_ih, b_ih if gru else _add_biases(b_ih, b_hh))
    inputs = [xw, w_hh]
    if gru and b_hh is not None:
        inputs.append(b_hh)
    init = any(s is not None for s in states)
    if init:
        ref = next(s for s in states if s is not None)
        inputs += [s if s is not None else S.zeros_like(ref) for s in states]
    if m is not None:
        inputs.append(m)
    res = R.Recurrence.apply(*inputs, mode=mode, reverse=reverse, init=init, masked=m is not None,
                             bias=gru and b_hh is not None, gate_order=gate_order, forget_bias=forget_bias)
    pub = list(res[:3 if mode == "lstm" else 2])
    if steps < T:
        pub[0] = S.pad(pub[0], ((0, T - steps), (0, 0), (0, 0)))
    return pub


def rnn(x, w_ih, w_hh, b_ih=None, b_hh=None, h0=None, *, nonlinearity="tanh", lengths=None, mask=None,
        reverse=False):
    """An Elman RNN layer over time-major ``x`` (T, B, I); returns ``(outputs (T, B, H), h_n (B, H))``.

    >>> out, h = rnn(nl.tensor(np.ones((5, 2, 3))), nl.tensor(np.zeros((4, 3))), nl.tensor(np.eye(4)))
    >>> out.shape, h.shape
    ((5, 2, 4), (2, 4))
    """
    _activation("rnn", nonlinearity)
    out, h = _sequence("rnn", f"rnn_{nonlinearity}", x, w_ih, w_hh, b_ih, b_hh, [("h0", h0)], lengths, mask,
                       reverse)
    return out, h


def lstm(x, w_ih, w_hh, b_ih=None, b_hh=None, h0=None, c0=None, *, lengths=None, mask=None, reverse=False,
         gate_order="ifgo", forget_bias=0.0):
    """An LSTM layer over time-major ``x`` (T, B, I); returns ``(outputs (T, B, H), (h_n, c_n))``.

    Weights in PyTorch's layout; ``gate_order``/``forget_bias`` as in :func:`lstm_cell`.

    >>> u = nl.tensor(np.zeros((8, 2)))
    >>> x = nl.tensor(np.ones((5, 1, 3)))
    >>> out, (h, c) = lstm(x, nl.tensor(np.full((8, 3), 0.1)), u, lengths=[3])   # steps 3 and 4 are padding
    >>> bool(np.all(out.numpy()[3:] == 0)), bool(np.all(out.numpy()[2] == h.numpy()))
    (True, True)
    """
    out, h, c = _sequence("lstm", "lstm", x, w_ih, w_hh, b_ih, b_hh, [("h0", h0), ("c0", c0)], lengths, mask,
                          reverse, gate_order, forget_bias)
    return out, (h, c)


def gru(x, w_ih, w_hh, b_ih=None, b_hh=None, h0=None, *, lengths=None, mask=None, reverse=False):
    """A GRU layer over time-major ``x`` (T, B, I); returns ``(outputs (T, B, H), h_n (B, H))``.

    >>> out, h = gru(nl.tensor(np.ones((5, 2, 3))), nl.tensor(np.zeros((6, 3))), nl.tensor(np.zeros((6, 2))))
    >>> out.shape, h.numpy().tolist()   # n = 0 and z = 1/2 at every step: h stays 0
    ((5, 2, 2), [[0.0, 0.0], [0.0, 0.0]])
    """
    out, h = _sequence("gru", "gru", x, w_ih, w_hh, b_ih, b_hh, [("h0", h0)], lengths, mask, reverse)
    return out, h
