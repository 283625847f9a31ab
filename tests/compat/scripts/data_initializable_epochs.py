"""tf.data with an initializable iterator fed from placeholders, one epoch per initializer run.

The classic feed pattern: the dataset is built from placeholders, the
initializer is run with the arrays in feed_dict at the start of every epoch,
and each epoch ends when get_next raises tf.errors.OutOfRangeError. Logistic
regression on two separable blobs; prints the batches per epoch and the
accuracy.
"""
import numpy as np
import tensorflow as tf

tf.set_random_seed(3)
rng = np.random.RandomState(3)
n = 90
x_data = np.concatenate([rng.randn(n // 2, 2) + 2.5, rng.randn(n // 2, 2) - 2.5]).astype(np.float32)
y_data = np.concatenate([np.ones((n // 2, 1)), np.zeros((n // 2, 1))]).astype(np.float32)

features = tf.placeholder(tf.float32, [None, 2])
labels = tf.placeholder(tf.float32, [None, 1])
batch_size = tf.placeholder(tf.int64, [])
dataset = tf.data.Dataset.from_tensor_slices((features, labels)).shuffle(100).batch(batch_size)
iterator = dataset.make_initializable_iterator()
X, Y = iterator.get_next()

W = tf.Variable(tf.random_normal([2, 1]), name="weight")
b = tf.Variable(tf.random_normal([1]), name="bias")
hypothesis = tf.sigmoid(tf.matmul(X, W) + b)
cost = -tf.reduce_mean(Y * tf.log(hypothesis) + (1 - Y) * tf.log(1 - hypothesis))
train = tf.train.GradientDescentOptimizer(learning_rate=0.1).minimize(cost)
predicted = tf.cast(hypothesis > 0.5, dtype=tf.float32)
accuracy = tf.reduce_mean(tf.cast(tf.equal(predicted, Y), dtype=tf.float32))

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for epoch in range(5):
        sess.run(iterator.initializer, feed_dict={features: x_data, labels: y_data, batch_size: 16})
        batches = 0
        while True:
            try:
                sess.run(train)
                batches += 1
            except tf.errors.OutOfRangeError:
                break
        print("epoch", epoch, "batches", batches)
    # evaluate on everything at once: re-initialize with one big batch
    sess.run(iterator.initializer, feed_dict={features: x_data, labels: y_data, batch_size: n})
    print("Accuracy:", sess.run(accuracy))
