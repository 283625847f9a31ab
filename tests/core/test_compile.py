"""neuralab.compile: trace once per signature, replay a flat schedule."""
import numpy as np
import pytest

import neuralab as nl


def test_trace_once_and_replay():
    f = nl.compile(lambda x, y: (x * y).sum())
    a, b = np.ones((2, 3), np.float32), np.full((2, 3), 2.0, np.float32)
    assert f(a, b).item() == 12.0
    assert f(a * 2, b).item() == 24.0
    assert f.trace_count == 1


def test_new_signature_retraces_and_is_counted():
    f = nl.compile(lambda x: x * 2)
    f(np.ones(3, np.float32))
    f(np.ones(4, np.float32))
    f(np.ones(4, np.float64))
    f(np.ones(3, np.float32))
    assert f.trace_count == 3


def test_new_signature_raises_when_retrace_disabled():
    f = nl.compile(lambda x: x * 2, retrace=False)
    f(np.ones(3, np.float32))
    with pytest.raises(nl.TraceError, match=r"\(4,\) float32.*traced for.*\(3,\) float32"):
        f(np.ones(4, np.float32))


def test_replay_has_no_tensor_dispatch(monkeypatch):
    f = nl.compile(lambda x, y: nl.tanh(x @ y) + 1)
    x, y = np.ones((2, 3), np.float32), np.ones((3, 2), np.float32)
    expected = f(x, y).numpy()
    calls = []
    from neuralab._core import op as opmod

    real = opmod.dispatch
    monkeypatch.setattr(opmod, "dispatch", lambda *a: calls.append(a) or real(*a))
    np.testing.assert_array_equal(f(x, y).numpy(), expected)
    assert calls == []
    plan = f.plan_for(x, y)
    assert plan.num_kernels == 3 and "def _plan" in plan.source


def test_compiled_gradients_match_eager():
    rng = np.random.default_rng(0)
    x, y, z = (rng.standard_normal((30, 40)).astype(np.float32) for _ in range(3))

    def fwd_bwd(x, y, z):
        c = nl.sum(x * y + z)
        return (c, *nl.gradients(c, [x, y, z]))

    cf = nl.compile(fwd_bwd)
    c, gx, gy, gz = cf(x, y, z)
    np.testing.assert_allclose(c.numpy(), np.sum(x * y + z), rtol=1e-5)
    np.testing.assert_array_equal(gx.numpy(), y)
    np.testing.assert_array_equal(gy.numpy(), x)
    np.testing.assert_array_equal(gz.numpy(), np.ones_like(z))


def test_closed_over_parameters_are_read_each_call_and_assign_runs():
    w = nl.tensor(np.array([1.0, 2.0], np.float32), requires_grad=True)

    @nl.compile
    def step(x):
        loss = nl.sum((w * x) ** 2)
        (g,) = nl.gradients(loss, [w])
        nl.assign(w, w - 0.1 * g)  # stateful: runs although not returned
        return loss

    x = np.array([1.0, 1.0], np.float32)
    losses = [step(x).item() for _ in range(5)]
    assert step.trace_count == 1
    assert all(b < a for a, b in zip(losses, losses[1:]))
    # same trajectory as the eager loop
    w2 = np.array([1.0, 2.0], np.float32)
    for _ in range(5):
        w2 = w2 - np.float32(0.1) * 2 * w2 * x * x
    np.testing.assert_allclose(w.numpy(), w2, rtol=1e-6)


def test_static_arguments_are_part_of_the_signature():
    f = nl.compile(lambda x, k: x * k)
    assert f(np.ones(2, np.float32), 3).numpy()[0] == 3.0
    assert f(np.ones(2, np.float32), 4).numpy()[0] == 4.0
    assert f.trace_count == 2


def test_nested_outputs():
    f = nl.compile(lambda x: {"double": x * 2, "parts": (x + 1, [x - 1])})
    out = f(np.array([1.0], np.float32))
    assert out["double"].numpy()[0] == 2.0 and out["parts"][1][0].numpy()[0] == 0.0
