# ruff: noqa: B007, UP031, UP032  (TF 1.x code as written in the lecture notes)
"""Seed 002 "Basic computational graph" and "CPU vs GPU": c = sum(x * y + z) and its gradients.

Usage: computational_graph.py [N D]. The notes use N, D = 3, 4 and then 3000, 4000
under tf.device('/cpu:0') and tf.device('/gpu:0').
"""
import sys

import numpy as np

np.random.seed(0)
import tensorflow as tf  # noqa: E402

N, D = 3, 4

x = tf.placeholder(tf.float32)
y = tf.placeholder(tf.float32)
z = tf.placeholder(tf.float32)

a = x * y
b = a + z
c = tf.reduce_sum(b)

grad_x, grad_y, grad_z = tf.gradients(c, [x, y, z])

with tf.Session() as sess:
    values = {
        x: np.random.randn(N, D),
        y: np.random.randn(N, D),
        z: np.random.randn(N, D),
    }
    out = sess.run([c, grad_x, grad_y, grad_z],
                   feed_dict=values)
    c_val, grad_x_val, grad_y_val, grad_z_val = out
    print("c:", c_val)
    print("grad_x == y:", np.allclose(grad_x_val, values[y]), "grad_y == x:", np.allclose(grad_y_val, values[x]),
          "grad_z == 1:", np.allclose(grad_z_val, 1.0))

N, D = (int(sys.argv[1]), int(sys.argv[2])) if len(sys.argv) > 2 else (3000, 4000)
for dev in ("/cpu:0", "/gpu:0"):
    tf.reset_default_graph()
    with tf.device(dev):
        x = tf.placeholder(tf.float32)
        y = tf.placeholder(tf.float32)
        z = tf.placeholder(tf.float32)

        a = x * y
        b = a + z
        c = tf.reduce_sum(b)

    grad_x, grad_y, grad_z = tf.gradients(c, [x, y, z])

    with tf.Session() as sess:
        values = {
            x: np.random.randn(N, D),
            y: np.random.randn(N, D),
            z: np.random.randn(N, D),
        }
        out = sess.run([c, grad_x, grad_y, grad_z],
                       feed_dict=values)
        c_val, grad_x_val, grad_y_val, grad_z_val = out
        print(dev, "c:", c_val, "grad shapes:", grad_x_val.shape, grad_y_val.shape, grad_z_val.shape)
