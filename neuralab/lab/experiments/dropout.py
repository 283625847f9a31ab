"""Dropout: the keep probability p against training and test error, and the effect of the data set's size.

A ReLU MLP is trained with inverted dropout after each hidden layer, keeping each
unit with probability ``p`` in {1.0, 0.7, 0.5, 0.3} (``Dropout(rate=1 - p)``; the
whole net at test time), on training sets of different sizes, for the same
number of updates (Adam, lr 0.001, batch 100). Training error is measured on the
training set with dropout off. The notes' claims:

* no dropout (p = 1.0): training error low, test error high -> overfitting;
* p < 0.3 (here the lowest, 0.3): training error high -> underfitting;
* p = 0.5: training and test error both low;
* a huge data set: dropout barely improves the error rate, or makes it worse;
  an average-to-large one: dropout improves it.

Full run: the real MNIST with 1,000 / 10,000 / 60,000 training examples, 784-512-512-10,
1,500 updates (150 passes over the 1,000 examples, 2.5 over the 60,000; each run the
same cost, about half a minute on a busy 2-core machine). ``--quick``: two noisy
half-moons in 2-D (Gaussian noise 0.35, so the classes overlap and a big net can fit
the noise) with 100 and 1,000 training points and 2,000 test points, 2-256-256-2,
600 updates (lr 0.003).
"""
from __future__ import annotations

import numpy as np

import neuralab as nl

from ..core import experiment
from ._common import accuracy, mlp, subset, train

KEEPS = (1.0, 0.7, 0.5, 0.3)


def moons(n, noise=0.35, seed=0):
    """Two interleaving half circles in 2-D with Gaussian noise: ``(x (n, 2) float32, y (n,) int64)``."""
    g = np.random.default_rng(seed)
    y = g.integers(0, 2, n)
    t = g.uniform(0.0, np.pi, n)
    x = np.where(y[:, None] == 0, np.c_[np.cos(t), np.sin(t)], np.c_[1.0 - np.cos(t), 0.5 - np.sin(t)])
    return (x + g.normal(0.0, noise, (n, 2))).astype(np.float32), y.astype(np.int64)


def run_one(data, n, keep, hidden, steps, seed, lr):
    """(train error, test error) for keep probability ``keep`` on ``n`` training examples."""
    x, y = subset(data.x_train, data.y_train, n, seed=seed)
    nl.seed(seed)
    classes = int(data.num_classes)
    net = mlp([x.shape[1], *hidden, classes], "relu", rng=np.random.default_rng(seed), dropout=1.0 - keep)
    train(net, data, x=x, y=y, optimizer="adam", lr=lr, steps=steps, batch_size=min(100, n // 2), seed=seed)
    return 1.0 - accuracy(net, x, y), 1.0 - accuracy(net, data.x_test, data.y_test)


@experiment("dropout", "Dropout: keep probability vs train/test error, and the data set's size",
            "Backprop lecture, 'Drop out': p = 1.0 overfits (train error low, test error high), p < 0.3 underfits, "
            "p = 0.5 is best; with a huge data set dropout barely helps, with an average-to-large one it does.",
            seeds=(1, 2))
def run(ctx):
    r = ctx.result
    if ctx.quick:
        from neuralab.data import Splits

        (x, y), (xt, yt) = moons(1000, seed=1), moons(2000, seed=99)
        data, desc = Splits("moons", x, y, xt, yt, 2, ["0", "1"]), "noisy 2-D half-moons"
        sizes, hidden, steps, lr = [100, 1000], [256, 256], 600, 3e-3
    else:
        data, desc = ctx.classification_data()
        sizes, hidden, steps, lr = [1000, 10000, 60000], [512, 512], 1500, 1e-3
    err = {}
    for n in sizes:
        for keep in KEEPS:
            vals = [run_one(data, n, keep, hidden, steps, s, lr) for s in ctx.seeds]
            err[n, keep] = (float(np.mean([v[0] for v in vals])), float(np.mean([v[1] for v in vals])))
            ctx.log(f"n={n} keep={keep}: train error {err[n, keep][0]:.4f}, test error {err[n, keep][1]:.4f}")
    small, big = sizes[0], sizes[-1]
    gap = {k: err[small, k][1] - err[small, k][0] for k in KEEPS}
    net_desc = "-".join(map(str, [data.x_train.shape[1], *hidden, data.num_classes]))
    r.table(f"Error rates after {steps} updates ({desc}, net {net_desc}"
            ", mean over seeds)", ["training examples", "keep p", "train error", "test error", "gap"],
            [[n, k, err[n, k][0], err[n, k][1], err[n, k][1] - err[n, k][0]] for n in sizes for k in KEEPS])
    r.finding(f"p = 1.0 overfits more than p = 0.5 on {small} examples (larger test - train gap)",
              gap[1.0] > gap[0.5], f"gap {gap[1.0]:.3f} vs {gap[0.5]:.3f}")
    r.finding(f"p = 1.0 fits the {small} training examples best (lowest training error) yet tests worst",
              err[small, 1.0][0] <= min(err[small, k][0] for k in KEEPS)
              and err[small, 1.0][1] >= max(err[small, k][1] for k in KEEPS),
              f"train {err[small, 1.0][0]:.4f}, test {err[small, 1.0][1]:.4f}")
    r.finding(f"The strongest dropout (p = 0.3) has a higher training error than p = 1.0 on {small} examples: it "
              "underfits", err[small, 0.3][0] > err[small, 1.0][0],
              f"{err[small, 0.3][0]:.4f} vs {err[small, 1.0][0]:.4f}")
    r.finding(f"p = 0.5 gives a lower test error than no dropout on {small} examples",
              err[small, 0.5][1] < err[small, 1.0][1], f"{err[small, 0.5][1]:.4f} vs {err[small, 1.0][1]:.4f}")
    gain = {n: err[n, 1.0][1] - min(err[n, k][1] for k in KEEPS[1:]) for n in sizes}
    r.finding(f"Dropout helps less with the largest set ({big} examples) than with the smallest ({small})",
              gain[big] < gain[small], f"test-error gain {gain[big]:.4f} vs {gain[small]:.4f}")
    r.data.update(errors={f"{n},{k}": v for (n, k), v in err.items()}, gain=gain)
    with ctx.figure("dropout_rate", f"Train (dashed) and test (solid) error against the keep probability p, one "
                    f"line per training-set size ({desc})", ncols=2, figsize=(10, 3.6)) as (fig, (a, b)):
        for i, n in enumerate(sizes):
            a.plot(KEEPS, [err[n, k][1] for k in KEEPS], "o-", color=f"C{i}", label=f"test, {n} examples")
            a.plot(KEEPS, [err[n, k][0] for k in KEEPS], "s--", color=f"C{i}", label=f"train, {n}")
        a.set_xlabel("keep probability p")
        a.set_ylabel("error rate")
        a.invert_xaxis()
        a.legend(fontsize=7)
        xs = np.arange(len(sizes))
        for j, k in enumerate(KEEPS):
            b.bar(xs + (j - 1.5) * 0.2, [err[n, k][1] for n in sizes], width=0.2, label=f"p = {k}", color=f"C{j}")
        b.set_xticks(xs, [str(n) for n in sizes])
        b.set_xlabel("training examples")
        b.set_ylabel("test error")
        b.set_yscale("log")
        b.legend(fontsize=7)
