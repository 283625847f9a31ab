# ruff: noqa: UP031  (TF 1.x tutorial style)
"""Linear regression with a decaying learning rate, in the style of TF 1.x tutorials.

``learning_rate = tf.train.exponential_decay(starter, global_step, decay_steps, 0.96, staircase=True)``
drives a MomentumOptimizer; ``minimize(..., global_step=global_step)`` advances the step. A second model
is trained with a learning rate fed through a placeholder each step (halved every 100 steps), a third with
RMSProp (centered, with momentum) on a piecewise-constant rate held in a Variable that the loop assigns.

Usage: lr_decay_training.py [steps]. Prints the learned weights and the rates reached.
"""
import sys

import numpy as np
import tensorflow as tf

steps = int(sys.argv[1]) if len(sys.argv) > 1 else 300
tf.set_random_seed(777)

rng = np.random.RandomState(0)
x_data = rng.uniform(-1, 1, size=(100, 1)).astype(np.float32)
y_data = 3.0 * x_data + 2.0

X = tf.placeholder(tf.float32, shape=[None, 1], name="X")
Y = tf.placeholder(tf.float32, shape=[None, 1], name="Y")


def model(scope):
    with tf.variable_scope(scope):
        W = tf.Variable(tf.random_normal([1, 1]), name="weight")
        b = tf.Variable(tf.random_normal([1]), name="bias")
        hypothesis = tf.matmul(X, W) + b
        cost = tf.reduce_mean(tf.square(hypothesis - Y))
    return W, b, cost


# 1. exponential decay of the global step (staircase)
global_step = tf.Variable(0, trainable=False, name="global_step")
starter_learning_rate = 0.1
learning_rate = tf.train.exponential_decay(starter_learning_rate, global_step, 100, 0.96, staircase=True)
W1, b1, cost1 = model("decay")
train1 = tf.train.MomentumOptimizer(learning_rate, 0.9).minimize(cost1, global_step=global_step)

# 2. a learning rate fed each step
lr_ph = tf.placeholder(tf.float32, shape=[], name="learning_rate")
W2, b2, cost2 = model("fed")
train2 = tf.train.GradientDescentOptimizer(lr_ph).minimize(cost2)

# 3. a Variable rate assigned from a piecewise-constant schedule of a second step counter
step2 = tf.Variable(0, trainable=False, name="step2")
schedule = tf.train.piecewise_constant(step2, [100, 200], [0.01, 0.005, 0.001])
lr_var = tf.Variable(0.01, trainable=False, name="lr_var")
update_lr = tf.assign(lr_var, schedule)
W3, b3, cost3 = model("rmsprop")
train3 = tf.train.RMSPropOptimizer(lr_var, decay=0.9, momentum=0.5, centered=True).minimize(cost3,
                                                                                           global_step=step2)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(steps):
        feed = {X: x_data, Y: y_data}
        sess.run(train1, feed_dict=feed)
        feed[lr_ph] = 0.5 * 0.5 ** (step // 100)
        sess.run(train2, feed_dict=feed)
        sess.run(update_lr)
        sess.run(train3, feed_dict={X: x_data, Y: y_data})
        if step % 100 == 0:
            print(step, sess.run([cost1, cost2, cost3], feed_dict={X: x_data, Y: y_data}))
    print("decay: W = %.6f b = %.6f" % (sess.run(W1)[0, 0], sess.run(b1)[0]))
    print("fed: W = %.6f b = %.6f" % (sess.run(W2)[0, 0], sess.run(b2)[0]))
    print("rmsprop: W = %.6f b = %.6f" % (sess.run(W3)[0, 0], sess.run(b3)[0]))
    print("global_step = %d step2 = %d" % (sess.run(global_step), sess.run(step2)))
    print("learning_rate = %.9g lr_var = %.9g" % (sess.run(learning_rate), sess.run(lr_var)))
