"""Initialization x activation, in the layout of Mishkin & Matas's CIFAR-10 table: which pairs train, and how well.

Rows: LSUV (orthonormal weights rescaled layer by layer to unit output variance
on a batch, :func:`neuralab.nn.pretrain.lsuv`), OrthoNorm (random orthogonal
weights), OrthoNorm-MSRA scaled (orthogonal times sqrt(2)), Xavier (Glorot
uniform) and MSRA (He normal). Columns: maxout (2 pieces), ReLU, VLReLU (a
"very leaky" ReLU, slope 1/3 on the negative side), tanh and sigmoid.

The notes' table is test accuracy (%) of a deep CIFAR-10 convolutional net. On
2 CPU cores this lab trains a deep thin MLP instead (11 hidden layers, SGD with
momentum 0.9), on CIFAR-10 when a real copy is found in
``$NEURALAB_DATA/cifar-10-batches-py`` (the Python pickle batches), else on the
real MNIST (``--quick``: the bundled digits, 8 hidden layers). The accuracies are
therefore not the notes' numbers; what is compared is the table's shape: a cell
is "n/c" (did not converge) when the test accuracy stays below 50% or the loss
became NaN, and the verdict is ✓ when our cell and the notes' agree on
converging or not. "–" cells of the notes (pairs the paper did not run) are not run.
"""
from __future__ import annotations

import functools
import pickle
from pathlib import Path

import numpy as np

import neuralab as nl
from neuralab import functional as F
from neuralab import init
from neuralab.nn.pretrain import lsuv

from ..core import experiment
from ._common import accuracy, mlp, train

ACTS = ("maxout", "ReLU", "VLReLU", "tanh", "sigmoid")
INITS = ("LSUV", "OrthoNorm", "OrthoNorm-MSRA scaled", "Xavier", "MSRA")
#: the notes' table [Mishkin et al. 2015], CIFAR-10 test accuracy %; None = not run ("–")
NOTES = {
    "LSUV": (93.94, 92.11, 92.97, 89.28, "n/c"),
    "OrthoNorm": (93.78, 91.74, 92.40, 89.48, "n/c"),
    "OrthoNorm-MSRA scaled": (None, 91.93, 93.09, None, "n/c"),
    "Xavier": (91.75, 90.63, 92.27, 89.82, "n/c"),
    "MSRA": ("n/c", 90.91, 92.43, 89.54, "n/c"),
}
CONVERGED = 0.5  # test accuracy below this (or a NaN loss): "n/c"

vlrelu = functools.partial(F.leaky_relu, alpha=1.0 / 3.0)
vlrelu.__name__ = "vlrelu"
_ACT = {"ReLU": "relu", "VLReLU": vlrelu, "tanh": "tanh", "sigmoid": "sigmoid", "maxout": None}
_INIT = {"LSUV": functools.partial(init.orthogonal, gain=1.0),
         "OrthoNorm": functools.partial(init.orthogonal, gain=1.0),
         "OrthoNorm-MSRA scaled": functools.partial(init.orthogonal, gain=float(np.sqrt(2.0))),
         "Xavier": init.xavier_uniform, "MSRA": init.he_normal}


class _MaxoutView:
    """A Maxout layer seen by :func:`lsuv` as one weighted layer: its linear part, then the max over pieces."""

    def __init__(self, m):
        self.m, self.weight, self.bias = m, m.linear.weight, m.linear.bias
        self.activation = functools.partial(F.maxout, num_pieces=m.num_pieces, axis=-1)

    def __call__(self, h):
        return self.activation(self.m.linear(h))


def cifar10(root):
    """CIFAR-10 from the Python pickle batches in ``root/cifar-10-batches-py`` as flat float32 rows in [0, 1].

    Returns a :class:`neuralab.data.Splits` (50,000 train / 10,000 test), or None when the folder is absent.
    """
    from neuralab.data import Splits, data_root

    folder = Path(data_root(root)) / "cifar-10-batches-py"
    if not (folder / "test_batch").exists():
        return None

    def read(name):
        with open(folder / name, "rb") as f:
            d = pickle.load(f, encoding="bytes")
        return (np.asarray(d[b"data"], np.float32) / 255.0), np.asarray(d[b"labels"], np.int64)

    parts = [read(f"data_batch_{i}") for i in range(1, 6) if (folder / f"data_batch_{i}").exists()]
    xtr, ytr = np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
    xte, yte = read("test_batch")
    return Splits("cifar10", xtr, ytr, xte, yte, 10, [str(i) for i in range(10)])


def cell(data, init_name, act, depth, units, epochs, seed, lr=0.01):
    """Train one (init, activation) pair; returns the test accuracy (NaN when the loss diverged)."""
    nl.seed(seed)
    sizes = [data.x_train.shape[1]] + [units] * depth + [10]
    net = mlp(sizes, _ACT[act], weight_init=_INIT[init_name], rng=np.random.default_rng(seed),
              maxout_pieces=2 if act == "maxout" else 0)
    if init_name == "LSUV":
        import warnings

        layers = [_MaxoutView(m) if hasattr(m, "num_pieces") else m for m in net]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a sigmoid layer may not reach unit variance
            lsuv(layers, data.x_train[:500], rng=seed)
    _, hist = train(net, data, optimizer="momentum", lr=lr, momentum=0.9, epochs=epochs, batch_size=128, seed=seed)
    loss = hist.history["loss"][-1] if hist.history.get("loss") else float("nan")
    if not np.isfinite(loss):
        return float("nan")
    return accuracy(net, data.x_test, data.y_test)


@experiment("init-activation", "Initialization x activation (Mishkin et al.'s table layout)",
            "Lectures 10-1/10-2, 'Activation functions and initialization on CIFAR-10' [Mishkin et al. 2015]: "
            "LSUV, OrthoNorm, OrthoNorm-MSRA scaled, Xavier, MSRA x maxout, ReLU, VLReLU, tanh, sigmoid; sigmoid "
            "does not converge (n/c) with any of them.", seeds=(1, 2))
def run(ctx):
    r = ctx.result
    data = None if ctx.quick else cifar10(ctx.data_root)
    if data is not None:
        desc = "CIFAR-10 (a real copy was found)"
    else:
        data, desc = ctx.classification_data()
    depth, units, epochs = (8, 64, 12) if ctx.quick else (11, 128, 5)
    acc = {}
    for init_name in INITS:
        for j, act in enumerate(ACTS):
            if NOTES[init_name][j] is None:
                continue
            vals = [cell(data, init_name, act, depth, units, epochs, s) for s in ctx.seeds]
            acc[init_name, act] = vals
            ctx.log(f"{init_name} x {act}: {[round(v, 4) for v in vals]}")
    def shown(vals):
        return ["n/c" if not np.isfinite(v) or v < CONVERGED else round(100 * v, 2) for v in vals]

    rows = []
    for init_name in INITS:
        row = [init_name]
        for j, act in enumerate(ACTS):
            notes = NOTES[init_name][j]
            if notes is None:
                row.append("–")
                continue
            cells = shown(acc[init_name, act])
            r.check(f"{init_name} x {act}", notes, cells, kind="converges", fmt=".2f", unit="%",
                    why="notes: CIFAR-10 conv net; here: " + desc.split(" (")[0] + " MLP")
            nums = [c for c in cells if c != "n/c"]
            row.append("n/c" if len(nums) < len(cells) else f"{np.mean(nums):.2f}")
        rows.append(row)
    r.table(f"Test accuracy % ({desc}, {depth} hidden layers of {units}, {epochs} epochs of SGD + momentum 0.9, "
            "lr 0.01; mean over seeds, n/c if any seed did not converge)", ["init", *ACTS], rows)
    r.table("The notes' table (CIFAR-10, Mishkin et al. 2015)", ["init", *ACTS],
            [[k] + ["–" if v is None else v for v in NOTES[k]] for k in INITS])
    mean = {k: float(np.mean(np.nan_to_num(v, nan=0.0))) for k, v in acc.items()}  # a diverged run counts as 0
    r.finding("Sigmoid does not converge under any of the five initializations (the notes' last column)",
              all(c == "n/c" for i in INITS for c in shown(acc[i, "sigmoid"])))
    r.finding("With LSUV, OrthoNorm and Xavier every activation but sigmoid converges",
              all(c != "n/c" for i in ("LSUV", "OrthoNorm", "Xavier") for a in ACTS[:4]
                  for c in shown(acc[i, a])))
    r.data.update(accuracy={f"{i} x {a}": v for (i, a), v in acc.items()}, dataset=desc)
    with ctx.figure("init_x_activation", f"Test accuracy of each (init, activation) pair ({desc}); grey: not run "
                    "(– in the notes), red frame: n/c", figsize=(7, 3.8)) as (fig, ax):
        grid = np.full((len(INITS), len(ACTS)), np.nan)
        for (i, a), v in mean.items():
            grid[INITS.index(i), ACTS.index(a)] = v
        im = ax.imshow(np.where(np.isnan(grid), np.nan, grid * 100), cmap="viridis", vmin=0, vmax=100)
        for (ii, jj), v in np.ndenumerate(grid):
            if (INITS[ii], ACTS[jj]) not in mean:
                ax.text(jj, ii, "–", ha="center", va="center", color="grey")
                continue
            nc = "n/c" in shown(acc[INITS[ii], ACTS[jj]])
            ax.text(jj, ii, "n/c" if nc else f"{100 * v:.1f}", ha="center", va="center",
                    color="red" if nc else ("black" if v > 0.6 else "white"), fontsize=9)
        ax.set_xticks(range(len(ACTS)), ACTS)
        ax.set_yticks(range(len(INITS)), INITS)
        fig.colorbar(im, ax=ax, label="test accuracy %")
