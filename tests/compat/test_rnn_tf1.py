"""The TF 1.x RNN API (tf.nn.rnn_cell, tf.contrib.rnn, tf.nn.dynamic_rnn & co., tf.contrib.seq2seq) on
neuralab's recurrent kernels.

Values are checked against a NumPy transcription of TF 1.x's cell formulas
(``_ref_*`` below, written from TF's documented equations) and TF's
``sequence_length`` rule, gradients against central differences in float64,
variable names against the names TF 1.x gives (recorded from TF), and the
lecture-style programs under scripts/ run unchanged through the runner.
"""
import os
import re
import subprocess
import sys
import zlib

import numpy as np
import pytest

import neuralab.compat.v1 as tf
from neuralab.compat.v1.runner import run_script
from test_estimator_eager import eager  # noqa: F401  (eager mode for one test)
from test_tf1_scripts import mnist_dir  # noqa: F401, F811  (the fixture: 600/200 MNIST-sized digits, idx format)

rnn = tf.nn.rnn_cell
HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.join(HERE, "scripts")
B, T, I = 3, 5, 3
LENGTHS = np.array([5, 2, 0])


# ---------------------------------------------------------------------------------------
# NumPy references: TF 1.x's cells and dynamic_rnn's sequence_length rule
# ---------------------------------------------------------------------------------------

def _sig(v):
    return 1.0 / (1.0 + np.exp(-v))


def _ref_lstm(p, fb=1.0, peep=False, clip=None, proj=None, proj_clip=None, scope="rnn/lstm_cell"):
    K, b = p[f"{scope}/kernel"], p[f"{scope}/bias"]

    def step(x, state):
        c, h = state
        i, j, f, o = np.split(np.concatenate([x, h], 1) @ K + b, 4, axis=1)
        if peep:
            f = f + p[f"{scope}/w_f_diag"] * c
            i = i + p[f"{scope}/w_i_diag"] * c
        c2 = _sig(f + fb) * c + _sig(i) * np.tanh(j)
        if clip is not None:
            c2 = np.clip(c2, -clip, clip)
        if peep:
            o = o + p[f"{scope}/w_o_diag"] * c2
        m = _sig(o) * np.tanh(c2)
        if proj is not None:
            m = m @ p[f"{scope}/projection/kernel"]
            if proj_clip is not None:
                m = np.clip(m, -proj_clip, proj_clip)
        return m, (c2, m)
    return step


def _ref_gru(p, scope="rnn/gru_cell"):
    def step(x, h):
        r, u = np.split(_sig(np.concatenate([x, h], 1) @ p[f"{scope}/gates/kernel"] + p[f"{scope}/gates/bias"]), 2, 1)
        c = np.tanh(np.concatenate([x, r * h], 1) @ p[f"{scope}/candidate/kernel"] + p[f"{scope}/candidate/bias"])
        h2 = u * h + (1 - u) * c
        return h2, h2
    return step


def _ref_rnn(p, act=np.tanh, scope="rnn/basic_rnn_cell"):
    def step(x, h):
        y = act(np.concatenate([x, h], 1) @ p[f"{scope}/kernel"] + p[f"{scope}/bias"])
        return y, y
    return step


def _tree(fn, *xs):
    if isinstance(xs[0], tuple):
        return tuple(_tree(fn, *parts) for parts in zip(*xs))
    return fn(*xs)


def _ref_dynamic(step, x, state, lengths=None, reverse=False):
    """dynamic_rnn's rule: past a sequence's length the output is 0 and the state stays (x batch-major)."""
    Bn, Tn = x.shape[:2]
    lengths = np.full(Bn, Tn) if lengths is None else lengths
    outs = [None] * Tn
    for t in (range(Tn - 1, -1, -1) if reverse else range(Tn)):
        out, new = step(x[:, t], state)
        valid = (t < lengths)[:, None]
        outs[t] = np.where(valid, out, 0.0)
        state = _tree(lambda a, b, v=valid: np.where(v, a, b), new, state)
    return np.stack(outs, 1), state


def _params(sess):
    """Give every variable a value drawn from its name (the same in any graph) and return them by name."""
    out = {}
    for v in tf.global_variables():
        val = np.random.default_rng(zlib.crc32(v.op.name.encode())).standard_normal(v.shape.as_list()) * 0.7
        v.load(val, sess)
        out[v.op.name] = val
    return out


def _x(seed=0, shape=(B, T, I)):
    return np.random.default_rng(seed).standard_normal(shape)


def _run_graph(build, feed_x=None):
    """Build ``build(x_placeholder)`` in a fresh float64 graph, load name-seeded values, run; (values, params)."""
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float64, [None, T, I])
        out = build(x)
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            p = _params(s)
            return s.run(out, {x: _x() if feed_x is None else feed_x}), p


def _zeros_state(*sizes):
    return tuple(np.zeros((B, n)) for n in sizes)


# ---------------------------------------------------------------------------------------
# values against the references
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("lengths", [None, LENGTHS])
def test_basic_lstm_dynamic_rnn_matches_tf_formulas(lengths):
    (out, st), p = _run_graph(lambda x: tf.nn.dynamic_rnn(rnn.BasicLSTMCell(4), x, sequence_length=lengths,
                                                          dtype=tf.float64))
    ro, (rc, rh) = _ref_dynamic(_ref_lstm(p, scope="rnn/basic_lstm_cell"), _x(), _zeros_state(4, 4), lengths)
    assert isinstance(st, rnn.LSTMStateTuple)
    np.testing.assert_allclose(out, ro, atol=1e-12)
    np.testing.assert_allclose(st.c, rc, atol=1e-12)
    np.testing.assert_allclose(st.h, rh, atol=1e-12)
    if lengths is not None:  # TF's rule: zeros past the end, the state of the last valid step, 0 steps -> initial
        assert np.all(out[1, 2:] == 0) and np.all(out[2] == 0)
        np.testing.assert_array_equal(st.h[1], out[1, 1])
        np.testing.assert_array_equal(st.c[2], 0.0)


@pytest.mark.parametrize("kind", ["peep_proj_clip", "peep", "proj", "concat_state", "gru", "rnn_relu", "rnn_sigmoid"])
def test_other_cells_match_tf_formulas(kind):
    cells = {
        "peep_proj_clip": (lambda: rnn.LSTMCell(4, use_peepholes=True, num_proj=2, cell_clip=0.3, proj_clip=0.25),
                           lambda p: _ref_lstm(p, peep=True, clip=0.3, proj=2, proj_clip=0.25), (4, 2)),
        "peep": (lambda: rnn.LSTMCell(4, use_peepholes=True), lambda p: _ref_lstm(p, peep=True), (4, 4)),
        "proj": (lambda: rnn.LSTMCell(4, num_proj=3, forget_bias=0.0), lambda p: _ref_lstm(p, fb=0.0, proj=3),
                 (4, 3)),
        "concat_state": (lambda: rnn.BasicLSTMCell(4, forget_bias=0.5, state_is_tuple=False),
                         lambda p: _ref_lstm(p, fb=0.5, scope="rnn/basic_lstm_cell"), (4, 4)),
        "gru": (lambda: rnn.GRUCell(4), _ref_gru, 4),
        "rnn_relu": (lambda: rnn.BasicRNNCell(4, activation=tf.nn.relu),
                     lambda p: _ref_rnn(p, lambda v: np.maximum(v, 0)), 4),
        "rnn_sigmoid": (lambda: rnn.BasicRNNCell(4, activation=tf.sigmoid), lambda p: _ref_rnn(p, _sig), 4),
    }
    make, ref, sizes = cells[kind]
    (out, st), p = _run_graph(lambda x: tf.nn.dynamic_rnn(make(), x, sequence_length=LENGTHS, dtype=tf.float64))
    state0 = _zeros_state(*sizes) if isinstance(sizes, tuple) else np.zeros((B, sizes))
    ro, rs = _ref_dynamic(ref(p), _x(), state0, LENGTHS)
    np.testing.assert_allclose(out, ro, atol=1e-12)
    if kind == "concat_state":
        rs = np.concatenate(rs, 1)
    np.testing.assert_allclose(np.concatenate(st, 1) if isinstance(st, tuple) else st,
                               np.concatenate(rs, 1) if isinstance(rs, tuple) else rs, atol=1e-12)


def test_multi_rnn_cell_with_wrappers_and_initial_state():
    def build(x):
        cell = rnn.MultiRNNCell([rnn.BasicLSTMCell(4), rnn.GRUCell(3), rnn.ResidualWrapper(rnn.BasicRNNCell(3)),
                                 rnn.DropoutWrapper(rnn.BasicLSTMCell(2), input_keep_prob=1.0, output_keep_prob=1.0)])
        s0 = list(cell.zero_state(B, tf.float64))
        s0[0] = rnn.LSTMStateTuple(tf.fill([B, 4], np.float64(0.3)), tf.fill([B, 4], np.float64(-0.2)))
        return tf.nn.dynamic_rnn(cell, x, sequence_length=LENGTHS, initial_state=tuple(s0))
    (out, st), p = _run_graph(build)
    steps = [_ref_lstm(p, scope="rnn/multi_rnn_cell/cell_0/basic_lstm_cell"),
             _ref_gru(p, scope="rnn/multi_rnn_cell/cell_1/gru_cell"),
             _ref_rnn(p, scope="rnn/multi_rnn_cell/cell_2/basic_rnn_cell"),
             _ref_lstm(p, scope="rnn/multi_rnn_cell/cell_3/basic_lstm_cell")]

    def multi(x, states):
        new = []
        for k, (f, s) in enumerate(zip(steps, states)):
            y, ns = f(x, s)
            x = x + y if k == 2 else y
            new.append(ns)
        return x, tuple(new)
    s0 = ((np.full((B, 4), 0.3), np.full((B, 4), -0.2)), np.zeros((B, 3)), np.zeros((B, 3)), _zeros_state(2, 2))
    ro, rs = _ref_dynamic(multi, _x(), s0, LENGTHS)
    np.testing.assert_allclose(out, ro, atol=1e-12)
    for got, want in zip(st, rs):
        np.testing.assert_allclose(np.concatenate(got, 1) if isinstance(got, tuple) else got,
                                   np.concatenate(want, 1) if isinstance(want, tuple) else want, atol=1e-12)


@pytest.mark.parametrize("lengths", [None, LENGTHS])
def test_bidirectional_dynamic_rnn_reads_each_sequence_backwards_from_its_end(lengths):
    (outs, states), p = _run_graph(lambda x: tf.nn.bidirectional_dynamic_rnn(
        rnn.BasicLSTMCell(4), rnn.GRUCell(3), x, sequence_length=lengths, dtype=tf.float64))
    fo, fs = _ref_dynamic(_ref_lstm(p, scope="bidirectional_rnn/fw/basic_lstm_cell"), _x(), _zeros_state(4, 4),
                          lengths)
    bo, bs = _ref_dynamic(_ref_gru(p, scope="bidirectional_rnn/bw/gru_cell"), _x(), np.zeros((B, 3)), lengths,
                          reverse=True)
    np.testing.assert_allclose(outs[0], fo, atol=1e-12)
    np.testing.assert_allclose(outs[1], bo, atol=1e-12)
    np.testing.assert_allclose(states[0].h, fs[1], atol=1e-12)
    np.testing.assert_allclose(states[1], bs, atol=1e-12)
    if lengths is not None:  # the backward output at step 0 has read the whole valid part of the sequence
        np.testing.assert_array_equal(outs[1][1, 0], states[1][1])
        assert np.all(outs[1][1, 2:] == 0)


def test_static_rnn_time_major_and_steps_are_dynamic_rnn():
    def build(x):
        steps = tf.unstack(x, axis=1)
        with tf.variable_scope("a"):
            cell = rnn.BasicLSTMCell(4)
            dyn = tf.nn.dynamic_rnn(cell, x, sequence_length=LENGTHS, dtype=tf.float64)
        with tf.variable_scope("a", reuse=True):  # the same cell object again: the same variables
            tm = tf.nn.dynamic_rnn(cell, tf.transpose(x, [1, 0, 2]), sequence_length=LENGTHS, time_major=True,
                                   dtype=tf.float64)
            st = tf.nn.static_rnn(cell, steps, sequence_length=LENGTHS, dtype=tf.float64)
            state = cell.zero_state(B, tf.float64)
            loop = []
            for t in range(T):  # a hand-written loop of cell calls (the per-step path)
                o, state = cell(steps[t], state)
                loop.append(o)
        return dyn, tm, st, (loop, state)
    (dyn, tm, st, loop), _ = _run_graph(build)
    np.testing.assert_allclose(tm[0], dyn[0].transpose(1, 0, 2), atol=1e-13)
    assert len(st[0]) == T and st[0][0].shape == (B, 4)
    np.testing.assert_allclose(np.stack(st[0], 1), dyn[0], atol=1e-13)
    np.testing.assert_allclose(st[1].c, dyn[1].c, atol=1e-13)
    np.testing.assert_allclose(np.stack(loop[0], 1)[0], dyn[0][0], atol=1e-12)  # (full-length sequence)
    np.testing.assert_allclose(loop[1].h[0], dyn[1].h[0], atol=1e-12)


def test_shapes_with_unknown_batch_and_static_bidirectional():
    x = tf.placeholder(tf.float32, [None, 6, 2])
    out, st = tf.nn.dynamic_rnn(rnn.MultiRNNCell([rnn.BasicLSTMCell(5), rnn.GRUCell(3)]), x, dtype=tf.float32)
    assert out.shape.as_list() == [None, 6, 3]
    assert st[0].c.shape.as_list() == [None, 5] and st[1].shape.as_list() == [None, 3]
    (of, ob), (sf, sb) = tf.nn.bidirectional_dynamic_rnn(rnn.BasicLSTMCell(4), rnn.BasicLSTMCell(2), x,
                                                         dtype=tf.float32)
    assert of.shape.as_list() == [None, 6, 4] and ob.shape.as_list() == [None, 6, 2]
    outs, fw, bw = tf.nn.static_bidirectional_rnn(rnn.BasicLSTMCell(4), rnn.BasicLSTMCell(2),
                                                  tf.unstack(x, axis=1), dtype=tf.float32, scope="sb")
    assert len(outs) == 6 and outs[0].shape.as_list() == [None, 6]
    so, ss = tf.nn.static_rnn(rnn.BasicRNNCell(7), tf.unstack(x, axis=1), dtype=tf.float32, scope="s")
    assert len(so) == 6 and so[-1].shape.as_list() == [None, 7]
    stacked, sfs, sbs = tf.contrib.rnn.stack_bidirectional_dynamic_rnn(
        [rnn.BasicLSTMCell(4), rnn.BasicLSTMCell(3)], [rnn.BasicLSTMCell(4), rnn.BasicLSTMCell(3)], x,
        dtype=tf.float32)
    assert stacked.shape.as_list() == [None, 6, 6] and len(sfs) == 2
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        for n in (1, 4):  # any batch size at run time
            o, f, so_ = s.run([out, st, stacked], {x: np.ones((n, 6, 2), np.float32)})
            assert o.shape == (n, 6, 3) and f[0].c.shape == (n, 5) and so_.shape == (n, 6, 6)
            assert isinstance(f[0], rnn.LSTMStateTuple)


def test_zero_state_with_a_batch_size_known_at_run_time():
    x = tf.placeholder(tf.float32, [None, 4, 2])
    cell = rnn.MultiRNNCell([rnn.BasicLSTMCell(3), rnn.GRUCell(2)])
    s0 = cell.zero_state(tf.shape(x)[0], tf.float32)
    assert s0[0].c.shape.as_list() == [None, 3] and s0[1].shape.as_list() == [None, 2]
    out, _ = tf.nn.dynamic_rnn(cell, x, initial_state=s0)
    assert cell.state_size == (rnn.LSTMStateTuple(3, 3), 2) and cell.output_size == 2
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        z = s.run(s0, {x: np.ones((5, 4, 2))})
        assert z[0].h.shape == (5, 3) and not np.any(z[1])
        assert s.run(out, {x: np.ones((2, 4, 2))}).shape == (2, 4, 2)


def test_dynamic_rnn_uses_one_native_recurrence_per_fused_layer():
    x = tf.placeholder(tf.float32, [None, 30, 2])
    tf.nn.dynamic_rnn(rnn.MultiRNNCell([rnn.BasicLSTMCell(3), rnn.BasicLSTMCell(3)]), x, dtype=tf.float32)
    types = [o.type for o in tf.get_default_graph().get_operations()]
    assert sum(t == "Recurrence" for t in types) == 2
    assert len(types) < 80  # not a loop of 30 steps of small ops


# ---------------------------------------------------------------------------------------
# names, sharing, Saver
# ---------------------------------------------------------------------------------------

# recorded from TF 1.x's legacy rnn_cell_impl / rnn (TF 2.21's tf.compat.v1 graph mode)
_TF_NAMES = {
    "basic_lstm": ["rnn/basic_lstm_cell/kernel:0 [7, 16]", "rnn/basic_lstm_cell/bias:0 [16]"],
    "lstm": ["rnn/lstm_cell/kernel:0 [5, 16]", "rnn/lstm_cell/bias:0 [16]", "rnn/lstm_cell/w_f_diag:0 [4]",
             "rnn/lstm_cell/w_i_diag:0 [4]", "rnn/lstm_cell/w_o_diag:0 [4]",
             "rnn/lstm_cell/projection/kernel:0 [4, 2]"],
    "gru": ["rnn/gru_cell/gates/kernel:0 [7, 8]", "rnn/gru_cell/gates/bias:0 [8]",
            "rnn/gru_cell/candidate/kernel:0 [7, 4]", "rnn/gru_cell/candidate/bias:0 [4]"],
    "multi": ["rnn/multi_rnn_cell/cell_0/basic_lstm_cell/kernel:0 [7, 16]",
              "rnn/multi_rnn_cell/cell_0/basic_lstm_cell/bias:0 [16]",
              "rnn/multi_rnn_cell/cell_1/basic_lstm_cell/kernel:0 [8, 16]",
              "rnn/multi_rnn_cell/cell_1/basic_lstm_cell/bias:0 [16]"],
    "bidir": ["bidirectional_rnn/fw/basic_lstm_cell/kernel:0 [7, 16]",
              "bidirectional_rnn/fw/basic_lstm_cell/bias:0 [16]",
              "bidirectional_rnn/bw/gru_cell/gates/kernel:0 [6, 6]", "bidirectional_rnn/bw/gru_cell/gates/bias:0 [6]",
              "bidirectional_rnn/bw/gru_cell/candidate/kernel:0 [6, 3]",
              "bidirectional_rnn/bw/gru_cell/candidate/bias:0 [3]"],
    "direct": ["basic_lstm_cell/kernel:0 [7, 16]", "basic_lstm_cell/bias:0 [16]",
               "basic_lstm_cell_1/kernel:0 [7, 16]", "basic_lstm_cell_1/bias:0 [16]"],
    "scoped": ["enc/rnn/basic_lstm_cell/kernel:0 [7, 16]", "enc/rnn/basic_lstm_cell/bias:0 [16]",
               "dec/basic_lstm_cell/kernel:0 [7, 16]", "dec/basic_lstm_cell/bias:0 [16]"],
}


def _build_names(kind):
    x = tf.placeholder(tf.float32, [None, 5, 3])
    if kind == "basic_lstm":
        tf.nn.dynamic_rnn(rnn.BasicLSTMCell(4), x, dtype=tf.float32)
    elif kind == "lstm":
        tf.nn.dynamic_rnn(rnn.LSTMCell(4, num_proj=2, use_peepholes=True), x, dtype=tf.float32)
    elif kind == "gru":
        tf.nn.dynamic_rnn(rnn.GRUCell(4), x, dtype=tf.float32)
    elif kind == "multi":
        cells = [rnn.DropoutWrapper(rnn.BasicLSTMCell(4), output_keep_prob=0.5) for _ in range(2)]
        tf.nn.dynamic_rnn(rnn.MultiRNNCell(cells), x, dtype=tf.float32)
    elif kind == "bidir":
        tf.nn.bidirectional_dynamic_rnn(rnn.BasicLSTMCell(4), rnn.GRUCell(3), x, dtype=tf.float32)
    elif kind == "direct":
        c = rnn.BasicLSTMCell(4)
        s = c.zero_state(2, tf.float32)
        _, s = c(tf.zeros([2, 3]), s)
        _, s = c(tf.zeros([2, 3]), s)  # the second call reuses the variables
        rnn.BasicLSTMCell(4)(tf.zeros([2, 3]), s)  # a second cell gets its own
    else:
        with tf.variable_scope("enc"):
            tf.nn.dynamic_rnn(rnn.BasicLSTMCell(4), x, dtype=tf.float32)
        tf.nn.dynamic_rnn(rnn.BasicLSTMCell(4), x, dtype=tf.float32, scope="dec")
    return [f"{v.name} {v.shape.as_list()}" for v in tf.global_variables()]


@pytest.mark.parametrize("kind", sorted(_TF_NAMES))
def test_variable_names_are_tfs(kind):
    assert _build_names(kind) == _TF_NAMES[kind]


def test_sharing_rules_and_get_variable_lookup():
    x = tf.placeholder(tf.float32, [None, 5, 3])
    cell = rnn.BasicLSTMCell(4)
    tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
    with pytest.raises(ValueError, match="rnn/basic_lstm_cell/kernel already exists"):
        tf.nn.dynamic_rnn(rnn.BasicLSTMCell(4), x, dtype=tf.float32)  # TF's error for a second cell in "rnn"
    with tf.variable_scope(tf.get_variable_scope(), reuse=True):
        tf.nn.dynamic_rnn(rnn.BasicLSTMCell(4), x, dtype=tf.float32)  # under reuse a new cell shares them
        with tf.variable_scope("rnn/basic_lstm_cell"):
            k = tf.get_variable("kernel")
    assert k is cell.variables[0] and k is cell.trainable_variables[0]
    assert [v.name for v in cell.variables] == ["rnn/basic_lstm_cell/kernel:0", "rnn/basic_lstm_cell/bias:0"]
    assert len(tf.trainable_variables()) == 2
    assert rnn.LSTMCell(3, name="mine")(tf.zeros([1, 2]), (tf.zeros([1, 3]),) * 2)[0].shape.as_list() == [1, 3]
    assert "mine/kernel:0" in [v.name for v in tf.global_variables()]


def test_saver_round_trip_of_an_lstm_model(tmp_path):
    from neuralab import io

    data = _x(3, (8, T, I)).astype(np.float32)
    target = np.sin(data.sum(axis=(1, 2)))[:, None].astype(np.float32)

    def model():
        x = tf.placeholder(tf.float32, [None, T, I])
        y = tf.placeholder(tf.float32, [None, 1])
        cell = rnn.MultiRNNCell([rnn.BasicLSTMCell(6), rnn.LSTMCell(4, use_peepholes=True)])
        out, st = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
        pred = tf.layers.dense(out[:, -1], 1)
        loss = tf.reduce_mean(tf.square(pred - y))
        return x, y, pred, loss, st

    with tf.Graph().as_default():
        tf.set_random_seed(1)
        x, y, pred, loss, st = model()
        train = tf.train.AdamOptimizer(0.05).minimize(loss)
        saver = tf.train.Saver()
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            first = s.run(loss, {x: data, y: target})
            for _ in range(30):
                s.run(train, {x: data, y: target})
            trained, want_state = s.run([pred, st], {x: data})
            assert s.run(loss, {x: data, y: target}) < first
            path = saver.save(s, str(tmp_path / "lstm.ckpt"), global_step=30)
    stored = io.load(path + ".safetensors")["variables"]
    assert "rnn/multi_rnn_cell/cell_0/basic_lstm_cell/kernel" in stored
    assert stored["rnn/multi_rnn_cell/cell_1/lstm_cell/w_o_diag"].shape == (4,)
    with tf.Graph().as_default():
        x, y, pred, loss, st = model()
        with tf.Session() as s:
            tf.train.Saver().restore(s, tf.train.latest_checkpoint(str(tmp_path)))
            got, got_state = s.run([pred, st], {x: data})
    np.testing.assert_array_equal(got, trained)
    np.testing.assert_array_equal(got_state[1].c, want_state[1].c)


# ---------------------------------------------------------------------------------------
# gradients against finite differences (float64)
# ---------------------------------------------------------------------------------------

def _fd_check(build, n_dirs=2, eps=1e-6, rtol=1e-6):
    """tf.gradients of ``loss`` against central differences along random directions (variables and x)."""
    g = tf.Graph()
    rng = np.random.default_rng(5)
    with g.as_default():
        x = tf.placeholder(tf.float64, [None, T, I])
        loss = build(x)
        vs = tf.trainable_variables()
        grads = tf.gradients(loss, vs + [x])
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            p = _params(s)
            x0 = _x(1)
            gs = s.run(grads, {x: x0})
            base = [p[v.op.name] for v in vs] + [x0]

            def f(vals):
                for v, val in zip(vs, vals):
                    v.load(val, s)
                return s.run(loss, {x: vals[-1]})
            for _ in range(n_dirs):
                ds = [rng.standard_normal(a.shape) for a in base]
                num = (f([a + eps * d for a, d in zip(base, ds)]) - f([a - eps * d for a, d in zip(base, ds)])) / (
                    2 * eps)
                ana = sum(float(np.sum(gr * d)) for gr, d in zip(gs, ds))
                assert abs(num - ana) <= rtol * max(1.0, abs(ana)), (num, ana)
    return gs


def _loss(out, st):
    w = np.random.default_rng(9).standard_normal(out.shape.as_list()[1:])
    terms = [tf.reduce_sum(out * w)]
    leaves = []

    def flat(s):
        if isinstance(s, (tuple, list)):
            for e in s:
                flat(e)
        else:
            leaves.append(s)
    flat(st)
    terms += [tf.reduce_sum(tf.sin(leaf)) for leaf in leaves]
    return tf.add_n(terms)


@pytest.mark.parametrize("kind", ["basic_lstm", "lstm_peep_proj_clip", "gru", "multi_bidir"])
def test_gradients_of_tf_layout_cells_against_finite_differences(kind):
    def build(x):
        if kind == "basic_lstm":
            return _loss(*tf.nn.dynamic_rnn(rnn.BasicLSTMCell(3), x, sequence_length=LENGTHS, dtype=tf.float64))
        if kind == "lstm_peep_proj_clip":
            cell = rnn.LSTMCell(3, use_peepholes=True, num_proj=2, cell_clip=0.8)
            return _loss(*tf.nn.dynamic_rnn(cell, x, sequence_length=LENGTHS, dtype=tf.float64))
        if kind == "gru":
            return _loss(*tf.nn.dynamic_rnn(rnn.GRUCell(3), x, sequence_length=LENGTHS, dtype=tf.float64))
        (of, ob), (sf, sb) = tf.nn.bidirectional_dynamic_rnn(
            rnn.MultiRNNCell([rnn.BasicLSTMCell(3), rnn.BasicRNNCell(2)]), rnn.BasicLSTMCell(2), x,
            sequence_length=LENGTHS, dtype=tf.float64)
        return tf.add(_loss(tf.concat([of, ob], 2), sf), tf.reduce_sum(sb.c))
    gs = _fd_check(build)
    assert all(np.all(np.isfinite(g_)) for g_ in gs)
    assert np.all(gs[-1][2] == 0)  # a sequence of length 0 does not touch the loss


# ---------------------------------------------------------------------------------------
# DropoutWrapper
# ---------------------------------------------------------------------------------------

def test_dropout_wrapper_keep_probs():
    x = tf.placeholder(tf.float64, [None, 40, 2])
    keep = tf.placeholder(tf.float64)
    tf.set_random_seed(3)
    base = rnn.BasicRNNCell(50)
    out_plain, _ = tf.nn.dynamic_rnn(base, x, dtype=tf.float64)
    # (the wrapped cell was built by the first call: the wrappers below run it with the same variables)
    out_drop, _ = tf.nn.dynamic_rnn(rnn.DropoutWrapper(base, output_keep_prob=keep), x, dtype=tf.float64)
    _, st_drop = tf.nn.dynamic_rnn(rnn.DropoutWrapper(rnn.BasicLSTMCell(50, name="l"), state_keep_prob=0.5),
                                   x, dtype=tf.float64)
    var_out, _ = tf.nn.dynamic_rnn(rnn.DropoutWrapper(base, output_keep_prob=0.5, variational_recurrent=True,
                                                      dtype=tf.float64), x, dtype=tf.float64)
    xs = np.random.default_rng(0).standard_normal((4, 40, 2)) + 0.5
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        plain = s.run(out_plain, {x: xs})
        np.testing.assert_array_equal(s.run(out_drop, {x: xs, keep: 1.0}), plain)
        dropped = s.run(out_drop, {x: xs, keep: 0.5})
        kept = dropped != 0
        assert 0.45 < kept.mean() < 0.55  # a fresh mask per step and entry
        np.testing.assert_allclose(dropped[kept], plain[kept] / 0.5)
        st = s.run(st_drop, {x: xs})
        assert 0.3 < np.mean(st.h == 0) < 0.7 and np.mean(st.c == 0) == 0  # h dropped, the memory c never
        v = s.run(var_out, {x: xs}) != 0
        assert np.all(v == v[:1, :1])  # variational: one [1, depth] mask for every step and batch entry
        assert 0.2 < v.mean() < 0.8


def test_dropout_wrapper_with_a_seed_repeats_its_masks():
    def run():
        with tf.Graph().as_default():
            tf.set_random_seed(11)
            x = tf.placeholder(tf.float32, [None, 6, 2])
            cell = rnn.DropoutWrapper(rnn.GRUCell(8), input_keep_prob=0.7, output_keep_prob=0.6, seed=5)
            out, _ = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
            with tf.Session() as s:
                s.run(tf.global_variables_initializer())
                return s.run(out, {x: np.ones((3, 6, 2))}), s.run(out, {x: np.ones((3, 6, 2))})
    a1, a2 = run()
    b1, _ = run()
    np.testing.assert_array_equal(a1, b1)  # the same program draws the same masks
    assert not np.array_equal(a1 != 0, a2 != 0)  # and each run draws new ones


# ---------------------------------------------------------------------------------------
# the rest of the cell API, eager execution
# ---------------------------------------------------------------------------------------

def test_cell_api_block_cell_device_wrapper_initial_state():
    lstm = tf.contrib.rnn.LSTMBlockCell(3, use_peephole=True)
    x = tf.placeholder(tf.float64, [None, T, I])
    out_block, _ = tf.nn.dynamic_rnn(lstm, x, dtype=tf.float64)
    assert [v.name for v in lstm.variables] == ["rnn/lstm_cell/kernel:0", "rnn/lstm_cell/bias:0",
                                                "rnn/lstm_cell/w_f_diag:0", "rnn/lstm_cell/w_i_diag:0",
                                                "rnn/lstm_cell/w_o_diag:0"]
    dev = rnn.DeviceWrapper(lstm, "/cpu:0")
    assert dev.state_size == rnn.LSTMStateTuple(3, 3) and dev.output_size == 3 and dev.wrapped_cell is lstm
    out_dev, _ = tf.nn.dynamic_rnn(dev, x, dtype=tf.float64)  # (the built cell again: the same variables)
    s0 = lstm.get_initial_state(inputs=x[:, 0])
    assert s0.c.shape.as_list() == [None, 3] and s0.dtype == tf.float64
    flat = rnn.MultiRNNCell([rnn.GRUCell(2), rnn.BasicRNNCell(3)], state_is_tuple=False)
    assert flat.state_size == 5
    z = flat.zero_state(4, tf.float32)
    assert z.shape.as_list() == [4, 5]
    out_flat, st_flat = tf.nn.dynamic_rnn(flat, x, dtype=tf.float64, scope="flat")
    assert st_flat.shape.as_list() == [None, 5]
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        a, b, sf, of = s.run([out_block, out_dev, st_flat, out_flat], {x: _x()})
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(sf[:, 2:], of[:, -1])  # the concatenated state ends with the last output
    with pytest.raises(TypeError, match="batch_size must be an integer"):
        rnn.GRUCell(2).zero_state(2.5, tf.float32)


def test_cells_and_dynamic_rnn_in_eager_mode(eager):  # noqa: F811
    x = tf.constant(_x(0, (2, 4, 3)), tf.float64)
    cell = rnn.GRUCell(2)
    with tf.GradientTape() as tape:
        out, st = tf.nn.dynamic_rnn(cell, x, sequence_length=[4, 1], dtype=tf.float64)
        loss = tf.reduce_sum(out)
    grads = tape.gradient(loss, cell.variables)
    assert out.numpy().shape == (2, 4, 2) and np.all(out.numpy()[1, 1:] == 0)
    np.testing.assert_array_equal(st.numpy()[1], out.numpy()[1, 0])
    assert cell.variables[0].name == "rnn/gru_cell/gates/kernel:0"
    assert [g.shape.as_list() for g in grads] == [[5, 4], [4], [5, 2], [2]]
    o, _ = cell(x[:, 0], st)
    assert o.numpy().shape == (2, 2)


# ---------------------------------------------------------------------------------------
# seq2seq losses, fully_connected on 3-D inputs
# ---------------------------------------------------------------------------------------

def _xent(logits, targets):
    z = logits - logits.max(-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(-1, keepdims=True))
    return -np.take_along_axis(logp, targets[..., None], -1)[..., 0]


@pytest.mark.parametrize("flags", [(True, True, False, False), (True, False, False, False),
                                   (False, True, False, False), (False, False, False, False),
                                   (False, False, True, True), (False, False, True, False),
                                   (False, False, False, True)])
def test_sequence_loss_against_numpy(flags):
    at, ab, st, sb = flags
    rng = np.random.default_rng(0)
    lg = rng.standard_normal((3, 4, 5))
    tg = rng.integers(0, 5, (3, 4))
    w = (rng.random((3, 4)) > 0.3).astype(np.float64)
    w[0] = 0  # an all-zero row: divisions by zero give 0
    logits = tf.placeholder(tf.float64, [None, 4, 5])
    loss = tf.contrib.seq2seq.sequence_loss(logits, tf.constant(tg, tf.int32), tf.constant(w),
                                            average_across_timesteps=at, average_across_batch=ab,
                                            sum_over_timesteps=st, sum_over_batch=sb)
    (grad,) = tf.gradients(tf.reduce_sum(loss), [logits])
    with tf.Session() as s:
        got, g = s.run([loss, grad], {logits: lg})
    l_ = _xent(lg, tg) * w
    with np.errstate(divide="ignore", invalid="ignore"):
        def div(a, b):
            return np.where(b == 0, 0.0, a / np.where(b == 0, 1, b))
        if at and ab:
            want = div(l_.sum(), w.sum())
        elif st and sb:
            want = div(l_.sum(), np.count_nonzero(w))
        elif at or ab:
            ax = 0 if ab else 1
            want = div(l_.sum(ax), w.sum(ax))
        elif st or sb:
            ax = 0 if sb else 1
            want = div(l_.sum(ax), np.count_nonzero(w, axis=ax))
        else:
            want = l_
    np.testing.assert_allclose(got, want, atol=1e-12)
    assert np.all(np.isfinite(g)) and np.all(g[0] == 0)


def test_sequence_loss_errors_and_legacy_losses():
    lg = tf.zeros([2, 3, 4])
    with pytest.raises(ValueError, match="Logits must be a"):
        tf.contrib.seq2seq.sequence_loss(tf.zeros([2, 4]), tf.zeros([2, 3], tf.int32), tf.ones([2, 3]))
    with pytest.raises(ValueError, match="cannot be set to True at same time"):
        tf.contrib.seq2seq.sequence_loss(lg, tf.zeros([2, 3], tf.int32), tf.ones([2, 3]), sum_over_batch=True)
    rng = np.random.default_rng(1)
    lgs = [rng.standard_normal((2, 4)) for _ in range(3)]
    tgs = [rng.integers(0, 4, 2) for _ in range(3)]
    ws = [np.array([1.0, 0.5]), np.array([1.0, 0.0]), np.array([0.0, 2.0])]
    per = tf.contrib.legacy_seq2seq.sequence_loss_by_example([tf.constant(a) for a in lgs],
                                                             [tf.constant(t, tf.int32) for t in tgs],
                                                             [tf.constant(w_) for w_ in ws])
    tot = tf.contrib.legacy_seq2seq.sequence_loss([tf.constant(a) for a in lgs], [tf.constant(t, tf.int32)
                                                                                  for t in tgs],
                                                  [tf.constant(w_) for w_ in ws])
    with tf.Session() as s:
        p, t_ = s.run([per, tot])
    num = sum(_xent(a, t) * w_ for a, t, w_ in zip(lgs, tgs, ws))
    want = num / (sum(ws) + 1e-12)
    np.testing.assert_allclose(p, want, rtol=1e-12)
    np.testing.assert_allclose(t_, want.sum() / 2, rtol=1e-12)


def test_fully_connected_on_3d_inputs():
    x = tf.placeholder(tf.float64, [None, 4, 3])
    y = tf.contrib.layers.fully_connected(x, 2, activation_fn=None)
    assert y.shape.as_list() == [None, 4, 2]
    w = tf.trainable_variables()[0]
    (gw,) = tf.gradients(tf.reduce_sum(y * y), [w])
    xs = np.random.default_rng(0).standard_normal((5, 4, 3))
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        out, g, wv = s.run([y, gw, w], {x: xs})
    np.testing.assert_allclose(out, xs @ wv, atol=1e-12)
    np.testing.assert_allclose(g, np.einsum("bti,btj->ij", xs, 2 * xs @ wv), atol=1e-10)


# ---------------------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------------------

def test_clear_errors():
    x = tf.placeholder(tf.float32, [None, 5, 3])
    with pytest.raises(NotImplementedError, match="number of time steps unknown.*pass sequence_length"):
        tf.nn.dynamic_rnn(rnn.BasicLSTMCell(2), tf.placeholder(tf.float32, [None, None, 3]), dtype=tf.float32)
    with pytest.raises(ValueError, match="you must give a dtype"):
        tf.nn.dynamic_rnn(rnn.BasicLSTMCell(2), x)
    with pytest.raises(NotImplementedError, match="nested"):
        tf.nn.dynamic_rnn(rnn.BasicLSTMCell(2), (x, x), dtype=tf.float32)
    with pytest.raises(ValueError, match="rank 3"):
        tf.nn.dynamic_rnn(rnn.BasicLSTMCell(2), tf.placeholder(tf.float32, [None, 3]), dtype=tf.float32)
    with pytest.raises(ValueError, match="sequence_length must be a vector"):
        tf.nn.dynamic_rnn(rnn.BasicLSTMCell(2), x, sequence_length=[[1, 2]], dtype=tf.float32)
    with pytest.raises(TypeError, match="not an RNNCell"):
        tf.nn.dynamic_rnn(object(), x, dtype=tf.float32)
    with pytest.raises(ValueError, match="at least one cell"):
        rnn.MultiRNNCell([])
    with pytest.raises(ValueError, match="state_is_tuple is not set"):
        rnn.MultiRNNCell([rnn.BasicLSTMCell(2)], state_is_tuple=False)
    with pytest.raises(ValueError, match="Expected state to be a tuple of length 2"):
        rnn.MultiRNNCell([rnn.GRUCell(2), rnn.GRUCell(2)])(tf.zeros([1, 3]), tf.zeros([1, 2]))
    with pytest.raises(ValueError, match="must be between 0 and 1"):
        rnn.DropoutWrapper(rnn.GRUCell(2), input_keep_prob=1.5)
    with pytest.raises(ValueError, match="dtype must be provided"):
        rnn.DropoutWrapper(rnn.GRUCell(2), output_keep_prob=0.5, variational_recurrent=True)
    with pytest.raises(ValueError, match="inputs must not be empty"):
        tf.nn.static_rnn(rnn.GRUCell(2), [], dtype=tf.float32)
    with pytest.raises(NotImplementedError, match="num_unit_shards"):
        rnn.LSTMCell(3, num_unit_shards=2)
    with pytest.raises(tf.NotProvidedError, match="tf.contrib.seq2seq.BasicDecoder"):
        tf.contrib.seq2seq.BasicDecoder  # noqa: B018
    cell = rnn.GRUCell(2)
    cell(tf.zeros([1, 3]), tf.zeros([1, 2]))
    with pytest.raises(ValueError, match="inputs have 4 features but the cell was built for 3"):
        cell(tf.zeros([1, 4]), tf.zeros([1, 2]))


def test_user_cell_subclass_runs_in_dynamic_rnn():
    class Accumulate(rnn.RNNCell):
        """h' = h + x @ w (a user cell with a tf.get_variable in call)."""

        @property
        def state_size(self):
            return 2

        @property
        def output_size(self):
            return 2

        def call(self, inputs, state):
            w = tf.get_variable("w", [3, 2], initializer=tf.ones_initializer(), dtype=inputs.dtype)
            new = state + tf.matmul(inputs, w)
            return new, new

    x = tf.placeholder(tf.float64, [None, 5, 3])
    out, st = tf.nn.dynamic_rnn(Accumulate(), x, sequence_length=[5, 2], dtype=tf.float64)
    assert [v.name for v in tf.global_variables()] == ["rnn/accumulate/w:0"]
    xs = _x(0, (2, 5, 3))
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        o, h = s.run([out, st], {x: xs})
    cum = np.cumsum(xs.sum(-1, keepdims=True) * np.ones(2), axis=1)
    np.testing.assert_allclose(o[0], cum[0])
    np.testing.assert_allclose(h, [cum[0, -1], cum[1, 1]])
    assert np.all(o[1, 2:] == 0)


# ---------------------------------------------------------------------------------------
# the TF 1.x programs, through the runner
# ---------------------------------------------------------------------------------------

def _run(capsys, name, *argv):
    run_script(os.path.join(SCRIPTS, name), [str(a) for a in argv])
    return capsys.readouterr().out


def _value(label, out):
    found = re.findall(rf"{label}:\s*\[?([0-9.e-]+)", out)
    assert found, out[-2000:]
    return float(found[-1])


def test_hello_rnn_learns_its_string_through_neuralab_tf1():
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, "-c", "import sys; from neuralab.cli import main; sys.exit(main())",
                           "tf1", os.path.join(SCRIPTS, "rnn_hello.py"), "50"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Prediction: ihello" in proc.stdout
    assert _value("Loss", proc.stdout) < 0.05
    assert "rnn/basic_lstm_cell/kernel:0 rnn/basic_lstm_cell/bias:0" in proc.stdout


def test_stacked_lstm_char_model_reaches_a_low_loss(capsys, tmp_path):
    from neuralab.data.sequences import lectures_text

    text = lectures_text()[:400]
    (tmp_path / "para.txt").write_text(text, encoding="utf-8")
    out = _run(capsys, "rnn_char_stacked.py", tmp_path / "para.txt", 100, 10)
    losses = [float(v) for v in re.findall(r"^\d+ loss: ([0-9.]+)", out, re.M)]
    assert losses[0] > 3.0  # ln(number of characters) at the start
    assert _value("Loss", out) < 0.6
    got = re.search(r"^Text: (.*)$", out, re.M).group(1)
    assert len(got) == len(text) - 1
    assert np.mean([a == b for a, b in zip(got, text[1:])]) > 0.9
    assert "rnn/multi_rnn_cell/cell_1/basic_lstm_cell/kernel:0" in out


def test_stock_regression_rmse_falls_below_threshold(capsys):
    import neuralab.data

    csv = os.path.join(os.path.dirname(neuralab.data.__file__), "bundled", "stock_daily.csv")
    out = _run(capsys, "rnn_stock.py", csv, 300)
    losses = [float(v) for v in re.findall(r"\] loss: ([0-9.e-]+)", out)]
    assert losses[-1] < 0.2 * losses[0]
    rmse = _value("RMSE", out)
    assert rmse < 0.06  # scaled units; predicting "tomorrow = today" scores about 0.03 on this random walk
    assert rmse < 3 * _value("Naive RMSE", out)


def test_mnist_by_rows_lstm_classifier(capsys, mnist_dir):  # noqa: F811
    out = _run(capsys, "rnn_mnist_rows.py", mnist_dir, 6)
    assert _value("Accuracy", out) > 0.7  # chance is 0.1
    assert "State: (?, 64) (?, 64) Output: (?, 64)" in out


def test_mnist_by_rows_through_static_rnn(capsys, mnist_dir):  # noqa: F811
    out = _run(capsys, "rnn_mnist_rows.py", mnist_dir, 1, "static")
    costs = [float(v) for v in re.findall(r"cost = ([0-9.]+)", out)]
    assert costs[0] < np.log(10)  # it learns something in one epoch
    assert "State: (?, 64) (?, 64) Output: (?, 64)" in out
