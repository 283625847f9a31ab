"""Rerun the notes' MNIST table (lab 10) with `neuralab train` and record the accuracies.

Each row is one `neuralab train` run on the real MNIST (15 epochs, batch 100,
Adam lr 0.001, seed 0); the notes' accuracy is shown beside ours. Results go to
lab/results/mnist_table.md. Needs the MNIST files ($NEURALAB_DATA/mnist or the
cache); takes a while on 2 cores (the deep networks dominate).

    python lab/mnist_table.py [--epochs 15] [--only softmax,xavier]
"""
from __future__ import annotations

import argparse
import contextlib
import io
import time
from pathlib import Path

from neuralab import cli

ROWS = [
    ("softmax", "softmax only, random_normal init", "0.9183 (0.90-0.92)",
     ["--model", "softmax", "--init", "normal"]),
    ("relu-normal", "3-layer ReLU 256-256, random_normal init", "0.9468 (0.94-0.95)",
     ["--model", "mlp", "--layers", "256,256", "--init", "normal"]),
    ("xavier", "3-layer ReLU 256-256, Xavier init", "0.9795",
     ["--model", "mlp", "--layers", "256,256", "--init", "xavier"]),
    ("deep", "5-layer ReLU 512x4, Xavier init", "0.9811",
     ["--model", "deep-mlp", "--init", "xavier"]),
    ("dropout", "5-layer ReLU 512x4, Xavier, dropout keep_prob 0.7", "0.9803",
     ["--model", "deep-mlp", "--init", "xavier", "--dropout", "0.3"]),
    ("batchnorm", "5-layer ReLU 512x4, Xavier, batch norm (decay 0.9) + dropout keep_prob 0.7", "0.9843",
     ["--model", "deep-mlp", "--init", "xavier", "--batch-norm", "--dropout", "0.3"]),
]


def run_row(flags, epochs, seed):
    args = ["train", "--dataset", "mnist", "--optimizer", "adam", "--lr", "0.001", "--epochs", str(epochs),
            "--batch-size", "100", "--seed", str(seed), *flags]
    buf = io.StringIO()
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(buf):
        code = cli.main(args)
    elapsed = time.perf_counter() - t0
    out = buf.getvalue()
    acc = float(out.strip().splitlines()[-1].split(": ")[1]) if code == 0 else float("nan")
    return acc, elapsed, out, " ".join(["neuralab", *args])


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--epochs", type=int, default=15)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--only", help="comma-separated row keys")
    p.add_argument("--out", default=str(Path(__file__).parent / "results" / "mnist_table.md"))
    a = p.parse_args(argv)
    keys = a.only.split(",") if a.only else [r[0] for r in ROWS]
    lines = ["# The notes' MNIST table, rerun with `neuralab train`", "",
             f"{a.epochs} epochs, batch 100, Adam (lr 0.001), seed {a.seed}, float32, real MNIST "
             "(60,000 train / 10,000 test). Biases start at zero (the notes draw them from random_normal).", "",
             "| network | notes | neuralab | train time | command |", "|---|---|---|---|---|"]
    for key, desc, notes, flags in ROWS:
        if key not in keys:
            continue
        acc, sec, out, cmd = run_row(flags, a.epochs, a.seed)
        print(f"{desc}: {acc:.4f} (notes {notes}) in {sec:.0f}s", flush=True)
        lines.append(f"| {desc} | {notes} | {acc:.4f} | {sec:.0f} s | `{cmd}` |")
        Path(a.out).parent.mkdir(parents=True, exist_ok=True)
        Path(a.out).write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
