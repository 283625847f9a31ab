"""Callbacks users rely on (issue 9): checkpoints that never keep a diverged state, progress without a TTY."""
import io as _io
import os
import re

import numpy as np
import pytest

import neuralab as nl
from neuralab import data, io, nn
from neuralab.train import Checkpoint, NaNGuard, NonFiniteError, ProgressBar, Trainer

pytest.importorskip("safetensors")
DS = data.digits()


def test_tensorboard_imports_from_neuralab_train():
    from neuralab.train import TensorBoard  # the README's import

    assert TensorBoard.__module__ == "neuralab.train.tensorboard"


def test_a_diverging_run_keeps_the_last_good_checkpoint(tmp_path):
    nl.seed(0)
    model = nn.Sequential(nn.Dense(64, 256, activation="relu"), nn.Dense(256, 256, activation="relu"),
                          nn.Dense(256, 10))
    t = Trainer(model, optimizer="sgd", lr=1e4)
    ck = Checkpoint(tmp_path, every_steps=1)
    with np.errstate(all="ignore"), pytest.raises(NonFiniteError, match=r"global step (\d+)") as info:
        t.fit(DS.x_train, DS.y_train, epochs=1, batch_size=32, verbose=0, callbacks=[NaNGuard(), ck])
    nan_step = int(re.search(r"global step (\d+)", str(info.value)).group(1))
    state = io.load(tmp_path / "last.safetensors")
    assert state["counters"]["global_step"] == nan_step - 1  # the guard stops before the NaN step is saved
    assert all(np.isfinite(v).all() for v in state["model"].values())
    # a state whose parameters already hold NaN/Inf is never written over the good one
    t.model[0].weight.data[0, 0] = np.nan
    with pytest.warns(RuntimeWarning, match=r"not saving at step \d+: parameter 0.weight holds NaN or Inf"):
        assert ck.save(t) is None
    assert io.load(tmp_path / "last.safetensors")["counters"]["global_step"] == nan_step - 1


def test_checkpoint_checks_its_folder_before_training(tmp_path):
    f = tmp_path / "afile"
    f.write_text("x")
    t = Trainer(nn.Sequential(nn.Dense(64, 10)), optimizer="sgd", lr=0.1)
    with pytest.raises(io.CheckpointDirError, match="is a file"):
        t.fit(DS.x_train, DS.y_train, epochs=1, verbose=0, callbacks=[Checkpoint(f)])
    assert t.global_step == 0  # found before any work


def test_checkpoint_keeps_k_and_the_best(tmp_path):
    nl.seed(0)
    t = Trainer(nn.Sequential(nn.Dense(64, 10)), optimizer="adam", lr=1e-2)
    ck = Checkpoint(tmp_path, keep=2, best="val_accuracy")
    h = t.fit(DS.x_train[:300], DS.y_train[:300], epochs=4, batch_size=100, validation_data=DS.test, verbose=0,
              callbacks=[ck])
    assert sorted(os.listdir(tmp_path)) == ["best.safetensors", "last.1.safetensors", "last.safetensors"]
    best = io.load(tmp_path / "best.safetensors")
    accs = h.history["val_accuracy"]
    assert best["counters"]["epoch"] == int(np.argmax(accs)) + 1 and ck.best_value == max(accs)
    with pytest.raises(ValueError, match="keep"):
        Checkpoint(tmp_path, keep=0)


def test_fit_resumes_from_the_previous_checkpoint_when_last_is_corrupt(tmp_path):
    def run(epochs, resume=False):
        nl.seed(1)
        t = Trainer(nn.Sequential(nn.Dense(64, 10)), optimizer="adam", lr=1e-2)
        t.fit(DS.x_train[:200], DS.y_train[:200], epochs=epochs, batch_size=50, verbose=0,
              callbacks=[Checkpoint(tmp_path)], resume_from=str(tmp_path / "last.safetensors") if resume else None)
        return t

    run(3)
    raw = bytearray((tmp_path / "last.safetensors").read_bytes())
    raw[-3] ^= 1
    (tmp_path / "last.safetensors").write_bytes(bytes(raw))
    with pytest.warns(io.CheckpointWarning, match="resuming from the older"):
        t = run(4, resume=True)
    assert t.epoch == 4 and t.history.epochs == [0, 1, 2, 3]  # epoch 3 trained again from epoch 2's state


class _Pipe(_io.StringIO):
    def isatty(self):
        return False


def test_progress_prints_plain_periodic_lines_when_not_a_tty():
    out = _Pipe()
    t = Trainer(nn.Sequential(nn.Dense(64, 10)), optimizer="sgd", lr=0.1)
    t.fit(DS.x_train, DS.y_train, epochs=1, batch_size=64, verbose=0, callbacks=[ProgressBar(interval=0.0,
                                                                                             file=out)])
    lines = out.getvalue().splitlines()
    assert len(lines) == t.steps_per_epoch
    assert lines[0].startswith("epoch 1: 1/23 steps (4%), ") and "steps/s, ETA " in lines[0]
    assert lines[-1].startswith("epoch 1: 23/23 steps (100%)")
    quiet = _Pipe()
    t.fit(DS.x_train, DS.y_train, epochs=1, verbose=0, callbacks=[ProgressBar(interval=3600, file=quiet)])
    assert quiet.getvalue() == ""  # short epochs print nothing extra


def test_progress_uses_tqdm_on_a_terminal():
    pytest.importorskip("tqdm")

    class Tty(_io.StringIO):
        def isatty(self):
            return True

    out = Tty()
    t = Trainer(nn.Sequential(nn.Dense(64, 10)), optimizer="sgd", lr=0.1)
    t.fit(DS.x_train, DS.y_train, epochs=1, batch_size=64, verbose=0, callbacks=[ProgressBar(file=out)])
    assert out.getvalue().startswith("\repoch 1:") and "| 0/23 " in out.getvalue()  # a bar over the 23 steps
