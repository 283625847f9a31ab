"""tf.data train/validation switching with a reinitializable iterator (Iterator.from_structure).

Softmax regression on the 8x8 digits: the map function is a small graph of TF
ops (cast, scale, one_hot) applied to every element; the same get_next node
reads training batches after train_init runs and validation batches after
val_init runs. Prints the validation accuracy after each epoch.
"""
import numpy as np
import tensorflow as tf

from neuralab.data import digits

ds = digits()
x_train, y_train = np.round(ds.x_train * 16).astype(np.uint8), ds.y_train.astype(np.int64)
x_val, y_val = np.round(ds.x_test * 16).astype(np.uint8), ds.y_test.astype(np.int64)


def preprocess(image, label):
    return tf.cast(image, tf.float32) / 16.0, tf.one_hot(label, 10)


train_ds = tf.data.Dataset.from_tensor_slices((x_train, y_train)).map(preprocess).shuffle(1000, seed=7).batch(50)
val_ds = tf.data.Dataset.from_tensor_slices((x_val, y_val)).map(preprocess).batch(500)

iterator = tf.data.Iterator.from_structure(train_ds.output_types, train_ds.output_shapes)
images, onehots = iterator.get_next()
train_init = iterator.make_initializer(train_ds)
val_init = iterator.make_initializer(val_ds)

W = tf.Variable(tf.zeros([64, 10]))
b = tf.Variable(tf.zeros([10]))
logits = tf.matmul(images, W) + b
cost = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits=logits, labels=onehots))
train = tf.train.AdamOptimizer(0.05).minimize(cost)
correct = tf.reduce_sum(tf.cast(tf.equal(tf.argmax(logits, 1), tf.argmax(onehots, 1)), tf.float32))
count = tf.shape(images)[0]

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for epoch in range(3):
        sess.run(train_init)
        try:
            while True:
                sess.run(train)
        except tf.errors.OutOfRangeError:
            pass
        sess.run(val_init)
        right, seen = 0.0, 0
        try:
            while True:
                c, n = sess.run([correct, count])
                right += c
                seen += n
        except tf.errors.OutOfRangeError:
            pass
        print("epoch", epoch, "seen", seen, "Accuracy:", right / seen)
