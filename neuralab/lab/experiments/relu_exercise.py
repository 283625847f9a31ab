"""Exercise 1 of the backprop lecture: ReLU and Leaky ReLU at the nine listed points.

The notes define ``f(x) = max(0, x)`` and the leaky form ``f(x) = x`` for ``x > 0``,
``0.01 x`` otherwise, and ask for both at ``x = -10, -5, -0.5, 0, 1, 5, 10, 20, 100``.
neuralab's ``relu``/``leaky_relu`` are evaluated there (float64) beside the closed
forms, with their autodiff derivatives (1 or 0, 1 or 0.01; at 0 the subgradient
neuralab documents).
"""
from __future__ import annotations

import numpy as np

import neuralab as nl
from neuralab import functional as F

from ..core import experiment

XS = [-10.0, -5.0, -0.5, 0.0, 1.0, 5.0, 10.0, 20.0, 100.0]


@experiment("relu-exercise", "ReLU and Leaky ReLU (Exercise 1)",
            "Backprop lecture, Exercise 1: implement ReLU and Leaky ReLU (slope 0.01) and test them at "
            "x = -10, -5, -0.5, 0, 1, 5, 10, 20, 100.", stochastic=False)
def run(ctx):
    r = ctx.result
    x = nl.tensor(np.array(XS), dtype="float64", requires_grad=True)
    rows = []
    with nl.enable_grad():
        relu, leaky = F.relu(x), F.leaky_relu(x, 0.01)
        d_relu = nl.gradients(nl.sum(relu), [x])[0].numpy()
        d_leaky = nl.gradients(nl.sum(leaky), [x])[0].numpy()
    relu, leaky = relu.numpy(), leaky.numpy()
    for i, v in enumerate(XS):
        want_r, want_l = max(0.0, v), (v if v > 0 else 0.01 * v)
        r.check(f"relu({v:g})", want_r, float(relu[i]), kind="equal")
        r.check(f"leaky_relu({v:g})", want_l, float(leaky[i]), kind="abs", tol=0.0)
        rows.append([v, float(relu[i]), float(leaky[i]), float(d_relu[i]), float(d_leaky[i])])
    r.table("neuralab at the exercise's points (float64)", ["x", "relu(x)", "leaky_relu(x)", "relu'(x)",
                                                             "leaky_relu'(x)"], rows,
            note="The closed forms max(0, x) and max(0.01x, x) are the 'notes' column of the checks above.")
    pos = np.array(XS) > 0
    r.finding("ReLU passes positive inputs unchanged and zeroes the rest; its gradient is 1 there and 0 for x < 0",
              np.array_equal(relu, np.maximum(0, XS)) and np.all(d_relu[pos] == 1) and np.all(d_relu[~pos & (
                  np.array(XS) < 0)] == 0))
    r.finding("Leaky ReLU keeps a slope of 0.01 on the negative side, so its gradient never vanishes",
              np.all(d_leaky[np.array(XS) < 0] == 0.01) and np.all(d_leaky[pos] == 1))
    grid = np.linspace(-10, 10, 401)
    with ctx.figure("relu_leaky", "ReLU and Leaky ReLU (slope 0.01, and 0.1 for visibility) with the exercise's "
                    "points in [-10, 10]", ncols=2, figsize=(8, 3)) as (fig, (a, b)):
        a.plot(grid, np.maximum(0, grid), label="relu")
        a.plot(grid, np.where(grid > 0, grid, 0.1 * grid), "--", label="leaky 0.1")
        a.plot(grid, np.where(grid > 0, grid, 0.01 * grid), ":", label="leaky 0.01")
        inside = [v for v in XS if abs(v) <= 10]
        a.plot(inside, [max(0, v) for v in inside], "o", color="C0")
        a.set_title("f(x)")
        a.legend()
        b.step(grid, (grid > 0).astype(float), where="mid", label="relu'")
        b.step(grid, np.where(grid > 0, 1.0, 0.01), "--", where="mid", label="leaky 0.01'")
        b.set_title("f'(x)")
        b.set_ylim(-0.1, 1.1)
        b.legend()
