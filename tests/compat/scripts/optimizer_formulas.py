# ruff: noqa: UP031  (TF 1.x style)
"""Three steps of RMSProp (momentum, centered) and Adadelta on f(w) = sum(a * w^2) / 2, printed in full.

The gradient is a * w, so each step's value follows TF's update formulas in closed form (the test
computes them). Prints one line "<name> <step> <w values>" per step, and the optimizer's slot names.
"""
import numpy as np
import tensorflow as tf

a = np.array([1.0, 4.0, 0.25])
w0 = np.array([1.0, -0.5, 2.0])

optimizers = {
    "rmsprop_momentum": tf.train.RMSPropOptimizer(0.05, decay=0.9, momentum=0.8, epsilon=1e-6),
    "rmsprop_centered": tf.train.RMSPropOptimizer(0.05, decay=0.8, momentum=0.0, epsilon=1e-6, centered=True),
    "adadelta": tf.train.AdadeltaOptimizer(learning_rate=1.0, rho=0.9, epsilon=1e-4),
}
train_ops, weights = {}, {}
for name, opt in optimizers.items():
    w = tf.Variable(w0, dtype=tf.float64, name=name)
    loss = 0.5 * tf.reduce_sum(a * tf.square(w))
    train_ops[name] = opt.minimize(loss)
    weights[name] = w

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for name in optimizers:
        for step in range(1, 4):
            sess.run(train_ops[name])
            print(name, step, " ".join("%.17g" % v for v in sess.run(weights[name])))
        print(name, "slots", ",".join(optimizers[name].get_slot_names()))
