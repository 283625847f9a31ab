"""Recurrent layers and cells: PyTorch parity (values, states, every gradient, to 1e-10 in float64), gradient
checks of whole layers, eager == compiled == graph, variable lengths and masks, errors, and learning."""
import numpy as np
import pytest

import neuralab as nl
from neuralab import functional as F, nn, optim
from neuralab.ops import recurrent as R
from neuralab.testing import gradcheck

KINDS = ["LSTM", "GRU", "RNN", "RNN_relu"]


def _torch():
    return pytest.importorskip("torch", reason="PyTorch is not installed (the optional test oracle)")


def _make(kind, I, H, **kw):
    """(neuralab layer, torch layer or None) of the same kind and settings; torch's weights copied over."""
    cls, extra = (kind, {}) if kind != "RNN_relu" else ("RNN", {"nonlinearity": "relu"})
    ours = getattr(nn, cls)(I, H, **extra, **kw, dtype="float64")
    return ours, cls, extra


def _pair(kind, I, H, **kw):
    torch = _torch()
    ours, cls, extra = _make(kind, I, H, **kw)
    torch.manual_seed(1)
    theirs = getattr(torch.nn, cls)(I, H, **extra, **kw).double()
    sd = {k: v.detach().numpy() for k, v in theirs.state_dict().items()}
    assert list(ours.state_dict()) == list(sd), "parameter names/order differ from PyTorch's"
    ours.load_state_dict(sd)
    return ours, theirs


def _states(st):
    return list(st) if isinstance(st, tuple) else [st]


CONFIGS = {
    "plain": dict(kw={}, lengths=None, state=False),
    "2layer_bidir": dict(kw=dict(num_layers=2, bidirectional=True), lengths=None, state=False),
    "batch_first_lengths": dict(kw=dict(num_layers=2, bidirectional=True, batch_first=True), lengths=[5, 2, 4, 1],
                                state=False),
    "initial_state_lengths": dict(kw=dict(num_layers=2), lengths=[3, 5, 5, 2], state=True),
    "no_bias": dict(kw=dict(bias=False, bidirectional=True), lengths=None, state=True),
}


@pytest.mark.parametrize("config", list(CONFIGS))
@pytest.mark.parametrize("kind", KINDS)
def test_layers_match_pytorch_values_states_and_gradients(kind, config):
    torch = _torch()
    cfg = CONFIGS[config]
    T, B, I, H = 5, 4, 3, 4
    ours, theirs = _pair(kind, I, H, **cfg["kw"])
    bf = cfg["kw"].get("batch_first", False)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((B, T, I) if bf else (T, B, I))
    L = cfg["kw"].get("num_layers", 1) * (2 if cfg["kw"].get("bidirectional") else 1)
    n_state = 2 if kind == "LSTM" else 1
    init = [rng.standard_normal((L, B, H)) for _ in range(n_state)] if cfg["state"] else None

    xt = torch.tensor(x, requires_grad=True)
    init_t = [torch.tensor(s, requires_grad=True) for s in init] if init else None
    arg = None if init_t is None else (tuple(init_t) if kind == "LSTM" else init_t[0])
    if cfg["lengths"] is not None:
        packed = torch.nn.utils.rnn.pack_padded_sequence(xt, cfg["lengths"], batch_first=bf, enforce_sorted=False)
        po, st_t = theirs(packed, arg)
        out_t, _ = torch.nn.utils.rnn.pad_packed_sequence(po, batch_first=bf, total_length=T)
    else:
        out_t, st_t = theirs(xt, arg)
    sts_t = _states(st_t)
    us = [rng.standard_normal(tuple(out_t.shape))] + [rng.standard_normal(tuple(s.shape)) for s in sts_t]
    loss_t = sum((a * torch.tensor(u)).sum() for a, u in zip([out_t] + sts_t, us))
    loss_t.backward()

    xn = nl.tensor(x, requires_grad=True)
    init_n = [nl.tensor(s, requires_grad=True) for s in init] if init else None
    arg = None if init_n is None else (tuple(init_n) if kind == "LSTM" else init_n[0])
    out_n, st_n = ours(xn, arg, lengths=cfg["lengths"])
    sts_n = _states(st_n)
    with nl.enable_grad():
        loss_n = sum(nl.sum(a * nl.tensor(u)) for a, u in zip([out_n] + sts_n, us))
    loss_n.backward()

    tol = dict(rtol=0, atol=1e-10)
    np.testing.assert_allclose(out_n.numpy(), out_t.detach().numpy(), **tol, err_msg="outputs")
    for a, b in zip(sts_n, sts_t):
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), **tol, err_msg="final state")
    np.testing.assert_allclose(xn.grad.numpy(), xt.grad.numpy(), **tol, err_msg="input gradient")
    for a, b in zip(init_n or [], init_t or []):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), **tol, err_msg="initial-state gradient")
    grads_t = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), grads_t[name].grad.numpy(), **tol, err_msg=name)


@pytest.mark.parametrize("kind", ["LSTMCell", "GRUCell", "RNNCell"])
def test_cells_match_pytorch(kind):
    torch = _torch()
    torch.manual_seed(0)
    theirs = getattr(torch.nn, kind)(3, 4).double()
    ours = getattr(nn, kind)(3, 4, dtype="float64")
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    rng = np.random.default_rng(1)
    x, h, c = rng.standard_normal((2, 3)), rng.standard_normal((2, 4)), rng.standard_normal((2, 4))
    xt, ht, ct = (torch.tensor(a, requires_grad=True) for a in (x, h, c))
    xn, hn, cn = (nl.tensor(a, requires_grad=True) for a in (x, h, c))
    if kind == "LSTMCell":
        yt, yn = theirs(xt, (ht, ct)), ours(xn, (hn, cn))
    else:
        yt, yn = (theirs(xt, ht),), (ours(xn, hn),)
    us = [rng.standard_normal((2, 4)) for _ in yt]
    sum((a * torch.tensor(u)).sum() for a, u in zip(yt, us)).backward()
    with nl.enable_grad():
        sum(nl.sum(a * nl.tensor(u)) for a, u in zip(yn, us)).backward()
    for a, b in zip(yn, yt):
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=0, atol=1e-12)
    for a, b in ((xn, xt), (hn, ht)) + (((cn, ct),) if kind == "LSTMCell" else ()):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=0, atol=1e-12)
    grads_t = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), grads_t[name].grad.numpy(), rtol=0, atol=1e-12, err_msg=name)


# ---------------------------------------------------------------------------------------
# gradient checks (float64)
# ---------------------------------------------------------------------------------------

def _gradcheck_layer(model, x, **call):
    names = [n for n, _ in model.named_parameters()]
    params = [p.numpy().copy() for p in model.parameters()]

    def f(x, *ps):
        out, st = nn.functional_call(model, dict(zip(names, ps)), x, **call)
        return (out, *_states(st))

    assert gradcheck(f, [x] + params)


@pytest.mark.parametrize("kind", KINDS)
def test_gradcheck_multilayer_bidirectional_layer_with_lengths(kind):
    nl.seed(0)
    model, _, _ = _make(kind, 2, 3, num_layers=2, bidirectional=True)
    x = np.random.default_rng(0).standard_normal((4, 3, 2))
    _gradcheck_layer(model, x, lengths=[4, 1, 3])
    _gradcheck_layer(model, x)


@pytest.mark.parametrize("kind", ["LSTMCell", "GRUCell", "RNNCell"])
def test_gradcheck_cells(kind):
    nl.seed(0)
    cell = getattr(nn, kind)(3, 2, dtype="float64")
    names = [n for n, _ in cell.named_parameters()]
    rng = np.random.default_rng(0)
    x, h, c = rng.standard_normal((2, 3)), rng.standard_normal((2, 2)), rng.standard_normal((2, 2))

    def f(x, h, c, *ps):
        state = (h, c) if kind == "LSTMCell" else h
        return nn.functional_call(cell, dict(zip(names, ps)), x, state)

    assert gradcheck(f, [x, h, c] + [p.numpy().copy() for p in cell.parameters()])


def test_lstm_cell_in_tensorflow_layout_is_the_same_kernel():
    """TF's BasicLSTMCell: [x, h] @ K + b, gates (i, j, f, o), forget_bias 1.0 -- via gate_order/forget_bias."""
    rng = np.random.default_rng(0)
    I, H, B = 3, 2, 4
    K, b = rng.standard_normal((I + H, 4 * H)), rng.standard_normal(4 * H)
    x, h, c = rng.standard_normal((B, I)), rng.standard_normal((B, H)), rng.standard_normal((B, H))
    z = np.concatenate([x, h], 1) @ K + b
    i, j, f, o = np.split(z, 4, axis=1)
    sig = lambda v: 1 / (1 + np.exp(-v))
    c_tf = c * sig(f + 1.0) + sig(i) * np.tanh(j)
    h_tf = np.tanh(c_tf) * sig(o)
    h2, c2 = F.lstm_cell(x, h, c, nl.tensor(K[:I].T), nl.tensor(K[I:].T), nl.tensor(b), gate_order="ijfo",
                         forget_bias=1.0)
    np.testing.assert_allclose(h2.numpy(), h_tf, atol=1e-12)
    np.testing.assert_allclose(c2.numpy(), c_tf, atol=1e-12)
    out, (hn, cn) = F.lstm(nl.tensor(x[None]), nl.tensor(K[:I].T), nl.tensor(K[I:].T), nl.tensor(b), None, h, c,
                           gate_order="ijfo", forget_bias=1.0)
    np.testing.assert_allclose(hn.numpy(), h_tf, atol=1e-12)
    np.testing.assert_allclose(cn.numpy(), c_tf, atol=1e-12)


# ---------------------------------------------------------------------------------------
# the fused sequence op against the per-step ops, and masks
# ---------------------------------------------------------------------------------------

def _reference_loop(kind, model, x, mask):
    """One layer and direction as a loop of cell functions with where() for masked steps."""
    w_ih, w_hh, b_ih, b_hh = model.layer_weights(0)
    H = model.hidden_size
    h = nl.tensor(np.zeros((x.shape[1], H)))
    c = h
    outs = []
    for t in range(x.shape[0]):
        m = nl.tensor(mask[t][:, None])
        if kind == "LSTM":
            h2, c2 = F.lstm_cell(x[t], h, c, w_ih, w_hh, b_ih, b_hh)
            c = nl.where(m, c2, c)
        elif kind == "GRU":
            h2 = F.gru_cell(x[t], h, w_ih, w_hh, b_ih, b_hh)
        else:
            h2 = F.rnn_cell(x[t], h, w_ih, w_hh, b_ih, b_hh, nonlinearity=model.nonlinearity)
        h = nl.where(m, h2, h)
        outs.append(nl.where(m, h2, 0.0).numpy())
    return np.stack(outs), h.numpy()


@pytest.mark.parametrize("kind", KINDS)
def test_mask_with_holes_skips_steps(kind):
    """A False mask entry leaves the state unchanged and outputs zeros (not only trailing padding)."""
    nl.seed(3)
    model, _, _ = _make(kind, 3, 4)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((6, 3, 3))
    mask = np.array([[1, 1, 0], [0, 1, 1], [1, 1, 1], [1, 0, 0], [0, 1, 1], [1, 1, 0]], bool)
    out, st = model(x, mask=mask)
    ref_out, ref_h = _reference_loop(kind, model, x, mask)
    np.testing.assert_allclose(out.numpy(), ref_out, atol=1e-13)
    np.testing.assert_allclose(_states(st)[0].numpy()[0], ref_h, atol=1e-13)


def test_lengths_and_mask_agree_and_combine():
    nl.seed(0)
    model = nn.GRU(3, 4, bidirectional=True, batch_first=True, dtype="float64")
    x = np.random.default_rng(0).standard_normal((3, 5, 3))
    lengths = np.array([5, 2, 3])
    mask = np.arange(5)[None, :] < lengths[:, None]  # (B, T) with batch_first
    a, ha = model(x, lengths=lengths)
    b, hb = model(x, mask=mask)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    np.testing.assert_array_equal(ha.numpy(), hb.numpy())
    assert np.all(a.numpy()[1, 2:] == 0) and np.all(a.numpy()[2, 3:] == 0)
    hole = mask.copy()
    hole[0, 1] = False
    c, _ = model(x, lengths=lengths, mask=hole)
    d, _ = model(x, mask=hole)
    np.testing.assert_array_equal(c.numpy(), d.numpy())


def test_zero_length_sequence_keeps_its_initial_state():
    model = nn.LSTM(2, 3, dtype="float64")
    rng = np.random.default_rng(0)
    h0, c0 = rng.standard_normal((1, 2, 3)), rng.standard_normal((1, 2, 3))
    out, (h, c) = model(rng.standard_normal((4, 2, 2)), (h0, c0), lengths=[0, 2])
    assert np.all(out.numpy()[:, 0] == 0) and np.all(out.numpy()[2:, 1] == 0)
    np.testing.assert_array_equal(h.numpy()[0, 0], h0[0, 0])
    np.testing.assert_array_equal(c.numpy()[0, 0], c0[0, 0])


def test_fused_op_equals_per_step_ops_bit_for_bit():
    rng = np.random.default_rng(0)
    x, w = nl.tensor(rng.standard_normal((6, 3, 8))), nl.tensor(rng.standard_normal((8, 2)))
    mask = nl.tensor(rng.random((6, 3)) < 0.6)
    fused = R.Recurrence.apply(x, w, mask, mode="lstm", masked=True, reverse=True)[:3]
    ref = R.unrolled("lstm", x, w, mask=mask, reverse=True)
    for a, b in zip(fused, ref):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


# ---------------------------------------------------------------------------------------
# eager == compiled == graph
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
def test_eager_compiled_and_graph_agree_with_gradients(kind):
    nl.seed(0)
    model, _, _ = _make(kind, 3, 4, num_layers=2, bidirectional=True)
    params = model.parameters()
    rng = np.random.default_rng(0)
    x1, x2 = rng.standard_normal((5, 2, 3)), rng.standard_normal((5, 2, 3))
    lengths = np.array([5, 3])

    def loss_and_grads(x, lengths):
        out, st = model(x, lengths=lengths)
        loss = nl.sum(out * out) + sum(nl.sum(s) for s in _states(st))
        return [loss] + nl.gradients(loss, params)

    def eager(x, lengths):
        with nl.enable_grad():
            return [t.numpy() for t in loss_and_grads(nl.tensor(x), lengths)]

    step = nl.compile(loss_and_grads)
    for x, ln in ((x1, lengths), (x2, np.array([2, 4]))):
        want = eager(x, ln)
        got = [t.numpy() for t in step(x, ln)]
        for a, b in zip(got, want):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    assert step.trace_count == 1, "a new lengths array must not retrace"
    with nl.Graph().as_default():
        X = nl.placeholder((5, None, 3), "float64")
        Ln = nl.placeholder((None,), "int64")
        syms = loss_and_grads(X, Ln)
        got = nl.run(syms, {X: x1, Ln: lengths})
    for a, b in zip(got, eager(x1, lengths)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_graph_mode_reads_the_current_weights():
    """Weights are read when the graph runs: an update after building is seen (no frozen transpose)."""
    model = nn.LSTM(2, 3, dtype="float64")
    X = nl.placeholder((4, 1, 2), "float64")  # the implicit default graph (TF1 style)
    out, _ = model(X)
    x = np.ones((4, 1, 2))
    before = nl.run(out, {X: x})
    model.weight_hh_l0.data[...] *= 2.0
    after = nl.run(out, {X: x})
    np.testing.assert_allclose(after, model(x)[0].numpy(), atol=1e-14)
    assert not np.allclose(before, after)


def test_compiled_training_step_matches_eager_updates():
    nl.seed(0)
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((6, 4, 3)).astype(np.float32), rng.standard_normal((6, 4, 5)).astype(np.float32)

    def make():
        nl.seed(0)
        m = nn.LSTM(3, 5)
        return m, optim.Adam(m.parameters(), lr=1e-2)

    m1, o1 = make()
    m2, o2 = make()

    def step(model, opt):
        def f(x, y):
            out, _ = model(x)
            loss = F.mse(out, y)
            opt.apply_gradients(nl.gradients(loss, model.parameters()))
            return loss
        return f

    compiled = nl.compile(step(m2, o2))
    for _ in range(3):
        with nl.enable_grad():
            l1 = step(m1, o1)(nl.tensor(x), nl.tensor(y))
        l2 = compiled(x, y)
        np.testing.assert_allclose(l2.numpy(), l1.numpy(), rtol=1e-6)
    for a, b in zip(m1.parameters(), m2.parameters()):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-7)
    assert compiled.trace_count == 1


# ---------------------------------------------------------------------------------------
# layer API: shapes, names, init, dropout, errors
# ---------------------------------------------------------------------------------------

def test_shapes_names_and_unbatched_input():
    lstm = nn.LSTM(10, 20, num_layers=2, batch_first=True, bidirectional=True)
    out, (h, c) = lstm(np.zeros((3, 7, 10), np.float32))
    assert out.shape == (3, 7, 40) and h.shape == c.shape == (4, 3, 20) and out.dtype == np.float32
    assert list(lstm.state_dict())[:5] == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
                                           "weight_ih_l0_reverse"]
    assert lstm.weight_ih_l1.shape == (80, 40) and lstm.weight_hh_l1_reverse.shape == (80, 20)
    gru = nn.GRU(4, 6, bias=False)
    assert [n for n, _ in gru.named_parameters()] == ["weight_ih_l0", "weight_hh_l0"]
    out, h = gru(np.zeros((5, 4), np.float32))  # unbatched (T, I)
    assert out.shape == (5, 6) and h.shape == (1, 6)
    batched, hb = gru(np.zeros((5, 1, 4), np.float32))
    np.testing.assert_array_equal(out.numpy(), batched.numpy()[:, 0])
    assert repr(lstm) == "LSTM(10, 20, num_layers=2, batch_first=True, bidirectional=True)"
    out64, _ = lstm(np.zeros((3, 7, 10)))  # inputs take the parameters' dtype, as in the Trainer
    assert out64.dtype == np.float32
    assert repr(nn.RNN(3, 4, nonlinearity="relu")) == "RNN(3, 4, nonlinearity='relu')"


def test_init_is_pytorch_uniform_and_seeded():
    H = 64
    nl.seed(5)
    a = nn.LSTM(32, H)
    nl.seed(5)
    b = nn.LSTM(32, H)
    k = 1 / np.sqrt(H)
    for p, q in zip(a.parameters(), b.parameters()):
        np.testing.assert_array_equal(p.numpy(), q.numpy())
        assert np.abs(p.numpy()).max() <= k
    w = a.weight_hh_l0.numpy()
    assert abs(w.std() - k / np.sqrt(3)) < 0.05 * k and abs(w.mean()) < 0.02 * k
    c, d = nn.GRU(3, 4, rng=7), nn.GRU(3, 4, rng=7)
    np.testing.assert_array_equal(c.weight_ih_l0.numpy(), d.weight_ih_l0.numpy())
    assert not np.array_equal(c.weight_ih_l0.numpy()[:4], c.weight_hh_l0.numpy()[:4, :3])


def test_dropout_between_layers_only_in_training():
    nl.seed(0)
    model = nn.LSTM(3, 8, num_layers=2, dropout=0.5, dtype="float64")
    x = np.random.default_rng(0).standard_normal((4, 2, 3))
    nl.seed(1)
    train1 = model(x)[0].numpy()
    nl.seed(1)
    train2 = model(x)[0].numpy()
    np.testing.assert_array_equal(train1, train2)  # one seed, one mask
    model.eval()
    ev = model(x)[0].numpy()
    assert not np.allclose(train1, ev)
    no_drop = nn.LSTM(3, 8, num_layers=2, dtype="float64")
    no_drop.load_state_dict(model.state_dict())
    np.testing.assert_array_equal(no_drop(x)[0].numpy(), ev)
    with pytest.warns(UserWarning, match="num_layers=1"):
        nn.GRU(2, 2, dropout=0.2)


def test_errors_name_the_layer_and_the_shapes():
    lstm = nn.LSTM(4, 3)
    with pytest.raises(nl.ShapeError, match=r"LSTM.*\(5, 2, 6\).*input_size=4"):
        lstm(np.zeros((5, 2, 6), np.float32))
    with pytest.raises(nl.ShapeError, match=r"LSTM: h_0 of shape \(1, 3, 3\).*\(1, 2, 3\)"):
        lstm(np.zeros((5, 2, 4), np.float32), (np.zeros((1, 3, 3), np.float32), np.zeros((1, 2, 3), np.float32)))
    with pytest.raises(TypeError, match="pair"):
        lstm(np.zeros((5, 2, 4), np.float32), np.zeros((1, 2, 3), np.float32))
    with pytest.raises(nl.ShapeError, match=r"lstm: length 9 is out of range for a sequence of 5 steps"):
        lstm(np.zeros((5, 2, 4), np.float32), lengths=[9, 1])
    with pytest.raises(nl.ShapeError, match=r"lstm: lengths must have shape \(2,\)"):
        lstm(np.zeros((5, 2, 4), np.float32), lengths=[1, 2, 3])
    with pytest.raises(nl.DTypeError, match="lstm: mask must be bool"):
        lstm(np.zeros((5, 2, 4), np.float32), mask=np.ones((5, 2)))
    with pytest.raises(nl.ShapeError, match=r"lstm: mask of shape \(4, 2\)"):
        lstm(np.zeros((5, 2, 4), np.float32), mask=np.ones((4, 2), bool))
    with pytest.raises(nl.ShapeError, match="number of time steps must be known"):
        lstm(nl.placeholder((None, 2, 4)))
    with pytest.raises(nl.ShapeError, match=r"LSTMCell: expected an input of shape \(batch, 3\)"):
        nn.LSTMCell(3, 2)(np.zeros((2, 4), np.float32))
    for bad in (dict(hidden_size=0), dict(num_layers=0), dict(dropout=1.0)):
        args = dict(input_size=2, hidden_size=3) | bad
        with pytest.raises(ValueError, match="GRU"):
            nn.GRU(**args)
    with pytest.raises(ValueError, match="nonlinearity"):
        nn.RNN(2, 3, nonlinearity="sigmoid")


# ---------------------------------------------------------------------------------------
# learning
# ---------------------------------------------------------------------------------------

class _CharModel(nn.Module):
    def __init__(self, vocab, hidden, embed=None, kind="LSTM"):
        super().__init__()
        self.embed = nn.Embedding(vocab, embed) if embed else None
        self.rnn = getattr(nn, kind)(embed or vocab, hidden, batch_first=True)
        self.head = nn.Dense(hidden, vocab)
        self.vocab = vocab

    def forward(self, x):
        if self.embed is not None:
            x = self.embed(x)
        out, _ = self.rnn(x)
        return nl.reshape(self.head(out), (-1, self.vocab))


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
def test_hello_rnn_learns_hihello(kind):
    """The lecture's hello-RNN: from 'hihell' predict 'ihello', one-hot inputs, one sequence."""
    chars = ["h", "i", "e", "l", "o"]
    x_ids, y_ids = [chars.index(c) for c in "hihell"], [chars.index(c) for c in "ihello"]
    x = np.eye(5, dtype=np.float32)[x_ids][None]
    y = np.array(y_ids)
    nl.seed(0)
    model = _CharModel(5, 8, kind=kind)
    opt = optim.Adam(model.parameters(), lr=0.1)
    for _ in range(60):
        with nl.enable_grad():
            loss = F.softmax_cross_entropy(model(x), y)
        opt.apply_gradients(nl.gradients(loss, model.parameters()))
    pred = "".join(chars[i] for i in np.argmax(model(x).numpy(), axis=1))
    assert pred == "ihello", f"{kind} predicted {pred!r} (loss {float(loss.numpy()):.3f})"
    assert float(loss.numpy()) < 0.1


def test_char_lstm_learns_the_bundled_paragraph():
    """A character-level LSTM (Embedding -> LSTM -> Dense) on data.lectures_text() reaches a low loss."""
    from neuralab import data
    from neuralab.train import Trainer

    text = data.lectures_text()
    chars, _ = data.char_vocab(text)
    ids = data.sequences.encode(text, chars)
    x, y = data.windows(ids, 32)
    nl.seed(0)
    model = _CharModel(len(chars), 96, embed=16)
    trainer = Trainer(model, optimizer=optim.Adam(model.parameters(), lr=2e-2))
    rng = np.random.default_rng(0)
    first = None
    for _ in range(150):
        j = rng.integers(0, len(x), 32)
        loss, _ = trainer.train_step(x[j], y[j].reshape(-1))
        first = loss if first is None else first
    assert first > 3.0 and loss < 0.5, f"loss went from {first:.3f} to {loss:.3f}"
    model.eval()
    pred = np.argmax(model(x[:1]).numpy(), axis=1)
    assert np.mean(pred == y[0]) > 0.8
