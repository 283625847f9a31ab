"""tf.layers classes, transposed/dilated convolutions, embeddings, the sampled losses and the other tf.nn additions.

Values are checked against closed forms written here in NumPy (TF 1.x's documented formulas), against
neuralab's native functions (one definition), and by the TF 1.x-style programs under scripts/ that train
a DCGAN step, a convolutional autoencoder, word2vec (NCE and sampled softmax) and tf.layers class models.
"""
import os
import re

import numpy as np
import pytest

import neuralab as nl
import neuralab.compat.v1 as tf
from neuralab import functional as F
from neuralab.ops.conv import conv2d_grad_filter
from neuralab.compat.v1.runner import run_script

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.join(HERE, "scripts")


def _run(capsys, name, *argv):
    run_script(os.path.join(SCRIPTS, name), [str(a) for a in argv])
    return capsys.readouterr().out


def _value(out, key):
    found = re.findall(rf"^{key}:\s*([-0-9.e]+)", out, re.M)
    assert found, out[-3000:]
    return float(found[-1])


def _sess_run(*fetches, feed=None):
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        return s.run(list(fetches), feed)


# -- convolutions ------------------------------------------------------------------------------

def test_conv2d_transpose_output_shape_forms_and_static_shapes(rng):
    x = rng.standard_normal((3, 7, 7, 8)).astype(np.float32)
    w = rng.standard_normal((5, 5, 4, 8)).astype(np.float32)
    X = tf.placeholder(tf.float32, [None, 7, 7, 8])
    n = tf.shape(X)[0]
    forms = [[3, 14, 14, 4], [n, 14, 14, 4], tf.stack([n, 14, 14, 4]), tf.constant([3, 14, 14, 4]),
             tf.concat([tf.shape(X)[:1], [14, 14, 4]], axis=0)]
    ys = [tf.nn.conv2d_transpose(X, w, f, strides=[1, 2, 2, 1], padding="SAME") for f in forms]
    for y in ys[1:3] + ys[4:]:  # the sizes known when the graph is built give the static shape, as in TF
        assert y.get_shape().as_list() == [None, 14, 14, 4]
    assert ys[0].get_shape().as_list() == ys[3].get_shape().as_list() == [3, 14, 14, 4]
    assert ys[0].name == "conv2d_transpose:0" and ys[1].name == "conv2d_transpose_1:0"
    want = F.conv2d_transpose(x, w, stride=2, padding="SAME").numpy()
    for got in _sess_run(*ys, feed={X: x}):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="conv2d_transpose: output_shape .* does not fit"):
        tf.nn.conv2d_transpose(X, w, [3, 15, 15, 4], strides=[1, 2, 2, 1], padding="SAME")
    with pytest.raises(NotImplementedError, match="data_format='NCHW' is not supported"):
        tf.nn.conv2d_transpose(X, w, [3, 14, 14, 4], strides=[1, 2, 2, 1], data_format="NCHW")
    with pytest.raises(ValueError, match="conv2d_transpose: output_shape .* does not fit"):  # known at build time
        tf.nn.conv2d_transpose(X, w, tf.stack([n, 15, 15, 4]), strides=[1, 2, 2, 1], padding="SAME")
    shape_fed = tf.placeholder(tf.int32, [4])
    y_fed = tf.nn.conv2d_transpose(X, w, shape_fed, strides=[1, 2, 2, 1], padding="SAME")
    assert y_fed.get_shape().as_list() == [None, None, None, 4]
    with tf.Session() as s:
        np.testing.assert_allclose(s.run(y_fed, {X: x, shape_fed: [3, 14, 14, 4]}), want, rtol=1e-5, atol=1e-5)
        with pytest.raises(tf.errors.InvalidArgumentError, match="conv2d_transpose: output_shape .* does not fit"):
            s.run(y_fed, {X: x, shape_fed: [3, 15, 15, 4]})


def test_conv2d_transpose_gradients_are_conv2d(rng):
    """d/dvalue of conv2d_transpose is conv2d: <conv2d(g, w), x> = <g, conv2d_transpose(x, w)>."""
    x = rng.standard_normal((2, 4, 4, 3))
    w = rng.standard_normal((3, 3, 2, 3))
    g = rng.standard_normal((2, 8, 8, 2))
    X = tf.placeholder(tf.float64, [None, 4, 4, 3])
    W = tf.Variable(w)
    y = tf.nn.conv2d_transpose(X, W, [tf.shape(X)[0], 8, 8, 2], [1, 2, 2, 1], "SAME")
    gx, gw = tf.gradients(tf.reduce_sum(y * g), [X, W])
    vx, vw = _sess_run(gx, gw, feed={X: x})
    np.testing.assert_allclose(vx, nl.conv2d(g, w, stride=2, padding="SAME").numpy(), rtol=1e-10)
    # d/dw sum(g * conv2d_transpose(x, w)): the filter gradient of the conv from g to x
    np.testing.assert_allclose(vw, conv2d_grad_filter(g, x, w, 2, "SAME").numpy(), rtol=1e-10)


def test_dilated_and_atrous_and_depthwise_convolutions(rng):
    x = rng.standard_normal((2, 9, 9, 3)).astype(np.float32)
    w = rng.standard_normal((3, 3, 3, 4)).astype(np.float32)
    ref = F.conv2d(x, F.dilate_filter(w, 2), padding="SAME").numpy()
    a = tf.nn.conv2d(x, w, [1, 1, 1, 1], "SAME", dilations=[1, 2, 2, 1])
    b = tf.nn.atrous_conv2d(x, w, 2, "SAME")
    dw = rng.standard_normal((3, 3, 3, 2)).astype(np.float32)
    c = tf.nn.depthwise_conv2d(x, dw, [1, 1, 1, 1], "VALID", rate=[2, 2])
    va, vb, vc = _sess_run(a, b, c)
    np.testing.assert_allclose(va, ref, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(vb, ref, rtol=1e-5, atol=1e-5)
    for ch in range(3):
        for m in range(2):
            one = F.conv2d(x[..., ch:ch + 1], dw[:, :, ch:ch + 1, m:m + 1], dilation=2).numpy()
            np.testing.assert_allclose(vc[..., 2 * ch + m:2 * ch + m + 1], one, rtol=1e-5, atol=1e-5)
    with pytest.raises(NotImplementedError, match="strides=.* in the batch or channel axis"):
        tf.nn.conv2d(x, w, [2, 1, 1, 1], "SAME")


# -- embeddings ----------------------------------------------------------------------------------

def test_embedding_lookup_gathers_rows_and_scatters_gradients(rng):
    table = rng.standard_normal((10, 4))
    ids = np.array([[1, 3, 1], [9, 0, 1]])
    E = tf.Variable(table)
    ids_ph = tf.placeholder(tf.int32, [None, 3])
    y = tf.nn.embedding_lookup(E, ids_ph)
    assert y.get_shape().as_list() == [None, 3, 4] and y.name.startswith("embedding_lookup")
    up = rng.standard_normal((2, 3, 4))
    (g,) = tf.gradients(tf.reduce_sum(y * up), [E])
    vy, vg = _sess_run(y, g, feed={ids_ph: ids})
    np.testing.assert_array_equal(vy, table[ids])
    want = np.zeros_like(table)
    np.add.at(want, ids, up)  # row r gets the sum of the gradients of every lookup of r
    np.testing.assert_allclose(np.asarray(vg), want, rtol=1e-12)
    with tf.Session() as s, pytest.raises(tf.errors.InvalidArgumentError, match="index 10 is out of range"):
        s.run(tf.global_variables_initializer())
        s.run(y, {ids_ph: [[10, 0, 0]]})


@pytest.mark.parametrize("strategy", ["mod", "div"])
def test_embedding_lookup_over_shards(strategy, rng):
    """TF's partitioning of 11 rows over 3 shards: 'mod' puts id i in shard i % 3, 'div' in contiguous runs."""
    table = rng.standard_normal((11, 2))
    if strategy == "mod":
        shards = [table[i::3] for i in range(3)]
    else:
        shards = [table[0:4], table[4:8], table[8:11]]
    ids = np.array([0, 10, 4, 5, 3, 7, 7])
    y = tf.nn.embedding_lookup([tf.constant(s) for s in shards], ids, partition_strategy=strategy)
    clipped = tf.nn.embedding_lookup(table, ids, max_norm=0.5)
    vy, vc = _sess_run(y, clipped)
    np.testing.assert_array_equal(vy, table[ids])
    norms = np.linalg.norm(table[ids], axis=1, keepdims=True)
    np.testing.assert_allclose(vc, table[ids] * 0.5 / np.maximum(norms, 0.5), rtol=1e-12)


# -- candidate sampling and the sampled losses ----------------------------------------------------

def _logq(k, n):
    return np.log((k + 2.0) / (k + 1.0)) / np.log(n + 1.0)


def test_log_uniform_sampler_follows_zipf_and_tf_expected_counts():
    tf.set_random_seed(0)
    labels = tf.constant(np.array([[0], [3], [17]], np.int64))
    s_nonunique = tf.nn.log_uniform_candidate_sampler(labels, 1, 2000, False, 20, seed=1)
    s_unique = tf.nn.log_uniform_candidate_sampler(labels, 1, 6, True, 20, seed=2)
    with tf.Session() as sess:
        draws = sess.run(s_nonunique.sampled_candidates)
        freq = np.bincount(draws, minlength=20) / draws.size
        p = _logq(np.arange(20), 20)
        assert np.abs(freq - p).max() < 0.03 and abs(p.sum() - 1) < 1e-12
        _, tq, sq = sess.run(s_nonunique)
        np.testing.assert_allclose(tq[:, 0], 2000 * _logq(np.array([0, 3, 17]), 20), rtol=1e-6)
        for _ in range(5):  # unique: 6 distinct classes, expected counts 1 - (1 - p)^T for one T (the tries)
            cand, tq, sq = sess.run(s_unique)
            assert len(set(cand.tolist())) == 6
            tries = np.log1p(-sq.astype(np.float64)) / np.log1p(-_logq(cand, 20))
            assert tries.min() >= 6 - 1e-3 and np.ptp(tries) < 1e-3 * tries.max()
            np.testing.assert_allclose(tq[:, 0], 1 - (1 - _logq(np.array([0, 3, 17]), 20)) ** tries[0], rtol=1e-4)
        a, b = sess.run(s_unique.sampled_candidates), sess.run(s_unique.sampled_candidates)
        assert not np.array_equal(a, b)  # a new draw at every run
    with tf.Session() as sess:  # the same seeds repeat the same draws in a new session
        assert sess.run(s_nonunique.sampled_candidates).tolist() == draws.tolist()


def _sampled_closed_form(W, b, x, lab, samp, tq, sq, remove_hits):
    """TF's sampled logits in NumPy: true and sampled logits minus log Q, hits at -FLT_MAX."""
    true_logits = np.einsum("bd,btd->bt", x, W[lab]) + b[lab] - np.log(tq)
    samp_logits = x @ W[samp].T + b[samp] - np.log(sq)
    if remove_hits:
        hit = (lab[:, :, None] == samp[None, None, :]).any(axis=1)
        samp_logits = np.where(hit, -np.finfo(np.float32).max, samp_logits)
    logits = np.concatenate([true_logits, samp_logits], axis=1)
    labels = np.concatenate([np.full(true_logits.shape, 1.0 / lab.shape[1]), np.zeros(samp_logits.shape)], axis=1)
    return logits, labels


@pytest.mark.parametrize("remove_hits", [False, True])
def test_nce_and_sampled_softmax_losses_on_a_tiny_vocabulary(remove_hits, rng):
    W = rng.standard_normal((7, 3))
    b = rng.standard_normal(7)
    x = rng.standard_normal((4, 3))
    lab = np.array([[1, 2], [0, 3], [5, 6], [2, 2]])
    samp = np.array([2, 4, 6])  # 2 and 6 are accidental hits of rows 0, 2 and 3
    tq, sq = rng.uniform(0.1, 0.9, (4, 2)), rng.uniform(0.1, 0.9, 3)
    logits, labels = _sampled_closed_form(W, b, x, lab, samp, tq, sq, remove_hits)
    nce_want = (np.maximum(logits, 0) - logits * labels + np.log1p(np.exp(-np.abs(logits)))).sum(axis=1)
    m = logits.max(axis=1, keepdims=True)
    ssm_want = -(labels * (logits - m - np.log(np.exp(logits - m).sum(axis=1, keepdims=True)))).sum(axis=1)
    Wv, bv, X = tf.Variable(W), tf.Variable(b), tf.placeholder(tf.float64, [None, 3])
    sv = (samp, tq, sq)
    nce = tf.nn.nce_loss(Wv, bv, lab, X, 3, 7, num_true=2, sampled_values=sv, remove_accidental_hits=remove_hits)
    ssm = tf.nn.sampled_softmax_loss(Wv, bv, lab, X, 3, 7, num_true=2, sampled_values=sv,
                                     remove_accidental_hits=remove_hits)
    (gW,) = tf.gradients(tf.reduce_sum(nce), [Wv])
    v_nce, v_ssm, v_g = _sess_run(nce, ssm, gW, feed={X: x})
    np.testing.assert_allclose(v_nce, nce_want, rtol=1e-10)
    np.testing.assert_allclose(v_ssm, ssm_want, rtol=1e-10)
    # the gradient reaches only the rows of the true and sampled classes (scatter-add), (sigmoid - label) * x
    sig = 0.5 * (1 + np.tanh(logits / 2))  # (stable at the -FLT_MAX logits of removed hits)
    coef = sig - labels
    want = np.zeros_like(W)
    np.add.at(want, lab, coef[:, :2, None] * x[:, None, :])
    np.add.at(want, samp, (coef[:, 2:, None] * x[:, None, :]).sum(axis=0))
    np.testing.assert_allclose(np.asarray(v_g), want, rtol=1e-8, atol=1e-12)


def test_sampled_losses_with_the_default_sampler_are_seeded():
    tf.set_random_seed(5)
    W = tf.Variable(np.random.default_rng(0).standard_normal((50, 4)).astype(np.float32))
    b = tf.Variable(np.zeros(50, np.float32))
    x = tf.constant(np.random.default_rng(1).standard_normal((8, 4)).astype(np.float32))
    lab = tf.constant(np.arange(8).reshape(8, 1))
    loss = tf.reduce_mean(tf.nn.nce_loss(W, b, lab, x, num_sampled=5, num_classes=50))
    ssm = tf.reduce_mean(tf.nn.sampled_softmax_loss(W, b, lab, x, num_sampled=5, num_classes=50, seed=3))
    first = _sess_run(loss, loss, ssm)
    second = _sess_run(loss, loss, ssm)
    assert first == second  # one seed repeats the run
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        assert s.run(loss) != s.run(loss)  # a new sample at every run
    with pytest.raises(ValueError, match="cannot draw 60 unique classes out of range_max=50"):
        tf.nn.nce_loss(W, b, lab, x, num_sampled=60, num_classes=50)


# -- ranking, normalization and losses ----------------------------------------------------------------

def test_top_k_in_top_k_l2_normalize_and_losses(rng):
    p = np.array([[0.1, 0.3, 0.3, 0.2], [0.5, 0.1, 0.1, 0.3], [np.nan, 1, 2, 3]], np.float32)
    top = tf.nn.top_k(p[:2], 2)
    x = rng.standard_normal((3, 4))
    z = np.array([0.0, 1.0, 2.0, 5.0])
    c = np.array([0.1, -0.3, 0.7, 1.5])
    img = rng.standard_normal((1, 2, 2, 6))
    got = _sess_run(top, tf.nn.in_top_k(p, [1, 2, 0], 1), tf.nn.in_top_k(p, [3, 3, 1], 2),
                    tf.nn.l2_normalize(x, 1), tf.nn.l2_normalize(x), tf.nn.log_poisson_loss(z, c),
                    tf.nn.log_poisson_loss(z, c, compute_full_loss=True),
                    tf.nn.weighted_cross_entropy_with_logits(labels=np.array([0, 1, 1, 0.3]), logits=c, pos_weight=2.5),
                    tf.nn.lrn(img, 1, 1.5, 0.3, 0.7), tf.nn.zero_fraction(np.array([0.0, 1, 0, 2])),
                    tf.nn.softmax(x, axis=0))
    (vals, idx), k1, k2, n1, nall, lp, lpf, wce, lrn, zf, sm = got
    np.testing.assert_array_equal(vals, np.float32([[0.3, 0.3], [0.5, 0.3]]))
    np.testing.assert_array_equal(idx, [[1, 2], [0, 3]])  # ties in order of increasing index
    assert idx.dtype == np.int32 and top.indices is top[1]
    assert k1.tolist() == [True, False, False]  # 0.3 ties with 0.3 at the boundary: in; NaN never
    assert k2.tolist() == [False, True, False]
    np.testing.assert_allclose(n1, x / np.linalg.norm(x, axis=1, keepdims=True), rtol=1e-12)
    np.testing.assert_allclose(nall, x / np.linalg.norm(x), rtol=1e-12)
    np.testing.assert_allclose(lp, np.exp(c) - z * c, rtol=1e-12)
    stirling = np.where(z > 1, z * np.log(np.maximum(z, 1)) - z + 0.5 * np.log(2 * np.pi * np.maximum(z, 1)), 0)
    np.testing.assert_allclose(lpf, np.exp(c) - z * c + stirling, rtol=1e-12)
    lab = np.array([0, 1, 1, 0.3])
    sig = 1 / (1 + np.exp(-c))
    np.testing.assert_allclose(wce, -(2.5 * lab * np.log(sig) + (1 - lab) * np.log(1 - sig)), rtol=1e-10)
    sq = img ** 2
    win = sum(np.pad(sq, ((0, 0), (0, 0), (0, 0), (1, 1)))[..., i:i + 6] for i in range(3))
    np.testing.assert_allclose(lrn, img / (1.5 + 0.3 * win) ** 0.7, rtol=1e-12)
    assert zf == 0.5
    np.testing.assert_allclose(sm, np.exp(x) / np.exp(x).sum(axis=0), rtol=1e-12)
    assert tf.nn.sigmoid is tf.sigmoid and tf.nn.tanh is tf.tanh


# -- tf.layers classes -------------------------------------------------------------------------------

def test_layer_objects_name_and_share_their_variables():
    x = tf.placeholder(tf.float32, [None, 4])
    d = tf.layers.Dense(3, activation=tf.nn.relu)
    assert d.name == "dense" and not d.built and d.variables == []
    y1, y2 = d(x), d.apply(x)
    assert y1.name == "dense/Relu:0" and y2.name == "dense/Relu_1:0"
    d2 = tf.layers.Dense(2, name="head")
    d2(y1)
    z = tf.layers.dense(x, 5)
    assert [v.name for v in tf.global_variables()] == ["dense/kernel:0", "dense/bias:0", "head/kernel:0",
                                                       "head/bias:0", "dense_1/kernel:0", "dense_1/bias:0"]
    assert d.built and [v.name for v in d.trainable_variables] == ["dense/kernel:0", "dense/bias:0"]
    assert d.weights == d.variables == d.trainable_weights and d.non_trainable_variables == []
    assert d.count_params() == 15 and d2.scope_name == "head" and z.get_shape().as_list() == [None, 5]
    with tf.variable_scope("outer"):
        c = tf.layers.Conv2D(4, 3, padding="same", name="c")
        c(tf.placeholder(tf.float32, [None, 8, 8, 2]))
    assert [v.name for v in c.variables] == ["outer/c/kernel:0", "outer/c/bias:0"]
    assert c.kernel.shape.as_list() == [3, 3, 2, 4]
    v1, v2 = _sess_run(y1, y2, feed={x: np.ones((2, 4))})
    np.testing.assert_array_equal(v1, v2)
    with pytest.raises(TypeError, match="Keyword argument not understood: units2"):
        tf.layers.Dense(3, units2=4)


def test_custom_layer_subclass_builds_with_add_weight():
    class ScaledSum(tf.layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight("w", [int(input_shape[-1]), self.units], initializer=tf.ones_initializer())
            self.s = self.add_variable("scale", [], initializer=tf.constant_initializer(2.0), trainable=False)
            super().build(input_shape)

        def call(self, inputs):
            return tf.matmul(inputs, self.w) * self.s

    layer = ScaledSum(2)
    x = tf.placeholder(tf.float32, [None, 3])
    y = layer(x)
    assert layer.name == "scaled_sum" and [v.name for v in layer.variables] == ["scaled_sum/w:0",
                                                                                 "scaled_sum/scale:0"]
    assert [v.name for v in tf.trainable_variables()] == ["scaled_sum/w:0"]
    (v,) = _sess_run(y, feed={x: [[1, 2, 3]]})
    np.testing.assert_array_equal(v, [[12, 12]])


def test_conv2d_transpose_layer_sizes_follow_tf(rng):
    x = tf.placeholder(tf.float32, [None, 7, 7, 8])
    same = tf.layers.conv2d_transpose(x, 4, 5, strides=2, padding="same")
    valid = tf.layers.conv2d_transpose(x, 4, 5, strides=2, padding="valid")
    valid_small = tf.layers.Conv2DTranspose(4, 2, strides=3, padding="valid")(x)
    unknown = tf.placeholder(tf.float32, [None, None, None, 8])
    dyn = tf.layers.conv2d_transpose(unknown, 3, 3, strides=2, padding="valid", name="up")
    assert same.get_shape().as_list() == [None, 14, 14, 4]
    assert valid.get_shape().as_list() == [None, 17, 17, 4]  # 7 * 2 + max(5 - 2, 0)
    assert valid_small.get_shape().as_list() == [None, 21, 21, 4]  # 7 * 3 + max(2 - 3, 0)
    assert dyn.get_shape().as_list() == [None, None, None, 3]
    names = [v.name for v in tf.global_variables()]
    assert names[:2] == ["conv2d_transpose/kernel:0", "conv2d_transpose/bias:0"] and "up/kernel:0" in names
    xv = rng.standard_normal((2, 7, 7, 8)).astype(np.float32)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        vs, k, bias, vd = s.run([same, tf.global_variables()[0], tf.global_variables()[1], dyn],
                                {x: xv, unknown: xv[:, :5, :4]})
    np.testing.assert_allclose(vs, F.conv2d_transpose(xv, k, stride=2, padding="SAME").numpy() + bias,
                               rtol=1e-5, atol=1e-5)
    assert vd.shape == (2, 11, 9, 3)  # (5 - 1) * 2 + 3, (4 - 1) * 2 + 3


def test_dropout_batch_norm_flatten_and_pooling_classes(rng):
    x = tf.placeholder(tf.float32, [None, 4, 4, 2])
    training = tf.placeholder(tf.bool, [])
    bn = tf.layers.BatchNormalization(momentum=0.5)
    h = bn(x, training=training)
    drop = tf.layers.Dropout(0.5, seed=1)
    hd = drop(h, training=training)
    pooled = tf.layers.MaxPooling2D(2, 2)(hd)
    flat = tf.layers.Flatten()(pooled)
    flat_dyn = tf.layers.flatten(tf.placeholder_with_default(np.zeros((1, 2, 3), np.float32), [None, None, 3]))
    assert flat.get_shape().as_list() == [None, 8] and flat_dyn.get_shape().as_list()[0] is None
    assert len(bn.updates) == 2 and all(u in tf.get_collection(tf.GraphKeys.UPDATE_OPS) for u in bn.updates)
    assert [v.name for v in bn.non_trainable_variables] == ["batch_normalization/moving_mean:0",
                                                           "batch_normalization/moving_variance:0"]
    xv = rng.standard_normal((16, 4, 4, 2)).astype(np.float32) * 3 + 1
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        h_eval, d_eval = s.run([h, hd], {x: xv, training: False})
        np.testing.assert_allclose(h_eval, xv / np.sqrt(1 + 1e-3), rtol=1e-5)  # moving stats 0 / 1
        np.testing.assert_array_equal(d_eval, h_eval)  # no dropout when not training
        h_tr, d_tr = s.run([h, hd], {x: xv, training: True})
        assert abs(h_tr.mean()) < 1e-5 and abs(h_tr.std() - 1) < 1e-2
        kept = d_tr != 0
        np.testing.assert_allclose(d_tr[kept], 2 * h_tr[kept], rtol=1e-5)
        assert 0.35 < kept.mean() < 0.65
        s.run(bn.updates, {x: xv, training: True})
        mm = s.run(bn.moving_mean)
        np.testing.assert_allclose(mm, 0.5 * xv.mean(axis=(0, 1, 2)), rtol=1e-4)
        assert s.run(flat_dyn).shape == (1, 6)


def test_dropout_noise_shape_shares_one_draw_along_the_size_1_axes():
    x = tf.placeholder(tf.float32, [None, 4, 4, 3])
    n = tf.shape(x)[0]
    drops = [tf.nn.dropout(x, 0.5, noise_shape=[n, 1, 1, 3], seed=1),
             tf.nn.dropout(x, rate=0.5, noise_shape=tf.stack([n, 1, 1, tf.shape(x)[3]])),
             tf.layers.dropout(x, 0.5, noise_shape=[None, 1, 1, 3], training=True),
             tf.layers.Dropout(0.5, noise_shape=[1, 4, 4, 1])(x, training=True)]
    for v in _sess_run(*drops, feed={x: np.ones((64, 4, 4, 3))}):
        assert set(np.unique(v)) == {0.0, 2.0} and v.shape == (64, 4, 4, 3)
    a, b, c, d = _sess_run(*drops, feed={x: np.ones((64, 4, 4, 3))})
    for v in (a, b, c):  # whole feature maps kept or dropped: equal over the spatial axes
        assert (v == v[:, :1, :1, :]).all() and 0.3 < (v[:, 0, 0, :] != 0).mean() < 0.7
    assert (d == d[:1, :, :, :1]).all()  # one mask for the batch and the channels
    with pytest.raises(ValueError, match="noise_shape"):  # 2 is neither 1 nor the axis' size 4
        tf.nn.dropout(x, 0.5, noise_shape=[1, 2, 4, 3])


def test_regularizers_trainable_and_activity_losses():
    x = tf.placeholder(tf.float32, [None, 3])
    reg = tf.contrib.layers.l2_regularizer(0.5)
    d = tf.layers.Dense(2, kernel_initializer=tf.ones_initializer(), kernel_regularizer=reg,
                        activity_regularizer=lambda t: tf.reduce_sum(t))
    frozen = tf.layers.Dense(2, trainable=False)
    y = frozen(d(x))
    assert len(d.losses) == 2 and len(tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)) == 2
    assert [v.name for v in tf.trainable_variables()] == ["dense/kernel:0", "dense/bias:0"]
    assert frozen.trainable_variables == [] and len(frozen.non_trainable_variables) == 2
    l2, act, _ = _sess_run(d.losses[0], d.losses[1], y, feed={x: [[1.0, 2.0, 3.0]]})
    assert l2 == pytest.approx(0.5 * 6 / 2) and act == pytest.approx(12.0)
    with pytest.raises(NotImplementedError, match="kernel_constraint=... is not supported"):
        tf.layers.Dense(2, kernel_constraint=lambda w: w)


def _disc(x, reuse=None):
    with tf.variable_scope("disc", reuse=reuse):
        h = tf.layers.conv2d(x, 4, 3, strides=2, padding="same", activation=tf.nn.leaky_relu)
        h = tf.layers.batch_normalization(h, training=True)
        h = tf.layers.conv2d_transpose(h, 2, 3, strides=2, padding="same")
        return tf.layers.dense(tf.layers.flatten(h), 1)


def test_gan_discriminator_reuse_all_styles():
    real = tf.placeholder(tf.float32, [None, 8, 8, 1])
    fake = tf.placeholder(tf.float32, [None, 8, 8, 1])
    d_real = _disc(real)
    n = len(tf.global_variables())
    d_fake = _disc(fake, reuse=True)
    with tf.variable_scope("disc") as scope:
        scope.reuse_variables()
        with tf.variable_scope("dense", reuse=True):
            pass
    assert len(tf.global_variables()) == n == 10  # conv 2, bn 4, deconv 2, dense 2
    names = [v.name for v in tf.global_variables()]
    assert names == ["disc/conv2d/kernel:0", "disc/conv2d/bias:0", "disc/batch_normalization/gamma:0",
                     "disc/batch_normalization/beta:0", "disc/batch_normalization/moving_mean:0",
                     "disc/batch_normalization/moving_variance:0", "disc/conv2d_transpose/kernel:0",
                     "disc/conv2d_transpose/bias:0", "disc/dense/kernel:0", "disc/dense/bias:0"]

    def disc_auto(x):
        with tf.variable_scope("disc", reuse=tf.AUTO_REUSE):
            h = tf.layers.conv2d(x, 4, 3, strides=2, padding="same", activation=tf.nn.leaky_relu)
            h = tf.layers.batch_normalization(h, training=True)
            h = tf.layers.conv2d_transpose(h, 2, 3, strides=2, padding="same")
            return tf.layers.dense(tf.layers.flatten(h), 1)

    def disc_scope_reuse(x):
        with tf.variable_scope("disc") as scope:
            scope.reuse_variables()
            h = tf.layers.conv2d(x, 4, 3, strides=2, padding="same", activation=tf.nn.leaky_relu)
            h = tf.layers.batch_normalization(h, training=True)
            h = tf.layers.conv2d_transpose(h, 2, 3, strides=2, padding="same")
            return tf.layers.dense(tf.layers.flatten(h), 1)

    d_auto, d_scope = disc_auto(fake), disc_scope_reuse(fake)
    assert len(tf.global_variables()) == n
    xv = np.random.default_rng(0).standard_normal((3, 8, 8, 1)).astype(np.float32)
    a, b, c, d = _sess_run(d_real, d_fake, d_auto, d_scope, feed={real: xv, fake: xv})
    for other in (b, c, d):
        np.testing.assert_allclose(other, a, rtol=1e-6)
    with pytest.raises(ValueError, match="Variable disc/conv2d/kernel already exists"):
        _disc(real)


# -- the TF 1.x programs -------------------------------------------------------------------------------

def test_dcgan_training_step(capsys):
    out = _run(capsys, "dcgan_step.py")
    assert "variables shared: True" in out
    assert _value(out, "d_loss_drop") > 0.1 and _value(out, "g_loss_drop") > 0.1


@pytest.fixture(scope="module")
def digits_npz(tmp_path_factory):
    """neuralab's bundled 8x8 digits (values in [0, 1]) as the .npz the scripts read."""
    from neuralab.data import digits

    d = digits()
    path = tmp_path_factory.mktemp("digits") / "digits.npz"
    np.savez(path, x_train=d.x_train, y_train=d.y_train, x_test=d.x_test, y_test=d.y_test)
    return str(path)


def test_conv_autoencoder_learns_digits(capsys, digits_npz):
    out = _run(capsys, "conv_autoencoder.py", 150, digits_npz)
    assert "shapes: [(5, 2, 2, 8), (5, 4, 4, 16), (5, 8, 8, 1)]" in out
    assert _value(out, "final_mse") < 0.5 * _value(out, "mean_image_mse")


@pytest.mark.parametrize("loss", ["nce", "sampled_softmax"])
def test_word2vec_skipgram(capsys, loss):
    out = _run(capsys, "word2vec_skipgram.py", loss, os.path.join(HERE, "data", "tiny_corpus.txt"))
    assert _value(out, "last_loss") < 0.7 * _value(out, "first_loss")
    assert _value(out, "within_minus_between") > 0.3
    assert _value(out, "neighbors_same_group") >= 0.8


def test_layers_class_models(capsys, digits_npz):
    out = _run(capsys, "layers_classes_cnn.py", 6, digits_npz)
    assert _value(out, "test_accuracy") > 0.9
    assert "eval graph shares weights: True" in out
