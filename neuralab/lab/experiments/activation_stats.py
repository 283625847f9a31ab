"""Activation statistics of a 10-layer net of 500 units: how the weight scale shapes what each layer outputs.

A 1000 x 500 standard-normal batch goes through 10 layers ``H = f(X @ W)`` (no
biases), ``W`` drawn by one of the lecture's schemes; :func:`neuralab.inspect.layer_stats`
gives each layer's mean, std, saturated fraction and histogram:

* ``0.01 * randn`` with tanh: the std shrinks about 4.5x per layer toward 0;
* ``1.0 * randn`` with tanh: almost every unit saturates at -1 or +1 (std 0.98);
* Xavier ``randn / sqrt(fan_in)`` with tanh: std 0.63 falling slowly to 0.23;
* Xavier with ReLU: the variance halves every layer (std 0.58 -> 0.026);
* He ``randn / sqrt(fan_in / 2)`` with ReLU: the std stays near 0.83.

Tolerances: tanh layers ±10% of the notes' std (their variance map is nearly
deterministic at 500 units); ReLU layers ±25%, because each layer multiplies the
variance by a random gain and the notes print one draw (across our seeds the
10th layer's std varies by about ±15%). Numbers the notes print as 0.000000 or
0.000001 are compared to their 6 printed decimals (±5e-7). Means: ±0.005 for
tanh (the notes' are noise around 0), relative like the std for ReLU.
"""
from __future__ import annotations

import numpy as np

from neuralab import init, nn
from neuralab.inspect import layer_stats

from ..core import experiment
from ._common import scaled_normal

#: the notes' (mean, std) per hidden layer 1..10 for each configuration
NOTES = {
    "small": ([-0.000117, -0.000001, -0.000002, 0.000001, 0.000002, -0.000000, 0.000000, -0.000000, 0.000000,
               -0.000000],
              [0.213081, 0.047551, 0.010630, 0.002378, 0.000532, 0.000119, 0.000026, 0.000006, 0.000001, 0.000000]),
    "large": ([-0.000430, -0.000849, 0.000566, 0.000483, -0.000682, -0.000401, -0.000237, -0.000448, -0.000899,
               0.000584],
              [0.981879, 0.981649, 0.981601, 0.981755, 0.981614, 0.981560, 0.981520, 0.981913, 0.981728, 0.981736]),
    "xavier": ([0.001198, -0.000175, 0.000055, -0.000306, 0.000142, -0.000389, -0.000228, -0.000291, 0.000361,
                0.000139],
               [0.627953, 0.486051, 0.407723, 0.357108, 0.320917, 0.292116, 0.273387, 0.254935, 0.239266, 0.228008]),
    "xavier_relu": ([0.398623, 0.272352, 0.186076, 0.136442, 0.099568, 0.072234, 0.049775, 0.035138, 0.025404,
                     0.018408],
                    [0.582273, 0.403795, 0.276912, 0.198685, 0.140299, 0.103280, 0.072748, 0.051572, 0.038583,
                     0.026076]),
    "he_relu": ([0.562488, 0.553614, 0.545867, 0.565396, 0.547678, 0.587103, 0.596867, 0.623214, 0.567498, 0.552531],
                [0.825232, 0.827835, 0.813855, 0.826902, 0.834092, 0.860035, 0.870610, 0.889348, 0.845357, 0.844523]),
}

#: name -> (title, initializer, activation)
CONFIGS = {
    "small": ("W = 0.01 * randn, tanh", init.get("small"), "tanh"),
    "large": ("W = 1.0 * randn, tanh", scaled_normal(1.0), "tanh"),
    "xavier": ("Xavier W = randn / sqrt(fan_in), tanh", init.xavier_simple, "tanh"),
    "xavier_relu": ("Xavier W = randn / sqrt(fan_in), ReLU", init.xavier_simple, "relu"),
    "he_relu": ("He W = randn / sqrt(fan_in / 2), ReLU", init.he_normal, "relu"),
}
PRINT = 5e-7  # half a unit of the notes' 6th decimal
HIST_LAYOUT = dict(left=0.01, right=0.99, bottom=0.14, top=0.86, wspace=0.12)


def network(initializer, activation, layers=10, units=500, rng=None):
    """The lecture's net: ``layers`` Dense layers of ``units`` units without bias, each followed by ``activation``."""
    return nn.Sequential(*[nn.Dense(units, units, bias=False, activation=activation, weight_init=initializer,
                                    rng=rng) for _ in range(layers)])


def statistics(initializer, activation, seed, layers=10, units=500, batch=1000, bins=40):
    """One draw of the experiment: the input's (mean, std) and the LayerStats of the net on it."""
    gen = np.random.default_rng(seed)
    x = gen.standard_normal((batch, units)).astype(np.float32)
    net = network(initializer, activation, layers, units, rng=gen)
    return (float(x.mean()), float(x.std())), layer_stats(net, x, gradients=False, bins=bins)


@experiment("activation-stats", "Activation statistics of a 10-layer net (four weight scales)",
            "Weight-initialization lecture, 'Activation Statistics': 10 layers of 500 units, tanh with "
            "0.01·randn, 1.0·randn and Xavier; ReLU with Xavier and He. The notes print each layer's mean and std.",
            seeds=(1, 3))
def run(ctx):
    r = ctx.result
    per_cfg = {}
    for name, (title, fn, act) in CONFIGS.items():
        draws = [statistics(fn, act, 1000 * k + seed) for k, seed in enumerate(ctx.seeds)]
        per_cfg[name] = draws
        means = np.array([[row["mean"] for row in t] for _, t in draws])
        stds = np.array([[row["std"] for row in t] for _, t in draws])
        nmean, nstd = NOTES[name]
        rel = 0.10 if act == "tanh" else 0.25
        for i in range(10):
            r.check(f"{name}: layer {i + 1} std", nstd[i], list(stds[:, i]), kind="rel", tol=(rel, PRINT),
                    fmt=".6f")
            if act == "tanh":
                r.check(f"{name}: layer {i + 1} mean", nmean[i], list(means[:, i]), kind="abs", tol=0.005, fmt=".6f")
            else:
                r.check(f"{name}: layer {i + 1} mean", nmean[i], list(means[:, i]), kind="rel", tol=(rel, PRINT),
                        fmt=".6f")
        t0 = draws[0][1]
        r.table(f"{title} (seed {ctx.seeds[0]})", ["layer", "mean", "std", "notes std", "saturated", "dead units"],
                [["input", draws[0][0][0], draws[0][0][1], 1.0, float("nan"), float("nan")]]
                + [[f"hidden {i + 1}", row["mean"], row["std"], nstd[i], row["saturated"], row["dead"]]
                   for i, row in enumerate(t0)])
        r.data[name] = {"std": stds.tolist(), "mean": means.tolist(),
                        "saturated": [[row["saturated"] for row in t] for _, t in draws]}
        with ctx.figure(f"hist_{name}", f"Per-layer activation histograms, {title} (as in the notes' figure)",
                        ncols=10, figsize=(12, 1.9), adjust=HIST_LAYOUT) as (fig, axes):
            for i, (ax, row) in enumerate(zip(axes, t0)):
                counts, edges = row["hist"]
                ax.stairs(counts, edges, fill=True, color="C0")
                ax.set_title(f"layer {i + 1}", fontsize=8)
                ax.tick_params(labelsize=6)
                ax.set_yticks([])
    s = {k: np.mean(np.array(v["std"]), axis=0) for k, v in r.data.items()}
    sat_large = float(np.mean([t[9]["saturated"] for _, t in per_cfg["large"]]))
    r.finding("0.01·randn with tanh: all activations become zero (layer 10 std below 1e-5)", s["small"][9] < 1e-5,
              f"layer 10 std {s['small'][9]:.2e}")
    r.finding("1.0·randn with tanh: almost all neurons are saturated at -1 or +1 (over 80% within 0.01 of ±1)",
              sat_large > 0.8, f"{sat_large:.1%} saturated at layer 10")
    r.finding("Xavier with tanh keeps a usable std in every layer (all between 0.2 and 0.7)",
              bool(np.all((s["xavier"] > 0.2) & (s["xavier"] < 0.7))))
    r.finding("Xavier doesn't work as well with ReLU: the std falls by more than 10x over 10 layers",
              s["xavier_relu"][0] / s["xavier_relu"][9] > 10,
              f"{s['xavier_relu'][0]:.3f} -> {s['xavier_relu'][9]:.3f}")
    r.finding("He with ReLU keeps the std of layer 10 within 35% of layer 1's",
              abs(s["he_relu"][9] / s["he_relu"][0] - 1) < 0.35, f"{s['he_relu'][0]:.3f} -> {s['he_relu'][9]:.3f}")
    with ctx.figure("std_by_layer", "Activation std per layer (log scale): neuralab (lines, mean over seeds) and the "
                    "notes (markers)", figsize=(6.4, 3.8)) as (fig, ax):
        for k, (name, (title, _, _)) in enumerate(CONFIGS.items()):
            ax.semilogy(range(1, 11), np.maximum(s[name], 1e-8), "-", color=f"C{k}", label=title)
            ax.semilogy(range(1, 11), np.maximum(NOTES[name][1], 1e-8), "o", color=f"C{k}", markersize=4)
        ax.set_xlabel("hidden layer")
        ax.set_ylabel("std of activations")
        ax.legend(fontsize=7)
