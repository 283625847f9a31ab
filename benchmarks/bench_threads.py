"""Issue 11's threading check: how much slower a training step gets when another process is busy.

For each setting (neuralab with its NumPy or Numba kernels, BLAS at the default thread count or
``neuralab.set_num_threads(1)``; PyTorch with 2 and 1 threads), a fresh process times the
compiled train step of a workload twice: on the quiet machine and while ``--hogs`` other
processes spin on the CPU (a pure-Python busy loop each, like a test run next door). Settings
and the two conditions are interleaved over ``--rounds``; the table shows medians and the
slowdown (busy / quiet). The target of the issue: at most 2x.

    python benchmarks/bench_threads.py [--workloads cnn,mlp512] [--rounds 3] [--hogs 1]
                                       [--out benchmarks/results/threads.txt]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [_HERE, os.path.dirname(_HERE)]  # the workloads module, and the neuralab of this checkout
import workloads as W  # noqa: E402

SETTINGS = {  # name: (implementation, kernels, threads)
    "nl numpy, BLAS default": ("compiled", "numpy", None),
    "nl numpy, 1 thread": ("compiled", "numpy", 1),
    "nl numba, BLAS default": ("compiled", "numba", None),
    "nl numba, 1 thread": ("compiled", "numba", 1),
    "torch, 2 threads": ("torch", None, 2),
    "torch, 1 thread": ("torch", None, 1),
}
STEPS = {"cnn": 8, "cnn_lab": 4, "mlp512": 15, "mlp256": 30, "xor": 500}


def worker(args):
    impl, kern, threads = SETTINGS[args.setting]
    if impl == "torch":
        step = W.build_torch(args.workload, threads)
    else:
        import neuralab as nl
        from neuralab.backend import kernels

        kernels.use(kern)
        if threads is not None:
            nl.set_num_threads(threads)
        step = W.build_neuralab(args.workload, impl)[0]
    for _ in range(3):
        step()
    n = STEPS.get(args.workload, 10)
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(n):
            step()
        times.append((time.perf_counter() - t0) / n)
    print(json.dumps({"ms": 1e3 * statistics.median(times)}))


def hog():
    end = time.time() + 600  # never outlives a forgotten parent by much
    while time.time() < end:
        pass


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--workloads", default="cnn,mlp512")
    p.add_argument("--settings", default=";".join(SETTINGS), help="semicolon-separated names of SETTINGS")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--hogs", type=int, default=1)
    p.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results", "threads.txt"))
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--hog", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--workload", help=argparse.SUPPRESS)
    p.add_argument("--setting", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.hog:
        return hog()
    if args.worker:
        return worker(args)
    from compare import machine_header

    settings = [s.strip() for s in args.settings.split(";") if s.strip()]  # (the names hold commas)
    unknown = [s for s in settings if s not in SETTINGS]
    if unknown:
        raise SystemExit(f"--settings: unknown {unknown}; choose from {list(SETTINGS)}")
    wls = [w for w in args.workloads.split(",") if w]
    load0 = os.getloadavg()
    res: dict = {}
    me = os.path.abspath(__file__)
    for r in range(args.rounds):
        for busy in (False, True):
            hogs = [subprocess.Popen([sys.executable, me, "--hog"]) for _ in range(args.hogs if busy else 0)]
            try:
                time.sleep(0.5 if busy else 0)
                for wl in wls:
                    for s in settings:
                        out = subprocess.run([sys.executable, me, "--worker", "--workload", wl, "--setting", s],
                                             capture_output=True, text=True)
                        if out.returncode != 0:
                            print(f"{wl}/{s} failed:\n{out.stderr[-2000:]}", file=sys.stderr)
                            continue
                        ms = json.loads(out.stdout.strip().splitlines()[-1])["ms"]
                        res.setdefault((wl, s, busy), []).append(ms)
                        print(f"round {r + 1} {'busy ' if busy else 'quiet'} {wl:<7} {s:<24} {ms:9.2f} ms",
                              file=sys.stderr)
            finally:
                for h in hogs:
                    h.kill()
                    h.wait()
    load1 = os.getloadavg()
    lines = [f"slowdown with {args.hogs} busy process(es) next door -- {time.strftime('%Y-%m-%d %H:%M:%S')}",
             *machine_header("default (per setting below)"),
             f"load average at start {load0[0]:.2f}, at the end {load1[0]:.2f} (the hogs count in it); "
             f"{args.rounds} interleaved rounds, medians of per-process medians", "",
             f"{'workload':<9}{'setting':<26}{'quiet ms':>10}{'busy ms':>10}{'slowdown':>10}"]
    for wl in wls:
        for s in settings:
            q, b = res.get((wl, s, False)), res.get((wl, s, True))
            if not q or not b:
                continue
            mq, mb = statistics.median(q), statistics.median(b)
            lines.append(f"{wl:<9}{s:<26}{mq:>10.2f}{mb:>10.2f}{mb / mq:>9.2f}x")
    lines += ["", "1 thread = neuralab.set_num_threads(1) (BLAS through threadpoolctl, and Numba's kernels);",
              "BLAS default = OpenBLAS's own thread count (one per core). torch: torch.set_num_threads."]
    text = "\n".join(lines)
    print(text)
    with open(args.out, "w") as f:
        f.write(text + "\n")


if __name__ == "__main__":
    main()
