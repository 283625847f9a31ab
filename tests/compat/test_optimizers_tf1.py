"""tf.train optimizers through neuralab.compat.v1: TF's update formulas, learning rates the graph computes, slots.

Each expected value is a closed form written out from TF 1.x's update rule
(the rule is quoted above each test). The same programs were run by hand on
TensorFlow 2.21's ``tf.compat.v1``; its numbers agree to ~1e-9 (TF rounds a
Python learning rate to float32 first), and a few are kept as a second check.
"""
import math

import numpy as np
import pytest

import neuralab.compat.v1 as tf

X0 = np.array([1.0, -2.0, 0.5])
G1 = np.array([0.5, -1.0, 2.0])
G2 = np.array([1.0, 1.0, -1.0])


def two_steps(make, grads=(G1, G2)):
    """Apply ``grads`` one after the other to a float64 variable starting at X0; returns (values, slots, names)."""
    with tf.Graph().as_default():
        w = tf.Variable(X0, dtype=tf.float64)
        g = tf.placeholder(tf.float64, [3])
        opt = make()
        op = opt.apply_gradients([(g, w)])
        out = []
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for gg in grads:
                sess.run(op, {g: gg})
                out.append(sess.run(w))
            slots = {n: sess.run(opt.get_slot(w, n)) for n in opt.get_slot_names()}
            names = [v.name for v in opt.variables()]
    return out, slots, names


def test_rmsprop_momentum_tf_formula():
    # TF: ms = d ms + (1-d) g²  (ms starts at 1);  mom = ρ mom + lr g / √(ms + ε);  var -= mom
    lr, d, rho, eps = 0.01, 0.9, 0.9, 1e-3
    (x1, x2), slots, names = two_steps(lambda: tf.train.RMSPropOptimizer(lr, decay=d, momentum=rho, epsilon=eps))
    ms1 = d * 1.0 + (1 - d) * G1 ** 2
    mom1 = lr * G1 / np.sqrt(ms1 + eps)
    ms2 = d * ms1 + (1 - d) * G2 ** 2
    mom2 = rho * mom1 + lr * G2 / np.sqrt(ms2 + eps)
    np.testing.assert_allclose(x1, X0 - mom1, rtol=0, atol=1e-15)
    np.testing.assert_allclose(x2, X0 - mom1 - mom2, rtol=0, atol=1e-15)
    np.testing.assert_allclose(slots["rms"], ms2, rtol=0, atol=1e-15)
    np.testing.assert_allclose(slots["momentum"], mom2, rtol=0, atol=1e-15)
    assert names == ["Variable/RMSProp:0", "Variable/RMSProp_1:0"]  # rms, momentum (TF's names)
    np.testing.assert_allclose(x2, [0.9797776463635817, -1.9910044970673881, 0.4755546817234145], atol=1e-8)  # TF


def test_rmsprop_centered_tf_formula():
    # TF: mg = d mg + (1-d) g;  mom = ρ mom + lr g / √(ms - mg² + ε);  var -= mom
    lr, d, rho, eps = 0.01, 0.9, 0.5, 1e-3
    (x1, x2), slots, names = two_steps(lambda: tf.train.RMSPropOptimizer(lr, decay=d, momentum=rho, epsilon=eps,
                                                                          centered=True))
    ms1, mg1 = d + (1 - d) * G1 ** 2, (1 - d) * G1
    mom1 = lr * G1 / np.sqrt(ms1 - mg1 ** 2 + eps)
    ms2, mg2 = d * ms1 + (1 - d) * G2 ** 2, d * mg1 + (1 - d) * G2
    mom2 = rho * mom1 + lr * G2 / np.sqrt(ms2 - mg2 ** 2 + eps)
    np.testing.assert_allclose(x1, X0 - mom1, rtol=0, atol=1e-15)
    np.testing.assert_allclose(x2, X0 - mom1 - mom2, rtol=0, atol=1e-15)
    np.testing.assert_allclose(slots["mg"], mg2, rtol=0, atol=1e-15)
    assert sorted(slots) == ["mg", "momentum", "rms"] and len(names) == 3
    np.testing.assert_allclose(x2, [0.9817269191511714, -1.9949275440436334, 0.48217696639411034], atol=1e-8)  # TF


def test_rmsprop_plain_has_epsilon_inside_the_root():
    # momentum = 0: var -= lr g / √(ms + ε); the default ε = 1e-10
    (x1, _), slots, _ = two_steps(lambda: tf.train.RMSPropOptimizer(0.1, decay=0.5, epsilon=0.25))
    np.testing.assert_allclose(x1, X0 - 0.1 * G1 / np.sqrt(0.5 + 0.5 * G1 ** 2 + 0.25), rtol=0, atol=1e-15)
    assert list(slots) == ["rms"]


def test_adadelta_tf_formula():
    # TF: accum = ρ accum + (1-ρ) g²;  update = √(accum_update + ε)/√(accum + ε) g;
    #     accum_update = ρ accum_update + (1-ρ) update²;  var -= lr update
    lr, rho, eps = 1.0, 0.95, 1e-3
    (x1, x2), slots, names = two_steps(lambda: tf.train.AdadeltaOptimizer(lr, rho=rho, epsilon=eps))
    a1 = (1 - rho) * G1 ** 2
    u1 = np.sqrt(eps) / np.sqrt(a1 + eps) * G1
    au1 = (1 - rho) * u1 ** 2
    a2 = rho * a1 + (1 - rho) * G2 ** 2
    u2 = np.sqrt(au1 + eps) / np.sqrt(a2 + eps) * G2
    np.testing.assert_allclose(x1, X0 - lr * u1, rtol=0, atol=1e-15)
    np.testing.assert_allclose(x2, X0 - lr * (u1 + u2), rtol=0, atol=1e-15)
    np.testing.assert_allclose(slots["accum_update"], rho * au1 + (1 - rho) * u2 ** 2, rtol=0, atol=1e-15)
    assert names == ["Variable/Adadelta:0", "Variable/Adadelta_1:0"]
    np.testing.assert_allclose(x2, [0.6889000403328971, -2.0017658708950963, 0.44991500988070776], atol=1e-7)  # TF


def test_ftrl_tf_formula():
    # TF: accum' = accum + g² (accum0 = 0.1);  linear += g − (√accum' − √accum)/lr · var;
    #     var = (sign(linear) l1 − linear)/(√accum'/lr + 2 l2) if |linear| > l1 else 0
    lr, l1, l2 = 0.1, 0.01, 0.1
    (x1, x2), slots, names = two_steps(lambda: tf.train.FtrlOptimizer(lr, l1_regularization_strength=l1,
                                                                       l2_regularization_strength=l2))
    acc, lin, w = np.full(3, 0.1), np.zeros(3), X0.copy()
    for g, got in zip((G1, G2), (x1, x2)):
        acc2 = acc + g * g
        lin = lin + g - (np.sqrt(acc2) - np.sqrt(acc)) / lr * w
        w = np.where(np.abs(lin) > l1, (np.sign(lin) * l1 - lin) / (np.sqrt(acc2) / lr + 2 * l2), 0.0)
        acc = acc2
        np.testing.assert_allclose(got, w, rtol=0, atol=1e-15)
    np.testing.assert_allclose(slots["linear"], lin, rtol=0, atol=1e-14)
    assert names == ["Variable/Ftrl:0", "Variable/Ftrl_1:0"]
    np.testing.assert_allclose(x2, [0.2822594475380759, -1.344405903114743, 0.3633826204840819], atol=1e-8)  # TF


@pytest.mark.parametrize("make,slot_names", [
    (lambda: tf.train.GradientDescentOptimizer(0.1), []),
    (lambda: tf.train.MomentumOptimizer(0.1, 0.9), ["momentum"]),
    (lambda: tf.train.AdagradOptimizer(0.1), ["accumulator"]),
    (lambda: tf.train.AdamOptimizer(0.1), ["m", "v"]),
])
def test_slot_names_and_values_follow_tf(make, slot_names):
    (x1, x2), slots, names = two_steps(make)
    assert sorted(slots) == slot_names
    assert len(names) == len(slot_names)
    if slot_names == ["m", "v"]:  # m = β1 m + (1-β1) g;  v = β2 v + (1-β2) g²
        np.testing.assert_allclose(slots["m"], 0.9 * 0.1 * G1 + 0.1 * G2, rtol=1e-14)
        np.testing.assert_allclose(slots["v"], 0.999 * 0.001 * G1 ** 2 + 0.001 * G2 ** 2, rtol=1e-14)
    if slot_names == ["accumulator"]:
        np.testing.assert_allclose(slots["accumulator"], 0.1 + G1 ** 2 + G2 ** 2, rtol=1e-14)


def test_slots_belong_to_the_session_and_variables_initializer_resets_them():
    with tf.Graph().as_default():
        w = tf.Variable(X0, dtype=tf.float64)
        g = tf.placeholder(tf.float64, [3])
        opt = tf.train.AdamOptimizer(0.1)
        op = opt.apply_gradients([(g, w)])
        m = opt.get_slot(w, "m")
        assert m is opt.get_slot(w, "m") and m.name == "Variable/Adam:0"
        assert opt.get_slot(w, "nope") is None
        assert opt.get_slot(tf.Variable(1.0), "m") is None
        s1, s2 = tf.Session(), tf.Session()
        for s in (s1, s2):
            s.run(tf.global_variables_initializer())
        s1.run(op, {g: G1})
        np.testing.assert_allclose(s1.run(m), 0.1 * G1)
        np.testing.assert_array_equal(s2.run(m), np.zeros(3))  # its own slots
        with pytest.raises(tf.errors.FailedPreconditionError):
            tf.Session().run(m)  # no optimizer state in a session that never ran the initializer
        s1.run(tf.variables_initializer(opt.variables()))
        np.testing.assert_array_equal(s1.run(m), np.zeros(3))
        before = s1.run(w)
        s1.run(op, {g: G1})  # step 1 again: Adam's first step is lr·sign(g)
        np.testing.assert_allclose(s1.run(w), before - 0.1 * np.sign(G1), atol=1e-6)


# -- learning rates the graph computes -----------------------------------------------------------------

def _linear_loss(w):
    # d/dw sum(w * c) = c: every step sees the same gradient C, so x_k = x0 - C Σ lr_i (for SGD)
    return tf.reduce_sum(w * tf.constant(C))


C = np.array([1.0, -2.0, 4.0])


def test_placeholder_learning_rate_fed_each_step():
    with tf.Graph().as_default():
        w = tf.Variable(X0)
        lr = tf.placeholder(tf.float64, [])
        train = tf.train.GradientDescentOptimizer(lr).minimize(_linear_loss(w))
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for rate in (0.5, 0.25, 0.125):
                sess.run(train, {lr: rate})
            np.testing.assert_allclose(sess.run(w), X0 - 0.875 * C, rtol=0, atol=1e-15)
            with pytest.raises(tf.errors.InvalidArgumentError, match="placeholder"):
                sess.run(train)  # the learning rate must be fed


def test_variable_learning_rate_assigned_between_steps():
    with tf.Graph().as_default():
        w = tf.Variable(X0)
        lr = tf.Variable(0.5, trainable=False, dtype=tf.float64)
        train = tf.train.MomentumOptimizer(lr, momentum=0.5).minimize(_linear_loss(w))
        halve = tf.assign(lr, lr * 0.5)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(train)  # accum = C;        w -= 0.5 C
            sess.run(halve)
            sess.run(train)  # accum = 1.5 C;    w -= 0.25 * 1.5 C
            np.testing.assert_allclose(sess.run(w), X0 - 0.5 * C - 0.375 * C, rtol=0, atol=1e-15)
            assert tf.trainable_variables() == [w]


def test_exponential_decay_staircase_with_the_global_step():
    # lr_k = 0.1 · 0.5^floor(k / 2) at global step k (TF's tutorial pattern); the step advances with each update
    with tf.Graph().as_default():
        w = tf.Variable(X0)
        step = tf.train.get_or_create_global_step()
        lr = tf.train.exponential_decay(0.1, step, 2, 0.5, staircase=True)
        assert lr.name == "ExponentialDecay:0"
        train = tf.train.GradientDescentOptimizer(lr).minimize(_linear_loss(w), global_step=step)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            rates = []
            for _ in range(5):
                rates.append(float(sess.run(lr)))
                sess.run(train)
            assert sess.run(step) == 5
            want = [0.1 * 0.5 ** (k // 2) for k in range(5)]
            np.testing.assert_allclose(rates, want, rtol=1e-7)
            np.testing.assert_allclose(sess.run(w), X0 - C * sum(np.float32(r) for r in want), rtol=1e-7)


def test_adam_with_a_decayed_learning_rate_uses_it_in_lr_t():
    # TF: lr_t = lr(step) √(1-β2^t)/(1-β1^t);  var -= lr_t m / (√v + ε)
    with tf.Graph().as_default():
        w = tf.Variable(X0)
        step = tf.Variable(0, trainable=False, dtype=tf.int64)
        lr = tf.train.inverse_time_decay(0.1, step, 1, 1.0)  # 0.1 / (1 + step)
        g = tf.placeholder(tf.float64, [3])
        train = tf.train.AdamOptimizer(lr).apply_gradients([(g, w)], global_step=step)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(train, {g: G1})
            sess.run(train, {g: G2})
            x = sess.run(w)
    m, v, x_ref = np.zeros(3), np.zeros(3), X0.copy()
    for t, (gg, rate) in enumerate([(G1, np.float32(0.1)), (G2, np.float32(0.1) / np.float32(2.0))], start=1):
        m = 0.9 * m + 0.1 * gg
        v = 0.999 * v + 0.001 * gg ** 2
        lr_t = float(rate) * math.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)
        x_ref = x_ref - lr_t * m / (np.sqrt(v) + 1e-8)
    np.testing.assert_allclose(x, x_ref, rtol=0, atol=1e-12)


def test_callable_learning_rate_is_called_when_the_update_is_built():
    with tf.Graph().as_default():
        w = tf.Variable(X0)
        train = tf.train.GradientDescentOptimizer(lambda: 0.25).minimize(_linear_loss(w))
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(train)
            np.testing.assert_allclose(sess.run(w), X0 - 0.25 * C)


DECAYS = {
    # name: (builder(step), closed form f(k))
    "exponential": (lambda s: tf.train.exponential_decay(0.1, s, 10, 0.5), lambda k: 0.1 * 0.5 ** (k / 10)),
    "exponential_staircase": (lambda s: tf.train.exponential_decay(0.1, s, 10, 0.5, staircase=True),
                              lambda k: 0.1 * 0.5 ** (k // 10)),
    "natural_exp": (lambda s: tf.train.natural_exp_decay(0.1, s, 10, 0.5), lambda k: 0.1 * math.exp(-0.5 * k / 10)),
    "inverse_time_staircase": (lambda s: tf.train.inverse_time_decay(0.1, s, 10, 0.5, staircase=True),
                               lambda k: 0.1 / (1 + 0.5 * (k // 10))),
    "polynomial": (lambda s: tf.train.polynomial_decay(0.1, s, 20, 0.01, power=2.0),
                   lambda k: (0.1 - 0.01) * (1 - min(k, 20) / 20) ** 2 + 0.01),
    "polynomial_cycle": (lambda s: tf.train.polynomial_decay(0.1, s, 20, 0.01, power=0.5, cycle=True),
                         lambda k: (0.1 - 0.01) * (1 - k / (20 * max(1, math.ceil(k / 20)))) ** 0.5 + 0.01),
    "cosine": (lambda s: tf.train.cosine_decay(0.1, s, 20, alpha=0.1),
               lambda k: 0.1 * (0.9 * 0.5 * (1 + math.cos(math.pi * min(k, 20) / 20)) + 0.1)),
    "piecewise": (lambda s: tf.train.piecewise_constant(s, [5, 15], [0.1, 0.05, 0.01]),
                  lambda k: 0.1 if k <= 5 else (0.05 if k <= 15 else 0.01)),
}


@pytest.mark.parametrize("name", list(DECAYS))
def test_decay_schedules_equal_their_closed_forms(name):
    build, f = DECAYS[name]
    with tf.Graph().as_default():
        step = tf.train.get_or_create_global_step()
        lr = build(step)
        assert lr.dtype == tf.float32
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for k in (0, 5, 6, 15, 16, 25, 40):
                sess.run(step.assign(k))
                np.testing.assert_allclose(sess.run(lr), f(k), rtol=2e-7, err_msg=f"{name} at step {k}")


def test_decay_argument_errors():
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match="global_step is required"):
            tf.train.exponential_decay(0.1, None, 10, 0.5)
        with pytest.raises(ValueError, match="1 less than the length of values"):
            tf.train.piecewise_constant(tf.train.get_or_create_global_step(), [1, 2], [0.1, 0.2])
        with pytest.raises(TypeError, match="learning_rate must be a number, a tensor"):
            tf.train.AdamOptimizer("fast")
        with pytest.raises(ValueError, match="learning rate must be a scalar"):
            w = tf.Variable(X0)
            tf.train.GradientDescentOptimizer(tf.placeholder(tf.float64, [3])).minimize(_linear_loss(w))
        with pytest.raises(NotImplementedError, match="ProximalGradientDescentOptimizer is not supported"):
            tf.train.ProximalGradientDescentOptimizer(0.1)
        with pytest.raises(NotImplementedError, match="momentum given as a graph tensor is not supported"):
            tf.train.MomentumOptimizer(0.1, tf.placeholder(tf.float32, []))


# -- tf.train.ExponentialMovingAverage ------------------------------------------------------------------

def test_exponential_moving_average_follows_tf(tmp_path):
    # shadow -= (1 - d)(shadow - var), d = min(0.9, (1 + n)/(10 + n)) with n the step after this run's increment
    with tf.Graph().as_default():
        w = tf.Variable([1.0, 2.0], name="w")
        step = tf.Variable(0, trainable=False, name="step")
        ema = tf.train.ExponentialMovingAverage(0.9, num_updates=step)
        move = tf.group(tf.assign_add(w, [1.0, -1.0]), tf.assign_add(step, 1))
        with tf.control_dependencies([move]):
            update = ema.apply([w])
        assert ema.average(w).name == "w/ExponentialMovingAverage:0"
        assert tf.moving_average_variables() == [w] and not ema.average(w).trainable
        saver = tf.train.Saver()
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            np.testing.assert_array_equal(sess.run(ema.average(w)), [1.0, 2.0])  # starts at the initial value
            shadow, value = np.array([1.0, 2.0]), np.array([1.0, 2.0])
            for n in range(1, 4):
                sess.run(update)
                value = value + [1.0, -1.0]
                d = min(0.9, (1 + n) / (10 + n))
                shadow = shadow - (1 - d) * (shadow - value)
                np.testing.assert_allclose(sess.run(ema.average(w)), shadow, rtol=1e-6)
            path = saver.save(sess, str(tmp_path / "ema.ckpt"))
        assert sorted(ema.variables_to_restore()) == ["step", "w/ExponentialMovingAverage"]
    with tf.Graph().as_default():  # evaluation graph: load the averages into the model's variable
        w2 = tf.Variable([0.0, 0.0], name="w")
        ema2 = tf.train.ExponentialMovingAverage(0.9)
        restorer = tf.train.Saver(ema2.variables_to_restore())
        with tf.Session() as sess:
            restorer.restore(sess, path)
            np.testing.assert_allclose(sess.run(w2), shadow, rtol=1e-6)
