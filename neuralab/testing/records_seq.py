"""OpInfo records for the sequence-model ops: ``neuralab/ops/indexing.py`` and ``neuralab/ops/recurrent.py``.

Conventions (as in ``records_core``): ``notes["kind"]`` is ``"shape"`` for the
indexing ops, ``"elementwise"`` for the row-wise cell kernels (so they also run
on placeholders with an unknown batch) and ``"recurrent"`` for the sequence
ops. Attributes that vary between samples (axis, gate layout, sequence mode)
are looked up in tables keyed by an input's shape, so one record serves eager,
graph and compiled calls. The NumPy references are naive: the textbook cell
equations with ``1 / (1 + exp(-x))`` and a plain loop over time steps, written
independently of the in-place kernels. The reference of ``recurrence_grad`` is
the gradient of :func:`neuralab.ops.recurrent.unrolled` (the per-step ops)
taken by neuralab's autograd.
"""
from __future__ import annotations

import numpy as np

import neuralab as nl

from .._core.errors import DTypeError, ShapeError
from ..ops.indexing import TakeGrad
from ..ops.recurrent import (
    GATE_ORDERS, MODES, GRUPointwiseGrad, LSTMPointwiseGrad, Recurrence, RecurrenceGrad, unrolled,
)
from .opinfo import OpRecord, register

F32 = np.float32


def _kind(k):
    return {"kind": k}


# -- take / take_grad --------------------------------------------------------------------
#: (params shape, indices) -- repeated indices, a scalar index, an empty index array, a 1-D table
_TAKE = [((5, 3), np.array([[0, 4, 4], [2, 0, 1]])), ((4,), np.array([3, 3, 0])),
         ((6, 2, 2), np.array(5)), ((3, 2), np.zeros((0,), np.int64)), ((7, 1), np.array([[6], [0], [6]]))]
#: padding_idx of take_grad samples, by the table's shape
_TAKE_PAD = {(5, 3): None, (4,): 3, (6, 2, 2): None, (3, 2): 0, (7, 1): 6}


def _take_inputs(rng, dtype):
    return [[rng.uniform(-2, 2, size=s).astype(dtype), idx.copy()] for s, idx in _TAKE]


def _take_grad_inputs(rng, dtype):
    out = []
    for s, idx in _TAKE:
        g = rng.uniform(-2, 2, size=idx.shape + s[1:]).astype(dtype)
        out.append([g, idx.copy(), np.zeros(s, dtype)])
    return out


def _ref_take_grad(g, idx, like):
    out = np.zeros(like.shape, dtype=g.dtype)
    np.add.at(out, idx, g)
    pad = _TAKE_PAD[like.shape]
    if pad is not None:
        out[pad] = 0
    return out


register(OpRecord(
    name="take", fn=nl.take, ref=lambda p, i: np.take(p, i, axis=0), make_inputs=_take_inputs,
    error_inputs=[([np.zeros((3, 2), F32), np.zeros(2, F32)], DTypeError, ("take", "float32")),
                  ([np.zeros((), F32), np.zeros(2, np.int64)], ShapeError, ("take", "()"))],
    notes=_kind("shape")))
register(OpRecord(
    name="take_grad", fn=lambda g, i, like: TakeGrad.apply(g, i, like, padding_idx=_TAKE_PAD[tuple(like.shape)]),
    ref=_ref_take_grad, make_inputs=_take_grad_inputs,
    error_inputs=[([np.zeros((2, 4), F32), np.zeros(2, np.int64), np.zeros((5, 3), F32)], ShapeError,
                   ("take_grad", "(2, 4)", "(5, 3)"))],
    notes=_kind("shape")))

# -- unstack -----------------------------------------------------------------------------
_UNSTACK_AXIS = {(4, 2, 3): 0, (2, 5, 3): 1, (3,): 0, (2, 1): -1, (1, 2): 0}

register(OpRecord(
    name="unstack", fn=lambda x: nl.unstack(x, _UNSTACK_AXIS.get(tuple(x.shape), 0)),
    ref=lambda x: tuple(np.moveaxis(x, _UNSTACK_AXIS[x.shape], 0)), shapes=[(s,) for s in _UNSTACK_AXIS],
    error_inputs=[([np.zeros((), F32)], ShapeError, ("unstack", "()"))], notes=_kind("shape")))


# -- cell kernels ------------------------------------------------------------------------
def _sig(x):
    return 1.0 / (1.0 + np.exp(-x))


def ref_lstm_cell(gates, c, order="ifgo", forget_bias=0.0):
    """Textbook LSTM cell: blocks named by ``order`` (j = the candidate in TF's ijfo)."""
    H = c.shape[-1]
    blk = {ch: gates[..., k * H:(k + 1) * H] for k, ch in enumerate(order.replace("j", "g"))}
    i, f, g, o = _sig(blk["i"]), _sig(blk["f"] + forget_bias), np.tanh(blk["g"]), _sig(blk["o"])
    c2 = f * c + i * g
    acts = np.concatenate([{"i": i, "f": f, "g": g, "o": o}[ch] for ch in order.replace("j", "g")], axis=-1)
    return o * np.tanh(c2), c2, acts.astype(gates.dtype)


def ref_lstm_cell_grad(acts, c, c_new, gh, gc, ga=None, order="ifgo"):
    """The LSTM cell's backward from its activations (the docstring formulas of LSTMPointwiseGrad)."""
    H = c.shape[-1]
    names = order.replace("j", "g")
    a = {ch: acts[..., k * H:(k + 1) * H] for k, ch in enumerate(names)}
    e = {ch: (ga[..., k * H:(k + 1) * H] if ga is not None else 0.0) for k, ch in enumerate(names)}
    i, f, g, o = a["i"], a["f"], a["g"], a["o"]
    tc = np.tanh(c_new)
    dc = gh * o * (1 - tc ** 2) + gc
    d = {"i": (dc * g + e["i"]) * i * (1 - i), "f": (dc * c + e["f"]) * f * (1 - f),
         "g": (dc * i + e["g"]) * (1 - g ** 2), "o": (gh * tc + e["o"]) * o * (1 - o)}
    return np.concatenate([d[ch] for ch in names], axis=-1), dc * f


def ref_gru_cell(xg, hg, h):
    """Textbook GRU cell (PyTorch's form): returns (h', acts (r, z, n))."""
    H = h.shape[-1]
    r = _sig(xg[..., :H] + hg[..., :H])
    z = _sig(xg[..., H:2 * H] + hg[..., H:2 * H])
    n = np.tanh(xg[..., 2 * H:] + r * hg[..., 2 * H:])
    return (1 - z) * n + z * h, np.concatenate([r, z, n], axis=-1)


def ref_gru_cell_grad(acts, hg, h, gh, ga=None):
    """The GRU cell's backward (the docstring formulas of GRUPointwiseGrad)."""
    H = h.shape[-1]
    r, z, n = acts[..., :H], acts[..., H:2 * H], acts[..., 2 * H:]
    e = [ga[..., k * H:(k + 1) * H] if ga is not None else 0.0 for k in range(3)]
    Dn = (gh * (1 - z) + e[2]) * (1 - n ** 2)
    Dz = (gh * (h - n) + e[1]) * z * (1 - z)
    Dr = (Dn * hg[..., 2 * H:] + e[0]) * r * (1 - r)
    return np.concatenate([Dr, Dz, Dn], axis=-1), np.concatenate([Dr, Dz, Dn * r], axis=-1), gh * z


#: gates shape -> (gate_order, forget_bias), looked up by the shape without its first (batch) dimension
_LSTM = {(3, 8): ("ifgo", 0.0), (2, 12): ("ijfo", 1.0), (4, 2, 8): ("ifgo", 0.5), (1, 4): ("ijfo", 0.0)}
_LSTM_BY_ROW = {s[1:]: v for s, v in _LSTM.items()}


def _lstm_attrs(shape):
    return _LSTM_BY_ROW.get(tuple(shape[1:]), ("ifgo", 0.0))


def _lstm_inputs(rng, dtype):
    return [[rng.uniform(-2, 2, size=s).astype(dtype), rng.uniform(-2, 2, size=s[:-1] + (s[-1] // 4,)).astype(dtype)]
            for s in _LSTM]


def _acts(rng, shape, dtype):
    """Gate activations: in (0.05, 0.95), inside the range of both sigmoid and tanh."""
    return rng.uniform(0.05, 0.95, size=shape).astype(dtype)


def _lstm_grad_inputs(rng, dtype):
    out = []
    for k, s in enumerate(_LSTM):
        hs = s[:-1] + (s[-1] // 4,)
        sample = [_acts(rng, s, dtype)] + [rng.uniform(-2, 2, size=hs).astype(dtype) for _ in range(4)]
        if k % 2 == 0:
            sample.append(rng.uniform(-2, 2, size=s).astype(dtype))  # with a gradient for the activations
        out.append(sample)
    return out


register(OpRecord(
    name="lstm_pointwise", fn=lambda g, c: nl.lstm_pointwise(g, c, *_lstm_attrs(g.shape)),
    ref=lambda g, c: ref_lstm_cell(g, c, *_lstm_attrs(g.shape)), make_inputs=_lstm_inputs,
    error_inputs=[([np.zeros((2, 7), F32), np.zeros((2, 2), F32)], ShapeError, ("lstm_pointwise", "(2, 7)")),
                  ([np.zeros((2, 8), F32), np.zeros((2, 2), np.float64)], DTypeError, ("lstm_pointwise", "float64"))],
    notes=_kind("elementwise")))
register(OpRecord(
    name="lstm_pointwise_grad",
    fn=lambda *xs: LSTMPointwiseGrad.apply(*xs, gate_order=_lstm_attrs(xs[0].shape)[0]),
    ref=lambda *xs: ref_lstm_cell_grad(*xs[:5], xs[5] if len(xs) > 5 else None, order=_lstm_attrs(xs[0].shape)[0]),
    make_inputs=_lstm_grad_inputs,
    error_inputs=[([np.zeros((2, 8), F32)] + [np.zeros((2, 3), F32)] * 4, ShapeError,
                   ("lstm_pointwise_grad", "(2, 8)"))],
    notes=_kind("elementwise")))

_GRU = [(3, 6), (2, 2, 9), (1, 3)]


def _gru_inputs(rng, dtype):
    return [[rng.uniform(-2, 2, size=s).astype(dtype), rng.uniform(-2, 2, size=s).astype(dtype),
             rng.uniform(-2, 2, size=s[:-1] + (s[-1] // 3,)).astype(dtype)] for s in _GRU]


def _gru_grad_inputs(rng, dtype):
    out = []
    for k, s in enumerate(_GRU):
        hs = s[:-1] + (s[-1] // 3,)
        sample = [_acts(rng, s, dtype), rng.uniform(-2, 2, size=s).astype(dtype),
                  rng.uniform(-2, 2, size=hs).astype(dtype), rng.uniform(-2, 2, size=hs).astype(dtype)]
        if k != 1:
            sample.append(rng.uniform(-2, 2, size=s).astype(dtype))
        out.append(sample)
    return out


register(OpRecord(
    name="gru_pointwise", fn=nl.gru_pointwise, ref=ref_gru_cell, make_inputs=_gru_inputs,
    error_inputs=[([np.zeros((2, 6), F32), np.zeros((2, 5), F32), np.zeros((2, 2), F32)], ShapeError,
                   ("gru_pointwise", "(2, 5)"))],
    notes=_kind("elementwise")))
register(OpRecord(
    name="gru_pointwise_grad", fn=GRUPointwiseGrad.apply,
    ref=lambda *xs: ref_gru_cell_grad(*xs[:4], xs[4] if len(xs) > 4 else None), make_inputs=_gru_grad_inputs,
    error_inputs=[([np.zeros((2, 6), F32), np.zeros((2, 6), F32), np.zeros((2, 3), F32), np.zeros((2, 2), F32)],
                   ShapeError, ("gru_pointwise_grad", "(2, 6)"))],
    notes=_kind("elementwise")))


# -- whole sequences ----------------------------------------------------------------------
#: x shape -> attributes of a Recurrence sample (H = 2, so x's last axis is G * 2)
_SEQ = {
    (4, 3, 8): dict(mode="lstm"),
    (3, 2, 8): dict(mode="lstm", reverse=True, init=True, masked=True),
    (2, 3, 8): dict(mode="lstm", init=True, gate_order="ijfo", forget_bias=1.0),
    (4, 2, 6): dict(mode="gru", bias=True, init=True),
    (3, 3, 6): dict(mode="gru", bias=True, reverse=True, masked=True),
    (2, 2, 6): dict(mode="gru"),
    (4, 2, 2): dict(mode="rnn_tanh", masked=True),
    (3, 3, 2): dict(mode="rnn_relu", reverse=True, init=True),
    (5, 1, 2): dict(mode="rnn_tanh", init=True, reverse=True),
}
_SEQ_ERROR_X = (2, 2, 7)
_SEQ[_SEQ_ERROR_X] = dict(mode="lstm")  # (an error sample: 7 is no multiple of 4)


def _seq_attrs(x_shape):
    return dict(_SEQ.get(tuple(x_shape), {"mode": "lstm"}))


def _layout(attrs):
    return Recurrence(**attrs)._primal()


def _n_public(attrs):
    return 3 if attrs["mode"] == "lstm" else 2


def _seq_primal(rng, dtype, x_shape):
    attrs = _seq_attrs(x_shape)
    T, B, GH = x_shape
    H = GH // MODES[attrs["mode"]]
    relu = attrs["mode"] == "rnn_relu"
    arrays = []
    for name in _layout(attrs):
        if name == "x":
            a = rng.uniform(0.5, 1.5, size=x_shape) * (rng.integers(0, 2, size=x_shape) * 2 - 1)
        elif name == "w_hh":
            a = rng.uniform(-0.05, 0.05, size=(GH, H)) if relu else rng.uniform(-0.8, 0.8, size=(GH, H))
        elif name == "b_hh":
            a = rng.uniform(-0.5, 0.5, size=(GH,))
        elif name in ("h0", "c0"):
            a = rng.uniform(-0.05, 0.05, size=(B, H)) if relu else rng.uniform(-1, 1, size=(B, H))
        else:  # mask: every sequence keeps at least one valid step, some rows have holes
            a = rng.random((T, B)) < 0.7
            a[0] = True
            arrays.append(a)
            continue
        arrays.append(np.asarray(a, dtype=dtype))
    return arrays


def _seq_inputs(rng, dtype):
    return [_seq_primal(rng, dtype, s) for s in _SEQ if s != _SEQ_ERROR_X]


def ref_recurrence(*arrays, mode="lstm", reverse=False, init=False, masked=False, bias=False, gate_order="ifgo",
                   forget_bias=0.0):
    """A plain loop over time steps with the textbook cells; returns (out, h_n[, c_n])."""
    attrs = dict(mode=mode, reverse=reverse, init=init, masked=masked, bias=bias, gate_order=gate_order,
                 forget_bias=forget_bias)
    a = dict(zip(_layout(attrs), arrays))
    x, w = a["x"], a["w_hh"]
    T, B, _ = x.shape
    H = w.shape[1]
    h = a.get("h0", np.zeros((B, H), x.dtype))
    c = a.get("c0", np.zeros((B, H), x.dtype))
    out = np.zeros((T, B, H), x.dtype)
    for t in (range(T - 1, -1, -1) if reverse else range(T)):
        if mode == "lstm":
            hn, cn, _ = ref_lstm_cell(x[t] + h @ w.T, c, gate_order, forget_bias)
        elif mode == "gru":
            hn, _ = ref_gru_cell(x[t], h @ w.T + a.get("b_hh", 0), h)
            cn = c
        else:
            y = x[t] + h @ w.T
            hn, cn = (np.tanh(y) if mode == "rnn_tanh" else np.maximum(y, 0)), c
        m = a["mask"][t][:, None] if masked else np.ones((B, 1), bool)
        h, c = np.where(m, hn, h), np.where(m, cn, c)
        out[t] = np.where(m, hn, 0)
    return (out, h, c) if mode == "lstm" else (out, h)


def _recurrence_fn(*xs):
    attrs = _seq_attrs(xs[0].shape)
    return Recurrence.apply(*xs, **attrs)[:_n_public(attrs)]


register(OpRecord(
    name="recurrence", fn=_recurrence_fn, ref=lambda *a: ref_recurrence(*a, **_seq_attrs(a[0].shape)),
    make_inputs=_seq_inputs,
    error_inputs=[([np.zeros(_SEQ_ERROR_X, F32), np.zeros((8, 2), F32)], ShapeError, ("recurrence", "(2, 2, 7)")),
                  ([np.zeros((4, 3, 8), F32), np.zeros((6, 2), F32)], ShapeError, ("recurrence", "(6, 2)"))],
    notes=_kind("recurrent")))


def _grad_fn(*xs):
    """RecurrenceGrad of (forward inputs, output gradients); the saved outputs come from Recurrence."""
    attrs = _seq_attrs(xs[0].shape)
    n = len(_layout(attrs))
    saved = Recurrence.apply(*xs[:n], **attrs)[_n_public(attrs):]
    return RecurrenceGrad.apply(*xs, *saved, **attrs)


def _grad_inputs(rng, dtype):
    out = []
    for s in _SEQ:
        if s == _SEQ_ERROR_X:
            continue
        prim = _seq_primal(rng, dtype, s)
        attrs = _seq_attrs(s)
        T, B, GH = s
        H = GH // MODES[attrs["mode"]]
        cots = [rng.uniform(-1, 1, size=(T, B, H))] + [rng.uniform(-1, 1, size=(B, H))
                                                        for _ in range(_n_public(attrs) - 1)]
        out.append(prim + [np.asarray(c, dtype=dtype) for c in cots])
    return out


def _ref_grad(*arrays):
    """d <out, cot> / d inputs through the per-step ops, by neuralab's autograd."""
    attrs = _seq_attrs(arrays[0].shape)
    names = _layout(attrs)
    n = len(names)
    ts = {k: nl.tensor(v, requires_grad=k != "mask") for k, v in zip(names, arrays[:n])}
    with nl.enable_grad():
        outs = unrolled(attrs["mode"], ts["x"], ts["w_hh"], ts.get("b_hh"), ts.get("h0"), ts.get("c0"),
                        mask=ts.get("mask"), reverse=attrs.get("reverse", False),
                        gate_order=attrs.get("gate_order", "ifgo"), forget_bias=attrs.get("forget_bias", 0.0))
        diff = [ts[k] for k in names if k != "mask"]
        gs = nl.gradients(list(outs), diff, grad_ys=[nl.tensor(c) for c in arrays[n:]])
    return tuple(np.zeros_like(d.numpy()) if g is None else g.numpy() for g, d in zip(gs, diff))


register(OpRecord(
    name="recurrence_grad", fn=_grad_fn, ref=_ref_grad, make_inputs=_grad_inputs, notes=_kind("recurrent")))

__all__ = ["GATE_ORDERS", "ref_gru_cell", "ref_gru_cell_grad", "ref_lstm_cell", "ref_lstm_cell_grad",
           "ref_recurrence"]
