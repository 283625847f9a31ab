# ruff: noqa: B007, UP031, UP032  (TF 1.x code as the tutorials of its time write it)
# tf.metrics streaming: accuracy, precision, recall and mean over batches (value and update ops, local
# variables initialized by tf.local_variables_initializer), then reset by re-running it.
# expect: has("accuracy 0.75 precision 0.6667 recall 1.0 mean 2.5")
# expect: has("after reset: 0.5")
import tensorflow as tf

labels = tf.placeholder(tf.int64, [None])
predictions = tf.placeholder(tf.int64, [None])
values = tf.placeholder(tf.float32, [None])

acc, acc_op = tf.metrics.accuracy(labels=labels, predictions=predictions)
prec, prec_op = tf.metrics.precision(labels=labels, predictions=predictions)
rec, rec_op = tf.metrics.recall(labels=labels, predictions=predictions)
mean, mean_op = tf.metrics.mean(values)

batches = [([1, 0, 1, 1], [1, 1, 1, 1], [1.0, 2.0]), ([0, 0, 1, 0], [0, 1, 1, 0], [3.0, 4.0])]
with tf.Session() as sess:
    sess.run(tf.local_variables_initializer())
    for l, p, v in batches:
        sess.run([acc_op, prec_op, rec_op, mean_op], {labels: l, predictions: p, values: v})
    a, pr, r, m = sess.run([acc, prec, rec, mean])
    print("accuracy %.2f precision %.4f recall %.1f mean %.1f" % (a, pr, r, m))
    sess.run(tf.local_variables_initializer())
    sess.run(acc_op, {labels: [1, 0], predictions: [1, 1]})
    print("after reset:", sess.run(acc))
