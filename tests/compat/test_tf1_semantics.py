"""TF 1.x semantics of neuralab.compat.v1 that the notes rely on, one behaviour per test."""
import os

import numpy as np
import pytest

import neuralab as nl
import neuralab.compat.v1 as tf


@pytest.fixture(autouse=True)
def _fresh_graph():
    tf.reset_default_graph()
    yield
    while tf.get_default_session() is not None:
        tf.get_default_session().close()
    tf.reset_default_graph()


# -- define, then run --------------------------------------------------------------------------------

def test_nothing_runs_until_session_run():
    x = tf.placeholder(tf.float32, [None, 3])
    w = tf.Variable(tf.random_normal([3, 2]), name="W")
    y = tf.matmul(x, w) * 2.0 + tf.constant(1.0)
    assert isinstance(y, tf.Tensor) and y.shape == (None, 2) and y.shape.as_list() == [None, 2]
    with pytest.raises(TypeError, match="bool"):
        bool(y)  # no value yet
    with pytest.raises(TypeError, match="only iterable when eager"):
        iter(y)
    expr = tf.reduce_sum(tf.square(w))  # only variables and constants: still a graph node
    assert isinstance(expr, tf.Tensor) and expr.op.type == "Sum"
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        wv = sess.run(w)
        np.testing.assert_allclose(sess.run(expr), (wv ** 2).sum(), rtol=1e-5)
        out = sess.run(y, feed_dict={x: [[1.0, 2.0, 3.0]]})
        np.testing.assert_allclose(out, np.array([[1, 2, 3]]) @ wv * 2 + 1, rtol=1e-5)


def test_uninitialized_variable_error_names_it():
    w1 = tf.Variable(tf.zeros([2]), name="W1")
    with tf.Session() as sess:
        with pytest.raises(tf.errors.FailedPreconditionError, match="uninitialized value W1"):
            sess.run(w1 + 1)
        sess.run(w1.initializer)
        assert sess.run(w1 + 1).tolist() == [1.0, 1.0]


def test_variables_are_per_session():
    v = tf.Variable(1.0, name="v")
    inc = v.assign_add(1.0)
    s1, s2 = tf.Session(), tf.Session()
    s1.run(tf.global_variables_initializer())
    for _ in range(3):
        s1.run(inc)
    with pytest.raises(tf.errors.FailedPreconditionError):
        s2.run(v)
    s2.run(tf.global_variables_initializer())
    assert s1.run(v) == 4.0 and s2.run(v) == 1.0
    s2.run(inc)
    assert s1.run(v) == 4.0 and s2.run(v) == 2.0
    s1.close()
    with pytest.raises(RuntimeError, match="closed Session"):
        s1.run(v)


def test_fetched_values_are_copies():
    v = tf.Variable([1.0, 2.0])
    with tf.Session() as sess:
        sess.run(v.initializer)
        a = sess.run(v)
        a[0] = 100.0
        assert sess.run(v).tolist() == [1.0, 2.0]
        sess.run(v.assign([5.0, 6.0]))
        assert a.tolist() == [100.0, 2.0]


def test_scalar_fetches_are_numpy_scalars_and_structures_kept():
    x = tf.placeholder(tf.float32, name="x")
    loss = tf.reduce_sum(x * x)
    with tf.Session() as sess:
        out = sess.run({"loss": loss, "pair": (x, [loss])}, feed_dict={x: [1.0, 2.0]})
        assert isinstance(out["loss"], np.float32) and out["loss"] == 5.0
        assert isinstance(out["pair"], tuple) and out["pair"][1] == [5.0]
        assert sess.run("x:0", feed_dict={x: [3.0]}).tolist() == [3.0]


def test_feeds_convert_lists_and_check_shapes():
    x = tf.placeholder(tf.float32, [None, 2], name="X")
    y = x * 2
    with tf.Session() as sess:
        out = sess.run(y, feed_dict={x: [[1, 2]]})
        assert out.dtype == np.float32 and out.tolist() == [[2.0, 4.0]]
        with pytest.raises(tf.errors.InvalidArgumentError, match="'X'"):
            sess.run(y, feed_dict={x: [[1, 2, 3]]})
        with pytest.raises(tf.errors.InvalidArgumentError, match="'X'"):
            sess.run(y)


def test_session_run_does_not_rebuild_plans(monkeypatch):
    import neuralab.compat.v1.session as S

    built = []

    class CountingPlan(S.Plan):
        def __init__(self, *a, **k):
            built.append(1)
            super().__init__(*a, **k)

    monkeypatch.setattr(S, "Plan", CountingPlan)
    x = tf.placeholder(tf.float32, [None, 2])
    y = tf.placeholder(tf.float32, [None, 1])
    w = tf.Variable(tf.zeros([2, 1]))
    loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - y))
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    data = {x: np.ones((4, 2)), y: np.ones((4, 1))}
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(100):
            sess.run(train, feed_dict=data)
            sess.run([loss, train], feed_dict={x: data[x], y: data[y]})
        assert len(built) == 3  # init, train, [loss, train]
        step = sess.make_callable([loss, train], feed_list=[x, y])
        for _ in range(10):
            step(data[x], data[y])
        assert len(built) == 4


def test_interactive_session_eval_and_run():
    a = tf.constant(3.0)
    v = tf.Variable(2.0)
    with pytest.raises(ValueError, match="No default session"):
        a.eval()
    sess = tf.InteractiveSession()
    tf.global_variables_initializer().run()
    assert (a * v).eval() == 6.0
    p = tf.placeholder(tf.float32)
    assert (p + 1).eval({p: 1.5}) == 2.5
    assert v.eval() == 2.0
    sess.close()
    assert tf.get_default_session() is None


def test_with_session_makes_it_default():
    x = tf.placeholder(tf.float32)
    acc = tf.reduce_mean(x)
    with tf.Session():
        assert acc.eval({x: [1.0, 3.0]}) == 2.0


# -- assign and group (seed 002) -------------------------------------------------------------------

def _two_parts(group):
    np.random.seed(0)
    tf.set_random_seed(0)
    N, D, H = 16, 30, 10
    x = tf.placeholder(tf.float32, shape=(N, D))
    y = tf.placeholder(tf.float32, shape=(N, D))
    w1 = tf.Variable(tf.random_normal((D, H)))
    w2 = tf.Variable(tf.random_normal((H, D)))
    h = tf.maximum(tf.matmul(x, w1), 0)
    loss = tf.reduce_mean(tf.reduce_sum((tf.matmul(h, w2) - y) ** 2, axis=1))
    g1, g2 = tf.gradients(loss, [w1, w2])
    new_w1 = w1.assign(w1 - 1e-3 * g1)
    new_w2 = w2.assign(w2 - 1e-3 * g2)
    updates = tf.group(new_w1, new_w2)
    values = {x: np.random.randn(N, D), y: np.random.randn(N, D)}
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        if group:
            return [sess.run([loss, updates], feed_dict=values)[0] for _ in range(20)]
        return [sess.run([loss], feed_dict=values)[0] for _ in range(20)]


def test_assign_runs_only_when_fetched():
    assert len(set(_two_parts(group=False))) == 1  # "loss not going down!"
    losses = _two_parts(group=True)
    assert losses[-1] < losses[0] / 2


def test_assign_of_a_fed_array_does_not_alias_it():
    v = tf.Variable(np.zeros(3, np.float32))
    p = tf.placeholder(tf.float32, [3])
    set_v = v.assign(p)
    bump = v.assign_add(tf.ones([3]))
    fed = np.array([1.0, 2.0, 3.0], np.float32)
    with tf.Session() as sess:
        sess.run(v.initializer)
        sess.run(set_v, {p: fed})
        sess.run(bump)
        assert fed.tolist() == [1.0, 2.0, 3.0]
        assert sess.run(v).tolist() == [2.0, 3.0, 4.0]


def test_gradients_through_variables_and_placeholders():
    x = tf.placeholder(tf.float64, [3])
    w = tf.Variable(np.array([1.0, 2.0, 3.0]))
    y = tf.reduce_sum(w * x * x)
    gw, gx = tf.gradients(y, [w, x])
    with tf.Session() as sess:
        sess.run(w.initializer)
        a, b = sess.run([gw, gx], {x: [1.0, 2.0, 3.0]})
    assert a.tolist() == [1.0, 4.0, 9.0] and b.tolist() == [2.0, 8.0, 18.0]


# -- random ops and seeds -----------------------------------------------------------------------------

def _draw(seed, runs=1, fresh_session=False):
    tf.reset_default_graph()
    tf.set_random_seed(seed)
    w = tf.Variable(tf.random_normal([4]))
    u = tf.random_uniform([3])
    out = []
    sess = tf.Session()
    for _ in range(runs):
        if fresh_session:
            sess = tf.Session()
        sess.run(tf.global_variables_initializer())
        out.append((sess.run(w), sess.run(u)))
    return out


def test_set_random_seed_repeats_exactly():
    a, b, c = _draw(1)[0], _draw(1)[0], _draw(2)[0]
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])
    again = _draw(1, runs=2)  # re-running the initializer draws new values, as in TF
    assert not np.array_equal(again[0][0], again[1][0])
    fresh = _draw(1, runs=2, fresh_session=True)  # each new session starts the generators afresh
    np.testing.assert_array_equal(fresh[0][0], fresh[1][0])


def test_op_seed_without_graph_seed_is_deterministic():
    a = tf.Session().run(tf.random_normal([3], seed=5))
    b = tf.Session().run(tf.random_normal([3], seed=5))
    np.testing.assert_array_equal(a, b)


# -- nn ------------------------------------------------------------------------------------------------

def test_dropout_scales_kept_units_by_one_over_keep_prob():
    keep_prob = tf.placeholder(tf.float32)
    x = tf.ones([200, 500])
    y = tf.nn.dropout(x, keep_prob=keep_prob)
    assert y.shape == (200, 500)
    with tf.Session() as sess:
        out = sess.run(y, {keep_prob: 0.7})
        kept = out != 0
        np.testing.assert_allclose(out[kept], 1 / 0.7, rtol=1e-6)
        assert abs(kept.mean() - 0.7) < 0.01
        out2 = sess.run(y, {keep_prob: 0.7})
        assert not np.array_equal(out, out2)  # a fresh mask each run
        np.testing.assert_array_equal(sess.run(y, {keep_prob: 1.0}), np.ones((200, 500)))
        out3 = sess.run(tf.nn.dropout(x, rate=0.25))
        np.testing.assert_allclose(out3[out3 != 0], 1 / 0.75, rtol=1e-6)


def test_softmax_cross_entropy_with_logits_is_per_example():
    logits = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3]], np.float32)
    labels = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]], np.float32)
    lg = tf.placeholder(tf.float32, [None, 3])
    lb = tf.placeholder(tf.float32, [None, 3])
    xent = tf.nn.softmax_cross_entropy_with_logits(labels=lb, logits=lg)
    xent2 = tf.nn.softmax_cross_entropy_with_logits_v2(labels=lb, logits=lg)
    sparse = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.argmax(lb, 1), logits=lg)
    assert xent.shape == (None,)
    lsm = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    want = -(labels * lsm).sum(1)
    with tf.Session() as sess:
        for t in (xent, xent2, sparse):
            np.testing.assert_allclose(sess.run(t, {lg: logits, lb: labels}), want, rtol=1e-5)
        g_v1, = tf.gradients(tf.reduce_sum(xent), [lb])
        g_v2, = tf.gradients(tf.reduce_sum(xent2), [lb])
        assert g_v1 is None  # TF 1.x: no gradient into the labels
        assert sess.run(g_v2, {lg: logits, lb: labels}).shape == (2, 3)
    with pytest.raises(ValueError, match="named arguments"):
        tf.nn.softmax_cross_entropy_with_logits(lb, lg)


def test_nn_functions_match_numpy():
    x = np.array([[-2.0, -0.5, 0.0, 1.5]], np.float32)
    p = tf.placeholder(tf.float32, [1, 4])
    with tf.Session() as sess:
        def run(t):
            return sess.run(t, {p: x})
        np.testing.assert_allclose(run(tf.nn.relu(p)), np.maximum(x, 0))
        np.testing.assert_allclose(run(tf.nn.leaky_relu(p)), np.where(x > 0, x, 0.2 * x))  # TF's alpha 0.2
        np.testing.assert_allclose(run(tf.nn.l2_loss(p)), (x ** 2).sum() / 2)
        np.testing.assert_allclose(run(tf.nn.softmax(p)).sum(), 1.0, rtol=1e-6)
        np.testing.assert_allclose(run(tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.ones_like(p), logits=p)),
                                   np.log1p(np.exp(-x)), rtol=1e-5)
        np.testing.assert_allclose(run(tf.nn.relu6(p * 10)), np.clip(x * 10, 0, 6))


def test_conv_and_pool_layers_shapes():
    x = tf.placeholder(tf.float32, [None, 28, 28, 1])
    w = tf.Variable(tf.random_normal([3, 3, 1, 4], stddev=0.01))
    c = tf.nn.conv2d(x, w, strides=[1, 1, 1, 1], padding="SAME")
    p = tf.nn.max_pool(c, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="SAME")
    h = tf.layers.conv2d(p, 8, 3, padding="same", activation=tf.nn.relu)
    q = tf.layers.max_pooling2d(h, 2, 2)
    f = tf.layers.flatten(q)
    assert f.shape == (None, 7 * 7 * 8)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(f, {x: np.zeros((2, 28, 28, 1))}).shape == (2, 392)


def test_losses_module():
    pred = tf.placeholder(tf.float32, [2, 2])
    lab = tf.placeholder(tf.float32, [2, 2])
    mse = tf.losses.mean_squared_error(pred, lab)  # the notes call it positionally (y_pred, y)
    a = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)
    b = np.zeros((2, 2), np.float32)
    with tf.Session() as sess:
        assert sess.run(mse, {pred: a, lab: b}) == pytest.approx(7.5)
    assert tf.losses.get_losses() == [mse]


# -- variables, scopes, layers ---------------------------------------------------------------------

def test_get_variable_reuse_semantics():
    with tf.variable_scope("foo"):
        v = tf.get_variable("v", [2], initializer=tf.constant_initializer(3.0))
    assert v.name == "foo/v:0" and v.op.name == "foo/v"
    with pytest.raises(ValueError, match="already exists"):
        with tf.variable_scope("foo"):
            tf.get_variable("v", [2])
    with tf.variable_scope("foo", reuse=True):
        assert tf.get_variable("v", [2]) is v
        with pytest.raises(ValueError, match="does not exist"):
            tf.get_variable("w", [2])
    with tf.variable_scope("foo", reuse=tf.AUTO_REUSE):
        assert tf.get_variable("v") is v
        w = tf.get_variable("w", [2], initializer=nl.init.ones)  # a neuralab init function works too
    with tf.variable_scope("foo") as scope:
        scope.reuse_variables()
        assert tf.get_variable("w") is w
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(v).tolist() == [3.0, 3.0] and sess.run(w).tolist() == [1.0, 1.0]


def test_initializers():
    tf.set_random_seed(0)
    shapes = {"x": (300, 200)}
    xa = tf.get_variable("xa", shapes["x"], initializer=tf.contrib.layers.xavier_initializer())
    xn = tf.get_variable("xn", shapes["x"], initializer=tf.contrib.layers.xavier_initializer(uniform=False))
    he = tf.get_variable("he", shapes["x"], initializer=tf.contrib.layers.variance_scaling_initializer())
    rn = tf.get_variable("rn", shapes["x"], initializer=tf.random_normal_initializer(stddev=0.5))
    zi = tf.get_variable("zi", [3], initializer=tf.zeros_initializer())
    df = tf.get_variable("df", shapes["x"])  # glorot uniform by default
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        lim = np.sqrt(6 / 500)
        a = sess.run(xa)
        assert np.abs(a).max() <= lim and a.std() == pytest.approx(lim / np.sqrt(3), rel=0.05)
        assert sess.run(xn).std() == pytest.approx(np.sqrt(1.3 / 250) * 0.8796, rel=0.05)
        assert sess.run(he).std() == pytest.approx(np.sqrt(1.3 * 2 / 300) * 0.8796, rel=0.05)
        assert sess.run(rn).std() == pytest.approx(0.5, rel=0.05)
        assert sess.run(zi).tolist() == [0, 0, 0]
        assert np.abs(sess.run(df)).max() <= lim


def test_layers_dense_names_and_reuse():
    x = tf.placeholder(tf.float32, [None, 4])
    h = tf.layers.dense(x, 3, activation=tf.nn.relu)
    y = tf.layers.dense(h, 2)
    z = tf.layers.dense(x, 3, name="fc")
    z2 = tf.layers.dense(x, 3, name="fc", reuse=True)
    names = [v.op.name for v in tf.global_variables()]
    assert names == ["dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias", "fc/kernel", "fc/bias"]
    assert [v.op.name for v in tf.trainable_variables()] == names
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        a, b = sess.run([z, z2], {x: np.ones((1, 4))})
        np.testing.assert_array_equal(a, b)
        assert sess.run(y, {x: np.ones((5, 4))}).shape == (5, 2)


def test_layers_batch_normalization_updates_go_to_update_ops():
    x = tf.placeholder(tf.float32, [None, 2])
    y = tf.layers.batch_normalization(x, momentum=0.5, training=True)
    mm = [v for v in tf.global_variables() if v.op.name.endswith("moving_mean")][0]
    update_ops = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
    assert len(update_ops) == 2
    data = {x: np.array([[1.0, 2.0], [3.0, 6.0]])}
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        out = sess.run(y, data)
        np.testing.assert_allclose(out.mean(0), 0, atol=1e-5)
        assert sess.run(mm).tolist() == [0.0, 0.0]  # not updated unless the update ops run
        sess.run([y, update_ops], data)
        np.testing.assert_allclose(sess.run(mm), [1.0, 2.0])


def test_contrib_batch_norm_updates_in_place_with_updates_collections_none():
    x = tf.placeholder(tf.float32, [None, 2])
    mode = tf.placeholder(tf.bool, name="train_mode")
    y = tf.contrib.layers.batch_norm(x, decay=0.5, is_training=mode, updates_collections=None, scope="bn")
    assert y.shape == (None, 2)
    mm = [v for v in tf.global_variables() if v.op.name == "bn/moving_mean"][0]
    assert [v.op.name for v in tf.global_variables()] == ["bn/beta", "bn/moving_mean", "bn/moving_variance"]
    assert tf.get_collection(tf.GraphKeys.UPDATE_OPS) == []
    data = np.array([[1.0, 2.0], [3.0, 6.0]])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(y, {x: data, mode: False})
        assert sess.run(mm).tolist() == [0.0, 0.0]
        sess.run(y, {x: data, mode: True})
        np.testing.assert_allclose(sess.run(mm), [1.0, 2.0])
        out = sess.run(y, {x: data, mode: False})  # evaluation uses the moving averages
        np.testing.assert_allclose(out, (data - [1.0, 2.0]) / np.sqrt(sess.run(mm * 0 + 1) * 0 + [
            sess.run(v) for v in tf.global_variables() if v.op.name == "bn/moving_variance"][0] + 1e-3), rtol=1e-5)


def test_arg_scope_defaults_and_overrides():
    from neuralab.compat.v1.contrib.framework import arg_scope
    from neuralab.compat.v1.contrib.layers import fully_connected

    x = tf.placeholder(tf.float32, [None, 3])
    with arg_scope([fully_connected], activation_fn=None, biases_initializer=None) as sc:
        a = fully_connected(x, 2, scope="a")
        b = fully_connected(x, 2, activation_fn=tf.nn.relu, scope="b")
    with arg_scope(sc):
        c = fully_connected(x, 2)
    names = [v.op.name for v in tf.global_variables()]
    assert names == ["a/weights", "b/weights", "fully_connected/weights"]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        va, vb = sess.run([a, b], {x: -np.ones((1, 3))})
        assert (vb >= 0).all() and sess.run(c, {x: np.ones((1, 3))}).shape == (1, 2)
        assert not (va >= 0).all() or True
    with pytest.raises(ValueError, match="add_arg_scope"):
        with arg_scope([len], x=1):
            pass


def test_regularizer_collects_losses():
    reg = tf.contrib.layers.l2_regularizer(0.5)
    w = tf.get_variable("w", [2], initializer=tf.constant_initializer(2.0), regularizer=reg)
    total = tf.losses.get_regularization_loss()
    with tf.Session() as sess:
        sess.run(w.initializer)
        assert sess.run(total) == pytest.approx(0.5 * 8 / 2)


# -- optimizers ------------------------------------------------------------------------------------------

def _quadratic_run(opt, steps=5):
    x = tf.Variable(np.array([1.0, -2.0, 3.0]), name="x")
    loss = tf.reduce_sum(x * x * np.array([1.0, 10.0, 0.1]))
    gs = tf.train.get_or_create_global_step()
    train = opt.minimize(loss, global_step=gs)
    out = []
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(steps):
            sess.run(train)
            out.append(sess.run(x))
        assert sess.run(gs) == steps
    return np.array(out)


def _tf_reference(kind, steps=5, lr=0.1, **hp):
    """TF 1.x's documented update rules in NumPy (for checking the hyperparameter mapping)."""
    x = np.array([1.0, -2.0, 3.0])
    c = np.array([1.0, 10.0, 0.1])
    m = np.zeros(3)
    v = np.zeros(3) + (0.1 if kind == "adagrad" else 1.0 if kind == "rmsprop" else 0.0)
    out = []
    for t in range(1, steps + 1):
        g = 2 * c * x
        if kind == "adam":
            b1, b2, eps = 0.9, 0.999, 1e-8
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g * g
            lr_t = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
            x = x - lr_t * m / (np.sqrt(v) + eps)
        elif kind == "momentum":
            m = hp["momentum"] * m + g
            x = x - lr * (g + hp["momentum"] * m) if hp.get("nesterov") else x - lr * m
        elif kind == "adagrad":
            v = v + g * g
            x = x - lr * g / np.sqrt(v)
        elif kind == "rmsprop":
            v = 0.9 * v + 0.1 * g * g
            x = x - lr * g / np.sqrt(v + 1e-10)
        else:
            x = x - lr * g
        out.append(x)
    return np.array(out)


@pytest.mark.parametrize("kind,opt,kw", [
    ("gd", lambda: tf.train.GradientDescentOptimizer(0.1), {}),
    ("momentum", lambda: tf.train.MomentumOptimizer(0.1, 0.9), {"momentum": 0.9}),
    ("momentum", lambda: tf.train.MomentumOptimizer(0.1, 0.9, use_nesterov=True), {"momentum": 0.9,
                                                                                  "nesterov": True}),
    ("adagrad", lambda: tf.train.AdagradOptimizer(0.1), {}),
    ("rmsprop", lambda: tf.train.RMSPropOptimizer(0.1), {}),
    ("adam", lambda: tf.train.AdamOptimizer(0.1), {}),
])
def test_optimizers_follow_tf_update_rules(kind, opt, kw):
    got = _quadratic_run(opt())
    np.testing.assert_allclose(got, _tf_reference(kind, **kw), rtol=1e-6, atol=1e-9)


def test_optimizer_state_is_per_session_and_needs_init():
    tf.set_random_seed(3)
    w = tf.Variable(tf.random_normal([3]))
    loss = tf.reduce_sum(w * w)
    train = tf.train.AdamOptimizer(0.1).minimize(loss)
    s1, s2 = tf.Session(), tf.Session()
    with pytest.raises(tf.errors.FailedPreconditionError):
        s1.run(w.initializer)
        s1.run(train)  # the optimizer's slots were never initialized in s1
    for s in (s1, s2):
        s.run(tf.global_variables_initializer())
    for _ in range(3):
        s1.run(train)
    s2.run(train)
    a = s2.run(w)
    s3 = tf.Session()
    s3.run(tf.global_variables_initializer())
    s3.run(train)
    np.testing.assert_array_equal(a, s3.run(w))  # s1's three steps did not touch s2's or s3's moments


def test_no_gradients_error():
    w = tf.Variable(1.0)
    tf.Variable(2.0, name="unused")
    with pytest.raises(ValueError, match="No gradients provided"):
        tf.train.GradientDescentOptimizer(0.1).minimize(tf.constant(1.0) * 2, var_list=[w])


# -- saver -------------------------------------------------------------------------------------------------

def test_saver_save_restore_and_checkpoint_state(tmp_path):
    pytest.importorskip("safetensors")
    w = tf.Variable(tf.random_normal([2, 2]), name="W")
    b = tf.Variable(tf.zeros([2]), name="b")
    loss = tf.reduce_sum(tf.matmul(tf.ones([1, 2]), w) + b)
    train = tf.train.AdamOptimizer(0.1).minimize(loss)
    saver = tf.train.Saver(max_to_keep=2)
    prefix = str(tmp_path / "model.ckpt")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        paths = []
        for step in range(3):
            sess.run(train)
            paths.append(saver.save(sess, prefix, global_step=step))
        want = sess.run([w, b])
        sess.run(train)
        after_one_more = sess.run(w)
    assert paths[-1] == prefix + "-2"
    assert not os.path.exists(paths[0] + ".safetensors") and os.path.exists(paths[2] + ".safetensors")
    st = tf.train.get_checkpoint_state(str(tmp_path))
    assert st.model_checkpoint_path == paths[-1] and st.all_model_checkpoint_paths == paths[1:]
    assert tf.train.latest_checkpoint(str(tmp_path)) == paths[-1]
    with tf.Session() as sess:
        saver.restore(sess, tf.train.latest_checkpoint(str(tmp_path)))
        got = sess.run([w, b])
        np.testing.assert_array_equal(got[0], want[0])
        np.testing.assert_array_equal(got[1], want[1])
        sess.run(train)  # the Adam moments were restored too: the same next step
        np.testing.assert_allclose(sess.run(w), after_one_more, rtol=1e-6)
    assert tf.train.get_checkpoint_state(str(tmp_path / "nothing")) is None


# -- summaries, devices, names ---------------------------------------------------------------------------

def test_summary_nodes_are_serialized_protobufs():
    tbx = pytest.importorskip("tensorboardX")
    from tensorboardX.proto.summary_pb2 import Summary

    x = tf.placeholder(tf.float32, [None, 4, 4, 1])
    with tf.name_scope("input"):
        img = tf.summary.image("digits", x, max_outputs=2)
    m = tf.summary.scalar("mean", tf.reduce_mean(x))
    merged = tf.summary.merge_all()
    with tf.Session() as sess:
        s = sess.run(merged, {x: np.random.rand(3, 4, 4, 1)})
    assert isinstance(s, bytes)
    tags = [v.tag for v in Summary.FromString(s).value]
    assert tags == ["input/digits/image/0", "input/digits/image/1", "mean"]
    assert img is not m and tbx is not None


def test_device_and_config_are_accepted(capsys):
    import neuralab.compat.v1.array_ops as A

    A._device_notice["shown"] = False
    with tf.device("/cpu:0"):
        a = tf.constant(1.0)
    with tf.device("/gpu:0"):
        b = a + 1
    with tf.device("/gpu:0"):
        c = b + 1
    err = capsys.readouterr().err
    assert err.count("placing ops on the CPU") == 1
    config = tf.ConfigProto(allow_soft_placement=True, log_device_placement=True)
    config.gpu_options.allow_growth = True
    with tf.Session(config=config) as sess:
        assert sess.run(c) == 3.0


def test_names_follow_scopes():
    with tf.name_scope("layer1") as scope:
        assert scope == "layer1/"
        w = tf.Variable(tf.zeros([2]), name="weight1")
        y = tf.add(w, 1.0)
    assert w.name == "layer1/weight1:0"
    assert y.op.name.startswith("layer1/")
    assert tf.get_default_graph().get_tensor_by_name("layer1/weight1:0") is w
    assert y.name == "layer1/Add:0" and tf.get_default_graph().get_tensor_by_name("layer1/Add:0") is y
    assert tf.get_default_graph().get_operation_by_name("layer1/Add") is y.op and y.op.type == "Add"
    assert str(y) == 'Tensor("layer1/Add:0", shape=(2,), dtype=float32)'
    assert w.op.type == "VariableV2" and [o.name for o in y.op.inputs][0] == "layer1/weight1/read:0"
    assert w.get_shape().as_list() == [2]
    x = tf.placeholder(tf.float32, [None, 784])
    assert x.get_shape().as_list() == [None, 784]


def test_dtypes():
    assert tf.float32 == np.float32 and tf.float32.as_numpy_dtype is np.float32
    assert tf.placeholder(tf.int32).dtype == tf.int32
    assert tf.constant(3).dtype == np.int32 and tf.constant(3.0).dtype == np.float32
    assert tf.cast(tf.constant([1.5]), tf.int64).dtype == tf.int64


def test_unknown_names_raise_a_clear_attribute_error():
    with pytest.raises(AttributeError, match=r"neuralab.compat.v1 does not provide `tf.anything_missing` yet"):
        tf.anything_missing  # noqa: B018
    with pytest.raises(AttributeError, match=r"does not provide `tf.nn.missing` yet"):
        tf.nn.missing  # noqa: B018
    with pytest.raises(AttributeError, match=r"does not provide `tf.contrib.whatever` yet"):
        tf.contrib.whatever  # noqa: B018
    assert not hasattr(tf.train, "SyncReplicasOptimizer")
    assert isinstance(tf.NotProvidedError("x"), AttributeError)


def test_runner_maps_tensorflow_only_inside(tmp_path, capsys):
    import sys

    from neuralab.compat.v1.runner import run_script

    script = tmp_path / "s.py"
    script.write_text(
        "import sys\nimport tensorflow as tf\nimport tensorflow.compat.v1 as tf1\n"
        "from tensorflow.contrib.layers import fully_connected\n"
        "from tensorflow.examples.tutorials.mnist import input_data\n"
        "print(tf is tf1, callable(fully_connected), hasattr(input_data, 'read_data_sets'), sys.argv[1:])\n"
        "try:\n    import tensorflow.python.keras\nexcept ImportError as e:\n    print(e)\n")
    run_script(script, ["a", 1])
    out = capsys.readouterr().out
    assert "True True True ['a', '1']" in out
    assert "does not provide `tensorflow.python" in out
    assert not any(k == "tensorflow" or k.startswith("tensorflow.") for k in sys.modules)


# -- MNIST input_data -------------------------------------------------------------------------------------

def test_next_batch_epoch_semantics():
    from neuralab.compat.v1.examples.tutorials.mnist.input_data import DataSet

    x = np.arange(10, dtype=np.float32).reshape(10, 1)
    ds = DataSet(x, np.arange(10), seed=0)
    a, _ = ds.next_batch(4)
    b, _ = ds.next_batch(4)
    c, lc = ds.next_batch(4)  # 2 left in the epoch + 2 from a freshly shuffled one
    first_epoch = np.concatenate([a[:, 0], b[:, 0], c[:2, 0]])
    assert sorted(first_epoch.tolist()) == list(range(10))
    assert ds.epochs_completed == 1
    d, _ = ds.next_batch(8)
    second_epoch = np.concatenate([c[2:, 0], d[:, 0]])
    assert sorted(second_epoch.tolist()) == list(range(10))
    np.testing.assert_array_equal(c[:, 0], lc)  # images and labels shuffled together
    assert ds.num_examples == 10


def test_read_data_sets_split_and_formats(tmp_path):
    from neuralab.compat.v1.examples.tutorials.mnist import input_data
    from neuralab.data import write_idx

    rng = np.random.default_rng(0)
    write_idx(tmp_path / "train-images-idx3-ubyte.gz", rng.integers(0, 256, (50, 28, 28)))
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", np.arange(50) % 10)
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", rng.integers(0, 256, (20, 28, 28)))
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.arange(20) % 10)
    with pytest.warns(UserWarning, match="not the official"):
        m = input_data.read_data_sets(str(tmp_path), one_hot=True, validation_size=10)
    assert m.train.num_examples == 40 and m.validation.num_examples == 10 and m.test.num_examples == 20
    assert m.train.images.shape == (40, 784) and m.train.images.dtype == np.float32
    assert 0.0 <= m.train.images.min() and m.train.images.max() <= 1.0
    assert m.validation.labels[:3].argmax(1).tolist() == [0, 1, 2]  # validation = the first images
    assert m.train.labels[0].argmax() == 0 and m.train.labels.shape == (40, 10)
    with pytest.warns(UserWarning):
        m2 = input_data.read_data_sets(str(tmp_path), validation_size=0, reshape=False)
    assert m2.train.images.shape == (50, 28, 28, 1) and m2.train.labels.dtype == np.uint8


def test_control_dependencies_do_not_leak_into_initializers():
    x = tf.placeholder(tf.float32, [None, 2])
    y = tf.layers.batch_normalization(x, training=True)
    loss = tf.reduce_mean(tf.square(y))
    with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)):
        step = tf.train.get_or_create_global_step()
        train = tf.train.AdamOptimizer(0.1).minimize(loss, global_step=step)
    mm = [v for v in tf.global_variables() if v.op.name.endswith("moving_mean")][0]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())  # needs no feed: the slots' init waits for nothing
        sess.run(train, {x: [[1.0, 2.0], [3.0, 4.0]]})
        np.testing.assert_allclose(sess.run(mm), [0.02, 0.03], rtol=1e-5)  # momentum 0.99: the update ran
        assert sess.run(step) == 1


def test_graph_as_default_and_session_graph():
    g = tf.Graph()
    with g.as_default():
        c = tf.constant(2.0) * 3
        v = tf.Variable(1.0)
        init = tf.global_variables_initializer()
    assert tf.get_default_graph() is not g and not tf.global_variables()
    with tf.Session(graph=g) as sess:
        assert sess.graph is g
        sess.run(init)
        assert sess.run(c) == 6.0 and sess.run(v) == 1.0
    other = tf.constant(1.0) + tf.placeholder(tf.float32)
    with tf.Session(graph=g) as sess:
        with pytest.raises(ValueError, match="not an element of this graph"):
            sess.run(other)


def test_adapter_nodes_are_not_registered_primitives():
    assert not [k for k, v in nl.REGISTRY.items() if v.__module__.startswith("neuralab.compat")]


def test_variable_load_and_eval_with_explicit_session():
    v = tf.Variable(tf.zeros([2]))
    sess = tf.Session()
    v.load([3.0, 4.0], sess)
    assert v.eval(session=sess).tolist() == [3.0, 4.0]
    assert (v * 2).eval(session=sess).tolist() == [6.0, 8.0]


def test_more_losses_and_layer_helpers():
    logits = tf.placeholder(tf.float32, [2, 3])
    onehot = np.array([[1, 0, 0], [0, 1, 0]], np.float32)
    z = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3]], np.float32)
    xent = tf.losses.softmax_cross_entropy(onehot, logits)
    sig = tf.losses.sigmoid_cross_entropy(onehot, logits)
    training = tf.placeholder(tf.bool)
    drop = tf.layers.dropout(logits, rate=0.5, training=training)
    biased = tf.nn.bias_add(logits, tf.constant([1.0, 2.0, 3.0]))
    pooled = tf.nn.avg_pool(tf.reshape(logits, [1, 2, 3, 1]), ksize=[1, 2, 1, 1], strides=[1, 2, 1, 1],
                            padding="VALID")
    lsm = z - np.log(np.exp(z).sum(1, keepdims=True))
    with tf.Session() as sess:
        feed = {logits: z, training: False}
        assert sess.run(xent, feed) == pytest.approx(-(onehot * lsm).sum(1).mean(), rel=1e-5)
        want_sig = (np.maximum(z, 0) - z * onehot + np.log1p(np.exp(-np.abs(z)))).mean()
        assert sess.run(sig, feed) == pytest.approx(want_sig, rel=1e-5)
        np.testing.assert_array_equal(sess.run(drop, feed), z)  # training=False: identity
        out = sess.run(drop, {logits: z, training: True})
        assert set(np.unique(out[out != 0] / z[out != 0]).round(5)) <= {2.0}
        np.testing.assert_allclose(sess.run(biased, feed), z + [1, 2, 3])
        np.testing.assert_allclose(sess.run(pooled, feed).reshape(3), z.mean(0), rtol=1e-6)
