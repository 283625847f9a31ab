"""One LSTM training step, neuralab vs PyTorch CPU, side by side (issue 10's benchmark).

The step: batch 64, sequence 50, input 128, hidden 256 (one layer), float32,
forward + backward + Adam (lr 1e-3) on loss = mean(output ** 2), the input not
requiring a gradient. Implementations, each in its own process (interleaved
rounds; the table shows the median over rounds of each process's median step):

* ``torch``             -- ``torch.nn.LSTM`` (its oneDNN fused RNN on CPU), zero_grad/backward/step;
* ``neuralab eager``    -- ``nn.LSTM``, ``loss.backward()``, ``optim.Adam.step()``;
* ``neuralab compiled`` -- the same step under ``neuralab.compile`` (one traced schedule, updates included);
* ``neuralab Trainer``  -- ``train.Trainer(model, loss="mse").train_step`` (compiled, plus the Trainer's glue);
* ``unrolled compiled`` -- the recurrence as a Python loop of per-step ops (``ops.recurrent.unrolled``:
  gate GEMM + add + fused pointwise op per step, the input projection still one GEMM), compiled: what the
  fused sequence op (``Recurrence``/``RecurrenceGrad``) replaces.

A second table times one step's pointwise part alone (batch 64, hidden 256):
the fused ``lstm_pointwise`` op and its backward against the same cell composed
from ``nl.sigmoid``/``nl.tanh``/``*``/``+``, eagerly.

This project's machine sets ``OPENBLAS_CORETYPE=Haswell`` in its environment,
so NumPy's OpenBLAS runs its AVX2 kernels on a CPU with AVX-512 (PyTorch's
MKL/oneDNN use AVX-512); ``--native-blas`` adds rows with the variable (and
``OPENBLAS_L2_SIZE``) unset, where OpenBLAS picks its kernels for the CPU.

Each configuration ``THREADS:CLOCK`` of ``--configs`` gives one table: ``2:wall``
(wall time with 2 threads, the real comparison on a quiet machine) and ``1:cpu``
(one thread, timed by the process's CPU time: what a busy shared machine
cannot distort much, since a preempted single-threaded step does not count the
time it waits).

    python benchmarks/bench_lstm.py [--configs 2:wall,1:cpu] [--rounds 3] [--steps 10] [--native-blas]
                                    [--out benchmarks/results/lstm.txt]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

B, T, I, H = 64, 50, 128, 256
IMPLS = ["torch", "neuralab eager", "neuralab compiled", "neuralab Trainer", "unrolled compiled"]
#: rows run with OpenBLAS's own kernel choice (OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset), with --native-blas
NATIVE = {"compiled, native BLAS": "neuralab compiled", "eager, native BLAS": "neuralab eager"}


def _data():
    import numpy as np

    return np.random.default_rng(0).standard_normal((T, B, I)).astype(np.float32)


_CLOCK = {"wall": time.perf_counter, "cpu": time.process_time}
_clock = [time.perf_counter]


def _time_steps(step, warmup, steps):
    clock = _clock[0]
    for _ in range(warmup):
        step()
    out = []
    for _ in range(steps):
        t0 = clock()
        step()
        out.append(clock() - t0)
    return out


def worker_torch(threads, warmup, steps):
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = torch.nn.LSTM(I, H)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.from_numpy(_data())

    def step():
        opt.zero_grad(set_to_none=True)
        out, _ = model(x)
        loss = (out * out).mean()
        loss.backward()
        opt.step()
        return loss

    return _time_steps(step, warmup, steps)


def _neuralab_model():
    import neuralab as nl
    from neuralab import nn, optim

    nl.seed(0)
    model = nn.LSTM(I, H)
    return model, optim.Adam(model.parameters(), lr=1e-3)


def worker_neuralab(kind, warmup, steps):
    import numpy as np

    import neuralab as nl
    from neuralab import nn

    x = _data()
    model, opt = _neuralab_model()
    if kind == "neuralab eager":
        xt = nl.tensor(x)

        def step():
            opt.zero_grad()
            with nl.enable_grad():
                out, _ = model(xt)
                loss = nl.mean(out * out)
            loss.backward()
            opt.step()
            return loss
        return _time_steps(step, warmup, steps)
    if kind == "neuralab Trainer":
        from neuralab.train import Trainer

        class Seq(nn.Module):
            def __init__(self, lstm):
                super().__init__()
                self.lstm = lstm

            def forward(self, x):
                return self.lstm(x)[0]

        trainer = Trainer(Seq(model), optimizer=opt, loss="mse")
        y = np.zeros((T, B, H), np.float32)
        return _time_steps(lambda: trainer.train_step(x, y), warmup, steps)
    if kind == "neuralab compiled":
        def f(x):
            out, _ = model(x)
            loss = nl.mean(out * out)
            opt.apply_gradients(nl.gradients(loss, model.parameters()))
            return loss
    else:  # the same recurrence as per-step ops (input projection still one GEMM), unrolled
        from neuralab.ops.recurrent import unrolled

        w_ih, w_hh, b_ih, b_hh = model.layer_weights(0)

        def f(x):
            xw = nl.matmul(nl.reshape(x, (T * B, I)), nl.transpose(w_ih)) + (b_ih + b_hh)
            out = unrolled("lstm", nl.reshape(xw, (T, B, 4 * H)), w_hh)[0]
            loss = nl.mean(out * out)
            opt.apply_gradients(nl.gradients(loss, model.parameters()))
            return loss
    step = nl.compile(f)
    return _time_steps(lambda: step(x), warmup, steps)


def pointwise_table(repeats=200):
    """Per-step pointwise part: fused op vs the same cell composed from elementwise ops (eager, median us)."""
    import numpy as np

    import neuralab as nl

    rng = np.random.default_rng(0)
    gates = nl.tensor(rng.standard_normal((B, 4 * H)).astype(np.float32), requires_grad=True)
    c = nl.tensor(rng.standard_normal((B, H)).astype(np.float32), requires_grad=True)
    u = nl.tensor(rng.standard_normal((B, H)).astype(np.float32))

    def fused():
        h, c2, _ = nl.lstm_pointwise(gates, c)
        return h, c2

    def composed():
        i, f, g, o = (gates[:, k * H:(k + 1) * H] for k in range(4))
        c2 = nl.sigmoid(f) * c + nl.sigmoid(i) * nl.tanh(g)
        return nl.sigmoid(o) * nl.tanh(c2), c2

    def med(fn):
        fn()
        ts = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - t0)
        return statistics.median(ts) * 1e6

    rows = []
    for name, cell in (("fused lstm_pointwise", fused), ("composed from nl ops", composed)):
        with nl.no_grad():
            fwd = med(cell)

        def fwd_bwd():
            with nl.enable_grad():
                h, c2 = cell()
                nl.gradients(nl.sum(h * u) + nl.sum(c2), [gates, c])
        rows.append((name, fwd, med(fwd_bwd)))
    return rows


def run_config(threads, clock, rounds, steps, impls):
    """{implementation: [{"median", "min"} per round]} for one thread count and clock."""
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads),
               MKL_NUM_THREADS=str(threads))
    runs = {k: [] for k in impls}
    native = {k: v for k, v in env.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    for _ in range(rounds):
        for impl in impls:  # interleaved: a burst of load from elsewhere hits every implementation alike
            cmd = [sys.executable, __file__, "--worker", NATIVE.get(impl, impl), "--steps", str(steps), "--threads",
                   str(threads), "--clock", clock]
            res = subprocess.run(cmd, capture_output=True, text=True, env=native if impl in NATIVE else env)
            if res.returncode != 0:
                raise SystemExit(f"{impl} failed:\n{res.stderr}")
            runs[impl].append(json.loads(res.stdout.strip().splitlines()[-1]))
    return runs


def table(runs, threads, clock):
    med = {k: statistics.median(r["median"] for r in v) * 1e3 for k, v in runs.items()}
    best = {k: min(r["min"] for r in v) * 1e3 for k, v in runs.items()}
    ref = med.get("torch")
    lines = [f"threads {threads}, {'wall time' if clock == 'wall' else 'process CPU time'}:",
             f"{'implementation':<22}{'median ms':>11}{'best ms':>10}{'vs torch':>10}   per-round medians (ms)"]
    for k in runs:
        ratio = f"{med[k] / ref:.2f}x" if ref else "-"
        rounds = ", ".join(f"{r['median'] * 1e3:.1f}" for r in runs[k])
        lines.append(f"{k:<22}{med[k]:>11.1f}{best[k]:>10.1f}{ratio:>10}   {rounds}")
    return lines


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--configs", default="2:wall,1:cpu", help="comma-separated THREADS:CLOCK (clock wall or cpu)")
    p.add_argument("--rounds", type=int, default=3, help="interleaved rounds (one process per implementation each)")
    p.add_argument("--steps", type=int, default=10, help="timed steps per process (after 3 warm-up steps)")
    p.add_argument("--native-blas", action="store_true", help="add rows with OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE unset")
    p.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results", "lstm.txt"))
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--threads", type=int, default=2, help=argparse.SUPPRESS)
    p.add_argument("--clock", default="wall", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        _clock[0] = _CLOCK[args.clock]
        from neuralab.backend import threads

        threads.set_num_threads(args.threads)  # BLAS (threadpoolctl) and neuralab's Numba kernels
        if args.worker == "torch":
            ts = worker_torch(args.threads, 3, args.steps)
        else:
            ts = worker_neuralab(args.worker, 3, args.steps)
        print(json.dumps({"median": statistics.median(ts), "min": min(ts)}))
        return
    try:
        import torch

        torch_version = torch.__version__
        impls = IMPLS
    except ImportError:
        torch_version, impls = "not installed", IMPLS[1:]
    if args.native_blas:
        impls = impls + list(NATIVE)
    import numpy as np
    from bench_mnist import cpu_model  # (this folder is on sys.path when the script runs)

    import neuralab as nl

    configs = []
    for c in args.configs.split(","):
        th, _, clock = c.partition(":")
        if clock not in _CLOCK:
            raise SystemExit(f"--configs: clock must be wall or cpu, got {c!r}")
        configs.append((int(th), clock))
    load0 = os.getloadavg()
    tables = [table(run_config(th, clock, args.rounds, args.steps, impls), th, clock) for th, clock in configs]
    pw = pointwise_table()
    load1 = os.getloadavg()
    lines = [f"LSTM training step benchmark -- {time.strftime('%Y-%m-%d %H:%M')}",
             f"CPU: {cpu_model()} ({os.cpu_count()} cores); niceness {os.nice(0)}; load average at start "
             f"{load0[0]:.2f}, at end {load1[0]:.2f}",
             f"neuralab {nl.__version__}, numpy {np.__version__}, torch {torch_version}, "
             f"python {platform.python_version()}; OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')} "
             f"for the neuralab rows" + (" (unset for the 'native BLAS' rows)" if args.native_blas else ""),
             f"batch {B}, sequence {T}, input {I}, hidden {H}, 1 layer, float32; forward + backward + Adam "
             f"(lr 1e-3) on mean(output**2); {args.rounds} interleaved rounds x {args.steps} timed steps"]
    for t in tables:
        lines += [""] + t
    lines += ["", f"One step's pointwise part (batch {B}, hidden {H}), eager, this process's threads, median of "
              "200 calls (wall):", f"{'':<24}{'forward us':>12}{'fwd+bwd us':>12}"]
    for name, f, fb in pw:
        lines.append(f"{name:<24}{f:>12.0f}{fb:>12.0f}")
    text = "\n".join(lines)
    print(text)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(text + "\n")


if __name__ == "__main__":
    main()
