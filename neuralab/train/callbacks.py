"""Training callbacks: plain objects with hooks, called by :class:`neuralab.train.Trainer`.

Hooks (all optional): ``on_train_begin(trainer)``, ``on_epoch_begin(trainer, epoch)``,
``on_batch_end(trainer, step, logs)``, ``on_epoch_end(trainer, epoch, logs)``,
``on_train_end(trainer, logs)``. A callback stops training by setting
``trainer.stop_training = True``.
"""
from __future__ import annotations

import math
import os
import sys


class Callback:
    """Base class; override the hooks you need."""

    def on_train_begin(self, trainer):
        pass

    def on_epoch_begin(self, trainer, epoch: int):
        pass

    def on_batch_end(self, trainer, step: int, logs: dict):
        pass

    def on_epoch_end(self, trainer, epoch: int, logs: dict):
        pass

    def on_train_end(self, trainer, logs: dict):
        pass


class History(Callback):
    """Records every epoch's logs: ``history.history["loss"]`` is a list over epochs."""

    def __init__(self):
        self.history: dict[str, list] = {}
        self.epochs: list[int] = []

    def on_epoch_end(self, trainer, epoch, logs):
        self.epochs.append(epoch)
        for k, v in logs.items():
            self.history.setdefault(k, []).append(v)

    def state_dict(self) -> dict:
        return {"history": {k: list(v) for k, v in self.history.items()}, "epochs": list(self.epochs)}

    def load_state_dict(self, state: dict) -> None:
        self.history = {k: list(v) for k, v in state["history"].items()}
        self.epochs = list(state["epochs"])


class EpochLogger(Callback):
    """One line per epoch in the notes' style: ``Epoch: 0001 cost = 0.123456789`` (+ metrics)."""

    def __init__(self, file=None):
        self.file = file

    def on_epoch_end(self, trainer, epoch, logs):
        extra = "".join(f" {k} = {v:.4f}" for k, v in logs.items() if k not in ("loss", "lr"))
        print(f"Epoch: {epoch + 1:04d} cost = {logs['loss']:.9f}{extra}", file=self.file or sys.stdout,
              flush=True)


class ProgressBar(Callback):
    """A tqdm bar over the batches of each epoch (only when tqdm is installed)."""

    def __init__(self):
        try:
            from tqdm import tqdm  # optional
        except ImportError:
            tqdm = None
        self._tqdm = tqdm
        self._bar = None

    @property
    def available(self) -> bool:
        return self._tqdm is not None

    def on_epoch_begin(self, trainer, epoch):
        if self._tqdm is not None:
            self._bar = self._tqdm(total=trainer.steps_per_epoch, desc=f"epoch {epoch + 1}", leave=False,
                                   file=sys.stderr, disable=not sys.stderr.isatty())

    def on_batch_end(self, trainer, step, logs):
        if self._bar is not None:
            self._bar.update(1)

    def on_epoch_end(self, trainer, epoch, logs):
        if self._bar is not None:
            self._bar.close()
            self._bar = None


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs."""

    def __init__(self, monitor: str = "val_loss", patience: int = 3, min_delta: float = 0.0, mode: str = "auto",
                 restore_best: bool = False):
        self.monitor, self.patience, self.min_delta = monitor, patience, min_delta
        self.mode = mode if mode != "auto" else ("max" if "acc" in monitor else "min")
        self.restore_best = restore_best
        self.best = None
        self.wait = 0
        self.best_state = None
        self.stopped_epoch = None

    def _better(self, v):
        if self.best is None:
            return True
        return v < self.best - self.min_delta if self.mode == "min" else v > self.best + self.min_delta

    def on_epoch_end(self, trainer, epoch, logs):
        if self.monitor not in logs:
            raise KeyError(f"EarlyStopping: metric {self.monitor!r} is not logged; have {sorted(logs)}")
        v = logs[self.monitor]
        if self._better(v):
            self.best, self.wait = v, 0
            if self.restore_best:
                self.best_state = trainer.model.state_dict()
        else:
            self.wait += 1
            if self.wait >= self.patience:
                trainer.stop_training = True
                self.stopped_epoch = epoch

    def on_train_end(self, trainer, logs):
        if self.restore_best and self.best_state is not None:
            trainer.model.load_state_dict(self.best_state)


class LRScheduler(Callback):
    """Step a ``neuralab.optim`` schedule once per epoch (or per batch with ``per_batch=True``)."""

    def __init__(self, schedule, per_batch: bool = False):
        self.schedule, self.per_batch = schedule, per_batch

    def on_batch_end(self, trainer, step, logs):
        if self.per_batch:
            self.schedule.step()

    def on_epoch_end(self, trainer, epoch, logs):
        lr = self.schedule.get_lr()
        logs["lr"] = float(lr[0] if isinstance(lr, list) else lr)
        if not self.per_batch:
            self.schedule.step()


class NonFiniteError(FloatingPointError):
    """The loss became NaN or Inf."""


class NaNGuard(Callback):
    """Stop at the first step whose loss is NaN or Inf, with a message naming the step."""

    def __init__(self, raise_error: bool = True):
        self.raise_error = raise_error
        self.message = None

    def on_batch_end(self, trainer, step, logs):
        loss = logs.get("loss")
        if loss is not None and not math.isfinite(loss):
            self.message = (f"NaNGuard: loss is {loss} at global step {step} (epoch {trainer.epoch + 1}, "
                            f"batch {trainer.batch_in_epoch}); stopping. Lower the learning rate or check the data.")
            trainer.stop_training = True
            if self.raise_error:
                raise NonFiniteError(self.message)


class Checkpoint(Callback):
    """Write the whole training state atomically every ``every`` epochs (and/or ``every_steps`` steps).

    The file ``directory/last.safetensors`` (safetensors, see :mod:`neuralab.io`)
    holds the model, the optimizer, the schedule, the counters and the RNG state,
    and is replaced atomically at each save, so ``fit(..., resume_from=path)``
    continues bit for bit from the newest state.
    """

    def __init__(self, directory, every: int = 1, every_steps: int | None = None):
        self.directory = os.fspath(directory)
        self.every, self.every_steps = every, every_steps
        self.saved: list[str] = []

    def _save(self, trainer):
        os.makedirs(self.directory, exist_ok=True)
        path = os.path.join(self.directory, "last.safetensors")
        trainer.save_checkpoint(path)
        self.saved.append(path)
        return path

    def on_batch_end(self, trainer, step, logs):
        if self.every_steps and step % self.every_steps == 0:
            self._save(trainer)

    def on_epoch_end(self, trainer, epoch, logs):
        if self.every and (epoch + 1) % self.every == 0:
            self._save(trainer)
