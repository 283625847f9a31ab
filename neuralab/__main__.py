"""``python -m neuralab``: the lectures' XOR lab, trained with neuralab's graph mode.

Builds the 2-layer sigmoid network of lecture 10-1 as a define-then-run graph,
compiles one training step (forward, gradients, SGD assigns) and replays it.
"""
from __future__ import annotations

import sys
import time

import numpy as np

import neuralab as nl


def xor_lab(steps: int = 2000, lr: float = 1.0, seed: int = 0, out=sys.stdout) -> float:
    """Train XOR with a 2-2-1 sigmoid net; print cost and accuracy; return accuracy."""
    nl.seed(seed)
    rng = nl.get_rng()
    x_data = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    y_data = np.array([[0], [1], [1], [0]], dtype=np.float32)
    W1 = nl.tensor(rng.uniform(-1.0, 1.0, (2, 2)).astype(np.float32), requires_grad=True)
    W2 = nl.tensor(rng.uniform(-1.0, 1.0, (2, 1)).astype(np.float32), requires_grad=True)
    b1 = nl.tensor(np.zeros(2, np.float32), requires_grad=True)
    b2 = nl.tensor(np.zeros(1, np.float32), requires_grad=True)
    params = [W1, b1, W2, b2]

    def hypothesis(X):
        L2 = nl.sigmoid(nl.matmul(X, W1) + b1)
        return nl.sigmoid(nl.matmul(L2, W2) + b2)

    @nl.compile
    def train_step(X, Y):
        h = hypothesis(X)
        cost = -nl.mean(Y * nl.log(h) + (1 - Y) * nl.log(1 - h))
        for p, g in zip(params, nl.gradients(cost, params)):
            nl.assign(p, p - lr * g)
        return cost

    t0 = time.perf_counter()
    for step in range(steps + 1):
        cost = train_step(x_data, y_data)
        if step % (steps // 5) == 0:
            print(f"step {step:5d}  cost = {cost.item():.9f}", file=out)
    elapsed = time.perf_counter() - t0
    with nl.no_grad():
        h = hypothesis(nl.tensor(x_data)).numpy()
    predicted = (h > 0.5).astype(np.float32)
    accuracy = float((predicted == y_data).mean())
    print(f"Hypothesis: {h.ravel().round(4).tolist()}  Predicted: {predicted.ravel().tolist()}", file=out)
    print(f"{steps} compiled steps in {elapsed:.2f}s ({1e6 * elapsed / steps:.0f} us/step, "
          f"{train_step.trace_count} trace)", file=out)
    print(f"Accuracy: {accuracy}", file=out)
    return accuracy


def main(argv=None) -> int:
    xor_lab()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
