# ruff: noqa: B007, UP031, UP032  (TF 1.x code as the tutorials of its time write it)
# Train, tf.train.Saver().save() with a global step, then a new graph restores from latest_checkpoint.
# expect: has("checkpoint: model/softmax.ckpt-300")
# expect: has("restored accuracy equals trained accuracy: True")
# expect: has("restored W equals trained W: True")
# expect: last("trained accuracy") > 0.8
# expect: len(files("softmax.ckpt-300*")) >= 1 and len(files("checkpoint")) == 1
import os

import numpy as np
import tensorflow as tf
from tensorflow.examples.tutorials.mnist import input_data

mnist = input_data.read_data_sets("MNIST_data/", one_hot=True)
ckpt_dir = "model"
if not os.path.exists(ckpt_dir):
    os.makedirs(ckpt_dir)


def build():
    x = tf.placeholder(tf.float32, [None, 784], name="x")
    y = tf.placeholder(tf.float32, [None, 10], name="y")
    W = tf.Variable(tf.zeros([784, 10]), name="W")
    b = tf.Variable(tf.zeros([10]), name="b")
    logits = tf.matmul(x, W) + b
    acc = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), tf.argmax(y, 1)), tf.float32))
    return x, y, W, logits, acc


x, y, W, logits, accuracy = build()
global_step = tf.Variable(0, trainable=False, name="global_step")
cost = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=logits))
train_op = tf.train.GradientDescentOptimizer(0.5).minimize(cost, global_step=global_step)
saver = tf.train.Saver()

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for i in range(300):
        bx, by = mnist.train.next_batch(100)
        sess.run(train_op, feed_dict={x: bx, y: by})
    trained_acc = sess.run(accuracy, feed_dict={x: mnist.test.images, y: mnist.test.labels})
    trained_W = sess.run(W)
    path = saver.save(sess, os.path.join(ckpt_dir, "softmax.ckpt"), global_step=global_step)
    print("trained accuracy", trained_acc)
    print("checkpoint:", path)

tf.reset_default_graph()
x, y, W, logits, accuracy = build()
saver = tf.train.Saver({"W": W, "b": tf.global_variables()[1]})
with tf.Session() as sess:
    latest = tf.train.latest_checkpoint(ckpt_dir)
    saver.restore(sess, latest)
    restored_acc = sess.run(accuracy, feed_dict={x: mnist.test.images, y: mnist.test.labels})
    print("restored accuracy equals trained accuracy:", restored_acc == trained_acc)
    print("restored W equals trained W:", bool(np.array_equal(sess.run(W), trained_W)))
