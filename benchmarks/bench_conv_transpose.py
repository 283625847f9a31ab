"""Transposed and dilated convolution (neuralab.functional.conv) against PyTorch, forward + backward.

Cases: the two upsampling layers of an MNIST DCGAN generator (conv2d_transpose, 5x5, stride 2, SAME) and a
3x3 atrous convolution at rates 2 and 4 (stride 1, SAME), the latter three ways: neuralab's default (the
phases of the input folded into the batch), the same convolution with the zero-filled dilated filter
(what a composite without the phase trick costs), the undilated convolution of the same shapes (the
floor the phase method approaches) and torch's dilated conv2d. One step is the forward
pass and the gradients of sum(y * g) for the input and the filter. Implementations are interleaved
round by round; the table shows the median over rounds of the per-step median, in ms.

    python benchmarks/bench_conv_transpose.py [--rounds 5] [--reps 10] [--threads 2]
        [--out benchmarks/results/conv_transpose.txt]

``--threads N`` sets the BLAS/OpenMP threads of NumPy and torch (the script re-executes itself so that
OpenBLAS sees them); without it the environment's settings stay and torch uses 2 threads.
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
from bench_mnist import cpu_model  # noqa: E402

# name, kind, x shape (NHWC), filter (TF layout), stride, dilation
CASES = [
    ("DCGAN 7x7x128 -> 14x14x64, k5 s2", "transpose", (64, 7, 7, 128), (5, 5, 64, 128), 2, 1),
    ("DCGAN 14x14x64 -> 28x28x1, k5 s2", "transpose", (64, 14, 14, 64), (5, 5, 1, 64), 2, 1),
    ("atrous 3x3 rate 2, 32x28x28x32", "dilated", (32, 28, 28, 32), (3, 3, 32, 32), 1, 2),
    ("atrous 3x3 rate 4, 32x28x28x32", "dilated", (32, 28, 28, 32), (3, 3, 32, 32), 1, 4),
]


def nl_step(kind, x, w, s, d, way="default"):
    import neuralab as nl
    from neuralab import functional as F

    xt, wt = nl.Tensor(x, requires_grad=True), nl.Tensor(w, requires_grad=True)

    def step():
        xt.grad = wt.grad = None
        if kind == "transpose":
            y = F.conv2d_transpose(xt, wt, stride=s, padding="SAME")
        elif way == "filter":
            y = nl.conv2d(xt, F.dilate_filter(wt, d), stride=s, padding="SAME")
        elif way == "undilated":
            y = nl.conv2d(xt, wt, stride=s, padding="SAME")
        else:
            y = F.conv2d(xt, wt, stride=s, padding="SAME", dilation=d)
        (y * g_of(y)).sum().backward()
        return xt.grad.numpy()

    return step


_G = {}


def g_of(y):
    import neuralab as nl

    key = tuple(y.shape)
    if key not in _G:
        _G[key] = nl.Tensor(np.random.default_rng(1).standard_normal(key).astype(np.float32))
    return _G[key]


def torch_step(kind, x, w, s, d):
    import torch

    xt = torch.from_numpy(x.transpose(0, 3, 1, 2).copy()).requires_grad_()
    if kind == "transpose":
        wt = torch.from_numpy(w.transpose(3, 2, 0, 1).copy()).requires_grad_()  # (Cin, Cout, KH, KW)
        k = w.shape[0]
        pad, out_pad = (k - s + 1) // 2, (k - s) % 2  # TF's SAME: output H * s
    else:
        wt = torch.from_numpy(w.transpose(3, 2, 0, 1).copy()).requires_grad_()  # (Cout, Cin, KH, KW)
        pad = d * (w.shape[0] - 1) // 2
    state = {}

    def step():
        xt.grad = wt.grad = None
        if kind == "transpose":
            y = torch.nn.functional.conv_transpose2d(xt, wt, stride=s, padding=pad, output_padding=out_pad)
        else:
            y = torch.nn.functional.conv2d(xt, wt, stride=s, padding=pad, dilation=d)
        if "g" not in state:
            state["g"] = torch.from_numpy(np.random.default_rng(1).standard_normal(tuple(y.shape)).astype(np.float32))
        (y * state["g"]).sum().backward()
        return xt.grad

    return step


def timed(step, reps):
    step()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        step()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts) * 1e3


def main():
    if "--threads" in sys.argv and os.environ.get("_BENCH_THREADS_SET") is None:
        n = sys.argv[sys.argv.index("--threads") + 1]
        env = dict(os.environ, OMP_NUM_THREADS=n, OPENBLAS_NUM_THREADS=n, MKL_NUM_THREADS=n, _BENCH_THREADS_SET="1")
        os.execve(sys.executable, [sys.executable] + sys.argv, env)  # (BLAS reads them when NumPy loads)
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--reps", type=int, default=10)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results",
                                                 "conv_transpose.txt"))
    args = p.parse_args()
    load0 = os.getloadavg()
    import torch

    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    steps = {}
    for name, kind, xs, ws, s, d in CASES:
        x = rng.standard_normal(xs).astype(np.float32)
        w = (rng.standard_normal(ws) * 0.05).astype(np.float32)
        impls = {"neuralab": nl_step(kind, x, w, s, d), "torch": torch_step(kind, x, w, s, d)}
        if kind == "dilated":
            impls["neuralab, dilated filter"] = nl_step(kind, x, w, s, d, way="filter")
            impls["neuralab, undilated"] = nl_step(kind, x, w, s, d, way="undilated")
        steps[name] = impls
    times = {(c, i): [] for c, impls in steps.items() for i in impls}
    for _ in range(args.rounds):
        for c, impls in steps.items():
            for i, step in impls.items():
                times[(c, i)].append(timed(step, args.reps))
    load1 = os.getloadavg()
    lines = [f"# {__doc__.splitlines()[0]}",
             f"# machine: {cpu_model()}, {os.cpu_count()} cores, {platform.python_version()}, numpy "
             f"{np.__version__}, torch {torch.__version__}, threads {args.threads}",
             f"# load average at start {load0[0]:.2f}, at end {load1[0]:.2f}; {args.rounds} rounds x {args.reps} reps",
             "",
             f"| case | {'neuralab':>9} | {'dilated filter':>14} | {'undilated':>9} | {'torch':>7} | "
             "neuralab / torch |",
             "|---|---:|---:|---:|---:|---:|"]
    for c, impls in steps.items():
        med = {i: statistics.median(times[(c, i)]) for i in impls}
        filt, und = (f"{med[k]:.2f}" if k in med else "-" for k in ("neuralab, dilated filter",
                                                                   "neuralab, undilated"))
        lines.append(f"| {c} | {med['neuralab']:9.2f} | {filt:>14} | {und:>9} | {med['torch']:7.2f} | "
                     f"{med['neuralab'] / med['torch']:.2f} |")
    text = "\n".join(lines) + "\n"
    print(text)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
