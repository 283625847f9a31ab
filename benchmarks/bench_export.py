"""Latency of the exported MNIST CNN in onnxruntime against neuralab's own predict (issue 13).

The model is ``neuralab train --model cnn``'s network for MNIST (Conv 5x5x32 -> ReLU -> MaxPool ->
Conv 5x5x64 -> ReLU -> MaxPool -> Flatten -> Dense 256 -> ReLU -> Dense 10), exported with
``neuralab.export.onnx``. For batches of 1 and 100 MNIST test images it times, interleaved round by
round (the machine is shared, so every figure is a median over rounds of the best of a few calls):

  ort        onnxruntime InferenceSession.run on the CPU (its default thread pool)
  ort-1t     the same with intra_op_num_threads=1
  predict    neuralab Trainer.predict (a compiled evaluation step)
  eager      model(x) under no_grad (op by op)

and checks first that onnxruntime's outputs match neuralab's within 1e-5.

    python benchmarks/bench_export.py            # writes benchmarks/results/export.txt
    python benchmarks/bench_export.py --quick    # fewer rounds (a rough table)
"""
from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import sys
import time

import numpy as np

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(_HERE))


def _load(n=100):
    """``n`` MNIST test images (NHWC float32 in [0, 1]); random images when MNIST is not on disk."""
    from neuralab import data

    try:
        ds = data.mnist(download=False, flatten=False)
        return np.ascontiguousarray(ds.x_test[:n], dtype=np.float32), "MNIST test images"
    except Exception:  # noqa: BLE001 - no data here: random pixels time the same
        return np.random.default_rng(0).random((n, 28, 28, 1), dtype=np.float32), "random 28x28x1 images"


def _best(fn, calls):
    best = float("inf")
    for _ in range(calls):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--out", default=os.path.join(_HERE, "results", "export.txt"))
    args = p.parse_args(argv)
    load0 = os.getloadavg()

    import onnxruntime as ort

    import neuralab as nl
    from neuralab import cli
    from neuralab.export import onnx as export_onnx

    nl.seed(0)
    cfg = dict(cli.TRAIN_DEFAULTS, dataset="mnist", model="cnn")
    model = cli.build_model(cfg, (28, 28, 1), 10)
    x100, source = _load(100)
    model.eval()(x100[:1])  # builds the lazy Dense
    path = os.path.join(_HERE, "results", "mnist_cnn.onnx")
    proto = export_onnx(model, path, input_shape=(28, 28, 1))
    size = os.path.getsize(path)
    os.remove(path)  # (the table is the result; the file is rebuilt on every run)
    blob = proto.SerializeToString()

    def session(threads=None):
        o = ort.SessionOptions()
        o.log_severity_level = 3
        # its worker threads would otherwise spin between runs, taking the cores from the NumPy rows
        o.add_session_config_entry("session.intra_op.allow_spinning", "0")
        if threads:
            o.intra_op_num_threads = threads
            o.inter_op_num_threads = 1
        return ort.InferenceSession(blob, o, providers=["CPUExecutionProvider"])

    s_def, s_one = session(), session(1)
    trainer = nl.Trainer(model, optimizer="sgd", lr=0.1)
    check = []
    for n in (1, 100):
        x = x100[:n]
        with nl.no_grad():
            want = model(x).numpy()
        got = s_def.run(None, {"input": x})[0]
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
        check.append(f"batch {n}: max |onnxruntime - neuralab| = {np.abs(got - want).max():.2e}")

    rounds, calls = (3, 5) if args.quick else (9, 20)
    impls = {
        "ort": lambda x: s_def.run(None, {"input": x}),
        "ort-1t": lambda x: s_one.run(None, {"input": x}),
        "predict": lambda x: trainer.predict(x, batch_size=len(x)),
        "eager": lambda x: _eager(model, x),
    }
    times = {(k, n): [] for k in impls for n in (1, 100)}
    for n in (1, 100):  # warm up (traces, thread pools, first-call allocations)
        for f in impls.values():
            f(x100[:n])
    for r in range(rounds):
        order = list(impls) if r % 2 == 0 else list(reversed(impls))
        for n in (1, 100):
            for k in order:
                reps = calls if n == 1 else max(3, calls // 4)
                times[(k, n)].append(_best(lambda k=k, n=n: impls[k](x100[:n]), reps))

    med = {key: statistics.median(v) * 1e3 for key, v in times.items()}
    lines = [f"onnxruntime vs neuralab predict, exported MNIST CNN ({datetime.date.today()})", "",
             f"model: neuralab train --model cnn for MNIST; {model.num_parameters():,} parameters; ONNX file "
             f"{size / 1e6:.1f} MB, {len(proto.graph.node)} nodes, ops {_ops(proto)}",
             f"inputs: {source}; medians over {rounds} interleaved rounds of the best of {calls} (batch 1) / "
             f"{max(3, calls // 4)} (batch 100) calls", "", *check, "",
             f"{'':10} {'batch 1 (ms)':>13} {'batch 100 (ms)':>15} {'images/s @100':>14} {'vs predict @1':>14} "
             f"{'vs predict @100':>16}"]
    for k in impls:
        a, b = med[(k, 1)], med[(k, 100)]
        lines.append(f"{k:10} {a:13.3f} {b:15.2f} {100 / b * 1e3:14.0f} {med[('predict', 1)] / a:13.2f}x "
                     f"{med[('predict', 100)] / b:15.2f}x")
    lines += ["", "ort: onnxruntime's default thread pool (spinning off); ort-1t: intra_op_num_threads=1; predict: "
              "Trainer.predict (compiled evaluation step); eager: model(x) under no_grad.",
              "vs predict: neuralab predict's time divided by this row's (above 1: faster than predict).", "",
              f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
              f"{platform.system()} {platform.release()}; python {platform.python_version()}, numpy {np.__version__},"
              f" onnxruntime {ort.__version__}, neuralab {nl.__version__}",
              f"load average at start {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f}, at end "
              + " ".join(f"{v:.2f}" for v in os.getloadavg())]
    text = "\n".join(lines) + "\n"
    print(text)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(text)


def _eager(model, x):
    import neuralab as nl

    with nl.no_grad():
        return model(x).numpy()


def _ops(proto):
    from collections import Counter

    c = Counter(n.op_type for n in proto.graph.node)
    return ", ".join(f"{k} x{v}" if v > 1 else k for k, v in sorted(c.items()))


if __name__ == "__main__":
    main()
