# ruff: noqa: B007, UP031, UP032  (TF 1.x code as the tutorials of its time write it)
# Skip-gram word2vec with NCE (the basic tutorial, shortened): build the vocabulary with collections.Counter,
# generate (center, context) batches, tf.nn.embedding_lookup, tf.nn.nce_loss, normalized embeddings for
# cosine similarity. In the corpus "cat" and "dog" fill the same slots, so they end up close.
# expect: last("Average loss at step 1000:") < 0.9 * first("Average loss at step 200:")
# expect: last("similarity(cat, dog)") > last("similarity(cat, in)")
# expect: has("vocabulary size: 20")
import collections
import math

import numpy as np
import tensorflow as tf

with open("words.txt") as f:
    words = f.read().split()
print("Data size", len(words))

count = collections.Counter(words).most_common()
dictionary = {word: i for i, (word, _) in enumerate(count)}
reverse_dictionary = dict(zip(dictionary.values(), dictionary.keys()))
data = [dictionary[w] for w in words]
vocabulary_size = len(dictionary)
print("vocabulary size:", vocabulary_size)
print("Most common words", count[:5])

data_index = 0


def generate_batch(batch_size, skip_window):
    global data_index
    batch = np.ndarray(shape=(batch_size), dtype=np.int32)
    labels = np.ndarray(shape=(batch_size, 1), dtype=np.int32)
    span = 2 * skip_window + 1
    buffer = collections.deque(maxlen=span)
    for _ in range(span):
        buffer.append(data[data_index])
        data_index = (data_index + 1) % len(data)
    i = 0
    while i < batch_size:
        for j in range(span):
            if j == skip_window or i >= batch_size:
                continue
            batch[i] = buffer[skip_window]
            labels[i, 0] = buffer[j]
            i += 1
        buffer.append(data[data_index])
        data_index = (data_index + 1) % len(data)
    return batch, labels


batch_size = 64
embedding_size = 16
num_sampled = 8

graph = tf.Graph()
with graph.as_default():
    tf.set_random_seed(1)
    train_inputs = tf.placeholder(tf.int32, shape=[batch_size])
    train_labels = tf.placeholder(tf.int32, shape=[batch_size, 1])
    embeddings = tf.Variable(tf.random_uniform([vocabulary_size, embedding_size], -1.0, 1.0))
    embed = tf.nn.embedding_lookup(embeddings, train_inputs)
    nce_weights = tf.Variable(tf.truncated_normal([vocabulary_size, embedding_size],
                                                  stddev=1.0 / math.sqrt(embedding_size)))
    nce_biases = tf.Variable(tf.zeros([vocabulary_size]))
    loss = tf.reduce_mean(tf.nn.nce_loss(weights=nce_weights, biases=nce_biases, labels=train_labels,
                                         inputs=embed, num_sampled=num_sampled, num_classes=vocabulary_size))
    optimizer = tf.train.GradientDescentOptimizer(1.0).minimize(loss)
    norm = tf.sqrt(tf.reduce_sum(tf.square(embeddings), 1, keep_dims=True))
    normalized_embeddings = embeddings / norm
    init = tf.global_variables_initializer()

with tf.Session(graph=graph) as session:
    init.run()
    average_loss = 0
    for step in range(1, 1001):
        batch_inputs, batch_labels = generate_batch(batch_size, skip_window=1)
        _, loss_val = session.run([optimizer, loss], feed_dict={train_inputs: batch_inputs,
                                                                 train_labels: batch_labels})
        average_loss += loss_val
        if step % 200 == 0:
            print("Average loss at step %d: %.4f" % (step, average_loss / 200))
            average_loss = 0
    final = normalized_embeddings.eval()

for a, b in (("cat", "dog"), ("cat", "in")):
    print("similarity(%s, %s) %.3f" % (a, b, float(np.dot(final[dictionary[a]], final[dictionary[b]]))))
