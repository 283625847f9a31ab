# ruff: noqa: B007, UP031, UP032  (TF 1.x code as written in the lecture notes)
"""Lecture 10-1 "NN for XOR" (2 layers) and "Let's go deep & wide!" (2-5-4-1), trained with gradient descent.

Usage: xor_nn.py [nn|wide_deep] [steps] [seed]. Both reach accuracy 1.0.
"""
import sys

import numpy as np
import tensorflow as tf

kind = sys.argv[1] if len(sys.argv) > 1 else "nn"
steps = int(sys.argv[2]) if len(sys.argv) > 2 else 10001
tf.set_random_seed(int(sys.argv[3]) if len(sys.argv) > 3 else 0)

x_data = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
y_data = np.array([[0], [1], [1], [0]], dtype=np.float32)

X = tf.placeholder(tf.float32, [None, 2])
Y = tf.placeholder(tf.float32, [None, 1])

if kind == "nn":
    W1 = tf.Variable(tf.random_uniform([2, 2], -1.0, 1.0))
    W2 = tf.Variable(tf.random_uniform([2, 1], -1.0, 1.0))

    b1 = tf.Variable(tf.zeros([2]), name="Bias1")
    b2 = tf.Variable(tf.zeros([1]), name="Bias2")

    # Our hypothesis
    L2 = tf.sigmoid(tf.matmul(X, W1) + b1)
    hypothesis = tf.sigmoid(tf.matmul(L2, W2) + b2)
else:
    W1 = tf.Variable(tf.random_uniform([2, 5], -1.0, 1.0))
    W2 = tf.Variable(tf.random_uniform([5, 4], -1.0, 1.0))
    W3 = tf.Variable(tf.random_uniform([4, 1], -1.0, 1.0))

    b1 = tf.Variable(tf.zeros([5]), name="Bias1")
    b2 = tf.Variable(tf.zeros([4]), name="Bias2")
    b3 = tf.Variable(tf.zeros([1]), name="Bias2")

    # Our hypothesis
    L2 = tf.sigmoid(tf.matmul(X, W1) + b1)
    L3 = tf.sigmoid(tf.matmul(L2, W2) + b2)
    hypothesis = tf.sigmoid(tf.matmul(L3, W3) + b3)

cost = -tf.reduce_mean(Y * tf.log(hypothesis) + (1 - Y) * tf.log(1 - hypothesis))
train = tf.train.GradientDescentOptimizer(learning_rate=0.1).minimize(cost)

predicted = tf.cast(hypothesis > 0.5, dtype=tf.float32)
accuracy = tf.reduce_mean(tf.cast(tf.equal(predicted, Y), dtype=tf.float32))

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(steps):
        sess.run(train, feed_dict={X: x_data, Y: y_data})
        if step % max(1, steps // 5) == 0:
            print(step, sess.run(cost, feed_dict={X: x_data, Y: y_data}))
    h, c, a = sess.run([hypothesis, predicted, accuracy], feed_dict={X: x_data, Y: y_data})
    print("\nHypothesis: ", h, "\nCorrect: ", c, "\nAccuracy: ", a)
