# ruff: noqa: B007, UP031, UP032  (TF 1.x code as the tutorials of its time write it)
# tf.contrib.rnn.static_rnn over tf.unstack(x, timesteps, 1) with a BasicLSTMCell: regress the sum of a
# sequence of 8 numbers from the last output (outputs[-1]), weights in dicts as the examples repository writes.
# expect: last("test MSE") < 0.1 * first("MSE")
# expect: has("outputs per step: 8 of shape (?, 32)")
import numpy as np
import tensorflow as tf
from tensorflow.contrib import rnn

timesteps = 8
num_hidden = 32
tf.set_random_seed(21)
rng = np.random.RandomState(21)


def batch(n):
    x = rng.uniform(-1, 1, (n, timesteps, 1)).astype(np.float32)
    return x, x.sum(axis=1)


X = tf.placeholder("float", [None, timesteps, 1])
Y = tf.placeholder("float", [None, 1])
weights = {"out": tf.Variable(tf.random_normal([num_hidden, 1], stddev=0.1))}
biases = {"out": tf.Variable(tf.zeros([1]))}


def RNN(x, weights, biases):
    x = tf.unstack(x, timesteps, 1)
    lstm_cell = rnn.BasicLSTMCell(num_hidden, forget_bias=1.0)
    outputs, states = rnn.static_rnn(lstm_cell, x, dtype=tf.float32)
    print("outputs per step:", len(outputs), "of shape", outputs[-1].shape)
    return tf.matmul(outputs[-1], weights["out"]) + biases["out"]


prediction = RNN(X, weights, biases)
loss_op = tf.reduce_mean(tf.square(prediction - Y))
train_op = tf.train.AdamOptimizer(learning_rate=0.01).minimize(loss_op)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(1, 301):
        bx, by = batch(64)
        sess.run(train_op, feed_dict={X: bx, Y: by})
        if step == 1 or step % 100 == 0:
            print("Step " + str(step) + ", MSE= " + "{:.4f}".format(sess.run(loss_op, feed_dict={X: bx, Y: by})))
    tx, ty = batch(256)
    print("test MSE", sess.run(loss_op, feed_dict={X: tx, Y: ty}))
