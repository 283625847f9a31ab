"""RBM pre-training (a Deep Belief Net's initialization), then fine-tuning, against random and Xavier init.

A deep sigmoid net (3 hidden layers) is trained by plain SGD from four starts:

* random: ``0.01 * randn`` weights ("we initialized the weights in a stupid way");
* Xavier (Glorot uniform) weights;
* DBN: greedy layer-wise pre-training, one restricted Boltzmann machine per pair
  of adjacent layers trained by contrastive divergence (CD-1) on the data passed
  up through the layers below (:func:`neuralab.nn.pretrain.rbm_pretrain`), then
  fine-tuning of the whole net with the labels;
* and, for the lecture's "good news" (no need for RBMs: simple methods are OK),
  the same net with ReLU units and He weights, no pre-training.

Same optimizer, learning rate, batches and epochs for all four. ``--quick``: the
bundled digits (64-128-128-128-10); full: the real MNIST (784-256-256-256-10).
"""
from __future__ import annotations

import numpy as np

import neuralab as nl
from neuralab.nn.pretrain import rbm_pretrain

from ..core import experiment
from ._common import accuracy, mlp, scaled_normal, train

ARMS = {"random": "sigmoid, 0.01·randn", "xavier": "sigmoid, Xavier", "dbn": "sigmoid, RBM pre-trained (DBN)",
        "he_relu": "ReLU, He (no pre-training)"}


def arm(name, data, sizes, seed, epochs, rbm_epochs, batch_size, lr):
    """Train one start; returns (test accuracy, val-accuracy curve, RBM reconstruction errors or None)."""
    nl.seed(seed)
    g = np.random.default_rng(seed)
    act = "relu" if name == "he_relu" else "sigmoid"
    init = {"random": scaled_normal(0.01), "xavier": "xavier_uniform", "dbn": scaled_normal(0.01),
            "he_relu": "he_normal"}[name]
    net = mlp(sizes, act, weight_init=init, rng=g)
    errors = None
    if name == "dbn":
        errors = list(rbm_pretrain(list(net)[: len(sizes) - 2], data.x_train, epochs=rbm_epochs, lr=0.1,
                                   batch_size=batch_size, rng=seed))
    _, hist = train(net, data, optimizer="sgd", lr=lr, epochs=epochs, batch_size=batch_size, seed=seed,
                    validation=True)
    return accuracy(net, data.x_test, data.y_test), hist.history["val_accuracy"], errors


@experiment("rbm-pretraining", "RBM pre-training (DBN) then fine-tuning vs random and Xavier init",
            "Lecture 10-2: Hinton et al. 2006 initialize a deep net by training an RBM on each pair of adjacent "
            "layers (a Deep Belief Network), then fine-tune; 'good news': simple methods (Xavier, He) are OK.",
            seeds=(1, 2))
def run(ctx):
    r = ctx.result
    data, desc = ctx.classification_data()
    n_in = data.x_train.shape[1]
    if ctx.quick:
        sizes, epochs, rbm_epochs, bs = [n_in, 128, 128, 128, 10], 10, 10, 32
    else:
        sizes, epochs, rbm_epochs, bs = [n_in, 256, 256, 256, 10], 5, 3, 100
    lr = 0.5
    out = {k: [arm(k, data, sizes, s, epochs, rbm_epochs, bs, lr) for s in ctx.seeds] for k in ARMS}
    acc = {k: [o[0] for o in v] for k, v in out.items()}
    for k, v in acc.items():
        ctx.log(f"{ARMS[k]}: test accuracy {[round(a, 4) for a in v]}")
    m = {k: float(np.mean(v)) for k, v in acc.items()}
    r.table(f"Test accuracy after {epochs} epochs of SGD (lr {lr}, batch {bs}) on {desc}, net "
            f"{'-'.join(map(str, sizes))}", ["start", "test accuracy (mean)", "min over seeds", "max over seeds"],
            [[ARMS[k], m[k], min(v), max(v)] for k, v in acc.items()])
    r.finding("RBM pre-training rescues the deep sigmoid net that small random weights leave stuck (DBN beats "
              "0.01·randn by more than 30 points)", m["dbn"] > m["random"] + 0.3,
              f"{m['dbn']:.3f} vs {m['random']:.3f}")
    r.finding("With the same SGD, the pre-trained sigmoid net is ahead of the Xavier-initialized one",
              m["dbn"] > m["xavier"], f"{m['dbn']:.3f} vs {m['xavier']:.3f}")
    r.finding("Simple methods are OK: ReLU with He init, no pre-training, reaches at least the DBN's accuracy "
              "(within 2 points)", m["he_relu"] >= m["dbn"] - 0.02, f"{m['he_relu']:.3f} vs {m['dbn']:.3f}")
    errs = out["dbn"][0][2]
    r.data.update(accuracy=acc, rbm_errors=errs, curves={k: [o[1] for o in v] for k, v in out.items()})
    with ctx.figure("finetune_curves", f"Test accuracy after each fine-tuning epoch, seed 0 ({desc}); left: RBM "
                    "reconstruction error of each layer during pre-training", ncols=2,
                    figsize=(10, 3.6)) as (fig, (a, b)):
        for i, e in enumerate(errs):
            a.plot(range(1, len(e) + 1), e, "o-", label=f"RBM {i + 1} ({sizes[i]}->{sizes[i + 1]})")
        a.set_xlabel("pre-training epoch")
        a.set_ylabel("mean squared reconstruction error")
        a.legend(fontsize=8)
        for i, k in enumerate(ARMS):
            curve = out[k][0][1]
            b.plot(range(1, len(curve) + 1), curve, "o-", color=f"C{i}", label=ARMS[k])
        b.set_xlabel("fine-tuning epoch")
        b.set_ylabel("test accuracy")
        b.set_ylim(0, 1)
        b.legend(fontsize=8)
