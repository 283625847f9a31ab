"""The MNIST table of lab 10: softmax -> deep ReLU -> Xavier -> 512x4 -> dropout -> batch norm.

Each row is the notes' network, trained as their listing trains it: Adam (lr
0.001), batch 100, softmax cross-entropy, 15 epochs (50 for the softmax row,
whose listing sets ``num_epochs = 50``), on TF's training split (the last 55,000
MNIST training images; the first 5,000 are TF's validation set), tested on the
10,000 test images:

1. softmax regression, ``W, b ~ random_normal`` — notes 0.9183;
2. 784-256-256-10 ReLU, ``W, b ~ random_normal`` — 0.9468;
3. the same with Xavier weights (biases still ``random_normal``) — 0.9795;
4. 784-512-512-512-512-10 ReLU, Xavier — 0.9811;
5. the same with dropout, keep_prob 0.7 in training — 0.9803;
6. ``fully_connected`` with Xavier weights, no biases, batch norm (decay 0.9)
   and dropout (keep_prob 0.7) — 0.9843.

Tolerance: ±0.01 for rows 1-2 (a standard-normal init makes one run's accuracy
vary by about a point), ±0.005 for the others. ``--quick`` trains the same six
architectures on the bundled digits for a few epochs and checks the table's
ordering instead.
"""
from __future__ import annotations

import time

import numpy as np

import neuralab as nl
from neuralab import nn

from ..core import experiment
from ._common import accuracy, random_normal, train

#: key -> (label, notes accuracy, tolerance, hidden sizes, init, bias init, dropout rate, batch norm, epochs)
ROWS = {
    "softmax": ("softmax, random_normal", 0.9183, 0.01, [], random_normal, random_normal, 0.0, False, 50),
    "nn": ("ReLU 256-256, random_normal", 0.9468, 0.01, [256, 256], random_normal, random_normal, 0.0, False, 15),
    "xavier": ("ReLU 256-256, Xavier", 0.9795, 0.005, [256, 256], "xavier_uniform", random_normal, 0.0, False, 15),
    "deep": ("ReLU 512x4, Xavier", 0.9811, 0.005, [512] * 4, "xavier_uniform", random_normal, 0.0, False, 15),
    "dropout": ("ReLU 512x4, Xavier, dropout keep 0.7", 0.9803, 0.005, [512] * 4, "xavier_uniform", random_normal,
                0.3, False, 15),
    "batchnorm": ("512x4, Xavier, batch norm + dropout keep 0.7", 0.9843, 0.005, [512] * 4, "xavier_uniform", None,
                  0.3, True, 15),
}


def network(n_in, hidden, init, bias_init, dropout, batch_norm, rng):
    """One row's network (a Dense output layer of 10 logits)."""
    layers, a = [], n_in
    for h in hidden:
        if batch_norm:
            layers += [nn.Dense(a, h, bias=False, weight_init=init, rng=rng), nn.BatchNorm(h, momentum=0.9),
                       nn.ReLU()]
        else:
            layers.append(nn.Dense(a, h, activation="relu", weight_init=init, bias_init=bias_init, rng=rng))
        if dropout:
            layers.append(nn.Dropout(dropout, rng=rng))
        a = h
    layers.append(nn.Dense(a, 10, weight_init=init, bias_init=bias_init if not batch_norm else None, rng=rng))
    return nn.Sequential(*layers)


@experiment("mnist-table", "The MNIST table: softmax, deep ReLU, Xavier, 512x4, dropout, batch norm",
            "Lab 10 (NN, ReLU, Xavier, dropout, and Adam): accuracies 0.9183, 0.9468, 0.9795, 0.9811, 0.9803, "
            "0.9843 for the six networks of the notes, each printed from one run.", seeds=(1, 2))
def run(ctx):
    r = ctx.result
    data, desc = ctx.classification_data()
    if not ctx.quick:
        from neuralab.data import Splits

        data = Splits("mnist-tf", data.x_train[5000:], data.y_train[5000:], data.x_test, data.y_test, 10,
                      data.class_names)
        desc = "real MNIST, TF's split (55,000 train / 10,000 test)"
    acc, secs, curves = {}, {}, {}
    for key, (label, notes, tol, hidden, init, binit, drop, bn, epochs) in ROWS.items():
        ep = (3 if key != "softmax" else 30) if ctx.quick else epochs
        vals, times, cv = [], [], []
        for seed in ctx.seeds:
            nl.seed(seed)
            net = network(data.x_train.shape[1], hidden, init, binit, drop, bn, np.random.default_rng(seed))
            t0 = time.perf_counter()
            _, hist = train(net, data, optimizer="adam", lr=0.001, epochs=ep, batch_size=100, seed=seed,
                            validation=True)
            times.append(time.perf_counter() - t0)
            vals.append(accuracy(net, data.x_test, data.y_test))
            cv.append(hist.history["val_accuracy"])
        acc[key], secs[key], curves[key] = vals, times, cv
        ctx.log(f"{label}: {[round(v, 4) for v in vals]} in {np.mean(times):.0f} s")
        r.check(label, notes, vals, kind="abs", tol=tol, fmt=".4f", judged=not ctx.quick,
                why="" if not ctx.quick else f"quick run: {desc}, {ep} epochs (not comparable)")
    m = {k: float(np.mean(v)) for k, v in acc.items()}
    r.table(f"Test accuracy ({desc}; Adam lr 0.001, batch 100)", ["network", "notes", "neuralab", "epochs",
                                                                 "train time (s, per seed)"],
            [[ROWS[k][0], ROWS[k][1], m[k], (3 if k != "softmax" else 30) if ctx.quick else ROWS[k][8],
              float(np.mean(secs[k]))] for k in ROWS])
    r.finding("Hidden ReLU layers beat softmax regression", m["xavier"] > m["softmax"],
              f"{m['xavier']:.4f} vs {m['softmax']:.4f}")
    r.finding("Xavier weights beat random_normal ones in the same 256-256 ReLU net", m["xavier"] > m["nn"],
              f"{m['xavier']:.4f} vs {m['nn']:.4f}")
    if not ctx.quick:
        r.finding("Every Xavier row is above 0.975, as the notes' are", min(m[k] for k in list(ROWS)[2:]) > 0.975)
    r.data.update(accuracy=acc, seconds=secs, curves=curves)
    with ctx.figure("mnist_table", f"Test accuracy of each row after each epoch, seed 0 ({desc}); markers: the "
                    "notes' final accuracies", figsize=(7, 3.8)) as (fig, ax):
        for i, (k, row) in enumerate(ROWS.items()):
            c = curves[k][0]
            ax.plot(range(1, len(c) + 1), c, color=f"C{i}", label=row[0])
            if not ctx.quick:
                ax.plot([len(c)], [row[1]], "*", color=f"C{i}", markersize=9)
        ax.set_xlabel("epoch")
        ax.set_ylabel("test accuracy")
        ax.set_ylim(0.85 if not ctx.quick else 0.5, 1.0)
        ax.legend(fontsize=7)
