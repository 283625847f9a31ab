# ruff: noqa: B007, UP031, UP032  (TF 1.x code as the tutorials of its time write it)
# tf.nn.bidirectional_dynamic_rnn on padded sequences with sequence_length: TF's zero outputs past each
# length, the forward/backward outputs joined with tf.concat(outputs, 2), final states for classification
# (does the sequence contain the symbol 3?).
# expect: has("outputs past the length are zero: True")
# expect: has("concat shape: (?, 10, 24)")
# expect: last("test accuracy") > 0.9
import numpy as np
import tensorflow as tf

tf.set_random_seed(40)
rng = np.random.RandomState(40)
max_len, vocab = 10, 8


def make(n):
    lengths = rng.randint(3, max_len + 1, n)
    seqs = np.zeros((n, max_len), np.int32)
    for i, L in enumerate(lengths):
        seqs[i, :L] = rng.randint(1, vocab, L)
    labels = np.array([int(3 in s[:L]) for s, L in zip(seqs, lengths)], np.int64)
    return seqs, lengths, labels


tokens = tf.placeholder(tf.int32, [None, max_len])
seq_len = tf.placeholder(tf.int32, [None])
labels = tf.placeholder(tf.int64, [None])
emb = tf.Variable(tf.random_uniform([vocab, 8], -1, 1))
inputs = tf.nn.embedding_lookup(emb, tokens)
fw = tf.nn.rnn_cell.GRUCell(12)
bw = tf.nn.rnn_cell.GRUCell(12)
(out_fw, out_bw), (st_fw, st_bw) = tf.nn.bidirectional_dynamic_rnn(fw, bw, inputs, sequence_length=seq_len,
                                                                   dtype=tf.float32)
both = tf.concat([out_fw, out_bw], 2)
print("concat shape:", both.shape)
logits = tf.layers.dense(tf.concat([st_fw, st_bw], 1), 2)
loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
train = tf.train.AdamOptimizer(0.02).minimize(loss)
acc = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), labels), tf.float32))

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    s, L, lab = make(4)
    o = sess.run(both, {tokens: s, seq_len: L})
    print("outputs past the length are zero:", all(np.all(o[i, L[i]:] == 0) for i in range(4)))
    for step in range(300):
        s, L, lab = make(64)
        sess.run(train, {tokens: s, seq_len: L, labels: lab})
    s, L, lab = make(500)
    print("test accuracy", sess.run(acc, {tokens: s, seq_len: L, labels: lab}))
