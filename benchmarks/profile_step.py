"""Where the time of one neuralab training step goes: every kernel of the compiled plan, timed.

For each workload of :mod:`workloads` the Trainer's compiled train step is traced, then its plan
is run op by op (the same ``forward`` calls the replay makes, in the same order) for ``--steps``
steps; each kernel's wall time and minor page faults are summed by op and input shapes, and by
category (convolution, pooling, elementwise, GEMM, reductions, optimizer). The whole-step time of
the real replay is printed next to it (the op-by-op run adds a few microseconds per kernel).

    python benchmarks/profile_step.py [--workloads cnn,cnn_lab] [--steps 20] [--top 25] [--label after]
                                      [--clock wall|cpu] [--out benchmarks/results/profile_<label>.txt]

``--clock cpu`` times with the process's CPU clock instead of the wall clock: on a machine that
other processes keep busy it measures the work rather than the waiting, but it is only meaningful
with one thread (``OPENBLAS_NUM_THREADS=1 NUMBA_NUM_THREADS=1``), where CPU time is the time the
step would take on a core of its own.
"""
from __future__ import annotations

import argparse
import collections
import os
import resource
import sys
import time

import numpy as np

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [_HERE, os.path.dirname(_HERE)]  # the workloads module, and the neuralab of this checkout
import workloads as W  # noqa: E402

CATEGORIES = [
    ("conv forward", ("conv2d",)),
    ("conv grad input", ("conv2d_grad_input",)),
    ("conv grad filter", ("conv2d_grad_filter",)),
    ("pooling (+ fused bias/ReLU)", ("max_pool2d", "max_pool2d_grad", "max_pool2d_grad_grad", "avg_pool2d",
                                     "avg_pool2d_grad", "bias_relu_max_pool2d", "bias_relu_max_pool2d_grad")),
    ("GEMM (dense)", ("matmul",)),
    ("optimizer", ("apply_updates",)),
    ("reductions", ("sum", "sum_to_like", "mean", "logsumexp", "max", "argmax")),
]


def category(opname):
    for name, ops in CATEGORIES:
        if opname in ops:
            return name
    return "elementwise and the rest"


def _faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


CLOCK = {"wall": time.perf_counter, "cpu": time.process_time}
_clock = time.perf_counter


def profile(workload, steps):
    """(rows, replay ms, interpreted ms, faults per step): rows = {(op, shapes): [ms, faults, count]}."""
    step, compiled, feeds = W.build_neuralab(workload, "trainer" if workload != "sum" else "compiled")
    for _ in range(3):
        step()
    t0 = _clock()
    f0 = _faults()
    for _ in range(steps):
        step()
    replay = (_clock() - t0) / steps * 1e3
    replay_faults = (_faults() - f0) / steps
    (sig, (plan, _, _)), = compiled._plans.items()
    rows = collections.defaultdict(lambda: [0.0, 0.0, 0])
    total = 0.0
    for r in range(steps + 2):
        env = {id(t): a for t, a in zip(plan.feeds, feeds)}
        for o in plan.ops:
            ins = [env[id(t)] if t.data is None or id(t) in env else t.data for t in o.inputs]
            f0 = _faults()
            t0 = _clock()
            ys = o.forward(np, *ins)
            dt = _clock() - t0
            df = _faults() - f0
            if r >= 2:
                key = (o.opname, " ".join(str(tuple(np.shape(a))) for a in ins[:2]))
                row = rows[key]
                row[0] += dt * 1e3 / steps
                row[1] += df / steps
                row[2] += 1
                total += dt * 1e3 / steps
            for t, v in zip(o.outputs, ys):
                env[id(t)] = v
    return rows, replay, replay_faults, total, len(plan.ops)


def table(workload, steps, top):
    rows, replay, rfaults, total, nk = profile(workload, steps)
    out = [f"== {workload}: replayed step {replay:.2f} ms ({rfaults:.0f} minor faults/step); "
           f"op by op {total:.2f} ms over {nk} kernels"]
    cats = collections.defaultdict(lambda: [0.0, 0.0])
    for (op, _), (ms, fl, _) in rows.items():
        cats[category(op)][0] += ms
        cats[category(op)][1] += fl
    out.append(f"  {'category':<30}{'ms':>9}{'%':>7}{'faults':>9}")
    for name, (ms, fl) in sorted(cats.items(), key=lambda kv: -kv[1][0]):
        out.append(f"  {name:<30}{ms:>9.3f}{100 * ms / total:>7.1f}{fl:>9.0f}")
    out.append(f"  {'kernel (first two input shapes)':<62}{'ms':>9}{'%':>7}{'faults':>9}")
    for (op, shapes), (ms, fl, _) in sorted(rows.items(), key=lambda kv: -kv[1][0])[:top]:
        label = f"{op} {shapes}"
        out.append(f"  {label[:62]:<62}{ms:>9.3f}{100 * ms / total:>7.1f}{fl:>9.0f}")
    return "\n".join(out)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--workloads", default="cnn,cnn_lab,mlp512,xor")
    p.add_argument("--steps", type=int, default=15)
    p.add_argument("--top", type=int, default=22)
    p.add_argument("--label", default="now")
    p.add_argument("--clock", choices=sorted(CLOCK), default="wall")
    p.add_argument("--out", default=None)
    args = p.parse_args()
    global _clock
    _clock = CLOCK[args.clock]
    from compare import machine_header

    load0 = os.getloadavg()
    parts = []
    for wl in args.workloads.split(","):
        parts.append(table(wl, args.steps, args.top))
        print(parts[-1], flush=True)
    load1 = os.getloadavg()
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    head = [f"profile of neuralab's compiled train step ({args.label}) -- {time.strftime('%Y-%m-%d %H:%M:%S')}",
            *machine_header(threads),
            f"load average at start {load0[0]:.2f}, at the end {load1[0]:.2f}; {args.steps} steps per workload; "
            f"clock: {args.clock}" + (" (CPU time: one thread)" if args.clock == "cpu" else ""), ""]
    out = args.out or os.path.join(os.path.dirname(__file__), "results", f"profile_{args.label}.txt")
    with open(out, "w") as f:
        f.write("\n".join(head + parts) + "\n")


if __name__ == "__main__":
    main()
