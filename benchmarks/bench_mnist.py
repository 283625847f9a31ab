"""One MNIST epoch, neuralab vs PyTorch CPU, side by side (issue 4's benchmark).

For each network of the notes — 784-512-512-512-512-10 ReLU and 784-256-256-10
ReLU — one epoch of 60,000 images, batch 100, Adam (lr 1e-3), float32, same
thread count for both. Each (framework, network) runs in its own process so
that the peak resident memory (ru_maxrss) is its own. neuralab runs its default
compiled train step (``neuralab.train.Trainer``); PyTorch the usual eager loop
(zero_grad, forward, cross_entropy, backward, step). The PyTorch column is
skipped when torch is not installed.

    python benchmarks/bench_mnist.py [--threads 2] [--epochs 1] [--out benchmarks/results/mnist.txt]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time

NETS = {"512x4": [512, 512, 512, 512], "256x2": [256, 256]}


def load_data():
    import numpy as np

    try:
        from neuralab import data

        ds = data.mnist(download=False)
        return ds.x_train, ds.y_train, "real MNIST"
    except Exception:  # noqa: BLE001 - no files: the same sizes of random data time the same
        rng = np.random.default_rng(0)
        return (rng.random((60000, 784), dtype=np.float32), rng.integers(0, 10, 60000), "random data, MNIST sizes")


def worker_neuralab(hidden, epochs, batch):
    import neuralab as nl
    from neuralab import nn
    from neuralab.train import Trainer

    x, y, src = load_data()
    nl.seed(0)
    layers, fan_in = [], 784
    for h in hidden:
        layers += [nn.Dense(fan_in, h), nn.ReLU()]
        fan_in = h
    model = nn.Sequential(*layers, nn.Dense(fan_in, 10))
    t = Trainer(model, optimizer="adam", lr=1e-3)
    t.train_step(x[:batch], y[:batch])  # trace once (not timed)
    t0 = time.perf_counter()
    t.fit(x, y, epochs=epochs, batch_size=batch, shuffle=True, seed=0, verbose=0)
    return time.perf_counter() - t0, t.history.history["loss"][-1], src


def worker_torch(hidden, epochs, batch, threads):
    import numpy as np
    import torch

    torch.set_num_threads(threads)
    x, y, src = load_data()
    torch.manual_seed(0)
    layers, fan_in = [], 784
    for h in hidden:
        layers += [torch.nn.Linear(fan_in, h), torch.nn.ReLU()]
        fan_in = h
    model = torch.nn.Sequential(*layers, torch.nn.Linear(fan_in, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    xt, yt = torch.from_numpy(x), torch.from_numpy(np.asarray(y, dtype=np.int64))

    def step(xb, yb):
        opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
        return loss

    step(xt[:batch], yt[:batch])  # warm-up (not timed)
    n = len(xt)
    t0 = time.perf_counter()
    for e in range(epochs):
        perm = torch.from_numpy(np.random.default_rng([0, e]).permutation(n))
        total = 0.0
        for i in range(0, n, batch):
            j = perm[i: i + batch]
            total += float(step(xt[j], yt[j]))
        last = total / -(-n // batch)
    return time.perf_counter() - t0, last, src


def run_worker(args):
    hidden = NETS[args.net]
    if args.framework == "neuralab":
        sec, loss, src = worker_neuralab(hidden, args.epochs, args.batch)
    else:
        sec, loss, src = worker_torch(hidden, args.epochs, args.batch, args.threads)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB -> MiB on Linux
    print(json.dumps({"seconds": sec, "loss": loss, "peak_mib": peak, "data": src}))


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--batch", type=int, default=100)
    p.add_argument("--nets", default="512x4,256x2")
    p.add_argument("--repeats", type=int, default=3, help="runs per cell, interleaved; the table shows the best")
    p.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results", "mnist.txt"))
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--framework", help=argparse.SUPPRESS)
    p.add_argument("--net", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        return run_worker(args)
    try:
        import torch

        have_torch = True
        torch_version = torch.__version__
    except ImportError:
        have_torch, torch_version = False, "not installed"
    import numpy as np

    import neuralab as nl

    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), OPENBLAS_NUM_THREADS=str(args.threads),
               MKL_NUM_THREADS=str(args.threads))
    rows = []
    allruns = {}
    for net in args.nets.split(","):
        res = {}
        for _ in range(args.repeats):  # interleaved: a burst of load hits both frameworks alike
            for fw in ["neuralab"] + (["torch"] if have_torch else []):
                cmd = [sys.executable, __file__, "--worker", "--framework", fw, "--net", net, "--epochs",
                       str(args.epochs), "--batch", str(args.batch), "--threads", str(args.threads)]
                out = subprocess.run(cmd, capture_output=True, text=True, env=env)
                if out.returncode != 0:
                    raise SystemExit(f"{fw} {net} failed:\n{out.stderr}")
                r = json.loads(out.stdout.strip().splitlines()[-1])
                allruns.setdefault((net, fw), []).append(r["seconds"])
                if fw not in res or r["seconds"] < res[fw]["seconds"]:
                    res[fw] = r
        rows.append((net, res))
    lines = [f"MNIST epoch benchmark — {time.strftime('%Y-%m-%d %H:%M')}",
             f"CPU: {cpu_model()} ({os.cpu_count()} cores), threads: {args.threads}",
             f"neuralab {nl.__version__}, numpy {np.__version__}, torch {torch_version}, "
             f"python {platform.python_version()}",
             f"{args.epochs} epoch(s) of 60,000 images, batch {args.batch}, Adam lr 1e-3, float32; "
             f"data: {rows[0][1]['neuralab']['data']}", "",
             f"{'network':<22}{'neuralab s':>12}{'torch s':>10}{'ratio':>8}{'nl peak MiB':>13}{'torch MiB':>11}"
             f"{'nl loss':>9}{'torch loss':>11}"]
    for net, res in rows:
        n = res["neuralab"]
        t = res.get("torch")
        name = "784-" + "-".join(str(h) for h in NETS[net]) + "-10"
        lines.append(f"{name:<22}{n['seconds']:>12.2f}{(t['seconds'] if t else float('nan')):>10.2f}"
                     f"{(n['seconds'] / t['seconds'] if t else float('nan')):>8.2f}{n['peak_mib']:>13.0f}"
                     f"{(t['peak_mib'] if t else float('nan')):>11.0f}{n['loss']:>9.4f}"
                     f"{(t['loss'] if t else float('nan')):>11.4f}")
    lines.append("")
    lines.append(f"Best of {args.repeats} interleaved runs per cell; all runs (s): " + "; ".join(
        f"{net} {fw}: " + ", ".join(f"{v:.2f}" for v in vals) for (net, fw), vals in allruns.items()))
    lines.append("ratio = neuralab time / torch time (below 1: neuralab faster). Peak MiB = ru_maxrss of the process.")
    text = "\n".join(lines)
    print(text)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(text + "\n")


if __name__ == "__main__":
    main()
