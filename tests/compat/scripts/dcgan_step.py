# ruff: noqa: UP031  (TF 1.x tutorial style)
"""A DCGAN in the style of the TF 1.x tutorials, on 8x8 "stripe" images (a bright horizontal or vertical bar).

The generator upsamples noise with tf.layers.conv2d_transpose (2x2 -> 4x4 -> 8x8, batch norm, ReLU, tanh);
the discriminator (strided tf.layers.conv2d, batch norm, leaky ReLU, dense) is called twice, on real and on
generated images, the second time under reuse=True. Two Adam optimizers train over var_list taken from
tf.trainable_variables() by scope name, with the batch-norm updates as control dependencies.
Checks that both calls of the discriminator share one set of variables, that D steps leave G's variables
alone (and G steps D's), that D's loss falls when only D trains and G's loss falls when only G trains.

Usage: dcgan_step.py [STEPS]"""
import sys

import numpy as np
import tensorflow as tf

steps = int(sys.argv[1]) if len(sys.argv) > 1 else 20
tf.set_random_seed(42)
np.random.seed(0)
batch_size, z_dim = 32, 16


def real_batch(n):
    """Images in [-1, 1]: a 2-pixel bar, horizontal or vertical, at a random place."""
    x = -np.ones((n, 8, 8, 1), np.float32)
    for i in range(n):
        p = np.random.randint(0, 7)
        if np.random.rand() < 0.5:
            x[i, p:p + 2, :, 0] = 1.0
        else:
            x[i, :, p:p + 2, 0] = 1.0
    return x


def generator(z, training=True, reuse=False):
    with tf.variable_scope("generator", reuse=reuse):
        h = tf.layers.dense(z, 2 * 2 * 32)
        h = tf.reshape(h, [-1, 2, 2, 32])
        h = tf.nn.relu(tf.layers.batch_normalization(h, training=training))
        h = tf.layers.conv2d_transpose(h, 16, 4, strides=2, padding="same")  # 4x4
        h = tf.nn.relu(tf.layers.batch_normalization(h, training=training))
        h = tf.layers.conv2d_transpose(h, 1, 4, strides=2, padding="same")  # 8x8
        return tf.nn.tanh(h)


def discriminator(x, training=True, reuse=False):
    with tf.variable_scope("discriminator", reuse=reuse):
        h = tf.nn.leaky_relu(tf.layers.conv2d(x, 16, 4, strides=2, padding="same"), 0.2)  # 4x4
        h = tf.layers.conv2d(h, 32, 4, strides=2, padding="same")  # 2x2
        h = tf.nn.leaky_relu(tf.layers.batch_normalization(h, training=training), 0.2)
        logits = tf.layers.dense(tf.layers.flatten(h), 1)
        return tf.nn.sigmoid(logits), logits


X = tf.placeholder(tf.float32, [None, 8, 8, 1], name="X")
Z = tf.placeholder(tf.float32, [None, z_dim], name="Z")

G = generator(Z)
D_real, D_real_logits = discriminator(X)
n_disc = len(tf.global_variables(scope="discriminator"))
D_fake, D_fake_logits = discriminator(G, reuse=True)
shared = len(tf.global_variables(scope="discriminator")) == n_disc
print("generator output:", G)

d_loss_real = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(logits=D_real_logits,
                                                                     labels=tf.ones_like(D_real_logits)))
d_loss_fake = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(logits=D_fake_logits,
                                                                     labels=tf.zeros_like(D_fake_logits)))
d_loss = d_loss_real + d_loss_fake
g_loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(logits=D_fake_logits,
                                                                labels=tf.ones_like(D_fake_logits)))

t_vars = tf.trainable_variables()
d_vars = [var for var in t_vars if "discriminator" in var.name]
g_vars = [var for var in t_vars if "generator" in var.name]
shared = shared and len(d_vars) == 8 and len(g_vars) == 10 and len(d_vars) + len(g_vars) == len(t_vars)
print("d_vars:", [v.name for v in d_vars])
print("variables shared: %s" % shared)

with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)):
    d_optim = tf.train.AdamOptimizer(0.002, beta1=0.5).minimize(d_loss, var_list=d_vars)
    g_optim = tf.train.AdamOptimizer(0.002, beta1=0.5).minimize(g_loss, var_list=g_vars)

x_fix = real_batch(batch_size)
z_fix = np.random.uniform(-1, 1, [batch_size, z_dim]).astype(np.float32)
feed = {X: x_fix, Z: z_fix}

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    g_before = sess.run(g_vars)
    d0 = sess.run(d_loss, feed)
    for _ in range(steps):  # only D trains: D's loss falls, G's variables stay as they are
        sess.run(d_optim, feed)
    d1 = sess.run(d_loss, feed)
    g_same = all(np.array_equal(a, b) for a, b in zip(g_before, sess.run(g_vars)))
    d_before = sess.run(d_vars)
    g0 = sess.run(g_loss, feed)
    for _ in range(steps):  # only G trains: G fools this D better, D's variables stay
        sess.run(g_optim, feed)
    g1 = sess.run(g_loss, feed)
    d_same = all(np.array_equal(a, b) for a, b in zip(d_before, sess.run(d_vars)))
    for step in range(steps):  # the usual alternating loop on fresh batches
        batch_z = np.random.uniform(-1, 1, [batch_size, z_dim]).astype(np.float32)
        batch_x = real_batch(batch_size)
        _, dl = sess.run([d_optim, d_loss], {X: batch_x, Z: batch_z})
        _, gl = sess.run([g_optim, g_loss], {X: batch_x, Z: batch_z})  # (the update ops read X too)
        if step % 10 == 0:
            print("step %d: d_loss %.4f g_loss %.4f" % (step, dl, gl))
    samples = sess.run(G, {Z: z_fix[:4]})

print("samples:", samples.shape, "in [-1, 1]:", bool(np.abs(samples).max() <= 1))
print("g vars unchanged by d steps: %s" % g_same)
print("d vars unchanged by g steps: %s" % d_same)
print("d_loss: %.4f -> %.4f" % (d0, d1))
print("g_loss: %.4f -> %.4f" % (g0, g1))
print("d_loss_drop: %.4f" % ((d0 - d1) if g_same else -1.0))
print("g_loss_drop: %.4f" % ((g0 - g1) if d_same else -1.0))
