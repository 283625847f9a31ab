"""A softmax classifier whose loss picks each example's true-class log-probability with tf.gather_nd,
evaluated with a top-k accuracy (tf.nn.top_k) and a per-class count (tf.unsorted_segment_sum).

Three Gaussian blobs in 2-D; prints the gather_nd loss next to TF's sparse
softmax cross-entropy (equal), the top-1 and top-2 accuracy and the per-class
correct counts.
"""
import numpy as np
import tensorflow as tf

rng = np.random.RandomState(1)
centers = np.array([[0.0, 2.0], [2.0, -1.0], [-2.0, -1.0]])
labels_np = rng.randint(0, 3, size=300)
x_np = (centers[labels_np] + 0.7 * rng.randn(300, 2)).astype(np.float32)

x = tf.placeholder(tf.float32, [None, 2])
labels = tf.placeholder(tf.int32, [None])
W = tf.Variable(tf.zeros([2, 3]))
b = tf.Variable(tf.zeros([3]))
logits = tf.matmul(x, W) + b
logp = tf.nn.log_softmax(logits)
n = tf.shape(labels)[0]
picked = tf.gather_nd(logp, tf.stack([tf.range(n), labels], axis=1))     # logp[i, labels[i]]
loss = -tf.reduce_mean(picked)
ref = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
train = tf.train.GradientDescentOptimizer(0.5).minimize(loss)

_, top2 = tf.nn.top_k(logits, k=2)
hit1 = tf.equal(top2[:, 0], labels)
hit2 = tf.reduce_any(tf.equal(top2, labels[:, None]), axis=1)
top1_acc = tf.reduce_mean(tf.cast(hit1, tf.float32))
top2_acc = tf.reduce_mean(tf.cast(hit2, tf.float32))
per_class = tf.unsorted_segment_sum(tf.cast(hit1, tf.int32), labels, 3)
print(picked, per_class)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    feed = {x: x_np, labels: labels_np}
    l0, r0 = sess.run([loss, ref], feed)
    print(f"loss two ways: {l0:.6f} {r0:.6f}")
    for _ in range(200):
        sess.run(train, feed)
    l1, a1, a2, pc = sess.run([loss, top1_acc, top2_acc, per_class], feed)
    print(f"final loss: {l1:.4f}")
    print(f"top-1: {a1:.4f} top-2: {a2:.4f}")
    print("per class:", pc.tolist(), np.bincount(labels_np).tolist())
