"""The notes' TF 1.x MNIST programs, run unmodified through ``neuralab tf1`` (the compat layer).

Each program is the lecture's TF 1.x listing kept in ``tests/compat/scripts/``
(the only additions: optional command-line arguments for the data folder, the
epoch count and keep_prob). It runs in a fresh ``python -m neuralab.cli tf1``
process on the real MNIST with the scripts' own seed (``tf.set_random_seed(777)``)
and TF's split (55,000 train after 5,000 validation images; 10,000 test); the
printed ``Accuracy:`` is put beside the notes' figure (±0.005; ±0.01 for the
``random_normal`` programs). ``--quick`` runs two of them for a few epochs on a
stand-in MNIST made from the bundled digits (upscaled to 28x28 in the idx
format). The programs live in the source checkout, not in an installed wheel:
without them the experiment is skipped.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from ..core import Skip, experiment

SCRIPTS = Path(__file__).resolve().parents[3] / "tests" / "compat" / "scripts"
#: key -> (description, notes accuracy, tolerance, script, full args, quick args)
ROWS = {
    "softmax": ("No layer (softmax), random_normal, 50 epochs", 0.9183, 0.01, "mnist_softmax.py", [], []),
    "nn": ("Deep layer & ReLU (256-256), random_normal", 0.9468, 0.01, "mnist_nn.py", ["15"], None),
    "xavier": ("Deep layer & ReLU & Xavier (256-256)", 0.9795, 0.005, "mnist_xavier.py", ["15"], ["3"]),
    "deep": ("Deeep layer & ReLU & Xavier (512x4)", 0.9811, 0.005, "mnist_deep_dropout.py", ["15", "1.0"], None),
    "dropout": ("Deeep layer & ReLU & Xavier & Dropout keep_prob 0.7", 0.9803, 0.005, "mnist_deep_dropout.py",
                ["15", "0.7"], None),
    "argscope": ("arg_scope + fully_connected + batch_norm + dropout", 0.9843, 0.005, "mnist_argscope_bn.py", ["15"],
                 None),
}


def standin_mnist(folder):
    """Write a small MNIST stand-in (1,437 train / 360 test digits upscaled to 28x28) in the idx format."""
    from neuralab.data import digits, write_idx

    ds = digits()

    def to28(x):
        img = np.kron(x.reshape(-1, 8, 8), np.ones((1, 3, 3)))
        return np.round(np.pad(img, ((0, 0), (2, 2), (2, 2))) * 255).astype(np.uint8)

    folder = Path(folder)
    write_idx(folder / "train-images-idx3-ubyte.gz", to28(ds.x_train))
    write_idx(folder / "train-labels-idx1-ubyte.gz", ds.y_train.astype(np.uint8))
    write_idx(folder / "t10k-images-idx3-ubyte.gz", to28(ds.x_test))
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", ds.y_test.astype(np.uint8))
    return folder


def run_script(script, data_dir, args, threads=None):
    """Run one program through ``neuralab tf1`` (``threads``: its OPENBLAS_NUM_THREADS); returns
    (accuracy or None, seconds, output tail)."""
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[3])
    env["PYTHONPATH"] = os.pathsep.join([root, env.get("PYTHONPATH", "")])
    if threads:
        env["OPENBLAS_NUM_THREADS"] = str(threads)
    cmd = [sys.executable, "-m", "neuralab.cli", "tf1", str(SCRIPTS / script), str(data_dir), *args]
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    sec = time.perf_counter() - t0
    found = re.findall(r"Accuracy:\s*\[?([0-9.]+)", p.stdout)
    acc = float(found[-1]) if p.returncode == 0 and found else None
    return acc, sec, (p.stdout + p.stderr)[-600:]


@experiment("tf1-mnist", "The notes' TF 1.x MNIST programs, unmodified, through neuralab tf1",
            "Lab 10's TF 1.x programs (softmax, NN, Xavier, deep, dropout, arg_scope + batch norm) as printed in "
            "the notes: accuracies 0.9183, 0.9468, 0.9795, 0.9811, 0.9803, 0.9843.", stochastic=False)
def run(ctx):
    r = ctx.result
    if not SCRIPTS.is_dir():
        raise Skip(f"the TF 1.x programs are in the source checkout's tests/compat/scripts, not found at {SCRIPTS}")
    from neuralab.backend.threads import get_num_threads

    threads = get_num_threads()  # the child process gets the thread count this run uses
    with tempfile.TemporaryDirectory() as tmp:
        if ctx.quick:
            data_dir, desc = standin_mnist(tmp), "a stand-in MNIST of the bundled digits"
        else:
            ctx.mnist()  # Skip with the reason when the real MNIST is absent
            from neuralab.data import data_root

            data_dir, desc = Path(data_root(ctx.data_root)) / "mnist", "the real MNIST"
        rows = []
        for label, notes, tol, script, full_args, quick_args in ROWS.values():
            args = quick_args if ctx.quick else full_args
            if args is None:
                continue
            acc, sec, tail = run_script(script, data_dir, args, threads)
            ctx.log(f"{label}: {acc} in {sec:.0f} s")
            if acc is None:
                r.note(f"{script} failed: {tail}")
            r.check(label, notes, acc if acc is not None else float("nan"), kind="abs", tol=tol, fmt=".4f",
                    judged=not ctx.quick, why="" if not ctx.quick else f"quick: {desc}, epochs {' '.join(args)}")
            shown = " ".join(["neuralab", "tf1", f"tests/compat/scripts/{script}", "MNIST_DIR", *args])
            rows.append([label, notes, acc if acc is not None else "failed", sec, shown])
    r.table(f"Printed accuracy on {desc}", ["program", "notes", "neuralab", "seconds", "command"], rows)
    r.finding("Every program runs unmodified through neuralab tf1 and prints its accuracy",
              all(isinstance(row[2], float) for row in rows))
    r.finding("Each program learns (accuracy above 0.5)", all(isinstance(row[2], float) and row[2] > 0.5
                                                              for row in rows))
    with ctx.figure("tf1_mnist", f"Accuracy printed by each TF 1.x program ({desc}) beside the notes'",
                    figsize=(7, 3)) as (fig, ax):
        labels = [row[0].split(" (")[0][:34] for row in rows]
        ys = np.arange(len(rows))
        ax.barh(ys - 0.2, [row[1] for row in rows], height=0.4, label="notes", color="C7")
        ax.barh(ys + 0.2, [row[2] if isinstance(row[2], float) else 0 for row in rows], height=0.4,
                label="neuralab tf1", color="C0")
        ax.set_yticks(ys, labels, fontsize=7)
        ax.set_xlim(0.5 if ctx.quick else 0.85, 1.0)
        ax.legend(fontsize=8)
