"""RMSProp's centered and momentum variants, Adadelta, FTRL, and a learning rate given per update (a graph input).

Closed forms for two steps, convergence on the ill-conditioned quadratic and on
Rosenbrock, trajectories against torch.optim, and ``apply_gradients(lr=...)``:
a number or concrete tensor eagerly, a symbolic tensor as an input of the one
update node, evaluated each time the node runs.
"""
import math

import numpy as np
import pytest

import neuralab as nl
from neuralab.optim import SGD, Adadelta, Adam, ApplyUpdates, Ftrl, RMSProp, cosine_decay
from test_optimizers import descend, quad_grad, rosen_grad  # the same problems as the other rules' tests

X0 = [1.0, -2.0, 0.5]
G1 = [0.5, -1.0, 2.0]
G2 = [1.0, 1.0, -1.0]


def two_steps(make):
    p = nl.tensor(np.array(X0), requires_grad=True)
    opt = make([p])
    out = []
    for g in (G1, G2):
        p.grad = nl.tensor(np.array(g))
        opt.step()
        out.append(p.numpy().copy())
    return out, opt, p


def close(a, b, tol=1e-12):
    np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=0, atol=tol)


def test_rmsprop_momentum_by_hand():
    # G1 = 0.1 g1²;  b1 = 0.01 g1/(√G1 + ε);  x1 = x0 − b1
    # G2 = 0.9 G1 + 0.1 g2²;  b2 = 0.9 b1 + 0.01 g2/(√G2 + ε);  x2 = x1 − b2
    e = 1e-7
    (x1, x2), opt, p = two_steps(lambda ps: RMSProp(ps, lr=0.01, decay=0.9, momentum=0.9))
    G1s = [0.1 * g * g for g in G1]
    b1 = [0.01 * g / (math.sqrt(s) + e) for g, s in zip(G1, G1s)]
    G2s = [0.9 * s + 0.1 * g * g for s, g in zip(G1s, G2)]
    b2 = [0.9 * b + 0.01 * g / (math.sqrt(s) + e) for b, g, s in zip(b1, G2, G2s)]
    close(x1, [x - b for x, b in zip(X0, b1)])
    close(x2, [x - b - c for x, b, c in zip(X0, b1, b2)])
    close(opt.state[p]["momentum_buffer"], b2)
    assert set(opt.slots) == {"grad_squared", "momentum_buffer"}


def test_rmsprop_centered_by_hand():
    # M1 = 0.1 g1, G1 = 0.1 g1²: the variance estimate G1 − M1² = 0.09 g1², so x1 = x0 − 0.01 g1/(0.3|g1| + ε)
    # M2 = 0.9 M1 + 0.1 g2, G2 = 0.9 G1 + 0.1 g2²;  x2 = x1 − 0.01 g2/(√(G2 − M2²) + ε)
    e = 1e-7
    (x1, x2), opt, p = two_steps(lambda ps: RMSProp(ps, lr=0.01, decay=0.9, centered=True))
    w1 = [x - 0.01 * g / (0.3 * abs(g) + e) for x, g in zip(X0, G1)]
    M2 = [0.09 * a + 0.1 * b for a, b in zip(G1, G2)]
    S2 = [0.09 * a * a + 0.1 * b * b for a, b in zip(G1, G2)]
    close(x1, w1)
    close(x2, [x - 0.01 * g / (math.sqrt(s - m * m) + e) for x, g, s, m in zip(w1, G2, S2, M2)])
    close(opt.state[p]["grad_mean"], M2)


def test_rmsprop_eps_inside_the_root_is_one_switch_of_the_same_kernel():
    from neuralab.optim import transforms as T

    g, G, out = np.array(G1), np.zeros(3), np.empty(3)
    d = T.rmsprop_delta(np, g, G, 0.01, 0.9, 1e-3, out, eps_inside=True)
    close(d, [-0.01 * a / math.sqrt(0.1 * a * a + 1e-3) for a in G1])


def test_adadelta_by_hand():
    # E[g²]1 = 0.1 g1²;  u1 = √(0 + ε)/√(E1 + ε)·g1;  E[Δx²]1 = 0.1 u1²;  x1 = x0 − u1   (lr = 1)
    # E[g²]2 = 0.9 E1 + 0.1 g2²;  u2 = √(D1 + ε)/√(E2 + ε)·g2;  x2 = x1 − u2
    e = 1e-6
    (x1, x2), opt, p = two_steps(lambda ps: Adadelta(ps))
    E1 = [0.1 * g * g for g in G1]
    u1 = [math.sqrt(e) / math.sqrt(s + e) * g for s, g in zip(E1, G1)]
    D1 = [0.1 * u * u for u in u1]
    E2 = [0.9 * s + 0.1 * g * g for s, g in zip(E1, G2)]
    u2 = [math.sqrt(d + e) / math.sqrt(s + e) * g for d, s, g in zip(D1, E2, G2)]
    close(x1, [x - u for x, u in zip(X0, u1)])
    close(x2, [x - a - b for x, a, b in zip(X0, u1, u2)])
    close(opt.state[p]["acc_delta"], [0.9 * d + 0.1 * u * u for d, u in zip(D1, u2)])


def test_ftrl_by_hand():
    # n' = n + g², n0 = 0.1;  z ← z + g − (√n' − √n)/α·w;  w' = (clip(z, −λ1, λ1) − z)/(√n'/α + 2λ2)
    lr, l1, l2 = 0.1, 0.01, 0.1
    (x1, x2), opt, p = two_steps(lambda ps: Ftrl(ps, lr=lr, l1=l1, l2=l2))
    n, z, w = np.full(3, 0.1), np.zeros(3), np.array(X0)
    for g, got in zip((np.array(G1), np.array(G2)), (x1, x2)):
        n2 = n + g * g
        z = z + g - (np.sqrt(n2) - np.sqrt(n)) / lr * w
        w = np.where(np.abs(z) > l1, (np.sign(z) * l1 - z) / (np.sqrt(n2) / lr + 2 * l2), 0.0)
        n = n2
        close(got, w)
    close(opt.state[p]["linear"], z)
    close(opt.state[p]["accumulator"], n)


def test_ftrl_l1_gives_exact_zeros_and_shrinkage_enters_z_only():
    # |z| ≤ λ1 → w = 0 exactly; with l2_shrinkage λs, z gets g + 2λs·w but n only g²
    p = nl.tensor(np.array([0.3, -0.2]), requires_grad=True)
    opt = Ftrl([p], lr=0.5, l1=10.0)
    p.grad = nl.tensor(np.array([0.01, -0.02]))
    opt.step()
    assert p.numpy().tolist() == [0.0, 0.0]
    (x1, _), opt2, q = two_steps(lambda ps: Ftrl(ps, lr=0.1, l2_shrinkage=0.1))
    g = np.array(G1)
    z = g + 0.2 * np.array(X0) - (np.sqrt(0.1 + g * g) - np.sqrt(0.1)) / 0.1 * np.array(X0)
    close(x1, -z / (np.sqrt(0.1 + g * g) / 0.1))


def test_slot_init_holds_in_new_states_and_resets():
    p = nl.tensor(np.ones(3), requires_grad=True)
    opt = Ftrl([p], lr=0.1, initial_accumulator_value=0.25)
    assert opt.state[p]["accumulator"].tolist() == [0.25] * 3
    st = opt.new_state()
    assert st.state[p]["accumulator"].tolist() == [0.25] * 3
    opt.state[p]["accumulator"][...] = 7.0
    opt.reset_state()
    assert opt.state[p]["accumulator"].tolist() == [0.25] * 3


# a constant step ends in a limit cycle for these adaptive rules; a cosine-decayed lr settles
CONVERGENCE = {
    "RMSProp-centered": (lambda ps: RMSProp(ps, lr=cosine_decay(0.02, 1000), centered=True),
                         lambda ps: RMSProp(ps, lr=cosine_decay(2e-3, 10000), centered=True), 10000),
    "RMSProp-momentum": (lambda ps: RMSProp(ps, lr=cosine_decay(0.005, 1000), momentum=0.9),
                         lambda ps: RMSProp(ps, lr=cosine_decay(5e-4, 10000), momentum=0.9), 10000),
    "RMSProp-centered-momentum": (
        lambda ps: RMSProp(ps, lr=cosine_decay(0.005, 1000), momentum=0.9, centered=True),
        lambda ps: RMSProp(ps, lr=cosine_decay(5e-4, 10000), momentum=0.9, centered=True), 10000),
    "Adadelta": (lambda ps: Adadelta(ps, lr=cosine_decay(1.0, 1000), eps=1e-4),
                 lambda ps: Adadelta(ps, lr=cosine_decay(1.0, 20000)), 20000),
    "Ftrl": (lambda ps: Ftrl(ps, lr=0.5), lambda ps: Ftrl(ps, lr=0.5), 20000),
}


@pytest.mark.parametrize("name", list(CONVERGENCE))
def test_converges_on_ill_conditioned_quadratic(name):
    x = descend(CONVERGENCE[name][0], quad_grad, 1000)
    assert np.abs(x).max() < 1e-5, (name, x)


@pytest.mark.parametrize("name", list(CONVERGENCE))
def test_converges_on_rosenbrock(name):
    _, make, steps = CONVERGENCE[name]
    x = descend(make, rosen_grad, steps)
    assert np.abs(x - 1.0).max() < 1e-2, (name, x)


TORCH = {
    "RMSProp-momentum": (lambda ps: RMSProp(ps, lr=0.01, decay=0.9, eps=1e-7, momentum=0.8),
                         lambda torch, ps: torch.optim.RMSprop(ps, lr=0.01, alpha=0.9, eps=1e-7, momentum=0.8)),
    "RMSProp-centered": (lambda ps: RMSProp(ps, lr=0.01, decay=0.9, eps=1e-7, centered=True),
                         lambda torch, ps: torch.optim.RMSprop(ps, lr=0.01, alpha=0.9, eps=1e-7, centered=True)),
    "RMSProp-centered-momentum-L2": (
        lambda ps: RMSProp(ps, lr=0.01, decay=0.95, eps=1e-6, momentum=0.5, centered=True, weight_decay=0.1),
        lambda torch, ps: torch.optim.RMSprop(ps, lr=0.01, alpha=0.95, eps=1e-6, momentum=0.5, centered=True,
                                              weight_decay=0.1)),
    "Adadelta": (lambda ps: Adadelta(ps), lambda torch, ps: torch.optim.Adadelta(ps)),
    "Adadelta-L2": (lambda ps: Adadelta(ps, lr=0.5, rho=0.95, eps=1e-5, weight_decay=0.05),
                    lambda torch, ps: torch.optim.Adadelta(ps, lr=0.5, rho=0.95, eps=1e-5, weight_decay=0.05)),
}


@pytest.mark.parametrize("name", list(TORCH))
def test_trajectory_matches_torch(name):
    torch = pytest.importorskip("torch")
    ours, theirs = TORCH[name]
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    p = nl.tensor(np.array([-1.5, 2.0]), requires_grad=True)
    tp = torch.tensor([-1.5, 2.0], dtype=torch.float64, requires_grad=True)
    opt, topt = ours([p]), theirs(torch, [tp])
    for _ in range(30):
        x = p.numpy()
        p.grad = nl.tensor(A @ x + np.sin(x))
        opt.step()
        with torch.no_grad():
            tp.grad = torch.from_numpy(A) @ tp + torch.sin(tp)
        topt.step()
        np.testing.assert_allclose(p.numpy(), tp.detach().numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("make", [
    lambda ps: RMSProp(ps, lr=0.01, momentum=0.9, centered=True),
    lambda ps: Adadelta(ps, lr=1.0),
    lambda ps: Ftrl(ps, lr=0.1, l1=0.01, l2=0.1, l2_shrinkage=0.05),
], ids=["rmsprop", "adadelta", "ftrl"])
def test_eager_equals_compiled_and_flat_path(make):
    rng = np.random.default_rng(3)
    w0 = [rng.normal(size=(3, 2)), rng.normal(size=(2,)), rng.normal(size=(200000,))]  # gathered, and split
    grads = [[rng.normal(size=w.shape) for w in w0] for _ in range(4)]
    ps = [nl.tensor(w.copy(), requires_grad=True) for w in w0]
    opt = make(ps)
    for gs in grads:
        opt.apply_gradients([nl.tensor(g) for g in gs])
    qs = [nl.tensor(w.copy(), requires_grad=True) for w in w0]
    opt2 = make(qs)
    step = nl.compile(lambda *gs: opt2.apply_gradients(list(gs)))
    for gs in grads:
        step(*gs)
    for p, q in zip(ps, qs):
        np.testing.assert_array_equal(p.numpy(), q.numpy())


def test_rmsprop_variant_is_fixed_at_construction():
    p = nl.tensor(np.ones(2), requires_grad=True)
    opt = RMSProp([p], lr=0.1)
    q = nl.tensor(np.ones(2), requires_grad=True)
    with pytest.raises(ValueError, match="fixed at construction"):
        opt.add_param_group({"params": [q], "momentum": 0.9})
    with pytest.raises(ValueError, match="momentum must be in"):
        RMSProp([q], lr=0.1, momentum=1.5)
    with pytest.raises(ValueError, match="Adadelta: eps must be > 0"):
        Adadelta([q], eps=0.0)


# -- the learning rate of one update ------------------------------------------------------------------

def test_apply_gradients_lr_overrides_every_group_once():
    p = nl.tensor(np.array(X0), requires_grad=True)
    opt = SGD([p], lr=0.1)
    opt.apply_gradients([np.array(G1)], lr=0.5)
    close(p.numpy(), [x - 0.5 * g for x, g in zip(X0, G1)])
    opt.apply_gradients([np.array(G2)], lr=nl.tensor(np.float32(0.25)))
    close(p.numpy(), [x - 0.5 * a - 0.25 * b for x, a, b in zip(X0, G1, G2)], tol=1e-7)
    assert opt.param_groups[0]["lr"] == 0.1  # the group's own lr is untouched
    opt.apply_gradients([np.array(G1)])
    close(p.numpy(), [x - 0.6 * a - 0.25 * b for x, a, b in zip(X0, G1, G2)], tol=1e-7)


def test_symbolic_lr_is_an_input_of_the_update_node():
    # Adam with lr fed per run: lr_t = lr·√(1 − β2^t)/(1 − β1^t) with the fed lr of that run
    p = nl.tensor(np.array(X0), requires_grad=True)
    opt = Adam([p], lr=123.0)
    g = nl.placeholder((3,), dtype=np.float64)
    lr = nl.placeholder((), dtype=np.float64)
    op = opt.apply_gradients([g], lr=lr)
    assert isinstance(op, ApplyUpdates) and op.lr_input and op.inputs[-1] is lr
    nl.run(op, {g: np.array(G1), lr: 0.1})
    close(p.numpy(), [0.9, -1.9, 0.4], tol=1e-6)  # first Adam step: lr·sign(g)
    ref = nl.tensor(np.array(X0), requires_grad=True)
    ropt = Adam([ref], lr=0.1)
    ropt.apply_gradients([np.array(G1)])
    ropt.param_groups[0]["lr"] = 0.02
    ropt.apply_gradients([np.array(G2)])
    nl.run(op, {g: np.array(G2), lr: 0.02})
    np.testing.assert_array_equal(p.numpy(), ref.numpy())


def test_lr_input_must_be_a_scalar():
    p = nl.tensor(np.ones(3), requires_grad=True)
    opt = SGD([p], lr=0.1)
    g = nl.placeholder((3,), dtype=np.float64)
    with pytest.raises(nl.ShapeError, match="learning rate must be a scalar, got shape"):
        opt.apply_gradients([g], lr=nl.placeholder((3,), dtype=np.float64))
    with pytest.raises(nl.ShapeError, match="learning rate must be a scalar"):
        opt.apply_gradients([np.ones(3)], lr=np.ones(2))


# -- LBFGS: SciPy options, bounds and the per-iteration callback (what ScipyOptimizerInterface needs) ------------

def test_lbfgs_scipy_options_bounds_and_callback_match_scipy():
    pytest.importorskip("scipy")
    from scipy.optimize import minimize

    from neuralab.optim import LBFGS

    # f = Σ (x - c)² with c = (2, -3, 0.5), x boxed in [-1, 1] except the last entry (no upper bound)
    c = np.array([2.0, -3.0, 0.5])
    x = nl.tensor(np.zeros(3), requires_grad=True)
    seen = []
    opt = LBFGS([x], scipy_options={"maxiter": 50}, bounds=[([-1.0, -1.0, -1.0], [1.0, 1.0, None])])

    def closure():
        opt.zero_grad()
        loss = ((x - nl.tensor(c)) ** 2).sum()
        loss.backward()
        return loss

    opt.step(closure, callback=lambda xk: seen.append(xk.copy()))
    ref = minimize(lambda v: (((v - c) ** 2).sum(), 2 * (v - c)), np.zeros(3), jac=True, method="L-BFGS-B",
                   bounds=[(-1, 1), (-1, 1), (-1, None)], options={"maxiter": 50})
    np.testing.assert_allclose(x.numpy(), ref.x, atol=1e-12)
    np.testing.assert_allclose(x.numpy(), [1.0, -1.0, 0.5], atol=1e-8)
    assert len(seen) == ref.nit and seen[-1].shape == (3,)
    with pytest.raises(ValueError, match="bounds has 2 entries for 1 parameters"):
        LBFGS([x], bounds=[None, None])
    with pytest.raises(TypeError, match="scipy_options must be a dict"):
        LBFGS([x], scipy_options=[("maxiter", 3)])
