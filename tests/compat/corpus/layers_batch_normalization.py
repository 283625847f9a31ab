# ruff: noqa: B007, UP031, UP032  (TF 1.x code as the tutorials of its time write it)
# tf.layers.batch_normalization(training=...) in a small CNN, UPDATE_OPS, and checking that inference with
# training=False uses the moving statistics: the same example alone or in a batch gives the same output.
# expect: has("inference independent of the batch: True")
# expect: has("training depends on the batch: True")
# expect: last("accuracy") > 0.75
import numpy as np
import tensorflow as tf
from tensorflow.examples.tutorials.mnist import input_data

mnist = input_data.read_data_sets("MNIST_data/", one_hot=False)
tf.set_random_seed(8)

images = tf.placeholder(tf.float32, [None, 784])
labels = tf.placeholder(tf.int32, [None])
training = tf.placeholder_with_default(False, shape=(), name="training")

net = tf.reshape(images, [-1, 28, 28, 1])
net = tf.layers.conv2d(net, 8, 5, strides=2, padding="same", use_bias=False)
net = tf.layers.batch_normalization(net, training=training, momentum=0.9)
net = tf.nn.relu(net)
net = tf.layers.flatten(net)
logits = tf.layers.dense(net, 10)

loss = tf.losses.sparse_softmax_cross_entropy(labels, logits)
update_ops = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
with tf.control_dependencies(update_ops):
    train_op = tf.train.AdamOptimizer(0.01).minimize(loss)
acc = tf.reduce_mean(tf.cast(tf.equal(tf.cast(tf.argmax(logits, 1), tf.int32), labels), tf.float32))

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(150):
        bx, by = mnist.train.next_batch(64)
        sess.run(train_op, {images: bx, labels: by, training: True})
    one = sess.run(logits, {images: mnist.test.images[:1]})
    many = sess.run(logits, {images: mnist.test.images[:50]})
    print("inference independent of the batch:", bool(np.allclose(one[0], many[0], atol=1e-5)))
    t_one = sess.run(logits, {images: mnist.test.images[:2], training: True})
    t_many = sess.run(logits, {images: mnist.test.images[:50], training: True})
    print("training depends on the batch:", not np.allclose(t_one[0], t_many[0], atol=1e-5))
    print("accuracy", sess.run(acc, {images: mnist.test.images, labels: mnist.test.labels}))
