"""Batch normalization: with and without, over learning rates and weight scales.

The same deep ReLU MLP (6 hidden layers) is trained by plain SGD with and
without a BatchNorm (momentum 0.9) between each hidden Dense layer and its
ReLU (``y = γ (x - μ_B) / sqrt(σ_B² + ε) + β``, the notes' algorithm):

* over learning rates (He init): the lecture says batch norm "allows larger
  learning rates";
* over weight scales ``0.01·randn``, Xavier and ``1.0·randn`` (lr 0.1): it "reduces
  the strong dependency on initialization".

A run "fails" when the loss becomes NaN or the test accuracy stays below 50%.
Full: the real MNIST (784-256x6-10, 2 epochs, batch 100); ``--quick``: the
digits (64-64x6-10, 8 epochs, batch 32).
"""
from __future__ import annotations

import numpy as np

import neuralab as nl

from ..core import experiment
from ._common import accuracy, mlp, scaled_normal, train

INITS = {"0.01·randn": scaled_normal(0.01), "Xavier": "xavier_uniform", "1.0·randn": scaled_normal(1.0)}


def one(data, sizes, bn, lr, init, epochs, bs, seed):
    """Test accuracy (0 when the loss went NaN) of one run."""
    nl.seed(seed)
    net = mlp(sizes, "relu", weight_init=init, rng=np.random.default_rng(seed), batch_norm=bn)
    _, hist = train(net, data, optimizer="sgd", lr=lr, epochs=epochs, batch_size=bs, seed=seed)
    if not np.all(np.isfinite(hist.history["loss"])):
        return 0.0
    acc = accuracy(net, data.x_test, data.y_test)
    return acc if np.isfinite(acc) else 0.0


@experiment("batch-norm", "Batch normalization: larger learning rates, less dependence on initialization",
            "Weight-initialization lecture, 'Batch Normalization' [Ioffe & Szegedy 2015]: normalize each unit over "
            "the mini-batch, then scale and shift; allows larger learning rates, reduces the strong dependency on "
            "initialization, acts as a form of regularization.", seeds=(1, 2))
def run(ctx):
    r = ctx.result
    data, desc = ctx.classification_data()
    n_in = data.x_train.shape[1]
    if ctx.quick:
        sizes, epochs, bs, lrs = [n_in] + [64] * 6 + [10], 8, 32, [0.01, 0.1, 1.0]
    else:
        sizes, epochs, bs, lrs = [n_in] + [256] * 6 + [10], 2, 100, [0.01, 0.03, 0.1, 0.3, 1.0]
    by_lr = {bn: [float(np.mean([one(data, sizes, bn, lr, "he_normal", epochs, bs, s) for s in ctx.seeds]))
                  for lr in lrs] for bn in (False, True)}
    by_init = {bn: [float(np.mean([one(data, sizes, bn, 0.1, init, epochs, bs, s) for s in ctx.seeds]))
                    for init in INITS.values()] for bn in (False, True)}
    for bn in (False, True):
        ctx.log(f"batch norm {bn}: by lr {np.round(by_lr[bn], 3)}, by init {np.round(by_init[bn], 3)}")
    r.table(f"Test accuracy after {epochs} epochs of SGD, He init ({desc}, {len(sizes) - 2} hidden layers)",
            ["learning rate", "without batch norm", "with batch norm"],
            [[lr, a, b] for lr, a, b in zip(lrs, by_lr[False], by_lr[True])])
    r.table(f"Test accuracy for each weight scale, lr 0.1 ({desc})", ["init", "without batch norm", "with batch norm"],
            [[k, a, b] for k, a, b in zip(INITS, by_init[False], by_init[True])])
    ok_lr = {bn: max((lr for lr, a in zip(lrs, by_lr[bn]) if a >= 0.5), default=0.0) for bn in (False, True)}
    r.finding("Batch norm trains at a larger learning rate than the plain net can take",
              ok_lr[True] > ok_lr[False], f"largest working lr {ok_lr[True]} vs {ok_lr[False]}")
    r.finding("At the largest learning rate batch norm is far ahead (by more than 20 points)",
              by_lr[True][-1] > by_lr[False][-1] + 0.2, f"{by_lr[True][-1]:.3f} vs {by_lr[False][-1]:.3f}")
    spread = {bn: max(by_init[bn]) - min(by_init[bn]) for bn in (False, True)}
    r.finding("Batch norm reduces the dependence on the initial weight scale (a smaller spread of accuracies)",
              spread[True] < spread[False], f"spread {spread[True]:.3f} vs {spread[False]:.3f}")
    r.finding("With batch norm every weight scale trains (accuracy above 50%)", min(by_init[True]) >= 0.5)
    r.data.update(by_lr=by_lr, by_init=by_init, lrs=lrs)
    with ctx.figure("batch_norm", f"Test accuracy with and without batch norm ({desc}): against the learning rate "
                    "(left) and the initial weight scale (right)", ncols=2, figsize=(10, 3.5)) as (fig, (a, b)):
        for i, bn in enumerate((False, True)):
            label = "with batch norm" if bn else "without"
            a.semilogx(lrs, by_lr[bn], "o-", color=f"C{i}", label=label)
            b.bar(np.arange(len(INITS)) + (i - 0.5) * 0.38, by_init[bn], width=0.38, color=f"C{i}", label=label)
        a.set_xlabel("learning rate")
        a.set_ylabel("test accuracy")
        a.set_ylim(0, 1)
        a.legend()
        b.set_xticks(range(len(INITS)), list(INITS))
        b.set_ylim(0, 1)
        b.legend()
