"""tf.data.TextLineDataset + decode_csv: the CSV-parsing input function of TF 1.x tutorials.

Reads data-01-test-score.csv (3 exam scores -> final score) line by line,
parses each line with tf.decode_csv inside Dataset.map, batches, and fits a
linear model with Adam. Prints the rows seen in the first epoch and the fit.
"""
import sys

import tensorflow as tf

path = sys.argv[1]
COLUMNS = [[0.0], [0.0], [0.0], [0.0]]


def parse_line(line):
    fields = tf.decode_csv(line, record_defaults=COLUMNS)
    features = tf.stack(fields[:3])
    return features / 100.0, fields[3:] / tf.constant(100.0)


def parse_batch(lines):
    fields = tf.decode_csv(lines, record_defaults=COLUMNS)
    return tf.stack(fields[:3], axis=1) / 100.0, tf.stack(fields[3:], axis=1) / 100.0


# one epoch, element by element, to count the rows
rows = tf.data.TextLineDataset(path).map(parse_line).make_one_shot_iterator().get_next()
# the training pipeline: batches of lines, decoded 5 at a time
dataset = tf.data.TextLineDataset([path]).repeat().batch(5).map(parse_batch)
X, Y = dataset.make_one_shot_iterator().get_next()
print("shapes:", dataset.output_shapes)

W = tf.Variable(tf.zeros([3, 1]))
b = tf.Variable(tf.zeros([1]))
hypothesis = tf.matmul(X, W) + b
cost = tf.reduce_mean(tf.square(hypothesis - Y))
train = tf.train.AdamOptimizer(0.05).minimize(cost)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    n = 0
    try:
        while True:
            sess.run(rows)
            n += 1
    except tf.errors.OutOfRangeError:
        print("rows:", n)
    for _ in range(1500):
        c, _ = sess.run([cost, train])
    print("final cost:", c)
    print("W:", sess.run(W).ravel().tolist())
