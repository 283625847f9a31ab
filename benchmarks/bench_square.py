"""Does the Square primitive pay for itself over the composite ``multiply(x, x)``?

The composite's backward is the multiply gate's (g * x, g * x), which the sweep
adds: two multiplies and an add per step. A primitive would compute 2 * g * x
(two multiplies, no add, one gradient delivered instead of two). This script
times forward + backward of both, eagerly and compiled (a traced step replayed),
at an overhead-bound size and at memory-bound sizes, interleaving the two
implementations round by round and reporting medians.

    python benchmarks/bench_square.py [--rounds 7] [--out benchmarks/results/square.txt]

It did (compiled: 1.3-1.5x at 64k-1M elements, the same on tiny arrays; eager
timings on the loaded 2-core machine ranged 0.9-1.6x), so
``neuralab.square`` is the primitive (``neuralab.ops.elementwise.Square``).
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time

import numpy as np

import neuralab as nl

IMPLS = {"composite": lambda x: nl.multiply(x, x), "primitive": nl.square}
SIZES = [(100,), (256, 256), (1000, 1000)]


def _eager_step(fn, x):
    def step():
        with nl.enable_grad():
            return nl.gradients(nl.sum(fn(x)), [x])[0]
    return step


def _compiled_step(fn, x):
    f = nl.compile(lambda t: nl.gradients(nl.sum(fn(t)), [t])[0])
    a = x.numpy()
    return lambda: f(a)


def _time(step, n):
    """CPU seconds per step (process time: a shared, loaded machine preempts wall-clock timings)."""
    step()
    t0 = time.process_time()
    for _ in range(n):
        step()
    return (time.process_time() - t0) / n


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results", "square.txt"))
    args = ap.parse_args(argv)
    load0 = os.getloadavg()
    rng = np.random.default_rng(0)
    rows = []
    for shape in SIZES:
        x = nl.tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=True)
        n = max(5, int(2e6 // x.size))
        for mode, make in (("eager", _eager_step), ("compiled", _compiled_step)):
            steps = {k: make(fn, x) for k, fn in IMPLS.items()}
            ref = steps["composite"]()
            got = steps["primitive"]()
            np.testing.assert_allclose(np.asarray(got.numpy()), np.asarray(ref.numpy()), rtol=1e-6)
            times = {k: [] for k in IMPLS}
            for _ in range(args.rounds):  # interleaved: a burst of load hits both alike
                for k, step in steps.items():
                    times[k].append(_time(step, n))
            med = {k: statistics.median(v) for k, v in times.items()}
            rows.append((str(shape), mode, med["composite"] * 1e6, med["primitive"] * 1e6,
                         med["composite"] / med["primitive"]))
    load1 = os.getloadavg()
    lines = [f"# bench_square: forward + backward of square(x), float32, median of {args.rounds} interleaved rounds, "
             "CPU time per step",
             f"# {platform.platform()}, Python {platform.python_version()}, NumPy {np.__version__}, "
             f"{os.cpu_count()} cpus",
             f"# load average at start {load0[0]:.2f}, at end {load1[0]:.2f}",
             f"{'shape':>14} {'mode':>9} {'composite us':>13} {'primitive us':>13} {'composite/primitive':>20}"]
    lines += [f"{s:>14} {m:>9} {c:13.1f} {p:13.1f} {r:20.2f}" for s, m, c, p, r in rows]
    text = "\n".join(lines) + "\n"
    print(text, end="")
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
