"""TensorBoard logging for ``fit`` (tensorboardX, an optional extra, imported lazily).

Writes real event files, all tags in one scheme ``<when>/<what>``:

* ``step/loss`` and ``step/lr`` every ``log_every_n_steps`` steps (x axis: the global step);
* ``epoch/loss``, ``epoch/accuracy``, ``epoch/val_loss``, ``epoch/val_accuracy``,
  ``epoch/lr`` (the learning rate actually used) once per epoch;
* ``weights/<param>``, ``gradients/<param>`` and ``activations/<i>_<Layer>`` histograms;
* a few input images (``input``), the model's graph with TensorFlow's op names
  (``MatMul``, ``Add``, ``Sigmoid``) and one name scope per layer;
* (:class:`TensorBoardLayerStats`) per-layer activation/gradient statistics of a batch;
* the HParams tab: the hyperparameters with the run's held-out results
  ``hparam/val_*`` (last epoch) and ``hparam/test_*`` (``test_data``, measured
  when training ends), not its training accuracy.

Install with ``pip install ".[tensorboard]"`` (tensorboardX, Pillow and the
``tensorboard`` viewer) and look with ``tensorboard --logdir DIR``.
"""
from __future__ import annotations

import numpy as np

from .callbacks import Callback


def _writer(logdir):
    """A tensorboardX SummaryWriter for ``logdir`` (None: only check that tensorboardX is there)."""
    try:
        from tensorboardX import SummaryWriter
    except ImportError as e:
        raise ImportError("TensorBoard logging needs tensorboardX: `pip install tensorboardX` "
                          "(from a checkout: `pip install \".[tensorboard]\"`)") from e
    return None if logdir is None else SummaryWriter(logdir)


def trace_model_ops(model, example_input):
    """Record the model on a placeholder shaped like ``example_input`` (batch None); returns
    (ops, names) for :func:`neuralab.train.graphdef.graph_def`, scoped by layer."""
    from .._core.graph import Graph, placeholder

    g = Graph()
    x = np.asarray(example_input)
    with g.as_default():
        inp = placeholder((None,) + x.shape[1:], x.dtype if x.dtype.kind == "f" else np.float32, name="input")
        was = model.training
        model.eval()
        try:
            model(inp)
        finally:
            model.train(was)
    names = {id(p): n.replace(".", "/") for n, p in model.named_parameters()}
    names.update({id(b): n.replace(".", "/") for n, b in model.named_buffers()})
    return g.ops, names


class TensorBoard(Callback):
    """Log a run to ``logdir`` for ``tensorboard --logdir``.

    ``log_every_n_steps``: steps between ``step/loss`` and ``step/lr`` points
    (0: none); ``histogram_every``: epochs between histograms; ``example_input``:
    a few training inputs (used for the graph, activation histograms and, when
    they are images, the image tab); ``hparams``: dict shown in the HParams tab
    (an ``lr`` of None is replaced by the optimizer's actual learning rate);
    ``test_data=(x, y)``: evaluated when training ends, its loss and accuracy
    shown there as ``hparam/test_*`` beside the last epoch's ``hparam/val_*``.
    """

    def __init__(self, logdir, histogram_every: int = 1, example_input=None, hparams: dict | None = None,
                 max_images: int = 3, log_every_n_steps: int = 10, test_data=None):
        self.logdir = str(logdir)
        _writer(None)  # tensorboardX missing: fail here, naming the extra
        self._writer = None  # opened on first use (a data-parallel rank > 0 never writes a file)
        self.histogram_every = histogram_every
        self.log_every_n_steps = int(log_every_n_steps or 0)
        self.example_input = None if example_input is None else np.asarray(example_input)
        self.hparams = hparams
        self.max_images = max_images
        self.test_data = test_data

    @property
    def writer(self):
        """The event-file writer (the file is created on first use)."""
        if self._writer is None:
            self._writer = _writer(self.logdir)
        return self._writer

    def on_train_begin(self, trainer):
        if self.example_input is not None:
            from .graphdef import write_graph

            ops, names = trace_model_ops(trainer.model, self.example_input)
            write_graph(self.writer, ops, names)
            x = self.example_input[: self.max_images]
            img = None
            if x.ndim == 4:
                img = x
            elif x.ndim == 2 and int(np.sqrt(x.shape[1])) ** 2 == x.shape[1]:
                s = int(np.sqrt(x.shape[1]))
                img = x.reshape(len(x), s, s, 1)
            if img is not None:
                img = (img - img.min()) / (np.ptp(img) or 1.0)
                self.writer.add_images("input", img, 0, dataformats="NHWC")

    def on_batch_end(self, trainer, step, logs):
        n = self.log_every_n_steps
        if n and step % n == 0 and "loss" in logs:
            from .loop import current_lr

            self.writer.add_scalar("step/loss", float(logs["loss"]), step)
            self.writer.add_scalar("step/lr", current_lr(trainer.optimizer), step)

    def on_epoch_end(self, trainer, epoch, logs):
        step = epoch + 1
        for k, v in logs.items():
            self.writer.add_scalar(k if "/" in k else f"epoch/{k}", float(v), step)
        if self.histogram_every and step % self.histogram_every == 0:
            self._histograms(trainer, step)
        self.writer.flush()

    def _histograms(self, trainer, step):
        from .._core.autograd import gradients
        from .._core.config import enable_grad
        from .._core.tensor import Tensor

        for name, p in trainer.model.named_parameters():
            self.writer.add_histogram(f"weights/{name}", p.numpy(), step)
        if self.example_input is None:
            return
        x = Tensor(self.example_input.astype(trainer._dtype))
        acts = []
        with enable_grad():
            h = x
            for i, layer in enumerate(getattr(trainer.model, "layers", None) or list(trainer.model.children())):
                h = layer(h)
                acts.append((f"activations/{i}_{type(layer).__name__}", h))
            loss = (h * h).mean()  # a probe: gradients of the output's scale w.r.t. every weight
            grads = gradients(loss, trainer.params)
        for name, a in acts:
            self.writer.add_histogram(name, a.numpy(), step)
        for (name, _), g in zip(trainer.model.named_parameters(), grads):
            if g is not None:
                self.writer.add_histogram(f"gradients/{name}", g.numpy(), step)

    def on_train_end(self, trainer, logs):
        if self.hparams is not None:
            from .loop import current_lr

            metrics = {f"hparam/{k}": float(v) for k, v in logs.items() if k.startswith("val_")}
            if self.test_data is not None:
                r = trainer.evaluate(*self.test_data)
                metrics.update({f"hparam/test_{k}": float(v) for k, v in r.items()})
            if not metrics and "loss" in logs:  # nothing held out: the training loss, named as such
                metrics["hparam/train_loss"] = float(logs["loss"])
            hp = {}
            for k, v in self.hparams.items():
                if k == "lr" and v is None:
                    v = current_lr(trainer.optimizer)
                hp[k] = v if isinstance(v, (int, float, str, bool)) else str(v)
            self.writer.add_hparams(hp, metrics, name="hparams")
        self.writer.close()


class TensorBoardLayerStats(Callback):
    """Log per-layer activation and gradient statistics of a fixed batch (:func:`neuralab.inspect.layer_stats`).

    At the start of training and every ``every`` epochs: scalars
    ``layers/<name>/{mean,std,saturated,dead,grad_norm,param_grad_norm}`` and
    histograms ``layer_activations/<name>`` and ``layer_gradients/<name>`` (the
    table's own histograms, so TensorBoard shows what ``model.stats(x, y)`` prints).
    ``x``/``y``: the batch (``y`` optional: without it the gradient is the probe
    ``mean(output²)``); the loss is the trainer's. Step: the epoch (0 = before training).
    """

    SCALARS = ("mean", "std", "saturated", "dead", "grad_norm", "param_grad_norm")

    def __init__(self, logdir, x, y=None, every: int = 1, bins: int = 30):
        self.logdir = str(logdir)
        _writer(None)
        self._writer = None
        self.x, self.y = np.asarray(x), (None if y is None else np.asarray(y))
        self.every, self.bins = int(every), int(bins)

    @property
    def writer(self):
        """The event-file writer (the file is created on first use)."""
        if self._writer is None:
            self._writer = _writer(self.logdir)
        return self._writer

    def log(self, trainer, step):
        """Compute the table on the batch and write it at ``step``; returns the table."""
        from ..inspect import layer_stats

        loss = trainer.loss if self.y is not None else None
        table = layer_stats(trainer.model, self.x, self.y, loss=loss, bins=self.bins)
        for row in table:
            for k in self.SCALARS:
                if np.isfinite(row[k]):
                    self.writer.add_scalar(f"layers/{row['name']}/{k}", row[k], step)
            for tag, key in (("layer_activations", "hist"), ("layer_gradients", "grad_hist")):
                counts, edges = row[key]
                if sum(counts):
                    c, e = np.asarray(counts, np.float64), np.asarray(edges, np.float64)
                    mids = 0.5 * (e[:-1] + e[1:])
                    self.writer.add_histogram_raw(f"{tag}/{row['name']}", min=float(e[0]), max=float(e[-1]),
                                                  num=int(c.sum()), sum=float((c * mids).sum()),
                                                  sum_squares=float((c * mids * mids).sum()),
                                                  bucket_limits=e[1:].tolist(), bucket_counts=c.tolist(),
                                                  global_step=step)
        self.writer.flush()
        return table

    def on_train_begin(self, trainer):
        self.log(trainer, trainer.epoch)

    def on_epoch_end(self, trainer, epoch, logs):
        if self.every and (epoch + 1) % self.every == 0:
            self.log(trainer, epoch + 1)

    def on_train_end(self, trainer, logs):
        if self._writer is not None:
            self._writer.close()
            self._writer = None
