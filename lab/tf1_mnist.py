"""Run the notes' TF 1.x MNIST programs unmodified through `neuralab tf1` on the real MNIST.

Each program is a TF1-style script in tests/compat/scripts/ (the notes' code; the
only additions are optional command-line arguments for the data folder and the
epoch count). Records the printed `Accuracy:` next to the notes' figure in
lab/results/tf1_mnist.md.

    python lab/tf1_mnist.py [--data ../shared/data/mnist] [--only softmax,xavier]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
S = ROOT / "tests" / "compat" / "scripts"
ROWS = [
    ("softmax", "No layer (softmax), random_normal, 50 epochs", "0.9183", "mnist_softmax.py", []),
    ("nn", "Deep layer & ReLU (256-256), random_normal", "0.9468", "mnist_nn.py", ["15"]),
    ("xavier", "Deep layer & ReLU & Xavier (256-256)", "0.9795", "mnist_xavier.py", ["15"]),
    ("deep", "Deeep layer & ReLU & Xavier (512x4)", "0.9811", "mnist_deep_dropout.py", ["15", "1.0"]),
    ("dropout", "Deeep layer & ReLU & Xavier & Dropout keep_prob 0.7", "0.9803", "mnist_deep_dropout.py",
     ["15", "0.7"]),
    ("argscope", "arg_scope + fully_connected + batch_norm + dropout", "0.9843", "mnist_argscope_bn.py", ["15"]),
]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--data", default=os.path.join(os.environ.get("NEURALAB_DATA", str(ROOT.parent / "shared" /
                                                                                        "data")), "mnist"))
    p.add_argument("--only")
    p.add_argument("--out", default=str(ROOT / "lab" / "results" / "tf1_mnist.md"))
    a = p.parse_args(argv)
    keys = a.only.split(",") if a.only else [r[0] for r in ROWS]
    lines = ["# The notes' TF 1.x MNIST programs, run unmodified with `neuralab tf1`", "",
             f"Real MNIST from `{a.data}` (TF's split: 55,000 train after 5,000 validation; 10,000 test), "
             "seeds as in the scripts (`tf.set_random_seed(777)`).", "",
             "| program | notes | neuralab | time | command |", "|---|---|---|---|---|"]
    for key, desc, notes, script, args in ROWS:
        if key not in keys:
            continue
        cmd = [sys.executable, "-m", "neuralab.cli", "tf1", str(S / script), a.data, *args]
        t0 = time.perf_counter()
        r = subprocess.run(cmd, capture_output=True, text=True)
        sec = time.perf_counter() - t0
        acc = next((ln.split(":", 1)[1].strip() for ln in r.stdout.splitlines() if ln.startswith("Accuracy")), "?")
        if r.returncode != 0:
            acc = f"failed ({r.stderr.strip().splitlines()[-1] if r.stderr.strip() else r.returncode})"
        print(f"{desc}: {acc} (notes {notes}) in {sec:.0f}s", flush=True)
        shown = " ".join(["neuralab", "tf1", f"tests/compat/scripts/{script}", "MNIST_DIR", *args])
        lines.append(f"| {desc} | {notes} | {acc} | {sec:.0f} s | `{shown}` |")
        Path(a.out).parent.mkdir(parents=True, exist_ok=True)
        Path(a.out).write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
