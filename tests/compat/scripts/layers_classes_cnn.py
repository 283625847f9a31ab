# ruff: noqa: UP004, UP008, UP031  (TF 1.x tutorial style: Python 2 era classes)
"""A CNN built from tf.layers *objects* (Conv2D, MaxPooling2D, BatchNormalization, Dropout, Flatten, Dense and a
custom tf.layers.Layer subclass), classifying 8x8 digits.

The model object is called twice: on the training batch (training=True: dropout on, batch statistics) and on
the test set (training=False), and the second call shares every variable of the first. Prints the test
accuracy and whether the evaluation graph shares the training graph's weights.

Usage: layers_classes_cnn.py EPOCHS DIGITS_NPZ (arrays x_train, y_train, x_test, y_test)"""
import sys

import numpy as np
import tensorflow as tf

epochs = int(sys.argv[1]) if len(sys.argv) > 1 else 8
data = np.load(sys.argv[2])
x_train = data["x_train"].reshape(-1, 8, 8, 1).astype(np.float32)
x_test = data["x_test"].reshape(-1, 8, 8, 1).astype(np.float32)
y_train, y_test = data["y_train"].astype(np.int64), data["y_test"].astype(np.int64)
tf.set_random_seed(11)
np.random.seed(11)


class Scale(tf.layers.Layer):
    """A learned per-channel scale: y = x * gamma (a custom layer with add_weight)."""

    def build(self, input_shape):
        self.gamma = self.add_weight("gamma", [int(input_shape[-1])], initializer=tf.ones_initializer())
        super(Scale, self).build(input_shape)

    def call(self, inputs):
        return inputs * self.gamma


class Model(object):
    def __init__(self):
        self.conv1 = tf.layers.Conv2D(16, 3, padding="same", activation=tf.nn.relu)
        self.pool1 = tf.layers.MaxPooling2D(2, 2)
        self.conv2 = tf.layers.Conv2D(32, 3, padding="same", use_bias=False)
        self.bn = tf.layers.BatchNormalization(momentum=0.9)
        self.scale = Scale()
        self.pool2 = tf.layers.MaxPooling2D(2, 2)
        self.flatten = tf.layers.Flatten()
        self.fc = tf.layers.Dense(64, activation=tf.nn.relu)
        self.dropout = tf.layers.Dropout(0.3)
        self.logits = tf.layers.Dense(10)

    def __call__(self, x, training):
        h = self.pool1(self.conv1(x))
        h = tf.nn.relu(self.scale(self.bn(self.conv2(h), training=training)))
        h = self.flatten(self.pool2(h))
        h = self.dropout(self.fc(h), training=training)
        return self.logits(h)


X = tf.placeholder(tf.float32, [None, 8, 8, 1])
Y = tf.placeholder(tf.int64, [None])
model = Model()
train_logits = model(X, training=True)
n_vars = len(tf.global_variables())
eval_logits = model(X, training=False)
# the second call made no variables, and the evaluation graph depends on every trainable one of the first
eval_grads = tf.gradients(tf.reduce_sum(eval_logits), tf.trainable_variables())
shares = len(tf.global_variables()) == n_vars and all(g is not None for g in eval_grads)
print("variables:", [v.name for v in tf.global_variables()])
print("layers:", model.conv1.name, model.conv2.name, model.scale.name, model.logits.name)

loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=Y, logits=train_logits))
with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)):
    train_op = tf.train.AdamOptimizer(0.01).minimize(loss)
accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(eval_logits, 1), Y), tf.float32))

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for epoch in range(epochs):
        order = np.random.permutation(len(x_train))
        total = 0.0
        for i in range(0, len(order), 64):
            idx = order[i:i + 64]
            c, _ = sess.run([loss, train_op], {X: x_train[idx], Y: y_train[idx]})
            total += c * len(idx) / len(order)
        print("Epoch: %04d cost = %.6f" % (epoch + 1, total))
    acc = sess.run(accuracy, {X: x_test, Y: y_test})
    # changing a weight of the first call changes the second call's outputs
    before = sess.run(eval_logits, {X: x_test[:5]})
    sess.run(model.logits.bias.assign_add(tf.ones([10])))
    moved = np.allclose(sess.run(eval_logits, {X: x_test[:5]}), before + 1, atol=1e-4)

print("eval graph shares weights: %s" % (shares and moved))
print("test_accuracy: %.4f" % acc)
