"""Training loop: the lectures' XOR and digits outcomes, callbacks, exact resume."""
import numpy as np
import pytest

import neuralab as nl
from neuralab import data, nn
from neuralab.train import Checkpoint, EarlyStopping, NaNGuard, NonFiniteError, Trainer


def _xor_model():
    return nn.Sequential(nn.Dense(2, 2, activation="sigmoid", weight_init=lambda s, dtype=None, rng=None:
                                  nl.init.uniform(s, -1.0, 1.0, dtype=dtype, rng=rng)),
                         nn.Dense(2, 1, activation="sigmoid"))


@pytest.mark.parametrize("compiled", [True, False])
def test_xor_two_layer_sigmoid_reaches_accuracy_one(compiled):
    nl.seed(1)
    ds = data.xor()
    t = Trainer(_xor_model(), optimizer="sgd", lr=1.0, loss="binary_cross_entropy", compiled=compiled)
    t.fit(ds.x_train, ds.y_train, epochs=2000, batch_size=4, shuffle=False, verbose=0)
    assert t.evaluate(ds.x_test, ds.y_test)["accuracy"] == 1.0


def test_compiled_and_eager_steps_agree():
    ds = data.digits()
    results = []
    for compiled in (True, False):
        nl.seed(3)
        model = nn.Sequential(nn.Dense(64, 32, activation="relu"), nn.Dense(32, 10))
        t = Trainer(model, optimizer="adam", lr=1e-2, compiled=compiled)
        t.fit(ds.x_train[:256], ds.y_train[:256], epochs=2, batch_size=64, verbose=0)
        results.append(model.state_dict())
    for k in results[0]:
        np.testing.assert_allclose(results[0][k], results[1][k], rtol=1e-5, atol=1e-6)


def test_digits_small_mlp_reaches_95_percent():
    nl.seed(0)
    ds = data.digits()
    model = nn.Sequential(nn.Dense(64, 64, activation="relu"), nn.Dense(64, 10))
    t = Trainer(model, optimizer="adam", lr=1e-2)
    h = t.fit(ds.x_train, ds.y_train, epochs=15, batch_size=32, validation_data=ds.test, verbose=0)
    assert t.evaluate(ds.x_test, ds.y_test)["accuracy"] >= 0.95
    assert len(h.history["loss"]) == 15 and h.history["loss"][-1] < h.history["loss"][0]
    assert t._train.trace_count <= 2  # one trace per batch shape (the last batch is shorter)


def _run(tmp_path, epochs, resume=False, every_steps=None):
    nl.seed(7)
    ds = data.digits()
    model = nn.Sequential(nn.Dense(64, 32, activation="relu"), nn.Dropout(0.2), nn.Dense(32, 10))
    t = Trainer(model, optimizer="adam", lr=5e-3)
    cbs = [Checkpoint(tmp_path, every=1, every_steps=every_steps)]
    resume_from = str(tmp_path / "last.safetensors") if resume else None
    t.fit(ds.x_train[:300], ds.y_train[:300], epochs=epochs, batch_size=64, callbacks=cbs, verbose=0,
          resume_from=resume_from)
    return t


def test_resume_from_checkpoint_is_bit_for_bit(tmp_path):
    full = _run(tmp_path / "a", epochs=4)
    _run(tmp_path / "b", epochs=2)  # "interrupted" after two epochs
    resumed = _run(tmp_path / "b", epochs=4, resume=True)
    a, b = full.model.state_dict(), resumed.model.state_dict()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    assert full.history.history["loss"] == resumed.history.history["loss"]
    assert resumed.global_step == full.global_step


def test_resume_mid_epoch_is_bit_for_bit(tmp_path):
    full = _run(tmp_path / "a", epochs=2)

    class Interrupt(Exception):
        pass

    nl.seed(7)
    ds = data.digits()
    model = nn.Sequential(nn.Dense(64, 32, activation="relu"), nn.Dropout(0.2), nn.Dense(32, 10))
    t = Trainer(model, optimizer="adam", lr=5e-3)

    class Stop(nl.train.Callback):
        def on_batch_end(self, trainer, step, logs):
            if step == 7:
                raise Interrupt

    with pytest.raises(Interrupt):
        t.fit(ds.x_train[:300], ds.y_train[:300], epochs=2, batch_size=64, verbose=0,
              callbacks=[Checkpoint(tmp_path / "b", every=1, every_steps=1), Stop()])
    resumed = _run(tmp_path / "b", epochs=2, resume=True, every_steps=1)
    for k, v in full.model.state_dict().items():
        np.testing.assert_array_equal(v, resumed.model.state_dict()[k])
    assert full.history.history["loss"] == resumed.history.history["loss"]


def test_nan_guard_names_the_step():
    nl.seed(0)
    ds = data.digits()
    model = nn.Sequential(nn.Dense(64, 10))
    t = Trainer(model, optimizer="sgd", lr=1e30)
    with pytest.raises(NonFiniteError, match=r"global step \d+ \(epoch 1, batch \d+\)"):
        t.fit(ds.x_train * 1e20, ds.y_train, epochs=1, batch_size=32, verbose=0, callbacks=[NaNGuard()])


def test_early_stopping_and_history():
    nl.seed(0)
    ds = data.digits()
    t = Trainer(nn.Sequential(nn.Dense(64, 10)), optimizer="sgd", lr=1e-9)  # nothing improves
    es = EarlyStopping(monitor="val_loss", patience=2, min_delta=1e-3)
    h = t.fit(ds.x_train, ds.y_train, epochs=20, batch_size=256, validation_data=ds.test, callbacks=[es],
              verbose=0)
    assert es.stopped_epoch is not None and len(h.history["val_loss"]) < 20


def test_epoch_line_in_the_notes_style(capsys):
    nl.seed(0)
    ds = data.iris()
    t = Trainer(nn.Sequential(nn.Dense(4, 3)), optimizer="adam", lr=0.05)
    t.fit(ds.x_train, ds.y_train, epochs=2, batch_size=40)
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Epoch: 0001 cost = ") and len(out[0].split("cost = ")[1].split()[0]) == 11
