# ruff: noqa: UP031  (TF 1.x code in the lecture notes' style)
"""Lecture 12 lab "long char RNN": a 2-layer stacked LSTM (MultiRNNCell of BasicLSTMCell) predicts the next
character of a paragraph.

Usage: rnn_char_stacked.py TEXT_FILE [ITERATIONS] [SEQUENCE_LENGTH]. Every window of SEQUENCE_LENGTH characters
is one example (target: the window shifted by one); all windows form one batch. Prints the mean loss every 50
steps, "Loss: ..." at the end, and the text decoded from the predictions of every window.
"""
import sys

import numpy as np
import tensorflow as tf
from tensorflow.contrib import rnn

tf.set_random_seed(777)  # reproducibility

with open(sys.argv[1], encoding="utf-8") as f:
    sentence = " ".join(f.read().split())
iterations = int(sys.argv[2]) if len(sys.argv) > 2 else 300
sequence_length = int(sys.argv[3]) if len(sys.argv) > 3 else 10

char_set = sorted(set(sentence))
char_dic = {w: i for i, w in enumerate(char_set)}

data_dim = len(char_set)
hidden_size = len(char_set)
num_classes = len(char_set)
learning_rate = 0.1

dataX = []
dataY = []
for i in range(0, len(sentence) - sequence_length):
    x_str = sentence[i:i + sequence_length]
    y_str = sentence[i + 1: i + sequence_length + 1]
    dataX.append([char_dic[c] for c in x_str])  # x str to index
    dataY.append([char_dic[c] for c in y_str])  # y str to index

batch_size = len(dataX)

X = tf.placeholder(tf.int32, [None, sequence_length])
Y = tf.placeholder(tf.int32, [None, sequence_length])

# One-hot encoding
X_one_hot = tf.one_hot(X, num_classes)


# Make a lstm cell with hidden_size (each unit output vector size)
def lstm_cell():
    cell = rnn.BasicLSTMCell(hidden_size, state_is_tuple=True)
    return cell


multi_cells = rnn.MultiRNNCell([lstm_cell() for _ in range(2)], state_is_tuple=True)

# outputs: unfolding size x hidden size, state = hidden size
outputs, _states = tf.nn.dynamic_rnn(multi_cells, X_one_hot, dtype=tf.float32)

# FC layer
X_for_fc = tf.reshape(outputs, [-1, hidden_size])
outputs = tf.contrib.layers.fully_connected(X_for_fc, num_classes, activation_fn=None)

# reshape out for sequence_loss
outputs = tf.reshape(outputs, [batch_size, sequence_length, num_classes])

# All weights are 1 (equal weights)
weights = tf.ones([batch_size, sequence_length])

sequence_loss = tf.contrib.seq2seq.sequence_loss(logits=outputs, targets=Y, weights=weights)
mean_loss = tf.reduce_mean(sequence_loss)
train_op = tf.train.AdamOptimizer(learning_rate=learning_rate).minimize(mean_loss)

sess = tf.Session()
sess.run(tf.global_variables_initializer())

for i in range(iterations):
    _, l, results = sess.run([train_op, mean_loss, outputs], feed_dict={X: dataX, Y: dataY})
    if i % 50 == 0:
        print(i, "loss: %.4f" % l)
l, results = sess.run([mean_loss, outputs], feed_dict={X: dataX, Y: dataY})
print("Loss: %.6f" % l)

# Let's print the last char of each result to check it works
text = ""
for j, result in enumerate(results):
    index = np.argmax(result, axis=1)
    if j == 0:  # print all for the first result to make a sentence
        text += "".join([char_set[t] for t in index])
    else:
        text += char_set[index[-1]]
print("Text:", text)
print("Variables:", " ".join(v.name for v in tf.trainable_variables()))
