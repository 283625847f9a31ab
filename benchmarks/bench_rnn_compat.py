"""What the TF 1.x RNN adapter costs: one training step through ``tf.nn.dynamic_rnn`` against the native layer,
side by side in one process (``benchmarks/bench_lstm.py`` compares the native layer with PyTorch).

The step (issue 10's): batch 64, sequence 50, input 128, hidden 256, float32,
forward + backward + Adam (lr 1e-3) on mean(output ** 2). Implementations:

* ``native nn.LSTM`` / ``native nn.GRU`` -- the native layers under ``neuralab.compile`` (updates included);
* ``compat BasicLSTMCell``   -- ``tf.nn.dynamic_rnn(BasicLSTMCell)`` + ``AdamOptimizer.minimize``,
  ``sess.run(train_op)``: TF's kernel layout mapped onto the same native recurrence op;
* ``compat GRUCell``         -- the same with TF's GRUCell, which runs as a graph loop of per-step ops (TF's
  GRU resets ``h`` before the candidate GEMM; the native GRU kernel computes PyTorch's form, so the
  ``native nn.GRU`` row is the same size and cost class, not the same function).

Rounds are interleaved (each round runs every implementation for ``--steps``
steps after warm-up), the table shows the median over rounds of each round's
median step. ``--clock cpu`` (default) times the process's CPU time with one
BLAS thread, what a busy shared machine distorts least; ``--clock wall`` with
the machine's threads is the real comparison on a quiet machine.

    python benchmarks/bench_rnn_compat.py [--rounds 5] [--steps 5] [--clock cpu|wall]
                                          [--out benchmarks/results/rnn_compat.txt]
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time

B, T, I, H = 64, 50, 128, 256


def _data():
    import numpy as np

    return np.random.default_rng(0).standard_normal((B, T, I)).astype(np.float32)


def make_native(kind):
    import neuralab as nl
    from neuralab import nn, optim

    nl.seed(0)
    model = (nn.LSTM if kind == "lstm" else nn.GRU)(I, H, batch_first=True)
    opt = optim.Adam(model.parameters(), lr=1e-3)

    def f(x):
        out, _ = model(x)
        loss = nl.mean(out * out)
        opt.apply_gradients(nl.gradients(loss, model.parameters()))
        return loss
    compiled = nl.compile(f)
    x = _data()
    return lambda: compiled(x)


def make_compat(kind):
    import neuralab.compat.v1 as tf

    g = tf.Graph()
    with g.as_default():
        tf.set_random_seed(0)
        x = tf.placeholder(tf.float32, [None, T, I])
        cell = tf.nn.rnn_cell.BasicLSTMCell(H) if kind == "lstm" else tf.nn.rnn_cell.GRUCell(H)
        out, _ = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
        train = tf.train.AdamOptimizer(1e-3).minimize(tf.reduce_mean(tf.square(out)))
        sess = tf.Session()
        sess.run(tf.global_variables_initializer())
    feed = {x: _data()}
    return lambda: sess.run(train, feed)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--steps", type=int, default=5, help="timed steps per implementation and round")
    p.add_argument("--clock", choices=("cpu", "wall"), default="cpu")
    p.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results", "rnn_compat.txt"))
    args = p.parse_args()
    if args.clock == "cpu":
        from neuralab.backend import threads

        threads.set_num_threads(1)
    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    import numpy as np
    from bench_mnist import cpu_model  # (this folder is on sys.path when the script runs)

    import neuralab as nl

    impls = {"native nn.LSTM": make_native("lstm"), "compat BasicLSTMCell": make_compat("lstm"),
             "native nn.GRU": make_native("gru"), "compat GRUCell": make_compat("gru")}
    load0 = os.getloadavg()
    for step in impls.values():  # warm-up: traces, JIT compilation, first allocations
        for _ in range(2):
            step()
    rounds = {k: [] for k in impls}
    for _ in range(args.rounds):
        for name, step in impls.items():
            ts = []
            for _ in range(args.steps):
                t0 = clock()
                step()
                ts.append(clock() - t0)
            rounds[name].append(statistics.median(ts))
    load1 = os.getloadavg()
    med = {k: statistics.median(v) * 1e3 for k, v in rounds.items()}
    lines = [f"TF 1.x RNN adapter benchmark -- {time.strftime('%Y-%m-%d %H:%M')}",
             f"CPU: {cpu_model()} ({os.cpu_count()} cores); load average at start {load0[0]:.2f}, at end "
             f"{load1[0]:.2f}",
             f"neuralab {nl.__version__}, numpy {np.__version__}, python {platform.python_version()}",
             f"batch {B}, sequence {T}, input {I}, hidden {H}, float32; forward + backward + Adam (lr 1e-3) on "
             f"mean(output**2); {args.rounds} interleaved rounds x {args.steps} steps; "
             + ("process CPU time, 1 thread" if args.clock == "cpu" else "wall time, default threads"),
             "",
             f"{'implementation':<24}{'median ms':>10}{'vs native':>11}   per-round medians (ms)"]
    for k in impls:
        ref = med["native nn.GRU" if "GRU" in k else "native nn.LSTM"]
        per = ", ".join(f"{v * 1e3:.1f}" for v in rounds[k])
        lines.append(f"{k:<24}{med[k]:>10.1f}{med[k] / ref:>10.2f}x   {per}")
    text = "\n".join(lines)
    print(text)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
