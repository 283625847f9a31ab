# ruff: noqa: B007, UP031, UP032  (TF 1.x code as the tutorials of its time write it)
# Training that resumes: Saver(max_to_keep=2) every 50 steps, a second run restores the latest checkpoint
# (tf.train.get_checkpoint_state) and continues from its global_step; ExponentialMovingAverage shadows.
# expect: has("kept checkpoints: ['ckpt/model-100', 'ckpt/model-150']")
# expect: has("resumed at step 150")
# expect: has("final step 200")
# expect: abs(last("w") - 4.0) < 0.01
# expect: has("ema follows w: True")
import os

import tensorflow as tf


def build():
    w = tf.Variable(0.0, name="w")
    step = tf.train.get_or_create_global_step()
    loss = tf.square(w - 4.0)
    train = tf.train.GradientDescentOptimizer(0.05).minimize(loss, global_step=step)
    ema = tf.train.ExponentialMovingAverage(decay=0.9)
    with tf.control_dependencies([train]):
        train_and_average = ema.apply([w])
    return w, step, train_and_average, ema


w, step, train_op, ema = build()
saver = tf.train.Saver(max_to_keep=2)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for i in range(150):
        sess.run(train_op)
        if sess.run(step) % 50 == 0:
            saver.save(sess, os.path.join("ckpt", "model"), global_step=step)
    print("kept checkpoints:", saver.last_checkpoints)

tf.reset_default_graph()
w, step, train_op, ema = build()
saver = tf.train.Saver()
with tf.Session() as sess:
    ckpt = tf.train.get_checkpoint_state("ckpt")
    if ckpt and ckpt.model_checkpoint_path:
        saver.restore(sess, ckpt.model_checkpoint_path)
        print("resumed at step", sess.run(step))
    else:
        sess.run(tf.global_variables_initializer())
    for i in range(50):
        sess.run(train_op)
    print("final step", sess.run(step))
    shadow = ema.average(w)
    wv, sv = sess.run([w, shadow])
    print("w %.4f shadow %.4f" % (wv, sv))
    print("ema follows w:", abs(wv - sv) < 0.05)
