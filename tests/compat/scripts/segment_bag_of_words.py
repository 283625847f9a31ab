"""Bag-of-words sentence classification with segment ops: embeddings of every word of a batch, averaged per
sentence with tf.segment_mean (segment ids from the sentence lengths), the vocabulary of the batch from
tf.unique, a max-pooled feature with tf.segment_max, and tf.map_fn / tf.while_loop on static sizes.

Sentences of class 1 contain word 1, class 0 sentences word 2; prints the batch vocabulary, the pooled
features' shape, the map_fn and while_loop checks and the accuracy after training.
"""
import numpy as np
import tensorflow as tf

rng = np.random.RandomState(2)
V, D = 8, 4


def make_batch(n=24):
    words, ids, ys = [], [], []
    for s in range(n):
        y = s % 2
        L = rng.randint(2, 6)
        sent = list(rng.randint(3, V, size=L - 1)) + [1 if y else 2]
        rng.shuffle(sent)
        words += sent
        ids += [s] * L
        ys.append(y)
    return np.array(words, np.int32), np.array(ids, np.int32), np.array(ys, np.int32)


words = tf.placeholder(tf.int32, [None])
seg = tf.placeholder(tf.int32, [None])
y = tf.placeholder(tf.int32, [None])
E = tf.Variable(tf.random_uniform([V, D], -0.5, 0.5, seed=1))
emb = tf.nn.embedding_lookup(E, words)                 # (words, D)
mean = tf.segment_mean(emb, seg)                        # (sentences, D)
mx = tf.segment_max(emb, seg)
feat = tf.concat([mean, mx], axis=1)
W = tf.Variable(tf.zeros([2 * D, 2]))
logits = tf.matmul(feat, W)
loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
train = tf.train.AdamOptimizer(0.1).minimize(loss)
acc = tf.reduce_mean(tf.cast(tf.equal(tf.cast(tf.argmax(logits, 1), tf.int32), y), tf.float32))
vocab, where_in_vocab = tf.unique(words)
print(mean, vocab)

squares = tf.map_fn(lambda r: tf.reduce_sum(r * r), tf.constant(np.arange(6.0, dtype=np.float32).reshape(3, 2)))
i0, total = tf.constant(0), tf.constant(0)
_, tri = tf.while_loop(lambda i, t: i < 5, lambda i, t: (i + 1, t + i), [i0, total])

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    w, s, ys = make_batch()
    v, idx, f = sess.run([vocab, where_in_vocab, feat], {words: w, seg: s})
    print("vocab consistent:", bool(np.array_equal(v[idx], w)), "first-seen order:",
          bool(list(v) == list(dict.fromkeys(w.tolist()))))
    print("features:", f.shape)
    print("map_fn:", sess.run(squares).tolist(), "while_loop:", sess.run(tri))
    for _ in range(150):
        w, s, ys = make_batch()
        sess.run(train, {words: w, seg: s, y: ys})
    w, s, ys = make_batch(40)
    print("Accuracy:", sess.run(acc, {words: w, seg: s, y: ys}))
