# ruff: noqa: B007, UP031, UP032  (TF 1.x code as the tutorials of its time write it)
# tf.contrib.opt.ScipyOptimizerInterface: L-BFGS-B on a least-squares fit, with bounds, and on Rosenbrock.
# expect: abs(last("slope") - 2.0) < 0.01 and abs(last("intercept") - 1.0) < 0.02
# expect: abs(last("rosenbrock x") - 1.0) < 1e-3 and abs(last("rosenbrock y") - 1.0) < 1e-3
# expect: has("bounded w: 0.5")
import numpy as np
import tensorflow as tf

xy = np.loadtxt("data-linear.csv", delimiter=",", dtype=np.float32)
x = tf.constant(xy[:, 0])
y = tf.constant(xy[:, 1])
a = tf.Variable(0.0, name="slope")
c = tf.Variable(0.0, name="intercept")
loss = tf.reduce_mean(tf.square(a * x + c - y))
optimizer = tf.contrib.opt.ScipyOptimizerInterface(loss, options={"maxiter": 100})

p = tf.Variable([-1.2, 1.0], dtype=tf.float64)
rosen = tf.square(1.0 - p[0]) + 100.0 * tf.square(p[1] - tf.square(p[0]))
rosen_opt = tf.contrib.opt.ScipyOptimizerInterface(rosen, method="L-BFGS-B", options={"maxiter": 500, "gtol": 1e-10})

w = tf.Variable(3.0)
bounded = tf.contrib.opt.ScipyOptimizerInterface(tf.square(w), var_to_bounds={w: (0.5, 10.0)})

with tf.Session() as session:
    session.run(tf.global_variables_initializer())
    optimizer.minimize(session)
    print("slope %.4f intercept %.4f" % tuple(session.run([a, c])))
    rosen_opt.minimize(session)
    px, py = session.run(p)
    print("rosenbrock x %.6f rosenbrock y %.6f" % (px, py))
    bounded.minimize(session)
    print("bounded w:", round(float(session.run(w)), 6))
