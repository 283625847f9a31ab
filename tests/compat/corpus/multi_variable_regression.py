# ruff: noqa: B007, UP031, UP032  (TF 1.x code as the tutorials of its time write it)
# Multi-variable linear regression: three quiz scores -> final score, matmul on a [None, 3] placeholder.
# The features are scaled to [0, 1] first (the "min-max scaling" fix the tutorials show when GD diverges).
# expect: last("Cost:") < 2.0
# expect: first("Cost:") > 100 * last("Cost:")
# expect: abs(last("Prediction for [100, 70, 101]:") - 151.7) < 3.0
import numpy as np
import tensorflow as tf

tf.set_random_seed(777)


def min_max_scale(data, lo, hi):
    return (data - lo) / (hi - lo + 1e-7)


xy = np.loadtxt("data-scores.csv", delimiter=",", dtype=np.float32)  # the '#' line is skipped
x_data = xy[:, 0:-1]
y_data = xy[:, [-1]]
lo, hi = x_data.min(0), x_data.max(0)
x_scaled = min_max_scale(x_data, lo, hi)

# Make sure the shape and data are OK
print(x_data.shape, x_data, len(x_data))
print(y_data.shape, y_data)

X = tf.placeholder(tf.float32, shape=[None, 3])
Y = tf.placeholder(tf.float32, shape=[None, 1])

W = tf.Variable(tf.random_normal([3, 1]), name="weight")
b = tf.Variable(tf.random_normal([1]), name="bias")

hypothesis = tf.matmul(X, W) + b
cost = tf.reduce_mean(tf.square(hypothesis - Y))

train = tf.train.AdamOptimizer(learning_rate=1.0).minimize(cost)

sess = tf.Session()
sess.run(tf.global_variables_initializer())

for step in range(2001):
    cost_val, hy_val, _ = sess.run([cost, hypothesis, train], feed_dict={X: x_scaled, Y: y_data})
    if step % 500 == 0:
        print(step, "Cost:", cost_val)

test = min_max_scale(np.array([[100, 70, 101]], dtype=np.float32), lo, hi)
print("Prediction for [100, 70, 101]:", sess.run(hypothesis, feed_dict={X: test}))
