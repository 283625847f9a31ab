"""Input pipelines: what neuralab.data.Pipeline costs per epoch, and whether prefetch's thread pays for itself.

Part A times one shuffled epoch of MNIST-sized data (60000 x 784 float32, batches of 100, no training) through
DataLoader, Pipeline (shuffle -> batch: the index path, one gather per batch), Pipeline with an identity map
first (the element path: every element is sliced and the batch stacked), and compat.v1's tf.data (a one-shot
iterator's get_next fetched by Session.run per batch). Part B trains nothing but pairs a NumPy producer (a
per-batch augmentation) with a NumPy consumer (a matmul-heavy step) and compares an epoch with and without
``prefetch(2)``: the producer's NumPy kernels run on the other core while the consumer's BLAS calls release the
GIL. Implementations are interleaved round by round; medians of wall time.

    python benchmarks/bench_pipeline.py [--rounds 5] [--out benchmarks/results/pipeline.txt]
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def _epoch_loader(x, y):
    from neuralab.data import DataLoader

    loader = DataLoader(x, y, batch_size=100, shuffle=True, seed=0)
    return lambda: sum(len(yb) for _, yb in loader)


def _epoch_pipeline(x, y, identity_map=False):
    from neuralab.data import Pipeline

    p = Pipeline.from_tensor_slices((x, y))
    if identity_map:
        p = p.map(lambda a, b: (a, b))
    p = p.shuffle(60000, seed=0).batch(100)
    return lambda: sum(len(yb) for _, yb in p)


def _epoch_tf_data(x, y):
    import neuralab.compat.v1 as tf

    g = tf.Graph()
    with g.as_default():
        ds = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(60000, seed=0).batch(100)
        it = ds.make_initializable_iterator()
        xb, yb = it.get_next()
    sess = tf.Session(graph=g)

    def run():
        sess.run(it.initializer)
        n = 0
        while True:
            try:
                n += len(sess.run([xb, yb])[1])
            except tf.errors.OutOfRangeError:
                return n

    return run


def _augment(rng):
    def f(xb):
        flip = rng.random(len(xb)) < 0.5
        out = np.where(flip[:, None, None, None], xb[:, :, ::-1, :], xb)
        out = out + rng.normal(0, 0.05, size=out.shape).astype(np.float32)
        return (out - out.mean(axis=(1, 2, 3), keepdims=True)) / (out.std(axis=(1, 2, 3), keepdims=True) + 1e-5)

    return f


def _epoch_prefetch(images, w1, w2, prefetch):
    from neuralab.data import Pipeline

    def run():
        p = Pipeline.from_tensor_slices(images).batch(64).map(_augment(np.random.default_rng(0)))
        if prefetch:
            p = p.prefetch(2)
        total = 0.0
        for xb in p:
            h = np.maximum(xb.reshape(len(xb), -1) @ w1, 0)
            g = (h @ w2) @ w2.T  # stands for a backward pass: two more GEMMs
            total += float(g[0, 0])
        return total

    return run


def _median_wall(fns, rounds):
    times = {k: [] for k in fns}
    checks = {}
    for _ in range(rounds):
        for k, fn in fns.items():
            t0 = time.perf_counter()
            checks[k] = fn()
            times[k].append(time.perf_counter() - t0)
    return {k: statistics.median(v) for k, v in times.items()}, checks


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results", "pipeline.txt"))
    args = ap.parse_args(argv)
    load0 = os.getloadavg()
    rng = np.random.default_rng(0)
    x = rng.random((60000, 784), dtype=np.float32)
    y = rng.integers(0, 10, 60000)
    a_impls = {"DataLoader(shuffle=True)": _epoch_loader(x, y),
               "Pipeline shuffle.batch (index path)": _epoch_pipeline(x, y),
               "Pipeline map.shuffle.batch (element path)": _epoch_pipeline(x, y, identity_map=True),
               "compat tf.data get_next via Session.run": _epoch_tf_data(x, y)}
    a_med, a_checks = _median_wall(a_impls, args.rounds)
    assert set(a_checks.values()) == {60000}, a_checks

    images = rng.random((2048, 32, 32, 3), dtype=np.float32)
    w1 = rng.standard_normal((3072, 1024)).astype(np.float32) * 0.02
    w2 = rng.standard_normal((1024, 1024)).astype(np.float32) * 0.02
    b_impls = {"no prefetch": _epoch_prefetch(images, w1, w2, False),
               "prefetch(2)": _epoch_prefetch(images, w1, w2, True)}
    b_med, b_checks = _median_wall(b_impls, args.rounds)
    assert b_checks["no prefetch"] == b_checks["prefetch(2)"], b_checks  # the same batches in the same order
    load1 = os.getloadavg()

    import neuralab as nl

    lines = [f"# bench_pipeline: median wall time of {args.rounds} interleaved rounds",
             f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, python "
             f"{platform.python_version()}, numpy {np.__version__}, neuralab {nl.__version__}",
             f"# load average at start {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f}, at end {load1[0]:.2f} "
             f"{load1[1]:.2f} {load1[2]:.2f}",
             "",
             "A. one shuffled epoch, 60000 x 784 float32, batches of 100, no training",
             f"{'input pipeline':45s} {'epoch s':>9s} {'us/batch':>9s}"]
    for k, v in a_med.items():
        lines.append(f"{k:45s} {v:9.3f} {v / 600 * 1e6:9.1f}")
    lines += ["", "B. 32 batches of 64 x 32x32x3: NumPy augmentation (producer) + three GEMMs (consumer)",
              f"{'':45s} {'epoch s':>9s}"]
    for k, v in b_med.items():
        lines.append(f"{k:45s} {v:9.3f}")
    lines.append(f"{'speed-up of prefetch(2)':45s} {b_med['no prefetch'] / b_med['prefetch(2)']:9.2f}x")
    text = "\n".join(lines) + "\n"
    print(text)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
