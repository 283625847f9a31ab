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
import time
import warnings


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
    """Progress within each epoch: a tqdm bar on a terminal, a plain periodic line otherwise.

    On a TTY (and with tqdm installed) a bar over the epoch's batches is drawn
    on stderr. When stderr is piped (CI logs, ``| tee``) a line such as
    ``epoch 2/10: 120/430 steps (28%), 35.2 steps/s, ETA 8.8s`` is printed at
    most every ``interval`` seconds, so short epochs print nothing extra.
    ``mode`` forces ``"bar"`` or ``"lines"`` (default ``"auto"``).
    """

    def __init__(self, interval: float = 10.0, file=None, mode: str = "auto"):
        if mode not in ("auto", "bar", "lines"):
            raise ValueError(f"ProgressBar: mode must be 'auto', 'bar' or 'lines', got {mode!r}")
        self.interval, self.file, self.mode = float(interval), file, mode
        self._tqdm = None
        if mode != "lines":
            try:
                from tqdm import tqdm  # optional
            except ImportError:
                tqdm = None
            self._tqdm = tqdm
        self._bar = None
        self._t0 = self._last = 0.0
        self._done = 0
        self._end = None

    @property
    def available(self) -> bool:
        """Whether a tqdm bar can be drawn (else periodic lines are printed)."""
        return self._tqdm is not None

    def _out(self):
        return self.file or sys.stderr

    def _use_bar(self) -> bool:
        if self._tqdm is None:
            return False
        if self.mode == "bar":
            return True
        isatty = getattr(self._out(), "isatty", None)
        return bool(isatty and isatty())

    def on_train_begin(self, trainer):
        self._end = None

    def on_epoch_begin(self, trainer, epoch):
        self._t0 = self._last = time.perf_counter()
        self._done = 0
        self._epoch = epoch
        if self._use_bar():
            self._bar = self._tqdm(total=trainer.steps_per_epoch or None, desc=f"epoch {epoch + 1}", leave=False,
                                   file=self._out())

    def on_batch_end(self, trainer, step, logs):
        self._done += 1
        if self._bar is not None:
            self._bar.update(1)
            return
        now = time.perf_counter()
        if now - self._last < self.interval:
            return
        self._last = now
        rate = self._done / max(now - self._t0, 1e-9)
        total = trainer.steps_per_epoch
        if total:
            left = max(total - trainer.batch_in_epoch, 0) / rate
            where = f"{trainer.batch_in_epoch}/{total} steps ({100 * trainer.batch_in_epoch // total}%)"
            eta = f", ETA {_fmt_seconds(left)}"
        else:
            where, eta = f"{trainer.batch_in_epoch} steps", ""
        loss = logs.get("loss")
        print(f"epoch {self._epoch + 1}: {where}, {rate:.1f} steps/s{eta}"
              + (f", loss {loss:.4f}" if isinstance(loss, float) else ""), file=self._out(), flush=True)

    def on_epoch_end(self, trainer, epoch, logs):
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def on_train_end(self, trainer, logs):
        self.on_epoch_end(trainer, None, logs)


def _fmt_seconds(s: float) -> str:
    if s < 60:
        return f"{s:.1f}s"
    m, sec = divmod(int(round(s)), 60)
    return f"{m}m{sec:02d}s" if m < 60 else f"{m // 60}h{m % 60:02d}m"


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
    """Step a ``neuralab.optim`` schedule once per epoch (or per batch with ``per_batch=True``).

    A :class:`~neuralab.optim.ReduceLROnPlateau` is stepped with the epoch's
    ``logs[schedule.monitor]`` (``"loss"`` when that is not logged).
    """

    def __init__(self, schedule, per_batch: bool = False):
        self.schedule, self.per_batch = schedule, per_batch

    def on_batch_end(self, trainer, step, logs):
        if self.per_batch:
            self.schedule.step()

    def on_epoch_end(self, trainer, epoch, logs):
        from ..optim.schedules import ReduceLROnPlateau

        lr = self.schedule.get_lr()
        logs["lr"] = float(lr[0] if isinstance(lr, list) else lr)
        if isinstance(self.schedule, ReduceLROnPlateau):
            key = self.schedule.monitor if self.schedule.monitor in logs else "loss"
            self.schedule.step(logs[key])
        elif not self.per_batch:
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
    continues bit for bit from the newest state. The ``keep`` newest saves are
    kept (``last.safetensors``, ``last.1.safetensors``, ...), so a corrupt
    ``last`` has a fallback that resuming uses (with a warning). ``best``
    names a logged metric (e.g. ``"val_loss"``; ``mode`` "min"/"max"/"auto")
    whose best epoch is also saved as ``best.safetensors``.

    The folder is checked before training starts (it must be a writable folder
    with room for a checkpoint: :func:`neuralab.io.check_dir`). A state whose
    parameters hold NaN or Inf is never written over a good checkpoint: the
    save is skipped with a warning.
    """

    def __init__(self, directory, every: int = 1, every_steps: int | None = None, keep: int = 2,
                 best: str | None = None, mode: str = "auto"):
        if isinstance(keep, bool) or not isinstance(keep, int) or keep < 1:
            raise ValueError(f"Checkpoint: keep must be an integer >= 1, got {keep!r}")
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"Checkpoint: mode must be 'auto', 'min' or 'max', got {mode!r}")
        self.directory = os.fspath(directory)
        self.every, self.every_steps, self.keep = every, every_steps, keep
        self.best, self.mode = best, (mode if mode != "auto" else ("max" if best and "acc" in best else "min"))
        self.best_value = None
        self.saved: list[str] = []
        self.skipped: list[int] = []

    @property
    def path(self) -> str:
        """``directory/last.safetensors``: the newest checkpoint."""
        return os.path.join(self.directory, "last.safetensors")

    def on_train_begin(self, trainer):
        from ..io import check_dir

        check_dir(self.directory, need_bytes=_state_bytes(trainer) * (2 if self.best else 1))

    def save(self, trainer, path=None, keep=None):
        """Write the trainer's state now (to ``last.safetensors`` unless ``path``); returns the path or None.

        None means the save was skipped because a parameter holds NaN or Inf.
        """
        bad = _nonfinite_parameter(trainer)
        if bad is not None:
            self.skipped.append(trainer.global_step)
            warnings.warn(f"Checkpoint: not saving at step {trainer.global_step}: parameter {bad} holds NaN or Inf; "
                          f"{self.path} keeps the last good state", RuntimeWarning, stacklevel=2)
            return None
        path = path or self.path
        os.makedirs(self.directory, exist_ok=True)
        trainer.save_checkpoint(path, keep=self.keep if keep is None else keep)
        self.saved.append(path)
        return path

    _save = save

    def on_batch_end(self, trainer, step, logs):
        if self.every_steps and step % self.every_steps == 0:
            self.save(trainer)

    def on_epoch_end(self, trainer, epoch, logs):
        if self.every and (epoch + 1) % self.every == 0:
            self.save(trainer)
        if self.best and self.best in logs:
            v = float(logs[self.best])
            better = self.best_value is None or (v < self.best_value if self.mode == "min" else v > self.best_value)
            if better and math.isfinite(v) and self.save(trainer, os.path.join(self.directory, "best.safetensors"),
                                                         keep=1):
                self.best_value = v


def _state_bytes(trainer) -> int:
    """About the size of a checkpoint of ``trainer``: parameters and buffers, times the optimizer's slots."""
    model = sum(int(getattr(t, "nbytes", 0) or 0) for t in trainer.model.state_dict().values())
    slots = len(getattr(trainer.optimizer, "slots", ()) or ())
    return model * (1 + slots) + (1 << 16)


def _nonfinite_parameter(trainer):
    import numpy as np

    for name, p in trainer.model.named_parameters():
        d = p.data
        if d is not None and d.dtype.kind == "f" and not np.isfinite(d).all():
            return name
    return None
