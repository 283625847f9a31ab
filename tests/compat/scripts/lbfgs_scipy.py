# ruff: noqa: UP031  (TF 1.x style)
"""The lecture's L-BFGS: tf.contrib.opt.ScipyOptimizerInterface minimizing a least-squares and a logistic loss.

Usage: lbfgs_scipy.py. Prints each solution ("<name> <values>") and the number of loss evaluations.
"""
import numpy as np
import tensorflow as tf

rng = np.random.RandomState(1)
X_data = rng.randn(60, 3)
y_reg = X_data @ np.array([0.5, -1.0, 2.0]) + 0.7 + 0.1 * rng.randn(60)
y_cls = (X_data @ np.array([1.0, -2.0, 0.5]) + 0.2 + 0.8 * rng.randn(60) > 0).astype(np.float64)

X = tf.placeholder(tf.float64, [None, 3], name="X")
Y = tf.placeholder(tf.float64, [None], name="Y")

# 1. a quadratic: least squares with an L2 term, L-BFGS from zero
with tf.variable_scope("quadratic"):
    W = tf.Variable(tf.zeros([3, 1], dtype=tf.float64), name="W")
    b = tf.Variable(tf.zeros([1], dtype=tf.float64), name="b")
    pred = tf.squeeze(tf.matmul(X, W) + b, 1)
    cost = tf.reduce_mean(tf.square(pred - Y)) + 0.01 * tf.reduce_sum(tf.square(W))
quad = tf.contrib.opt.ScipyOptimizerInterface(cost, var_list=[W, b], options={"maxiter": 100})

# 2. logistic regression (float32 variables, as most programs write them) with box bounds on the bias
with tf.variable_scope("logistic"):
    W2 = tf.Variable(tf.zeros([3]), name="W")
    b2 = tf.Variable(0.0, name="b")
    logits = tf.reduce_sum(tf.cast(X, tf.float32) * W2, 1) + b2
    xent = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.cast(Y, tf.float32), logits=logits))
logistic = tf.contrib.opt.ScipyOptimizerInterface(xent, var_list=[W2, b2], var_to_bounds={b2: (0.0, 0.1)},
                                                  method="L-BFGS-B", options={"maxiter": 200})

evals, steps = [], []
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    quad.minimize(sess, feed_dict={X: X_data, Y: y_reg}, fetches=[cost], loss_callback=evals.append,
                  step_callback=lambda xk: steps.append(xk.copy()))
    print("quadratic", " ".join("%.12g" % v for v in np.concatenate([sess.run(W).ravel(), sess.run(b)])))
    print("quadratic evaluations %d iterations %d" % (len(evals), len(steps)))
    print("quadratic cost %.12g" % sess.run(cost, {X: X_data, Y: y_reg}))
    logistic.minimize(sess, feed_dict={X: X_data, Y: y_cls})
    print("logistic", " ".join("%.8g" % v for v in np.concatenate([sess.run(W2), [sess.run(b2)]])))
