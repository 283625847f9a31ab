"""The adapter's thin types: TF names, reprs, shapes, lookups, and that neuralab's own classes stay untouched."""
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import neuralab as nl
import neuralab.compat.v1 as tf
from neuralab.compat.v1 import _types, runner


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    yield


def test_importing_compat_does_not_patch_neuralab_classes():
    code = textwrap.dedent("""
        import neuralab as nl
        from neuralab._core.graph import Graph
        from neuralab._core.op import Op
        before = {c: set(vars(c)) for c in (nl.Tensor, Op, Graph)}
        import neuralab.compat.v1 as tf
        x = tf.placeholder(tf.float32, [None, 2]); y = tf.nn.relu(tf.matmul(x, tf.Variable(tf.ones([2, 1]))))
        after = {c: set(vars(c)) for c in (nl.Tensor, Op, Graph)}
        assert before == after, {c.__name__: after[c] - before[c] for c in before}
        assert not hasattr(nl.Tensor, "get_shape") and not hasattr(nl.Tensor, "eval") and not hasattr(Op, "run")
        print("clean")
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "clean" in out.stdout


def test_tensor_names_and_printing_follow_tf():
    x = tf.placeholder(tf.float32, [None, 2], name="X")
    with tf.name_scope("layer1"):
        w = tf.Variable(tf.random_normal([2, 7]), name="weight1")
        h = tf.sigmoid(tf.matmul(x, w) + 1.0)
    assert x.name == "X:0" and str(x) == 'Tensor("X:0", shape=(?, 2), dtype=float32)'
    assert h.name == "layer1/Sigmoid:0"
    assert str(h) == 'Tensor("layer1/Sigmoid:0", shape=(?, 7), dtype=float32)'
    assert repr(h) == "<tf.Tensor 'layer1/Sigmoid:0' shape=(?, 7) dtype=float32>"
    assert h.op.type == "Sigmoid" and h.op.name == "layer1/Sigmoid"
    assert repr(w) == "<tf.Variable 'layer1/weight1:0' shape=(2, 7) dtype=float32_ref>"
    s = tf.add(x, x, name="total")
    assert s.name == "total:0"
    vals, idx = _types.wrap(nl.top_k(x._nl, 1))  # a two-output op: "<name>:0" and "<name>:1"
    assert vals.name == "TopKV2:0" and idx.name == "TopKV2:1" and vals.op is idx.op
    g = tf.get_default_graph()
    assert g.get_tensor_by_name("X:0") is x and g.get_tensor_by_name("layer1/Sigmoid:0") is h
    assert g.get_operation_by_name("layer1/Sigmoid") is h.op
    assert g.get_tensor_by_name("layer1/weight1:0") is w
    with pytest.raises(KeyError, match="does not exist"):
        g.get_tensor_by_name("nope:0")
    with pytest.raises(ValueError, match="Operation name"):
        g.get_tensor_by_name("X")
    assert h in [h] and h != x and len({h, h, x}) == 2  # identity semantics, hashable


def test_shapes_are_tensorshapes_of_dimensions():
    x = tf.placeholder(tf.float32, [None, 28, 28, 1])
    s = x.get_shape()
    assert isinstance(s, tf.TensorShape) and x.shape == s
    assert s.as_list() == [None, 28, 28, 1] and s.ndims == 4 and not s.is_fully_defined()
    assert s[1].value == 28 and int(s[1]) == 28 and s[0].value is None and isinstance(s[1], tf.Dimension)
    assert s[1:].as_list() == [28, 28, 1] and s[1:].num_elements() == 784 and s.num_elements() is None
    assert str(s) == "(?, 28, 28, 1)" and repr(s[0]) == "Dimension(None)"
    dim = s[1] * s[2] * s[3]
    flat = tf.reshape(x, [-1, dim])  # Dimensions in a shape list
    assert flat.get_shape().as_list() == [None, 784]
    assert flat.shape[1] == 784 and (s[0] == 5) is None
    u = tf.placeholder(tf.float32)
    assert u.shape.ndims is None and str(u.shape) == "<unknown>"
    with pytest.raises(ValueError, match="unknown"):
        u.shape.as_list()
    x.set_shape([None, 28, 28, 1])
    with pytest.raises(ValueError):
        x.set_shape([None, 27, 28, 1])
    y = tf.placeholder(tf.float32, [None, None])
    y.set_shape([5, None])
    assert y.shape.as_list() == [5, None]


def test_graph_tensors_refuse_bool_and_iteration():
    x = tf.placeholder(tf.float32, [3])
    with pytest.raises(TypeError, match="Python `bool`"):
        if x:
            pass
    with pytest.raises(TypeError, match="only iterable when eager"):
        for _ in x:
            pass
    with pytest.raises(NotImplementedError, match="symbolic Tensor"):
        np.asarray(x)


def test_lists_of_tensors_are_packed():
    a = tf.constant([1.0, 2.0])
    b = tf.placeholder(tf.float32, [2])
    total = tf.reduce_sum([a, b])
    sg = tf.stop_gradient([a * 2.0])
    c = tf.convert_to_tensor([[1.0, b[0]], [3.0, 4.0]])
    with tf.Session() as sess:
        t, s, cv = sess.run([total, sg, c], {b: [10.0, 20.0]})
    assert t == 33.0 and s.shape == (1, 2) and cv.tolist() == [[1.0, 10.0], [3.0, 4.0]]


@pytest.mark.parametrize("shape", [None, [None, None], [None, 3]])
def test_unknown_shapes_train_like_known_ones(shape):
    rng = np.random.default_rng(0)
    xv = rng.normal(size=(8, 3)).astype(np.float32)
    yv = (xv @ np.array([[1.0], [-2.0], [0.5]], np.float32) + 0.3).astype(np.float32)
    results = []
    for shp in (shape, [None, 3]):
        tf.reset_default_graph()
        tf.set_random_seed(3)
        X = tf.placeholder(tf.float32, shp)
        Y = tf.placeholder(tf.float32, None if shp is None else [None, 1])
        W = tf.Variable(tf.random_normal([3, 1]))
        b = tf.Variable(tf.zeros([1]))
        h = tf.matmul(X, W) + b
        cost = tf.reduce_mean(tf.square(h - Y))
        train = tf.train.GradientDescentOptimizer(0.1).minimize(cost)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for _ in range(50):
                sess.run(train, {X: xv, Y: yv})
            results.append(sess.run([cost, W, b], {X: xv, Y: yv}))
    for a, b_ in zip(*results):
        np.testing.assert_allclose(a, b_, rtol=1e-5, atol=1e-6)
    assert results[0][0] < 1e-2


def test_broadcast_of_two_unknown_sizes_sums_the_gradient_back():
    # (None, None) * (None, None) fed (4, 3) and (4, 1): the gradient of y must be summed over axis 1
    x = tf.placeholder(tf.float32, [None, None])
    y = tf.placeholder(tf.float32, [None, None])
    (gy,) = tf.gradients(tf.reduce_sum(x * y), [y])
    xv = np.arange(12, dtype=np.float32).reshape(4, 3)
    with tf.Session() as sess:
        g = sess.run(gy, {x: xv, y: np.ones((4, 1), np.float32)})
    np.testing.assert_array_equal(g, xv.sum(1, keepdims=True))


def test_gan_style_reuse_finds_the_same_variables():
    def disc(x, reuse=None):
        with tf.variable_scope("disc", reuse=reuse):
            h = tf.layers.dense(x, 4, activation=tf.nn.relu)
            return tf.layers.dense(h, 1)

    real = tf.placeholder(tf.float32, [None, 3])
    fake = tf.placeholder(tf.float32, [None, 3])
    d_real = disc(real)
    d_fake = disc(fake, reuse=True)
    names = [v.op.name for v in tf.trainable_variables()]
    assert names == ["disc/dense/kernel", "disc/dense/bias", "disc/dense_1/kernel", "disc/dense_1/bias"]

    with tf.variable_scope("disc2") as scope:
        a = tf.layers.dense(real, 2, name="fc")
        scope.reuse_variables()
        b = tf.layers.dense(fake, 2, name="fc")
    with tf.variable_scope("disc3", reuse=tf.AUTO_REUSE):
        c = tf.layers.dense(real, 2)
    with tf.variable_scope("disc3", reuse=tf.AUTO_REUSE):
        d = tf.layers.dense(fake, 2)
    assert len(tf.trainable_variables()) == 4 + 2 + 2
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        v = np.ones((2, 3), np.float32)
        r, f, av, bv, cv, dv = sess.run([d_real, d_fake, a, b, c, d], {real: v, fake: v})
    np.testing.assert_array_equal(r, f)
    np.testing.assert_array_equal(av, bv)
    np.testing.assert_array_equal(cv, dv)


def test_sessions_keep_their_own_values():
    v = tf.Variable(1.0)
    inc = tf.assign_add(v, 1.0)
    s1, s2 = tf.Session(), tf.Session()
    s1.run(tf.global_variables_initializer())
    with pytest.raises(tf.errors.FailedPreconditionError, match="uninitialized value Variable"):
        s2.run(v)
    s2.run(v.initializer)
    s1.run(inc)
    s1.run(inc)
    assert s1.run(v) == 3.0 and s2.run(v) == 1.0
    s1.close()
    with pytest.raises(RuntimeError, match="closed Session"):
        s1.run(v)


def test_operations_and_collections_are_tf_objects():
    x = tf.placeholder(tf.float32, [None, 2])
    y = tf.layers.dense(x, 3, name="fc")
    init = tf.global_variables_initializer()
    assert isinstance(init, tf.Operation) and init.type == "NoOp" and repr(init) == "<tf.Operation 'init' type=NoOp>"
    ops = tf.get_default_graph().get_operations()
    assert all(isinstance(o, tf.Operation) for o in ops) and y.op in ops
    assert {"fc/kernel", "fc/bias"} <= {v.op.name for v in tf.global_variables()}
    assert [t.name for t in y.op.inputs][1] == "fc/bias/read:0"


def test_missing_modules_and_names_say_what_is_missing(tmp_path):
    script = tmp_path / "imports.py"
    script.write_text(textwrap.dedent("""
        import tensorflow as tf
        from tensorflow.examples.tutorials.mnist import input_data
        import tensorflow.contrib.layers as layers
        msgs = []
        try:
            from tensorflow.contrib import no_such_module
        except ImportError as e:
            msgs.append(str(e))
        try:
            import tensorflow.no_such_module
        except ImportError as e:
            msgs.append(str(e))
        try:
            tf.no_such_function
        except AttributeError as e:
            msgs.append(str(e))
        RESULT = msgs
    """))
    g = runner.run_script(script)
    assert g["RESULT"] == ["neuralab.compat.v1 does not provide `tensorflow.contrib.no_such_module` yet",
                           "neuralab.compat.v1 does not provide `tensorflow.no_such_module` yet",
                           "neuralab.compat.v1 does not provide `tf.no_such_function` yet"]
    assert "tensorflow" not in sys.modules


def test_compat_tensors_go_into_native_functions():
    x = tf.placeholder(tf.float32, [None, 2])
    y = nl.functional.relu(x)  # a native function takes a tf.Tensor (it stands for a neuralab tensor)
    out = nl.run(y, {x: [[-1.0, 2.0]]})
    np.testing.assert_array_equal(out, [[0.0, 2.0]])


def test_op_type_is_tfs_where_neuralab_composes_the_op():
    """tf.nn.relu is neuralab's maximum(0, x); TF (and programs that filter get_operations() by type) call it Relu."""
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, [None, 3])
    ops = {f.__name__: f(x).op for f in (tf.nn.relu, tf.nn.relu6, tf.nn.softmax, tf.sigmoid)}
    assert {k: o.type for k, o in ops.items()} == {"relu": "Relu", "relu6": "Relu6", "softmax": "Softmax",
                                                   "sigmoid": "Sigmoid"}
    named = tf.nn.relu(x, name="hidden")
    assert named.op.type == "Relu" and named.name == "hidden:0"
    assert tf.matmul(x, tf.ones([3, 2])).op.type == "MatMul"
    assert [o.name for o in tf.get_default_graph().get_operations() if o.type == "Relu"] == ["Relu", "hidden"]
