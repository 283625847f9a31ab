# ruff: noqa: B007, UP031, UP032  (TF 1.x code in the tutorials' style)
"""MNIST by rows: an LSTM reads each 28x28 image as 28 steps of 28 pixels and classifies it from its last output.

Usage: rnn_mnist_rows.py DATA_DIR [EPOCHS] [static]. With "static" the rows go through tf.nn.static_rnn as a
list of 28 tensors (tf.unstack), else through tf.nn.dynamic_rnn. Prints the cost per epoch and "Accuracy: ...".
"""
import sys

import tensorflow as tf
from tensorflow.examples.tutorials.mnist import input_data

tf.set_random_seed(777)  # reproducibility
mnist = input_data.read_data_sets(sys.argv[1] if len(sys.argv) > 1 else "MNIST_data/", one_hot=True)
training_epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
static = len(sys.argv) > 3 and sys.argv[3] == "static"

learning_rate = 0.01
batch_size = 50
n_steps = 28  # timesteps: the rows
n_input = 28  # pixels per row
n_hidden = 64
n_classes = 10

X = tf.placeholder(tf.float32, [None, n_steps, n_input])
Y = tf.placeholder(tf.float32, [None, n_classes])

cell = tf.nn.rnn_cell.LSTMCell(n_hidden)
if static:
    rows = tf.unstack(X, n_steps, 1)
    outputs, states = tf.nn.static_rnn(cell, rows, dtype=tf.float32)
    last = outputs[-1]
else:
    outputs, states = tf.nn.dynamic_rnn(cell, X, dtype=tf.float32)
    last = outputs[:, -1]
logits = tf.layers.dense(last, n_classes)

cost = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(logits=logits, labels=Y))
optimizer = tf.train.AdamOptimizer(learning_rate=learning_rate).minimize(cost)
correct = tf.equal(tf.argmax(logits, 1), tf.argmax(Y, 1))
accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    total_batch = int(mnist.train.num_examples / batch_size)
    for epoch in range(training_epochs):
        avg_cost = 0
        for i in range(total_batch):
            batch_xs, batch_ys = mnist.train.next_batch(batch_size)
            batch_xs = batch_xs.reshape((batch_size, n_steps, n_input))
            c, _ = sess.run([cost, optimizer], feed_dict={X: batch_xs, Y: batch_ys})
            avg_cost += c / total_batch
        print("Epoch:", "%04d" % (epoch + 1), "cost =", "{:.9f}".format(avg_cost))
    test_xs = mnist.test.images.reshape((-1, n_steps, n_input))
    print("Accuracy:", sess.run(accuracy, feed_dict={X: test_xs, Y: mnist.test.labels}))
    print("State:", states.c.shape, states.h.shape, "Output:", last.shape)
