"""Fused kernels of recurrent layers: the LSTM/GRU cell's pointwise part, and whole sequences.

Two levels, one set of cell kernels (:func:`lstm_cell_forward`,
:func:`lstm_cell_backward`, :func:`gru_cell_forward`, :func:`gru_cell_backward`,
written with in-place ufuncs):

* **per step**: ``lstm_pointwise`` and ``gru_pointwise`` are the cell after its
  gate GEMM, for hand-written loops (``functional.lstm_cell``, compat's TF
  cells). Composed from primitives that part is ~13 ops forward and ~25
  backward per step, each a NumPy pass with its own temporary; fused it is one
  op each way.
* **per sequence**: :class:`Recurrence` runs a whole layer (one direction) in
  one op -- per step one GEMM into a preallocated buffer and the cell kernel --
  and :class:`RecurrenceGrad` is backpropagation through time in one op, with
  ``dW_hh`` as a single GEMM over all steps. Against the same recurrence as a
  compiled loop of per-step ops (:func:`unrolled`) this removes, per step, an
  add and its temporary, the stacking and slicing of per-step tensors and the
  accumulation of per-step ``dW_hh`` terms, and about 700 kernel calls per
  step of the benchmark's layer (``benchmarks/bench_lstm.py`` measures both).

Why these primitives: see ``benchmarks/results/lstm.txt`` for the numbers (the
composed pointwise cell, the unrolled loop and the fused ops side by side).

The sigmoid here is ``0.5 + 0.5 tanh(x / 2)`` (an identity): it never overflows
and NumPy's tanh is vectorized (11 us for 64k floats against 1 ms for
``logaddexp``). Its absolute error is at the rounding level of the result, so
values near 0 lose the relative precision ``nl.sigmoid`` keeps (irrelevant for
gates, which multiply other values).

**LSTM** (``lstm_pointwise(gates, c)``): ``gates`` holds the four
pre-activation blocks along its last axis, each of width H. ``gate_order``
names their order: ``"ifgo"`` (PyTorch: input, forget, cell candidate, output)
or ``"ijfo"`` (TensorFlow's ``BasicLSTMCell``/``LSTMCell``: input, candidate
``j``, forget, output). ``forget_bias`` is added to the forget block first
(TensorFlow's ``forget_bias=1.0``; PyTorch has none)::

    i = sigmoid(a_i)   f = sigmoid(a_f + forget_bias)   g = tanh(a_g)   o = sigmoid(a_o)
    c' = f * c + i * g          h' = o * tanh(c')

Outputs ``(h', c', acts)``, ``acts`` being ``(i, f, g, o)`` in the gates'
layout: the backward kernel reads them instead of recomputing them.

**GRU** (``gru_pointwise(xg, hg, h)``, PyTorch's gate order r, z, n):
``xg = x W_ih^T + b_ih`` and ``hg = h W_hh^T + b_hh`` are the two gate GEMMs'
results (the reset gate multiplies the hidden part of the candidate *after*
its GEMM, ``b_hn`` included, as in PyTorch and cuDNN)::

    r = sigmoid(x_r + h_r)   z = sigmoid(x_z + h_z)   n = tanh(x_n + r * h_n)
    h' = (1 - z) * n + z * h

Outputs ``(h', acts)`` with ``acts = (r, z, n)``.

Each backward is a primitive (``lstm_pointwise_grad``, ``gru_pointwise_grad``)
whose own backward is written in neuralab ops from the closed-form second
derivatives below, so gradients of gradients work (gradgradcheck in float64).
``RecurrenceGrad``'s own gradient goes through :func:`unrolled` (see its
docstring), so sequences are differentiable to any order as well.
"""
from __future__ import annotations

from .._core.errors import DTypeError, NeuralabError, ShapeError
from .._core.op import Op, Spec, dispatch, fmt_shape
from . import elementwise as E, linalg as L, shape as S

__all__ = ["GATE_ORDERS", "GRUPointwise", "GRUPointwiseGrad", "LSTMPointwise", "LSTMPointwiseGrad", "MODES",
           "Recurrence", "RecurrenceGrad", "gru_cell_backward", "gru_cell_forward", "gru_pointwise",
           "lstm_cell_backward", "lstm_cell_forward", "lstm_pointwise", "unrolled"]

#: where the i, f, g (candidate), o blocks sit in each supported LSTM gate layout
GATE_ORDERS = {"ifgo": (0, 1, 2, 3), "ijfo": (0, 2, 1, 3)}


def _gate_order(what, order):
    if order not in GATE_ORDERS:
        raise ValueError(f"{what}: gate_order must be one of {sorted(GATE_ORDERS)}, got {order!r}")
    return order


def _sigmoid(xp, x, out, shift=0.0):
    """out = sigmoid(x + shift) = 0.5 + 0.5 tanh((x + shift) / 2), in place in ``out``."""
    xp.multiply(x, 0.5, out=out)
    if shift:
        out += 0.5 * shift
    xp.tanh(out, out=out)
    out *= 0.5
    out += 0.5
    return out


def _runs(blocks):
    """Sorted block numbers -> [start, stop) ranges of consecutive ones: [0, 1, 3] -> [(0, 2), (3, 4)]."""
    out = []
    for p in blocks:
        if out and out[-1][1] == p:
            out[-1] = (out[-1][0], p + 1)
        else:
            out.append((p, p + 1))
    return out


def _times_dsigmoid(xp, d, s, tmp):
    """d *= s * (1 - s) (the sigmoid's derivative from its output); ``tmp`` is scratch of d's shape."""
    xp.subtract(1, s, out=tmp)
    d *= s
    d *= tmp


def _times_dtanh(xp, d, t, tmp):
    """d *= 1 - t**2 (tanh's derivative from its output)."""
    xp.multiply(t, t, out=tmp)
    xp.subtract(1, tmp, out=tmp)
    d *= tmp


def _rows_spec(what, name, spec, width_of, like):
    """Check that ``spec`` is (..., width) with the leading dims of ``like``; returns nothing."""
    if spec.shape is None or like.shape is None:
        return
    if len(spec.shape) != len(like.shape) or len(spec.shape) == 0:
        raise ShapeError(f"{what}: {name} of shape {fmt_shape(spec.shape)} does not fit the state of shape "
                         f"{fmt_shape(like.shape)} (same rank expected)")
    for a, b in zip(spec.shape[:-1], like.shape[:-1]):
        if a is not None and b is not None and a != b:
            raise ShapeError(f"{what}: {name} of shape {fmt_shape(spec.shape)} and the state of shape "
                             f"{fmt_shape(like.shape)} differ in their leading dimensions")
    w, h = spec.shape[-1], like.shape[-1]
    if w is not None and h is not None and w != width_of(h):
        raise ShapeError(f"{what}: {name} of shape {fmt_shape(spec.shape)} must have {width_of(h)} entries in its "
                         f"last axis for a hidden size of {h} (state of shape {fmt_shape(like.shape)})")


def _floating_same(what, specs):
    d0 = specs[0][1].dtype
    for name, s in specs:
        if s.dtype.kind != "f":
            raise DTypeError(f"{what}: {name} must be floating, got {s.dtype}")
        if s.dtype != d0:
            raise DTypeError(f"{what}: {specs[0][0]} is {d0} but {name} is {s.dtype}; cast them to one dtype")


def _hidden_spec(spec, h_spec):
    """The spec of an (..., H) output: leading dims from ``spec`` where ``h_spec``'s are unknown."""
    if spec.shape is None:
        return h_spec
    if h_spec.shape is None:
        return Spec(None, h_spec.dtype)
    return Spec(tuple(a if a is not None else b for a, b in zip(h_spec.shape[:-1], spec.shape[:-1]))
                + (h_spec.shape[-1],), h_spec.dtype)


def _validate(op, arrays, ok):
    """Raise the shape/dtype error ``infer`` gives unless the quick check ``ok`` holds (eager calls)."""
    if not ok:
        op.infer(*[Spec(a.shape, a.dtype) for a in arrays])
        raise ShapeError(f"{op.opname}: inputs of shapes {', '.join(fmt_shape(a.shape) for a in arrays)} do not fit")


def _rows(width, *pairs):
    """True when every (array, multiple) pair has ``multiple * width`` entries in its last axis and all arrays
    share their leading dimensions and dtype."""
    a0 = pairs[0][0]
    return all(a.shape[-1] == k * width and a.shape[:-1] == a0.shape[:-1] and a.dtype == a0.dtype
               for a, k in pairs)


def _block(x, k, n, width):
    """Block k (of n) along the last axis, each ``width`` wide (a getitem view)."""
    return S.getitem(x, (Ellipsis, slice(k * width, (k + 1) * width)))


# ---------------------------------------------------------------------------------------
# cell kernels on raw arrays (shared by the per-step ops and the sequence ops); outputs go to ``out`` arrays
# ---------------------------------------------------------------------------------------

def lstm_cell_forward(xp, gates, c, acts, h_out, c_out, tmp, gate_order, forget_bias):
    """acts, h_out, c_out <- the LSTM cell of pre-activations ``gates`` and state ``c`` (``tmp``: scratch like c)."""
    H = c.shape[-1]
    pos = GATE_ORDERS[gate_order]
    # sigmoid over the i, f, o blocks (adjacent blocks in one pass; f alone when it is shifted), tanh over g
    plain = sorted(p for k, p in enumerate(pos) if k != 2 and not (k == 1 and forget_bias))
    for a, b in _runs(plain):
        _sigmoid(xp, gates[..., a * H:b * H], acts[..., a * H:b * H])
    if forget_bias:
        f0 = pos[1] * H
        _sigmoid(xp, gates[..., f0:f0 + H], acts[..., f0:f0 + H], shift=forget_bias)
    g0 = pos[2] * H
    xp.tanh(gates[..., g0:g0 + H], out=acts[..., g0:g0 + H])
    i, f, g, o = (acts[..., p * H:(p + 1) * H] for p in pos)
    xp.multiply(i, g, out=tmp)
    xp.multiply(f, c, out=c_out)
    c_out += tmp
    xp.tanh(c_out, out=h_out)
    h_out *= o


def lstm_cell_backward(xp, acts, c, c_new, gh, gc, ga, dgates, dc, tc, tmp, gate_order):
    """dgates, dc <- the LSTM cell's backward (see :class:`LSTMPointwiseGrad`); ``tc``/``tmp``: scratch like c."""
    H = c.shape[-1]
    pos = GATE_ORDERS[gate_order]
    i, f, g, o = (acts[..., p * H:(p + 1) * H] for p in pos)
    xp.tanh(c_new, out=tc)
    xp.multiply(gh, o, out=dc)
    _times_dtanh(xp, dc, tc, tmp)
    dc += gc
    di, df, dg, do = (dgates[..., p * H:(p + 1) * H] for p in pos)
    xp.multiply(gh, tc, out=do)
    xp.multiply(dc, g, out=di)
    xp.multiply(dc, c, out=df)
    xp.multiply(dc, i, out=dg)
    if ga is not None:
        dgates += ga
    _times_dsigmoid(xp, do, o, tmp)
    _times_dsigmoid(xp, di, i, tmp)
    _times_dsigmoid(xp, df, f, tmp)
    _times_dtanh(xp, dg, g, tmp)
    dc *= f


def gru_cell_forward(xp, xg, hg, h, acts, h_out):
    """acts (r, z, n), h_out <- the GRU cell of the gate GEMMs' results ``xg``, ``hg`` and state ``h``."""
    H = h.shape[-1]
    xp.add(xg, hg, out=acts)
    rz = acts[..., :2 * H]
    _sigmoid(xp, rz, rz)
    r, z, n = acts[..., :H], acts[..., H:2 * H], acts[..., 2 * H:]
    xp.multiply(r, hg[..., 2 * H:], out=n)
    n += xg[..., 2 * H:]
    xp.tanh(n, out=n)
    xp.subtract(h, n, out=h_out)  # h' = n + z (h - n)
    h_out *= z
    h_out += n


def gru_cell_backward(xp, acts, hn, h, gh, ga, dxg, dhg, dh, tmp):
    """dxg, dhg, dh <- the GRU cell's backward (see :class:`GRUPointwiseGrad`); ``hn`` is hg's n block."""
    H = h.shape[-1]
    r, z, n = acts[..., :H], acts[..., H:2 * H], acts[..., 2 * H:]
    dr, dz, dn = dxg[..., :H], dxg[..., H:2 * H], dxg[..., 2 * H:]
    xp.subtract(1, z, out=dn)
    dn *= gh
    xp.subtract(h, n, out=dz)
    dz *= gh
    if ga is not None:
        dxg[..., H:] += ga[..., H:]
    _times_dtanh(xp, dn, n, tmp)
    _times_dsigmoid(xp, dz, z, tmp)
    xp.multiply(dn, hn, out=dr)
    if ga is not None:
        dr += ga[..., :H]
    _times_dsigmoid(xp, dr, r, tmp)
    dhg[...] = dxg
    dhg[..., 2 * H:] *= r
    xp.multiply(gh, z, out=dh)


# ---------------------------------------------------------------------------------------
# LSTM
# ---------------------------------------------------------------------------------------

class LSTMPointwise(Op):
    """The LSTM cell after its gate GEMM: ``(gates, c) -> (h', c', acts)`` (see the module docstring)."""

    nin = 2
    nout = 3
    retain_outputs = True
    opname = "lstm_pointwise"
    type = "LSTMPointwise"

    def __init__(self, gate_order="ifgo", forget_bias=0.0):
        super().__init__(gate_order=_gate_order("lstm_pointwise", gate_order), forget_bias=float(forget_bias))

    def forward(self, xp, gates, c):
        _validate(self, (gates, c), c.ndim >= 1 and _rows(c.shape[-1], (gates, 4), (c, 1)))
        acts = xp.empty_like(gates)
        h, c_new, tmp = xp.empty_like(c), xp.empty_like(c), xp.empty_like(c)
        lstm_cell_forward(xp, gates, c, acts, h, c_new, tmp, self.gate_order, self.forget_bias)
        return h, c_new, acts

    def infer(self, gates, c):
        _floating_same(self.opname, [("gates", gates), ("c", c)])
        _rows_spec(self.opname, "gates", gates, lambda h: 4 * h, c)
        hs = _hidden_spec(gates, c)
        gs = Spec(gates.shape if gates.shape is not None else None, gates.dtype)
        return hs, hs, gs

    def backward(self, grads):
        gh, gc, ga = grads
        h_new, c_new, acts = self.output(0), self.output(1), self.output(2)
        ins = [acts, self.inputs[1], c_new,
               gh if gh is not None else S.zeros_like(h_new), gc if gc is not None else S.zeros_like(c_new)]
        if ga is not None:
            ins.append(ga)
        dgates, dc = LSTMPointwiseGrad.apply(*ins, gate_order=self.gate_order)
        return dgates, (dc if self.needs_grad[1] else None)


class LSTMPointwiseGrad(Op):
    """Backward of :class:`LSTMPointwise`: ``(acts, c, c', gh, gc[, ga]) -> (d gates, d c)``.

    With tc = tanh(c') and dc = gh o (1 - tc^2) + gc:
    d a_i = (dc g + ga_i) i (1 - i), d a_f = (dc c + ga_f) f (1 - f),
    d a_g = (dc i + ga_g) (1 - g^2), d a_o = (gh tc + ga_o) o (1 - o), d c = dc f.
    """

    nin = None
    nout = 2
    opname = "lstm_pointwise_grad"
    type = "LSTMPointwiseGrad"

    def __init__(self, gate_order="ifgo"):
        super().__init__(gate_order=_gate_order("lstm_pointwise_grad", gate_order))

    def forward(self, xp, acts, c, c_new, gh, gc, ga=None):
        pairs = [(acts, 4), (c, 1), (c_new, 1), (gh, 1), (gc, 1)] + ([(ga, 4)] if ga is not None else [])
        _validate(self, [a for a, _ in pairs], c.ndim >= 1 and _rows(c.shape[-1], *pairs))
        dgates, dc = xp.empty_like(acts), xp.empty_like(c)
        lstm_cell_backward(xp, acts, c, c_new, gh, gc, ga, dgates, dc, xp.empty_like(c), xp.empty_like(c),
                           self.gate_order)
        return dgates, dc

    def infer(self, acts, c, c_new, gh, gc, *ga):
        if len(ga) > 1:
            raise ShapeError(f"{self.opname}: takes 5 or 6 inputs, got {5 + len(ga)}")
        named = [("acts", acts), ("c", c), ("c_new", c_new), ("gh", gh), ("gc", gc)] + [("ga", s) for s in ga]
        _floating_same(self.opname, named)
        for name, s in named:
            _rows_spec(self.opname, name, s, (lambda h: 4 * h) if name in ("acts", "ga") else (lambda h: h), c)
        return Spec(acts.shape, acts.dtype), _hidden_spec(acts, c)

    def backward(self, grads):
        """VJP of the kernel above (it is linear in gh, gc, ga; the rest is the chain rule through tc and the
        activations' derivatives written from the activations themselves)."""
        acts, c, c_new, gh, gc, *rest = self.inputs
        ga = rest[0] if rest else None
        H = c.shape[-1]
        pos = GATE_ORDERS[self.gate_order]
        i, f, g, o = (_block(acts, p, 4, H) for p in pos)
        U = grads[0] if grads[0] is not None else S.zeros_like(acts)
        Ui, Uf, Ug, Uo = (_block(U, p, 4, H) for p in pos)
        V = grads[1]
        mul, add, sub = E.multiply, E.add, E.subtract
        tc = E.tanh(c_new)
        s = sub(1, mul(tc, tc))
        dc = add(mul(mul(gh, o), s), gc)
        gai, gaf, gag, gao = (_block(ga, p, 4, H) for p in pos) if ga is not None else (None,) * 4

        def plus(x, y):
            return x if y is None else add(x, y)

        Pi, Pf, Pg, Po = plus(mul(dc, g), gai), plus(mul(dc, c), gaf), plus(mul(dc, i), gag), plus(mul(gh, tc), gao)
        Si, Sf, So = mul(i, sub(1, i)), mul(f, sub(1, f)), mul(o, sub(1, o))
        Sg = sub(1, mul(g, g))
        Wi, Wf, Wg, Wo = mul(Ui, Si), mul(Uf, Sf), mul(Ug, Sg), mul(Uo, So)
        Bdc = add(add(mul(Wi, g), mul(Wf, c)), mul(Wg, i))
        if V is not None:
            Bdc = add(Bdc, mul(V, f))
        d_i = add(mul(mul(Ui, Pi), sub(1, mul(i, 2))), mul(Wg, dc))
        d_f = mul(mul(Uf, Pf), sub(1, mul(f, 2)))
        if V is not None:
            d_f = add(d_f, mul(V, dc))
        d_g = add(mul(mul(mul(Ug, Pg), g), -2), mul(Wi, dc))
        d_o = add(mul(mul(Uo, Po), sub(1, mul(o, 2))), mul(mul(Bdc, gh), s))
        blocks = [None] * 4
        for k, d in zip(pos, (d_i, d_f, d_g, d_o)):
            blocks[k] = d
        d_acts = S.concatenate(blocks, axis=-1)
        d_c = mul(Wf, dc)
        Btc = sub(mul(Wo, gh), mul(mul(mul(Bdc, gh), mul(o, tc)), 2))
        d_cnew = mul(Btc, s)
        d_gh = add(mul(mul(Bdc, o), s), mul(Wo, tc))
        out = [d_acts, d_c, d_cnew, d_gh, Bdc]
        if ga is not None:
            wb = [None] * 4
            for k, w in zip(pos, (Wi, Wf, Wg, Wo)):
                wb[k] = w
            out.append(S.concatenate(wb, axis=-1))
        return tuple(out)


def lstm_pointwise(gates, c, gate_order="ifgo", forget_bias=0.0):
    """The fused LSTM cell update from pre-activation ``gates`` (..., 4H) and cell state ``c`` (..., H).

    Returns ``(h, c_new, acts)``: the new hidden and cell states and the gate
    activations ``(i, f, g, o)`` in the layout of ``gates``. ``gate_order``:
    ``"ifgo"`` (PyTorch) or ``"ijfo"`` (TensorFlow); ``forget_bias`` is added
    to the forget gate's pre-activation (TensorFlow's cells use 1.0).

    All gates at 0 give i = f = o = 1/2 and g = 0, so c' = c / 2 and h' = tanh(c') / 2:

    >>> h, c, _ = lstm_pointwise(nl.tensor(np.zeros((1, 4))), nl.tensor(np.ones((1, 1))))
    >>> float(c.numpy()[0, 0]), round(float(h.numpy()[0, 0]), 4)
    (0.5, 0.2311)
    """
    return LSTMPointwise.apply(gates, c, gate_order=gate_order, forget_bias=forget_bias)


# ---------------------------------------------------------------------------------------
# GRU
# ---------------------------------------------------------------------------------------

class GRUPointwise(Op):
    """The GRU cell after its two gate GEMMs: ``(xg, hg, h) -> (h', acts)`` (see the module docstring)."""

    nin = 3
    nout = 2
    retain_outputs = True
    opname = "gru_pointwise"
    type = "GRUPointwise"

    def forward(self, xp, xg, hg, h):
        _validate(self, (xg, hg, h), h.ndim >= 1 and _rows(h.shape[-1], (xg, 3), (hg, 3), (h, 1)))
        acts, h_new = xp.empty_like(xg), xp.empty_like(h)
        gru_cell_forward(xp, xg, hg, h, acts, h_new)
        return h_new, acts

    def infer(self, xg, hg, h):
        _floating_same(self.opname, [("xg", xg), ("hg", hg), ("h", h)])
        _rows_spec(self.opname, "xg", xg, lambda k: 3 * k, h)
        _rows_spec(self.opname, "hg", hg, lambda k: 3 * k, h)
        hs = _hidden_spec(xg, h)
        return hs, Spec(xg.shape, xg.dtype)

    def backward(self, grads):
        gh, ga = grads
        ins = [self.output(1), self.inputs[1], self.inputs[2], gh if gh is not None else S.zeros_like(self.output(0))]
        if ga is not None:
            ins.append(ga)
        dxg, dhg, dh = GRUPointwiseGrad.apply(*ins)
        n = self.needs_grad
        return (dxg if n[0] else None), (dhg if n[1] else None), (dh if n[2] else None)


class GRUPointwiseGrad(Op):
    """Backward of :class:`GRUPointwise`: ``(acts, hg, h, gh[, ga]) -> (d xg, d hg, d h)``.

    D_n = (gh (1 - z) + ga_n)(1 - n^2), D_z = (gh (h - n) + ga_z) z (1 - z),
    D_r = (D_n h_n + ga_r) r (1 - r); d xg = (D_r, D_z, D_n), d hg = (D_r, D_z, D_n r), d h = gh z.
    """

    nin = None
    nout = 3
    opname = "gru_pointwise_grad"
    type = "GRUPointwiseGrad"

    def forward(self, xp, acts, hg, h, gh, ga=None):
        pairs = [(acts, 3), (hg, 3), (h, 1), (gh, 1)] + ([(ga, 3)] if ga is not None else [])
        _validate(self, [a for a, _ in pairs], h.ndim >= 1 and _rows(h.shape[-1], *pairs))
        H = h.shape[-1]
        dxg, dhg, dh = xp.empty_like(acts), xp.empty_like(acts), xp.empty_like(h)
        gru_cell_backward(xp, acts, hg[..., 2 * H:], h, gh, ga, dxg, dhg, dh, xp.empty_like(h))
        return dxg, dhg, dh

    def infer(self, acts, hg, h, gh, *ga):
        if len(ga) > 1:
            raise ShapeError(f"{self.opname}: takes 4 or 5 inputs, got {4 + len(ga)}")
        named = [("acts", acts), ("hg", hg), ("h", h), ("gh", gh)] + [("ga", s) for s in ga]
        _floating_same(self.opname, named)
        for name, s in named:
            _rows_spec(self.opname, name, s, (lambda k: k) if name in ("h", "gh") else (lambda k: 3 * k), h)
        a = Spec(acts.shape, acts.dtype)
        return a, a, _hidden_spec(acts, h)

    def backward(self, grads):
        """VJP of the kernel above, from its closed form (linear in gh and ga)."""
        acts, hg, h, gh, *rest = self.inputs
        ga = rest[0] if rest else None
        H = h.shape[-1]
        r, z, n = (_block(acts, k, 3, H) for k in range(3))
        hn = _block(hg, 2, 3, H)
        mul, add, sub = E.multiply, E.add, E.subtract
        X = grads[0] if grads[0] is not None else S.zeros_like(acts)
        Y = grads[1] if grads[1] is not None else S.zeros_like(acts)
        Zc = grads[2]
        Xr, Xz, Xn = (_block(X, k, 3, H) for k in range(3))
        Yr, Yz, Yn = (_block(Y, k, 3, H) for k in range(3))
        gar, gaz, gan = (_block(ga, k, 3, H) for k in range(3)) if ga is not None else (None,) * 3

        def plus(x, y):
            return x if y is None else add(x, y)

        dn_t = plus(mul(gh, sub(1, z)), gan)
        dz_t = plus(mul(gh, sub(h, n)), gaz)
        Sn, Sz, Sr = sub(1, mul(n, n)), mul(z, sub(1, z)), mul(r, sub(1, r))
        Dn = mul(dn_t, Sn)
        dr_t = plus(mul(Dn, hn), gar)
        Ar, Az, An = add(Xr, Yr), add(Xz, Yz), add(Xn, mul(Yn, r))
        Br = mul(Ar, Sr)
        Cn = add(An, mul(Br, hn))
        Bn = mul(Cn, Sn)
        Bz = mul(Az, Sz)
        d_r = add(mul(mul(Ar, dr_t), sub(1, mul(r, 2))), mul(Yn, Dn))
        d_z = mul(mul(Az, dz_t), sub(1, mul(z, 2)))
        d_z = sub(d_z, mul(Bn, gh)) if Zc is None else add(d_z, mul(gh, sub(Zc, Bn)))
        d_n = sub(mul(mul(mul(Cn, dn_t), n), -2), mul(Bz, gh))
        d_acts = S.concatenate([d_r, d_z, d_n], axis=-1)
        zero = S.zeros_like(Br)
        d_hg = S.concatenate([zero, zero, mul(Br, Dn)], axis=-1)
        d_h = mul(Bz, gh)
        d_gh = add(mul(Bn, sub(1, z)), mul(Bz, sub(h, n)))
        if Zc is not None:
            d_gh = add(d_gh, mul(Zc, z))
        out = [d_acts, d_hg, d_h, d_gh]
        if ga is not None:
            out.append(S.concatenate([Br, Bz, Bn], axis=-1))
        return tuple(out)


def gru_pointwise(xg, hg, h):
    """The fused GRU cell update from the gate GEMMs' results ``xg``, ``hg`` (..., 3H) and state ``h`` (..., H).

    ``xg = x W_ih^T + b_ih``, ``hg = h W_hh^T + b_hh`` in PyTorch's gate order
    (r, z, n). Returns ``(h_new, acts)`` with ``acts = (r, z, n)``.

    With zero gates r = z = 1/2 and n = 0, so h' = h / 2:

    >>> h, _ = gru_pointwise(nl.tensor(np.zeros((1, 3))), nl.tensor(np.zeros((1, 3))), nl.tensor(np.ones((1, 1))))
    >>> float(h.numpy()[0, 0])
    0.5
    """
    return GRUPointwise.apply(xg, hg, h)




# ---------------------------------------------------------------------------------------
# whole sequences: one op per layer and direction
# ---------------------------------------------------------------------------------------

#: the sequence modes and their number of gate blocks
MODES = {"lstm": 4, "gru": 3, "rnn_tanh": 1, "rnn_relu": 1}


def _check_mode(what, mode):
    if mode not in MODES:
        raise ValueError(f"{what}: mode must be one of {sorted(MODES)}, got {mode!r}")
    return mode


class _SequenceLayout:
    """The input/output layout of :class:`Recurrence` and :class:`RecurrenceGrad`, from their attributes."""

    def _attrs(self, mode, reverse, init, masked, bias, gate_order, forget_bias):
        return dict(mode=_check_mode(self.opname, mode), reverse=bool(reverse), init=bool(init),
                    masked=bool(masked), bias=bool(bias) and mode == "gru",
                    gate_order=_gate_order(self.opname, gate_order), forget_bias=float(forget_bias))

    def _primal(self):
        """Names of the forward op's inputs, in order."""
        names = ["x", "w_hh"]
        if self.bias:
            names.append("b_hh")
        if self.init:
            names += ["h0", "c0"] if self.mode == "lstm" else ["h0"]
        if self.masked:
            names.append("mask")
        return names

    def _public(self):
        return ["out", "h_n", "c_n"] if self.mode == "lstm" else ["out", "h_n"]

    def _saved(self):
        return {"lstm": ["acts", "hs", "cs"], "gru": ["acts", "hns", "hs"]}.get(self.mode, ["hs"])

    def _seq_attrs(self):
        return {k: getattr(self, k) for k in ("mode", "reverse", "init", "masked", "bias", "gate_order",
                                              "forget_bias")}


def _steps(T, reverse):
    """(k, t) pairs: processing step k reads time t."""
    return [(k, T - 1 - k if reverse else k) for k in range(T)]


class Recurrence(_SequenceLayout, Op):
    """A whole recurrent layer (one direction) over projected inputs, in one fused loop.

    Inputs (``mode`` "lstm", "gru", "rnn_tanh" or "rnn_relu"): ``x`` ``(T, B, G*H)``
    (``x_t W_ih^T + b_ih`` for every step, plus ``b_hh`` except for the GRU),
    ``w_hh`` ``(G*H, H)``, then ``b_hh`` ``(3H,)`` (GRU with ``bias``), the
    initial state ``h0`` (and ``c0``) ``(B, H)`` when ``init`` (zeros
    otherwise), and a ``(T, B)`` bool ``mask`` when ``masked`` (False: the step
    leaves that row's state unchanged and outputs zeros). Step k reads time
    ``T - 1 - k`` when ``reverse``.

    Outputs: ``out`` ``(T, B, H)``, ``h_n`` (and ``c_n``) ``(B, H)``, then what
    the backward reads (``acts``, the state history ``hs``/``cs`` of shape
    ``(T+1, B, H)`` in processing order, the GRU's ``h W_hn^T + b_hn``); only
    the first two (three) are differentiable. Without a mask ``out`` is a view
    of ``hs`` (``hs[1:]``, reversed for ``reverse``).

    Each step is one GEMM ``h @ W_hh^T`` written into a preallocated buffer and
    the cell kernel of :func:`lstm_cell_forward` / :func:`gru_cell_forward` (or
    ``tanh``/``relu``). Gradient: :class:`RecurrenceGrad`.
    """

    nin = None
    retain_outputs = True
    type = "Recurrence"

    def __init__(self, mode="lstm", reverse=False, init=False, masked=False, bias=False, gate_order="ifgo",
                 forget_bias=0.0):
        super().__init__(**self._attrs(mode, reverse, init, masked, bias, gate_order, forget_bias))
        self.nout = len(self._public()) + len(self._saved())

    def forward(self, xp, *arrays):
        _check_sequence_arrays(self, arrays)
        a = dict(zip(self._primal(), arrays))
        x, w = a["x"], a["w_hh"]
        T, B = x.shape[0], x.shape[1]
        H = w.shape[1]
        dt = x.dtype
        mode = self.mode
        hs = xp.empty((T + 1, B, H), dtype=dt)
        hs[0] = a["h0"] if self.init else 0
        mask = a.get("mask")
        # unmasked, the outputs are the state history itself (a view: no copy, no second array)
        out = xp.empty((T, B, H), dtype=dt) if mask is not None else (hs[1:][::-1] if self.reverse else hs[1:])
        wt = w.T
        skip_first = not self.init  # h_0 = 0: the first step needs no GEMM
        if mode == "lstm":
            acts = xp.empty((T, B, 4 * H), dtype=dt)
            cs = xp.empty((T + 1, B, H), dtype=dt)
            cs[0] = a["c0"] if self.init else 0
            g, tmp = xp.empty((B, 4 * H), dtype=dt), xp.empty((B, H), dtype=dt)
            for k, t in _steps(T, self.reverse):
                if k == 0 and skip_first:
                    g[...] = x[t]
                else:
                    xp.dot(hs[k], wt, out=g)
                    g += x[t]
                lstm_cell_forward(xp, g, cs[k], acts[k], hs[k + 1], cs[k + 1], tmp, self.gate_order,
                                  self.forget_bias)
                _emit(xp, mask, t, k, out, hs, cs)
            return out, hs[T].copy(), cs[T].copy(), acts, hs, cs
        if mode == "gru":
            acts = xp.empty((T, B, 3 * H), dtype=dt)
            hns = xp.empty((T, B, H), dtype=dt)
            hg = xp.empty((B, 3 * H), dtype=dt)
            b = a.get("b_hh")
            for k, t in _steps(T, self.reverse):
                if k == 0 and skip_first:
                    hg[...] = 0 if b is None else b
                else:
                    xp.dot(hs[k], wt, out=hg)
                    if b is not None:
                        hg += b
                gru_cell_forward(xp, x[t], hg, hs[k], acts[k], hs[k + 1])
                hns[k] = hg[:, 2 * H:]
                _emit(xp, mask, t, k, out, hs)
            return out, hs[T].copy(), acts, hns, hs
        relu = mode == "rnn_relu"
        for k, t in _steps(T, self.reverse):
            y = hs[k + 1]
            if k == 0 and skip_first:
                y[...] = x[t]
            else:
                xp.dot(hs[k], wt, out=y)
                y += x[t]
            if relu:
                xp.maximum(y, 0, out=y)
            else:
                xp.tanh(y, out=y)
            _emit(xp, mask, t, k, out, hs)
        return out, hs[T].copy(), hs

    def infer(self, *specs):
        a = _check_sequence_specs(self, specs)
        x, w = a["x"], a["w_hh"]
        T, B, H = x.shape[0], x.shape[1], w.shape[1]
        if B is None:
            B = next((a[n].shape[0] for n in ("h0", "c0") if n in a), None)
        dt = x.dtype
        T1 = None if T is None else T + 1
        seq, state, hist = Spec((T, B, H), dt), Spec((B, H), dt), Spec((T1, B, H), dt)
        G = MODES[self.mode]
        if self.mode == "lstm":
            return seq, state, state, Spec((T, B, G * H), dt), hist, hist
        if self.mode == "gru":
            return seq, state, Spec((T, B, G * H), dt), seq, hist
        return seq, state, hist

    def backward(self, grads):
        npub = len(self._public())
        if any(g is not None for g in grads[npub:]):
            raise NeuralabError(f"{self.opname}: its saved outputs ({', '.join(self._saved())}) are not "
                                "differentiable")
        cots = [g if g is not None else S.zeros_like(self.output(i)) for i, g in enumerate(grads[:npub])]
        saved = [self.output(i) for i in range(npub, self.nout)]
        res = RecurrenceGrad.apply(*self.inputs, *cots, *saved, **self._seq_attrs())
        it = iter(res if isinstance(res, tuple) else (res,))
        out = []
        for name, need in zip(self._primal(), self.needs_grad):
            if name != "mask":
                g = next(it)
                out.append(g if need else None)
            else:
                out.append(None)
        return tuple(out)


def _emit(xp, mask, t, k, out, hs, cs=None):
    """Masked rows keep the previous state; ``out[t]`` is the new hidden state (zero where masked).

    Without a mask ``out`` is a view of ``hs`` and there is nothing to do."""
    if mask is None:
        return
    m = mask[t]
    inv = ~m
    if inv.any():
        xp.copyto(hs[k + 1], hs[k], where=inv[:, None])
        if cs is not None:
            xp.copyto(cs[k + 1], cs[k], where=inv[:, None])
    xp.multiply(hs[k + 1], m[:, None], out=out[t])


def _check_sequence_arrays(op, arrays):
    """Eager calls: the checks of ``infer`` on concrete shapes (no unknown dimensions)."""
    _check_sequence_specs(op, [Spec(a.shape, a.dtype) for a in arrays[:len(op._primal())]])


def _check_sequence_specs(op, specs):
    """Check the inputs of a sequence op against its layout; returns {name: spec}."""
    what = op.opname
    names = op._primal()
    if len(specs) < len(names):
        raise ShapeError(f"{what}: expected {len(names)} inputs ({', '.join(names)}), got {len(specs)}")
    a = dict(zip(names, specs))
    x, w = a["x"], a["w_hh"]
    G = MODES[op.mode]
    if x.shape is None or len(x.shape) != 3:
        raise ShapeError(f"{what}: x must be (T, B, {G}*H), got "
                         f"{fmt_shape(x.shape) if x.shape is not None else '(unknown rank)'}")
    if w.shape is None or len(w.shape) != 2 or (w.shape[0] is not None and w.shape[1] is not None
                                                 and w.shape[0] != G * w.shape[1]):
        raise ShapeError(f"{what}: w_hh must be ({G}*H, H) for mode {op.mode!r}, got "
                         f"{fmt_shape(w.shape) if w.shape is not None else '(unknown rank)'}")
    H = w.shape[1]
    T, B = x.shape[0], x.shape[1]
    if x.shape[2] is not None and w.shape[0] is not None and x.shape[2] != w.shape[0]:
        raise ShapeError(f"{what}: x of shape {fmt_shape(x.shape)} must have {w.shape[0]} entries in its last "
                         f"axis to match w_hh of shape {fmt_shape(w.shape)}")
    floats = [(n, s) for n, s in a.items() if n != "mask"]
    _floating_same(what, floats)
    want = {"b_hh": (G * H if H is not None else None,), "h0": (B, H), "c0": (B, H), "mask": (T, B)}
    for n, s in a.items():
        if n in want:
            exp = want[n]
            if s.shape is None or len(s.shape) != len(exp) or any(
                    p is not None and q is not None and p != q for p, q in zip(s.shape, exp)):
                raise ShapeError(f"{what}: {n} of shape {fmt_shape(s.shape) if s.shape is not None else '?'} does "
                                 f"not fit x of shape {fmt_shape(x.shape)} and w_hh of shape {fmt_shape(w.shape)} "
                                 f"(expected {fmt_shape(exp)})")
    if "mask" in a and a["mask"].dtype.kind != "b":
        raise DTypeError(f"{what}: mask must be bool, got {a['mask'].dtype}")
    return a


class RecurrenceGrad(_SequenceLayout, Op):
    """Backpropagation through time for :class:`Recurrence`, in one fused loop.

    Inputs: the forward op's inputs, the gradients of its public outputs
    (``out``, ``h_n``, ``c_n``) and its saved outputs. Outputs: the gradients of
    its floating inputs (``x``, ``w_hh``, then ``b_hh``, ``h0``, ``c0`` when
    present). Per step (last to first): the cell's backward kernel writes that
    step's gate gradients into one ``(T, B, G*H)`` buffer and one GEMM carries
    ``dh`` to the previous step; after the loop ``dW_hh`` is a single GEMM
    ``dG^T @ hs`` over all T*B rows (and the GRU's ``db_hh`` one sum).

    Mathematically it is a function of the forward inputs and the output
    gradients alone (the saved outputs only cache the forward pass), so its own
    gradient is taken through :func:`unrolled` (the same recurrence as a loop of
    per-step ops) by two nested vector-Jacobian products; higher derivatives
    of any order follow.
    """

    nin = None
    type = "RecurrenceGrad"

    def __init__(self, mode="lstm", reverse=False, init=False, masked=False, bias=False, gate_order="ifgo",
                 forget_bias=0.0):
        super().__init__(**self._attrs(mode, reverse, init, masked, bias, gate_order, forget_bias))
        names = self._primal()
        n, npub = len(names), len(self._public())
        self.nout = len([m for m in names if m != "mask"])
        self.nondiff_inputs = tuple([i for i, m in enumerate(names) if m == "mask"]
                                    + list(range(n + npub, n + npub + len(self._saved()))))

    def _split(self, items):
        names = self._primal()
        n, npub = len(names), len(self._public())
        return (dict(zip(names, items[:n])), dict(zip(self._public(), items[n:n + npub])),
                dict(zip(self._saved(), items[n + npub:])))

    def forward(self, xp, *arrays):
        _check_sequence_arrays(self, arrays)
        a, cot, sv = self._split(arrays)
        w = a["w_hh"]
        mask = a.get("mask")
        hs = sv["hs"]
        T, B, H = hs.shape[0] - 1, hs.shape[1], hs.shape[2]
        G = MODES[self.mode]
        dt = hs.dtype
        g_out = cot["out"]
        dh, dhp, gh = cot["h_n"].copy(), xp.empty((B, H), dtype=dt), xp.empty((B, H), dtype=dt)
        tmp = xp.empty((B, H), dtype=dt)
        dG = xp.empty((T, B, G * H), dtype=dt)
        skip_first = not self.init  # no gradient for a zero initial state: the first step's dh is not needed
        if self.mode == "lstm":
            acts, cs = sv["acts"], sv["cs"]
            dc, dcp, tc = cot["c_n"].copy(), xp.empty((B, H), dtype=dt), xp.empty((B, H), dtype=dt)
            gcm = xp.empty((B, H), dtype=dt) if mask is not None else None
            for k, t in reversed(_steps(T, self.reverse)):
                xp.add(dh, g_out[t], out=gh)
                gc = dc
                if mask is not None:
                    valid = mask[t][:, None]
                    gh *= valid
                    gc = xp.multiply(dc, valid, out=gcm)
                lstm_cell_backward(xp, acts[k], cs[k], cs[k + 1], gh, gc, None, dG[k], dcp, tc, tmp,
                                   self.gate_order)
                if k == 0 and skip_first:
                    break
                xp.dot(dG[k], w, out=dhp)
                _carry(xp, mask, t, (dhp, dh), (dcp, dc))
                dh, dhp, dc, dcp = dhp, dh, dcp, dc
            grads = [_seq_order(dG, self.reverse), _dw(dG, hs)]
            if self.init:
                grads += [dh, dc]
            return tuple(grads)
        if self.mode == "gru":
            acts, hns = sv["acts"], sv["hns"]
            dHG, direct = xp.empty((T, B, 3 * H), dtype=dt), xp.empty((B, H), dtype=dt)
            for k, t in reversed(_steps(T, self.reverse)):
                xp.add(dh, g_out[t], out=gh)
                if mask is not None:
                    gh *= mask[t][:, None]
                gru_cell_backward(xp, acts[k], hns[k], hs[k], gh, None, dG[k], dHG[k], direct, tmp)
                if k == 0 and skip_first:
                    break
                xp.dot(dHG[k], w, out=dhp)
                dhp += direct
                _carry(xp, mask, t, (dhp, dh))
                dh, dhp = dhp, dh
            grads = [_seq_order(dG, self.reverse), _dw(dHG, hs)]
            if self.bias:
                grads.append(dHG.sum(axis=(0, 1)))
            if self.init:
                grads.append(dh)
            return tuple(grads)
        relu = self.mode == "rnn_relu"
        for k, t in reversed(_steps(T, self.reverse)):
            d = dG[k]
            xp.add(dh, g_out[t], out=d)
            if mask is not None:
                d *= mask[t][:, None]
            y = hs[k + 1]
            if relu:
                d *= y > 0
            else:
                _times_dtanh(xp, d, y, tmp)
            if k == 0 and skip_first:
                break
            xp.dot(d, w, out=dhp)
            _carry(xp, mask, t, (dhp, dh))
            dh, dhp = dhp, dh
        grads = [_seq_order(dG, self.reverse), _dw(dG, hs)]
        if self.init:
            grads.append(dh)
        return tuple(grads)

    def infer(self, *specs):
        names = self._primal()
        _check_sequence_specs(self, specs[:len(names)])
        return tuple(Spec(s.shape, s.dtype) for n, s in zip(names, specs) if n != "mask")

    def backward(self, grads):
        """Second-order terms: VJP of (forward inputs, output gradients) -> this op's outputs, through
        :func:`unrolled`, each input entering through a boundary that blocks the sweep beyond it."""
        from .._core import config
        from .._core.autograd import gradients

        names = self._primal()
        n, npub = len(names), len(self._public())
        ins = self.inputs[:n + npub]
        opened = []
        with config.enable_grad():
            wrapped = [t if (i < n and names[i] == "mask") else _enter(t, opened) for i, t in enumerate(ins)]
            try:
                prim = dict(zip(names, wrapped[:n]))
                outs = unrolled(self.mode, prim["x"], prim["w_hh"], prim.get("b_hh"), prim.get("h0"),
                                prim.get("c0"), mask=prim.get("mask"), reverse=self.reverse,
                                gate_order=self.gate_order, forget_bias=self.forget_bias)
                diff = [wrapped[i] for i in range(n) if names[i] != "mask"]
                first = gradients(list(outs), diff, grad_ys=list(wrapped[n:]), create_graph=True)
                pairs = [(f, g) for f, g in zip(first, grads) if f is not None and g is not None]
                targets = [w for i, w in enumerate(wrapped) if not (i < n and names[i] == "mask")]
                second = gradients([f for f, _ in pairs], targets, grad_ys=[g for _, g in pairs],
                                   create_graph=True) if pairs else [None] * len(targets)
            finally:
                for op in opened:
                    op.blocked = False
        it = iter(second)
        out = [None if (i < n and names[i] == "mask") else next(it) for i in range(n + npub)]
        out = [g if need else None for g, need in zip(out, self.needs_grad)]
        return tuple(out) + (None,) * (len(self.inputs) - n - npub)


def _carry(xp, mask, t, *pairs):
    """Masked rows pass the state gradient through unchanged: new[~m] = old[~m]."""
    if mask is None:
        return
    inv = ~mask[t]
    if inv.any():
        for new, old in pairs:
            xp.copyto(new, old, where=inv[:, None])


def _seq_order(dG, reverse):
    """Gate gradients stored by processing step, as gradients of the time-ordered input."""
    return dG[::-1] if reverse else dG


def _dw(dG, hs):
    """dW_hh = sum_k dG_k^T h_{k-1}: one GEMM over all T*B rows."""
    T, B, GH = dG.shape
    return dG.reshape(T * B, GH).T.dot(hs[:T].reshape(T * B, hs.shape[2]))


class _Boundary(Op):
    """The identity; while ``blocked`` its backward passes nothing on (a nested gradient stops here)."""

    nin = 1
    identity = True

    def forward(self, xp, x):
        return (x,)

    def infer(self, x):
        return (x,)

    def backward(self, g):
        return (None,) if self.blocked else (g[0],)


def _enter(t, opened):
    """``t`` behind a blocked :class:`_Boundary` (or a fresh leaf when it is a constant), requiring grad."""
    from .._core.tensor import Tensor

    if t.data is not None and not t.requires_grad:
        y = Tensor._make(t.data)
        y.requires_grad = t.dtype.kind == "f"
        return y
    op = _Boundary()
    op.blocked = True
    opened.append(op)
    return dispatch(op, (t,))


# ---------------------------------------------------------------------------------------
# the same recurrence as a loop of per-step ops (reference, and the route of higher derivatives)
# ---------------------------------------------------------------------------------------

def unrolled(mode, x, w_hh, b_hh=None, h0=None, c0=None, mask=None, reverse=False, gate_order="ifgo",
             forget_bias=0.0):
    """:class:`Recurrence`'s public outputs ``(out, h_n[, c_n])`` as a Python loop of per-step ops.

    Each step is ``matmul``, ``add`` and :func:`lstm_pointwise` /
    :func:`gru_pointwise` / ``tanh`` / ``maximum`` (plus ``where`` for masked
    steps), so it is differentiable to any order; :class:`RecurrenceGrad` takes
    its second derivatives through it, and tests compare the fused op with it.
    ``x`` is the projected input ``(T, B, G*H)``; ``mask`` a ``(T, B)`` bool tensor
    or None; ``h0``/``c0`` None mean zeros.
    """
    from .indexing import unstack

    _check_mode("unrolled", mode)
    H = w_hh.shape[1]
    xs = unstack(x, 0)
    T = len(xs)
    wt = S.transpose(w_hh)
    masks = None if mask is None else [S.expand_dims(m, -1) for m in unstack(mask, 0)]

    def zeros():
        return S.zeros_like(_block(xs[0], 0, MODES[mode], H))

    if mode == "lstm":
        state = (h0, c0)

        def step(xw, st):
            h, c = st
            gates = xw if h is None else E.add(xw, L.matmul(h, wt))
            h2, c2, _ = lstm_pointwise(gates, zeros() if c is None else c, gate_order, forget_bias)
            return h2, (h2, c2)
    elif mode == "gru":
        state = (h0,)

        def step(xg, st):
            (h,) = st
            if h is None:
                h = zeros()
                hg = S.zeros_like(xg) if b_hh is None else E.add(S.zeros_like(xg), b_hh)
            else:
                hg = L.matmul(h, wt)
                if b_hh is not None:
                    hg = E.add(hg, b_hh)
            h2 = gru_pointwise(xg, hg, h)[0]
            return h2, (h2,)
    else:
        state = (h0,)

        def step(xw, st):
            (h,) = st
            y = xw if h is None else E.add(xw, L.matmul(h, wt))
            y = E.tanh(y) if mode == "rnn_tanh" else E.maximum(0, y)  # (relu'(0) = 0: the tie goes to 0)
            return y, (y,)

    if masks is not None:
        state = tuple(zeros() if s is None else s for s in state)
    outs = [None] * T
    for _, t in _steps(T, reverse):
        y, new = step(xs[t], state)
        if masks is not None:
            new = tuple(E.where(masks[t], a, b) for a, b in zip(new, state))
            y = E.where(masks[t], y, 0)
        state = new
        outs[t] = y
    out = S.concatenate([S.expand_dims(o, 0) for o in outs], axis=0)
    return (out,) + tuple(state)
