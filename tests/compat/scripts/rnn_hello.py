# ruff: noqa: UP031  (TF 1.x code in the lecture notes' style)
"""Lecture 12 lab "hello RNN": an LSTM learns to continue "hihello" one character at a time.

Usage: rnn_hello.py [ITERATIONS]. Input "hihell" (one-hot), target "ihello"; a BasicLSTMCell with 5 units,
a fully connected layer to the 5 classes, tf.contrib.seq2seq.sequence_loss, Adam. Prints the loss and the
predicted string every 10 steps and "Prediction: ..." at the end.
"""
import sys

import numpy as np
import tensorflow as tf

tf.set_random_seed(777)  # reproducibility

idx2char = ["h", "i", "e", "l", "o"]
x_data = [[0, 1, 0, 2, 3, 3]]  # hihell
x_one_hot = [[[1, 0, 0, 0, 0],  # h 0
              [0, 1, 0, 0, 0],  # i 1
              [1, 0, 0, 0, 0],  # h 0
              [0, 0, 1, 0, 0],  # e 2
              [0, 0, 0, 1, 0],  # l 3
              [0, 0, 0, 1, 0]]]  # l 3
y_data = [[1, 0, 2, 3, 3, 4]]  # ihello

num_classes = 5
input_dim = 5  # one-hot size
hidden_size = 5  # output from the LSTM: 5 to directly predict one-hot
batch_size = 1  # one sentence
sequence_length = 6  # |ihello| == 6
learning_rate = 0.1
iterations = int(sys.argv[1]) if len(sys.argv) > 1 else 50

X = tf.placeholder(tf.float32, [None, sequence_length, input_dim])  # X one-hot
Y = tf.placeholder(tf.int32, [None, sequence_length])  # Y label

cell = tf.contrib.rnn.BasicLSTMCell(num_units=hidden_size, state_is_tuple=True)
initial_state = cell.zero_state(batch_size, tf.float32)
outputs, _states = tf.nn.dynamic_rnn(cell, X, initial_state=initial_state, dtype=tf.float32)

# FC layer
X_for_fc = tf.reshape(outputs, [-1, hidden_size])
outputs = tf.contrib.layers.fully_connected(inputs=X_for_fc, num_outputs=num_classes, activation_fn=None)

# reshape out for sequence_loss
outputs = tf.reshape(outputs, [batch_size, sequence_length, num_classes])

weights = tf.ones([batch_size, sequence_length])
sequence_loss = tf.contrib.seq2seq.sequence_loss(logits=outputs, targets=Y, weights=weights)
loss = tf.reduce_mean(sequence_loss)
train = tf.train.AdamOptimizer(learning_rate=learning_rate).minimize(loss)

prediction = tf.argmax(outputs, axis=2)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for i in range(iterations):
        l, _ = sess.run([loss, train], feed_dict={X: x_one_hot, Y: y_data})
        result = sess.run(prediction, feed_dict={X: x_one_hot})
        if i % 10 == 0 or i == iterations - 1:
            # print char using dic
            result_str = [idx2char[c] for c in np.squeeze(result)]
            print(i, "loss:", l, "prediction:", result, "true Y:", y_data, "Prediction str:", "".join(result_str))
    print("Loss: %.6f" % l)
    print("Prediction: " + "".join(idx2char[c] for c in np.squeeze(result)))
    print("Variables:", " ".join(v.name for v in tf.global_variables() if "Adam" not in v.name))
