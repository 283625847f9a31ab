"""Issue 5's benchmark: one training step of the notes' dropout MNIST program (784-512x4-10 ReLU,
keep_prob 0.7, batch 100, Adam) through ``tf.Session.run`` on neuralab.compat.v1, side by side with the
same network trained in PyTorch CPU (same threads), plus the compiled plan called directly and the
adapter's own cost per run. Rounds are interleaved so load changes hit every column alike.

Run: ``python benchmarks/bench_tf1.py [--threads 2]``; writes benchmarks/results/tf1.txt.
"""
import argparse
import os
import statistics
import time

import numpy as np

import neuralab.compat.v1 as tf


def build():
    tf.reset_default_graph()
    tf.set_random_seed(0)
    X = tf.placeholder(tf.float32, [None, 784])
    Y = tf.placeholder(tf.float32, [None, 10])
    keep_prob = tf.placeholder(tf.float32)
    L, n_in = X, 784
    for i in range(4):
        W = tf.get_variable(f"W{i + 1}", shape=[n_in, 512], initializer=tf.contrib.layers.xavier_initializer())
        b = tf.Variable(tf.random_normal([512]))
        L = tf.nn.dropout(tf.nn.relu(tf.matmul(L, W) + b), keep_prob=keep_prob)
        n_in = 512
    W5 = tf.get_variable("W5", shape=[512, 10], initializer=tf.contrib.layers.xavier_initializer())
    b5 = tf.Variable(tf.random_normal([10]))
    hypothesis = tf.matmul(L, W5) + b5
    cost = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits=hypothesis, labels=Y))
    optimizer = tf.train.AdamOptimizer(learning_rate=0.001).minimize(cost)
    return X, Y, keep_prob, cost, optimizer


def per_call(f, n):
    t = time.perf_counter()
    for _ in range(n):
        f()
    return (time.perf_counter() - t) / n


def torch_step_fn(threads, xb, yb):
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    layers, n_in = [], 784
    for _ in range(4):
        layers += [torch.nn.Linear(n_in, 512), torch.nn.ReLU(), torch.nn.Dropout(0.3)]
        n_in = 512
    model = torch.nn.Sequential(*layers, torch.nn.Linear(512, 10))
    opt = torch.optim.Adam(model.parameters(), lr=0.001)
    x, y = torch.from_numpy(xb), torch.from_numpy(yb.argmax(1))

    def step():
        opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return float(loss)

    return step


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results", "tf1.txt"))
    a = ap.parse_args()
    X, Y, keep_prob, cost, optimizer = build()
    sess = tf.Session()
    sess.run(tf.global_variables_initializer())
    rng = np.random.default_rng(0)
    xb = rng.random((100, 784), dtype=np.float32)
    yb = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 100)]
    feed = {X: xb, Y: yb, keep_prob: 0.7}
    for _ in range(20):
        sess.run([cost, optimizer], feed_dict=feed)
    entry = next(e for e in sess._cache.values() if len(e.feeds) == 3)
    arrays = [xb, yb, np.asarray(0.7, np.float32)]

    def plan_direct():
        entry.plan(*arrays)

    def via_session():
        sess.run([cost, optimizer], feed_dict=feed)

    tstep = torch_step_fn(a.threads, xb, yb)
    times = {"neuralab tf.Session.run": [], "neuralab plan directly": []}
    if tstep is not None:
        for _ in range(5):
            tstep()
        times["torch eager"] = []
    for _ in range(a.rounds):  # interleaved, so load changes hit every column alike
        times["neuralab plan directly"].append(per_call(plan_direct, 20))
        times["neuralab tf.Session.run"].append(per_call(via_session, 20))
        if tstep is not None:
            times["torch eager"].append(per_call(tstep, 20))
    import platform

    lines = [f"TF1 dropout MNIST step (784-512x4-10, keep_prob 0.7, batch 100, Adam) — {time.strftime('%Y-%m-%d')}",
             f"threads {a.threads} (BLAS: {os.environ.get('OPENBLAS_NUM_THREADS', 'default')}), "
             f"{platform.processor() or platform.machine()}, {a.rounds} interleaved rounds of 20 steps", ""]
    for k, v in times.items():
        lines.append(f"{k:26s} median {statistics.median(v) * 1e3:8.3f} ms   min {min(v) * 1e3:8.3f} ms")
    if tstep is not None:
        r = statistics.median(times["neuralab tf.Session.run"]) / statistics.median(times["torch eager"])
        lines.append(f"Session.run / torch (medians): {r:.2f}")
    else:
        lines.append("torch not installed: PyTorch column skipped")
    print("\n".join(lines))

    # the adapter's own cost for this exact step: the same Session.run with the plan replaced by a stub
    real = entry.plan
    outputs = real(*arrays)
    entry.plan = lambda *a: outputs
    own = min(per_call(via_session, 20000) for _ in range(5))
    entry.plan = real
    line = (f"Session.run without the plan (3 feeds incl. a Python float, 2 fetches, {len(entry.all_vars)} "
            f"variables swapped, {len(entry.opts)} optimizer): {own * 1e6:.2f} us per step")
    print(line)
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    with open(a.out, "w") as f:
        f.write("\n".join(lines + [line]) + "\n")


if __name__ == "__main__":
    main()
