# ruff: noqa: B007, UP031, UP032  (TF 1.x code as the tutorials of its time write it)
# Softmax regression on iris read with np.genfromtxt (TF's CSV: a header row of counts and class names),
# standardized features, get_variable in a variable_scope, sparse labels, and the reuse=True lookup.
# expect: last("train accuracy") > 0.9 and last("test accuracy") > 0.85
# expect: has("header: 120 rows, 4 features, classes ['setosa', 'versicolor', 'virginica']")
# expect: has("same variable: True")
import numpy as np
import tensorflow as tf

with open("iris_training.csv") as f:
    head = f.readline().strip().split(",")
print("header: %s rows, %s features, classes %s" % (head[0], head[1], head[2:]))
train = np.genfromtxt("iris_training.csv", delimiter=",", skip_header=1)
test = np.genfromtxt("iris_test.csv", delimiter=",", skip_header=1)
mu, sd = train[:, :4].mean(0), train[:, :4].std(0)
x_train, y_train = (train[:, :4] - mu) / sd, train[:, 4].astype(np.int32)
x_test, y_test = (test[:, :4] - mu) / sd, test[:, 4].astype(np.int32)

x = tf.placeholder(tf.float64, [None, 4])
y = tf.placeholder(tf.int32, [None])
with tf.variable_scope("softmax"):
    W = tf.get_variable("W", [4, 3], dtype=tf.float64, initializer=tf.zeros_initializer())
    b = tf.get_variable("b", [3], dtype=tf.float64, initializer=tf.zeros_initializer())
logits = tf.matmul(x, W) + b
loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
train_op = tf.train.AdagradOptimizer(0.5).minimize(loss)
accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1, output_type=tf.int32), y), tf.float32))
with tf.variable_scope("softmax", reuse=True):
    print("same variable:", tf.get_variable("W", dtype=tf.float64) is W)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(200):
        sess.run(train_op, {x: x_train, y: y_train})
    print("train accuracy", sess.run(accuracy, {x: x_train, y: y_train}))
    print("test accuracy", sess.run(accuracy, {x: x_test, y: y_test}))
