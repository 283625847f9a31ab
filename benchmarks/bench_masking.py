"""What the issue-8 primitives cost: the gather_nd gradient's scatter and tf.cond's two branches.

1. ``scatter``: the gradient of ``gather_nd(params, indices)`` (a scatter-add of
   the output gradient into params' shape), as neuralab's ScatterNd computes it
   (sorted flat indices, ``add.reduceat``) against ``numpy.add.at`` on the same
   arrays, at a top-k/label-picking size and an embedding-like size.
2. ``cond``: a training-style step, ``sum(cond(p, f, g))`` and its gradient
   w.r.t. the weights, where neuralab runs both branches, against the step with
   only the taken branch (what TF's conditional execution costs at best) and
   the two branches simply summed (the compute tf.cond adds its selects to).

Implementations are interleaved round by round; medians of ``--rounds`` rounds,
each the mean of ``--reps`` calls. The table and the machine's load go to
``benchmarks/results/masking.txt``.

    python benchmarks/bench_masking.py [--rounds 7] [--reps 50] [--out benchmarks/results/masking.txt]
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # (a 2-thread BLAS on a loaded 2-core machine: 16 ms GEMMs)

import numpy as np  # noqa: E402

import neuralab as nl  # noqa: E402
import neuralab.compat.v1 as tf  # noqa: E402
from neuralab.ops.masking import ScatterNd  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def _time(fn, reps):
    t = time.perf_counter()
    for _ in range(reps):
        fn()
    return (time.perf_counter() - t) / reps


def scatter_cases():
    rng = np.random.default_rng(0)
    out = []
    for name, shape, n in (("labels 512x10 <- 512", (512, 10), 512), ("table 5000x64 <- 3200 rows", (5000, 64), 3200)):
        m = 1 if len(shape) == 2 and name.startswith("table") else 2
        idx = np.stack([rng.integers(0, s, size=n) for s in shape[:m]], axis=1)
        g = rng.standard_normal((n,) + shape[m:]).astype(np.float32)
        dims = np.asarray(shape, np.int64)
        op = ScatterNd(static_shape=shape)

        def ours(op=op, idx=idx, g=g, dims=dims):
            return op.forward(np, idx, g, dims)[0]

        def add_at(idx=idx, g=g, shape=shape):
            z = np.zeros(shape, np.float32)
            np.add.at(z, tuple(idx.T), g)
            return z

        np.testing.assert_allclose(ours(), add_at(), rtol=1e-5, atol=1e-5)
        out.append((name, {"neuralab ScatterNd": ours, "numpy add.at": add_at}))
    return out


def cond_case():
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, [256, 256])
    p = tf.placeholder(tf.bool, [])
    W = tf.Variable(tf.random_normal([256, 256], stddev=1.0 / 16, seed=1))  # (unit-variance pre-activations)
    taken = lambda: tf.tanh(tf.matmul(x, W))  # noqa: E731
    other = lambda: tf.sigmoid(tf.matmul(x, W) * 2.0)  # noqa: E731
    both = tf.reduce_sum(tf.cond(p, taken, other))
    one = tf.reduce_sum(taken())
    two = tf.reduce_sum(taken()) + tf.reduce_sum(other())
    step_both = tf.gradients(both, W)[0]
    step_one = tf.gradients(one, W)[0]
    step_two = tf.gradients(two, W)[0]
    sess = tf.Session()
    sess.run(tf.global_variables_initializer())
    xv = np.random.default_rng(1).standard_normal((256, 256)).astype(np.float32)
    np.testing.assert_allclose(sess.run(step_both, {x: xv, p: True}), sess.run(step_one, {x: xv}), rtol=1e-4)
    return ("cond 256x256 matmul+tanh, value+grad",
            {"tf.cond (both branches)": lambda: sess.run(step_both, {x: xv, p: True}),
             "taken branch only": lambda: sess.run(step_one, {x: xv}),
             "both branches, summed": lambda: sess.run(step_two, {x: xv})})


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--reps", type=int, default=50)
    ap.add_argument("--out", default=os.path.join(HERE, "results", "masking.txt"))
    args = ap.parse_args()
    load0 = os.getloadavg()
    cases = scatter_cases() + [cond_case()]
    lines = [f"# bench_masking: medians of {args.rounds} interleaved rounds x {args.reps} calls",
             f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, python "
             f"{platform.python_version()}, numpy {np.__version__}, neuralab {nl.__version__}, "
             f"OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}",
             f"# load average at start: {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f}",
             f"{'case':40s} {'implementation':28s} {'median ms':>10s} {'ratio':>7s}"]
    for name, impls in cases:
        times = {k: [] for k in impls}
        for fn in impls.values():
            fn()  # warm up (plans built)
        for _ in range(args.rounds):
            for k, fn in impls.items():
                times[k].append(_time(fn, args.reps))
        med = {k: statistics.median(v) for k, v in times.items()}
        base = next(iter(med.values()))
        for k, v in med.items():
            lines.append(f"{name:40s} {k:28s} {v * 1e3:10.3f} {v / base:7.2f}")
    load1 = os.getloadavg()
    lines.append(f"# load average at end: {load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f}")
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
