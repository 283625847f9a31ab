# ruff: noqa: B007, UP031, UP032  (TF 1.x code as the tutorials of its time write it)
# Lab 11-1's CNN with tf.nn by hand: conv2d + relu + max_pool twice, the flatten size from Dimension arithmetic
# (pool.get_shape()[1] * ...) and tf.reshape(x, [-1, int(dim)]), tf.get_variable with xavier_initializer,
# dropout with a keep_prob placeholder, Adam; a random test image picked with tf.gather.
# expect: last("Accuracy:") > 0.7
# expect: has("flat size: 784")
# expect: has("dim is a Dimension: True")
# expect: len(values("Label:")) == 1 and len(values("Prediction:")) == 1
import random

import tensorflow as tf
from tensorflow.examples.tutorials.mnist import input_data

tf.set_random_seed(777)
random.seed(7)
mnist = input_data.read_data_sets("MNIST_data/", one_hot=True)

learning_rate = 0.002
training_epochs = 2
batch_size = 50
keep_prob = tf.placeholder(tf.float32)

X = tf.placeholder(tf.float32, [None, 784])
X_img = tf.reshape(X, [-1, 28, 28, 1])  # img 28x28x1 (black/white)
Y = tf.placeholder(tf.float32, [None, 10])

# L1 ImgIn shape=(?, 28, 28, 1)
W1 = tf.Variable(tf.random_normal([3, 3, 1, 8], stddev=0.01))
L1 = tf.nn.conv2d(X_img, W1, strides=[1, 1, 1, 1], padding="SAME")
L1 = tf.nn.relu(L1)
L1 = tf.nn.max_pool(L1, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="SAME")
L1 = tf.nn.dropout(L1, keep_prob=keep_prob)

# L2 ImgIn shape=(?, 14, 14, 8)
W2 = tf.Variable(tf.random_normal([3, 3, 8, 16], stddev=0.01))
L2 = tf.nn.conv2d(L1, W2, strides=[1, 1, 1, 1], padding="SAME")
L2 = tf.nn.relu(L2)
L2 = tf.nn.max_pool(L2, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="SAME")
dim = L2.get_shape()[1] * L2.get_shape()[2] * L2.get_shape()[3]
print("dim is a Dimension:", type(dim).__name__ == "Dimension")
L2_flat = tf.reshape(L2, [-1, int(dim)])
print("flat size:", L2_flat.get_shape()[1].value)

W3 = tf.get_variable("W3", shape=[int(dim), 10], initializer=tf.contrib.layers.xavier_initializer())
b = tf.Variable(tf.random_normal([10]))
logits = tf.matmul(L2_flat, W3) + b

cost = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits=logits, labels=Y))
optimizer = tf.train.AdamOptimizer(learning_rate=learning_rate).minimize(cost)

sess = tf.Session()
sess.run(tf.global_variables_initializer())
print("Learning started. It takes sometime.")
for epoch in range(training_epochs):
    avg_cost = 0
    total_batch = int(mnist.train.num_examples / batch_size)
    for i in range(total_batch):
        batch_xs, batch_ys = mnist.train.next_batch(batch_size)
        feed_dict = {X: batch_xs, Y: batch_ys, keep_prob: 0.8}
        c, _ = sess.run([cost, optimizer], feed_dict=feed_dict)
        avg_cost += c / total_batch
    print("Epoch:", "%04d" % (epoch + 1), "cost =", "{:.9f}".format(avg_cost))
print("Learning Finished!")

correct_prediction = tf.equal(tf.argmax(logits, 1), tf.argmax(Y, 1))
accuracy = tf.reduce_mean(tf.cast(correct_prediction, tf.float32))
print("Accuracy:", sess.run(accuracy, feed_dict={X: mnist.test.images, Y: mnist.test.labels, keep_prob: 1}))

r = random.randint(0, mnist.test.num_examples - 1)
picked = tf.gather(tf.constant(mnist.test.images), [r])
print("Label: ", sess.run(tf.argmax(mnist.test.labels[r:r + 1], 1)))
print("Prediction: ", sess.run(tf.argmax(logits, 1), feed_dict={X: sess.run(picked), keep_prob: 1}))
