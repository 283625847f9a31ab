# ruff: noqa: UP004, UP031  (TF 1.x eager tutorial style)
"""Eager execution: linear regression with tf.GradientTape, as in TF 1.x's eager tutorials.

``tf.enable_eager_execution()`` first; a Model with two Variables; ``tape.gradient`` +
``optimizer.apply_gradients``; then the same fit with ``tfe.implicit_gradients`` and with
``optimizer.minimize(lambda: loss)``. Usage: eager_linear_regression.py [steps].
"""
import sys

import numpy as np
import tensorflow as tf

tf.enable_eager_execution()
tfe = tf.contrib.eager

steps = int(sys.argv[1]) if len(sys.argv) > 1 else 300
print("Executing eagerly:", tf.executing_eagerly())

TRUE_W, TRUE_b = 3.0, 2.0
NUM_EXAMPLES = 1000
inputs = tf.random_normal(shape=[NUM_EXAMPLES], seed=1)
noise = tf.random_normal(shape=[NUM_EXAMPLES], seed=2)
outputs = inputs * TRUE_W + TRUE_b + noise * 0.1


class Model(object):
    def __init__(self):
        self.W = tfe.Variable(5.0)
        self.b = tfe.Variable(0.0)

    def __call__(self, x):
        return self.W * x + self.b


def loss(predicted_y, desired_y):
    return tf.reduce_mean(tf.square(predicted_y - desired_y))


model = Model()
optimizer = tf.train.GradientDescentOptimizer(learning_rate=0.1)
print("Initial loss: %.6f" % loss(model(inputs), outputs).numpy())
for epoch in range(steps):
    with tf.GradientTape() as tape:
        current_loss = loss(model(inputs), outputs)
    dW, db = tape.gradient(current_loss, [model.W, model.b])
    optimizer.apply_gradients(zip([dW, db], [model.W, model.b]))
    if epoch % 100 == 0:
        print("Epoch %2d: W=%1.4f b=%1.4f, loss=%2.6f" % (epoch, model.W.numpy(), model.b.numpy(), current_loss))
print("tape: W = %.5f b = %.5f" % (model.W.numpy(), model.b.numpy()))

# the same with tfe.implicit_gradients and Adam (its moments persist across steps)
model2 = Model()
grad_fn = tfe.implicit_gradients(lambda x, y: loss(model2(x), y))
adam = tf.train.AdamOptimizer(0.1)
for _ in range(steps):
    adam.apply_gradients(grad_fn(inputs, outputs))
print("implicit: W = %.5f b = %.5f" % (model2.W.numpy(), model2.b.numpy()))

# and with minimize on a callable loss, counting steps in a global step
model3 = Model()
step = tf.train.get_or_create_global_step()
momentum = tf.train.MomentumOptimizer(0.05, 0.9)
for _ in range(steps):
    momentum.minimize(lambda: loss(model3(inputs), outputs), global_step=step)
print("minimize: W = %.5f b = %.5f step = %d" % (model3.W.numpy(), model3.b.numpy(), step.numpy()))

# the least-squares solution the three should reach
x, y = inputs.numpy().astype(np.float64), outputs.numpy().astype(np.float64)
A = np.stack([x, np.ones_like(x)], 1)
sol = np.linalg.lstsq(A, y, rcond=None)[0]
print("lstsq: W = %.5f b = %.5f" % (sol[0], sol[1]))

# second derivative with nested tapes, and gradients_function
v = tf.constant(3.0)
with tf.GradientTape() as t2:
    t2.watch(v)
    with tf.GradientTape() as t1:
        t1.watch(v)
        cube = v * v * v
    d1 = t1.gradient(cube, v)
d2 = t2.gradient(d1, v)
print("d/dv v^3 = %.1f d2 = %.1f" % (d1.numpy(), d2.numpy()))
print("gradients_function:", [g.numpy() for g in tfe.gradients_function(lambda p, q: p * p * q)(2.0, 5.0)])
print(tf.constant([[1.0, 2.0]]))
try:
    tf.placeholder(tf.float32, [None, 1])
except RuntimeError as e:
    print("placeholder:", e)
