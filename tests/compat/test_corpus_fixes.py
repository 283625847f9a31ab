"""Regression tests for what the TF 1.x corpus (tests/compat/corpus/) found wrong in neuralab.compat.v1.

Each test states TF 1.x's behaviour (checked by hand against TensorFlow 2.21's compat.v1 with
``disable_v2_behavior()``) on the smallest program that showed the difference.
"""
import numpy as np
import pytest

import neuralab.compat.v1 as tf


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    yield
    tf.reset_default_graph()


def test_str_of_a_tensor_of_unknown_rank_leaves_the_shape_out():
    a = tf.placeholder(tf.float32)
    assert str(a) == 'Tensor("Placeholder:0", dtype=float32)'
    assert repr(a) == "<tf.Tensor 'Placeholder:0' shape=<unknown> dtype=float32>"  # repr keeps it, as TF's
    b = tf.placeholder(tf.float32, [None, 3])
    assert str(b) == 'Tensor("Placeholder_1:0", shape=(?, 3), dtype=float32)'


def test_string_tensors_are_fetched_as_bytes():
    with tf.Session() as sess:
        hello = sess.run(tf.constant("Hello, TensorFlow!"))
        words = sess.run(tf.constant(["a", "bc"]))
    assert hello == b"Hello, TensorFlow!" and type(hello) is bytes
    assert words.dtype == object and words.tolist() == [b"a", b"bc"]


def test_gradient_descent_built_after_the_initializer_needs_no_initialization():
    """TF's GradientDescentOptimizer makes no slot variables, so it runs without another initializer."""
    w = tf.Variable(3.0)
    sess = tf.Session()
    sess.run(tf.global_variables_initializer())
    step = tf.train.GradientDescentOptimizer(0.25).minimize(tf.square(w))
    sess.run(step)
    assert sess.run(w) == pytest.approx(3.0 - 0.25 * 6.0)
    adam = tf.train.AdamOptimizer(0.1).minimize(tf.square(w))  # Adam has slots: TF refuses, so do we
    with pytest.raises(tf.errors.FailedPreconditionError):
        sess.run(adam)


def test_softmax_cross_entropy_labels_of_another_rank_with_the_same_rows():
    """``labels=tf.stop_gradient([y_one_hot])`` (shape (1, n, c)) against logits (n, c): TF flattens both."""
    logits = tf.placeholder(tf.float32, [None, 3])
    y = tf.placeholder(tf.float32, [None, 3])
    loss = tf.nn.softmax_cross_entropy_with_logits_v2(logits=logits, labels=tf.stop_gradient([y]))
    assert loss.get_shape().as_list() == [None]
    lg = np.array([[1, 2, 3], [0, 0, 1]], np.float32)
    ys = np.array([[0, 0, 1], [1, 0, 0]], np.float32)
    with tf.Session() as sess:
        got = sess.run(loss, {logits: lg, y: ys})
    want = -np.sum(ys * (lg - np.log(np.exp(lg).sum(1, keepdims=True))), axis=1)
    np.testing.assert_allclose(got, want, rtol=1e-6)  # 0.40760595, 1.5514448 on TF 2.21


def test_runner_closes_what_a_program_leaves_open(tmp_path):
    """A program ending with its InteractiveSession open (most tutorials) leaves no default session or graph."""
    from neuralab._core import graph as core_graph
    from neuralab.compat.v1.runner import run_script

    script = tmp_path / "left_open.py"
    script.write_text("import tensorflow as tf\nsess = tf.InteractiveSession()\nv = tf.Variable(1.0, name='left')\n"
                      "tf.global_variables_initializer().run()\n")
    before = len(core_graph._stack.graphs)
    g = run_script(script)
    assert g["sess"]._closed
    assert tf.get_default_session() is None and len(core_graph._stack.graphs) == before
    tf.reset_default_graph()
    assert [v.name for v in tf.global_variables()] == []


def test_runner_restores_the_logging_verbosity(tmp_path, capsys):
    from neuralab.compat.v1.runner import run_script

    script = tmp_path / "quiet.py"
    script.write_text("import tensorflow as tf\ntf.logging.set_verbosity(tf.logging.ERROR)\n"
                      "tf.logging.warning('hidden')\n")
    before = tf.logging.get_verbosity()
    run_script(script)
    assert tf.logging.get_verbosity() == before
    assert "hidden" not in capsys.readouterr().err
