"""The notes' "CPU vs GPU" graph: ``c = sum(x * y + z)`` and its gradients for (N, D) = (3000, 4000).

The graph is built on placeholders (define-then-run), differentiated with
``neuralab.gradients`` and run with ``neuralab.run``, as in the notes'
``tf.Session`` listing. The gradients are checked against the closed forms
``∂c/∂x = y``, ``∂c/∂y = x``, ``∂c/∂z = 1`` and the run is timed (median of
several runs, the graph's plan cached after the first). The GPU half runs the
same graph under ``neuralab.backend.device("gpu")`` when CuPy sees a GPU and is
skipped with the reason otherwise.
"""
from __future__ import annotations

import time

import numpy as np

import neuralab as nl

from ..core import experiment


def build(n, d):
    """The notes' graph on fresh placeholders: returns (x, y, z, c, [grad_x, grad_y, grad_z])."""
    g = nl.Graph()
    with g.as_default():
        x, y, z = (nl.placeholder((n, d), "float32", name=k) for k in "xyz")
        c = nl.sum(x * y + z)
        grads = nl.gradients(c, [x, y, z])
    return x, y, z, c, grads


def timed(fn, repeats):
    """Median wall time of ``fn()`` over ``repeats`` calls (after one warm-up) and the last result."""
    out = fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), out


@experiment("cpu-vs-gpu", "CPU vs GPU: the (3000, 4000) graph",
            "Lecture on TensorFlow's two parts, 'CPU vs GPU': x * y + z, reduce_sum and tf.gradients for "
            "N, D = 3000, 4000 under tf.device('/cpu:0') and '/gpu:0'. The notes show the code, not timings.",
            stochastic=False)
def run(ctx):
    r = ctx.result
    n, d = 3000, 4000
    repeats = 3 if ctx.quick else 10
    rng = np.random.default_rng(0)
    vals = [rng.standard_normal((n, d)).astype(np.float32) for _ in range(3)]
    x, y, z, c, grads = build(n, d)
    feed = dict(zip((x, y, z), vals))
    sec, (cv, gx, gy, gz) = timed(lambda: nl.run([c, *grads], feed), repeats)
    want = float(np.sum(vals[0].astype(np.float64) * vals[1] + vals[2]))
    r.check("c = sum(x*y + z) vs float64 NumPy (relative)", 0.0, abs(float(cv) - want) / max(1.0, abs(want)),
            kind="abs", tol=1e-4, fmt=".2e", why="float32 accumulation of 12 million terms")
    r.check("max |∂c/∂x - y|", 0.0, float(np.max(np.abs(gx - vals[1]))), kind="abs", tol=0.0)
    r.check("max |∂c/∂y - x|", 0.0, float(np.max(np.abs(gy - vals[0]))), kind="abs", tol=0.0)
    r.check("max |∂c/∂z - 1|", 0.0, float(np.max(np.abs(gz - 1.0))), kind="abs", tol=0.0)
    np_sec, _ = timed(lambda: (np.sum(vals[0] * vals[1] + vals[2]), vals[1].copy(), vals[0].copy(),
                               np.ones_like(vals[2])), repeats)
    rows = [["neuralab graph, CPU", sec * 1e3], ["hand-written NumPy, CPU", np_sec * 1e3]]
    gpu_ms = None
    try:
        from neuralab.backend import device

        with device("gpu"):
            import cupy as cp

            gvals = [cp.asarray(v) for v in vals]
            gfeed = dict(zip((x, y, z), gvals))

            def on_gpu():
                out = nl.run([c, *grads], gfeed)
                cp.cuda.Device().synchronize()
                return out

            gsec, gout = timed(on_gpu, repeats)
        gpu_ms = gsec * 1e3
        rows.append(["neuralab graph, GPU", gpu_ms])
        r.check("GPU ∂c/∂x equals the CPU's", 0.0, float(np.max(np.abs(cp.asnumpy(gout[1]) - gx))), kind="abs",
                tol=0.0)
    except Exception as e:  # noqa: BLE001 - no CuPy, no driver, no device: the GPU half is skipped
        r.note(f"GPU half skipped: {' '.join(str(e).split())}")
    r.table(f"One run of the graph (forward + 3 gradients), N, D = {n}, {d}, median of {repeats}",
            ["where", "milliseconds"], rows)
    r.data.update(cpu_ms=sec * 1e3, numpy_ms=np_sec * 1e3, gpu_ms=gpu_ms)
    r.finding("The graph gives the closed-form gradients (y, x and ones) exactly", np.array_equal(gx, vals[1])
              and np.array_equal(gy, vals[0]) and np.all(gz == 1.0))
    r.finding("Running the cached graph costs at most 3x the hand-written NumPy of the same math",
              sec <= 3 * np_sec, f"{sec * 1e3:.1f} ms vs {np_sec * 1e3:.1f} ms")
    with ctx.figure("cpu_gpu_times", "Time of one run of the notes' graph", figsize=(5, 2.6)) as (fig, ax):
        ax.barh([row[0] for row in rows], [row[1] for row in rows], color=["C0", "C7", "C2"][: len(rows)])
        ax.set_xlabel("ms")
