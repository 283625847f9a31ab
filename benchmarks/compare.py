"""Issue 11's side-by-side benchmark: the lectures' workloads in every implementation, one run.

For each workload of :mod:`workloads` (XOR, the two MLPs, the lecture CNN and the lab CNN, the big
``sum(x*y+z)``) and each implementation (neuralab compiled step, neuralab Trainer, PyTorch, a
hand-written NumPy reference, JAX when installed), a fresh process builds the model, warms up,
then times ``--reps`` repeats of ``steps`` steps and reports the median time per step, the minor
page faults per step in the timed loop and the peak resident memory. Processes run interleaved
(round 1 of every cell, then round 2, ...) so a burst of load from elsewhere hits every cell alike;
the table shows the median over rounds and the ratio to PyTorch.

    python benchmarks/compare.py [--workloads cnn,cnn_lab] [--impls compiled,trainer,torch,numpy,jax]
                                 [--rounds 3] [--reps 5] [--threads 2] [--out benchmarks/results/compare.txt]

``--threads N`` sets OMP/OpenBLAS/MKL threads for every process (and torch.set_num_threads); JAX
keeps XLA's own thread pool. Machine info and the load average at start and end go in the header.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [_HERE, os.path.dirname(_HERE)]  # the workloads module, and the neuralab of this checkout
import workloads as W  # noqa: E402
from bench_mnist import cpu_model  # noqa: E402

#: steps per timed repeat (about 0.2-1 s each on the 2-core machine)
STEPS = {"xor": 1000, "mlp512": 20, "mlp256": 60, "cnn": 15, "cnn_lab": 8, "sum": 3}
WARMUP = {"xor": 50, "sum": 2}


def worker(args):
    wl, impl = args.workload, args.impl
    if args.retain_memory and impl in ("compiled", "trainer"):
        from neuralab.backend import memory

        memory.retain_freed_memory()
    if impl in ("compiled", "trainer"):
        step = W.build_neuralab(wl, impl)[0]
    elif impl == "torch":
        step = W.build_torch(wl, args.threads)
    elif impl == "numpy":
        step = W.build_numpy(wl)
    else:
        step = W.build_jax(wl)
    first = step()
    for _ in range(WARMUP.get(wl, 3)):
        step()
    n = STEPS[wl] if args.steps is None else args.steps
    times = []
    f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(args.reps):
        t0 = time.perf_counter()
        for _ in range(n):
            last = step()
        times.append((time.perf_counter() - t0) / n)
    faults = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0) / (n * args.reps)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"ms": 1e3 * statistics.median(times), "best": 1e3 * min(times), "faults": faults,
                      "peak_mib": peak, "first_loss": first, "last_loss": last}))


def have(module):
    """Whether ``module`` is installed (found, not imported: the parent process stays small, and a child's
    ru_maxrss starts from its parent's)."""
    import importlib.util

    return importlib.util.find_spec(module) is not None


_PROBE = """
import json, os, numpy, neuralab
out = {"neuralab": f"{neuralab.__version__} ({os.path.dirname(neuralab.__file__)})", "numpy": numpy.__version__}
try:
    from neuralab.backend import kernels
    out["kernels"] = kernels.active()
except Exception:  # older checkouts have no kernels module
    out["kernels"] = "numpy"
try:
    import threadpoolctl
    out["blas"] = "; ".join(f"{d['internal_api']} {d['version']} kernel {d.get('architecture')}, "
                            f"{d['num_threads']} threads" for d in threadpoolctl.threadpool_info()
                            if d["user_api"] == "blas")
except ImportError:
    out["blas"] = "? (threadpoolctl not installed)"
print(json.dumps(out))
"""


def machine_header(threads, env=None):
    """Lines describing the machine and the libraries as a worker with ``env`` sees them (probed in a child)."""
    from importlib import metadata

    env = dict(os.environ if env is None else env)
    env["PYTHONPATH"] = os.pathsep.join([os.path.dirname(_HERE), env.get("PYTHONPATH", "")])
    out = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, env=env)
    info = json.loads(out.stdout.strip().splitlines()[-1]) if out.returncode == 0 else {}
    vers = [f"neuralab {info.get('neuralab', '?')}", f"numpy {info.get('numpy', '?')}",
            f"python {platform.python_version()}"]
    for m in ("torch", "jax", "numba", "threadpoolctl"):
        try:
            vers.append(f"{m} {metadata.version(m)}")
        except metadata.PackageNotFoundError:
            vers.append(f"{m} -")
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                cwd=_HERE).stdout.strip() or "?"
    except OSError:
        commit = "?"
    blas = info.get("blas", "?")
    blas += ("; OPENBLAS_CORETYPE=" + env["OPENBLAS_CORETYPE"]) if "OPENBLAS_CORETYPE" in env else \
        "; OPENBLAS_CORETYPE unset (the kernel OpenBLAS picks for this CPU)"
    return [f"cpu: {cpu_model()} ({os.cpu_count()} logical cores), {platform.machine()}",
            ", ".join(vers), f"commit {commit}; neuralab fast kernels: {info.get('kernels', '?')}",
            f"NumPy's BLAS: {blas}",
            f"threads: OMP/OPENBLAS/MKL_NUM_THREADS={threads}, torch.set_num_threads({threads}); JAX: XLA default"]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--workloads", default=",".join(W.WORKLOADS))
    p.add_argument("--impls", default=",".join(W.IMPLS))
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--steps", type=int, default=None, help="steps per repeat (default: per workload)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--native-blas", action="store_true",
                   help="unset OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE for the workers (OpenBLAS then picks the "
                        "kernel for this CPU; see the header)")
    p.add_argument("--retain-memory", action="store_true",
                   help="neuralab workers call neuralab.backend.memory.retain_freed_memory() first")
    p.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results", "compare.txt"))
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--workload", help=argparse.SUPPRESS)
    p.add_argument("--impl", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        return worker(args)
    wls = [w for w in args.workloads.split(",") if w]
    impls = [i for i in args.impls.split(",") if i]
    skipped = [i for i, m in (("torch", "torch"), ("jax", "jax")) if i in impls and not have(m)]
    impls = [i for i in impls if i not in skipped]
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), OPENBLAS_NUM_THREADS=str(args.threads),
               MKL_NUM_THREADS=str(args.threads), PYTHONHASHSEED="0")
    if args.native_blas:
        for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
            env.pop(k, None)
    load0 = os.getloadavg()
    start = time.strftime("%Y-%m-%d %H:%M:%S")
    res: dict = {}
    for r in range(args.rounds):
        for wl in wls:
            for impl in impls:
                if wl == "sum" and impl == "trainer":
                    continue
                cmd = [sys.executable, os.path.abspath(__file__), "--worker", "--workload", wl, "--impl", impl,
                       "--threads", str(args.threads), "--reps", str(args.reps)]
                if args.retain_memory:
                    cmd.append("--retain-memory")
                if args.steps is not None:
                    cmd += ["--steps", str(args.steps)]
                out = subprocess.run(cmd, capture_output=True, text=True, env=env)
                if out.returncode != 0:
                    print(f"{wl}/{impl} failed:\n{out.stderr[-3000:]}", file=sys.stderr)
                    continue
                rec = json.loads(out.stdout.strip().splitlines()[-1])
                res.setdefault((wl, impl), []).append(rec)
                print(f"round {r + 1} {wl:<8} {impl:<9} {rec['ms']:9.3f} ms/step  {rec['faults']:8.0f} faults/step",
                      file=sys.stderr)
    load1 = os.getloadavg()
    lines = [f"neuralab compare (issue 11) -- {start}", *machine_header(args.threads, env),
             f"load average (1, 5, 15 min) at start: {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f}; "
             f"at the end: {load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f}",
             ("neuralab workers: retain_freed_memory() on; " if args.retain_memory else "")
             + f"{args.rounds} interleaved rounds, each a fresh process per cell timing {args.reps} repeats; "
             "cells: median over rounds of the per-process median ms per step" + (
                 f"; not installed: {', '.join(skipped)}" if skipped else ""), ""]
    head = f"{'workload':<9}" + "".join(f"{i:>11}" for i in impls)
    ratio_impls = [i for i in impls if i != "torch"] if "torch" in impls else []
    head += "  |" + "".join(f"{i + '/t':>11}" for i in ratio_impls)
    lines += ["ms per step", head, "-" * len(head)]

    def med(wl, impl, key):
        recs = res.get((wl, impl))
        return statistics.median(r[key] for r in recs) if recs else float("nan")

    for wl in wls:
        row = f"{wl:<9}" + "".join(f"{med(wl, i, 'ms'):>11.3f}" for i in impls)
        t = med(wl, "torch", "ms") if "torch" in impls else float("nan")
        row += "  |" + "".join(f"{med(wl, i, 'ms') / t:>11.2f}" for i in ratio_impls)
        lines.append(row)
    lines += ["", "best repeat of any round (ms per step; the least disturbed figure each cell reached)", head,
              "-" * len(head)]

    def best(wl, impl):
        recs = res.get((wl, impl))
        return min(r["best"] for r in recs) if recs else float("nan")

    for wl in wls:
        row = f"{wl:<9}" + "".join(f"{best(wl, i):>11.3f}" for i in impls)
        t = best(wl, "torch") if "torch" in impls else float("nan")
        row += "  |" + "".join(f"{best(wl, i) / t:>11.2f}" for i in ratio_impls)
        lines.append(row)
    lines += ["", "minor page faults per step (timed loop) / peak RSS MiB",
              f"{'workload':<9}" + "".join(f"{i:>17}" for i in impls)]
    for wl in wls:
        lines.append(f"{wl:<9}" + "".join(f"{med(wl, i, 'faults'):>9.0f}/{med(wl, i, 'peak_mib'):<7.0f}"
                                          for i in impls))
    lines += ["", "all rounds (ms per step):"]
    for (wl, impl), recs in res.items():
        lines.append(f"  {wl:<8} {impl:<9} " + ", ".join(f"{r['ms']:.3f}" for r in recs)
                     + f"   (loss first/last of round 1: {recs[0]['first_loss']:.4f} / {recs[0]['last_loss']:.4f})")
    lines += ["", "ratio x/t = time / PyTorch's time (below 1: faster than PyTorch). compiled = a hand-written",
              "neuralab.compile step (model, loss, gradients, optimizer); trainer = Trainer.train_step (also counts",
              "correct predictions and converts the batch). Workloads: see benchmarks/workloads.py."]
    text = "\n".join(lines)
    print(text)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(text + "\n")


if __name__ == "__main__":
    main()
