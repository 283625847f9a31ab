# ruff: noqa: B007, UP031, UP032  (TF 1.x code as the tutorials of its time write it)
# Next-word prediction with an embedding and tf.nn.sampled_softmax_loss for training, the full softmax
# (tf.matmul(embed, tf.transpose(w)) + b) for evaluation, as the sampled-softmax docs recommend.
# expect: last("full softmax loss after") < 0.7 * first("full softmax loss before")
# expect: has("after 'eats' comes a food: True")
import numpy as np
import tensorflow as tf

words = open("words.txt").read().split()
vocab = sorted(set(words))
word_to_id = {w: i for i, w in enumerate(vocab)}
ids = np.array([word_to_id[w] for w in words], dtype=np.int64)
inputs_np, targets_np = ids[:-1], ids[1:]
V, D = len(vocab), 12

tf.set_random_seed(4)
inp = tf.placeholder(tf.int64, [None])
tgt = tf.placeholder(tf.int64, [None])
embedding = tf.get_variable("embedding", [V, D], initializer=tf.random_uniform_initializer(-0.5, 0.5))
softmax_w = tf.get_variable("softmax_w", [V, D], initializer=tf.truncated_normal_initializer(stddev=0.1))
softmax_b = tf.get_variable("softmax_b", [V], initializer=tf.zeros_initializer())
embed = tf.nn.embedding_lookup(embedding, inp)

train_loss = tf.reduce_mean(tf.nn.sampled_softmax_loss(
    weights=softmax_w, biases=softmax_b, labels=tf.expand_dims(tgt, -1), inputs=embed,
    num_sampled=6, num_classes=V))
logits = tf.matmul(embed, tf.transpose(softmax_w)) + softmax_b
eval_loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tgt, logits=logits))
train_op = tf.train.AdagradOptimizer(0.5).minimize(train_loss)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    print("full softmax loss before", sess.run(eval_loss, {inp: inputs_np, tgt: targets_np}))
    rng = np.random.RandomState(0)
    for step in range(400):
        idx = rng.randint(0, len(inputs_np), 128)
        sess.run(train_op, {inp: inputs_np[idx], tgt: targets_np[idx]})
    print("full softmax loss after", sess.run(eval_loss, {inp: inputs_np, tgt: targets_np}))
    nxt = sess.run(tf.argmax(logits, 1), {inp: [word_to_id["eats"]]})[0]
    print("after 'eats' comes a food:", vocab[nxt] in ("fish", "meat", "grass", "hay", "bread"))
