"""Losses and penalties: closed forms, torch, gradients, eager == graph == compile, stability, errors."""
import numpy as np
import pytest

import neuralab as nl
from neuralab import losses as public_losses
from neuralab.functional import losses as L
from neuralab.functional.activations import softmax
from neuralab.testing import gradcheck

try:
    import torch
    import torch.nn.functional as TF
except ImportError:  # torch is an optional oracle
    torch = None

RNG = np.random.default_rng(0)
N, C = 8, 5
PRED = RNG.normal(size=(N, 3))
TARGET = RNG.normal(size=(N, 3))
PROB = RNG.uniform(0.05, 0.95, size=(N, 1))
BIN = (RNG.random((N, 1)) < 0.5).astype(np.float64)
LOGITS = RNG.normal(scale=2.0, size=(N, C))
LABELS = RNG.integers(0, C, size=N)
ONEHOT = np.eye(C)[LABELS]
SOFT = RNG.dirichlet(np.ones(C), size=N)


def _sig(x):
    return 0.5 * (1 + np.tanh(0.5 * x))  # (no overflow warning at |x| = 1000)


def _log_softmax(x, axis=-1):
    m = x.max(axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis, keepdims=True))


def _three_ways(fn, *arrays):
    eager = fn(*[nl.tensor(a) for a in arrays]).numpy()
    with nl.Graph().as_default():
        phs = [nl.placeholder(a.shape, a.dtype) for a in arrays]
        graph = nl.run(fn(*phs), dict(zip(phs, arrays)))
    cf = nl.compile(fn)
    compiled = [cf(*arrays).numpy() for _ in range(2)]
    assert cf.trace_count == 1
    return eager, graph, compiled[0], compiled[1]


# name -> (fn, inputs, per-element/per-example closed form (reduction "none"), torch with reduction "none")
CASES = {
    "mse": (L.mse, (PRED, TARGET), lambda p, t: (p - t) ** 2,
            lambda p, t: TF.mse_loss(p, t, reduction="none")),
    "binary_cross_entropy": (L.binary_cross_entropy, (PROB, BIN),
                             lambda p, t: -(t * np.log(p) + (1 - t) * np.log(1 - p)),
                             lambda p, t: TF.binary_cross_entropy(p, t, reduction="none")),
    "bce_with_logits": (L.binary_cross_entropy_with_logits, (LOGITS[:, :1], BIN),
                        lambda x, t: -(t * np.log(_sig(x)) + (1 - t) * np.log(1 - _sig(x))),
                        lambda x, t: TF.binary_cross_entropy_with_logits(x, t, reduction="none")),
    "softmax_ce_onehot": (L.softmax_cross_entropy, (LOGITS, ONEHOT),
                          lambda x, t: -(t * _log_softmax(x)).sum(-1),
                          lambda x, t: TF.cross_entropy(x, t, reduction="none")),
    "softmax_ce_soft": (L.softmax_cross_entropy, (LOGITS, SOFT),
                        lambda x, t: -(t * _log_softmax(x)).sum(-1),
                        lambda x, t: TF.cross_entropy(x, t, reduction="none")),
    "softmax_ce_labels": (L.softmax_cross_entropy, (LOGITS, LABELS),
                          lambda x, y: -_log_softmax(x)[np.arange(len(y)), y],
                          lambda x, y: TF.cross_entropy(x, y, reduction="none")),
    "nll": (L.nll, (_log_softmax(LOGITS), LABELS), lambda lp, y: -lp[np.arange(len(y)), y],
            lambda lp, y: TF.nll_loss(lp, y, reduction="none")),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_closed_form_all_reductions_and_torch(name):
    fn, inputs, ref, tfn = CASES[name]
    none = ref(*inputs)
    got = fn(*[nl.tensor(a) for a in inputs], reduction="none").numpy()
    np.testing.assert_allclose(got, none, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(fn(*[nl.tensor(a) for a in inputs]).numpy(), none.mean(), rtol=1e-12)
    np.testing.assert_allclose(fn(*[nl.tensor(a) for a in inputs], reduction="sum").numpy(), none.sum(), rtol=1e-12)
    if torch is not None:
        np.testing.assert_allclose(got, tfn(*[torch.tensor(a) for a in inputs]).numpy(), rtol=1e-6, atol=1e-12)
    with pytest.raises(ValueError, match="reduction"):
        fn(*[nl.tensor(a) for a in inputs], reduction="avg")


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradcheck_float64(name):
    fn, inputs, _, _ = CASES[name]
    gradcheck(fn, list(inputs))
    gradcheck(lambda *a: fn(*a, reduction="none"), list(inputs))


@pytest.mark.parametrize("name", sorted(CASES))
def test_eager_graph_compile_agree(name):
    fn, inputs, _, _ = CASES[name]
    arrays = [a.astype(np.float32) if a.dtype.kind == "f" else a for a in inputs]
    eager, graph, c1, c2 = _three_ways(fn, *arrays)
    assert eager.dtype == np.float32
    for other in (graph, c1, c2):
        np.testing.assert_allclose(other, eager, rtol=1e-6)


def test_public_module_reexports():
    assert public_losses.mse is L.mse
    assert public_losses.softmax_cross_entropy is L.softmax_cross_entropy
    assert set(public_losses.__all__) == set(L.__all__)


# -- softmax cross-entropy specifics -------------------------------------------------------

def test_softmax_ce_one_hot_equals_integer_labels_values_and_gradients():
    xs = [nl.tensor(LOGITS, requires_grad=True) for _ in range(2)]
    a = L.softmax_cross_entropy(xs[0], nl.tensor(ONEHOT))
    b = L.softmax_cross_entropy(xs[1], nl.tensor(LABELS))
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-14)
    a.backward()
    b.backward()
    np.testing.assert_allclose(xs[0].grad.numpy(), xs[1].grad.numpy(), rtol=1e-12, atol=1e-15)
    # d/dlogits of the batch mean = (softmax - onehot) / N
    np.testing.assert_allclose(xs[0].grad.numpy(), (softmax(nl.tensor(LOGITS)).numpy() - ONEHOT) / N, rtol=1e-10)


def test_softmax_ce_per_example_like_tf():
    per = L.softmax_cross_entropy(nl.tensor(LOGITS), nl.tensor(ONEHOT), reduction="none")
    assert per.shape == (N,)
    # the lectures' cost: tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(...))
    np.testing.assert_allclose(per.numpy().mean(), L.softmax_cross_entropy(nl.tensor(LOGITS), nl.tensor(ONEHOT)).item())
    # the textbook D(S, L) = -sum L log S on softmax probabilities
    s = np.exp(LOGITS) / np.exp(LOGITS).sum(-1, keepdims=True)
    np.testing.assert_allclose(per.numpy(), -(ONEHOT * np.log(s)).sum(-1), rtol=1e-12)


def test_softmax_ce_and_nll_class_axis():
    x = RNG.normal(size=(3, C, 2))  # classes on axis 1 (torch's layout)
    y = RNG.integers(0, C, size=(3, 2))
    got = L.softmax_cross_entropy(nl.tensor(x), nl.tensor(y), axis=1, reduction="none").numpy()
    lsm = _log_softmax(x, axis=1)
    want = -np.take_along_axis(lsm, y[:, None, :], axis=1)[:, 0, :]
    np.testing.assert_allclose(got, want, rtol=1e-12)
    onehot = np.moveaxis(np.eye(C)[y], -1, 1)
    np.testing.assert_allclose(L.softmax_cross_entropy(nl.tensor(x), nl.tensor(onehot), axis=1, reduction="none")
                               .numpy(), want, rtol=1e-12)
    if torch is not None:
        np.testing.assert_allclose(got, TF.cross_entropy(torch.tensor(x), torch.tensor(y), reduction="none").numpy(),
                                   rtol=1e-10)


def test_nll_ignores_minus_inf_in_other_classes():
    with np.errstate(divide="ignore"):
        lp = np.log(np.array([[0.0, 1.0], [0.5, 0.5]]))  # log 0 = -inf in a class that is not the label
    t = nl.tensor(lp, requires_grad=True)
    out = L.nll(t, nl.tensor([1, 0]))
    np.testing.assert_allclose(out.numpy(), np.log(2) / 2)
    out.backward()
    np.testing.assert_array_equal(t.grad.numpy(), [[0, -0.5], [-0.5, 0]])


# -- stability -----------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_losses_from_logits_finite_at_1000(dtype):
    x = nl.tensor(np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 3.0]], dtype=dtype), requires_grad=True)
    labels = nl.tensor(np.array([0, 2]))
    ce = L.softmax_cross_entropy(x, labels, reduction="none")
    np.testing.assert_allclose(ce.numpy(), [0.0, 997.0], rtol=1e-6)
    ce.sum().backward()
    assert np.all(np.isfinite(x.grad.numpy()))
    t = nl.tensor(np.array([[1.0, 0.0, 1.0], [1.0, 1.0, 0.0]], dtype=dtype))
    x.grad = None
    bce = L.binary_cross_entropy_with_logits(x, t, reduction="none")
    want = np.array([[0.0, 0.0, np.log(2)], [1000.0, 0.0, 3.0 + np.log1p(np.exp(-3.0))]])
    np.testing.assert_allclose(bce.numpy(), want, rtol=1e-6)
    bce.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), _sig(x.numpy().astype(np.float64)) - t.numpy(), rtol=1e-6, atol=1e-7)


def test_bce_with_logits_gradient_at_zero_is_half_minus_target():
    x = nl.tensor(np.zeros(2), requires_grad=True)
    L.binary_cross_entropy_with_logits(x, nl.tensor([1.0, 0.0]), reduction="sum").backward()
    np.testing.assert_array_equal(x.grad.numpy(), [-0.5, 0.5])


def test_bce_on_probabilities_is_clipped():
    p = nl.tensor(np.array([0.0, 1.0, 1.0]), requires_grad=True)
    loss = L.binary_cross_entropy(p, nl.tensor([0.0, 1.0, 0.0]), reduction="none")
    np.testing.assert_allclose(loss.numpy(), [-np.log1p(-1e-7), -np.log1p(-1e-7), -np.log(1e-7)], rtol=1e-6)
    loss.sum().backward()
    assert np.all(np.isfinite(p.grad.numpy()))
    # agrees with the logits version away from the clip
    x = LOGITS[:, :1]
    np.testing.assert_allclose(L.binary_cross_entropy(nl.tensor(_sig(x)), nl.tensor(BIN)).numpy(),
                               L.binary_cross_entropy_with_logits(nl.tensor(x), nl.tensor(BIN)).numpy(), rtol=1e-6)


# -- penalties -----------------------------------------------------------------------------

def test_l2_penalty_is_the_lecture_formula_and_its_gradient():
    W = nl.tensor(RNG.normal(size=(4, 3)), requires_grad=True)
    b = nl.tensor(RNG.normal(size=3), requires_grad=True)
    l2reg = L.l2_penalty(W, 0.001)  # l2reg = 0.001 * tf.reduce_sum(tf.square(W))
    np.testing.assert_allclose(l2reg.numpy(), 0.001 * np.sum(np.square(W.numpy())), rtol=1e-14)
    both = L.l2_penalty([W, b], 0.01)
    np.testing.assert_allclose(both.numpy(), 0.01 * (np.sum(W.numpy() ** 2) + np.sum(b.numpy() ** 2)), rtol=1e-14)
    both.backward()
    np.testing.assert_allclose(W.grad.numpy(), 0.02 * W.numpy(), rtol=1e-14)
    np.testing.assert_allclose(L.l2_penalty({"W": W, "b": b}, 0.01).numpy(), both.numpy())
    gradcheck(lambda w, v: L.l2_penalty([w, v], 0.3), [W.numpy(), b.numpy()])


def test_l1_penalty():
    W = nl.tensor(np.array([[1.0, -2.0], [0.5, -0.25]]), requires_grad=True)
    p = L.l1_penalty([W, nl.tensor([3.0])], 0.1)
    np.testing.assert_allclose(p.numpy(), 0.1 * 6.75, rtol=1e-6)
    L.l1_penalty(W, 0.1).backward()
    np.testing.assert_allclose(W.grad.numpy(), 0.1 * np.sign(W.numpy()))
    gradcheck(lambda w: L.l1_penalty(w, 0.3), [W.numpy()])


def test_penalties_in_graph_mode():
    w = np.arange(6.0).reshape(2, 3)
    for fn, want in ((L.l2_penalty, 0.5 * 55), (L.l1_penalty, 0.5 * 15)):
        eager, graph, c1, _ = _three_ways(lambda t, f=fn: f(t, 0.5), w)
        np.testing.assert_allclose([eager, graph, c1], want)


# -- errors --------------------------------------------------------------------------------

def test_errors_name_the_loss_and_the_shapes():
    with pytest.raises(nl.ShapeError, match=r"mse.*\(8,\).*\(8, 1\)"):
        L.mse(nl.tensor(np.zeros((8, 1))), nl.tensor(np.zeros(8)))  # would silently broadcast to (8, 8)
    with pytest.raises(nl.LabelError, match=r"label 5 at position 0 is outside the valid range \[0, 5\)"):
        L.softmax_cross_entropy(nl.tensor(LOGITS), nl.tensor(np.full(N, 5)))
    with pytest.raises(nl.ShapeError, match="nll: labels of shape"):
        L.nll(nl.tensor(LOGITS), nl.tensor(np.zeros(3, dtype=np.int64)))
    with pytest.raises(nl.ShapeError, match="integer target"):
        L.softmax_cross_entropy(nl.tensor(LOGITS), nl.tensor(ONEHOT.astype(np.int64)))
    with pytest.raises(ValueError, match="no parameters"):
        L.l2_penalty([], 0.1)


def test_mse_with_unknown_batch_dimension():
    with nl.Graph().as_default():
        p = nl.placeholder((None, 3), np.float64)
        t = nl.placeholder((None, 3), np.float64)
        out = nl.run(L.mse(p, t), {p: PRED, t: TARGET})
    np.testing.assert_allclose(out, np.mean((PRED - TARGET) ** 2), rtol=1e-12)
