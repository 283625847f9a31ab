"""Training: an explicit step you can call yourself, and ``fit``/``evaluate``/``predict`` around it.

The notes teach the explicit loop::

    for epoch in range(training_epochs):
        for xb, yb in DataLoader(x, y, batch_size=100, shuffle=True):
            loss, correct = trainer.train_step(xb, yb)   # forward, gradients, update

:class:`Trainer` is that loop with the conveniences of Keras' ``fit``: metrics,
validation each epoch, class weights, callbacks, checkpoints and exact resume.
The train step runs compiled (``neuralab.compile``: traced once per batch shape,
replayed as a flat schedule, optimizer updates included) unless ``compiled=False``.

``fit(x, y, epochs=N)`` trains ``N`` more epochs each time it is called (a
second call continues where the first stopped) and returns a fresh
:class:`~neuralab.train.callbacks.History` of that call's epochs. Keras' total
style is ``fit(..., epochs=N, initial_epoch=k)``: epochs ``k .. N-1``.
``resume_from=`` continues an interrupted run from its checkpoint, counting
``epochs`` as the run's total in the same way.
"""
from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from .. import functional as F
from .._core import random as _random
from .._core.errors import LabelError
from .._core.graph import compile as _compile
from .._core.tensor import Tensor
from ..data.loader import DataLoader
from . import callbacks as cb

LOSSES = ("softmax_cross_entropy", "binary_cross_entropy", "binary_cross_entropy_with_logits", "mse")
#: losses whose targets are class labels (accuracy is logged for them by default)
_CLASSIFICATION = LOSSES[:3]
#: metrics known by name (``metrics=[...]``); callables ``fn(y_true, y_pred) -> float`` are accepted too
METRICS = ("accuracy", "mae", "mse")


def _loss_and_correct(kind, out, y, w=None):
    """The loss of a batch and its number of correct predictions (None for regression and callable losses).

    ``w`` (optional) holds one weight per example: the loss is then ``mean_i(w_i · l_i)``
    (Keras' class weights), where ``l_i`` is example i's loss (averaged over its outputs).
    """
    from ..functional import losses as L
    from ..ops import argmax, cast, equal, greater, mean, multiply, sum as nsum

    if callable(kind):
        return kind(out, y), None
    fns = {"softmax_cross_entropy": L.softmax_cross_entropy, "binary_cross_entropy": L.binary_cross_entropy,
           "binary_cross_entropy_with_logits": L.binary_cross_entropy_with_logits, "mse": L.mse}
    if kind not in fns:
        raise ValueError(f"Trainer: unknown loss {kind!r}; choose one of {LOSSES} or pass a function")
    if w is None:
        loss = fns[kind](out, y)
    else:
        per = fns[kind](out, y, reduction="none")
        if per.ndim > 1:
            per = mean(per, axis=tuple(range(1, per.ndim)))
        loss = mean(multiply(per, w))
    if kind == "softmax_cross_entropy":
        correct = nsum(cast(equal(argmax(out, axis=-1), y), "int64"))
    elif kind == "binary_cross_entropy":
        correct = nsum(cast(equal(cast(greater(out, 0.5), out.dtype), y), "int64"))
    elif kind == "binary_cross_entropy_with_logits":
        correct = nsum(cast(equal(cast(greater(out, 0.0), out.dtype), y), "int64"))
    else:
        correct = None
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


def current_lr(optimizer) -> float:
    """The learning rate of the optimizer's first parameter group now (a schedule function evaluated)."""
    g = optimizer.param_groups[0]
    lr = g["lr"]
    if callable(lr):
        st = optimizer.state.get(g["params"][0]) or {}
        lr = lr(st.get("step", 0))
    return float(lr)


# -- where batches come from ---------------------------------------------------------------------
class _Arrays:
    """Batches of in-memory arrays: the sample order of each epoch is fixed by (seed, epoch)."""

    resumable = True

    def __init__(self, x, y, batch_size, shuffle, seed, drop_last=False, what="fit"):
        self.loader = DataLoader(x, y, batch_size=batch_size, shuffle=shuffle, seed=seed, drop_last=drop_last)
        if self.loader.num_samples == 0:
            raise ValueError(f"{what}: the data is empty (0 samples); there is nothing to train on or measure")
        self.steps = len(self.loader)
        if self.steps == 0:
            raise ValueError(f"{what}: {self.loader.num_samples} samples give no batch of {batch_size} with "
                             "drop_last=True")

    @property
    def num_samples(self):
        return self.loader.num_samples

    def batches(self, epoch, start=0):
        ld = self.loader
        idx = ld.order(epoch)
        bs = ld.batch_size
        for b in range(start, self.steps):
            j = idx[b * bs: (b + 1) * bs] if ld.shuffle else slice(b * bs, (b + 1) * bs)
            yield b, ld.batch(j)


class _Iterable:
    """Batches ``(x, y)`` from a DataLoader over a dataset, a re-iterable, or a one-shot generator."""

    def __init__(self, source, steps_per_epoch, what="fit"):
        self.source = source
        self.one_shot = iter(source) is source
        self.steps = steps_per_epoch if steps_per_epoch is not None else (
            len(source) if hasattr(source, "__len__") else None)
        self.resumable = not self.one_shot
        if self.steps == 0:
            raise ValueError(f"{what}: the data is empty (0 batches)")
        self._it = None

    def batches(self, epoch, start=0):
        if self.one_shot:
            it = self.source
        else:
            if isinstance(self.source, DataLoader):
                self.source.epoch = epoch
            it = iter(self.source)
        b = 0
        while self.steps is None or b < self.steps:
            try:
                batch = next(it)
            except StopIteration:
                return
            if b >= start:
                yield b, _split_batch(batch)
            b += 1


def _split_batch(batch):
    if isinstance(batch, (tuple, list)) and len(batch) == 2:
        return batch[0], batch[1]
    if isinstance(batch, (tuple, list)) and len(batch) == 1:
        return batch[0], None
    raise ValueError(f"fit: each batch must be a pair (x, y); got {type(batch).__name__}"
                     + (f" of length {len(batch)}" if isinstance(batch, (tuple, list)) else ""))


def _source(x, y, batch_size, shuffle, seed, steps_per_epoch=None, what="fit"):
    from ..data.dataset import is_map_dataset

    if isinstance(x, DataLoader):
        if y is not None:
            raise TypeError(f"{what}: got a DataLoader and y; the loader's batches already hold the targets")
        if x.dataset is None:
            return _Arrays(x.x, x.y, x.batch_size, x.shuffle, x.seed, x.drop_last, what)
        return _Iterable(x, steps_per_epoch, what)
    if is_map_dataset(x):
        if y is not None:
            raise TypeError(f"{what}: got a dataset and y; the dataset's samples already hold the targets")
        return _Iterable(DataLoader(x, batch_size=batch_size, shuffle=shuffle, seed=seed), steps_per_epoch, what)
    if isinstance(x, (list, tuple)) and y is None:
        return _Iterable(x, steps_per_epoch, what)  # a list of (x, y) batches
    if isinstance(x, (np.ndarray, list, tuple, Tensor)) or hasattr(x, "__array__"):
        if y is None:
            raise TypeError(f"{what}: arrays x need targets y (or pass a DataLoader, a dataset or a generator of "
                            "(x, y) batches)")
        return _Arrays(np.asarray(x), np.asarray(y), batch_size, shuffle, seed, what=what)
    if hasattr(x, "__iter__"):
        if y is not None:
            raise TypeError(f"{what}: got an iterable of batches and y; the batches already hold the targets")
        return _Iterable(x, steps_per_epoch, what)
    raise TypeError(f"{what}: x must be arrays, a DataLoader, a dataset or an iterable of (x, y) batches, "
                    f"got {type(x).__name__}")


# -- metrics --------------------------------------------------------------------------------------
def _metric_fns(metrics, loss):
    """``[(name, fn or None)]``; fn None means accuracy counted inside the step."""
    if metrics is None:
        metrics = ["accuracy"] if (not callable(loss) and loss in _CLASSIFICATION) else []
    if isinstance(metrics, str) or callable(metrics):
        metrics = [metrics]
    out = []
    for m in metrics:
        if callable(m):
            out.append((getattr(m, "__name__", "metric"), m))
            continue
        key = {"acc": "accuracy", "mean_absolute_error": "mae", "mean_squared_error": "mse"}.get(str(m), str(m))
        if key not in METRICS:
            raise ValueError(f"Trainer: unknown metric {m!r}; choose from {METRICS} or pass fn(y_true, y_pred)")
        if key == "accuracy":
            out.append((key, None if (not callable(loss) and loss in _CLASSIFICATION) else _accuracy_metric(loss)))
        else:
            out.append((key, _mae if key == "mae" else _mse))
    return out


def _mae(y_true, y_pred):
    return float(np.mean(np.abs(y_pred - np.reshape(y_true, np.shape(y_pred)))))


def _mse(y_true, y_pred):
    return float(np.mean((y_pred - np.reshape(y_true, np.shape(y_pred))) ** 2))


def _accuracy_metric(loss):
    def accuracy(y_true, y_pred):
        y_pred = np.asarray(y_pred)
        if y_pred.ndim > 1 and y_pred.shape[-1] > 1:
            return float(np.mean(np.argmax(y_pred, axis=-1) == np.reshape(y_true, y_pred.shape[:-1])))
        return float(np.mean((y_pred > 0.5).reshape(-1) == np.reshape(y_true, -1).astype(bool)))

    return accuracy


def _fresh_running():
    return {"loss": 0.0, "batches": 0, "correct": 0, "seen": 0, "metrics": {}}


class Trainer:
    """Train ``model`` with ``optimizer`` on ``loss``.

    ``loss`` is a name from ``LOSSES`` or a function ``loss(output, target) ->
    scalar Tensor`` (e.g. ``nn.CrossEntropyLoss()``). ``train_step(x, y)`` runs
    one update and returns ``(loss, correct)``; ``fit`` loops over epochs;
    ``evaluate`` returns ``{"loss", "accuracy", ...}``; ``predict`` returns
    model outputs (``probabilities=True``: softmax/sigmoid applied). ``l2``
    adds the notes' ``λ Σ w²`` over every parameter named ``weight``.
    ``clip_grad_norm`` clips the gradients to that global norm before each
    update (it sets the optimizer's ``max_grad_norm``: one definition).
    ``metrics``: names from ``METRICS`` or functions ``fn(y_true, y_pred) ->
    float``; by default accuracy for the classification losses.
    ``distributed=True`` (under ``mpiexec``) trains data-parallel: each rank
    takes its share of every global batch and the gradients are averaged
    before each update (:mod:`neuralab.distributed`; a dict passes options).
    """

    def __init__(self, model, optimizer="adam", loss="softmax_cross_entropy", lr=None, l2: float = 0.0,
                 compiled: bool = True, schedule=None, clip_grad_norm=None, metrics=None, distributed=False):
        from ..optim.optimizer import check_range

        self.model = model
        self.params = [p for p in model.parameters() if p.requires_grad]
        if isinstance(optimizer, str):
            optimizer = make_optimizer(optimizer, self.params, lr=lr)
        self.optimizer = optimizer
        if clip_grad_norm is not None:
            check_range("Trainer", "clip_grad_norm", clip_grad_norm, lo=0.0, lo_open=True)
            optimizer.max_grad_norm = float(clip_grad_norm)
        if not callable(loss) and loss not in LOSSES:
            raise ValueError(f"Trainer: unknown loss {loss!r}; choose one of {LOSSES} or pass a function "
                             "loss(output, target)")
        self.loss = loss
        self.l2 = float(l2)
        self.compiled = compiled
        self.schedule = schedule
        self.metrics = metrics
        _metric_fns(metrics, loss)  # unknown names fail here, not after an epoch
        self._dist = None
        if distributed:
            from ..distributed import attach

            self._dist = attach(self, distributed)
        # tensors in, tensors out, no static arguments: each compiled call takes the generated fast path
        wrap = _compile if compiled else (lambda f: f)
        self._train, self._train_out = wrap(self._train_step), wrap(self._train_step_out)
        self._eval, self._eval_out = wrap(self._eval_step), wrap(self._eval_step_out)
        self.epoch = 0
        self.batch_in_epoch = 0
        self.global_step = 0
        self.stop_training = False
        self.steps_per_epoch = 0
        self.history = cb.History()
        self._running = _fresh_running()

    # -- the step (one definition, eager or traced) ------------------------------------------
    def _weights(self):
        return [p for n, p in self.model.named_parameters() if n.rsplit(".", 1)[-1] == "weight"]

    def _train_step(self, x, y, w=None):
        return self._train_body(x, y, w, False)

    def _train_step_out(self, x, y, w=None):
        return self._train_body(x, y, w, True)

    def _train_body(self, x, y, w, want_out):
        out = self.model(x)
        loss, correct = _loss_and_correct(self.loss, out, y, w)
        if self.l2:
            loss = loss + F.losses.l2_penalty(self._weights(), self.l2)
        from .._core.autograd import gradients

        grads = gradients(loss, self.params)
        if self._dist is not None:  # data-parallel: average over the ranks between backward and update
            grads, loss, correct = self._dist.allreduce(grads, loss, correct)
        self.optimizer.apply_gradients(grads)
        return _pack(loss, correct, out if want_out else None)

    def _eval_step(self, x, y):
        out = self.model(x)
        return _pack(*_loss_and_correct(self.loss, out, y), None)

    def _eval_step_out(self, x, y):
        out = self.model(x)
        return _pack(*_loss_and_correct(self.loss, out, y), out)

    def _unpack(self, r, want_out):
        """(loss, correct or None, outputs or None) from a step's tuple of tensors."""
        has_correct = not callable(self.loss) and self.loss in _CLASSIFICATION
        return r[0], (r[1] if has_correct else None), (r[-1] if want_out else None)

    def _prep(self, x, y):
        # (astype(copy=False): a batch already in the right dtype is passed as it is, no copy per step)
        x = np.asarray(x)
        dt = self._dtype
        if x.dtype.kind == "f" and x.dtype != dt:
            x = x.astype(dt)
        y = np.asarray(y)
        if callable(self.loss):
            if y.dtype.kind == "f" and y.dtype != dt:
                y = y.astype(dt)
            elif y.dtype.kind in "iu" and y.dtype != np.int64:
                y = y.astype(np.int64)
        elif self.loss == "softmax_cross_entropy":
            if y.dtype.kind == "f":
                _check_float_labels(y)
            y = y.astype(np.int64, copy=False)
        else:
            y = y.astype(dt, copy=False)
            if y.ndim == 1:
                y = y[:, None]
        if not self.compiled:
            return Tensor(x), Tensor(y)
        return x, y

    @property
    def _dtype(self):
        return self.params[0].dtype if self.params else np.dtype(np.float32)

    def train_step(self, x, y, sample_weight=None):
        """One optimizer update on a batch; returns ``(loss, correct)`` as Python numbers.

        ``sample_weight`` (optional, one weight per example) weights each example's loss.
        """
        loss, correct, _ = self._step(x, y, sample_weight, False)
        return loss, correct

    def _step(self, x, y, w, want_out):
        if not self.model.training:
            self.model.train()
        if self._dist is not None:  # data-parallel: this rank's rows of the global batch
            x, y, w = self._dist.shard(x, y, w)
        xb, yb = self._prep(x, y)
        if w is not None:
            w = np.asarray(w, dtype=self._dtype)
            if not self.compiled:
                w = Tensor(w)
        fn = self._train_out if want_out else self._train
        r = fn(xb, yb) if w is None else fn(xb, yb, w)
        loss, correct, out = self._unpack(r, want_out)
        out = None if out is None else out.numpy()
        if out is not None and self._dist is not None:
            out = self._dist.gather(out)
        return float(loss.numpy()), (None if correct is None else int(correct.numpy())), out

    # -- fit / evaluate / predict ---------------------------------------------------------------
    def fit(self, x, y=None, epochs: int = 1, batch_size: int = 32, validation_data=None, callbacks=(),
            shuffle: bool = True, seed: int = 0, verbose: int = 1, resume_from=None, initial_epoch=None,
            validation_split: float = 0.0, class_weight=None, steps_per_epoch=None, metrics=None,
            nan_guard: bool = False):
        """Train ``epochs`` more epochs over the data; returns a fresh :class:`History` of them.

        The data is arrays ``(x, y)``, a :class:`~neuralab.data.DataLoader`, a
        map-style dataset, or an iterable/generator of ``(x, y)`` batches (a
        one-shot generator needs ``steps_per_epoch`` to span several epochs).
        Each epoch's ``loss`` is the mean of its batch losses (the notes'
        ``avg_cost``). Epochs are counted across calls: ``trainer.epoch`` keeps
        growing and a second ``fit(epochs=2)`` trains epochs 3 and 4.
        ``initial_epoch=k`` is Keras' total style: train epochs ``k .. epochs-1``.

        ``validation_data=(xv, yv)`` (or a loader) adds ``val_loss`` and the
        metrics prefixed ``val_``; ``validation_split=f`` holds out the last
        fraction ``f`` of ``(x, y)`` instead (taken before shuffling, as in
        Keras). ``class_weight={class: weight}`` multiplies each example's loss
        by its class's weight (missing classes weigh 1). ``metrics`` overrides
        the Trainer's for this call. ``nan_guard=True`` stops at the first step
        whose loss is NaN or Inf with :class:`~neuralab.train.NonFiniteError`
        naming the step (the :class:`~neuralab.train.NaNGuard` callback).
        ``resume_from`` continues a run from a checkpoint written by
        :class:`~neuralab.train.callbacks.Checkpoint` (a path, whose newest
        readable version is used, or a loaded state dict), bit for bit;
        ``epochs`` is then the run's total. ``verbose``: 0 silent, 1 progress and one line per
        epoch, 2 one line per epoch.
        """
        if isinstance(epochs, bool) or not isinstance(epochs, numbers.Integral) or epochs < 0:
            raise ValueError(f"fit: epochs must be a non-negative integer, got {epochs!r}")
        if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) or batch_size < 1:
            raise ValueError(f"fit: batch_size must be a positive integer, got {batch_size!r}")
        if validation_split:
            if not 0.0 < float(validation_split) < 1.0:
                raise ValueError(f"fit: validation_split must be in (0, 1), got {validation_split!r}")
            if validation_data is not None:
                raise ValueError("fit: give validation_data or validation_split, not both")
            if y is None:
                raise ValueError("fit: validation_split needs arrays (x, y)")
            x, y = np.asarray(x), np.asarray(y)
            cut = int(len(x) * (1.0 - float(validation_split)))
            if cut == 0 or cut == len(x):
                raise ValueError(f"fit: validation_split={validation_split} of {len(x)} samples leaves an empty "
                                 "training or validation set")
            x, y, validation_data = x[:cut], y[:cut], (x[cut:], y[cut:])
        src = _source(x, y, batch_size, shuffle, seed, steps_per_epoch)
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)):
                validation_data = (validation_data,)
            if len(validation_data) not in (1, 2):
                raise ValueError(f"fit: validation_data must be (x, y) or a loader, got {len(validation_data)} items")
            vx, vy = (list(validation_data) + [None])[:2]
            _source(vx, vy, batch_size, False, 0, what="fit: validation_data")  # empty: fail now, not after an epoch
        self._check_batch_norm(src)
        cw = _class_weights(class_weight, self.loss)
        mfns = _metric_fns(self.metrics if metrics is None else metrics, self.loss)
        want_out = any(fn is not None for _, fn in mfns)
        self.steps_per_epoch = src.steps or 0
        if resume_from is not None:
            if not src.resumable:
                raise ValueError("fit: resume_from needs re-iterable data (arrays, a DataLoader, a dataset)")
            if isinstance(resume_from, dict):
                self.load_state_dict(resume_from)
            else:
                self.load_checkpoint(resume_from, fallback=True)
            end = int(epochs)
            start_batch = self.batch_in_epoch
        else:
            self.history = cb.History()
            if initial_epoch is not None:
                if isinstance(initial_epoch, bool) or not isinstance(initial_epoch, numbers.Integral) \
                        or initial_epoch < 0:
                    raise ValueError(f"fit: initial_epoch must be a non-negative integer, got {initial_epoch!r}")
                self.epoch = int(initial_epoch)
                end = int(epochs)
            else:
                end = self.epoch + int(epochs)
            self.batch_in_epoch = 0
            start_batch = 0
            self._running = _fresh_running()
        cbs = [cb.NaNGuard()] if nan_guard else []
        cbs.append(self.history)
        if verbose:
            if verbose == 1:
                cbs.append(cb.ProgressBar())
            cbs.append(cb.EpochLogger())
        cbs += list(callbacks)
        if self._dist is not None:  # same start on every rank; files and printing on rank 0 only
            cbs = self._dist.callbacks(cbs, src, end)
        self.stop_training = False
        for c in cbs:
            c.on_train_begin(self)
        logs = {}
        first = self.epoch
        while self.epoch < end and not self.stop_training:
            epoch = self.epoch
            for c in cbs:
                c.on_epoch_begin(self, epoch)
            finished = True
            for b, (xb, yb) in src.batches(epoch, start_batch):
                w = None if cw is None else _lookup_weights(cw, yb)
                loss, correct, out = self._step(xb, yb, w, want_out)
                self.global_step += 1
                self.batch_in_epoch = b + 1
                r = self._running
                n = len(xb)
                r["loss"] += loss
                r["batches"] += 1
                if correct is not None:
                    r["correct"] += correct
                r["seen"] += n
                if want_out:
                    _accumulate(r["metrics"], mfns, yb, out, n)
                if self.schedule is not None and getattr(self.schedule, "per_batch", False):
                    self.schedule.step()
                step_logs = {"loss": loss}
                for c in cbs:
                    c.on_batch_end(self, self.global_step, step_logs)
                if self.stop_training:
                    finished = src.steps is not None and self.batch_in_epoch >= src.steps
                    break
            if self._running["batches"] == 0:
                msg = (f"fit: epoch {epoch + 1} got no batches: the generator is exhausted (pass steps_per_epoch= "
                       "with an endless generator, or a DataLoader, which restarts every epoch)")
                if epoch == first:
                    raise ValueError("fit: the data is empty: the iterable gave no batches")
                warnings.warn(msg + "; training stops here", RuntimeWarning, stacklevel=2)
                break
            start_batch = 0
            if not finished:
                break
            r = self._running
            logs = {"loss": r["loss"] / r["batches"]}
            logs.update(_metric_logs(mfns, r))
            logs["lr"] = current_lr(self.optimizer)
            if validation_data is not None:
                v = self.evaluate(*validation_data, batch_size=max(batch_size, 256),
                                  metrics=self.metrics if metrics is None else metrics)
                logs.update({f"val_{k}": val for k, val in v.items()})
            self.epoch += 1
            self.batch_in_epoch = 0
            self._running = _fresh_running()
            self._epoch_schedule(logs)
            for c in cbs:
                c.on_epoch_end(self, epoch, logs)
        for c in cbs:
            c.on_train_end(self, logs)
        return self.history

    def _epoch_schedule(self, logs):
        s = self.schedule
        if s is None or getattr(s, "per_batch", False):
            return
        from ..optim.schedules import ReduceLROnPlateau

        if isinstance(s, ReduceLROnPlateau):
            key = s.monitor if s.monitor in logs else "loss"
            s.step(logs[key])
        else:
            s.step()

    def _check_batch_norm(self, src):
        """A training batch of one sample gives BatchNorm zero variance: refuse it before training."""
        if not isinstance(src, _Arrays) or src.loader.drop_last:
            return
        from ..nn.layers import BatchNorm

        if not any(isinstance(m, BatchNorm) for m in self.model.modules()):
            return
        n, bs = src.num_samples, src.loader.batch_size
        if bs == 1 or n % bs == 1:
            raise ValueError(f"fit: with {n} samples and batch_size={bs} a training batch holds 1 sample, and "
                             "BatchNorm cannot compute batch statistics from one value per feature; choose a "
                             "batch size that leaves no batch of 1, or drop_last=True in a DataLoader")

    def evaluate(self, x, y=None, batch_size: int = 256, metrics=None) -> dict:
        """Mean loss and metrics (accuracy for classifiers) over the data, in eval mode (dropout off, BN running stats).

        The data is arrays ``(x, y)``, a DataLoader, a dataset or an iterable of
        ``(x, y)`` batches; an empty data set is an error.
        """
        src = _source(x, y, batch_size, False, 0, what="evaluate")
        mfns = _metric_fns(self.metrics if metrics is None else metrics, self.loss)
        want_out = any(fn is not None for _, fn in mfns)
        self.model.eval()
        total, n = 0.0, 0
        run = {"correct": 0, "seen": 0, "metrics": {}}
        try:
            for _, (xb, yb) in src.batches(0):
                xp, yp = self._prep(xb, yb)
                loss, correct, outs = self._unpack((self._eval_out if want_out else self._eval)(xp, yp), want_out)
                m = len(xb)
                total += float(loss.numpy()) * m
                n += m
                if correct is not None:
                    run["correct"] += int(correct.numpy())
                run["seen"] += m
                if want_out:
                    _accumulate(run["metrics"], mfns, yb, outs.numpy(), m)
        finally:
            self.model.train()
        if n == 0:
            raise ValueError("evaluate: the data is empty (0 samples)")
        out = {"loss": total / n}
        out.update(_metric_logs(mfns, run))
        return out

    def predict(self, x, batch_size: int = 256, probabilities: bool = False) -> np.ndarray:
        """Model outputs for x (logits for classifiers), computed in eval mode without gradients.

        ``probabilities=True`` turns logits into probabilities the way the loss
        reads them: softmax over the last axis for ``softmax_cross_entropy``,
        the logistic sigmoid for ``binary_cross_entropy_with_logits``
        (``binary_cross_entropy`` outputs are probabilities already). For other
        losses use :func:`neuralab.functional.softmax` on the outputs yourself.
        """
        from .._core.config import no_grad

        if probabilities and (callable(self.loss) or self.loss == "mse"):
            raise ValueError(f"predict: probabilities=True needs a classification loss; with loss "
                             f"{getattr(self.loss, '__name__', self.loss)!r} apply neuralab.functional.softmax "
                             "or sigmoid to the outputs yourself")
        if isinstance(x, DataLoader) or not (isinstance(x, (np.ndarray, list, tuple)) or hasattr(x, "__array__")):
            chunks = [b[0] if isinstance(b, (tuple, list)) else b for b in x]
        else:
            x = np.asarray(x)
            chunks = [x[i: i + batch_size] for i in range(0, len(x), batch_size)]
        self.model.eval()
        outs = []
        try:
            with no_grad():
                for xb in chunks:
                    xb = np.asarray(xb)
                    if xb.dtype.kind == "f":
                        xb = xb.astype(self._dtype)
                    out = self.model(Tensor(xb))
                    if probabilities and self.loss == "softmax_cross_entropy":
                        out = F.softmax(out, axis=-1)
                    elif probabilities and self.loss == "binary_cross_entropy_with_logits":
                        out = F.sigmoid(out)
                    outs.append(out.numpy())
        finally:
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
            "running": {k: (dict(v) if isinstance(v, dict) else v) for k, v in self._running.items()},
            "rng": _random.get_state(),
            "history": self.history.state_dict(),
        }
        if self.schedule is not None:
            state["schedule"] = self.schedule.state_dict()
        return state

    def load_state_dict(self, state: dict) -> None:
        """Restore a :meth:`state_dict` (model, optimizer, counters, RNG, history, schedule)."""
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        c = state["counters"]
        self.epoch, self.batch_in_epoch, self.global_step = int(c["epoch"]), int(c["batch_in_epoch"]), \
            int(c["global_step"])
        run = state["running"]
        self._running = {"loss": float(run["loss"]), "batches": int(run.get("batches", self.batch_in_epoch)),
                         "correct": int(run["correct"]), "seen": int(run["seen"]),
                         "metrics": {k: [float(v[0]), int(v[1])] for k, v in dict(run.get("metrics", {})).items()}}
        _random.set_state(state["rng"])
        self.history = cb.History()
        self.history.load_state_dict(state["history"])
        if self.schedule is not None and "schedule" in state:
            self.schedule.load_state_dict(state["schedule"])

    def save_checkpoint(self, path, keep: int = 1) -> None:
        """Write :meth:`state_dict` atomically (safetensors; ``keep`` > 1 keeps older versions, see neuralab.io)."""
        from ..io import save

        save(self.state_dict(), path, keep=keep)

    def load_checkpoint(self, path, fallback: bool = False) -> str:
        """Restore a state written by :meth:`save_checkpoint`; returns the path read.

        ``fallback=True`` reads the newest readable version when ``path`` itself
        is missing or corrupt (with a warning; see :func:`neuralab.io.load_newest`).
        """
        from ..io import load, load_newest

        if fallback:
            state, used = load_newest(path)
        else:
            state, used = load(path), str(path)
        self.load_state_dict(state)
        return used


def _pack(loss, correct, out):
    """The step's results as a flat tuple of tensors (None entries left out, so compiled calls stay fast)."""
    return (loss,) + (() if correct is None else (correct,)) + (() if out is None else (out,))


def _check_float_labels(y):
    """Class labels given as floats must be whole, finite numbers (NaN would become a huge negative index)."""
    bad = ~np.isfinite(y)
    if bad.any():
        pos = int(np.flatnonzero(bad.reshape(-1))[0])
        raise LabelError(f"softmax_cross_entropy: label {y.reshape(-1)[pos]} at position {pos} is not a class "
                         "index; labels must be whole numbers 0 .. classes - 1")
    frac = y != np.round(y)
    if frac.any():
        pos = int(np.flatnonzero(frac.reshape(-1))[0])
        raise LabelError(f"softmax_cross_entropy: label {y.reshape(-1)[pos]} at position {pos} is not a whole "
                         "number; class labels must be integers 0 .. classes - 1")


def _class_weights(class_weight, loss):
    if class_weight is None:
        return None
    if callable(loss) or loss == "mse":
        raise ValueError("fit: class_weight needs a classification loss (class labels as targets)")
    if not isinstance(class_weight, dict) or not class_weight:
        raise TypeError(f"fit: class_weight must be a non-empty dict {{class: weight}}, got {class_weight!r}")
    keys = []
    for k, v in class_weight.items():
        if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 0:
            raise ValueError(f"fit: class_weight keys must be class indices >= 0, got {k!r}")
        if not isinstance(v, numbers.Real) or not math.isfinite(v) or v < 0:
            raise ValueError(f"fit: class_weight[{k}] must be a finite weight >= 0, got {v!r}")
        keys.append(int(k))
    table = np.ones(max(keys) + 1, dtype=np.float64)
    for k, v in class_weight.items():
        table[int(k)] = float(v)
    return table


def _lookup_weights(table, yb):
    labels = np.asarray(yb).reshape(len(yb), -1)[:, 0].astype(np.int64)
    w = np.ones(len(labels), dtype=np.float64)
    inside = (labels >= 0) & (labels < len(table))
    w[inside] = table[labels[inside]]
    return w


def _accumulate(acc, mfns, yb, out, n):
    for name, fn in mfns:
        if fn is None:
            continue
        s = acc.setdefault(name, [0.0, 0])
        s[0] += float(fn(np.asarray(yb), out)) * n
        s[1] += n


def _metric_logs(mfns, r):
    logs = {}
    for name, fn in mfns:
        if fn is None:
            logs[name] = r["correct"] / max(r["seen"], 1)
        else:
            s, n = r["metrics"].get(name, (0.0, 0))
            logs[name] = s / max(n, 1)
    return logs


def fit(model, x, y=None, *, optimizer="adam", loss="softmax_cross_entropy", lr=None, compiled=True, l2=0.0,
        clip_grad_norm=None, metrics=None, **fit_kwargs):
    """Keras-style one-liner: build a :class:`Trainer` and :meth:`~Trainer.fit`; returns ``(trainer, history)``.

    ``fit_kwargs`` go to :meth:`Trainer.fit` (epochs, batch_size, validation_data, callbacks, ...).
    """
    t = Trainer(model, optimizer=optimizer, loss=loss, lr=lr, l2=l2, compiled=compiled,
                clip_grad_norm=clip_grad_norm, metrics=metrics)
    h = t.fit(x, y, **fit_kwargs)
    return t, h


def accuracy(logits, labels) -> float:
    """Fraction of rows whose argmax equals the label.

    >>> accuracy([[0.1, 0.9], [0.8, 0.2]], [1, 1])
    0.5
    """
    return float(np.mean(np.argmax(np.asarray(logits), axis=-1) == np.asarray(labels)))
