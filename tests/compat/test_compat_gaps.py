"""The TF 1.x ops tutorials use that compat.v1 lacked: masks, N-d gather/scatter, unique, segment ops, tf.range
with run-time bounds, tf.cond/tf.case, tf.map_fn and tf.while_loop (unrolled).

Expected values are NumPy closed forms, or arrays (and printed names) checked by
hand against TensorFlow 2.21's ``tf.compat.v1`` with ``disable_v2_behavior()``
(noted where so). The native ops' float64 gradchecks, eager == graph ==
compiled and error records are in ``neuralab/testing/records_masking.py`` (run
by tests/ops/test_opinfo.py); here: graph mode with unknown sizes and unknown
rank, gradients through ``tf.gradients`` against NumPy, named errors, and four
tutorial-style programs run through the runner.
"""
import os
import re

import numpy as np
import pytest

import neuralab as nl
import neuralab.compat.v1 as tf
from neuralab.compat.v1.control_flow import StatefulBranchError
from neuralab.compat.v1.runner import run_script
from neuralab.ops.indexing import IndexRangeError
from neuralab.testing import gradcheck

SCRIPTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "scripts")


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    yield
    tf.reset_default_graph()


def _run(fetches, feed=None):
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        return sess.run(fetches, feed)


# ---------------------------------------------------------------------------------------
# native ops: graph mode with unknown sizes / rank, gradients, errors
# ---------------------------------------------------------------------------------------

def test_native_sequence_mask_maxlen_at_run_time_and_unknown_rank():
    lengths = np.array([[1, 3], [0, 2]])
    want = np.arange(3) < lengths[..., None]
    with nl.Graph().as_default():
        for shape in ((None, None), None):
            p = nl.placeholder(shape, np.int64)
            m = nl.sequence_mask(p)
            assert m.shape == (None if shape is None else (None, None, None))
            np.testing.assert_array_equal(nl.run(m, {p: lengths}), want)
        p = nl.placeholder((None,), np.int32)
        n = nl.placeholder((), np.int32)
        f = nl.sequence_mask(p, n, dtype=np.float32)
        assert f.dtype == np.float32
        np.testing.assert_array_equal(nl.run(f, {p: [2, 0], n: 4}), [[1, 1, 0, 0], [0, 0, 0, 0]])
    with pytest.raises(nl.DTypeError, match="sequence_mask.*lengths.*float"):
        nl.sequence_mask(np.array([1.0]))


def test_native_boolean_mask_unknown_sizes_and_gradient():
    x = np.arange(12.0).reshape(3, 4)
    mask = np.array([True, False, True])
    w = np.array([[1.0, 2, 3, 4], [5, 6, 7, 8]])
    with nl.Graph().as_default():
        px, pm = nl.placeholder((None, None), np.float64), nl.placeholder((None,), np.bool_)
        y = nl.boolean_mask(px, pm)
        assert y.shape == (None, None)
        (g,) = nl.gradients(nl.sum(y * nl.tensor(w)), [px])
        got, grad = nl.run([y, g], {px: x, pm: mask})
    np.testing.assert_array_equal(got, x[mask])
    expected = np.zeros_like(x)
    expected[mask] = w
    np.testing.assert_array_equal(grad, expected)
    # a 2-D mask at axis 1 of a 3-D tensor: float64 gradcheck of the op itself
    m2 = np.array([[True, False], [True, True]])
    gradcheck(lambda t: nl.boolean_mask(t, m2, axis=1), [np.random.default_rng(0).standard_normal((3, 2, 2, 2))])
    with pytest.raises(nl.ShapeError, match=r"boolean_mask.*\(2,\).*\(3, 4\)"):
        nl.boolean_mask(nl.tensor(x), np.array([True, False]))


def test_native_gather_nd_scatter_nd_unknown_sizes_gradients_and_range_errors():
    p = np.arange(24.0).reshape(4, 3, 2)
    idx = np.array([[3, 0], [1, 2], [3, 0]])
    with nl.Graph().as_default():
        pp, pi = nl.placeholder((None, None, 2), np.float64), nl.placeholder((None, 2), np.int64)
        y = nl.gather_nd(pp, pi)
        assert y.shape == (None, 2)
        (g,) = nl.gradients(nl.sum(y * y), [pp])
        got, grad = nl.run([y, g], {pp: p, pi: idx})
        np.testing.assert_array_equal(got, p[idx[:, 0], idx[:, 1]])
        want = np.zeros_like(p)
        np.add.at(want, (idx[:, 0], idx[:, 1]), 2 * p[idx[:, 0], idx[:, 1]])  # repeated [3, 0]: the sum
        np.testing.assert_array_equal(grad, want)
        with pytest.raises(IndexRangeError, match=r"gather_nd: index \[4, 0\].*\(4, 3, 2\)"):
            nl.run(y, {pp: p, pi: [[4, 0]]})
        # scatter_nd into a shape known only at run time
        shp = nl.placeholder((2,), np.int64)
        u = nl.placeholder((None,), np.float64)
        s = nl.scatter_nd(nl.placeholder((None, 2), np.int64), u, shp)
        assert s.shape == (None, None)
    np.testing.assert_array_equal(nl.scatter_nd([[1], [1], [3]], nl.tensor([1.0, 2.0, 3.0]), (5,)).numpy(),
                                  [0, 3, 0, 3, 0])  # TF 2.21: [0. 3. 0. 3. 0.]
    gradcheck(lambda u: nl.scatter_nd(np.array([[0, 1], [0, 1], [2, 0]]), u, (3, 2)),
              [np.random.default_rng(1).standard_normal(3)])


def test_native_unique_and_segments_in_graph_mode():
    with nl.Graph().as_default():
        x = nl.placeholder((None,), np.int32)
        y, idx = nl.unique(x)
        assert y.shape == (None,) and idx.dtype == np.int32
        vy, vi = nl.run([y, idx], {x: [1, 1, 2, 4, 4, 4, 7, 8, 8]})
    np.testing.assert_array_equal(vy, [1, 2, 4, 7, 8])  # TF 2.21's tf.unique
    np.testing.assert_array_equal(vi, [0, 0, 1, 2, 2, 2, 3, 4, 4])
    data = np.array([[1.0, 2], [3, 1], [5, 5]])
    with nl.Graph().as_default():
        d, s = nl.placeholder((None, 2), np.float64), nl.placeholder((None,), np.int64)
        outs = [nl.segment_sum(d, s), nl.segment_mean(d, s), nl.segment_max(d, s)]
        assert all(o.shape == (None, 2) for o in outs)
        got = nl.run(outs, {d: data, s: [0, 0, 2]})
        with pytest.raises(IndexRangeError, match="segment_sum: segment ids are not increasing"):
            nl.run(outs[0], {d: data, s: [0, 2, 1]})
    np.testing.assert_array_equal(got[0], [[4, 3], [0, 0], [5, 5]])
    np.testing.assert_array_equal(got[1], [[2, 1.5], [0, 0], [5, 5]])  # TF 2.21: empty segment -> 0
    np.testing.assert_array_equal(got[2], [[3, 2], [0, 0], [5, 5]])
    # segment_max splits the gradient among ties (TF's rule); mean's gradient is 1/count
    t = nl.tensor(np.array([3.0, 3.0, 1.0, 2.0]), requires_grad=True)
    (g,) = nl.gradients(nl.sum(nl.segment_max(t, [0, 0, 0, 1])), [t])
    np.testing.assert_array_equal(g.numpy(), [0.5, 0.5, 0, 1])
    (g,) = nl.gradients(nl.sum(nl.segment_mean(t, [0, 0, 0, 1])), [t])
    np.testing.assert_allclose(g.numpy(), [1 / 3, 1 / 3, 1 / 3, 1])
    # unsorted: negative ids dropped, ids >= num_segments raise
    np.testing.assert_array_equal(nl.unsorted_segment_sum(nl.tensor([1.0, 2, 3, 4]), [0, -1, 2, 0], 3).numpy(),
                                  [5, 0, 3])
    with pytest.raises(IndexRangeError, match=r"unsorted_segment_sum: segment id 5 is out of range \[0, 3\)"):
        nl.unsorted_segment_sum(nl.tensor([1.0, 2.0]), [0, 5], 3)


def test_native_arange_with_run_time_bounds():
    with nl.Graph().as_default():
        n = nl.placeholder((), np.int32)
        r = nl.arange(n)
        assert r.shape == (None,) and r.dtype == np.int32
        np.testing.assert_array_equal(nl.run(r, {n: 4}), [0, 1, 2, 3])
        f = nl.arange(nl.placeholder((), np.float32), 2.0, 0.5)
        assert f.dtype == np.float32
        np.testing.assert_array_equal(nl.run(f, {f._op.inputs[0]: 0.5}), [0.5, 1.0, 1.5])
    with pytest.raises(NotImplementedError, match="tf.cond with a true_fn that returns an Operation"):
        tf.cond(tf.placeholder(tf.bool, []), lambda: tf.no_op(), lambda: tf.no_op())


# ---------------------------------------------------------------------------------------
# compat: TF's names, shapes and values
# ---------------------------------------------------------------------------------------

def test_printed_names_and_shapes_follow_tf():
    """Each expected string is what TF 2.21's compat.v1 prints for the same call."""
    lengths = tf.placeholder(tf.int32, [None])
    assert str(tf.sequence_mask(lengths)) == 'Tensor("SequenceMask/Less:0", shape=(?, ?), dtype=bool)'
    assert str(tf.sequence_mask(tf.placeholder(tf.int32))) == 'Tensor("SequenceMask_1/Less:0", dtype=bool)'
    x = tf.placeholder(tf.float32, [None, 3])
    assert str(tf.boolean_mask(x, tf.placeholder(tf.bool, [None]))) == \
        'Tensor("boolean_mask/GatherV2:0", shape=(?, 3), dtype=float32)'
    assert tf.boolean_mask(x, tf.placeholder(tf.bool, [None, 3])).get_shape().as_list() == [None]
    assert tf.boolean_mask(x, tf.placeholder(tf.bool, [3]), axis=1).get_shape().as_list() == [None, None]
    ind = tf.placeholder(tf.int32, [None, 2])
    assert str(tf.gather_nd(tf.placeholder(tf.float32, [4, 5, 6]), ind)) == \
        'Tensor("GatherNd:0", shape=(?, 6), dtype=float32)'
    assert str(tf.scatter_nd(ind, tf.placeholder(tf.float32, [None]), [4, 5])) == \
        'Tensor("ScatterNd:0", shape=(4, 5), dtype=float32)'
    u = tf.unique(tf.placeholder(tf.int32, [None]))
    assert (u.y.name, u.idx.name, u.y.get_shape().as_list()) == ("Unique:0", "Unique:1", [None])
    d, s = tf.placeholder(tf.float32, [None, 3]), tf.placeholder(tf.int32, [None])
    assert str(tf.unsorted_segment_sum(d, s, 4)) == 'Tensor("UnsortedSegmentSum:0", shape=(4, 3), dtype=float32)'
    assert str(tf.segment_mean(d, s)) == 'Tensor("SegmentMean:0", shape=(?, 3), dtype=float32)'
    assert tf.math.unsorted_segment_sum is tf.unsorted_segment_sum and tf.math.segment_max is tf.segment_max
    p = tf.placeholder(tf.bool, [])
    assert str(tf.cond(p, lambda: x * 2.0, lambda: tf.log(x))) == 'Tensor("cond/Merge:0", shape=(?, 3), dtype=float32)'
    assert tf.cond(p, lambda: x, lambda: x[:, :2]).get_shape().as_list() == [None, None]  # TF merges the shapes


def test_values_in_a_session_match_tf():
    """Arrays printed by TF 2.21 compat.v1 for the same calls."""
    got = _run([tf.sequence_mask([[1, 3], [0, 2]]), tf.sequence_mask([1, 3], 2),
                tf.unique([3.0, 1.0, 3.0]), tf.unsorted_segment_sum([1.0, 2, 3, 4], [0, -1, 2, 0], 3),
                tf.segment_max([[1.0, 2], [3, 1], [5, 5]], [0, 0, 2]), tf.segment_mean([1.0, 3], [1, 1]),
                tf.gather_nd([[1.0, 2], [3, 4]], [[1], [0]]), tf.scatter_nd([[1], [1], [3]], [1.0, 2, 3], [5])])
    np.testing.assert_array_equal(got[0], [[[True, False, False], [True, True, True]],
                                           [[False, False, False], [True, True, False]]])
    np.testing.assert_array_equal(got[1], [[True, False], [True, True]])
    np.testing.assert_array_equal(got[2].y, [3.0, 1.0])
    assert got[2].idx.dtype == np.int32 and got[2].idx.tolist() == [0, 1, 0]
    np.testing.assert_array_equal(got[3], [5.0, 0.0, 3.0])
    np.testing.assert_array_equal(got[4], [[3, 2], [0, 0], [5, 5]])
    np.testing.assert_array_equal(got[5], [0.0, 2.0])
    np.testing.assert_array_equal(got[6], [[3, 4], [1, 2]])
    np.testing.assert_array_equal(got[7], [0, 3, 0, 3, 0])


def test_run_time_range_and_gather_nd_pairs_rows_with_labels():
    logits = tf.placeholder(tf.float32, [None, 3])
    labels = tf.placeholder(tf.int32, [None])
    n = tf.shape(labels)[0]
    r = tf.range(n)
    assert str(r) == 'Tensor("range:0", shape=(?,), dtype=int32)'
    picked = tf.gather_nd(logits, tf.stack([r, labels], axis=1))
    (g,) = tf.gradients(tf.reduce_sum(picked), [logits])
    lv = np.arange(6, dtype=np.float32).reshape(2, 3)
    got, grad = _run([picked, g], {logits: lv, labels: [2, 0]})
    np.testing.assert_array_equal(got, [2.0, 3.0])
    np.testing.assert_array_equal(grad, [[0, 0, 1], [1, 0, 0]])


def test_gradients_through_masks_and_segments_match_numpy():
    x = tf.placeholder(tf.float64, [None, None])
    m = tf.placeholder(tf.bool, [None])
    ids = tf.placeholder(tf.int32, [None])
    xv = np.array([[1.0, -2.0], [3.0, 4.0], [0.5, 2.0]])
    loss = (tf.reduce_sum(tf.square(tf.boolean_mask(x, m))) + tf.reduce_sum(tf.segment_max(x, ids))
            + tf.reduce_sum(tf.unsorted_segment_sum(x, ids, 2) * [[1.0, 2.0], [3.0, 4.0]]))
    (g,) = tf.gradients(loss, [x])
    grad = _run(g, {x: xv, m: [True, False, True], ids: [0, 0, 1]})
    want = 2 * xv * np.array([[1], [0], [1]])                       # d sum(masked^2)
    want += np.array([[0, 0], [1, 1], [1, 1]])                      # d segment_max: rows 1 and 2 are the maxima
    want += np.array([[1, 2], [1, 2], [3, 4]])                      # d unsorted_segment_sum . w
    np.testing.assert_allclose(grad, want)


def test_unknown_rank_placeholders_keep_dtypes_and_gradients():
    """tf.placeholder(dtype) without a shape (the tutorials' style) through every op and its gradient."""
    x, i = tf.placeholder(tf.float32), tf.placeholder(tf.int32)
    m = tf.placeholder(tf.bool, [None])
    outs = [tf.boolean_mask(x, m), tf.segment_mean(x, i), tf.segment_max(x, i), tf.unsorted_segment_sum(x, i, 3),
            tf.scatter_nd(tf.placeholder(tf.int32), tf.placeholder(tf.float32), tf.placeholder(tf.int32)),
            tf.gather_nd(x, tf.placeholder(tf.int32)), tf.segment_sum(x, i)]
    assert [o.dtype for o in outs] == [tf.float32] * len(outs)
    assert tf.unique(tf.placeholder(tf.float32)).idx.dtype == tf.int32
    assert all(o.get_shape().ndims is None for o in outs[:4])
    (g,) = tf.gradients(sum(tf.reduce_sum(o) for o in outs[:4]), [x])
    xv = np.array([[1.0, 2], [3, 4], [5, 6]], np.float32)
    got = _run(outs[:4] + [g], {x: xv, m: [True, False, True], i: [0, 0, 1]})
    np.testing.assert_array_equal(got[0], xv[[0, 2]])
    np.testing.assert_array_equal(got[1], [[2, 3], [5, 6]])
    np.testing.assert_array_equal(got[3], [[4, 6], [5, 6], [0, 0]])
    np.testing.assert_array_equal(got[4], [[2.5, 2.5], [2.5, 2.5], [4, 4]])  # mask + 1/count + argmax + 1
    (gn,) = tf.gradients(tf.reduce_sum(tf.unsorted_segment_sum(x, i, 2) * [[1.0, 2], [3, 4]]), [x])
    np.testing.assert_array_equal(_run(gn, {x: xv, i: [1, -1, 0]}), [[3, 4], [0, 0], [1, 2]])  # dropped id: 0


def test_named_errors():
    with pytest.raises(ValueError, match="tf.boolean_mask: the number of mask dimensions must be known"):
        tf.boolean_mask(tf.placeholder(tf.float32), tf.placeholder(tf.bool))
    with pytest.raises(TypeError, match="tf.gather_nd: indices must be an integer tensor, got float32"):
        tf.gather_nd([[1.0]], [[0.0]])
    with pytest.raises(ValueError, match=r"scatter_nd: updates of shape \(3,\).*\(2, 1\)"):
        tf.scatter_nd([[0], [1]], [1.0, 2.0, 3.0], [4])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"gather_nd: index \[0, 2\].*\(2, 2\)"):
        _run(tf.gather_nd([[1.0, 2], [3, 4]], [[0, 2]]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="segment_sum: segment ids are not increasing"):
        _run(tf.segment_sum([1.0, 2, 3, 4], [0, 2, 1, 3]))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"segment id 5 is out of range \[0, 3\)"):
        _run(tf.unsorted_segment_sum([1.0, 2, 3, 4], [0, 5, 2, 0], 3))


def test_names_not_implemented_keep_the_not_provided_error():
    for get in (lambda: tf.image.crop_to_bounding_box, lambda: tf.math.bincount, lambda: tf.sparse_to_dense):
        with pytest.raises(tf.NotProvidedError, match="does not provide `tf"):
            get()


# ---------------------------------------------------------------------------------------
# tf.cond / tf.case
# ---------------------------------------------------------------------------------------

def test_cond_values_and_nan_safe_gradients():
    """TF 2.21 gives d/dx sum(cond(p, 2x, sqrt(x))) at x = [0, 4]: [2, 2] for p True, [inf, 0.25] for False."""
    p = tf.placeholder(tf.bool, [])
    x = tf.placeholder(tf.float32, [None])
    y = tf.cond(p, lambda: x * 2.0, lambda: tf.sqrt(x))
    (g,) = tf.gradients(tf.reduce_sum(y), [x])
    with tf.Session() as sess, np.errstate(divide="ignore", invalid="ignore"):  # (the untaken side computes 0/0)
        np.testing.assert_array_equal(sess.run(y, {p: True, x: [0.0, 4.0]}), [0.0, 8.0])
        np.testing.assert_array_equal(sess.run(y, {p: False, x: [0.0, 4.0]}), [0.0, 2.0])
        np.testing.assert_array_equal(sess.run(g, {p: True, x: [0.0, 4.0]}), [2.0, 2.0])  # no NaN from sqrt'(0)
        np.testing.assert_array_equal(sess.run(g, {p: False, x: [0.0, 4.0]}), [np.inf, 0.25])
    # log of negatives in the untaken branch: no NaN in value or gradient
    z = tf.cond(p, lambda: tf.log(x), lambda: x * x)
    (gz,) = tf.gradients(tf.reduce_sum(z), [x])
    with tf.Session() as sess, np.errstate(invalid="ignore", divide="ignore"):
        v, gv = sess.run([z, gz], {p: False, x: [-1.0, 0.0]})
    np.testing.assert_array_equal(v, [1.0, 0.0])
    np.testing.assert_array_equal(gv, [-2.0, 0.0])


def test_cond_gradient_reaches_variables_and_nested_structures():
    p = tf.placeholder(tf.bool, [])
    W = tf.Variable([[1.0, 2.0]], name="W")
    x = tf.placeholder(tf.float32, [None, 1])
    a, b = tf.cond(p, lambda: (tf.matmul(x, W), x + 1.0), lambda: (tf.matmul(x, W) * 3.0, x))
    (gw,) = tf.gradients(tf.reduce_sum(a) + tf.reduce_sum(b), [W])
    xv = np.array([[1.0], [2.0]], np.float32)
    np.testing.assert_array_equal(_run(gw, {p: True, x: xv}), [[3.0, 3.0]])
    np.testing.assert_array_equal(_run(gw, {p: False, x: xv}), [[9.0, 9.0]])
    np.testing.assert_array_equal(_run(b, {p: True, x: xv}), xv + 1)
    # branches of different shapes: each branch's gradient has its own shape
    z = tf.placeholder(tf.float32, [None, 3])
    c = tf.cond(p, lambda: z * 2.0, lambda: z[:, :2] * z[:, :2])
    (gz,) = tf.gradients(tf.reduce_sum(c), [z])
    zv = np.array([[1.0, 2.0, 3.0]], np.float32)
    np.testing.assert_array_equal(_run(gz, {p: True, z: zv}), [[2, 2, 2]])
    np.testing.assert_array_equal(_run(gz, {p: False, z: zv}), [[2, 4, 0]])
    # second derivative through the cond: d2/dz2 sum(z^2 on the false side) = 2
    (gz2,) = tf.gradients(tf.reduce_sum(gz), [z])
    np.testing.assert_array_equal(_run(gz2, {p: False, z: zv}), [[2, 2, 0]])
    np.testing.assert_array_equal(_run(gz2, {p: True, z: zv}), [[0, 0, 0]])


def test_cond_pred_rules_follow_tf():
    x = tf.placeholder(tf.float32, [None])
    with pytest.raises(TypeError, match="'pred' must not be a Python bool"):
        tf.cond(True, lambda: x, lambda: x)
    with pytest.raises(ValueError, match=r"'pred' must be a scalar.*\(2,\)"):
        tf.cond(tf.placeholder(tf.bool, [2]), lambda: x, lambda: x)
    with pytest.raises(ValueError, match="same dtype, got float32 from true_fn and int32 from false_fn"):
        tf.cond(tf.placeholder(tf.bool, []), lambda: x, lambda: tf.cast(x, tf.int32))
    # a constant pred builds (and runs) the taken branch only: its update may be stateful
    v = tf.Variable(0.0)
    calls = []
    r = tf.cond(tf.constant(False), lambda: calls.append("t") or tf.assign_add(v, 1.0),
                lambda: calls.append("f") or tf.assign_add(v, 10.0))
    assert calls == ["f"]
    assert _run(r) == 10.0


def test_cond_with_stateful_branch_refuses_with_a_named_error():
    p = tf.placeholder(tf.bool, [])
    v = tf.Variable(0.0)
    with pytest.raises(StatefulBranchError, match="tf.cond with a pred known only at run time.*true_fn.*Assign"):
        tf.cond(p, lambda: tf.assign_add(v, 1.0), lambda: tf.identity(v))
    loss = tf.square(v - 1.0)
    with pytest.raises(StatefulBranchError, match="false_fn"):
        tf.cond(p, lambda: loss, lambda: [tf.train.GradientDescentOptimizer(0.1).minimize(loss), loss][1])
    # random draws and variables created inside a branch are fine
    y = tf.cond(p, lambda: tf.random_normal([3]) * 0.0 + tf.get_variable("c", [3], initializer=tf.ones_initializer()),
                lambda: tf.zeros([3]))
    np.testing.assert_array_equal(_run(y, {p: True}), [1, 1, 1])


def test_case_picks_the_first_true_pred():
    a, b = tf.placeholder(tf.bool, []), tf.placeholder(tf.bool, [])
    x = tf.constant(1.0)
    y = tf.case([(a, lambda: x * 10.0), (b, lambda: x * 20.0)], default=lambda: x)
    with tf.Session() as sess:
        got = [sess.run(y, {a: av, b: bv}) for av, bv in ((True, True), (False, True), (False, False))]
    assert got == [10.0, 20.0, 1.0]
    with pytest.raises(NotImplementedError, match="tf.case with exclusive=True"):
        tf.case([(a, lambda: x)], default=lambda: x, exclusive=True)


# ---------------------------------------------------------------------------------------
# tf.map_fn, tf.while_loop (unrolled)
# ---------------------------------------------------------------------------------------

def test_map_fn_unrolls_static_sizes_and_refuses_unknown_ones():
    e = tf.placeholder(tf.float32, [4, 3])
    y = tf.map_fn(lambda r: r * 2.0, e)
    assert str(y) == 'Tensor("map/TensorArrayStack/TensorArrayGatherV3:0", shape=(4, 3), dtype=float32)'  # TF's
    pair = tf.map_fn(lambda t: (t[0] + t[1], tf.reduce_sum(t[0])), (e, e), dtype=(tf.float32, tf.float32))
    (g,) = tf.gradients(tf.reduce_sum(pair[1]), [e])
    ev = np.arange(12, dtype=np.float32).reshape(4, 3)
    got = _run([y, pair[0], pair[1], g], {e: ev})
    np.testing.assert_array_equal(got[0], 2 * ev)
    np.testing.assert_array_equal(got[1], 2 * ev)
    np.testing.assert_array_equal(got[2], ev.sum(axis=1))
    np.testing.assert_array_equal(got[3], np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"tf.map_fn: neuralab unrolls map_fn.*known.*\(\?, 3\)"):
        tf.map_fn(lambda r: r, tf.placeholder(tf.float32, [None, 3]))


def test_while_loop_with_a_constant_trip_count():
    i = tf.constant(0)
    r = tf.while_loop(lambda i: i < 10, lambda i: i + 1, [i])
    assert isinstance(r, tf.Tensor)  # TF returns a one-variable loop's result as a tensor
    s, t = tf.while_loop(lambda k, acc: k < 4, lambda k, acc: (k + 1, acc * 2.0), (tf.constant(0), tf.constant(1.5)))
    assert _run([r, s, t]) == [10, 4, 24.0]
    n = tf.placeholder(tf.int32, [])
    with pytest.raises(ValueError, match="tf.while_loop: neuralab unrolls while loops.*placeholder"):
        tf.while_loop(lambda i: i < n, lambda i: i + 1, [i])


# ---------------------------------------------------------------------------------------
# tf.image
# ---------------------------------------------------------------------------------------

#: TF 2.21 compat.v1 on x = arange(48).reshape(2, 3, 4, 2) (batch 0, channel 0 of each result)
_TF_BILINEAR_5x7 = [[0, 1.142857, 2.285714, 3.428572, 4.571429, 5.714286, 6],
                    [4.8, 5.942857, 7.085714, 8.228572, 9.371428, 10.514286, 10.8],
                    [9.6, 10.742858, 11.885715, 13.028572, 14.171429, 15.314286, 15.6],
                    [14.400001, 15.542857, 16.685715, 17.828571, 18.971428, 20.114288, 20.400002],
                    [16, 17.142857, 18.285715, 19.428572, 20.571428, 21.714287, 22]]
_TF_NEAREST_5x7 = [[0, 0, 2, 2, 4, 4, 6], [0, 0, 2, 2, 4, 4, 6], [8, 8, 10, 10, 12, 12, 14],
                   [8, 8, 10, 10, 12, 12, 14], [16, 16, 18, 18, 20, 20, 22]]
_TF_NEAREST_ALIGNED = [[0, 2, 2, 4, 4, 6, 6], [8, 10, 10, 12, 12, 14, 14], [8, 10, 10, 12, 12, 14, 14],
                       [16, 18, 18, 20, 20, 22, 22], [16, 18, 18, 20, 20, 22, 22]]
#: d/dx sum(resize_images(x, [5, 7])^2)
_TF_BILINEAR_GRAD = [[6.857142, 16.639997, 25.782856, 42.4], [39.967346, 57.573868, 68.02285, 96.65307],
                     [86.07347, 115.30448, 128.3657, 174.9878]]


def test_image_resize_follows_tf_1_rules():
    x = np.arange(48, dtype=np.float32).reshape(2, 3, 4, 2)
    ph = tf.placeholder(tf.float32, [None, 3, 4, 2])
    r = tf.image.resize_images(ph, [5, 7])
    assert str(r) == 'Tensor("resize/ResizeBilinear:0", shape=(?, 5, 7, 2), dtype=float32)'
    assert str(tf.image.resize_nearest_neighbor(ph, [5, 7])) == \
        'Tensor("ResizeNearestNeighbor:0", shape=(?, 5, 7, 2), dtype=float32)'
    single = tf.image.resize_images(tf.placeholder(tf.float32, [3, 4, 2]), [5, 7])
    assert single.get_shape().as_list() == [5, 7, 2]
    outs = [r, tf.image.resize_bilinear(ph, [2, 3]), tf.image.resize_nearest_neighbor(ph, [5, 7]),
            tf.image.resize_bilinear(ph, [5, 7], align_corners=True),
            tf.image.resize_nearest_neighbor(ph, [5, 7], align_corners=True),
            tf.image.resize_images(ph, [5, 7], method=tf.image.ResizeMethod.NEAREST_NEIGHBOR),
            tf.gradients(tf.reduce_sum(r * r), ph)[0]]
    got = [o[0, ..., 0] for o in _run(outs, {ph: x})]
    np.testing.assert_allclose(got[0], _TF_BILINEAR_5x7, rtol=1e-6)
    np.testing.assert_allclose(got[1], [[0, 2.666667, 5.333333], [12, 14.666666, 17.333334]], rtol=1e-6)
    np.testing.assert_array_equal(got[2], _TF_NEAREST_5x7)
    np.testing.assert_allclose(got[3], np.add.outer(np.arange(5) * 4.0, np.arange(7.0)), atol=1e-5)  # TF: 0..22
    np.testing.assert_array_equal(got[4], _TF_NEAREST_ALIGNED)
    np.testing.assert_array_equal(got[5], _TF_NEAREST_5x7)
    np.testing.assert_allclose(got[6], _TF_BILINEAR_GRAD, rtol=1e-5)
    gradcheck(lambda t: nl.functional.image.resize_bilinear(t, (5, 3)),
              [np.random.default_rng(2).standard_normal((1, 3, 4, 2))])
    with pytest.raises(NotImplementedError, match="method=2"):
        tf.image.resize_images(ph, [5, 7], method=tf.image.ResizeMethod.BICUBIC)
    with pytest.raises(ValueError, match="height and width must be known"):
        tf.image.resize_images(tf.placeholder(tf.float32, [None, None, None, 3]), [5, 7])


def test_image_standardization_conversion_and_random_flip():
    x = np.arange(48, dtype=np.float32).reshape(2, 3, 4, 2)
    ph = tf.placeholder(tf.float32, [None, 3, 4, 2])
    std = tf.image.per_image_standardization(ph)
    conv = [tf.image.convert_image_dtype(tf.constant([[0, 128, 255]], tf.uint8), tf.float32),
            tf.image.convert_image_dtype(tf.constant([[0.0, 0.5, 0.999, 1.0, 1.2, -0.1]]), tf.uint8),
            tf.image.convert_image_dtype(tf.constant([[0.0, 0.5, 0.999, 1.0, 1.2, -0.1]]), tf.uint8, saturate=True)]
    got = _run([std] + conv, {ph: x})
    ref = (x - x.mean(axis=(1, 2, 3), keepdims=True)) / np.maximum(x.std(axis=(1, 2, 3), keepdims=True), 1 / 24 ** 0.5)
    np.testing.assert_allclose(got[0], ref, rtol=1e-5)
    np.testing.assert_allclose(got[1], [[0, 128 / 255, 1]], rtol=1e-6)
    np.testing.assert_array_equal(got[2], [[0, 127, 255, 255, 50, 231]])  # TF 2.21: out-of-range values wrap
    np.testing.assert_array_equal(got[3], [[0, 127, 255, 255, 255, 0]])
    flip = tf.image.random_flip_left_right(ph, seed=3)
    assert str(flip) == 'Tensor("random_flip_left_right/add:0", shape=(?, 3, 4, 2), dtype=float32)'
    seen = set()
    with tf.Session() as sess:
        for _ in range(12):
            out = sess.run(flip, {ph: x})
            for i in range(2):
                same, mirrored = np.array_equal(out[i], x[i]), np.array_equal(out[i], x[i, :, ::-1])
                assert same or mirrored
                seen.add((i, mirrored))
    assert len(seen) == 4  # each image came out both ways


# ---------------------------------------------------------------------------------------
# tutorial-style programs through the runner
# ---------------------------------------------------------------------------------------

def _script(capsys, name):
    run_script(os.path.join(SCRIPTS, name), [])
    return capsys.readouterr().out


def test_script_masked_sequence_loss(capsys):
    out = _script(capsys, "masked_sequence_loss.py")
    assert 'Tensor("SequenceMask/Less:0", shape=(?, ?), dtype=bool)' in out
    n, total = map(int, re.search(r"counted steps: (\d+) (\d+)", out).groups())
    assert n == total  # exactly the real steps count
    l1, l2 = map(float, re.search(r"loss two ways: ([0-9.]+) ([0-9.]+)", out).groups())
    assert abs(l1 - l2) < 1e-5 and l1 > 0.1
    assert float(re.search(r"final loss: ([0-9.]+)", out).group(1)) < 0.01


def test_script_cond_dropout_training(capsys):
    out = _script(capsys, "cond_dropout_training.py")
    assert "eval repeats: True train masks differ: True" in out
    assert "safe gradient: [3.0, 3.0]" in out
    assert float(re.search(r"Accuracy: ([0-9.]+)", out).group(1)) == 1.0


def test_script_gather_nd_topk(capsys):
    out = _script(capsys, "gather_nd_topk.py")
    l1, l2 = map(float, re.search(r"loss two ways: ([0-9.]+) ([0-9.]+)", out).groups())
    assert l1 == pytest.approx(np.log(3), abs=1e-5) and l1 == pytest.approx(l2, abs=1e-5)  # zero weights: ln 3
    a1, a2 = map(float, re.search(r"top-1: ([0-9.]+) top-2: ([0-9.]+)", out).groups())
    assert a1 > 0.95 and a2 >= a1
    per, counts = re.search(r"per class: (\[[^\]]*\]) (\[[^\]]*\])", out).groups()
    per, counts = eval(per), eval(counts)  # noqa: S307 - lists of ints printed by the script
    assert sum(per) == round(a1 * 300) and all(p <= c for p, c in zip(per, counts))


def test_script_segment_bag_of_words(capsys):
    out = _script(capsys, "segment_bag_of_words.py")
    assert "vocab consistent: True first-seen order: True" in out
    assert "features: (24, 8)" in out
    assert "map_fn: [1.0, 13.0, 41.0] while_loop: 10" in out  # 0+1, 4+9, 16+25; 0+1+2+3+4
    assert float(re.search(r"Accuracy: ([0-9.]+)", out).group(1)) == 1.0
