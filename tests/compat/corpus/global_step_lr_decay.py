# ruff: noqa: B007, UP031, UP032  (TF 1.x code as the tutorials of its time write it)
# A decaying learning rate: global_step, exponential_decay (staircase), minimize(global_step=...), exact values.
# expect: has("lr at steps 0, 10, 20, 25: [0.1, 0.05, 0.025, 0.025]")
# expect: has("global_step after 25 steps: 25")
# expect: has("piecewise: [1.0, 1.0, 0.5, 0.1]")
# expect: has("w after 3 steps matches the closed form: True")
import numpy as np
import tensorflow as tf

global_step = tf.Variable(0, trainable=False, name="global_step")
starter_learning_rate = 0.1
learning_rate = tf.train.exponential_decay(starter_learning_rate, global_step, 10, 0.5, staircase=True)

w = tf.Variable(5.0)
loss = tf.square(w)  # d loss / dw = 2 w
train = tf.train.GradientDescentOptimizer(learning_rate).minimize(loss, global_step=global_step)

step_ph = tf.placeholder(tf.int32, [])
pieces = tf.train.piecewise_constant(step_ph, boundaries=[10, 20], values=[1.0, 0.5, 0.1])

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    seen = []
    ws = [5.0]
    for i in range(25):
        if i in (0, 10, 20):
            seen.append(round(float(sess.run(learning_rate)), 6))
        sess.run(train)
        if i < 3:
            ws.append(float(sess.run(w)))
    seen.append(round(float(sess.run(learning_rate)), 6))
    print("lr at steps 0, 10, 20, 25:", seen)
    print("global_step after 25 steps:", sess.run(global_step))
    print("piecewise:", [round(float(sess.run(pieces, {step_ph: s})), 6) for s in (0, 10, 11, 25)])
    closed = [5.0 * (1 - 2 * 0.1) ** k for k in range(4)]
    print("w after 3 steps matches the closed form:", bool(np.allclose(ws, closed, rtol=1e-6)))
