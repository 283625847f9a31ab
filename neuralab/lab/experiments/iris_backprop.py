"""Iris with the delta rule written by hand (the backprop lecture's equations) against neuralab's autodiff.

The network of the notes: 4 inputs -> sigmoid layer -> sigmoid layer -> softmax
over the 3 species, weights ``W`` of shape (out, in) and no biases:

    v1 = x W1ᵀ, y1 = sigmoid(v1);  v2 = y1 W2ᵀ, y2 = sigmoid(v2);  vo = y2 Woᵀ, yo = softmax(vo)
    eo = d - yo, δo = eo (softmax with the cross-entropy), ΔWo = α δoᵀ y2
    e2 = δo Wo, δ2 = y2 (1 - y2) e2, ΔW2 = α δ2ᵀ y1
    e1 = δ2 W2, δ1 = y1 (1 - y1) e1, ΔW1 = α δ1ᵀ x

``ΔW / α`` must equal minus the gradient of the summed cross-entropy that
``neuralab.gradients`` computes (float64, on the whole training set); then both
train by per-sample SGD (the notes' update ``W <- W + ΔW`` after each flower,
in the same order, from the same weights): the weights must stay equal and so
must the accuracies. Features are standardized with the training set's mean and std.
"""
from __future__ import annotations

import numpy as np

import neuralab as nl
from neuralab import functional as F
from neuralab import nn, optim

from ..core import experiment

HIDDEN = (8, 8)
ALPHA = 0.05


def sigmoid(v):
    return 0.5 * (1.0 + np.tanh(0.5 * v))


def forward(ws, x):
    """(y1, y2, yo) of the notes' network for the rows of ``x``."""
    w1, w2, wo = ws
    y1 = sigmoid(x @ w1.T)
    y2 = sigmoid(y1 @ w2.T)
    vo = y2 @ wo.T
    e = np.exp(vo - vo.max(axis=1, keepdims=True))
    return y1, y2, e / e.sum(axis=1, keepdims=True)


def delta_rule(ws, x, d, alpha):
    """The notes' ΔW1, ΔW2, ΔWo for the rows of ``x`` with one-hot targets ``d`` (summed over the rows)."""
    w1, w2, wo = ws
    y1, y2, yo = forward(ws, x)
    delta_o = d - yo
    e2 = delta_o @ wo
    delta_2 = y2 * (1 - y2) * e2
    e1 = delta_2 @ w2
    delta_1 = y1 * (1 - y1) * e1
    return alpha * delta_1.T @ x, alpha * delta_2.T @ y1, alpha * delta_o.T @ y2


def autodiff_net(ws):
    """The same network as neuralab Dense layers (kernels are the transposes, (in, out))."""
    layers = [nn.Dense(w.shape[1], w.shape[0], bias=False, activation=a, dtype="float64")
              for w, a in zip(ws, ("sigmoid", "sigmoid", None))]
    for layer, w in zip(layers, ws):
        layer.weight.data[...] = w.T
    return nn.Sequential(*layers)


@experiment("iris-backprop", "Iris: the delta rule by hand vs autodiff", "Backprop lecture: design a multi-layer "
            "network to predict the species of the iris dataset, feed forward, error back-propagation with "
            "δ = sigmoid'(v) e and ΔW = α δ y, SGD update.", seeds=(1, 3))
def run(ctx):
    from neuralab.data import iris

    r = ctx.result
    ds = iris()
    mu, sd = ds.x_train.mean(axis=0), ds.x_train.std(axis=0)
    x, xt = ((ds.x_train - mu) / sd).astype(np.float64), ((ds.x_test - mu) / sd).astype(np.float64)
    y, yt = ds.y_train, ds.y_test
    d = np.eye(3)[y]
    epochs = 20 if ctx.quick else 100
    grad_err, weight_err, acc_hand, acc_auto = [], [], [], []
    for seed in ctx.seeds:
        g = np.random.default_rng(seed)
        sizes = (4, *HIDDEN, 3)
        ws = [g.uniform(-1.0, 1.0, (b, a)) for a, b in zip(sizes[:-1], sizes[1:])]
        net = autodiff_net(ws)
        with nl.enable_grad():
            loss = F.softmax_cross_entropy(net(nl.tensor(x)), y, reduction="sum")
            grads = nl.gradients(loss, net.parameters())
        hand = delta_rule(ws, x, d, 1.0)
        grad_err.append(max(float(np.max(np.abs(h + gr.numpy().T))) for h, gr in zip(hand, grads)))
        opt = optim.SGD(net.parameters(), lr=ALPHA)
        hand_ws = [w.copy() for w in ws]
        order = np.random.default_rng(1000 + seed)
        for _ in range(epochs):
            for i in order.permutation(len(x)):
                for w, dw in zip(hand_ws, delta_rule(hand_ws, x[i:i + 1], d[i:i + 1], ALPHA)):
                    w += dw
                with nl.enable_grad():
                    li = F.softmax_cross_entropy(net(nl.tensor(x[i:i + 1])), y[i:i + 1], reduction="sum")
                opt.apply_gradients(nl.gradients(li, net.parameters()))
        weight_err.append(max(float(np.max(np.abs(w - p.numpy().T))) for w, p in zip(hand_ws, net.parameters())))
        acc_hand.append(float(np.mean(np.argmax(forward(hand_ws, xt)[2], axis=1) == yt)))
        with nl.no_grad():
            acc_auto.append(float(np.mean(np.argmax(net(nl.tensor(xt)).numpy(), axis=1) == yt)))
        ctx.log(f"seed {seed}: gradient diff {grad_err[-1]:.1e}, weight diff {weight_err[-1]:.1e}, accuracy hand "
                f"{acc_hand[-1]:.3f} autodiff {acc_auto[-1]:.3f}")
    r.check("max |ΔW/α by hand + ∂L/∂W by autodiff| at initialization", 0.0, grad_err, kind="abs", tol=1e-12,
            fmt=".1e", why="the delta rule is backpropagation of the summed cross-entropy (float64)")
    r.check(f"max |W hand - W autodiff| after {epochs} epochs of per-sample SGD", 0.0, weight_err, kind="abs",
            tol=1e-9, fmt=".1e", why="same start, same order, same α: the trajectories agree up to rounding")
    r.check("test accuracy: hand-written minus autodiff", 0.0, [a - b for a, b in zip(acc_hand, acc_auto)],
            kind="abs", tol=0.0, fmt=".3f")
    r.table(f"Iris test accuracy (30 flowers) after {epochs} epochs, α = {ALPHA}, hidden layers {HIDDEN}",
            ["seed", "hand-written delta rule", "neuralab autodiff + SGD"],
            [[s, a, b] for s, a, b in zip(ctx.seeds, acc_hand, acc_auto)])
    r.finding("The hand-written delta rule and autodiff give the same gradients and the same trained network",
              max(grad_err) <= 1e-12 and max(weight_err) <= 1e-9)
    r.finding("The network learns the species: test accuracy at least 0.9 (27 of the 30 flowers; chance is 1/3)",
              min(acc_auto) >= 0.9 - 1e-9, f"lowest over the seeds {min(acc_auto):.3f}")
    r.data.update(grad_err=grad_err, weight_err=weight_err, acc=acc_auto)
    with ctx.figure("iris_weights", "First-layer weights after training (last seed): hand-written delta rule vs "
                    "autodiff (identical)", ncols=2, figsize=(8, 3)) as (fig, (a, b)):
        a.imshow(hand_ws[0], cmap="coolwarm", aspect="auto")
        a.set_title("delta rule by hand")
        b.imshow(net.parameters()[0].numpy().T, cmap="coolwarm", aspect="auto")
        b.set_title("neuralab autodiff")
        for ax in (a, b):
            ax.set_xlabel("input feature")
            ax.set_ylabel("hidden unit")
