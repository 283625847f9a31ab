# ruff: noqa: B007, UP031, UP032  (TF 1.x code as the tutorials of its time write it)
# A character-level language model: the lecture text cut into windows, tf.nn.embedding_lookup of char ids,
# tf.nn.rnn_cell.GRUCell through tf.nn.dynamic_rnn, the outputs reshaped to [-1, hidden] for a dense softmax,
# trained with Adam; then greedy generation, one character at a time, feeding the state back.
# expect: last("loss") < 0.6 * first("loss")
# expect: last("next-char accuracy") > 0.5
# expect: has("outputs: (?, 20, 64) state: (?, 64)")
# expect: len([l for l in lines if l.startswith("generated: A") and len(l) == len("generated: ") + 31]) == 1
# expect: has("trainable: ['embedding:0', 'rnn/gru_cell/gates/kernel:0', 'rnn/gru_cell/gates/bias:0', ")
# expect: has("'rnn/gru_cell/candidate/kernel:0', 'rnn/gru_cell/candidate/bias:0', 'dense/kernel:0', 'dense/bias:0']")
import numpy as np
import tensorflow as tf

text = open("lectures.txt").read().strip()
chars = sorted(set(text))
char2idx = {c: i for i, c in enumerate(chars)}
data = np.array([char2idx[c] for c in text], dtype=np.int32)
vocab_size = len(chars)
seq_length = 20
hidden_size = 64

xs = np.array([data[i:i + seq_length] for i in range(0, len(data) - seq_length - 1, 3)])
ys = np.array([data[i + 1:i + seq_length + 1] for i in range(0, len(data) - seq_length - 1, 3)])
print("windows:", xs.shape)

tf.set_random_seed(12)
X = tf.placeholder(tf.int32, [None, seq_length])
Y = tf.placeholder(tf.int32, [None, seq_length])
embedding = tf.get_variable("embedding", [vocab_size, 16])
inputs = tf.nn.embedding_lookup(embedding, X)

cell = tf.nn.rnn_cell.GRUCell(num_units=hidden_size)
outputs, state = tf.nn.dynamic_rnn(cell, inputs, dtype=tf.float32)
print("outputs:", outputs.shape, "state:", state.shape)

flat = tf.reshape(outputs, [-1, hidden_size])
logits = tf.layers.dense(flat, vocab_size)
logits = tf.reshape(logits, [-1, seq_length, vocab_size])
loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=Y, logits=logits))
train = tf.train.AdamOptimizer(0.01).minimize(loss)
accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 2, output_type=tf.int32), Y), tf.float32))

# one step of the same cell for generation (a built cell keeps its weights; the dense layer is reused by name)
one_char = tf.placeholder(tf.int32, [1, 1])
init_state = tf.placeholder(tf.float32, [1, hidden_size])
step_out, step_state = tf.nn.dynamic_rnn(cell, tf.nn.embedding_lookup(embedding, one_char), initial_state=init_state)
step_logits = tf.layers.dense(tf.reshape(step_out, [-1, hidden_size]), vocab_size, name="dense", reuse=True)

print("trainable:", [v.name for v in tf.trainable_variables()])
rng = np.random.RandomState(0)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for i in range(151):
        idx = rng.randint(0, len(xs), 32)
        l, _ = sess.run([loss, train], feed_dict={X: xs[idx], Y: ys[idx]})
        if i % 50 == 0:
            print(i, "loss:", l)
    print("next-char accuracy", sess.run(accuracy, feed_dict={X: xs, Y: ys}))
    s = np.zeros([1, hidden_size], np.float32)
    c = char2idx["A"]
    out = "A"
    for _ in range(30):
        lg, s = sess.run([step_logits, step_state], feed_dict={one_char: [[c]], init_state: s})
        c = int(np.argmax(lg))
        out += chars[c]
    print("generated:", out)
