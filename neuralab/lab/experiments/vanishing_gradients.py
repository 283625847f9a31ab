"""Vanishing gradients: the weight gradient of each layer at initialization, sigmoid vs ReLU, over depth.

Backpropagation multiplies the error signal by ``σ'(z) ≤ 1/4`` at every sigmoid
layer (the lecture's chain-rule argument: "0 ≤ σ'(x) ≤ 1/4, so the product of
many becomes tiny"), while ReLU passes it unchanged where the unit is active.
:func:`neuralab.inspect.layer_stats` gives every layer's weight-gradient norm
(softmax cross-entropy on a batch) for

* an MNIST-scale MLP (inputs -> ``depth`` hidden layers -> 10): sigmoid with Xavier
  weights vs ReLU with He weights, ``depth`` from 2 to 20;
* the lecture's 9-hidden-layer XOR net (5 units, ``random_uniform(-1, 1)``), sigmoid vs ReLU.

The measured attenuation per sigmoid layer (the geometric mean of the ratio of
successive layers' gradient norms) is checked against the bound 1/4 (for Xavier
weights ``W`` keeps the signal's norm, so ``σ'`` alone sets the ratio).
"""
from __future__ import annotations

import numpy as np

import neuralab as nl
from neuralab import functional as F
from neuralab import nn
from neuralab.inspect import layer_stats

from ..core import experiment
from .xor import X as XOR_X
from .xor import Y as XOR_Y
from ._common import uniform_pm1

CONFIGS = {"sigmoid": ("sigmoid, Xavier", "xavier_simple"), "relu": ("ReLU, He", "he_normal")}


def grad_norms(sizes, activation, init, x, y, seed):
    """Weight-gradient norm of every Dense layer of a fresh net at initialization (first layer first)."""
    g = np.random.default_rng(seed)
    net = nn.Sequential(*[nn.Dense(a, b, activation=activation if i < len(sizes) - 2 else None, weight_init=init,
                                   rng=g) for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:]))])
    return np.array(layer_stats(net, x, y, bins=10).column("param_grad_norm"))


def _geo(values):
    a = np.asarray(values, dtype=np.float64)
    return np.exp(np.mean(np.log(np.maximum(a, 1e-300)), axis=0))


@experiment("vanishing-gradients", "Vanishing gradients: per-layer gradient norms, sigmoid vs ReLU, over depth",
            "Lecture 10-1, 'Backpropagation / vanishing gradient (NN winter 2: 1986-2006)': with sigmoid the chain "
            "rule multiplies values in [0, 1/4] and the layers far from the output barely learn; ReLU fixes it.",
            seeds=(1, 3))
def run(ctx):
    r = ctx.result
    data, desc = ctx.classification_data()
    n_in = data.x_train.shape[1]
    units = 128 if ctx.quick else 256
    depths = [2, 5, 10] if ctx.quick else [2, 5, 10, 15, 20]
    x, y = data.x_train[:500], data.y_train[:500]
    ratio = {k: [] for k in CONFIGS}
    per_layer = {}
    for k, (label, init) in CONFIGS.items():
        for depth in depths:
            norms = [grad_norms([n_in] + [units] * depth + [10], k, init, x, y, 100 * depth + s) for s in ctx.seeds]
            ratio[k].append(_geo([n[0] / n[-1] for n in norms]))
            if depth == 10:
                per_layer[k] = _geo(norms)
        shown = ", ".join(f"depth {d}: {v:.3g}" for d, v in zip(depths, ratio[k]))
        ctx.log(f"{label}: first/last layer gradient ratio {shown}")
    sig = per_layer["sigmoid"]
    atten = float(np.exp(np.mean(np.log(sig[:-2] / sig[1:-1]))))  # backward, hidden layers only
    z = nl.tensor(np.linspace(-10, 10, 2001), dtype="float64", requires_grad=True)
    with nl.enable_grad():
        dsig = nl.gradients(nl.sum(F.sigmoid(z)), [z])[0].numpy()
    r.check("max of σ'(x) over [-10, 10] (autodiff)", 0.25, float(dsig.max()), kind="abs", tol=1e-12, fmt=".6f")
    r.check("gradient attenuation per sigmoid layer (10 layers, Xavier)", 0.25, atten, kind="le", fmt=".3f",
            why="bound σ' ≤ 1/4; measured: geometric mean of successive layers' gradient-norm ratios")
    xor = {}
    for act in ("sigmoid", "relu"):
        norms = [grad_norms([2] + [5] * 10 + [2], act, uniform_pm1, XOR_X, XOR_Y.astype(np.int64), s)
                 for s in range(max(3, len(ctx.seeds)))]
        xor[act] = _geo(norms)
    r.finding("Sigmoid: the first of 10 layers gets a gradient over 1000x smaller than the output layer's",
              ratio["sigmoid"][depths.index(10)] < 1e-3, f"ratio {ratio['sigmoid'][depths.index(10)]:.2e}")
    r.finding("ReLU with He init keeps the first layer's gradient within 100x of the last one's at every depth",
              min(ratio["relu"]) > 1e-2, f"smallest ratio {min(ratio['relu']):.3f}")
    r.finding("The sigmoid ratio shrinks geometrically with depth (each extra layer divides it by more than 2)",
              all(b < a / 2 ** (d2 - d1) for a, b, d1, d2 in zip(ratio["sigmoid"], ratio["sigmoid"][1:], depths,
                                                                   depths[1:])))
    r.finding("In the lecture's 9-hidden-layer XOR net the first layer's gradient is over 1000x smaller with sigmoid "
              "than with ReLU", xor["sigmoid"][0] < 1e-3 * xor["relu"][0],
              f"{xor['sigmoid'][0]:.2e} vs {xor['relu'][0]:.2e}")
    r.table(f"First-layer / last-layer weight-gradient norm at initialization ({desc}, {units} units)",
            ["hidden layers"] + [CONFIGS[k][0] for k in CONFIGS], [[d] + [ratio[k][i] for k in CONFIGS]
                                                                    for i, d in enumerate(depths)],
            note="Geometric mean over seeds.")
    r.data.update(depths=depths, ratio=ratio, per_layer={k: v.tolist() for k, v in per_layer.items()},
                  xor={k: v.tolist() for k, v in xor.items()}, attenuation=atten)
    with ctx.figure("grad_norm_by_layer", f"Weight-gradient norm of each layer at initialization: 10 hidden layers of "
                    f"{units} ({desc}, left) and the XOR net of the lecture (right)", ncols=2,
                    figsize=(10, 3.6)) as (fig, (a, b)):
        for i, k in enumerate(CONFIGS):
            a.semilogy(range(1, len(per_layer[k]) + 1), per_layer[k], "o-", color=f"C{i}", label=CONFIGS[k][0])
            b.semilogy(range(1, len(xor[k]) + 1), xor[k], "o-", color=f"C{i}", label=f"{k}, uniform(-1, 1)")
        for ax in (a, b):
            ax.set_xlabel("layer (1 = input side)")
            ax.set_ylabel("‖∂loss/∂W‖")
            ax.legend(fontsize=8)
    with ctx.figure("ratio_by_depth", "First-layer / last-layer gradient norm against depth (log scale)",
                    figsize=(6, 3.4)) as (fig, ax):
        for i, k in enumerate(CONFIGS):
            ax.semilogy(depths, ratio[k], "o-", color=f"C{i}", label=CONFIGS[k][0])
        ax.set_xlabel("hidden layers")
        ax.set_ylabel("ratio")
        ax.legend()
