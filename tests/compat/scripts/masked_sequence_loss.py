"""A masked sequence loss, the way TF 1.x tutorials write it for padded batches.

Each sequence of length L (padded to T) must be regressed onto 2 * its running mean + 0.5;
only the first L steps count. The mask comes from tf.sequence_mask (maxlen
None: the longest length in the batch, known at run time), the loss averages
the squared errors picked out by tf.boolean_mask. Prints the number of
counted steps, the loss written two ways (boolean_mask and a masked sum), and
the loss after training.
"""
import numpy as np
import tensorflow as tf

rng = np.random.RandomState(0)
T, B, H = 6, 32, 8
tf.set_random_seed(1)

x = tf.placeholder(tf.float32, [None, None, 1], name="x")        # (batch, time, 1), time unknown
lengths = tf.placeholder(tf.int32, [None], name="lengths")
y = tf.placeholder(tf.float32, [None, None], name="y")

mask = tf.sequence_mask(lengths)                                  # (batch, max(lengths)) bool
W1 = tf.Variable(tf.random_normal([2, H], stddev=0.5))
b1 = tf.Variable(tf.zeros([H]))
W2 = tf.Variable(tf.random_normal([H, 1], stddev=0.5))
csum = tf.cumsum(x[:, :, 0], axis=1)
steps = tf.cumsum(tf.ones_like(csum), axis=1)                     # 1, 2, 3, ... along time
feat = tf.stack([x[:, :, 0], csum / steps], axis=2)              # (batch, time, 2)
flat = tf.reshape(feat, [-1, 2])
h = tf.tanh(tf.matmul(flat, W1) + b1)
pred = tf.reshape(tf.matmul(h, W2), tf.shape(y))

err = tf.boolean_mask(pred - y, mask)                            # only the real steps: shape (?,)
loss = tf.reduce_mean(tf.square(err))
fmask = tf.sequence_mask(lengths, tf.shape(y)[1], dtype=tf.float32)
loss2 = tf.reduce_sum(tf.square(pred - y) * fmask) / tf.reduce_sum(fmask)
train = tf.train.AdamOptimizer(0.02).minimize(loss)
print(mask, err)


def batch():
    L = rng.randint(1, T + 1, size=B)
    xs = rng.uniform(-1, 1, size=(B, T, 1)).astype(np.float32)
    ys = 2.0 * np.cumsum(xs[:, :, 0], axis=1) / np.arange(1, T + 1) + 0.5
    for i, n in enumerate(L):
        xs[i, n:] = 0.0
        ys[i, n:] = 99.0                                          # padding: must not count
    T_b = int(L.max())
    return xs[:, :T_b], L, ys[:, :T_b].astype(np.float32)


with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    xs, L, ys = batch()
    n, l1, l2 = sess.run([tf.size(err), loss, loss2], {x: xs, lengths: L, y: ys})
    print("counted steps:", n, int(L.sum()))
    print(f"loss two ways: {l1:.6f} {l2:.6f}")
    for _ in range(600):
        sess.run(train, dict(zip((x, lengths, y), batch())))
    xs, L, ys = batch()
    print(f"final loss: {sess.run(loss, {x: xs, lengths: L, y: ys}):.6f}")
