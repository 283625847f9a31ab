# ruff: noqa: UP031  (TF 1.x tutorial style)
"""Skip-gram word2vec in the style of the TF 1.x tutorials: embedding_lookup + nce_loss (or sampled_softmax_loss).

The corpus (tests/compat/data/tiny_corpus.txt) is made of sentence templates over four word groups (animals,
foods, colors, places): words of a group occur in the same contexts, so their embeddings should end up close.
Prints the loss at the start and the end, the mean cosine similarity within groups minus between groups, and
the fraction of group words whose nearest neighbour is in the same group.

Usage: word2vec_skipgram.py nce|sampled_softmax CORPUS [STEPS]"""
import collections
import math
import random
import sys

import numpy as np
import tensorflow as tf

loss_kind = sys.argv[1] if len(sys.argv) > 1 else "nce"
corpus = sys.argv[2] if len(sys.argv) > 2 else "tiny_corpus.txt"
num_steps = int(sys.argv[3]) if len(sys.argv) > 3 else 1000

with open(corpus) as f:
    words = f.read().split()
print("Data size", len(words))

# Step 2: the dictionary, most common words first (the sampler's log-uniform distribution assumes this order)
count = collections.Counter(words).most_common()
dictionary = {word: i for i, (word, _) in enumerate(count)}
reverse_dictionary = {i: w for w, i in dictionary.items()}
data = [dictionary[w] for w in words]
vocabulary_size = len(dictionary)
print("Most common words", count[:5])

# Step 3: batches of (center word, context word) pairs
data_index = 0
rng = random.Random(7)


def generate_batch(batch_size, num_skips, skip_window):
    global data_index
    assert batch_size % num_skips == 0 and num_skips <= 2 * skip_window
    batch = np.ndarray(shape=(batch_size,), dtype=np.int32)
    labels = np.ndarray(shape=(batch_size, 1), dtype=np.int32)
    span = 2 * skip_window + 1  # [ skip_window target skip_window ]
    buffer = collections.deque(maxlen=span)
    if data_index + span > len(data):
        data_index = 0
    buffer.extend(data[data_index:data_index + span])
    data_index += span
    for i in range(batch_size // num_skips):
        context_words = [w for w in range(span) if w != skip_window]
        for j, context_word in enumerate(rng.sample(context_words, num_skips)):
            batch[i * num_skips + j] = buffer[skip_window]
            labels[i * num_skips + j, 0] = buffer[context_word]
        if data_index == len(data):
            buffer.extend(data[0:span])
            data_index = span
        else:
            buffer.append(data[data_index])
            data_index += 1
    data_index = (data_index + len(data) - span) % len(data)
    return batch, labels


# Step 4: the skip-gram model
batch_size = 64
embedding_size = 16
skip_window = 1
num_skips = 2
num_sampled = 8

tf.set_random_seed(1)
graph = tf.Graph()
with graph.as_default():
    train_inputs = tf.placeholder(tf.int32, shape=[batch_size])
    train_labels = tf.placeholder(tf.int32, shape=[batch_size, 1])

    embeddings = tf.Variable(tf.random_uniform([vocabulary_size, embedding_size], -1.0, 1.0))
    embed = tf.nn.embedding_lookup(embeddings, train_inputs)

    out_weights = tf.Variable(tf.truncated_normal([vocabulary_size, embedding_size],
                                                  stddev=1.0 / math.sqrt(embedding_size)))
    out_biases = tf.Variable(tf.zeros([vocabulary_size]))

    if loss_kind == "nce":
        loss = tf.reduce_mean(tf.nn.nce_loss(weights=out_weights, biases=out_biases, labels=train_labels,
                                             inputs=embed, num_sampled=num_sampled, num_classes=vocabulary_size))
        learning_rate = 1.0
    else:
        loss = tf.reduce_mean(tf.nn.sampled_softmax_loss(weights=out_weights, biases=out_biases,
                                                         labels=train_labels, inputs=embed,
                                                         num_sampled=num_sampled, num_classes=vocabulary_size))
        learning_rate = 0.5
    optimizer = tf.train.GradientDescentOptimizer(learning_rate).minimize(loss)

    norm = tf.sqrt(tf.reduce_sum(tf.square(embeddings), 1, keep_dims=True))
    normalized_embeddings = embeddings / norm
    similarity = tf.matmul(normalized_embeddings, normalized_embeddings, transpose_b=True)
    init = tf.global_variables_initializer()

# Step 5: train
losses = []
with tf.Session(graph=graph) as session:
    init.run()
    for step in range(num_steps):
        batch_inputs, batch_labels = generate_batch(batch_size, num_skips, skip_window)
        _, loss_val = session.run([optimizer, loss], feed_dict={train_inputs: batch_inputs,
                                                                train_labels: batch_labels})
        losses.append(loss_val)
        if step % 500 == 0:
            print("Average loss at step", step, ":", np.mean(losses[-100:]))
    sim = similarity.eval()

groups = {"animal": ["cat", "dog", "horse", "cow", "sheep"], "food": ["apple", "bread", "cheese", "rice", "soup"],
          "color": ["red", "blue", "green", "yellow", "white"], "place": ["park", "school", "river", "city", "farm"]}
group_of = {w: g for g, ws in groups.items() for w in ws}
ids = [dictionary[w] for w in group_of]
within, between, same = [], [], 0
for a in ids:
    for b in ids:
        if a != b:
            same_group = group_of[reverse_dictionary[a]] == group_of[reverse_dictionary[b]]
            (within if same_group else between).append(sim[a, b])
    row = sim[a].copy()
    row[a] = -np.inf
    nearest = reverse_dictionary[int(np.argmax(row))]
    same += group_of.get(nearest) == group_of[reverse_dictionary[a]]
    if reverse_dictionary[a] in ("cat", "red"):
        print("Nearest to %s: %s" % (reverse_dictionary[a], nearest))

print("first_loss: %.4f" % np.mean(losses[:100]))
print("last_loss: %.4f" % np.mean(losses[-100:]))
print("within_minus_between: %.4f" % (np.mean(within) - np.mean(between)))
print("neighbors_same_group: %.4f" % (same / len(ids)))
