"""Recurrent layers with PyTorch's conventions: ``RNN``, ``LSTM``, ``GRU`` and their cells.

Parameter names, shapes, gate order and initialization are PyTorch's, so a
PyTorch ``state_dict`` loads with :meth:`Module.load_state_dict` and gives the
same numbers: for layer ``k`` (and ``_reverse`` for the second direction)
``weight_ih_l{k}`` ``(G*H, I_k)``, ``weight_hh_l{k}`` ``(G*H, H)``, ``bias_ih_l{k}``
and ``bias_hh_l{k}`` ``(G*H,)``, with G = 1 (RNN), 4 (LSTM: i, f, g, o) or 3
(GRU: r, z, n), ``I_0 = input_size`` and ``I_k = H * num_directions`` above;
every entry starts as U(-1/sqrt(H), 1/sqrt(H)). The computation is in
:mod:`neuralab.functional.recurrent` (one input-projection GEMM per layer, one
gate GEMM and one fused pointwise op per step), shared with compat's TF 1.x
cells.

Shapes: ``x`` is ``(T, B, I)`` (``(B, T, I)`` with ``batch_first=True``, or
unbatched ``(T, I)``); ``forward(x, state=None, lengths=None, mask=None)``
returns ``(output, state)`` with output ``(T, B, D*H)`` (D = 2 when
bidirectional: forward and reverse outputs concatenated) and state ``h_n``
``(num_layers*D, B, H)``, for the LSTM ``(h_n, c_n)``; ``state`` is given the
same way. ``lengths`` (B ints) and/or ``mask`` (bools shaped like x's first two
axes) make a variable-length batch: outputs past a sequence's length are zero
and its final state is the one at its last valid step, as with PyTorch's
``pack_padded_sequence``. Dropout (``dropout > 0``, training mode only) applies
to the outputs of every layer but the last.

>>> lstm = LSTM(10, 20, num_layers=2, batch_first=True)
>>> out, (h, c) = lstm(np.zeros((3, 5, 10), np.float32))
>>> out.shape, h.shape
((3, 5, 20), (2, 3, 20))
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from .._core.errors import ShapeError
from .._core.op import fmt_shape
from .._core.random import get_rng
from .._core.tensor import Tensor
from .. import functional as F
from ..functional import recurrent as FR
from ..ops import indexing as I, shape as S
from . import init as _init
from .module import Module, Parameter

__all__ = ["GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "RNNCell"]

_GATES = {"rnn": 1, "lstm": 4, "gru": 3}


def _t(x):
    return x if isinstance(x, Tensor) or x is None else Tensor(x)


def _positive(who, name, v):
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
        raise ValueError(f"{who}: {name} must be a positive integer, got {v!r}")
    return int(v)


def _nonlinearity(who, v):
    if v not in ("tanh", "relu"):
        raise ValueError(f"{who}: nonlinearity must be 'tanh' or 'relu', got {v!r}")
    return v


class _Recurrent(Module):
    """What the layers and the cells share: PyTorch's uniform init of every parameter."""

    def _new_params(self, specs, hidden_size, rng):
        """Register ``(name, shape)`` parameters in order, each U(-1/sqrt(H), 1/sqrt(H))."""
        k = 1.0 / math.sqrt(hidden_size)
        d = self._float_dtype()
        for name, shape in specs:
            self.register_parameter(name, Parameter(_init.uniform(shape, -k, k, dtype=d, rng=rng), dtype=d))

    def reset_parameters(self, rng=None) -> None:
        """Draw every parameter again from U(-1/sqrt(H), 1/sqrt(H)) (in place)."""
        k = 1.0 / math.sqrt(self.hidden_size)
        rng = get_rng(rng)
        for p in self.parameters():
            p.data[...] = _init.uniform(p.shape, -k, k, dtype=p.dtype, rng=rng)


class _RNNBase(_Recurrent):
    """The layers' shared constructor (PyTorch's arguments) and forward pass."""

    mode = "rnn"
    nonlinearity = "tanh"

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, *, dtype=None, rng=None):
        super().__init__()
        who = type(self).__name__
        self.input_size = _positive(who, "input_size", input_size)
        self.hidden_size = _positive(who, "hidden_size", hidden_size)
        self.num_layers = _positive(who, "num_layers", num_layers)
        self.bias = bool(bias)
        self.batch_first = bool(batch_first)
        dropout = float(dropout)
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"{who}: dropout must be in [0, 1), got {dropout}")
        if dropout > 0 and self.num_layers == 1:
            warnings.warn(f"{who}: dropout={dropout} applies between layers; with num_layers=1 it does nothing",
                          stacklevel=2)
        self.dropout = dropout
        self.bidirectional = bool(bidirectional)
        if dtype is not None:
            self.to(dtype)
        G, H = _GATES[self.mode], self.hidden_size
        specs = []
        for k in range(self.num_layers):
            n_in = self.input_size if k == 0 else H * self.num_directions
            for sfx in self._suffixes():
                specs += [(f"weight_ih_l{k}{sfx}", (G * H, n_in)), (f"weight_hh_l{k}{sfx}", (G * H, H))]
                if self.bias:
                    specs += [(f"bias_ih_l{k}{sfx}", (G * H,)), (f"bias_hh_l{k}{sfx}", (G * H,))]
        self._new_params(specs, H, get_rng(rng))

    @property
    def num_directions(self) -> int:
        return 2 if self.bidirectional else 1

    def _suffixes(self):
        return ("", "_reverse") if self.bidirectional else ("",)

    def layer_weights(self, layer: int, reverse: bool = False):
        """``(w_ih, w_hh, b_ih, b_hh)`` of one layer and direction (biases None with ``bias=False``)."""
        sfx = "_reverse" if reverse else ""
        get = self._members.get
        return (get(f"weight_ih_l{layer}{sfx}"), get(f"weight_hh_l{layer}{sfx}"), get(f"bias_ih_l{layer}{sfx}"),
                get(f"bias_hh_l{layer}{sfx}"))

    # -- input handling -----------------------------------------------------------------
    def _time_major(self, x, lengths, mask):
        """x as (T, B, I), lengths/mask in time-major form, and whether the input was unbatched."""
        who = type(self).__name__
        if x.shape is None or len(x.shape) not in (2, 3):
            raise ShapeError(f"{who}: expected an input of shape ({'B, T' if self.batch_first else 'T, B'}, "
                             f"{self.input_size}) or unbatched (T, {self.input_size}), got "
                             f"{fmt_shape(x.shape) if x.shape is not None else '(unknown rank)'}")
        if x.shape[-1] is not None and x.shape[-1] != self.input_size:
            raise ShapeError(f"{who}: the input of shape {fmt_shape(x.shape)} has {x.shape[-1]} features, "
                             f"expected input_size={self.input_size}")
        unbatched = len(x.shape) == 2
        if unbatched:
            x = S.expand_dims(x, 1)
            if lengths is not None:
                lengths = S.reshape(lengths, (1,)) if isinstance(lengths, Tensor) else np.reshape(lengths, (1,))
            if mask is not None:
                mask = S.reshape(mask, (-1, 1)) if isinstance(mask, Tensor) else np.reshape(mask, (-1, 1))
        elif self.batch_first:
            x = S.transpose(x, (1, 0, 2))
            if mask is not None:
                mask = S.transpose(mask) if isinstance(mask, Tensor) else np.transpose(mask)
        return x, lengths, mask, unbatched

    def _initial(self, state, x, unbatched):
        """The initial state as a list per (layer, direction) of tuples (h,) or (h, c); entries may be None."""
        who = type(self).__name__
        n = self.num_layers * self.num_directions
        parts = 2 if self.mode == "lstm" else 1
        if state is None:
            return [(None,) * parts for _ in range(n)]
        if self.mode == "lstm":
            if not isinstance(state, (tuple, list)) or len(state) != 2:
                raise TypeError(f"{who}: state must be a pair (h_0, c_0), got {type(state).__name__}")
            tensors = [_t(s) for s in state]
        else:
            tensors = [_t(state)]
        B = x.shape[1]
        out = []
        for name, s in zip(("h_0", "c_0"), tensors):
            if unbatched:
                s = S.expand_dims(s, 1) if s.shape is not None and len(s.shape) == 2 else s
            want = (n, B, self.hidden_size)
            shp = s.shape
            if shp is None or len(shp) != 3 or any(a is not None and b is not None and a != b
                                                   for a, b in zip(shp, want)):
                raise ShapeError(f"{who}: {name} of shape {fmt_shape(shp) if shp is not None else '(unknown rank)'} "
                                 f"does not fit (num_layers * num_directions, batch, hidden_size) = "
                                 f"{fmt_shape(want)}")
            out.append(I.unstack(s, 0))
        return list(zip(*out))

    # -- the computation ----------------------------------------------------------------
    def _run(self, x, init, lengths, mask, reverse, layer):
        w_ih, w_hh, b_ih, b_hh = self.layer_weights(layer, reverse)
        if self.mode == "lstm":
            out, (h, c) = FR.lstm(x, w_ih, w_hh, b_ih, b_hh, *init, lengths=lengths, mask=mask, reverse=reverse)
            return out, (h, c)
        if self.mode == "gru":
            out, h = FR.gru(x, w_ih, w_hh, b_ih, b_hh, init[0], lengths=lengths, mask=mask, reverse=reverse)
        else:
            out, h = FR.rnn(x, w_ih, w_hh, b_ih, b_hh, init[0], nonlinearity=self.nonlinearity, lengths=lengths,
                            mask=mask, reverse=reverse)
        return out, (h,)

    def forward(self, x, state=None, lengths=None, mask=None):
        """``(output, state)`` for the sequence batch ``x`` (see the module docstring for shapes).

        ``state``: the initial state (zeros when None). ``lengths``: the valid
        length of each sequence; ``mask``: bools, True at valid steps (shaped
        like x's first two axes). Outputs at invalid steps are zero and the
        state does not change there.
        """
        x = _t(x)
        x, lengths, mask, unbatched = self._time_major(x, lengths, mask)
        init = self._initial(state, x, unbatched)
        finals = []
        D = self.num_directions
        for k in range(self.num_layers):
            outs = []
            for d in range(D):
                out, st = self._run(x, init[k * D + d], lengths, mask, d == 1, k)
                outs.append(out)
                finals.append(st)
            x = outs[0] if D == 1 else S.concatenate(outs, axis=-1)
            if self.dropout and self.training and k < self.num_layers - 1:
                x = F.dropout(x, self.dropout, training=True)
        out = x
        states = [F.stack([f[j] for f in finals], axis=0) for j in range(len(finals[0]))]
        if unbatched:
            out = S.squeeze(out, 1)
            states = [S.squeeze(s, 1) for s in states]
        elif self.batch_first:
            out = S.transpose(out, (1, 0, 2))
        return out, (tuple(states) if self.mode == "lstm" else states[0])

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.mode == "rnn" and self.nonlinearity != "tanh":
            s += f", nonlinearity={self.nonlinearity!r}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s


class RNN(_RNNBase):
    """Elman RNN layers: ``h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)``, act tanh or relu.

    ``RNN(input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True, batch_first=False,
    dropout=0.0, bidirectional=False)`` (PyTorch's argument order).

    >>> out, h_n = RNN(4, 8)(np.zeros((6, 2, 4), np.float32))
    >>> out.shape, h_n.shape
    ((6, 2, 8), (1, 2, 8))
    """

    mode = "rnn"

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, *, dtype=None, rng=None):
        self.nonlinearity = _nonlinearity("RNN", nonlinearity)
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         dtype=dtype, rng=rng)


class LSTM(_RNNBase):
    """Long short-term memory layers (Hochreiter & Schmidhuber 1997), PyTorch's gate order i, f, g, o.

    ``LSTM(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
    bidirectional=False)``::

        i, f, o = sigmoid(...), g = tanh(...)   (each x_t W_i*^T + b_i* + h_{t-1} W_h*^T + b_h*)
        c_t = f * c_{t-1} + i * g               h_t = o * tanh(c_t)

    ``forward(x, state=None)`` with ``state = (h_0, c_0)`` returns ``(output, (h_n, c_n))``.

    >>> out, (h_n, c_n) = LSTM(4, 8, bidirectional=True)(np.zeros((6, 2, 4), np.float32))
    >>> out.shape, h_n.shape, c_n.shape
    ((6, 2, 16), (2, 2, 8), (2, 2, 8))
    """

    mode = "lstm"


class GRU(_RNNBase):
    """Gated recurrent unit layers (Cho et al. 2014), PyTorch's form (gate order r, z, n), with LSTM's
    constructor arguments::

        r = sigmoid(x W_ir^T + b_ir + h W_hr^T + b_hr)   z = sigmoid(x W_iz^T + b_iz + h W_hz^T + b_hz)
        n = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn))   h' = (1 - z) * n + z * h

    >>> out, h_n = GRU(4, 8, num_layers=2)(np.zeros((6, 2, 4), np.float32))
    >>> out.shape, h_n.shape
    ((6, 2, 8), (2, 2, 8))
    """

    mode = "gru"


# ---------------------------------------------------------------------------------------
# cells
# ---------------------------------------------------------------------------------------

class _CellBase(_Recurrent):
    mode = "rnn"

    def __init__(self, input_size, hidden_size, bias=True, *, dtype=None, rng=None):
        super().__init__()
        who = type(self).__name__
        self.input_size = _positive(who, "input_size", input_size)
        self.hidden_size = _positive(who, "hidden_size", hidden_size)
        self.bias = bool(bias)
        if dtype is not None:
            self.to(dtype)
        G, H = _GATES[self.mode], self.hidden_size
        specs = [("weight_ih", (G * H, self.input_size)), ("weight_hh", (G * H, H))]
        if self.bias:
            specs += [("bias_ih", (G * H,)), ("bias_hh", (G * H,))]
        self._new_params(specs, H, get_rng(rng))

    def _weights(self):
        get = self._members.get
        return get("weight_ih"), get("weight_hh"), get("bias_ih"), get("bias_hh")

    def _input(self, x):
        x = _t(x)
        if x.shape is None or len(x.shape) not in (1, 2) or (x.shape[-1] is not None
                                                             and x.shape[-1] != self.input_size):
            raise ShapeError(f"{type(self).__name__}: expected an input of shape (batch, {self.input_size}) or "
                             f"({self.input_size},), got {fmt_shape(x.shape) if x.shape is not None else 'unknown'}")
        return x

    def extra_repr(self):
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")


class RNNCell(_CellBase):
    """One Elman RNN step (PyTorch's ``RNNCell``): ``forward(x, h=None) -> h'``.

    >>> cell, h = RNNCell(4, 8), None
    >>> for x_t in np.zeros((3, 2, 4), np.float32):
    ...     h = cell(x_t, h)
    >>> h.shape
    (2, 8)
    """

    mode = "rnn"

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", *, dtype=None, rng=None):
        self.nonlinearity = _nonlinearity(type(self).__name__, nonlinearity)
        super().__init__(input_size, hidden_size, bias, dtype=dtype, rng=rng)

    def forward(self, x, h=None):
        """``act(x W_ih^T + b_ih + h W_hh^T + b_hh)``; ``h`` None means zeros."""
        return FR.rnn_cell(self._input(x), h, *self._weights(), nonlinearity=self.nonlinearity)

    def extra_repr(self):
        s = super().extra_repr()
        return s + (f", nonlinearity={self.nonlinearity!r}" if self.nonlinearity != "tanh" else "")


class LSTMCell(_CellBase):
    """One LSTM step (PyTorch's ``LSTMCell``): ``forward(x, state=None) -> (h', c')``, state ``(h, c)``.

    >>> h, c = LSTMCell(4, 8)(np.zeros((2, 4), np.float32))
    >>> h.shape, c.shape
    ((2, 8), (2, 8))
    """

    mode = "lstm"

    def forward(self, x, state=None):
        """``(h', c')`` from ``x`` and ``state = (h, c)`` (zeros when None)."""
        if state is None:
            h = c = None
        elif isinstance(state, (tuple, list)) and len(state) == 2:
            h, c = state
        else:
            raise TypeError(f"LSTMCell: state must be a pair (h, c) or None, got {type(state).__name__}")
        return FR.lstm_cell(self._input(x), h, c, *self._weights())


class GRUCell(_CellBase):
    """One GRU step (PyTorch's ``GRUCell``): ``forward(x, h=None) -> h'``.

    >>> GRUCell(4, 8)(np.zeros((2, 4), np.float32)).shape
    (2, 8)
    """

    mode = "gru"

    def forward(self, x, h=None):
        """``h'`` from ``x`` and ``h`` (zeros when None)."""
        return FR.gru_cell(self._input(x), h, *self._weights())
