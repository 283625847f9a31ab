"""Hyperparameter search: random vs grid on the notes' 2-D picture, then coarse -> fine through neuralab.tune.

**Random vs grid** [Bergstra & Bengio 2012]: a score depends strongly on one
hyperparameter (a narrow peak in ``x``) and weakly on another (``y``). Nine
trials on a 3 x 3 grid try only 3 values of the important parameter; nine random
trials try 9. Over many repetitions of the random draw, the expected best score
of random search is compared with the grid's.

**Coarse -> fine in stages**: :func:`neuralab.tune.tune` (Optuna) runs a first
stage of short trials (1 epoch) over a wide space (learning rate log-uniform in
[1e-4, 1e-1], dropout uniform in [0, 0.6]), narrows the space around the best
trials (the documented rule of :meth:`neuralab.tune.SearchSpace.narrow`), and
runs a second stage of longer trials inside it; every trial logs to TensorBoard
with its hyperparameters (the HParams tab). Full: the real MNIST; ``--quick``: the
bundled digits. Needs Optuna (the ``[tune]`` extra); skipped with the reason without it.
"""
from __future__ import annotations

import os
import tempfile

import numpy as np

from ..core import experiment

PEAK, WIDTH = 0.37, 0.08


def important(x):
    """The score's strong dependence: a narrow peak at ``x = 0.37``."""
    return np.exp(-(((np.asarray(x) - PEAK) / WIDTH) ** 2))


def unimportant(y):
    """The weak dependence: a gentle slope, at most 0.1."""
    return 0.1 * np.asarray(y)


def score(x, y):
    return important(x) + unimportant(y)


def grid_points(n=3):
    """The n x n grid at the cells' centres of the unit square."""
    c = (np.arange(n) + 0.5) / n
    gx, gy = np.meshgrid(c, c)
    return gx.ravel(), gy.ravel()


def coarse_to_fine(data_name, data_root, trials, epochs, layers, seed, out):
    """Two tune stages; returns (TuneResult, per-stage [(lr, dropout, value)], TensorBoard trial folders)."""
    from neuralab.cli import TRAIN_DEFAULTS
    from neuralab.tune import LogUniform, SearchSpace, TuneSettings, Uniform, tune

    base = dict(TRAIN_DEFAULTS, dataset=data_name, data_root=data_root, validation=0.2, batch_size=100,
                layers=layers, seed=seed, download=False)
    for k in ("logdir", "checkpoint_dir", "resume", "distributed"):
        base.pop(k, None)
    space = SearchSpace({"lr": LogUniform(1e-4, 1e-1), "dropout": Uniform(0.0, 0.6)})
    s = TuneSettings(space=space, base=base, trials=list(trials), epochs=list(epochs), sampler="random",
                     out=out, study="lab", seed=seed, quiet=True, pruner="none")
    res = tune(s)
    stages = [[(t.params["lr"], t.params["dropout"], t.value) for t in st.trials if t.value is not None]
              for st in res.studies]
    tb = [d for d in os.listdir(out) if d.startswith("s") and os.path.isdir(os.path.join(out, d))]
    return res, stages, tb


def _bounds(space, key):
    """(low, high) of a range parameter of a stage's space dict; (v, v) for a value fixed by narrowing."""
    v = space.get(key)
    if isinstance(v, dict):
        return tuple(next(iter(v.values())))
    return (v, v)


def _range_text(space, key):
    lo, hi = _bounds(space, key)
    return f"{lo:.2g}" if lo == hi else f"{lo:.2g}–{hi:.2g}"


@experiment("hparam-search", "Hyperparameter search: random vs grid, coarse to fine",
            "Hyperparameter-tuning lecture: 'Random vs. Grid Search' [Bergstra and Bengio, 2012] (important vs "
            "unimportant parameter) and 'coarse -> fine cross validation in stages: first a few epochs, then longer "
            "runs, finer search'; TensorBoard's hyperparameter runs.", seeds=(1, 1))
def run(ctx):
    r = ctx.result
    reps = 2000 if ctx.quick else 20000
    g = np.random.default_rng(ctx.seeds[0])
    gx, gy = grid_points(3)
    grid_best = float(np.max(score(gx, gy)))
    rx, ry = g.random((reps, 9)), g.random((reps, 9))
    rand_best = np.max(score(rx, ry), axis=1)
    p_better = float(np.mean(rand_best > grid_best))
    r.check("distinct values of the important parameter tried by 9 grid trials", 3, len(np.unique(gx)),
            kind="equal")
    r.check("distinct values of the important parameter tried by 9 random trials", 9,
            int(np.median([len(np.unique(row)) for row in rx[:100]])), kind="equal")
    r.finding("Random search finds a better score than the 3 x 3 grid in most repetitions", p_better > 0.5,
              f"random beats grid in {p_better:.1%} of {reps} repetitions; mean best {rand_best.mean():.3f} vs grid "
              f"{grid_best:.3f}")
    r.table("Best of 9 trials (score = peak(x) + 0.1 y, maximum 1.1)", ["search", "best score (mean)",
                                                                          "best score (median)"],
            [["grid 3 x 3", grid_best, grid_best], ["random", float(rand_best.mean()), float(np.median(rand_best))]])
    with ctx.figure("random_vs_grid", "The notes' picture: 9 grid trials (left) try 3 values of the important "
                    "parameter, 9 random trials (right) try 9; the curve above each is the score's dependence on it",
                    nrows=2, ncols=2, figsize=(9, 5), sharex="col",
                    gridspec_kw={"height_ratios": [1, 3]}) as (fig, axes):
        xs = np.linspace(0, 1, 400)
        for col, (px, py, title) in enumerate(((gx, gy, "Grid layout"), (rx[0], ry[0], "Random layout"))):
            top, ax = axes[0, col], axes[1, col]
            top.plot(xs, important(xs), color="C2")
            top.plot(px, important(px), "o", color="C3", ms=4)
            top.set_yticks([])
            top.set_title(title)
            ax.scatter(px, py, color="C3", zorder=3)
            ax.set_xlim(0, 1)
            ax.set_ylim(0, 1)
            ax.set_xlabel("important parameter")
            ax.set_ylabel("unimportant parameter")
    try:
        import optuna  # noqa: F401

        import neuralab.tune  # noqa: F401
    except ImportError as e:
        r.note(f"coarse -> fine part skipped: {e} (pip install \"neuralab[tune]\")")
        return
    if ctx.quick:
        data_name, trials, epochs, layers, desc = "digits", (8, 4), (1, 3), [64], "bundled digits"
    else:
        ctx.mnist()
        data_name, trials, epochs, layers, desc = "mnist", (12, 6), (1, 3), [256], "real MNIST"
    with tempfile.TemporaryDirectory() as tmp:
        res, stages, tb = coarse_to_fine(data_name, ctx.data_root, trials, epochs, layers, ctx.seeds[0], tmp)
        hp_files = sum(1 for d in tb for _root, _dirs, files in os.walk(os.path.join(tmp, d))
                       for f in files if "tfevents" in f)
    s1, s2 = res.studies[0].user_attrs["space"], res.studies[1].user_attrs["space"]
    lr1, lr2 = _bounds(s1, "lr"), _bounds(s2, "lr")
    best1 = max(v for *_rest, v in stages[0])
    best2 = max(v for *_rest, v in stages[1])
    r.table(f"Coarse -> fine with neuralab.tune on {desc} (validation accuracy; stage 1: {trials[0]} trials of "
            f"{epochs[0]} epoch, stage 2: {trials[1]} of {epochs[1]})", ["stage", "lr range", "dropout range",
                                                                          "trials", "best val accuracy"],
            [[1, _range_text(s1, "lr"), _range_text(s1, "dropout"), len(stages[0]), best1],
             [2, _range_text(s2, "lr"), _range_text(s2, "dropout"), len(stages[1]), best2]])
    r.finding("The second stage searches a narrower learning-rate range inside the first",
              lr1[0] <= lr2[0] and lr2[1] <= lr1[1] and np.log(lr2[1] / lr2[0]) < np.log(lr1[1] / lr1[0]),
              f"{_range_text(s1, 'lr')} -> {_range_text(s2, 'lr')}")
    r.finding("The longer, finer second stage finds a better validation accuracy than the coarse one",
              best2 > best1, f"{best1:.4f} -> {best2:.4f}")
    r.finding("Every trial wrote a TensorBoard run with its hyperparameters", len(tb) == sum(trials) and
              hp_files >= len(tb), f"{len(tb)} runs, {hp_files} event files")
    r.data.update(stages=stages, best=res.params, value=res.value, p_random_better=p_better)
    with ctx.figure("coarse_to_fine", f"Every trial's validation accuracy against its learning rate ({desc}): "
                    "stage 1 (coarse, short) and stage 2 (fine, longer)", figsize=(6.4, 3.6)) as (fig, ax):
        for i, st in enumerate(stages):
            ax.scatter([t[0] for t in st], [t[2] for t in st], color=f"C{i}", label=f"stage {i + 1}")
        ax.set_xscale("log")
        ax.set_xlabel("learning rate")
        ax.set_ylabel("validation accuracy")
        ax.legend()
