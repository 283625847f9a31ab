# ruff: noqa: B007, UP031, UP032  (TF 1.x code as the tutorials of its time write it)
# A dense autoencoder on MNIST (784-128-32-128-784, ReLU inside, a sigmoid output), weights in dicts, Adam,
# the reconstruction error on test images against the error of predicting the mean training image.
# expect: last("Epoch: 0005 cost=") < 0.75 * first("Epoch: 0001 cost=")
# expect: last("test reconstruction MSE") < 0.75 * last("mean image MSE")
import numpy as np
import tensorflow as tf
from tensorflow.examples.tutorials.mnist import input_data

mnist = input_data.read_data_sets("MNIST_data", one_hot=True)
tf.set_random_seed(3)

learning_rate = 0.01
training_epochs = 5
batch_size = 64
n_hidden_1 = 128
n_hidden_2 = 32
n_input = 784

X = tf.placeholder("float", [None, n_input])

weights = {
    "encoder_h1": tf.Variable(tf.random_normal([n_input, n_hidden_1], stddev=0.05)),
    "encoder_h2": tf.Variable(tf.random_normal([n_hidden_1, n_hidden_2], stddev=0.05)),
    "decoder_h1": tf.Variable(tf.random_normal([n_hidden_2, n_hidden_1], stddev=0.05)),
    "decoder_h2": tf.Variable(tf.random_normal([n_hidden_1, n_input], stddev=0.05)),
}
biases = {
    "encoder_b1": tf.Variable(tf.zeros([n_hidden_1])),
    "encoder_b2": tf.Variable(tf.zeros([n_hidden_2])),
    "decoder_b1": tf.Variable(tf.zeros([n_hidden_1])),
    "decoder_b2": tf.Variable(tf.zeros([n_input])),
}


def encoder(x):
    layer_1 = tf.nn.relu(tf.add(tf.matmul(x, weights["encoder_h1"]), biases["encoder_b1"]))
    layer_2 = tf.nn.relu(tf.add(tf.matmul(layer_1, weights["encoder_h2"]), biases["encoder_b2"]))
    return layer_2


def decoder(x):
    layer_1 = tf.nn.relu(tf.add(tf.matmul(x, weights["decoder_h1"]), biases["decoder_b1"]))
    layer_2 = tf.nn.sigmoid(tf.add(tf.matmul(layer_1, weights["decoder_h2"]), biases["decoder_b2"]))
    return layer_2


encoder_op = encoder(X)
decoder_op = decoder(encoder_op)
y_pred = decoder_op
y_true = X

cost = tf.reduce_mean(tf.pow(y_true - y_pred, 2))
optimizer = tf.train.AdamOptimizer(learning_rate).minimize(cost)

init = tf.global_variables_initializer()
with tf.Session() as sess:
    sess.run(init)
    total_batch = int(mnist.train.num_examples / batch_size)
    for epoch in range(training_epochs):
        for i in range(total_batch):
            batch_xs, batch_ys = mnist.train.next_batch(batch_size)
            _, c = sess.run([optimizer, cost], feed_dict={X: batch_xs})
        print("Epoch:", "%04d" % (epoch + 1), "cost=", "{:.9f}".format(c))
    print("Optimization Finished!")
    recon = sess.run(y_pred, feed_dict={X: mnist.test.images[:100]})
    print("mean image MSE", np.mean((mnist.train.images.mean(0) - mnist.test.images[:100]) ** 2))
    print("test reconstruction MSE", np.mean((recon - mnist.test.images[:100]) ** 2))
