# ruff: noqa: B007, UP031, UP032  (TF 1.x code as written in the lecture notes)
"""Seed 002 "Tensorflow: Two Parts": define the graph, then run it many times.

Usage: two_parts.py VARIANT, one of
  placeholders  w1, w2 are placeholders; the loop updates the fed arrays (loss goes down)
  assign        w1, w2 are Variables with assign nodes that are never run (loss NOT going down)
  group         the same plus updates = tf.group(new_w1, new_w2) fetched each step (loss goes down)
  optimizer     tf.train.GradientDescentOptimizer(1e-5).minimize(loss)
  losses        tf.losses.mean_squared_error(y_pred, y) with GradientDescentOptimizer(1e-3)
  layers        tf.layers.dense with tf.contrib.layers.xavier_initializer() and GradientDescentOptimizer(1e-0)
Prints the loss of each of the 50 steps.
"""
import sys

import numpy as np
import tensorflow as tf

variant = sys.argv[1] if len(sys.argv) > 1 else "placeholders"
np.random.seed(0)
tf.set_random_seed(0)

N, D, H = 64, 1000, 100
x = tf.placeholder(tf.float32, shape=(N, D))
y = tf.placeholder(tf.float32, shape=(N, D))
losses = []

if variant == "placeholders":
    w1 = tf.placeholder(tf.float32, shape=(D, H))
    w2 = tf.placeholder(tf.float32, shape=(H, D))

    h = tf.maximum(tf.matmul(x, w1), 0)
    y_pred = tf.matmul(h, w2)
    diff = y_pred - y
    loss = tf.reduce_mean(tf.reduce_sum(diff ** 2, axis=1))
    grad_w1, grad_w2 = tf.gradients(loss, [w1, w2])

    with tf.Session() as sess:
        values = {x: np.random.randn(N, D),
                  w1: np.random.randn(D, H),
                  w2: np.random.randn(H, D),
                  y: np.random.randn(N, D), }
        learning_rate = 1e-5
        for t in range(50):
            out = sess.run([loss, grad_w1, grad_w2],
                           feed_dict=values)
            loss_val, grad_w1_val, grad_w2_val = out
            values[w1] -= learning_rate * grad_w1_val
            values[w2] -= learning_rate * grad_w2_val
            losses.append(loss_val)

elif variant in ("assign", "group"):
    w1 = tf.Variable(tf.random_normal((D, H)))
    w2 = tf.Variable(tf.random_normal((H, D)))

    h = tf.maximum(tf.matmul(x, w1), 0)
    y_pred = tf.matmul(h, w2)
    diff = y_pred - y
    loss = tf.reduce_mean(tf.reduce_sum(diff ** 2, axis=1))
    grad_w1, grad_w2 = tf.gradients(loss, [w1, w2])

    learning_rate = 1e-5
    new_w1 = w1.assign(w1 - learning_rate * grad_w1)
    new_w2 = w2.assign(w2 - learning_rate * grad_w2)
    updates = tf.group(new_w1, new_w2)

    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        values = {x: np.random.randn(N, D),
                  y: np.random.randn(N, D), }
        for t in range(50):
            if variant == "assign":  # "Problem: loss not going down! Assign calls not actually being executed!"
                loss_val, = sess.run([loss], feed_dict=values)
            else:  # "Add a dummy graph node that depends on updates"
                loss_val, _ = sess.run([loss, updates],
                                       feed_dict=values)
            losses.append(loss_val)

else:
    if variant == "layers":
        init = tf.contrib.layers.xavier_initializer()
        h = tf.layers.dense(inputs=x, units=H,
                            activation=tf.nn.relu, kernel_initializer=init)
        y_pred = tf.layers.dense(inputs=h, units=D,
                                 kernel_initializer=init)
        loss = tf.losses.mean_squared_error(y_pred, y)
        optimizer = tf.train.GradientDescentOptimizer(1e-0)
    else:
        w1 = tf.Variable(tf.random_normal((D, H)))
        w2 = tf.Variable(tf.random_normal((H, D)))

        h = tf.maximum(tf.matmul(x, w1), 0)
        y_pred = tf.matmul(h, w2)
        if variant == "optimizer":
            diff = y_pred - y
            loss = tf.reduce_mean(tf.reduce_sum(diff * diff, axis=1))
            optimizer = tf.train.GradientDescentOptimizer(1e-5)
        else:
            loss = tf.losses.mean_squared_error(y_pred, y)
            optimizer = tf.train.GradientDescentOptimizer(1e-3)
    updates = optimizer.minimize(loss)

    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        values = {x: np.random.randn(N, D),
                  y: np.random.randn(N, D), }
        for t in range(50):
            loss_val, _ = sess.run([loss, updates],
                                   feed_dict=values)
            losses.append(loss_val)

for t, v in enumerate(losses):
    print(t, v)
print(f"{variant}: loss {losses[0]:.6g} -> {losses[-1]:.6g}",
      "(going down)" if losses[-1] < losses[0] else "(NOT going down)")
