"""What the Trainer adds over the bare compiled step (issue 11's "≤ 5%" target), in one process.

For each workload of :mod:`workloads`, the hand-written ``neuralab.compile`` step and
``Trainer.train_step`` are built in the same process and timed alternately, ``--rounds`` rounds of
``steps`` steps each, by the process's CPU clock with one BLAS thread (what a shared machine distorts
least); the table shows the medians and trainer / compiled. The Trainer's step also counts the correct
predictions and converts each batch, which is the difference it is meant to show.

    python benchmarks/bench_trainer_overhead.py [--rounds 9] [--out benchmarks/results/trainer_overhead.txt]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before NumPy loads OpenBLAS
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [_HERE, os.path.dirname(_HERE)]
import workloads as W  # noqa: E402

STEPS = {"xor": 2000, "mlp256": 60, "mlp512": 20, "cnn": 8, "cnn_lab": 4}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--workloads", default=",".join(STEPS))
    p.add_argument("--rounds", type=int, default=9)
    p.add_argument("--out", default=os.path.join(_HERE, "results", "trainer_overhead.txt"))
    args = p.parse_args()
    from compare import machine_header

    load0 = os.getloadavg()
    rows = []
    for wl in [w for w in args.workloads.split(",") if w]:
        steps = {impl: W.build_neuralab(wl, impl)[0] for impl in ("compiled", "trainer")}
        for f in steps.values():
            for _ in range(5):
                f()
        res = {k: [] for k in steps}
        n = STEPS[wl]
        for _ in range(args.rounds):
            for k, f in steps.items():
                t0 = time.process_time()
                for _ in range(n):
                    f()
                res[k].append((time.process_time() - t0) / n * 1e3)
        c, t = statistics.median(res["compiled"]), statistics.median(res["trainer"])
        rows.append(f"{wl:9} {c:12.4f} {t:12.4f} {t / c:10.3f}")
        print(rows[-1], flush=True)
    load1 = os.getloadavg()
    text = "\n".join([
        "Trainer.train_step vs the bare compiled step, one process, CPU time, "
        f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}",
        *machine_header(1)[:4], f"load average at start {load0[0]:.2f}, at the end {load1[0]:.2f}; {args.rounds} "
        "alternating rounds, medians of ms per step", "",
        f"{'workload':9} {'compiled ms':>12} {'trainer ms':>12} {'trainer/c':>10}", *rows, ""])
    with open(args.out, "w") as fh:
        fh.write(text)
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
