"""fit/evaluate/predict semantics users bring from Keras and PyTorch (issue 9).

Every test here failed before issue 9: a second fit trained nothing, empty data
gave plausible numbers, BatchNorm on one sample returned beta, and the Keras
arguments (validation_split, metrics, class_weight, loaders, callable losses,
probabilities) did not exist.
"""
import warnings

import numpy as np
import pytest

import neuralab as nl
from neuralab import data, nn
from neuralab.functional import losses as L
from neuralab.train import NonFiniteError, Trainer

DS = data.digits()
X, Y = DS.x_train[:256], DS.y_train[:256]


def _trainer(compiled=True, seed=3, **kw):
    nl.seed(seed)
    model = nn.Sequential(nn.Dense(64, 16, activation="relu"), nn.Dropout(0.2), nn.Dense(16, 10))
    return Trainer(model, optimizer=kw.pop("optimizer", "adam"), lr=kw.pop("lr", 1e-2), compiled=compiled, **kw)


def _params(t):
    return {k: v.copy() for k, v in t.model.state_dict().items()}


# -- epochs: N more per call ------------------------------------------------------------------------

@pytest.mark.parametrize("compiled", [True, False])
def test_a_second_fit_trains_epochs_more_with_a_fresh_history(compiled):
    t = _trainer(compiled)
    h1 = t.fit(X, Y, epochs=2, batch_size=64, verbose=0)
    after_first = _params(t)
    h2 = t.fit(X, Y, epochs=2, batch_size=64, verbose=0)
    assert t.epoch == 4 and t.global_step == 16
    assert h1 is not h2 and h2.epochs == [2, 3] and len(h2.history["loss"]) == 2
    assert h1.epochs == [0, 1]
    assert any(not np.array_equal(after_first[k], v) for k, v in t.model.state_dict().items())


@pytest.mark.parametrize("compiled", [True, False])
def test_two_fits_of_two_epochs_equal_one_fit_of_four_bit_for_bit(compiled):
    a = _trainer(compiled)
    ha = a.fit(X, Y, epochs=4, batch_size=64, verbose=0)
    b = _trainer(compiled)
    b.fit(X, Y, epochs=2, batch_size=64, verbose=0)
    hb = b.fit(X, Y, epochs=2, batch_size=64, verbose=0)
    for k, v in a.model.state_dict().items():
        np.testing.assert_array_equal(v, b.model.state_dict()[k])
    assert ha.history["loss"][2:] == hb.history["loss"]


def test_initial_epoch_is_the_keras_total_style():
    t = _trainer()
    t.fit(X, Y, epochs=1, batch_size=64, verbose=0)
    h = t.fit(X, Y, epochs=3, initial_epoch=1, batch_size=64, verbose=0)
    assert h.epochs == [1, 2] and t.epoch == 3
    assert t.fit(X, Y, epochs=3, initial_epoch=3, verbose=0).epochs == []  # nothing left to train
    with pytest.raises(ValueError, match="initial_epoch"):
        t.fit(X, Y, epochs=3, initial_epoch=-1, verbose=0)


def test_epochs_and_batch_size_are_checked():
    t = _trainer()
    for kw, msg in (({"epochs": -1}, "epochs"), ({"epochs": 1.5}, "epochs"), ({"batch_size": 0}, "batch_size")):
        with pytest.raises(ValueError, match=msg):
            t.fit(X, Y, verbose=0, **kw)


# -- empty data, BatchNorm on one sample -----------------------------------------------------------

@pytest.mark.parametrize("compiled", [True, False])
def test_empty_data_is_an_error_for_fit_and_evaluate(compiled):
    t = _trainer(compiled)
    empty_x, empty_y = X[:0], Y[:0]
    with pytest.raises(ValueError, match=r"fit: the data is empty \(0 samples\)"):
        t.fit(empty_x, empty_y, verbose=0)
    with pytest.raises(ValueError, match=r"evaluate: the data is empty \(0 samples\)"):
        t.evaluate(empty_x, empty_y)
    with pytest.raises(ValueError, match="empty"):
        t.fit(X, Y, validation_data=(empty_x, empty_y), verbose=0)
    with pytest.raises(ValueError, match="empty"):
        t.fit(iter([]), verbose=0)
    assert t.global_step == 0


def test_batch_norm_refuses_one_sample_per_feature_in_training_in_every_mode():
    bn = nn.BatchNorm(3)
    one = np.ones((1, 3), np.float32)
    with pytest.raises(nl.ShapeError, match=r"BatchNorm: training needs more than one value per feature.*\(1, 3\)"):
        bn(nl.tensor(one))
    with pytest.raises(nl.ShapeError, match="more than one value"):
        nl.compile(lambda x: bn(x))(one)
    with nl.Graph().as_default(), pytest.raises(nl.ShapeError, match="more than one value"):
        bn(nl.placeholder((1, 3)))
    conv_bn = nn.BatchNorm(2)
    with pytest.raises(nl.ShapeError, match=r"\(1, 1, 1, 2\)"):
        conv_bn(nl.tensor(np.ones((1, 1, 1, 2), np.float32)))
    conv_bn(nl.tensor(np.ones((1, 2, 1, 2), np.float32)))  # 2 values per channel: fine
    bn.eval()
    np.testing.assert_allclose(bn(nl.tensor(one)).numpy(), one / np.sqrt(1 + bn.eps), rtol=1e-6)


def test_fit_refuses_a_last_batch_of_one_with_batch_norm():
    nl.seed(0)
    t = Trainer(nn.Sequential(nn.Dense(64, 8), nn.BatchNorm(8), nn.Dense(8, 10)), optimizer="sgd", lr=0.1)
    with pytest.raises(ValueError, match=r"65 samples and batch_size=32 a training batch holds 1 sample"):
        t.fit(X[:65], Y[:65], batch_size=32, verbose=0)
    assert t.global_step == 0
    t.fit(X[:64], Y[:64], batch_size=32, verbose=0)


# -- Keras arguments ---------------------------------------------------------------------------------

def test_validation_split_holds_out_the_last_fraction():
    t = _trainer(lr=1e-9, optimizer="sgd")
    h = t.fit(X, Y, epochs=1, batch_size=64, validation_split=0.25, verbose=0)
    assert t.global_step == 3  # 192 training samples
    expect = t.evaluate(X[192:], Y[192:])
    assert h.history["val_loss"] == [pytest.approx(expect["loss"], rel=1e-6)]
    assert h.history["val_accuracy"] == [expect["accuracy"]]
    for bad in (1.5, -0.1):
        with pytest.raises(ValueError, match="validation_split"):
            t.fit(X, Y, validation_split=bad, verbose=0)


@pytest.mark.parametrize("compiled", [True, False])
def test_class_weight_scales_each_examples_loss(compiled):
    nl.seed(0)
    t = Trainer(nn.Sequential(nn.Dense(64, 10)), optimizer="sgd", lr=1e-30, compiled=compiled)
    z = t.predict(X[:64]).astype(np.float64)
    m = z.max(1, keepdims=True)
    per = (np.log(np.exp(z - m).sum(1)) + m[:, 0]) - z[np.arange(64), Y[:64]]
    weights = {0: 5.0, 3: 0.5}
    w = np.array([weights.get(int(c), 1.0) for c in Y[:64]])
    h = t.fit(X[:64], Y[:64], epochs=1, batch_size=64, class_weight=weights, verbose=0)
    np.testing.assert_allclose(h.history["loss"][0], np.mean(per * w), rtol=1e-5)  # Keras: mean of w_i l_i
    assert abs(np.mean(per * w) - np.mean(per)) > 0.1
    with pytest.raises(ValueError, match="class_weight needs a classification loss"):
        Trainer(nn.Sequential(nn.Dense(64, 10)), loss="mse").fit(X, np.zeros((256, 10)), class_weight={0: 1.0},
                                                                  verbose=0)


def test_metrics_by_name_and_as_functions_on_train_and_validation():
    def top2(y_true, y_pred):
        return float(np.mean((np.argsort(y_pred, axis=1)[:, -2:] == y_true[:, None]).any(axis=1)))

    t = _trainer(lr=1e-9, optimizer="sgd")
    h = t.fit(X, Y, epochs=1, batch_size=256, validation_data=(X[:100], Y[:100]), metrics=["accuracy", top2],
              verbose=0)
    assert set(h.history) == {"loss", "accuracy", "top2", "lr", "val_loss", "val_accuracy", "val_top2"}
    logits = t.predict(X[:100])
    assert h.history["val_top2"][0] == pytest.approx(top2(Y[:100], logits))
    assert h.history["val_accuracy"][0] == pytest.approx(np.mean(logits.argmax(1) == Y[:100]))
    with pytest.raises(ValueError, match="unknown metric 'f1'"):
        Trainer(t.model, metrics=["f1"])


def test_regression_metrics():
    nl.seed(0)
    x = np.random.default_rng(0).normal(size=(64, 3)).astype(np.float32)
    yreg = x @ np.array([[1.0], [2.0], [-1.0]], np.float32)
    t = Trainer(nn.Sequential(nn.Dense(3, 1)), optimizer="sgd", lr=1e-9, loss="mse", metrics=["mae", "mse"])
    r = t.evaluate(x, yreg)
    pred = t.predict(x)
    assert r["mae"] == pytest.approx(np.mean(np.abs(pred - yreg)), rel=1e-5)
    assert r["mse"] == pytest.approx(r["loss"], rel=1e-5)


def test_fit_on_a_dataloader_a_dataset_a_generator_and_a_list_of_batches():
    base = _trainer()
    base.fit(X, Y, epochs=2, batch_size=64, shuffle=True, seed=5, verbose=0)
    ld = _trainer()
    ld.fit(data.DataLoader(X, Y, batch_size=64, shuffle=True, seed=5), epochs=2, verbose=0)
    for k, v in base.model.state_dict().items():  # an array loader trains exactly like fit(x, y)
        np.testing.assert_array_equal(v, ld.model.state_dict()[k])

    ds = _trainer()
    h = ds.fit(data.TensorDataset(X, Y), epochs=1, batch_size=64, verbose=0)
    assert ds.global_step == 4 and len(h.history["loss"]) == 1

    def batches():
        while True:
            for i in range(0, 256, 64):
                yield X[i:i + 64], Y[i:i + 64]

    gen = _trainer()
    h = gen.fit(batches(), epochs=3, steps_per_epoch=4, verbose=0)
    assert gen.global_step == 12 and len(h.history["loss"]) == 3

    listed = _trainer()
    listed.fit([(X[i:i + 64], Y[i:i + 64]) for i in range(0, 256, 64)], epochs=2, verbose=0)
    assert listed.global_step == 8

    once = _trainer()
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        h = once.fit(((X[i:i + 64], Y[i:i + 64]) for i in range(0, 256, 64)), epochs=3, verbose=0)
    assert once.global_step == 4 and len(h.history["loss"]) == 1
    assert any("exhausted" in str(m.message) for m in w)


def test_a_map_style_dataset_through_the_dataloader():
    class Pairs(data.Dataset):
        def __len__(self):
            return 64

        def __getitem__(self, i):
            return X[i], Y[i]

    t = _trainer()
    t.fit(data.DataLoader(Pairs(), batch_size=16, shuffle=True), epochs=1, verbose=0)
    assert t.global_step == 4
    r = t.evaluate(data.DataLoader(Pairs(), batch_size=16))
    assert r == pytest.approx(t.evaluate(X[:64], Y[:64]))


@pytest.mark.parametrize("compiled", [True, False])
def test_a_callable_loss_trains_like_the_named_one(compiled):
    named = _trainer(compiled)
    named.fit(X, Y, epochs=2, batch_size=64, verbose=0)
    fn = _trainer(compiled, loss=lambda out, y: L.softmax_cross_entropy(out, y))
    h = fn.fit(X, Y, epochs=2, batch_size=64, verbose=0)
    for k, v in named.model.state_dict().items():
        np.testing.assert_allclose(v, fn.model.state_dict()[k], rtol=1e-6, atol=1e-7)
    assert "accuracy" not in h.history  # the Trainer cannot know what a callable loss measures
    named = _trainer(compiled)
    hn = named.fit(X, Y, epochs=2, batch_size=64, verbose=0)
    torchlike = _trainer(compiled, loss=nn.CrossEntropyLoss(), metrics=["accuracy"])
    h = torchlike.fit(X, Y, epochs=2, batch_size=64, verbose=0)
    assert h.history["accuracy"] == hn.history["accuracy"]  # counted from the outputs, same trajectory


def test_predict_probabilities():
    t = _trainer()
    logits = t.predict(X[:5])
    p = t.predict(X[:5], probabilities=True)
    np.testing.assert_allclose(p.sum(1), 1.0, rtol=1e-6)
    e = np.exp(logits - logits.max(1, keepdims=True))
    np.testing.assert_allclose(p, e / e.sum(1, keepdims=True), rtol=1e-5)
    nl.seed(0)
    b = Trainer(nn.Sequential(nn.Dense(64, 1)), loss="binary_cross_entropy_with_logits")
    np.testing.assert_allclose(b.predict(X[:5], probabilities=True), 1 / (1 + np.exp(-b.predict(X[:5]))),
                               rtol=1e-6)
    with pytest.raises(ValueError, match="probabilities=True needs a classification loss"):
        Trainer(nn.Sequential(nn.Dense(64, 1)), loss="mse").predict(X[:5], probabilities=True)


# -- gradient clipping, the NaN guard, schedules -----------------------------------------------------

@pytest.mark.parametrize("compiled", [True, False])
def test_clip_grad_norm_reuses_the_optimizers_max_grad_norm(compiled):
    from neuralab.optim import SGD

    t = _trainer(compiled, optimizer="sgd", lr=0.5, clip_grad_norm=0.1)
    assert t.optimizer.max_grad_norm == 0.1
    t.fit(X, Y, epochs=1, batch_size=64, verbose=0)
    assert t.optimizer.last_grad_norm > 0.1  # the gradients were clipped
    nl.seed(3)
    model = nn.Sequential(nn.Dense(64, 16, activation="relu"), nn.Dropout(0.2), nn.Dense(16, 10))
    ref = Trainer(model, optimizer=SGD(model.parameters(), lr=0.5, max_grad_norm=0.1), compiled=compiled)
    ref.fit(X, Y, epochs=1, batch_size=64, verbose=0)
    for k, v in t.model.state_dict().items():
        np.testing.assert_array_equal(v, ref.model.state_dict()[k])
    with pytest.raises(ValueError, match="clip_grad_norm"):
        _trainer(clip_grad_norm=0.0)


def test_nan_guard_option_of_fit():
    t = _trainer(optimizer="sgd", lr=1e30)
    with pytest.raises(NonFiniteError, match=r"at global step \d+ \(epoch 1, batch \d+\)"):
        with np.errstate(all="ignore"):
            t.fit(X * 1e20, Y, epochs=3, batch_size=32, verbose=0, nan_guard=True)
    assert t.epoch == 0


def test_reduce_lr_on_plateau_as_the_trainers_schedule():
    from neuralab.optim import SGD, ReduceLROnPlateau

    nl.seed(0)
    model = nn.Sequential(nn.Dense(64, 10))
    opt = SGD(model.parameters(), lr=1e-3)
    sched = ReduceLROnPlateau(opt, factor=0.5, patience=0, threshold=0.5)  # only a halving counts as better
    t = Trainer(model, optimizer=opt, schedule=sched)
    h = t.fit(X, Y, epochs=4, batch_size=128, validation_data=(X[:50], Y[:50]), verbose=0)
    assert h.history["lr"] == [1e-3, 1e-3, 5e-4, 2.5e-4]  # (the first epoch improves on +inf)


def test_the_real_learning_rate_is_logged_each_epoch():
    t = _trainer(optimizer="sgd", lr=None)
    h = t.fit(X, Y, epochs=1, batch_size=128, verbose=0)
    assert h.history["lr"] == [0.01]  # sgd's default, not None
