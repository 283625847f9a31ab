# ruff: noqa: B007, UP031, UP032  (TF 1.x code as the tutorials of its time write it)
# A variational autoencoder: encoder to (mu, log sigma^2), the reparameterization trick with
# eps = tf.random_normal(tf.shape(mu)), a Bernoulli decoder with sigmoid cross-entropy, the KL term.
# expect: last("loss") < 0.5 * first("loss")
# expect: last("kl") > 0
# expect: has('z: Tensor("Add:0", shape=(?, 8), dtype=float32)')
# expect: has("generated: (16, 784) in [0, 1]: True")
import numpy as np
import tensorflow as tf
from tensorflow.examples.tutorials.mnist import input_data

mnist = input_data.read_data_sets("MNIST_data/", one_hot=True)
tf.set_random_seed(0)
n_latent = 8

x = tf.placeholder(tf.float32, shape=[None, 784], name="x")


def xavier(fan_in, fan_out):
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return tf.random_uniform((fan_in, fan_out), minval=-limit, maxval=limit, dtype=tf.float32)


with tf.variable_scope("encoder"):
    W_h = tf.Variable(xavier(784, 256))
    b_h = tf.Variable(tf.zeros([256]))
    h = tf.nn.softplus(tf.matmul(x, W_h) + b_h)
    W_mu = tf.Variable(xavier(256, n_latent))
    W_ls = tf.Variable(xavier(256, n_latent))
    mu = tf.matmul(h, W_mu)
    log_sigma_sq = tf.matmul(h, W_ls)

eps = tf.random_normal(tf.shape(mu), 0, 1, dtype=tf.float32)
z = tf.add(mu, tf.multiply(tf.sqrt(tf.exp(log_sigma_sq)), eps))
print("z:", z)

with tf.variable_scope("decoder"):
    W_d = tf.Variable(xavier(n_latent, 256))
    b_d = tf.Variable(tf.zeros([256]))
    W_out = tf.Variable(xavier(256, 784))
    b_out = tf.Variable(tf.zeros([784]))

    def decode(code):
        hd = tf.nn.softplus(tf.matmul(code, W_d) + b_d)
        return tf.matmul(hd, W_out) + b_out

    logits = decode(z)

recon_loss = tf.reduce_sum(tf.nn.sigmoid_cross_entropy_with_logits(labels=x, logits=logits), 1)
kl = -0.5 * tf.reduce_sum(1 + log_sigma_sq - tf.square(mu) - tf.exp(log_sigma_sq), 1)
cost = tf.reduce_mean(recon_loss + kl)
optimizer = tf.train.AdamOptimizer(learning_rate=0.001).minimize(cost)
mean_kl = tf.reduce_mean(kl)

z_in = tf.placeholder(tf.float32, [None, n_latent])
generated = tf.sigmoid(decode(z_in))

sess = tf.Session()
sess.run(tf.global_variables_initializer())
for step in range(301):
    batch_xs, _ = mnist.train.next_batch(100)
    _, c, k = sess.run((optimizer, cost, mean_kl), feed_dict={x: batch_xs})
    if step % 100 == 0:
        print("step %d loss %.2f kl %.2f" % (step, c, k))
samples = sess.run(generated, feed_dict={z_in: np.random.RandomState(0).randn(16, n_latent)})
print("generated:", samples.shape, "in [0, 1]:", bool(samples.min() >= 0 and samples.max() <= 1))
