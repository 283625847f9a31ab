"""CPU vs GPU (issue 13): the notes' (3000, 4000) graph and one MNIST CNN training step, NumPy against CuPy.

The graph is the notes' "CPU vs GPU" example: ``c = reduce_sum(x * y + z)`` and its gradients for three
(3000, 4000) placeholders, built once under ``tf.device('/cpu:0')`` and once under ``tf.device('/gpu:0')``
and run with ``Session.run`` (feeds from the host, fetches back to it, as the notes time it). The training
step is one compiled ``Trainer`` step of ``neuralab train --model cnn`` on a batch of 100 MNIST-sized
images, with the model on the CPU and on the GPU (the batch fed from the host each step).

Rounds alternate the two devices and every figure is a median over rounds of the best of a few calls
(the GPU figures include a device synchronisation). Without CuPy or a GPU the script says so and exits 0.

    python benchmarks/bench_gpu.py            # writes benchmarks/results/gpu.txt when a GPU is there
    python benchmarks/bench_gpu.py --quick
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time

import numpy as np

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(_HERE))


def _best(fn, calls, sync):
    best = float("inf")
    for _ in range(calls):
        t0 = time.perf_counter()
        fn()
        sync()
        best = min(best, time.perf_counter() - t0)
    return best


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--out", default=os.path.join(_HERE, "results", "gpu.txt"))
    args = p.parse_args(argv)

    import neuralab as nl
    from neuralab import backend, cli
    import neuralab.compat.v1 as tf

    try:
        cp = backend.require_gpu("bench_gpu")
    except backend.DeviceError as e:
        print(f"bench_gpu: {e}; nothing to compare (run this on a machine with an NVIDIA GPU and "
              "`pip install neuralab[gpu]`)")
        return 0
    load0 = os.getloadavg()

    def sync():
        cp.cuda.Device().synchronize()

    rounds, calls = (3, 3) if args.quick else (7, 5)
    rng = np.random.default_rng(0)
    n, d = 3000, 4000
    vals = [rng.standard_normal((n, d)).astype(np.float32) for _ in range(3)]
    runs = {}
    for dev in ("/cpu:0", "/gpu:0"):
        tf.reset_default_graph()
        with tf.device(dev):
            x, y, z = (tf.placeholder(tf.float32) for _ in range(3))
            c = tf.reduce_sum(x * y + z)
        grads = tf.gradients(c, [x, y, z])
        sess = tf.Session()
        feed = dict(zip((x, y, z), vals))
        runs[dev] = (sess, [c, *grads], feed)
    outs = {dev: s.run(f, fd) for dev, (s, f, fd) in runs.items()}
    for a, b in zip(outs["/cpu:0"], outs["/gpu:0"]):
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-2)

    nl.seed(0)
    cfg = dict(cli.TRAIN_DEFAULTS, dataset="mnist", model="cnn")
    xb = rng.random((100, 28, 28, 1), dtype=np.float32)
    yb = rng.integers(0, 10, 100)
    steps = {}
    for where in ("cpu", "gpu"):
        with nl.device(where):
            model = cli.build_model(cfg, (28, 28, 1), 10)
            model(np.zeros((1, 28, 28, 1), np.float32))
            trainer = nl.Trainer(model, optimizer="adam", lr=1e-3)
            tx, ty = nl.tensor(xb, device="cpu"), nl.tensor(yb, device="cpu")
            trainer._train(tx, ty)
            steps[where] = (lambda t=trainer, a=tx, b=ty: t._train(a, b))

    t = {k: [] for k in ("graph cpu", "graph gpu", "step cpu", "step gpu")}
    for r in range(rounds):
        order = ("cpu", "gpu") if r % 2 == 0 else ("gpu", "cpu")
        for dev in order:
            s, f, fd = runs[f"/{dev}:0"]
            t[f"graph {dev}"].append(_best(lambda s=s, f=f, fd=fd: s.run(f, fd), calls, sync))
            t[f"step {dev}"].append(_best(steps[dev], calls, sync))
    med = {k: statistics.median(v) * 1e3 for k, v in t.items()}
    lines = ["CPU (NumPy) vs GPU (CuPy)", "",
             f"{'':44} {'CPU (ms)':>10} {'GPU (ms)':>10} {'speed-up':>9}",
             f"{'notes graph (3000, 4000): c and 3 gradients':44} {med['graph cpu']:10.2f} {med['graph gpu']:10.2f} "
             f"{med['graph cpu'] / med['graph gpu']:8.2f}x",
             f"{'MNIST CNN compiled training step, batch 100':44} {med['step cpu']:10.2f} {med['step gpu']:10.2f} "
             f"{med['step cpu'] / med['step gpu']:8.2f}x", "",
             f"medians over {rounds} interleaved rounds of the best of {calls} calls; the graph's feeds go host -> "
             "device and its fetches back each run (as Session.run does)", "",
             f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; GPU "
             f"{cp.cuda.runtime.getDeviceProperties(0)['name'].decode()}; cupy {cp.__version__}, numpy "
             f"{np.__version__}", f"load average at start {load0[0]:.2f}, at end {os.getloadavg()[0]:.2f}"]
    text = "\n".join(lines) + "\n"
    print(text)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
