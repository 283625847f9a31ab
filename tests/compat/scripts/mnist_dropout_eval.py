# ruff: noqa: B007, UP031, UP032  (TF 1.x code as written in the lecture notes)
"""Lecture 10-3 "TensorFlow implementation" of dropout, with the L2 regularization snippet.

``dropout_rate = tf.placeholder("float")`` is fed 0.7 in training and 1 in
evaluation (``accuracy.eval({...})`` in the default session); the cost adds
``l2reg = 0.001 * tf.reduce_sum(tf.square(W))``. Usage: mnist_dropout_eval.py DATA_DIR [EPOCHS].
"""
import sys

import tensorflow as tf
from tensorflow.examples.tutorials.mnist import input_data

tf.set_random_seed(777)
mnist = input_data.read_data_sets(sys.argv[1] if len(sys.argv) > 1 else "MNIST_data/", one_hot=True)
training_epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 15
batch_size = 100

X = tf.placeholder("float", [None, 784])
Y = tf.placeholder("float", [None, 10])

W1 = tf.get_variable("W1", shape=[784, 256], initializer=tf.contrib.layers.xavier_initializer())
B1 = tf.Variable(tf.zeros([256]))
W2 = tf.get_variable("W2", shape=[256, 10], initializer=tf.contrib.layers.xavier_initializer())
B2 = tf.Variable(tf.zeros([10]))

dropout_rate = tf.placeholder("float")
L1 = tf.nn.relu(tf.add(tf.matmul(X, W1), B1))
L1 = tf.nn.dropout(L1, dropout_rate)
hypothesis = tf.add(tf.matmul(L1, W2), B2)

l2reg = 0.001 * tf.reduce_sum(tf.square(W1))
cost = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits=hypothesis, labels=Y)) + l2reg
optimizer = tf.train.AdamOptimizer(learning_rate=0.001).minimize(cost)

correct_prediction = tf.equal(tf.argmax(hypothesis, 1), tf.argmax(Y, 1))
accuracy = tf.reduce_mean(tf.cast(correct_prediction, "float"))

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for epoch in range(training_epochs):
        avg_cost = 0.
        total_batch = int(mnist.train.num_examples / batch_size)
        for i in range(total_batch):
            batch_xs, batch_ys = mnist.train.next_batch(batch_size)
            # TRAIN:
            sess.run(optimizer, feed_dict={X: batch_xs, Y: batch_ys, dropout_rate: 0.7})
            avg_cost += sess.run(cost, feed_dict={X: batch_xs, Y: batch_ys, dropout_rate: 1}) / total_batch
        print("Epoch:", "%04d" % (epoch + 1), "cost =", "{:.9f}".format(avg_cost))
    print("Learning Finished!")
    # EVALUATION:
    print("Accuracy:", accuracy.eval({X: mnist.test.images, Y: mnist.test.labels, dropout_rate: 1}))
