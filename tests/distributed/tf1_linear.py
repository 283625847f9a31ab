"""A TF 1.x program made data-parallel with neuralab.distributed.tf1 (run by test_tf1_helper.py).

Linear regression on 64 fixed rows, full-batch gradient descent for 20 steps. With ``--ranks-share`` each
rank feeds its contiguous quarter/half of the rows and the gradients are averaged over the ranks; without
it, one process feeds all rows. Rank 0 prints the final weights as JSON.
"""
import json
import sys

import numpy as np

import neuralab.compat.v1 as tf

share = "--ranks-share" in sys.argv
rng = np.random.default_rng(0)
X = rng.standard_normal((64, 3)).astype(np.float32)
Y = (X @ np.array([[1.0], [-2.0], [0.5]], np.float32) + 0.1).astype(np.float32)
if share:
    import neuralab.distributed.tf1 as hvd

    hvd.init()
    r, n = hvd.rank(), hvd.size()
    X, Y = X[64 * r // n: 64 * (r + 1) // n], Y[64 * r // n: 64 * (r + 1) // n]
x = tf.placeholder(tf.float32, [None, 3])
y = tf.placeholder(tf.float32, [None, 1])
w = tf.Variable(tf.random_normal([3, 1], seed=1 + (hvd.rank() if share else 0)))  # different starts per rank
b = tf.Variable(tf.zeros([1]))
loss = tf.reduce_mean(tf.square(tf.matmul(x, w) + b - y))
opt = tf.train.GradientDescentOptimizer(0.1)
if share:
    opt = hvd.DistributedOptimizer(opt)
train = opt.minimize(loss)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    if share:
        hvd.broadcast_global_variables(sess)  # rank 0's start everywhere
    for _ in range(20):
        sess.run(train, {x: X, y: Y})
    wv, bv = sess.run([w, b])
    if not share or hvd.rank() == 0:
        print("RESULT " + json.dumps({"w": wv.ravel().tolist(), "b": bv.ravel().tolist()}))
