# ruff: noqa: B007, UP031, UP032  (TF 1.x code as the tutorials of its time write it)
# Eager execution: tf.enable_eager_execution(), tensors with .numpy(), tf.GradientTape for a linear model,
# optimizer.apply_gradients on tf.Variables, a persistent tape for two gradients, tf.data iterated directly.
# expect: has("executing eagerly: True")
# expect: has("x + y = [[2. 3.]\n [4. 5.]]")
# expect: has("dy/dx of x^2 at 3: 6.0 and of x^3: 27.0")
# expect: abs(last("W =") - 3.0) < 0.05 and abs(last("b =") - 2.0) < 0.05
# expect: has("dataset sum: 45")
import numpy as np
import tensorflow as tf

tf.enable_eager_execution()
print("executing eagerly:", tf.executing_eagerly())

x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
print("x + y =", (x + 1).numpy())

v = tf.Variable(3.0)
with tf.GradientTape(persistent=True) as tape:
    y2 = v * v
    y3 = v * v * v
print("dy/dx of x^2 at 3: {} and of x^3: {}".format(tape.gradient(y2, v).numpy(), tape.gradient(y3, v).numpy()))
del tape

NUM_EXAMPLES = 500
rng = np.random.RandomState(0)
inputs = rng.randn(NUM_EXAMPLES).astype(np.float32)
outputs = inputs * 3 + 2 + rng.randn(NUM_EXAMPLES).astype(np.float32) * 0.1

W = tf.Variable(5.0)
b = tf.Variable(0.0)


def loss():
    return tf.reduce_mean(tf.square(inputs * W + b - outputs))


optimizer = tf.train.GradientDescentOptimizer(learning_rate=0.1)
print("Initial loss: {:.3f}".format(loss().numpy()))
for i in range(200):
    with tf.GradientTape() as tape:
        loss_value = loss()
    grads = tape.gradient(loss_value, [W, b])
    optimizer.apply_gradients(zip(grads, [W, b]), global_step=tf.train.get_or_create_global_step())
    if i % 50 == 0:
        print("Loss at step {:03d}: {:.3f}".format(i, loss().numpy()))
print("Final loss: {:.3f}".format(loss().numpy()))
print("W = {}, b = {}".format(W.numpy(), b.numpy()))

total = 0
for batch in tf.data.Dataset.range(10).batch(4):
    total += int(tf.reduce_sum(batch).numpy())
print("dataset sum:", total)
