"""Define-then-run graphs: build-time shape checks, feeds, pruning, nested fetches, state."""
import numpy as np
import pytest

import neuralab as nl


def test_build_time_shape_errors_name_op_and_shapes():
    a = nl.placeholder((None, 3), name="a")
    b = nl.placeholder((4, 5), name="b")
    with pytest.raises(nl.ShapeError, match=r"matmul.*\(\?, 3\).*\(4, 5\)"):
        nl.matmul(a, b)
    c = nl.placeholder((2, 3))
    with pytest.raises(nl.ShapeError, match=r"add.*\(2, 3\).*\(4, 5\)"):
        c + b


def test_eager_shape_errors_name_op_and_shapes():
    with pytest.raises(nl.ShapeError, match=r"matmul.*\(3, 4\).*\(5, 6\)"):
        nl.matmul(nl.tensor(np.ones((3, 4))), nl.tensor(np.ones((5, 6))))
    with pytest.raises(nl.ShapeError, match=r"add.*\(3, 4\).*\(5,\)"):
        nl.tensor(np.ones((3, 4))) + nl.tensor(np.ones(5))


def test_shape_inference_with_none_dims():
    x = nl.placeholder((None, 784))
    w = nl.tensor(np.zeros((784, 10), np.float32))
    y = nl.matmul(x, w) + nl.tensor(np.zeros(10, np.float32))
    assert y.shape == (None, 10) and y.dtype == np.float32
    img = nl.reshape(x, (-1, 28, 28, 1))
    assert img.shape == (None, 28, 28, 1)
    assert nl.sum(y, axis=1).shape == (None,)
    assert nl.argmax(y, axis=1).dtype == np.int64
    assert (y > 0).dtype == np.bool_


def test_feed_errors_name_the_placeholder():
    x = nl.placeholder((None, 3), name="inputs")
    y = x * 2
    with pytest.raises(nl.FeedError, match=r"placeholder 'inputs'.*\(\?, 3\).*\(2, 4\)"):
        nl.run(y, {x: np.ones((2, 4))})
    z = nl.placeholder((3,), name="labels")
    with pytest.raises(nl.FeedError, match="placeholder 'labels'"):
        nl.run(y + z, {x: np.ones((2, 3))})


def test_only_what_fetches_need_is_run():
    calls = []

    class Spy(nl.Function):
        def forward(self, a):
            calls.append(self)
            return a * 1

        def backward(self, g):
            return g

    x = nl.placeholder((2,), name="x")
    used = x + 1
    Spy.apply(x)  # a branch nobody fetches
    np.testing.assert_array_equal(nl.run(used, {x: [1.0, 2.0]}), [2.0, 3.0])
    assert calls == []


def test_nested_fetches_and_feed_conversion():
    x = nl.placeholder((2,), name="x")
    a, b = x * 2, x + 1
    out = nl.run({"pair": (a, [b]), "a": a}, {x: [1, 2]})  # ints converted to float32
    assert set(out) == {"pair", "a"}
    assert isinstance(out["pair"], tuple) and isinstance(out["pair"][1], list)
    np.testing.assert_array_equal(out["pair"][1][0], [2.0, 3.0])
    assert out["a"].dtype == np.float32


def test_name_scopes():
    x = nl.placeholder((1,), name="x")
    with nl.name_scope("layer1"):
        y = nl.sigmoid(x * 2)
    with nl.name_scope("layer1"):
        z = y + 1
    assert y.op.name.startswith("layer1/")
    assert z.op.name.startswith("layer1_1/")


def test_assign_runs_only_when_fetched_and_group_fixes_it():
    w = nl.tensor(np.array([1.0], np.float32))
    x = nl.placeholder((1,))
    loss = nl.sum(w * x)
    (gw,) = nl.gradients(loss, [w])
    new_w = nl.assign(w, w - 0.5 * gw)
    for _ in range(3):
        nl.run(loss, {x: [1.0]})
    assert w.numpy()[0] == 1.0  # assign never ran: loss does not depend on it
    updates = nl.group(new_w)
    for _ in range(3):
        nl.run([loss, updates], {x: [1.0]})
    assert w.numpy()[0] == pytest.approx(1.0 - 3 * 0.5)


def test_variables_are_read_at_each_run():
    w = nl.tensor(np.array([2.0], np.float32))
    x = nl.placeholder((1,))
    y = w * x
    assert nl.run(y, {x: [3.0]})[0] == 6.0
    w.data = np.array([5.0], np.float32)
    assert nl.run(y, {x: [3.0]})[0] == 15.0


def test_detect_anomaly_names_op_in_graph_and_eager():
    x = nl.placeholder((2, 2), name="x")
    y = nl.log(x) * 2
    assert np.isnan(nl.run(y, {x: -np.ones((2, 2))})).all()
    with nl.detect_anomaly():
        with pytest.raises(FloatingPointError, match=r"'log'.*\(2, 2\)"):
            nl.run(y, {x: -np.ones((2, 2))})
        with pytest.raises(FloatingPointError, match=r"'log'.*\(3,\)"):
            nl.log(nl.tensor([-1.0, 1.0, 2.0]))


def test_eager_tensors_inside_graph_are_constants_or_variables():
    w = nl.tensor(np.eye(2, dtype=np.float32), requires_grad=True)
    x = nl.placeholder((None, 2))
    loss = nl.sum(nl.matmul(x, w) ** 2)
    (gw,) = nl.gradients(loss, [w])
    xv = np.array([[1.0, 2.0]], np.float32)
    np.testing.assert_allclose(nl.run(gw, {x: xv}), 2 * xv.T @ (xv @ np.eye(2)))


def test_symbolic_gradients_read_parameters_at_run_time_in_the_default_graph():
    # no Graph.as_default(): the backward rules' ops on W alone (transpose(W)) must still be graph
    # nodes, or a later update of W would leave the gradient computed from the old W
    w = nl.tensor(np.array([[1.0, 2.0], [3.0, 4.0]], np.float32), requires_grad=True)
    x = nl.placeholder((None, 2))
    h = nl.matmul(x, w)
    loss = nl.sum(nl.matmul(h, w))
    (gx,) = nl.gradients(loss, [x])
    xv = np.ones((1, 2), np.float32)

    def expected(wv):
        return np.ones((1, 2), np.float32) @ (wv @ wv).T

    np.testing.assert_allclose(nl.run(gx, {x: xv}), xv * 0 + expected(w.numpy()))
    w.data = np.array([[0.5, -1.0], [2.0, 0.0]], np.float32)
    np.testing.assert_allclose(nl.run(gx, {x: xv}), expected(w.numpy()))


def test_a_kernel_failing_at_run_time_names_the_op_and_shapes():
    x = nl.placeholder((None, None))
    y = nl.placeholder((None, None))
    z = nl.sum(x * 2.0 + y)
    with pytest.raises(nl.ShapeError, match=r"'Add' \(add\) failed when the graph ran, on inputs of shapes "
                                            r"\(2, 3\), \(2, 4\)"):
        nl.run(z, {x: np.ones((2, 3)), y: np.ones((2, 4))})


def test_unique_names_never_repeat():
    g = nl.Graph()
    assert [g.unique_name(n) for n in ["dense", "dense", "dense_1", "dense"]] == \
        ["dense", "dense_1", "dense_1_1", "dense_2"]


def test_unknown_rank_inputs_keep_the_datas_dtype_when_no_probe_rank_fits():
    """An op whose shape rule takes neither probe rank (rank 0 or 3) falls back to unknown shapes; its dtype is
    the floating inputs' (float32 data with int32 ids stays float32, not NumPy's float64 promotion)."""
    from neuralab._core.op import Op
    from neuralab._core.graph import Spec

    class _RowsOfMatrix(Op):  # takes only a matrix and a vector of row ids
        register = False

        def forward(self, xp, x, ids):
            return (x[ids],)

        def infer(self, x, ids):
            if len(x.shape) != 2 or len(ids.shape) != 1:
                raise ValueError("needs a matrix and a vector")
            return (Spec((ids.shape[0], x.shape[1]), x.dtype),)

    g = nl.Graph()
    with g.as_default():
        x = nl.placeholder(None, dtype=np.float32)
        ids = nl.placeholder(None, dtype=np.int32)
        y = _RowsOfMatrix.apply(x, ids)
        assert y.dtype == np.float32 and y.shape is None
        out = nl.run(y, {x: np.eye(3, dtype=np.float32), ids: np.array([2, 0], np.int32)})
    np.testing.assert_array_equal(out, np.eye(3, dtype=np.float32)[[2, 0]])
    assert out.dtype == np.float32
