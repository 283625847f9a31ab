"""An is_training switch with tf.cond: dropout while training, the plain activations when evaluating.

XOR with a 2-16-1 net; `is_training` is a bool placeholder, so both branches are
in the graph and the fed value picks one when the graph runs. Prints whether two
evaluations agree (no dropout) while two training-mode passes differ (fresh
masks), the gradient of the evaluation branch at a point where the dropout
branch's gradient would not be defined the same way, and the accuracy.
"""
import numpy as np
import tensorflow as tf

tf.set_random_seed(3)
X = tf.placeholder(tf.float32, [None, 2])
Y = tf.placeholder(tf.float32, [None, 1])
is_training = tf.placeholder(tf.bool, [], name="is_training")

W1 = tf.Variable(tf.random_uniform([2, 16], -1.0, 1.0))
b1 = tf.Variable(tf.zeros([16]))
W2 = tf.Variable(tf.random_uniform([16, 1], -1.0, 1.0))
b2 = tf.Variable(tf.zeros([1]))
h = tf.nn.relu(tf.matmul(X, W1) + b1)
h = tf.cond(is_training, lambda: tf.nn.dropout(h, keep_prob=0.8), lambda: h)
logits = tf.matmul(h, W2) + b2
hypothesis = tf.sigmoid(logits)
cost = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=Y, logits=logits))
train = tf.train.AdamOptimizer(0.05).minimize(cost)
predicted = tf.cast(hypothesis > 0.5, tf.float32)
accuracy = tf.reduce_mean(tf.cast(tf.equal(predicted, Y), tf.float32))
print(h)

# a NaN-prone branch that is never taken must not poison the gradient
s = tf.placeholder(tf.float32, [2])
safe = tf.cond(is_training, lambda: tf.sqrt(s), lambda: 3.0 * s)
g_safe = tf.gradients(tf.reduce_sum(safe), s)[0]

x_data = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
y_data = np.array([[0], [1], [1], [0]], dtype=np.float32)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    e1 = sess.run(hypothesis, {X: x_data, is_training: False})
    e2 = sess.run(hypothesis, {X: x_data, is_training: False})
    t1 = sess.run(h, {X: x_data, is_training: True})
    t2 = sess.run(h, {X: x_data, is_training: True})
    print("eval repeats:", bool(np.array_equal(e1, e2)), "train masks differ:", bool(not np.array_equal(t1, t2)))
    print("safe gradient:", sess.run(g_safe, {s: [0.0, 4.0], is_training: False}).tolist())
    for _ in range(1500):
        sess.run(train, {X: x_data, Y: y_data, is_training: True})
    print("Accuracy:", sess.run(accuracy, {X: x_data, Y: y_data, is_training: False}))
