"""Look inside a network: per-layer activation and gradient statistics on a batch.

:func:`layer_stats` runs ``model`` once on a batch ``x`` (eval mode by default),
records the output of every layer, differentiates a loss with respect to those
outputs and to the parameters, and returns a :class:`LayerStats` table with one
row per layer:

* ``mean``, ``std``, ``min``, ``max`` of the layer's output over the whole batch;
* ``saturated``: for a bounded activation (tanh: ``[-1, 1]``, sigmoid:
  ``[0, 1]``), the fraction of outputs within ``saturation`` of a bound, where
  the derivative is nearly zero ("saturated neurons kill the gradient"); NaN for
  an unbounded layer;
* ``dead``: the fraction of units (the last axis) that are exactly zero for
  every example of the batch (a dead ReLU "will never activate");
* ``zeros``: the fraction of outputs exactly zero;
* ``hist``: ``(counts, edges)`` of the outputs (``bins`` equal bins from min to max);
* ``grad_mean``, ``grad_std``, ``grad_norm``: of ``∂loss/∂output`` (the gradient
  flowing back into the layer), ``grad_hist`` its histogram;
* ``param_norm``, ``param_grad_norm``: the global L2 norms of the layer's own
  parameters and of their gradients (NaN for a layer without parameters).

The loss is ``loss(output, y)`` when given, the softmax cross-entropy for
integer labels ``y``, the mean squared error for floating ``y``, and without
``y`` the probe ``mean(output²)`` (the scale of the output; the same probe as the
TensorBoard callback's gradient histograms). ``Module.stats(x, y)`` is the same
function; :class:`neuralab.train.tensorboard.TensorBoardLayerStats` logs the table
every epoch.

>>> import numpy as np, neuralab as nl
>>> from neuralab import nn
>>> net = nn.Sequential(nn.Dense(4, 8, activation="tanh", rng=0), nn.Dense(8, 3, rng=1))
>>> table = layer_stats(net, np.ones((5, 4), np.float32), np.array([0, 1, 2, 0, 1]))
>>> [row["name"] for row in table]
['0', '1']
>>> table["0"]["shape"]
(5, 8)
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["LayerStats", "activation_kind", "layer_stats", "summarize"]

#: the range of the bounded activations: name -> (low, high)
BOUNDS = {"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0)}


def activation_kind(module) -> str | None:
    """The name of the nonlinearity ``module`` ends with ("tanh", "sigmoid", "relu", ...), or None.

    A layer's ``activation`` attribute (a function or an activation Module) is
    looked at first, then the module's own type (``nn.Tanh``, ``nn.Sigmoid``, ...).
    """
    act = getattr(module, "activation", None)
    if act is not None:
        name = getattr(act, "_fn_name", None) or getattr(act, "__name__", None) or type(act).__name__
        return str(name).lower()
    fn = getattr(type(module), "_fn_name", None)
    if fn:
        return str(fn).lower()
    return None


def _hist(a, bins):
    a = a[np.isfinite(a)]
    if a.size == 0:
        return [0] * bins, [0.0] * (bins + 1)
    lo, hi = float(a.min()), float(a.max())
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    counts, edges = np.histogram(a, bins=bins, range=(lo, hi))
    return counts.tolist(), edges.tolist()


def summarize(a, kind=None, saturation=0.01, bins=30) -> dict:
    """The activation statistics of one array ``a`` (units on the last axis) for a layer ending in ``kind``.

    Returns ``{"mean", "std", "min", "max", "saturated", "dead", "zeros", "hist"}`` as
    described in the module docstring (float64 arithmetic; NaN entries excluded
    from the histogram only).
    """
    a = np.asarray(a, dtype=np.float64)
    out = {"mean": float(a.mean()), "std": float(a.std()), "min": float(a.min()), "max": float(a.max())}
    bounds = BOUNDS.get(kind)
    if bounds is None:
        out["saturated"] = math.nan
    else:
        lo, hi = bounds
        out["saturated"] = float(np.mean((a <= lo + saturation) | (a >= hi - saturation)))
    units = a.reshape(-1, a.shape[-1]) if a.ndim >= 1 and a.size else a.reshape(1, -1)
    out["dead"] = float(np.mean(np.all(units == 0.0, axis=0))) if units.size else math.nan
    out["zeros"] = float(np.mean(a == 0.0)) if a.size else math.nan
    out["hist"] = _hist(a.ravel(), bins)
    return out


class LayerStats(list):
    """The rows of :func:`layer_stats` (one dict per layer, forward order), printable as a table.

    ``table[i]`` or ``table["name"]`` gives a row; ``column(key)`` one statistic for
    every layer; ``str(table)`` / :meth:`to_text` a fixed-width table and
    :meth:`to_markdown` the same in Markdown; ``loss`` is the loss that was
    differentiated.
    """

    COLUMNS = ("name", "type", "shape", "mean", "std", "saturated", "dead", "grad_norm", "param_grad_norm")

    def __init__(self, rows, loss=math.nan):
        super().__init__(rows)
        self.loss = float(loss)

    def __getitem__(self, key):
        if isinstance(key, str):
            for row in self:
                if row["name"] == key:
                    return row
            raise KeyError(f"LayerStats: no layer named {key!r}; layers: {[r['name'] for r in self]}")
        return super().__getitem__(key)

    def column(self, key) -> list:
        """The value of statistic ``key`` for every layer, in forward order."""
        return [row[key] for row in self]

    def _cells(self):
        def fmt(v):
            if isinstance(v, float):
                return "nan" if math.isnan(v) else f"{v:.6g}"
            if isinstance(v, tuple):
                return "(" + ", ".join(str(d) for d in v) + ")"
            return str(v)

        return [[fmt(row[c]) for c in self.COLUMNS] for row in self]

    def to_text(self) -> str:
        """A fixed-width text table of the main columns."""
        cells = self._cells()
        w = [max(len(c), *(len(r[i]) for r in cells)) if cells else len(c) for i, c in enumerate(self.COLUMNS)]
        lines = ["  ".join(c.ljust(w[i]) for i, c in enumerate(self.COLUMNS)), "  ".join("-" * n for n in w)]
        lines += ["  ".join(v.ljust(w[i]) for i, v in enumerate(r)) for r in cells]
        return "\n".join(lines)

    def to_markdown(self) -> str:
        """The main columns as a Markdown table."""
        lines = ["| " + " | ".join(self.COLUMNS) + " |", "|" + "---|" * len(self.COLUMNS)]
        lines += ["| " + " | ".join(r) + " |" for r in self._cells()]
        return "\n".join(lines)

    def __str__(self):
        return self.to_text()

    def __repr__(self):
        return f"LayerStats({len(self)} layers, loss={self.loss:.6g})"


def _recorded(model):
    """(name, module) of the layers whose outputs are recorded: leaves, and modules with parameters of their own."""
    out = []
    for name, m in model.named_modules():
        leaf = not m.children()
        if leaf or m.named_parameters(recurse=False):
            out.append((name or type(m).__name__.lower(), m))
    return out


def _probe_loss(out, y, loss):
    from . import functional as F
    from .ops import mean, multiply

    if loss is not None:
        if callable(loss):
            return loss(out, y)
        from .train.loop import _loss_and_correct

        return _loss_and_correct(loss, out, y)[0]
    if y is None:
        return mean(multiply(out, out))
    y = np.asarray(y)
    if y.dtype.kind in "iub":
        return F.softmax_cross_entropy(out, y.astype(np.int64))
    return F.mse(out, y.astype(out.dtype).reshape(out.shape))


def layer_stats(model, x, y=None, *, loss=None, gradients: bool = True, bins: int = 30, saturation: float = 0.01,
                training: bool = False) -> LayerStats:
    """Per-layer activation and gradient statistics of ``model`` on the batch ``x`` (see the module docstring).

    ``y``: targets for the loss (integer labels: softmax cross-entropy, floats:
    mean squared error); ``loss``: a function ``loss(output, y)`` or a name of
    :data:`neuralab.train.LOSSES` instead; ``gradients=False`` skips the backward
    pass (the gradient columns are then NaN); ``bins``: histogram bins;
    ``saturation``: the distance to a bound of tanh/sigmoid counted as
    saturated; ``training``: run in training mode (dropout and batch statistics
    active) instead of eval mode. The model's mode is restored afterwards and no
    parameter changes.
    """
    from ._core.autograd import gradients as _grads
    from ._core.config import enable_grad, no_grad
    from ._core.tensor import Tensor

    if not callable(model) or not hasattr(model, "named_modules"):
        raise TypeError(f"layer_stats: model must be a neuralab Module, got {type(model).__name__}")
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or bins < 1:
        raise ValueError(f"layer_stats: bins must be a positive integer, got {bins!r}")
    if not 0.0 <= float(saturation) < 0.5:
        raise ValueError(f"layer_stats: saturation must be in [0, 0.5), got {saturation!r}")
    xa = x.numpy() if isinstance(x, Tensor) else np.asarray(x)
    if xa.dtype.kind == "f":
        params = model.parameters()
        if params and xa.dtype != params[0].dtype:
            xa = xa.astype(params[0].dtype)
    if xa.ndim == 0 or xa.shape[0] == 0:
        raise ValueError(f"layer_stats: x must be a non-empty batch, got shape {xa.shape}")
    layers = _recorded(model)
    records = []
    was = model.training
    model.train(bool(training))
    for name, m in layers:
        def wrapped(*a, _m=m, _name=name, _fwd=m.forward, **k):
            out = _fwd(*a, **k)
            if isinstance(out, Tensor):
                records.append((_name, _m, out))
            return out

        object.__setattr__(m, "forward", wrapped)
    try:
        ctx = enable_grad() if gradients else no_grad()
        with ctx:
            out = model(Tensor(xa))
            loss = _probe_loss(out, y, loss) if gradients else None
            grads = []
            params_of = []
            if gradients:
                outs = [r[2] for r in records]
                own = [[p for _, p in m.named_parameters(recurse=False) if p.requires_grad] for _, m, _ in records]
                flat = [p for ps in own for p in ps]
                g = _grads(loss, outs + flat) if outs or flat else []
                grads = g[: len(outs)]
                rest = g[len(outs):]
                for ps in own:
                    params_of.append((ps, rest[: len(ps)]))
                    rest = rest[len(ps):]
    finally:
        for _, m in layers:
            m.__dict__.pop("forward", None)
        model.train(was)
    rows, seen = [], {}
    for i, (name, m, t) in enumerate(records):
        k = seen.get(name, 0)
        seen[name] = k + 1
        kind = activation_kind(m)
        row = {"name": name if k == 0 else f"{name}#{k + 1}", "type": type(m).__name__, "activation": kind,
               "shape": tuple(int(d) for d in t.shape)}
        row.update(summarize(t.numpy(), kind, saturation, bins))
        g = grads[i] if gradients and i < len(grads) else None
        if g is None:
            row.update(grad_mean=math.nan, grad_std=math.nan, grad_norm=math.nan if not gradients else 0.0,
                       grad_hist=([0] * bins, [0.0] * (bins + 1)))
        else:
            ga = np.asarray(g.numpy(), dtype=np.float64)
            row.update(grad_mean=float(ga.mean()), grad_std=float(ga.std()), grad_norm=float(np.linalg.norm(ga)),
                       grad_hist=_hist(ga.ravel(), bins))
        ps = [p for _, p in m.named_parameters(recurse=False)]
        row["param_norm"] = float(np.sqrt(sum(float(np.sum(np.square(p.numpy(), dtype=np.float64)))
                                              for p in ps))) if ps else math.nan
        if gradients and ps:
            _, pg = params_of[i]
            row["param_grad_norm"] = float(np.sqrt(sum(float(np.sum(np.square(q.numpy(), dtype=np.float64)))
                                                       for q in pg if q is not None)))
        else:
            row["param_grad_norm"] = math.nan
        rows.append(row)
    return LayerStats(rows, float(loss.numpy()) if loss is not None else math.nan)
