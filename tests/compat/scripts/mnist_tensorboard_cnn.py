# ruff: noqa: B007, UP031, UP032  (TF 1.x code as written in the lecture notes)
"""Seed 002 "Tensorboard": the MNIST CNN with cleaned-up name scopes, scalar/image/histogram summaries,
merge -> write every 5 steps, and the hyperparameter search over learning rate and model size.

Usage: mnist_tensorboard_cnn.py DATA_DIR LOGDIR [STEPS] [LEARNING_RATES] [INIT] [MODELS].
LEARNING_RATES is a comma list (the notes try 1E-3,1E-4,1E-5). INIT "zeros" (default)
initializes W and B with tf.zeros as on the slides; "normal" uses truncated_normal(0.1) / 0.1.
MODELS "all" (default) tries one/two conv and fc layers; "small" only conv=1, fc=1.
"""
import os
import sys

import tensorflow as tf
from tensorflow.examples.tutorials.mnist import input_data

data_dir = sys.argv[1] if len(sys.argv) > 1 else "MNIST_data/"
logroot = sys.argv[2] if len(sys.argv) > 2 else "/tmp/mnist_tutorial/"
steps = int(sys.argv[3]) if len(sys.argv) > 3 else 2001
rates = [float(r) for r in (sys.argv[4] if len(sys.argv) > 4 else "1E-3,1E-4,1E-5").split(",")]
init = sys.argv[5] if len(sys.argv) > 5 else "zeros"
sizes = [True, False] if (sys.argv[6] if len(sys.argv) > 6 else "all") == "all" else [False]
mnist = input_data.read_data_sets(data_dir, one_hot=True)


def weight(shape):
    if init == "zeros":
        return tf.Variable(tf.zeros(shape), name="W")
    return tf.Variable(tf.truncated_normal(shape, stddev=0.1), name="W")


def bias(shape):
    if init == "zeros":
        return tf.Variable(tf.zeros(shape), name="B")
    return tf.Variable(tf.constant(0.1, shape=shape), name="B")


def conv_layer(input, channels_in, channels_out, name="conv"):
    with tf.name_scope(name):
        w = weight([5, 5, channels_in, channels_out])
        b = bias([channels_out])
        conv = tf.nn.conv2d(input, w, strides=[1, 1, 1, 1], padding="SAME")
        act = tf.nn.relu(conv + b)
        tf.summary.histogram("weights", w)
        tf.summary.histogram("biases", b)
        tf.summary.histogram("activations", act)
        return tf.nn.max_pool(act, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="SAME")


def fc_layer(input, channels_in, channels_out, name="fc"):
    with tf.name_scope(name):
        w = weight([channels_in, channels_out])
        b = bias([channels_out])
        act = tf.nn.relu(tf.matmul(input, w) + b)
        tf.summary.histogram("weights", w)
        tf.summary.histogram("biases", b)
        tf.summary.histogram("activations", act)
        return act


def mnist_model(learning_rate, use_two_fc, use_two_conv, hparam):
    tf.reset_default_graph()
    tf.set_random_seed(1)
    sess = tf.Session()

    # Setup placeholders, and reshape the data
    x = tf.placeholder(tf.float32, shape=[None, 784], name="x")
    x_image = tf.reshape(x, [-1, 28, 28, 1])
    tf.summary.image('input', x_image, 3)
    y = tf.placeholder(tf.float32, shape=[None, 10], name="labels")

    if use_two_conv:
        conv1 = conv_layer(x_image, 1, 32, "conv1")
        conv_out = conv_layer(conv1, 32, 64, "conv2")
    else:
        conv1 = conv_layer(x_image, 1, 64, "conv")
        conv_out = tf.nn.max_pool(conv1, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="SAME")

    flattened = tf.reshape(conv_out, [-1, 7 * 7 * 64])

    if use_two_fc:
        fc1 = fc_layer(flattened, 7 * 7 * 64, 1024, "fc1")
        logits = fc_layer(fc1, 1024, 10, "fc2")
    else:
        logits = fc_layer(flattened, 7 * 7 * 64, 10, "fc")

    with tf.name_scope("xent"):
        xent = tf.reduce_mean(
            tf.nn.softmax_cross_entropy_with_logits(logits=logits, labels=y))
        tf.summary.scalar('cross_entropy', xent)

    with tf.name_scope("train"):
        train_step = tf.train.AdamOptimizer(learning_rate).minimize(xent)

    with tf.name_scope("accuracy"):
        correct_prediction = tf.equal(tf.argmax(logits, 1), tf.argmax(y, 1))
        accuracy = tf.reduce_mean(tf.cast(correct_prediction, tf.float32))
        tf.summary.scalar('accuracy', accuracy)

    merged_summary = tf.summary.merge_all()

    sess.run(tf.global_variables_initializer())
    writer = tf.summary.FileWriter(os.path.join(logroot, hparam))
    writer.add_graph(sess.graph)

    for i in range(steps):
        batch = mnist.train.next_batch(100)
        if i % 5 == 0:
            s = sess.run(merged_summary, feed_dict={x: batch[0], y: batch[1]})
            writer.add_summary(s, i)
        sess.run(train_step, feed_dict={x: batch[0], y: batch[1]})
    writer.close()
    print(hparam, "accuracy:", sess.run(accuracy, feed_dict={x: mnist.test.images, y: mnist.test.labels}))


def make_hparam_string(learning_rate, use_two_fc, use_two_conv):
    conv_param = "conv=2" if use_two_conv else "conv=1"
    fc_param = "fc=2" if use_two_fc else "fc=1"
    return "lr_%.0E,%s,%s" % (learning_rate, conv_param, fc_param)


# Try a few learning rates
for learning_rate in rates:
    # Try a model with fewer layers
    for use_two_fc in sizes:
        for use_two_conv in sizes:
            # Construct a hyperparameter string for each one (example: "lr_1E-3,fc=2,conv=2")
            hparam_str = make_hparam_string(learning_rate, use_two_fc, use_two_conv)
            # Actually run with the new settings
            mnist_model(learning_rate, use_two_fc, use_two_conv, hparam_str)
