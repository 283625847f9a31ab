"""Bad targets are errors in every mode: eager, graph (nl.run), compiled, the Trainer, compat.v1.

Before issue 9, labels outside [0, classes) added 0 to the loss in graph and
compiled mode (one_hot gives a zero row) and mse broadcast (N, 10) outputs
against (N, 1) class labels; these tests pin the errors.
"""
import numpy as np
import pytest

import neuralab as nl
from neuralab import data, nn
from neuralab.functional import losses as L
from neuralab.train import Trainer

LOGITS = np.random.default_rng(0).normal(size=(6, 4)).astype(np.float32)
BAD_LABELS = {
    "too large": (np.array([0, 1, 4, 2, 3, 1]), r"label 4 at position 2 is outside the valid range \[0, 4\)"),
    "negative": (np.array([0, -1, 2, 2, 3, 1]), r"label -1 at position 1 is outside the valid range \[0, 4\)"),
    "NaN cast to int": (np.array([0, 1, 2, np.iinfo(np.int64).min, 3, 1]), r"NaN or infinite label"),
}


def _xent(x, y):
    return L.softmax_cross_entropy(x, y)


@pytest.mark.parametrize("case", sorted(BAD_LABELS))
def test_bad_labels_raise_label_error_eagerly(case):
    labels, msg = BAD_LABELS[case]
    with pytest.raises(nl.LabelError, match=msg):
        _xent(nl.tensor(LOGITS), nl.tensor(labels))
    with pytest.raises(nl.LabelError, match=msg):
        L.nll(nl.tensor(LOGITS), nl.tensor(labels))


@pytest.mark.parametrize("case", sorted(BAD_LABELS))
def test_bad_labels_raise_in_a_graph_run(case):
    labels, msg = BAD_LABELS[case]
    with nl.Graph().as_default():
        x = nl.placeholder((None, 4))
        y = nl.placeholder((None,), "int64")
        loss = _xent(x, y)
        assert np.isfinite(nl.run(loss, {x: LOGITS, y: np.array([0, 1, 2, 3, 3, 0])}))
        with pytest.raises(nl.LabelError, match=msg):
            nl.run(loss, {x: LOGITS, y: labels})


@pytest.mark.parametrize("case", sorted(BAD_LABELS))
def test_bad_labels_raise_in_a_compiled_call(case):
    labels, msg = BAD_LABELS[case]
    f = nl.compile(_xent)
    good = f(LOGITS, np.array([0, 1, 2, 3, 3, 0]))
    assert np.isfinite(good.numpy())
    with pytest.raises(nl.LabelError, match=msg):
        f(LOGITS, labels)
    assert f.trace_count == 1  # the check runs in the replayed kernel, not at trace time


def test_label_error_is_a_value_error_naming_the_op():
    assert issubclass(nl.LabelError, ValueError) and issubclass(nl.LabelError, nl.NeuralabError)
    with pytest.raises(nl.LabelError, match="label_nll"):
        L.label_nll(nl.tensor(LOGITS), nl.tensor(np.full(6, 9)))


@pytest.mark.parametrize("compiled", [True, False])
@pytest.mark.parametrize("bad", [7, -3, np.nan])
def test_trainer_refuses_bad_labels_in_fit(compiled, bad):
    nl.seed(0)
    ds = data.iris()
    y = ds.y_train.astype(np.float64 if np.isnan(bad) else np.int64).copy()
    y[5] = bad
    t = Trainer(nn.Sequential(nn.Dense(4, 3)), optimizer="sgd", lr=0.1, compiled=compiled)
    before = [p.numpy().copy() for p in t.params]
    with pytest.raises(nl.LabelError, match="position" if not np.isnan(bad) else "label nan at position 5"):
        t.fit(ds.x_train, y, epochs=1, batch_size=len(y), shuffle=False, verbose=0)
    for b, p in zip(before, t.params):  # the check comes before the update
        np.testing.assert_array_equal(b, p.numpy())


def test_trainer_refuses_fractional_float_labels():
    t = Trainer(nn.Sequential(nn.Dense(4, 3)), optimizer="sgd", lr=0.1)
    with pytest.raises(nl.LabelError, match="not a whole number"):
        t.train_step(np.zeros((2, 4), np.float32), np.array([0.0, 1.5]))


def test_compat_sparse_cross_entropy_raises_invalid_argument_from_label_error():
    tf = pytest.importorskip("neuralab.compat.v1")
    x = tf.placeholder(tf.float32, [None, 4])
    y = tf.placeholder(tf.int64, [None])
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=x))
    with tf.Session() as sess:
        assert np.isfinite(sess.run(loss, {x: LOGITS, y: [0, 1, 2, 3, 3, 0]}))
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"outside the valid range \[0, 4\)") as info:
            sess.run(loss, {x: LOGITS, y: [0, 1, 4, 2, 3, 1]})
    assert isinstance(info.value.__cause__, nl.LabelError)


def test_a_minus_inf_in_another_class_keeps_the_loss_finite():
    lp = nl.tensor(np.array([[-np.inf, np.log(0.5), np.log(0.5)]]), requires_grad=True)
    loss = L.nll(lp, nl.tensor([1]))
    loss.backward()
    np.testing.assert_allclose(loss.numpy(), np.log(2.0))
    np.testing.assert_array_equal(lp.grad.numpy(), [[0.0, -1.0, 0.0]])


# -- regression targets that do not fit the outputs ------------------------------------------------

def test_mse_refuses_class_labels_against_many_outputs_in_every_mode():
    out, labels = np.zeros((8, 10), np.float32), np.arange(8, dtype=np.float32)[:, None]
    with pytest.raises(nl.ShapeError, match=r"mse: target of shape \(8, 1\).*\(8, 10\).*classification loss"):
        L.mse(nl.tensor(out), nl.tensor(labels))
    with pytest.raises(nl.ShapeError, match=r"\(8, 1\)"):
        nl.compile(L.mse)(out, labels)
    with nl.Graph().as_default(), pytest.raises(nl.ShapeError, match=r"\(\?, 1\).*\(\?, 10\)"):
        L.mse(nl.placeholder((None, 10)), nl.placeholder((None, 1)))


@pytest.mark.parametrize("compiled", [True, False])
def test_trainer_with_mse_and_integer_labels_is_an_error(compiled):
    ds = data.digits()
    t = Trainer(nn.Sequential(nn.Dense(64, 10)), optimizer="sgd", lr=0.1, loss="mse", compiled=compiled)
    with pytest.raises(nl.ShapeError, match=r"mse: target of shape \(32, 1\) does not match .*\(32, 10\)"):
        t.fit(ds.x_train, ds.y_train, epochs=1, verbose=0)


def test_binary_losses_refuse_broadcasting_targets():
    with pytest.raises(nl.ShapeError, match="binary_cross_entropy_with_logits"):
        L.binary_cross_entropy_with_logits(nl.tensor(np.zeros((4, 3))), nl.tensor(np.zeros((4, 1))))
    with pytest.raises(nl.ShapeError, match="binary_cross_entropy"):
        L.binary_cross_entropy(nl.tensor(np.full((4,), 0.5)), nl.tensor(np.zeros((4, 1))))
