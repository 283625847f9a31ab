# ruff: noqa: B007, UP031, UP032  (TF 1.x code as the tutorials of its time write it)
# tf.nn.conv2d_transpose checked against a loop written in NumPy, output_shape from tf.stack with tf.shape,
# and the gradient identity: conv2d_transpose is the gradient of conv2d with respect to its input.
# expect: has("output shape: [2, 6, 6, 3]")
# expect: has("matches the NumPy loop: True")
# expect: has("equals the conv2d input gradient: True")
# expect: has("layer output: (?, 8, 8, 4)")
import numpy as np
import tensorflow as tf

rng = np.random.RandomState(0)
x_np = rng.randn(2, 3, 3, 5).astype(np.float32)
k_np = rng.randn(2, 2, 3, 5).astype(np.float32)  # [height, width, out_channels, in_channels]

x = tf.placeholder(tf.float32, [None, 3, 3, 5])
k = tf.constant(k_np)
batch = tf.shape(x)[0]
out_shape = tf.stack([batch, 6, 6, 3])
y = tf.nn.conv2d_transpose(x, k, output_shape=out_shape, strides=[1, 2, 2, 1], padding="SAME")

want = np.zeros((2, 6, 6, 3), np.float32)
for n in range(2):
    for i in range(3):
        for j in range(3):
            want[n, 2 * i:2 * i + 2, 2 * j:2 * j + 2, :] += np.einsum("hwoi,i->hwo", k_np, x_np[n, i, j])

z = tf.placeholder(tf.float32, [2, 6, 6, 3])
conv = tf.nn.conv2d(z, k, strides=[1, 2, 2, 1], padding="SAME")
grad_z = tf.gradients(conv, z, grad_ys=tf.constant(x_np))[0]

up = tf.layers.conv2d_transpose(tf.placeholder(tf.float32, [None, 4, 4, 2]), 4, 3, strides=2, padding="same")
print("layer output:", up.shape)

with tf.Session() as sess:
    got = sess.run(y, {x: x_np})
    print("output shape:", list(got.shape))
    print("matches the NumPy loop:", bool(np.allclose(got, want, atol=1e-5)))
    g = sess.run(grad_z, {z: np.zeros((2, 6, 6, 3), np.float32)})
    print("equals the conv2d input gradient:", bool(np.allclose(g, got, atol=1e-5)))
