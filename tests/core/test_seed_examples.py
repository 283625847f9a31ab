"""The worked examples of seed 002 ("Back Propagation in Computation Graph", "Two Parts")."""
import numpy as np
import pytest

import neuralab as nl


def test_add_mul_graph_gradients():
    # f(x, y, z) = (x + y) z at x=-2, y=5, z=-4: df/dx = -4, df/dy = -4, df/dz = 3
    x = nl.tensor(-2.0, requires_grad=True)
    y = nl.tensor(5.0, requires_grad=True)
    z = nl.tensor(-4.0, requires_grad=True)
    f = (x + y) * z
    assert f.item() == -12.0
    f.backward()
    assert (x.grad.item(), y.grad.item(), z.grad.item()) == (-4.0, -4.0, 3.0)


def test_sigmoid_neuron_gradients():
    # f(w, x) = sigma(w0 x0 + w1 x1 + w2), w = (2, -3, -3), x = (-1, -2)
    w = nl.tensor([2.0, -3.0, -3.0], dtype="float64", requires_grad=True)
    x = nl.tensor([-1.0, -2.0], dtype="float64", requires_grad=True)
    f = nl.sigmoid(w[0] * x[0] + w[1] * x[1] + w[2])
    f.backward()
    s = 1 / (1 + np.exp(-1.0))  # the neuron's input is 1
    local = (1 - s) * s  # (1 - sigma) sigma = 0.1966...
    np.testing.assert_allclose(w.grad.numpy(), [-1 * local, -2 * local, local], rtol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), [2 * local, -3 * local], rtol=1e-12)
    # the notes' rounded figures
    np.testing.assert_allclose(w.grad.numpy(), [-0.20, -0.39, 0.20], atol=0.01)
    np.testing.assert_allclose(x.grad.numpy(), [0.39, -0.59], atol=0.01)


def test_sigmoid_neuron_as_primitive_gates_matches():
    # the same neuron written gate by gate as in the notes: * -1, exp, +1, 1/x
    w = nl.tensor([2.0, -3.0, -3.0], dtype="float64", requires_grad=True)
    x = nl.tensor([-1.0, -2.0], dtype="float64", requires_grad=True)
    f = 1.0 / (1.0 + nl.exp(-(w[0] * x[0] + w[1] * x[1] + w[2])))
    f.backward()
    np.testing.assert_allclose(w.grad.numpy(), [-0.19661193, -0.39322387, 0.19661193], rtol=1e-7)


def _two_parts_reference(x, y, w1, w2):
    h_pre = x @ w1
    h = np.maximum(h_pre, 0)
    y_pred = h @ w2
    diff = y_pred - y
    loss = np.mean(np.sum(diff ** 2, axis=1))
    dy_pred = 2.0 * diff / x.shape[0]
    gw2 = h.T @ dy_pred
    dh = dy_pred @ w2.T
    dh_pre = dh * (h_pre >= 0)
    gw1 = x.T @ dh_pre
    return loss, gw1, gw2


N, D, H = 64, 1000, 100


@pytest.fixture
def two_parts_data():
    rng = np.random.default_rng(0)
    return {k: rng.standard_normal(s) for k, s in
            dict(x=(N, D), y=(N, D), w1=(D, H), w2=(H, D)).items()}


def test_two_parts_eager_matches_hand_derived(two_parts_data):
    d = two_parts_data
    x, y = nl.tensor(d["x"]), nl.tensor(d["y"])
    w1 = nl.tensor(d["w1"], requires_grad=True)
    w2 = nl.tensor(d["w2"], requires_grad=True)
    h = nl.maximum(nl.matmul(x, w1), 0)
    y_pred = nl.matmul(h, w2)
    loss = nl.mean(nl.sum((y_pred - y) ** 2, axis=1))
    loss.backward()
    ref_loss, ref1, ref2 = _two_parts_reference(d["x"], d["y"], d["w1"], d["w2"])
    assert loss.dtype == np.float64
    np.testing.assert_allclose(loss.item(), ref_loss, rtol=1e-12)
    np.testing.assert_allclose(w1.grad.numpy(), ref1, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(w2.grad.numpy(), ref2, rtol=1e-5, atol=1e-5)


def test_two_parts_graph_run_50_times(two_parts_data):
    d = two_parts_data
    g = nl.Graph()
    with g.as_default():
        x = nl.placeholder((N, D), "float64", name="x")
        y = nl.placeholder((N, D), "float64", name="y")
        w1 = nl.placeholder((D, H), "float64", name="w1")
        w2 = nl.placeholder((H, D), "float64", name="w2")
        h = nl.maximum(nl.matmul(x, w1), 0)
        y_pred = nl.matmul(h, w2)
        diff = y_pred - y
        loss = nl.mean(nl.sum(diff ** 2, axis=1))
        grad_w1, grad_w2 = nl.gradients(loss, [w1, w2])
    assert loss.is_symbolic and loss.shape == ()  # no computation occurred
    values = {x: d["x"], w1: d["w1"].copy(), w2: d["w2"].copy(), y: d["y"]}
    losses = []
    learning_rate = 1e-5
    for t in range(50):
        loss_val, gw1, gw2 = nl.run([loss, grad_w1, grad_w2], feed_dict=values)
        if t == 0:
            ref_loss, ref1, ref2 = _two_parts_reference(d["x"], d["y"], d["w1"], d["w2"])
            np.testing.assert_allclose(loss_val, ref_loss, rtol=1e-12)
            np.testing.assert_allclose(gw1, ref1, rtol=1e-5, atol=1e-5)
            np.testing.assert_allclose(gw2, ref2, rtol=1e-5, atol=1e-5)
        values[w1] = values[w1] - learning_rate * gw1
        values[w2] = values[w2] - learning_rate * gw2
        losses.append(float(loss_val))
    assert len(g._plans) == 1  # built once, replayed 50 times
    assert all(b < a for a, b in zip(losses, losses[1:]))
    assert losses[-1] < 0.5 * losses[0]


def test_basic_graph_of_seed_with_unknown_shapes():
    # x = tf.placeholder(tf.float32) with no shape; c = reduce_sum(x * y + z)
    g = nl.Graph()
    with g.as_default():
        x, y, z = nl.placeholder(), nl.placeholder(), nl.placeholder()
        c = nl.sum(x * y + z)
        gx, gy, gz = nl.gradients(c, [x, y, z])
    rng = np.random.default_rng(0)
    vals = {x: rng.standard_normal((3, 4)), y: rng.standard_normal((3, 4)), z: rng.standard_normal((3, 4))}
    c_val, gx_val, gy_val, gz_val = nl.run([c, gx, gy, gz], vals)
    assert c_val.dtype == np.float32
    np.testing.assert_allclose(c_val, np.sum(vals[x] * vals[y] + vals[z]), rtol=1e-5)
    np.testing.assert_allclose(gx_val, vals[y].astype(np.float32))
    np.testing.assert_allclose(gy_val, vals[x].astype(np.float32))
    np.testing.assert_array_equal(gz_val, np.ones((3, 4), np.float32))


def test_multiply_gate_user_op():
    class MultiplyGate(nl.Function):
        def forward(self, x, y):
            self.x, self.y = x, y  # must keep these around!
            return x * y

        def backward(self, dz):
            return self.y * dz, self.x * dz

    x = nl.tensor(3.0, dtype="float64", requires_grad=True)
    y = nl.tensor(-4.0, dtype="float64", requires_grad=True)
    z = MultiplyGate.apply(x, y)
    z.backward()
    assert z.item() == -12.0 and x.grad.item() == -4.0 and y.grad.item() == 3.0
    assert nl.testing.gradcheck(lambda a, b: MultiplyGate.apply(a, b),
                                [np.random.default_rng(1).standard_normal((3, 2)),
                                 np.random.default_rng(2).standard_normal((3, 2))])
    # graph mode and compile use the same definition
    with nl.Graph().as_default():
        a, b = nl.placeholder((2,), "float64"), nl.placeholder((2,), "float64")
        out = MultiplyGate.apply(a, b)
        ga, gb = nl.gradients(nl.sum(out), [a, b])
        res = nl.run([out, ga, gb], {a: [1.0, 2.0], b: [5.0, 7.0]})
    np.testing.assert_array_equal(res[0], [5.0, 14.0])
    np.testing.assert_array_equal(res[1], [5.0, 7.0])
    np.testing.assert_array_equal(res[2], [1.0, 2.0])
    f = nl.compile(lambda a, b: MultiplyGate.apply(a, b))
    np.testing.assert_array_equal(f(np.array([2.0]), np.array([3.0])).numpy(), [6.0])
