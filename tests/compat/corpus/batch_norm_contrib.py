# ruff: noqa: B007, UP031, UP032  (TF 1.x code as the tutorials of its time write it)
# Batch normalization with tf.contrib.layers.batch_norm and an is_training placeholder; the moving averages
# update through tf.GraphKeys.UPDATE_OPS under tf.control_dependencies, as the docs require (decay 0.9: the
# default 0.999 needs thousands of steps before the moving statistics are usable).
# expect: has("update ops: 4")
# expect: last("test accuracy") > 0.8
# expect: has("moving mean changed: True")
import numpy as np
import tensorflow as tf
from tensorflow.examples.tutorials.mnist import input_data

mnist = input_data.read_data_sets("MNIST_data/", one_hot=True)
tf.set_random_seed(6)

x = tf.placeholder(tf.float32, [None, 784])
y = tf.placeholder(tf.float32, [None, 10])
is_training = tf.placeholder(tf.bool, name="is_training")

h = tf.contrib.layers.fully_connected(x, 100, activation_fn=None, scope="fc1")
h = tf.contrib.layers.batch_norm(h, center=True, scale=True, decay=0.9, is_training=is_training, scope="bn1")
h = tf.nn.relu(h)
h = tf.contrib.layers.fully_connected(h, 50, activation_fn=None, scope="fc2")
h = tf.contrib.layers.batch_norm(h, decay=0.9, is_training=is_training, scope="bn2")
h = tf.nn.relu(h)
logits = tf.contrib.layers.fully_connected(h, 10, activation_fn=None, scope="out")

loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=logits))
update_ops = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
print("update ops:", len(update_ops))
with tf.control_dependencies(update_ops):
    train_step = tf.train.AdamOptimizer(0.01).minimize(loss)
accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), tf.argmax(y, 1)), tf.float32))
moving_mean = [v for v in tf.global_variables() if v.name == "bn1/moving_mean:0"][0]

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    before = sess.run(moving_mean)
    for i in range(200):
        bx, by = mnist.train.next_batch(64)
        sess.run(train_step, feed_dict={x: bx, y: by, is_training: True})
    print("moving mean changed:", not np.allclose(before, sess.run(moving_mean)))
    print("test accuracy", sess.run(accuracy, feed_dict={x: mnist.test.images, y: mnist.test.labels,
                                                         is_training: False}))
