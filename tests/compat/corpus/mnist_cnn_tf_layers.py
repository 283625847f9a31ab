# ruff: noqa: B007, UP031, UP032  (TF 1.x code as the tutorials of its time write it)
# A CNN with tf.layers (conv2d, max_pooling2d, dropout with a training flag, dense), integer labels,
# tf.losses.sparse_softmax_cross_entropy, and evaluation in batches.
# expect: last("Test accuracy:") > 0.8
# expect: has("conv1 output: (?, 28, 28, 8)")
# expect: has("pool2 output: (?, 7, 7, 16)")
import numpy as np
import tensorflow as tf
from tensorflow.examples.tutorials.mnist import input_data

mnist = input_data.read_data_sets("MNIST_data/", one_hot=False)
tf.set_random_seed(777)

X = tf.placeholder(tf.float32, [None, 784])
X_img = tf.reshape(X, [-1, 28, 28, 1])
Y = tf.placeholder(tf.int64, [None])
training = tf.placeholder(tf.bool)

conv1 = tf.layers.conv2d(inputs=X_img, filters=8, kernel_size=[3, 3], padding="SAME", activation=tf.nn.relu)
print("conv1 output:", conv1.shape)
pool1 = tf.layers.max_pooling2d(inputs=conv1, pool_size=[2, 2], padding="SAME", strides=2)
dropout1 = tf.layers.dropout(inputs=pool1, rate=0.3, training=training)
conv2 = tf.layers.conv2d(inputs=dropout1, filters=16, kernel_size=[3, 3], padding="SAME", activation=tf.nn.relu)
pool2 = tf.layers.max_pooling2d(inputs=conv2, pool_size=[2, 2], padding="SAME", strides=2)
print("pool2 output:", pool2.shape)
flat = tf.reshape(pool2, [-1, int(np.prod(pool2.get_shape().as_list()[1:]))])
dense4 = tf.layers.dense(inputs=flat, units=128, activation=tf.nn.relu)
dropout4 = tf.layers.dropout(inputs=dense4, rate=0.5, training=training)
logits = tf.layers.dense(inputs=dropout4, units=10)

cost = tf.losses.sparse_softmax_cross_entropy(labels=Y, logits=logits)
optimizer = tf.train.AdamOptimizer(learning_rate=0.003).minimize(cost)
correct_prediction = tf.equal(tf.argmax(logits, 1), Y)
accuracy = tf.reduce_mean(tf.cast(correct_prediction, tf.float32))

sess = tf.Session()
sess.run(tf.global_variables_initializer())
print("Learning started. It takes sometime.")
for epoch in range(2):
    avg_cost = 0
    total_batch = int(mnist.train.num_examples / 50)
    for i in range(total_batch):
        batch_xs, batch_ys = mnist.train.next_batch(50)
        c, _ = sess.run([cost, optimizer], feed_dict={X: batch_xs, Y: batch_ys, training: True})
        avg_cost += c / total_batch
    print("Epoch:", "%04d" % (epoch + 1), "cost =", "{:.9f}".format(avg_cost))
print("Learning Finished!")

accs = []
for start in range(0, mnist.test.num_examples, 250):
    accs.append(sess.run(accuracy, feed_dict={X: mnist.test.images[start:start + 250],
                                              Y: mnist.test.labels[start:start + 250], training: False}))
print("Test accuracy:", np.mean(accs))
