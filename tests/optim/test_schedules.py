"""Learning-rate schedules: pure functions, schedulers on optimizers, compiled steps without retracing."""
import math

import numpy as np
import pytest

import neuralab as nl
from neuralab.optim import (
    SGD, Adam, CosineAnnealingLR, ExponentialLR, StepLR, WarmupLR, constant, cosine_decay, exponential_decay,
    linear_warmup, step_decay,
)


@pytest.fixture
def rng():
    """A seeded generator (local, so these tests do not depend on other suites' fixtures)."""
    return np.random.default_rng(0)


def _opt(lr=0.1, groups=False):
    a = nl.tensor(np.zeros(2), requires_grad=True)
    if groups:
        c = nl.tensor(np.zeros(1), requires_grad=True)
        return SGD([{"params": [a]}, {"params": [c], "lr": 1.0}], lr=lr)
    return SGD([a], lr=lr)


def _lrs(sched, n):
    out = [sched.get_lr()[0]]
    for _ in range(n):
        sched.step()
        out.append(sched.optimizer.param_groups[0]["lr"])
    return out


def test_pure_functions():
    assert [step_decay(1.0, 2, 0.5)(t) for t in range(5)] == [1.0, 1.0, 0.5, 0.5, 0.25]
    assert exponential_decay(2.0, 0.5)(3) == 0.25
    f = cosine_decay(1.0, 4, eta_min=0.2)
    assert f(0) == pytest.approx(1.0)
    assert f(2) == pytest.approx(0.6)          # 0.2 + 0.8·(1 + cos(π/2))/2
    assert f(4) == pytest.approx(0.2) and f(10) == pytest.approx(0.2)
    w = linear_warmup(1.0, 4, after=exponential_decay(1.0, 0.5))
    assert [w(t) for t in range(7)] == [0.25, 0.5, 0.75, 1.0, 1.0, 0.5, 0.25]
    assert constant(3.0)(100) == 3.0


def test_step_lr():
    assert _lrs(StepLR(_opt(), step_size=2, gamma=0.5), 5) == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025, 0.025])


def test_exponential_lr_applies_to_every_group():
    opt = _opt(groups=True)
    s = ExponentialLR(opt, gamma=0.9)
    s.step()
    s.step()
    assert [g["lr"] for g in opt.param_groups] == pytest.approx([0.1 * 0.81, 0.81])
    assert s.get_lr() == pytest.approx([0.1 * 0.81, 0.81])


def test_cosine_annealing_lr():
    lrs = _lrs(CosineAnnealingLR(_opt(1.0), T_max=4), 6)
    want = [(1 + math.cos(math.pi * min(t, 4) / 4)) / 2 for t in range(7)]
    assert lrs == pytest.approx(want)


def test_warmup_then_step_lr():
    opt = _opt(1.0)
    after = StepLR(opt, step_size=2, gamma=0.1)
    s = WarmupLR(opt, warmup_steps=3, after=after)
    assert _lrs(s, 6) == pytest.approx([1 / 3, 2 / 3, 1.0, 1.0, 1.0, 0.1, 0.1])
    assert after.t == 3


def test_scheduler_state_dict_round_trip():
    opt = _opt(1.0)
    s = WarmupLR(opt, 2, after=ExponentialLR(opt, 0.5))
    for _ in range(4):
        s.step()
    snap = s.state_dict()
    assert snap["t"] == 4 and snap["base_lrs"] == [1.0] and snap["after"]["t"] == 2
    opt2 = _opt(1.0)
    s2 = WarmupLR(opt2, 2, after=ExponentialLR(opt2, 0.5))
    s2.load_state_dict(snap)
    assert opt2.param_groups[0]["lr"] == opt.param_groups[0]["lr"] == pytest.approx(0.25)
    s.step()
    s2.step()
    assert opt2.param_groups[0]["lr"] == opt.param_groups[0]["lr"]


def test_scheduler_validation():
    with pytest.raises(ValueError, match="step_size"):
        StepLR(_opt(), step_size=0)
    with pytest.raises(ValueError, match="gamma"):
        ExponentialLR(_opt(), gamma=-1.0)
    with pytest.raises(ValueError, match="T_max"):
        CosineAnnealingLR(_opt(), T_max=0)
    with pytest.raises(ValueError, match="warmup_steps"):
        WarmupLR(_opt(), warmup_steps=0)
    with pytest.raises(ValueError, match="same optimizer"):
        WarmupLR(_opt(), 2, after=StepLR(_opt(), 1))
    a = nl.tensor(np.zeros(2), requires_grad=True)
    with pytest.raises(ValueError, match="schedule function"):
        StepLR(SGD([a], lr=constant(0.1)), 1)


def test_lr_function_in_the_optimizer_counts_updates():
    a = nl.tensor(np.array([0.0]), requires_grad=True)
    opt = SGD([a], lr=step_decay(1.0, 1, 0.5))  # lr(t) = 0.5^t for the t-th update (from 0)
    for _ in range(3):
        a.grad = nl.tensor(np.array([1.0]))
        opt.step()
    np.testing.assert_allclose(a.numpy(), [-(1.0 + 0.5 + 0.25)])


@pytest.mark.parametrize("via", ["scheduler", "function"])
def test_compiled_update_reads_the_current_lr_without_retracing(via, rng):
    data = [(rng.standard_normal((4, 3)), rng.standard_normal((4, 1))) for _ in range(6)]
    w0 = rng.standard_normal((3, 1))

    def loss_fn(x, y, w):
        d = nl.matmul(x, w) - y
        return (d * d).mean()

    def make(w):
        if via == "function":
            return Adam([w], lr=step_decay(0.1, 2, 0.1)), None
        opt = Adam([w], lr=0.1)
        return opt, StepLR(opt, step_size=2, gamma=0.1)

    # eager reference
    w = nl.tensor(w0.copy(), requires_grad=True)
    opt, sched = make(w)
    for x, y in data:
        loss_fn(nl.tensor(x), nl.tensor(y), w).backward()
        opt.step()
        opt.zero_grad()
        if sched is not None:
            sched.step()

    w2 = nl.tensor(w0.copy(), requires_grad=True)
    opt2, sched2 = make(w2)

    @nl.compile
    def step(x, y):
        loss = loss_fn(x, y, w2)
        opt2.apply_gradients(nl.gradients(loss, [w2]))
        return loss

    for x, y in data:
        step(x, y)
        if sched2 is not None:
            sched2.step()
    assert step.trace_count == 1
    np.testing.assert_array_equal(w2.numpy(), w.numpy())

    # and the schedule matters: a constant lr gives another result
    w3 = nl.tensor(w0.copy(), requires_grad=True)
    opt3 = Adam([w3], lr=0.1)
    for x, y in data:
        loss_fn(nl.tensor(x), nl.tensor(y), w3).backward()
        opt3.step()
        opt3.zero_grad()
    assert not np.allclose(w3.numpy(), w.numpy())
