# ruff: noqa: B007, UP031, UP032  (TF 1.x code as the tutorials of its time write it)
# A denoising autoencoder: Gaussian noise of the input's run-time shape (tf.random_normal(tf.shape(x))),
# clipped to [0, 1], tied weights (the decoder uses tf.transpose of the encoder's), Adam.
# expect: last("denoised MSE") < last("noisy input MSE")
# expect: last("loss") < first("loss")
# expect: has("noise shape: <unknown>")
import numpy as np
import tensorflow as tf
from tensorflow.examples.tutorials.mnist import input_data

mnist = input_data.read_data_sets("MNIST_data/", one_hot=False)
tf.set_random_seed(11)

x = tf.placeholder(tf.float32)  # no shape: the tutorial feeds any batch
noise_level = tf.placeholder_with_default(0.3, shape=[])
noise = tf.random_normal(tf.shape(x), stddev=1.0)
print("noise shape:", noise.get_shape())
x_noisy = tf.clip_by_value(x + noise_level * noise, 0.0, 1.0)

W = tf.Variable(tf.truncated_normal([784, 100], stddev=0.05), name="W")
b_enc = tf.Variable(tf.zeros([100]), name="b_enc")
b_dec = tf.Variable(tf.zeros([784]), name="b_dec")
code = tf.nn.relu(tf.matmul(tf.reshape(x_noisy, [-1, 784]), W) + b_enc)
recon = tf.nn.sigmoid(tf.matmul(code, tf.transpose(W)) + b_dec)
loss = tf.reduce_mean(tf.square(recon - tf.reshape(x, [-1, 784])))
train = tf.train.AdamOptimizer(0.005).minimize(loss)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for i in range(301):
        batch, _ = mnist.train.next_batch(100)
        _, l = sess.run([train, loss], feed_dict={x: batch})
        if i % 100 == 0:
            print("step", i, "loss", l)
    test = mnist.test.images[:200]
    noisy, clean = sess.run([x_noisy, recon], feed_dict={x: test})
    print("noisy input MSE", np.mean((noisy - test) ** 2))
    print("denoised MSE", np.mean((clean - test) ** 2))
