# ruff: noqa: B007, UP031, UP032  (TF 1.x code as the tutorials of its time write it)
# A GAN the classic way: generator and discriminator functions with variable_scope, the second discriminator
# call with scope.reuse_variables(), separate var_lists found by name, alternating Adam steps. The data are
# 1-D samples of N(3, 0.5^2); the generator's output mean should move toward 3.
# expect: has("d vars: ['D/h1/w:0', 'D/h1/b:0', 'D/out/w:0', 'D/out/b:0']")
# expect: has("g vars: ['G/h1/w:0', 'G/h1/b:0', 'G/out/w:0', 'G/out/b:0']")
# expect: abs(last("generated mean") - 3.0) < 1.0
# expect: abs(first("generated mean") - 3.0) > 1.5
import numpy as np
import tensorflow as tf

tf.set_random_seed(2)
rng = np.random.RandomState(2)


def linear(x, n_out, scope):
    with tf.variable_scope(scope):
        w = tf.get_variable("w", [x.get_shape()[1], n_out], initializer=tf.random_normal_initializer(stddev=0.3))
        b = tf.get_variable("b", [n_out], initializer=tf.constant_initializer(0.0))
        return tf.matmul(x, w) + b


def generator(z):
    with tf.variable_scope("G"):
        h = tf.nn.softplus(linear(z, 16, "h1"))
        return linear(h, 1, "out")


def discriminator(x, reuse=False):
    with tf.variable_scope("D") as scope:
        if reuse:
            scope.reuse_variables()
        h = tf.tanh(linear(x, 16, "h1"))
        return tf.sigmoid(linear(h, 1, "out"))


z = tf.placeholder(tf.float32, shape=(None, 1))
x = tf.placeholder(tf.float32, shape=(None, 1))
G = generator(z)
D_real = discriminator(x)
D_fake = discriminator(G, reuse=True)

loss_d = tf.reduce_mean(-tf.log(D_real + 1e-8) - tf.log(1 - D_fake + 1e-8))
loss_g = tf.reduce_mean(-tf.log(D_fake + 1e-8))

t_vars = tf.trainable_variables()
d_vars = [var for var in t_vars if var.name.startswith("D/")]
g_vars = [var for var in t_vars if "G/" in var.name]
print("d vars:", [v.name for v in d_vars])
print("g vars:", [v.name for v in g_vars])
opt_d = tf.train.AdamOptimizer(0.01, beta1=0.5).minimize(loss_d, var_list=d_vars)
opt_g = tf.train.AdamOptimizer(0.01, beta1=0.5).minimize(loss_g, var_list=g_vars)

with tf.Session() as sess:
    tf.global_variables_initializer().run()
    for step in range(601):
        xs = rng.normal(3.0, 0.5, (64, 1))
        zs = rng.uniform(-1, 1, (64, 1))
        sess.run(opt_d, {x: xs, z: zs})
        sess.run(opt_g, {z: rng.uniform(-1, 1, (64, 1))})
        if step % 200 == 0:
            samples = sess.run(G, {z: rng.uniform(-1, 1, (500, 1))})
            print("step %d generated mean %.3f std %.3f" % (step, samples.mean(), samples.std()))
