# ruff: noqa: B007, UP031, UP032  (TF 1.x code as the tutorials of its time write it)
# A GAN on MNIST with tf.layers.dense inside variable_scope(..., reuse=tf.AUTO_REUSE), leaky ReLU,
# sigmoid_cross_entropy_with_logits with ones_like/zeros_like labels, tf.get_collection(TRAINABLE_VARIABLES, scope).
# The generator starts near the grey 0 of tanh; learning, its mean pixel moves toward the data's (mostly -1).
# expect: has("discriminator variables: 4 generator variables: 4")
# expect: has("same discriminator weights in both calls: True")
# expect: all(0.0 < v < 5.0 for v in values("d_loss"))
# expect: last("G mean") - last("data mean") < 0.5 * (first("G mean") - last("data mean"))
# expect: has("generated batch: (16, 784)")
import numpy as np
import tensorflow as tf
from tensorflow.examples.tutorials.mnist import input_data

mnist = input_data.read_data_sets("MNIST_data/")
tf.set_random_seed(9)
Z_DIM = 16


def generator(z, reuse=None):
    with tf.variable_scope("generator", reuse=reuse):
        h = tf.layers.dense(z, 128, activation=tf.nn.leaky_relu)
        return tf.layers.dense(h, 784, activation=tf.nn.tanh)


def discriminator(x):
    with tf.variable_scope("discriminator", reuse=tf.AUTO_REUSE):
        h = tf.layers.dense(x, 128)
        h = tf.maximum(0.2 * h, h)
        return tf.layers.dense(h, 1)


real = tf.placeholder(tf.float32, [None, 784])
noise = tf.placeholder(tf.float32, [None, Z_DIM])
fake = generator(noise)
logits_real = discriminator(real * 2.0 - 1.0)
logits_fake = discriminator(fake)

d_loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(logits=logits_real, labels=tf.ones_like(logits_real))) \
    + tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(logits=logits_fake, labels=tf.zeros_like(logits_fake)))
g_loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(logits=logits_fake, labels=tf.ones_like(logits_fake)))

d_vars = tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES, scope="discriminator")
g_vars = tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES, scope="generator")
print("discriminator variables:", len(d_vars), "generator variables:", len(g_vars))
print("same discriminator weights in both calls:", len(tf.trainable_variables()) == 8)

d_train = tf.train.AdamOptimizer(2e-3, beta1=0.5).minimize(d_loss, var_list=d_vars)
g_train = tf.train.AdamOptimizer(2e-3, beta1=0.5).minimize(g_loss, var_list=g_vars)

sess = tf.Session()
sess.run(tf.global_variables_initializer())
for it in range(300):
    batch, _ = mnist.train.next_batch(64)
    z = np.random.uniform(-1.0, 1.0, size=[64, Z_DIM])
    _, dl = sess.run([d_train, d_loss], feed_dict={real: batch, noise: z})
    _, gl = sess.run([g_train, g_loss], feed_dict={noise: z})
    if it % 50 == 0 or it == 299:
        g_mean = sess.run(fake, feed_dict={noise: z}).mean()
        print("iter {}: d_loss {:.4f} g_loss {:.4f} G mean {:.3f}".format(it, dl, gl, g_mean))
print("data mean: {:.3f}".format((mnist.train.images[:1000] * 2.0 - 1.0).mean()))
samples = sess.run(fake, feed_dict={noise: np.random.uniform(-1, 1, [16, Z_DIM])})
print("generated batch:", samples.shape)
