"""Optimizers: SGD, both momentum forms, Nesterov, AdaGrad, RMSProp, Adam and L-BFGS, where each helps.

Every update rule is neuralab's own (:mod:`neuralab.optim`), run on float64
parameters:

* trajectories on three 2-D losses: an ill-conditioned quadratic
  ``f = (x² + 25 y²) / 2`` (condition number 25), a saddle
  ``f = x² + y⁴/4 - y²/2`` (saddle point at the origin, minima at ``y = ±1``)
  started next to the saddle, and Rosenbrock's ``(1 - x)² + 100 (y - x²)²``;
  the SGD family shares one learning rate on the saddle and on Rosenbrock, on the
  quadratic momentum and Nesterov take SGD's effective step ``α / (1 - ρ)``, and
  the adaptive methods use their customary larger ones (the table lists them);
* momentum's "relative stability": on the quadratic, plain gradient descent
  diverges once ``α > 2 / λ_max`` while heavy-ball momentum converges up to
  ``α < 2 (1 + ρ) / λ_max`` (the closed forms for a quadratic); the largest
  learning rate that still converges is found on a grid and checked against both;
* noisy gradients: with pure noise the momentum step (a running mean of the
  gradients) has the standard deviation of a plain step times
  ``sqrt((1 - ρ) / (1 + ρ))`` at the same effective learning rate ``α / (1 - ρ)``;
* the two momentum forms of the notes (velocity ``v = ρ v + ∇f; x -= α v`` and
  delta ``m = -α∇f + β m̄; w += m``) follow the same trajectory;
* training-loss curves of an MLP for each optimizer (the real MNIST, ``--quick``:
  the digits);
* L-BFGS on softmax regression (L2 1e-3): full batch it converges to the optimum;
  on mini-batches (a fresh L-BFGS run of 10 iterations on each batch of 100, the
  same number of examples seen in all) the full-data loss jumps around and stays higher.
"""
from __future__ import annotations

import math

import numpy as np

import neuralab as nl
from neuralab import functional as F
from neuralab import nn, optim

from ..core import experiment
from ._common import mlp

RHO = 0.9
ORDER = ("sgd", "momentum", "momentum_delta", "nesterov", "adagrad", "rmsprop", "adam")
LABEL = {"sgd": "SGD", "momentum": "momentum (velocity form)", "momentum_delta": "momentum (delta form)",
         "nesterov": "Nesterov", "adagrad": "AdaGrad", "rmsprop": "RMSProp", "adam": "Adam", "lbfgs": "L-BFGS"}


def quadratic(p):
    """``(x² + 25 y²) / 2``: Hessian diag(1, 25)."""
    return 0.5 * (p[0] * p[0] + 25.0 * p[1] * p[1])


def saddle(p):
    """``x² + y⁴/4 - y²/2``: a saddle at (0, 0), minima -1/4 at (0, ±1)."""
    return p[0] * p[0] + 0.25 * p[1] ** 4 - 0.5 * p[1] * p[1]


def rosenbrock(p):
    """``(1 - x)² + 100 (y - x²)²``: minimum 0 at (1, 1) at the end of a curved valley."""
    return (1.0 - p[0]) ** 2 + 100.0 * (p[1] - p[0] * p[0]) ** 2


#: name -> (function, start, steps, lr of the SGD family, {other lrs}); on the quadratic the momentum methods
#: take the same effective step α / (1 - ρ) as SGD
_EFF = {k: 0.07 * (1 - 0.9) for k in ("momentum", "momentum_delta", "nesterov")}
SURFACES = {
    "quadratic": (quadratic, (-5.0, 1.5), 100, 0.07, {"adagrad": 1.0, "rmsprop": 0.05, "adam": 0.2, **_EFF}),
    "saddle": (saddle, (1.0, 1e-3), 100, 0.05, {"adagrad": 1.0, "rmsprop": 0.05, "adam": 0.2}),
    "rosenbrock": (rosenbrock, (-1.2, 1.0), 500, 1e-3, {"adagrad": 0.5, "rmsprop": 0.01, "adam": 0.05}),
}


def make(name, params, lr):
    """The optimizer ``name`` of :data:`ORDER` on ``params``."""
    if name == "sgd":
        return optim.SGD(params, lr=lr)
    if name in ("momentum", "momentum_delta"):
        return optim.Momentum(params, lr=lr, momentum=RHO, form="delta" if name == "momentum_delta" else "velocity")
    if name == "nesterov":
        return optim.Nesterov(params, lr=lr, momentum=RHO)
    return {"adagrad": optim.AdaGrad, "rmsprop": optim.RMSProp, "adam": optim.Adam}[name](params, lr=lr)


def trajectory(f, name, start, lr, steps, noise=0.0, seed=0):
    """Run ``steps`` updates of optimizer ``name`` on ``f`` from ``start``; returns (points (steps+1, 2), losses).

    ``noise``: standard deviation of Gaussian noise added to every gradient. Stops early when it diverges.
    """
    p = nl.tensor(np.array(start, np.float64), dtype="float64", requires_grad=True)
    opt = make(name, [p], lr)
    g = np.random.default_rng(seed)
    pts, fs = [p.numpy().copy()], []
    with np.errstate(all="ignore"):
        for _ in range(steps):
            opt.zero_grad()
            with nl.enable_grad():
                loss = f(p)
                loss.backward()
            if noise:
                p.grad = nl.tensor(p.grad.numpy() + g.normal(0.0, noise, 2), dtype="float64")
            fs.append(float(loss.numpy()))
            opt.step()
            pts.append(p.numpy().copy())
            if not np.all(np.isfinite(pts[-1])) or np.abs(pts[-1]).max() > 1e8:
                break
    return np.array(pts), np.array(fs)


def lbfgs_path(f, start, max_iter=100):
    """L-BFGS on ``f`` from ``start``; returns its iterates (SciPy's callback) including the start."""
    p = nl.tensor(np.array(start, np.float64), dtype="float64", requires_grad=True)
    opt = optim.LBFGS([p], max_iter=max_iter, tol=1e-12)
    pts = [p.numpy().copy()]

    def closure():
        opt.zero_grad()
        with nl.enable_grad():
            loss = f(p)
            loss.backward()
        return loss

    opt.step(closure, callback=lambda x: pts.append(np.array(x, dtype=np.float64)))
    return np.array(pts)


def stability_scan(name, grid, steps=200):
    """The quadratic's loss after ``steps`` updates for each learning rate of ``grid`` (inf: diverged)."""
    out = []
    for lr in grid:
        fs = trajectory(quadratic, name, (-5.0, 1.5), lr, steps)[1]
        out.append(float(fs[-1]) if len(fs) == steps and np.isfinite(fs[-1]) else math.inf)
    return out


def max_stable_lr(grid, finals):
    """The largest learning rate whose run ended below 1e-3 (NaN if none did)."""
    ok = [lr for lr, v in zip(grid, finals) if v < 1e-3]
    return max(ok) if ok else float("nan")


def adaptive_steps(name, lr=0.1, steps=100):
    """|step| of ``name`` at t = 1 and t = ``steps`` on the linear loss ``f = 3 x`` (a constant gradient)."""
    p = nl.tensor(np.zeros(1), dtype="float64", requires_grad=True)
    opt = make(name, [p], lr)
    xs = [0.0]
    for _ in range(steps):
        opt.zero_grad()
        with nl.enable_grad():
            (3.0 * nl.sum(p)).backward()
        opt.step()
        xs.append(float(p.numpy()[0]))
    d = np.abs(np.diff(xs))
    return float(d[0]), float(d[-1])


def noise_ratio(n=20000, lr_eff=0.1, seed=0):
    """Std of momentum's steps over std of SGD's under pure-noise gradients, same effective learning rate."""
    zero = lambda p: 0.0 * (p[0] + p[1])  # noqa: E731 - a flat loss: the gradient is the noise alone
    sgd, _ = trajectory(zero, "sgd", (0.0, 0.0), lr_eff, n, noise=1.0, seed=seed)
    mom, _ = trajectory(zero, "momentum", (0.0, 0.0), lr_eff * (1 - RHO), n, noise=1.0, seed=seed)
    return float(np.std(np.diff(mom[100:], axis=0)) / np.std(np.diff(sgd[100:], axis=0)))


def loss_curves(data, hidden, epochs, batch_size, seed):
    """Per-step training loss of an MLP under each optimizer (one shared initialization)."""
    from neuralab.train import Callback, Trainer

    lrs = {"sgd": 0.1, "momentum": 0.01, "nesterov": 0.01, "adagrad": 0.05, "rmsprop": 1e-3, "adam": 1e-3}
    init = mlp([data.x_train.shape[1], *hidden, 10], "relu", rng=np.random.default_rng(seed)).state_dict()
    curves = {}

    class Steps(Callback):
        def __init__(self):
            self.losses = []

        def on_batch_end(self, trainer, step, logs):
            self.losses.append(float(logs["loss"]))

    for name, lr in lrs.items():
        nl.seed(seed)
        net = mlp([data.x_train.shape[1], *hidden, 10], "relu", rng=np.random.default_rng(seed))
        net.load_state_dict(init)
        rec = Steps()
        Trainer(net, optimizer=make(name, net.parameters(), lr)).fit(
            data.x_train, data.y_train, epochs=epochs, batch_size=batch_size, seed=seed, verbose=0, callbacks=[rec])
        curves[name] = rec.losses
    return curves, lrs


def softmax_l2(model, x, y, l2=1e-3):
    """Mean softmax cross-entropy plus ``l2 · Σ W²`` over the weight matrix."""
    return F.softmax_cross_entropy(model(nl.tensor(x)), y) + l2 * nl.sum(model.weight * model.weight)


def lbfgs_batches(x, y, full_iters, batch, batch_iters, seed):
    """Full-batch L-BFGS vs mini-batch L-BFGS on softmax regression; returns the two curves.

    Each curve is ``[(examples seen, full-data loss)]``: full batch after every
    iteration, mini-batch after every batch (both count one gradient over an
    example as one example seen).
    """
    d = x.shape[1]

    def fresh():
        return nn.Dense(d, 10, dtype="float64", rng=seed)

    def full_loss(m):
        with nl.no_grad():
            return float(softmax_l2(m, x, y).numpy())

    m = fresh()
    opt = optim.LBFGS(m.parameters(), max_iter=full_iters, tol=1e-12)
    seen = [0]

    def closure():
        seen[0] += len(x)
        opt.zero_grad()
        with nl.enable_grad():
            loss = softmax_l2(m, x, y)
            loss.backward()
        return loss

    probe = fresh()

    def at(vec):  # the full-data loss at SciPy's iterate ``vec`` (weight then bias, flattened)
        k = d * 10
        probe.weight.data[...] = vec[:k].reshape(d, 10)
        probe.bias.data[...] = vec[k:]
        return full_loss(probe)

    full = [(0, full_loss(m))]
    opt.step(closure, callback=lambda vec: full.append((seen[0], at(vec))))
    gnorm = _grad_norm(m, x, y)
    budget = seen[0]
    m = fresh()
    g = np.random.default_rng(seed)
    mini, count = [(0, full_loss(m))], [0]
    while count[0] < budget:
        idx = g.choice(len(x), batch, replace=False)
        opt = optim.LBFGS(m.parameters(), max_iter=batch_iters, tol=1e-12)

        def cl(idx=idx, opt=opt):
            count[0] += batch
            opt.zero_grad()
            with nl.enable_grad():
                loss = softmax_l2(m, x[idx], y[idx])
                loss.backward()
            return loss

        opt.step(cl)
        mini.append((count[0], full_loss(m)))
    return full, mini, gnorm


def _grad_norm(m, x, y):
    with nl.enable_grad():
        loss = softmax_l2(m, x, y)
        grads = nl.gradients(loss, m.parameters())
    return float(math.sqrt(sum(float(np.sum(gr.numpy() ** 2)) for gr in grads)))


@experiment("optimizers", "Optimizers on ill-conditioned, saddle, Rosenbrock and MNIST losses; L-BFGS full vs "
            "mini-batch", "Backprop lecture (momentum 'with a reduced risk of oscillating'; the delta-rule form) and "
            "the optimization lecture: SGD's problems (ill-conditioning, saddle points, noisy gradients), momentum, "
            "Nesterov, AdaGrad, RMSProp, Adam; L-BFGS 'works well in full batch, does not work very well in "
            "mini-batch settings'.", seeds=(1, 1))
def run(ctx):
    r = ctx.result
    paths = {}
    rows = []
    for sname, (f, start, steps, lr, adaptive) in SURFACES.items():
        paths[sname] = {}
        for name in ORDER:
            lr_used = adaptive.get(name, lr)
            paths[sname][name] = trajectory(f, name, start, lr_used, steps)
            pts, fs = paths[sname][name]
            rows.append([sname, LABEL[name], lr_used, len(fs), float(f(nl.tensor(pts[-1])).numpy()),
                         float(np.linalg.norm(pts[-1] - _minimum(sname, pts[-1])))])
        lb = lbfgs_path(f, start)
        paths[sname]["lbfgs"] = (lb, None)
        rows.append([sname, "L-BFGS", "line search", len(lb) - 1, float(f(nl.tensor(lb[-1])).numpy()),
                     float(np.linalg.norm(lb[-1] - _minimum(sname, lb[-1])))])
    r.table("Where each optimizer ends (distance to the nearest minimum)", ["loss", "optimizer", "lr", "steps",
                                                                            "final f", "distance"], rows)
    diff = max(float(np.max(np.abs(paths[s]["momentum"][0] - paths[s]["momentum_delta"][0]))) for s in SURFACES)
    r.check("both momentum forms: max difference of their trajectories", 0.0, diff, kind="abs", tol=1e-12,
            fmt=".1e", why="identical updates for a constant learning rate (m = -α v)")
    grid = np.round(np.arange(0.06, 0.17 + 1e-9, 0.0025), 6)
    lam, gstep = 25.0, 0.0025
    scans = {k: stability_scan(k, grid) for k in ("sgd", "momentum")}
    sgd_max, mom_max = max_stable_lr(grid, scans["sgd"]), max_stable_lr(grid, scans["momentum"])
    for what, limit, got in (("gradient descent", 2 / lam, sgd_max), ("momentum ρ = 0.9", 2 * (1 + RHO) / lam,
                                                                       mom_max)):
        r.check(f"largest stable lr on the quadratic (λmax 25), {what}", limit, got, kind="within",
                tol=(limit - gstep - 1e-9, limit), fmt=".4f",
                why="the closed-form limit (2/λmax, 2(1+ρ)/λmax) is excluded; the grid step is 0.0025")
    rms_want = math.sqrt(1 - 0.9) / math.sqrt(1 - 0.9 ** 100)
    for name, want, why in (("adagrad", 0.1, "closed form lr/sqrt(t): the step shrinks forever (the notes' Q2)"),
                            ("rmsprop", rms_want, "closed form: the decaying average keeps the step, "
                             "sqrt(1 - 0.9) / sqrt(1 - 0.9^100)")):
        first, last = adaptive_steps(name)
        r.check(f"{LABEL[name]}: step at t = 100 / step at t = 1 (constant gradient)", want, last / first,
                kind="rel", tol=0.01, fmt=".4f", why=why)
    ratio = noise_ratio(n=4000 if ctx.quick else 40000)
    r.check("noise in a momentum step / in an SGD step (same effective lr)", math.sqrt((1 - RHO) / (1 + RHO)), ratio,
            kind="rel", tol=0.1 if ctx.quick else 0.03, fmt=".4f", why="closed form sqrt((1-ρ)/(1+ρ)) for pure noise")
    lb = paths["rosenbrock"]["lbfgs"][0]
    r.check("L-BFGS on Rosenbrock: distance to (1, 1)", 0.0, float(np.linalg.norm(lb[-1] - 1.0)), kind="abs",
            tol=1e-5, fmt=".1e")
    flips = {k: int(np.sum(np.diff(np.sign(paths["quadratic"][k][0][:, 1])) != 0)) for k in ("sgd", "momentum")}
    steps_q = SURFACES["quadratic"][2]
    r.finding("SGD jitters along the steep direction of the ill-conditioned quadratic (y changes sign almost every "
              "step)", flips["sgd"] >= 0.9 * steps_q, f"{flips['sgd']} sign changes in {steps_q} steps")
    flips_eff = int(np.sum(np.diff(np.sign(paths["quadratic"]["momentum"][0][:, 1])) != 0))
    r.finding("Momentum at the same effective learning rate oscillates far less along it", flips_eff < flips["sgd"] / 3,
              f"{flips_eff} sign changes")
    r.finding("Momentum (same lr) tolerates learning rates where gradient descent diverges (stable range "
              "about 1.9x wider)", mom_max > 1.5 * sgd_max, f"{mom_max:.4f} vs {sgd_max:.4f}")

    def escape(name):
        ys = np.abs(paths["saddle"][name][0][:, 1])
        hit = np.flatnonzero(ys > 0.5)
        return int(hit[0]) if hit.size else 10 ** 9

    esc = {k: escape(k) for k in ("sgd", "momentum", "nesterov")}
    r.finding("Near the saddle point the gradient is almost zero and SGD creeps; momentum escapes sooner",
              esc["momentum"] < esc["sgd"] and esc["nesterov"] < esc["sgd"],
              f"steps to |y| > 0.5: SGD {esc['sgd']}, momentum {esc['momentum']}, Nesterov {esc['nesterov']}")
    dist = {row[1]: row[5] for row in rows if row[0] == "rosenbrock"}
    r.finding("On Rosenbrock's valley the adaptive methods (AdaGrad, RMSProp, Adam) end nearer the minimum than SGD",
              all(dist[LABEL[k]] < dist["SGD"] for k in ("adagrad", "rmsprop", "adam")))

    data, desc = ctx.classification_data()
    hidden, epochs, bs = ([64], 6, 32) if ctx.quick else ([256], 1, 100)
    curves, lrs = loss_curves(data, hidden, epochs, bs, ctx.seeds[0])
    tail = {k: float(np.mean(v[-max(5, len(v) // 10):])) for k, v in curves.items()}
    net_desc = "-".join(map(str, [data.x_train.shape[1], *hidden, 10]))
    r.table(f"Training loss over the last tenth of the run ({desc}, {net_desc}, {epochs} epoch(s), batch {bs})",
            ["optimizer", "lr", "loss"],
            [[LABEL[k], lrs[k], tail[k]] for k in curves])
    r.finding("Every optimizer trains the MLP: the loss of the last tenth is below a third of the first steps'",
              all(tail[k] < float(np.mean(v[:5])) / 3 for k, v in curves.items()),
              ", ".join(f"{k} {v:.3f}" for k, v in tail.items()))

    if ctx.quick:
        x, y = data.x_train.astype(np.float64), data.y_train
    else:
        x, y = data.x_train[:10000].astype(np.float64), data.y_train[:10000]
    full, mini, gnorm = lbfgs_batches(x, y, full_iters=100, batch=100, batch_iters=10, seed=ctx.seeds[0])
    best_full, last_mini = full[-1][1], mini[-1][1]
    jumps = sum(b[1] > a[1] for a, b in zip(mini, mini[1:]))
    r.check("full-batch L-BFGS: gradient norm at the end", 0.0, gnorm, kind="abs", tol=1e-3, fmt=".1e",
            why="converged to the optimum of the (strictly convex) regularized loss")
    r.finding("Full-batch L-BFGS reaches a lower full-data loss than mini-batch L-BFGS with as many examples seen",
              best_full < last_mini, f"{best_full:.4f} vs {last_mini:.4f}")
    r.finding("Mini-batch L-BFGS does not settle: the full-data loss goes up after many of its batches",
              jumps >= len(mini) // 5, f"{jumps} increases in {len(mini) - 1} batches")
    r.data.update(stable_lr={"sgd": sgd_max, "momentum": mom_max}, noise_ratio=ratio, tail_loss=tail,
                  lbfgs={"full": full, "mini": mini, "grad_norm": gnorm}, escape=esc, flips=flips)
    _plots(ctx, paths, grid, scans, curves, full, mini, desc, len(x))


def _minimum(sname, p):
    if sname == "quadratic":
        return np.zeros(2)
    if sname == "saddle":
        return np.array([0.0, 1.0 if p[1] >= 0 else -1.0])
    return np.ones(2)


def _plots(ctx, paths, grid, scans, curves, full, mini, desc, n_lbfgs):
    extent = {"quadratic": (-5.5, 1.5, -2.0, 2.0), "saddle": (-1.2, 1.2, -1.5, 1.5), "rosenbrock": (-1.6, 1.4, -0.6,
                                                                                                   1.6)}
    with ctx.figure("trajectories", "Trajectories on the ill-conditioned quadratic, the saddle and Rosenbrock "
                    "(momentum's two forms overlap; L-BFGS: its iterates)", ncols=3, figsize=(13, 4)) as (fig, axes):
        for ax, (sname, (f, start, *_rest)) in zip(axes, SURFACES.items()):
            x0, x1, y0, y1 = extent[sname]
            gx, gy = np.meshgrid(np.linspace(x0, x1, 200), np.linspace(y0, y1, 200))
            fz = f(nl.tensor(np.stack([gx, gy]))).numpy()
            levels = np.quantile(fz, np.linspace(0.0, 0.95, 18) ** 2)
            ax.contour(gx, gy, fz, levels=np.unique(levels), colors="0.75", linewidths=0.6)
            for i, name in enumerate((*ORDER, "lbfgs")):
                pts = paths[sname][name][0]
                style = "o--" if name == "lbfgs" else "-"
                ax.plot(pts[:, 0], pts[:, 1], style, color=f"C{i}", lw=1.1, ms=3, label=LABEL[name])
            ax.plot(*start, "k*", ms=9)
            ax.set_xlim(x0, x1)
            ax.set_ylim(y0, y1)
            ax.set_title(sname)
        axes[0].legend(fontsize=6, loc="lower right")
    lam = 25.0
    with ctx.figure("stability", "Loss of the quadratic after 200 steps against the learning rate: gradient descent "
                    "diverges past 2/λmax, momentum (ρ = 0.9) only past 2(1+ρ)/λmax", figsize=(6.4, 3.4)) as (fig, ax):
        for i, name in enumerate(("sgd", "momentum")):
            ax.semilogy(grid, [min(v, 1e8) for v in scans[name]], ".-", color=f"C{i}", label=LABEL[name])
        ax.axvline(2 / lam, color="C0", ls=":")
        ax.axvline(2 * (1 + RHO) / lam, color="C1", ls=":")
        ax.set_xlabel("learning rate α")
        ax.set_ylabel("loss after 200 steps (1e8: diverged)")
        ax.legend(fontsize=8)
    with ctx.figure("noisy_gradients", "Noisy gradients (σ = 2) on the quadratic: SGD (lr 0.02) and momentum at the "
                    "same effective step (lr 0.002, ρ 0.9)", ncols=2, figsize=(10, 3.4)) as (fig, (a, b)):
        for i, (name, lr) in enumerate((("sgd", 0.02), ("momentum", 0.002))):
            pts, fs = trajectory(quadratic, name, (-5.0, 1.5), lr, 600, noise=2.0, seed=1)
            a.plot(pts[:, 0], pts[:, 1], lw=0.7, color=f"C{i}", label=LABEL[name])
            b.semilogy(fs, lw=0.7, color=f"C{i}", label=LABEL[name])
        a.set_title("trajectories")
        b.set_title("loss")
        b.set_xlabel("step")
        a.legend(fontsize=8)
    with ctx.figure("mnist_loss", f"Training loss per step of the same MLP under each optimizer ({desc}), smoothed "
                    "over 10 steps", figsize=(7, 3.6)) as (fig, ax):
        for i, (name, losses) in enumerate(curves.items()):
            k = 10
            sm = np.convolve(losses, np.ones(k) / k, mode="valid")
            ax.semilogy(np.arange(len(sm)) + k, sm, color=f"C{i}", lw=1.1, label=LABEL[name])
        ax.set_xlabel("step")
        ax.set_ylabel("training loss")
        ax.legend(fontsize=8)
    with ctx.figure("lbfgs_batches", f"L-BFGS on softmax regression ({n_lbfgs} examples, L2 1e-3): full batch vs a "
                    "fresh 10-iteration run on each mini-batch of 100", figsize=(6.4, 3.4)) as (fig, ax):
        ax.semilogy([s / n_lbfgs for s, _ in full], [v for _, v in full], "o-", ms=3, label="full batch")
        ax.semilogy([s / n_lbfgs for s, _ in mini], [v for _, v in mini], ".-", ms=3, label="mini-batches")
        ax.set_xlabel("examples seen / training-set size")
        ax.set_ylabel("full-data loss")
        ax.legend()
