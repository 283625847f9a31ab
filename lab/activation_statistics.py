"""Seed 002, "Activation Statistics": how the weight scale shapes a deep net's activations.

A 10-layer net of 500 units per layer (no biases) gets a 1000 x 500 standard-normal batch. Each layer
computes ``H = f(X @ W)`` with ``W`` drawn by one of the lectures' schemes, and we print the mean and std
of every layer's activations, next to the numbers in the notes:

* ``0.01 * randn`` ("small random numbers") with tanh: activations shrink ~4.5x per layer toward 0;
* ``1.0 * randn`` with tanh: almost every unit saturates at -1 or +1 (std 0.98);
* Xavier ``randn / sqrt(fan_in)`` with tanh: std 0.63 falling slowly to 0.23;
* Xavier with ReLU: std halves in variance every layer (0.58 -> 0.026);
* He ``randn / sqrt(fan_in / 2)`` with ReLU: std stays near 0.83.

The forward pass uses neuralab ops (matmul, tanh, maximum); weights come from ``neuralab.init``.

    python lab/activation_statistics.py [--seed 0] [--layers 10] [--units 500] [--batch 1000]
"""
from __future__ import annotations

import argparse

import neuralab as nl
import neuralab.init as init

#: The notes' per-layer activation std (seed 002), hidden layers 1..10.
NOTES_STD = {
    "small": [0.213081, 0.047551, 0.010630, 0.002378, 0.000532, 0.000119, 0.000026, 0.000006, 0.000001, 0.000000],
    "large": [0.981879, 0.981649, 0.981601, 0.981755, 0.981614, 0.981560, 0.981520, 0.981913, 0.981728, 0.981736],
    "xavier": [0.627953, 0.486051, 0.407723, 0.357108, 0.320917, 0.292116, 0.273387, 0.254935, 0.239266, 0.228008],
    "xavier_relu": [0.582273, 0.403795, 0.276912, 0.198685, 0.140299, 0.103280, 0.072748, 0.051572, 0.038583,
                    0.026076],
    "he_relu": [0.825232, 0.827835, 0.813855, 0.826902, 0.834092, 0.860035, 0.870610, 0.889348, 0.845357, 0.844523],
}


def _large(shape, dtype=None, rng=None):
    """``np.random.randn(fan_in, fan_out) * 1.0``."""
    return init.normal(shape, std=1.0, dtype=dtype, rng=rng)


#: name -> (title, initializer, activation)
EXPERIMENTS = {
    "small": ("W = 0.01 * np.random.randn(D, H), tanh", init.get("small"), "tanh"),
    "large": ("W = np.random.randn(fan_in, fan_out) * 1.0, tanh", _large, "tanh"),
    "xavier": ("Xavier W = np.random.randn(fan_in, fan_out) / np.sqrt(fan_in), tanh", init.xavier_simple, "tanh"),
    "xavier_relu": ("Xavier W = np.random.randn(fan_in, fan_out) / np.sqrt(fan_in), ReLU", init.xavier_simple,
                    "relu"),
    "he_relu": ("He W = np.random.randn(fan_in, fan_out) / np.sqrt(fan_in / 2), ReLU", init.he_normal, "relu"),
}

_ACT = {"tanh": nl.tanh, "relu": lambda h: nl.maximum(h, 0.0)}


def activation_statistics(initializer, activation="tanh", n_layers=10, units=500, batch=1000, rng=None,
                          dtype=None):
    """Run the experiment once: returns ``[(mean, std)]`` for the input and each of ``n_layers`` layers."""
    gen = nl.get_rng(rng)
    x = nl.tensor(gen.standard_normal((batch, units)), dtype=dtype or nl.default_float())
    stats = [(float(x.numpy().mean()), float(x.numpy().std()))]
    f = _ACT[activation]
    with nl.no_grad():
        h = x
        for _ in range(n_layers):
            fan_in = h.shape[1]
            W = nl.tensor(initializer((fan_in, units), dtype=h.dtype, rng=gen))
            h = f(nl.matmul(h, W))
            a = h.numpy()
            stats.append((float(a.mean()), float(a.std())))
    return stats


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--layers", type=int, default=10)
    ap.add_argument("--units", type=int, default=500)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    ap.add_argument("--only", choices=sorted(EXPERIMENTS), help="run one experiment")
    args = ap.parse_args(argv)
    names = [args.only] if args.only else list(EXPERIMENTS)
    for k, name in enumerate(names):
        title, initializer, act = EXPERIMENTS[name]
        stats = activation_statistics(initializer, act, args.layers, args.units, args.batch,
                                      rng=args.seed + k, dtype=args.dtype)
        print(f"== {title}")
        print(f"{'':>16}{'mean':>12}{'std':>12}{'notes std':>12}")
        print(f"{'input layer':>16}{stats[0][0]:12.6f}{stats[0][1]:12.6f}{'~1.0':>12}")
        notes = NOTES_STD[name]
        for i, (m, s) in enumerate(stats[1:], 1):
            ref = f"{notes[i - 1]:12.6f}" if i <= len(notes) else f"{'':12}"
            print(f"{'hidden layer ' + str(i):>16}{m:12.6f}{s:12.6f}{ref}")
        print()


if __name__ == "__main__":
    main()
