# ruff: noqa: B007, UP031, UP032  (TF 1.x code as written in the lecture notes)
"""Lecture 10-1 "9 hidden layers!": XOR through 10 sigmoid (or ReLU) layers in name scopes.

Usage: xor_deep_9layers.py [sigmoid|relu] [steps]. With sigmoid the gradient
vanishes and the net is stuck at cost 0.6931 / accuracy 0.5 (the notes ran
200,000 steps; the outcome is the same after a few thousand). With ReLU in the
hidden layers it learns XOR: accuracy 1.0.
"""
import sys

import numpy as np
import tensorflow as tf

activation = sys.argv[1] if len(sys.argv) > 1 else "sigmoid"
steps = int(sys.argv[2]) if len(sys.argv) > 2 else 2001
tf.set_random_seed(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
act = tf.sigmoid if activation == "sigmoid" else tf.nn.relu

x_data = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
y_data = np.array([[0], [1], [1], [0]], dtype=np.float32)
X = tf.placeholder(tf.float32, [None, 2], name="x-input")
Y = tf.placeholder(tf.float32, [None, 1], name="y-input")

W1 = tf.Variable(tf.random_uniform([2, 5], -1.0, 1.0), name="Weight1")
W2 = tf.Variable(tf.random_uniform([5, 5], -1.0, 1.0), name="Weight2")
W3 = tf.Variable(tf.random_uniform([5, 5], -1.0, 1.0), name="Weight3")
W4 = tf.Variable(tf.random_uniform([5, 5], -1.0, 1.0), name="Weight4")
W5 = tf.Variable(tf.random_uniform([5, 5], -1.0, 1.0), name="Weight5")
W6 = tf.Variable(tf.random_uniform([5, 5], -1.0, 1.0), name="Weight6")
W7 = tf.Variable(tf.random_uniform([5, 5], -1.0, 1.0), name="Weight7")
W8 = tf.Variable(tf.random_uniform([5, 5], -1.0, 1.0), name="Weight8")
W9 = tf.Variable(tf.random_uniform([5, 5], -1.0, 1.0), name="Weight9")
W10 = tf.Variable(tf.random_uniform([5, 5], -1.0, 1.0), name="Weight10")

W11 = tf.Variable(tf.random_uniform([5, 1], -1.0, 1.0), name="Weight11")

b1 = tf.Variable(tf.zeros([5]), name="Bias1")
b2 = tf.Variable(tf.zeros([5]), name="Bias2")
b3 = tf.Variable(tf.zeros([5]), name="Bias3")
b4 = tf.Variable(tf.zeros([5]), name="Bias4")
b5 = tf.Variable(tf.zeros([5]), name="Bias5")
b6 = tf.Variable(tf.zeros([5]), name="Bias6")
b7 = tf.Variable(tf.zeros([5]), name="Bias7")
b8 = tf.Variable(tf.zeros([5]), name="Bias8")
b9 = tf.Variable(tf.zeros([5]), name="Bias9")
b10 = tf.Variable(tf.zeros([5]), name="Bias10")

b11 = tf.Variable(tf.zeros([1]), name="Bias11")

# Our hypothesis
with tf.name_scope("layer1") as scope:
    L1 = act(tf.matmul(X, W1) + b1)
with tf.name_scope("layer2") as scope:
    L2 = act(tf.matmul(L1, W2) + b2)
with tf.name_scope("layer3") as scope:
    L3 = act(tf.matmul(L2, W3) + b3)
with tf.name_scope("layer4") as scope:
    L4 = act(tf.matmul(L3, W4) + b4)
with tf.name_scope("layer5") as scope:
    L5 = act(tf.matmul(L4, W5) + b5)
with tf.name_scope("layer6") as scope:
    L6 = act(tf.matmul(L5, W6) + b6)
with tf.name_scope("layer7") as scope:
    L7 = act(tf.matmul(L6, W7) + b7)
with tf.name_scope("layer8") as scope:
    L8 = act(tf.matmul(L7, W8) + b8)
with tf.name_scope("layer9") as scope:
    L9 = act(tf.matmul(L8, W9) + b9)
with tf.name_scope("layer10") as scope:
    L10 = act(tf.matmul(L9, W10) + b10)

with tf.name_scope("last") as scope:
    hypothesis = tf.sigmoid(tf.matmul(L10, W11) + b11)

with tf.name_scope("cost") as scope:
    cost = -tf.reduce_mean(Y * tf.log(hypothesis) + (1 - Y) * tf.log(1 - hypothesis))
with tf.name_scope("train") as scope:
    train = tf.train.GradientDescentOptimizer(learning_rate=0.1).minimize(cost)

predicted = tf.cast(hypothesis > 0.5, dtype=tf.float32)
accuracy = tf.reduce_mean(tf.cast(tf.equal(predicted, Y), dtype=tf.float32))

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(steps):
        sess.run(train, feed_dict={X: x_data, Y: y_data})
        if step % max(1, steps // 5) == 0:
            print(step, sess.run([cost, hypothesis], feed_dict={X: x_data, Y: y_data}))
    h, c, a = sess.run([hypothesis, predicted, accuracy], feed_dict={X: x_data, Y: y_data})
    print([h, y_data])
    print("Accuracy:", a)
