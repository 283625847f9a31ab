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


def test_reduce_mean_of_integers_keeps_the_dtype_and_truncates():
    """TF: tf.reduce_mean([1, 2]) is the int32 1 (the tensor-manipulation lab's "integer mean"), -1.5 -> -1."""
    means = [tf.reduce_mean([1, 2]), tf.reduce_mean([-1, -2]), tf.reduce_mean([[1, 2], [4, 4]], axis=1),
             tf.reduce_mean(tf.constant([250, 251], tf.uint8)), tf.reduce_mean([1.0, 2.0])]
    assert [m.dtype.name for m in means] == ["int32", "int32", "int32", "uint8", "float32"]
    with tf.Session() as sess:
        got = sess.run(means)
    assert got[0] == 1 and got[1] == -1 and got[2].tolist() == [1, 4] and got[3] == 250 and got[4] == 1.5
    assert str(means[4]).startswith('Tensor("Mean')


def test_gather_along_any_axis_with_the_scatter_add_gradient():
    """tf.gather (the adapter's own error messages recommend it): TF's shapes and values, repeated indices add."""
    x = np.arange(24, dtype=np.float32).reshape(2, 4, 3)
    p = tf.placeholder(tf.float32, [None, 4, 3])
    rows = tf.gather(p, [1, 0])
    cols = tf.gather(p, tf.constant([[2, 0], [1, 1]]), axis=1)
    last = tf.gather(p, [2], axis=-1)
    assert str(rows) == 'Tensor("GatherV2:0", shape=(2, 4, 3), dtype=float32)'
    assert cols.get_shape().as_list() == [None, 2, 2, 3] and last.get_shape().as_list() == [None, 4, 1]
    grad = tf.gradients(tf.reduce_sum(cols), p)[0]
    with tf.Session() as sess:
        a, b, c, g = sess.run([rows, cols, last, grad], {p: x})
    np.testing.assert_array_equal(a, x[[1, 0]])
    np.testing.assert_array_equal(b, np.take(x, [[2, 0], [1, 1]], axis=1))
    np.testing.assert_array_equal(c, x[..., [2]])
    np.testing.assert_array_equal(g[0, :, 0], [1, 2, 1, 0])  # column 1 taken twice, 3 never
    with pytest.raises(NotImplementedError, match="batch_dims"):
        tf.gather(p, [0], batch_dims=1)
    with pytest.raises(TypeError, match="integer"):
        tf.gather(p, [0.5])


def test_minimize_names_the_train_op_as_tf_does():
    """The train op is named ``name`` (default: the optimizer's name), so get_operation_by_name("train") finds it."""
    x = tf.placeholder(tf.float32, [None, 2], name="x")
    w = tf.Variable([[1.0, 2.0], [0.5, 1.0]], name="w")
    loss = tf.reduce_sum(tf.matmul(x, w))
    step = tf.train.get_or_create_global_step()
    named = tf.train.GradientDescentOptimizer(0.1).minimize(loss, name="train")
    adam = tf.train.AdamOptimizer(0.1).minimize(loss)
    adam_again = tf.train.AdamOptimizer(0.1).minimize(loss, global_step=step)
    assert (named.name, adam.name, adam_again.name) == ("train", "Adam", "Adam_1")  # TF 2.21's names
    assert tf.get_default_graph().get_operation_by_name("train") is not None
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run("train", {x: [[1.0, 1.0]]})  # a fetch by the op's name
        sess.run(adam_again, {x: [[1.0, 1.0]]})
        np.testing.assert_allclose(sess.run(w)[0], [1.0 - 0.1 - 0.1, 2.0 - 0.1 - 0.1], rtol=1e-5)
        assert sess.run(step) == 1


def test_summary_iterator_reads_back_what_the_file_writer_wrote(tmp_path):
    """tf.train.summary_iterator (the TensorBoard program reads its own log): the file-version event first, then one
    event per add_summary with its step and the merged values; TF's reader gives the same on this writer's files."""
    pytest.importorskip("tensorboardX")
    x = tf.placeholder(tf.float32, [])
    tf.summary.scalar("loss", x)
    tf.summary.histogram("w", tf.constant([1.0, 2.0, 3.0]))
    merged = tf.summary.merge_all()
    writer = tf.summary.FileWriter(str(tmp_path / "run"))
    with tf.Session() as sess:
        for step in range(3):
            writer.add_summary(sess.run(merged, {x: 0.5 * step}), step)
    writer.close()
    (path,) = (tmp_path / "run").iterdir()
    events = list(tf.train.summary_iterator(str(path)))
    assert events[0].file_version == "brain.Event:2" and len(events) == 4
    assert [e.step for e in events[1:]] == [0, 1, 2]
    assert [[v.tag for v in e.summary.value] for e in events[1:]] == [["loss", "w"]] * 3
    assert [e.summary.value[0].simple_value for e in events[1:]] == [0.0, 0.5, 1.0]
    assert events[1].summary.value[1].histo.num == 3 and events[1].summary.value[1].histo.sum == 6.0

    data = path.read_bytes()
    cut = tmp_path / "truncated"
    cut.write_bytes(data[:-3])  # the last record loses the end of its checksum
    with pytest.raises(tf.errors.DataLossError, match="byte"):
        list(tf.train.summary_iterator(str(cut)))
    bad = bytearray(data)
    bad[20] ^= 0xFF  # a byte of the first record's data
    (tmp_path / "corrupt").write_bytes(bytes(bad))
    with pytest.raises(tf.errors.DataLossError, match="checksum"):
        next(tf.train.summary_iterator(str(tmp_path / "corrupt")))
    lazy = tf.train.summary_iterator(str(tmp_path / "missing"))  # a generator, as TF's: the error comes on next()
    with pytest.raises(tf.errors.NotFoundError, match="missing"):
        next(lazy)
