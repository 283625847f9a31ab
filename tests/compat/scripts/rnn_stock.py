# ruff: noqa: UP031, UP032  (TF 1.x code in the lecture notes' style)
"""Lecture 12 lab "stock prediction": an LSTM reads 7 days of (Open, High, Low, Volume, Close) and predicts the
next day's Close.

Usage: rnn_stock.py CSV_FILE [ITERATIONS]. The CSV is oldest day first with a comment header; every column is
min-max scaled to [0, 1] with the training part's range, the first 70 % of the windows train, the rest test.
Prints the loss every 50 steps and "RMSE: ..." (scaled units) on the test windows at the end.
"""
import sys

import numpy as np
import tensorflow as tf

tf.set_random_seed(777)  # reproducibility


def MinMaxScaler(data, lo, hi):
    """Scale each column to [0, 1] with the given column minima and maxima."""
    return (data - lo) / (hi - lo + 1e-7)


# train Parameters
seq_length = 7
data_dim = 5
hidden_dim = 10
output_dim = 1
learning_rate = 0.01
iterations = int(sys.argv[2]) if len(sys.argv) > 2 else 500

# Open, High, Low, Volume, Close
xy = np.loadtxt(sys.argv[1], delimiter=",")
train_days = int(len(xy) * 0.7)
lo, hi = np.min(xy[:train_days], 0), np.max(xy[:train_days], 0)
xy = MinMaxScaler(xy, lo, hi)
x = xy
y = xy[:, [-1]]  # Close as label

# build a dataset
dataX = []
dataY = []
for i in range(0, len(y) - seq_length):
    _x = x[i:i + seq_length]
    _y = y[i + seq_length]  # Next close price
    dataX.append(_x)
    dataY.append(_y)

# train/test split
train_size = int(len(dataY) * 0.7)
trainX, testX = np.array(dataX[0:train_size]), np.array(dataX[train_size:len(dataX)])
trainY, testY = np.array(dataY[0:train_size]), np.array(dataY[train_size:len(dataY)])

# input place holders
X = tf.placeholder(tf.float32, [None, seq_length, data_dim])
Y = tf.placeholder(tf.float32, [None, 1])

# build a LSTM network
cell = tf.contrib.rnn.BasicLSTMCell(num_units=hidden_dim, state_is_tuple=True, activation=tf.tanh)
outputs, _states = tf.nn.dynamic_rnn(cell, X, dtype=tf.float32)
Y_pred = tf.contrib.layers.fully_connected(outputs[:, -1], output_dim, activation_fn=None)  # We use the last output

# cost/loss
loss = tf.reduce_sum(tf.square(Y_pred - Y))  # sum of the squares
# optimizer
optimizer = tf.train.AdamOptimizer(learning_rate)
train = optimizer.minimize(loss)

# RMSE
targets = tf.placeholder(tf.float32, [None, 1])
predictions = tf.placeholder(tf.float32, [None, 1])
rmse = tf.sqrt(tf.reduce_mean(tf.square(targets - predictions)))

with tf.Session() as sess:
    init = tf.global_variables_initializer()
    sess.run(init)

    # Training step
    for i in range(iterations):
        _, step_loss = sess.run([train, loss], feed_dict={X: trainX, Y: trainY})
        if i % 50 == 0:
            print("[step: {}] loss: {}".format(i, step_loss))

    # Test step
    test_predict = sess.run(Y_pred, feed_dict={X: testX})
    rmse_val = sess.run(rmse, feed_dict={targets: testY, predictions: test_predict})
    naive = np.sqrt(np.mean(np.square(testY[1:] - testY[:-1])))  # tomorrow = today, for comparison
    print("Naive RMSE: %.6f" % naive)
    print("RMSE: %.6f" % rmse_val)
