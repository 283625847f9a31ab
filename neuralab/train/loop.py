"""Training: an explicit step you can call yourself, and ``fit``/``evaluate``/``predict`` around it.

The notes teach the explicit loop::

    for epoch in range(training_epochs):
        for xb, yb in DataLoader(x, y, batch_size=100, shuffle=True):
            loss, correct = trainer.train_step(xb, yb)   # forward, gradients, update

:class:`Trainer` is that loop with the conveniences of Keras' ``fit``: metrics,
validation each epoch, callbacks, checkpoints and exact resume. The train step
runs compiled (``neuralab.compile``: traced once per batch shape, replayed as a
flat schedule, optimizer updates included) unless ``compiled=False``.
"""
from __future__ import annotations

import numpy as np

from .. import functional as F
from .._core import random as _random
from .._core.graph import compile as _compile
from .._core.tensor import Tensor
from ..data.loader import DataLoader
from . import callbacks as cb

LOSSES = ("softmax_cross_entropy", "binary_cross_entropy", "binary_cross_entropy_with_logits", "mse")


def _loss_and_correct(kind, out, y):
    """The loss of a batch and its number of correct predictions (None for regression)."""
    from ..functional import losses as L
    from ..ops import argmax, cast, equal, greater, sum as nsum

    if kind == "softmax_cross_entropy":
        loss = L.softmax_cross_entropy(out, y)
        correct = nsum(cast(equal(argmax(out, axis=-1), y), "int64"))
    elif kind == "binary_cross_entropy":
        loss = L.binary_cross_entropy(out, y)
        correct = nsum(cast(equal(cast(greater(out, 0.5), out.dtype), y), "int64"))
    elif kind == "binary_cross_entropy_with_logits":
        loss = L.binary_cross_entropy_with_logits(out, y)
        correct = nsum(cast(equal(cast(greater(out, 0.0), out.dtype), y), "int64"))
    elif kind == "mse":
        loss = L.mse(out, y)
        correct = None
    else:
        raise ValueError(f"Trainer: unknown loss {kind!r}; choose one of {LOSSES}")
    return loss, correct


def make_optimizer(name, params, lr=None, **kw):
    """An optimizer from its name ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw")."""
    from .. import optim

    table = {"sgd": optim.SGD, "momentum": optim.Momentum, "nesterov": optim.Nesterov, "adagrad": optim.AdaGrad,
             "rmsprop": optim.RMSProp, "adam": optim.Adam, "adamw": optim.AdamW}
    key = str(name).lower()
    if key not in table:
        raise ValueError(f"unknown optimizer {name!r}; choose one of {sorted(table)}")
    if lr is not None:
        kw["lr"] = lr
    elif key in ("sgd", "momentum", "nesterov"):
        kw["lr"] = 0.01
    return table[key](params, **kw)


class Trainer:
    """Train ``model`` with ``optimizer`` on ``loss`` (a name from LOSSES).

    ``train_step(x, y)`` runs one update and returns ``(loss, correct)``;
    ``fit`` loops over epochs; ``evaluate`` returns ``{"loss", "accuracy"}``;
    ``predict`` returns model outputs. ``l2`` adds the notes' ``λ Σ w²`` over
    every parameter named ``weight``.
    """

    def __init__(self, model, optimizer="adam", loss: str = "softmax_cross_entropy", lr=None, l2: float = 0.0,
                 compiled: bool = True, schedule=None):
        self.model = model
        self.params = [p for p in model.parameters() if p.requires_grad]
        if isinstance(optimizer, str):
            optimizer = make_optimizer(optimizer, self.params, lr=lr)
        self.optimizer = optimizer
        if loss not in LOSSES:
            raise ValueError(f"Trainer: unknown loss {loss!r}; choose one of {LOSSES}")
        self.loss = loss
        self.l2 = float(l2)
        self.compiled = compiled
        self.schedule = schedule
        self._train = _compile(self._train_step) if compiled else self._train_step
        self._eval = _compile(self._eval_step) if compiled else self._eval_step
        self.epoch = 0
        self.batch_in_epoch = 0
        self.global_step = 0
        self.stop_training = False
        self.steps_per_epoch = 0
        self.history = cb.History()
        self._running = {"loss": 0.0, "correct": 0, "seen": 0}

    # -- the step (one definition, eager or traced) ------------------------------------------
    def _weights(self):
        return [p for n, p in self.model.named_parameters() if n.rsplit(".", 1)[-1] == "weight"]

    def _train_step(self, x, y):
        out = self.model(x)
        loss, correct = _loss_and_correct(self.loss, out, y)
        if self.l2:
            loss = loss + F.losses.l2_penalty(self._weights(), self.l2)
        from .._core.autograd import gradients

        grads = gradients(loss, self.params)
        self.optimizer.apply_gradients(grads)
        return loss, correct

    def _eval_step(self, x, y):
        out = self.model(x)
        loss, correct = _loss_and_correct(self.loss, out, y)
        return loss, correct

    def _prep(self, x, y):
        x = np.asarray(x)
        if x.dtype.kind == "f" and x.dtype != self._dtype:
            x = x.astype(self._dtype)
        y = np.asarray(y)
        if self.loss == "softmax_cross_entropy":
            y = y.astype(np.int64)
        else:
            y = y.astype(self._dtype)
            if y.ndim == 1:
                y = y[:, None]
        if not self.compiled:
            return Tensor(x), Tensor(y)
        return x, y

    @property
    def _dtype(self):
        return self.params[0].dtype if self.params else np.dtype(np.float32)

    def train_step(self, x, y):
        """One optimizer update on a batch; returns ``(loss, correct)`` as Python numbers."""
        if not self.model.training:
            self.model.train()
        xb, yb = self._prep(x, y)
        loss, correct = self._train(xb, yb)
        return float(loss.numpy()), (None if correct is None else int(correct.numpy()))

    # -- fit / evaluate / predict ---------------------------------------------------------------
    def fit(self, x, y, epochs: int = 1, batch_size: int = 32, validation_data=None, callbacks=(),
            shuffle: bool = True, seed: int = 0, verbose: int = 1, resume_from=None):
        """Train for ``epochs`` over (x, y); returns the :class:`History`.

        Each epoch's loss is the mean of its batch losses (the notes' ``avg_cost``);
        ``validation_data=(xv, yv)`` adds ``val_loss``/``val_accuracy``.
        ``resume_from`` continues a run from a checkpoint written by
        :class:`~neuralab.train.callbacks.Checkpoint`, bit for bit.
        """
        loader = DataLoader(x, y, batch_size=batch_size, shuffle=shuffle, seed=seed)
        self.steps_per_epoch = len(loader)
        cbs = [self.history]
        if verbose:
            bar = cb.ProgressBar()
            if bar.available:
                cbs.append(bar)
            cbs.append(cb.EpochLogger())
        cbs += list(callbacks)
        start_batch = 0
        if resume_from is not None:
            self.load_checkpoint(resume_from)
            start_batch = self.batch_in_epoch
        else:
            self._running = {"loss": 0.0, "correct": 0, "seen": 0}
        self.stop_training = False
        for c in cbs:
            c.on_train_begin(self)
        logs = {}
        while self.epoch < epochs and not self.stop_training:
            epoch = self.epoch
            for c in cbs:
                c.on_epoch_begin(self, epoch)
            idx = loader.order(epoch)
            nb = self.steps_per_epoch
            for b in range(start_batch, nb):
                j = idx[b * batch_size: (b + 1) * batch_size] if shuffle else slice(b * batch_size,
                                                                                     (b + 1) * batch_size)
                xb = loader.x[j]
                loss, correct = self.train_step(xb, loader.y[j])
                self.global_step += 1
                self.batch_in_epoch = b + 1
                r = self._running
                r["loss"] += loss / nb
                if correct is not None:
                    r["correct"] += correct
                r["seen"] += len(xb)
                if self.schedule is not None and getattr(self.schedule, "per_batch", False):
                    self.schedule.step()
                step_logs = {"loss": loss}
                for c in cbs:
                    c.on_batch_end(self, self.global_step, step_logs)
                if self.stop_training:
                    break
            start_batch = 0
            if self.stop_training and self.batch_in_epoch < nb:
                break
            r = self._running
            logs = {"loss": r["loss"]}
            if self.loss != "mse":
                logs["accuracy"] = r["correct"] / max(r["seen"], 1)
            if validation_data is not None:
                v = self.evaluate(*validation_data, batch_size=max(batch_size, 256))
                logs.update({f"val_{k}": val for k, val in v.items()})
            self.epoch += 1
            self.batch_in_epoch = 0
            self._running = {"loss": 0.0, "correct": 0, "seen": 0}
            if self.schedule is not None and not getattr(self.schedule, "per_batch", False):
                self.schedule.step()
            for c in cbs:
                c.on_epoch_end(self, epoch, logs)
        for c in cbs:
            c.on_train_end(self, logs)
        return self.history

    def evaluate(self, x, y, batch_size: int = 256) -> dict:
        """Mean loss and accuracy over (x, y), in eval mode (dropout off, BN running stats)."""
        self.model.eval()
        total, correct, n = 0.0, 0, len(x)
        for i in range(0, n, batch_size):
            xb, yb = self._prep(x[i: i + batch_size], y[i: i + batch_size])
            loss, c = self._eval(xb, yb)
            m = len(x[i: i + batch_size])
            total += float(loss.numpy()) * m
            if c is not None:
                correct += int(c.numpy())
        self.model.train()
        out = {"loss": total / max(n, 1)}
        if self.loss != "mse":
            out["accuracy"] = correct / max(n, 1)
        return out

    def predict(self, x, batch_size: int = 256) -> np.ndarray:
        """Model outputs for x (logits for classifiers), computed in eval mode without gradients."""
        from .._core.config import no_grad

        self.model.eval()
        outs = []
        with no_grad():
            for i in range(0, len(x), batch_size):
                xb = np.asarray(x[i: i + batch_size])
                if xb.dtype.kind == "f":
                    xb = xb.astype(self._dtype)
                outs.append(self.model(Tensor(xb)).numpy())
        self.model.train()
        return np.concatenate(outs) if outs else np.zeros((0,))

    # -- checkpoints ---------------------------------------------------------------------------
    def state_dict(self) -> dict:
        """Everything a bit-for-bit resume needs: model, optimizer, schedule, counters, RNG, history."""
        state = {
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "counters": {"epoch": self.epoch, "batch_in_epoch": self.batch_in_epoch,
                         "global_step": self.global_step},
            "running": dict(self._running),
            "rng": _random.get_state(),
            "history": self.history.state_dict(),
        }
        if self.schedule is not None:
            state["schedule"] = self.schedule.state_dict()
        return state

    def load_state_dict(self, state: dict) -> None:
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        c = state["counters"]
        self.epoch, self.batch_in_epoch, self.global_step = int(c["epoch"]), int(c["batch_in_epoch"]), \
            int(c["global_step"])
        self._running = {"loss": float(state["running"]["loss"]), "correct": int(state["running"]["correct"]),
                         "seen": int(state["running"]["seen"])}
        _random.set_state(state["rng"])
        self.history.load_state_dict(state["history"])
        if self.schedule is not None and "schedule" in state:
            self.schedule.load_state_dict(state["schedule"])

    def save_checkpoint(self, path) -> None:
        """Write :meth:`state_dict` atomically (safetensors; see neuralab.io)."""
        from ..io import save

        save(self.state_dict(), path)

    def load_checkpoint(self, path) -> None:
        """Restore a state written by :meth:`save_checkpoint`."""
        from ..io import load

        self.load_state_dict(load(path))


def fit(model, x, y, *, optimizer="adam", loss="softmax_cross_entropy", lr=None, epochs=1, batch_size=32,
        validation_data=None, callbacks=(), shuffle=True, seed=0, verbose=1, compiled=True, l2=0.0,
        resume_from=None):
    """Keras-style one-liner: build a :class:`Trainer` and fit; returns ``(trainer, history)``."""
    t = Trainer(model, optimizer=optimizer, loss=loss, lr=lr, l2=l2, compiled=compiled)
    h = t.fit(x, y, epochs=epochs, batch_size=batch_size, validation_data=validation_data, callbacks=callbacks,
              shuffle=shuffle, seed=seed, verbose=verbose, resume_from=resume_from)
    return t, h


def accuracy(logits, labels) -> float:
    """Fraction of rows whose argmax equals the label."""
    return float(np.mean(np.argmax(np.asarray(logits), axis=-1) == np.asarray(labels)))
