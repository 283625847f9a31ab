"""Dropout (inverted, fresh masks per run, seeding, placeholders) and batch norm (batch vs running statistics)."""
import numpy as np
import pytest

import neuralab as nl
from neuralab.functional.regularization import batch_norm, dropout
from neuralab.ops.random import BernoulliMask, bernoulli_mask
from neuralab.testing import gradcheck

try:
    import torch
    import torch.nn.functional as TF
except ImportError:  # torch is an optional oracle
    torch = None


def _ones(*shape, dtype=np.float32):
    return nl.tensor(np.ones(shape, dtype=dtype))


# -- dropout -------------------------------------------------------------------------------

@pytest.mark.parametrize("rate", [0.3, 0.5, 0.7])
def test_dropout_keeps_the_expected_activation(rate):
    nl.seed(0)
    y = dropout(_ones(1000, 1000), rate).numpy()
    keep = 1 - rate
    assert abs(y.mean() - 1.0) < 0.01  # E[y] = x
    np.testing.assert_allclose(np.unique(y), [0.0, 1 / keep], rtol=1e-6)  # kept units scaled by 1/(1 - rate)
    assert abs((y == 0).mean() - rate) < 0.005
    assert y.dtype == np.float32


def test_dropout_rate_zero_or_not_training_is_identity():
    x = nl.tensor(np.random.default_rng(0).normal(size=(4, 5)))
    assert dropout(x, 0.0) is x
    assert dropout(x, 0.5, training=False) is x
    assert dropout(x, nl.tensor(0.0)) is x
    assert dropout(x, 0.5, training=nl.tensor(False)) is x


def test_dropout_fixed_seed_gives_the_same_mask():
    x = _ones(50, 40)
    nl.seed(123)
    a = dropout(x, 0.5).numpy()
    b = dropout(x, 0.5).numpy()
    nl.seed(123)
    c = dropout(x, 0.5).numpy()
    np.testing.assert_array_equal(a, c)
    assert not np.array_equal(a, b)
    np.testing.assert_array_equal(dropout(x, 0.5, rng=7).numpy(), dropout(x, 0.5, rng=7).numpy())
    g1, g2 = np.random.default_rng(5), np.random.default_rng(5)
    np.testing.assert_array_equal(dropout(x, 0.5, rng=g1).numpy(), dropout(x, 0.5, rng=g2).numpy())


def test_compiled_dropout_draws_a_new_mask_each_call_and_seed_repeats_the_sequence():
    f = nl.compile(lambda x: dropout(x, 0.5))
    x = np.ones((30, 30), np.float32)
    nl.seed(1)
    first = [f(x).numpy() for _ in range(3)]
    assert f.trace_count == 1
    assert not np.array_equal(first[0], first[1]) and not np.array_equal(first[1], first[2])
    nl.seed(1)  # the op looks the global generator up when it runs, so seeding after tracing works
    again = [f(x).numpy() for _ in range(3)]
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)


def test_graph_dropout_with_fed_rate_and_training_placeholders():
    # TF1: keep_prob = tf.placeholder(tf.float32); 0.7 in training, 1 for testing
    x = np.random.default_rng(0).uniform(1, 2, size=(400, 500)).astype(np.float32)
    with nl.Graph().as_default():
        X = nl.placeholder((None, 500))
        keep_prob = nl.placeholder(())
        y = dropout(X, 1 - keep_prob)
        train = nl.run(y, {X: x, keep_prob: 0.7})
        again = nl.run(y, {X: x, keep_prob: 0.7})
        test = nl.run(y, {X: x, keep_prob: 1.0})
        is_training = nl.placeholder((), nl.bool_)
        z = dropout(X, 0.5, training=is_training)
        off = nl.run(z, {X: x, is_training: False})
        on = nl.run(z, {X: x, is_training: True})
    np.testing.assert_array_equal(test, x)
    np.testing.assert_array_equal(off, x)
    assert not np.array_equal(train, again)  # every run draws a new mask
    assert abs((train == 0).mean() - 0.3) < 0.01
    np.testing.assert_allclose(train[train != 0], x[train != 0] / np.float32(0.7), rtol=1e-6)
    assert abs(train.mean() / x.mean() - 1) < 0.01
    assert abs((on == 0).mean() - 0.5) < 0.01


def test_dropout_gradient_is_the_scaled_mask():
    x = nl.tensor(np.random.default_rng(0).normal(size=(20, 10)), requires_grad=True)
    y = dropout(x, 0.4)
    y.sum().backward()
    mask = y.numpy() / x.numpy()
    np.testing.assert_allclose(x.grad.numpy(), mask, rtol=1e-12)
    assert set(np.round(np.unique(mask), 12)) <= {0.0, round(1 / 0.6, 12)}
    # a freshly seeded generator per call: the same mask at every evaluation of gradcheck
    gradcheck(lambda t: dropout(t, 0.4, rng=np.random.default_rng(3)), [x.numpy()])


def test_dropout_argument_errors():
    with pytest.raises(ValueError, match=r"rate must be in \[0, 1\)"):
        dropout(_ones(3), 1.0)
    with pytest.raises(ValueError, match=r"rate must be in \[0, 1\)"):
        dropout(_ones(3), -0.1)


def test_bernoulli_mask_statistics_and_fresh_draws_in_graphs():
    assert BernoulliMask.differentiable is False
    nl.seed(0)
    m = bernoulli_mask(_ones(500, 400), 0.25).numpy()
    assert set(np.unique(m)) == {0.0, 1.0} and abs(m.mean() - 0.25) < 0.005
    with nl.Graph().as_default():
        p = nl.placeholder((100, 100))
        mk = bernoulli_mask(p, 0.5)
        assert not mk.requires_grad
        a, b = nl.run(mk, {p: np.zeros((100, 100))}), nl.run(mk, {p: np.zeros((100, 100))})
    assert not np.array_equal(a, b)


# -- batch norm ----------------------------------------------------------------------------

def _state(c, dtype=np.float64, mean=0.0, var=1.0):
    return nl.tensor(np.full(c, mean, dtype)), nl.tensor(np.full(c, var, dtype))


@pytest.mark.parametrize("shape, axis", [((64, 5), -1), ((8, 6, 6, 3), -1), ((8, 3, 6, 6), 1)],
                         ids=["dense", "nhwc", "nchw"])
def test_batch_norm_training_uses_batch_statistics(shape, axis):
    rng = np.random.default_rng(0)
    c = shape[axis]
    bshape = [1] * len(shape)
    bshape[axis] = c
    x = rng.normal(loc=rng.uniform(-5, 5, size=bshape), scale=rng.uniform(0.5, 4, size=bshape), size=shape)
    rm, rv = _state(c)
    gamma, beta = nl.tensor(np.ones(c)), nl.tensor(np.zeros(c))
    y = batch_norm(nl.tensor(x), gamma, beta, rm, rv, training=True, eps=1e-8, axis=axis).numpy()
    red = tuple(i for i in range(len(shape)) if i != axis % len(shape))
    np.testing.assert_allclose(y.mean(axis=red), 0.0, atol=1e-10)  # per-feature mean 0
    np.testing.assert_allclose(y.var(axis=red), 1.0, rtol=1e-6)  # per-feature variance 1
    # scale and shift: y = gamma * x_hat + beta
    g, b = rng.uniform(0.5, 2, c), rng.normal(size=c)
    y2 = batch_norm(nl.tensor(x), nl.tensor(g), nl.tensor(b), rm, rv, True, eps=1e-3, axis=axis).numpy()
    mu, var = x.mean(axis=red, keepdims=True), x.var(axis=red, keepdims=True)
    np.testing.assert_allclose(y2, g.reshape(bshape) * (x - mu) / np.sqrt(var + 1e-3) + b.reshape(bshape),
                               rtol=1e-12, atol=1e-12)


def test_batch_norm_running_statistics_follow_the_decay_formula_exactly():
    rng = np.random.default_rng(1)
    rm, rv = _state(4, mean=0.5, var=2.0)
    m_ref, v_ref = np.full(4, 0.5), np.full(4, 2.0)
    for step in range(3):
        x = rng.normal(loc=step, scale=1 + step, size=(32, 4))
        batch_norm(nl.tensor(x), None, None, rm, rv, training=True, momentum=0.9)
        m_ref = 0.9 * m_ref + (1 - 0.9) * x.mean(0)  # running = decay * running + (1 - decay) * batch
        v_ref = 0.9 * v_ref + (1 - 0.9) * x.var(0)  # (the mini-batch variance, 1/m)
        np.testing.assert_allclose(rm.numpy(), m_ref, rtol=1e-14, atol=1e-15)
        np.testing.assert_allclose(rv.numpy(), v_ref, rtol=1e-14)


def test_batch_norm_eval_uses_running_statistics_and_changes_nothing():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(16, 3))
    rm, rv = nl.tensor(np.array([0.1, -0.2, 0.3])), nl.tensor(np.array([1.5, 0.5, 2.0]))
    g, b = np.array([1.0, 2.0, 0.5]), np.array([0.0, 1.0, -1.0])
    y = batch_norm(nl.tensor(x), nl.tensor(g), nl.tensor(b), rm, rv, training=False).numpy()
    np.testing.assert_allclose(y, g * (x - rm.numpy()) / np.sqrt(rv.numpy() + 1e-3) + b, rtol=1e-12)
    np.testing.assert_array_equal(rm.numpy(), [0.1, -0.2, 0.3])
    np.testing.assert_array_equal(rv.numpy(), [1.5, 0.5, 2.0])


def test_batch_norm_graph_mode_with_bool_training_placeholder():
    rng = np.random.default_rng(3)
    x = rng.normal(loc=3, scale=2, size=(50, 4)).astype(np.float32)
    rm, rv = _state(4, np.float32)
    gamma, beta = nl.tensor(np.ones(4, np.float32)), nl.tensor(np.zeros(4, np.float32))
    with nl.Graph().as_default() as g:
        X = nl.placeholder((None, 4))
        train_mode = nl.placeholder((), nl.bool_, name="train_mode")  # the seed's tf.placeholder(tf.bool)
        y = batch_norm(X, gamma, beta, rm, rv, train_mode)
        assert len(g.get_collection("update_ops")) == 2
        out = nl.run(y, {X: x, train_mode: True})  # fetching the output runs the updates
        np.testing.assert_allclose(out.mean(0), 0, atol=1e-5)
        np.testing.assert_allclose(out.var(0), x.var(0) / (x.var(0) + 1e-3), rtol=1e-4)
        m1 = 0.1 * x.mean(0)
        np.testing.assert_allclose(rm.numpy(), m1, rtol=1e-5)
        np.testing.assert_allclose(rv.numpy(), 0.9 + 0.1 * x.var(0), rtol=1e-5)
        ev = nl.run(y, {X: x, train_mode: False})  # running statistics, no update
        np.testing.assert_allclose(ev, (x - rm.numpy()) / np.sqrt(rv.numpy() + 1e-3), rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(rm.numpy(), m1, rtol=1e-5)


def test_batch_norm_compiled_updates_running_statistics_every_call():
    rng = np.random.default_rng(4)
    rm, rv = _state(3)
    gamma, beta = nl.tensor(np.ones(3)), nl.tensor(np.zeros(3))
    f = nl.compile(lambda x: batch_norm(x, gamma, beta, rm, rv, training=True).sum())
    m_ref, v_ref = np.zeros(3), np.ones(3)
    for _ in range(3):
        x = rng.normal(loc=2.0, size=(10, 3))
        f(x)
        m_ref = 0.9 * m_ref + 0.1 * x.mean(0)
        v_ref = 0.9 * v_ref + 0.1 * x.var(0)
    assert f.trace_count == 1
    np.testing.assert_allclose(rm.numpy(), m_ref, rtol=1e-12)
    np.testing.assert_allclose(rv.numpy(), v_ref, rtol=1e-12)


def test_compiled_eval_reads_the_current_running_statistics_and_parameters():
    # traced once; the statistics and gamma/beta then change (training steps): the replay must see that
    rng = np.random.default_rng(7)
    rm, rv = _state(3)
    gamma, beta = nl.tensor(np.ones(3)), nl.tensor(np.zeros(3))
    ev = nl.compile(lambda x: batch_norm(x, gamma, beta, rm, rv, training=False, axis=1))
    x = rng.normal(size=(4, 3, 2))
    np.testing.assert_allclose(ev(x).numpy(), x / np.sqrt(1 + 1e-3), rtol=1e-12)
    for _ in range(2):
        batch_norm(nl.tensor(rng.normal(loc=3.0, size=(8, 3, 2))), gamma, beta, rm, rv, True, axis=1)
    gamma.data = np.array([2.0, 3.0, 4.0])
    beta.data = np.array([0.5, 0.0, -0.5])
    want = (gamma.numpy()[:, None] * (x - rm.numpy()[:, None]) / np.sqrt(rv.numpy()[:, None] + 1e-3)
            + beta.numpy()[:, None])
    np.testing.assert_allclose(ev(x).numpy(), want, rtol=1e-12)
    assert ev.trace_count == 1


def test_batch_norm_eager_graph_compile_agree_and_gradcheck():
    rng = np.random.default_rng(5)
    x, g, b = rng.normal(size=(6, 2, 2, 3)), rng.uniform(0.5, 2, 3), rng.normal(size=3)

    def fn(x, g, b):
        rm, rv = _state(3)
        return batch_norm(x, g, b, rm, rv, training=True)

    eager = fn(nl.tensor(x), nl.tensor(g), nl.tensor(b)).numpy()
    with nl.Graph().as_default():
        phs = [nl.placeholder(a.shape, np.float64) for a in (x, g, b)]
        graph = nl.run(fn(*phs), dict(zip(phs, (x, g, b))))
    compiled = nl.compile(fn)(x, g, b).numpy()
    np.testing.assert_allclose(graph, eager, rtol=1e-13)
    np.testing.assert_allclose(compiled, eager, rtol=1e-13)
    gradcheck(fn, [x, g, b])
    rm, rv = nl.tensor(np.array([0.2, -0.1, 0.0])), nl.tensor(np.array([1.2, 0.7, 2.0]))
    gradcheck(lambda x, g, b: batch_norm(x, g, b, rm, rv, training=False), [x, g, b])
    # graph-mode gradients with respect to the captured parameters gamma/beta equal the eager ones
    w = rng.normal(size=x.shape)
    for training in (True, False):
        gt, bt = nl.tensor(g, requires_grad=True), nl.tensor(b, requires_grad=True)
        xt = nl.tensor(x, requires_grad=True)
        eager = nl.gradients((batch_norm(xt, gt, bt, rm, rv, training) * nl.tensor(w)).sum(), [xt, gt, bt])
        with nl.Graph().as_default():
            p, flag = nl.placeholder(x.shape, np.float64), nl.placeholder((), nl.bool_)
            sym = nl.gradients((batch_norm(p, gt, bt, rm, rv, flag) * nl.tensor(w)).sum(), [p, gt, bt])
            got = nl.run(sym, {p: x, flag: training})
        for a, e in zip(got, eager):
            np.testing.assert_allclose(a, e.numpy(), rtol=1e-10, atol=1e-12)


def test_batch_norm_matches_torch():
    if torch is None:
        pytest.skip("torch not installed")
    rng = np.random.default_rng(6)
    x, g, b = rng.normal(size=(16, 4)), rng.uniform(0.5, 2, 4), rng.normal(size=4)
    rm, rv = _state(4)
    ours = batch_norm(nl.tensor(x), nl.tensor(g), nl.tensor(b), rm, rv, True, momentum=0.9, eps=1e-3).numpy()
    trm, trv = torch.zeros(4, dtype=torch.float64), torch.ones(4, dtype=torch.float64)
    theirs = TF.batch_norm(torch.tensor(x), trm, trv, torch.tensor(g), torch.tensor(b), training=True,
                           momentum=0.1, eps=1e-3)  # torch's momentum is 1 - decay
    np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(rm.numpy(), trm.numpy(), rtol=1e-12)  # (torch's running var is unbiased)


def test_batch_norm_argument_errors():
    rm, rv = _state(3)
    with pytest.raises(nl.ShapeError, match=r"running_mean.*\(3,\).*4 features"):
        batch_norm(nl.tensor(np.zeros((2, 4))), None, None, rm, rv, True)
    with pytest.raises(TypeError, match="running_var"):
        batch_norm(nl.tensor(np.zeros((2, 3))), None, None, rm, np.ones(3), True)
    with pytest.raises(ValueError, match="momentum"):
        batch_norm(nl.tensor(np.zeros((2, 3))), None, None, rm, rv, True, momentum=1.5)
