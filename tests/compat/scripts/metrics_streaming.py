# ruff: noqa: UP031  (TF 1.x style)
"""tf.metrics over batches: accuracy, precision, recall, AUC and a mean, updated batch by batch.

A fixed logistic "model" scores 4 batches of 25 examples; after each batch the running metrics are
printed ("batch <i> acc <a> prec <p> rec <r> auc <u> mean <m>"), then the local variables are reset
and one pass over everything at once is printed ("all ...").
"""
import numpy as np
import tensorflow as tf

rng = np.random.RandomState(42)
x_all = rng.randn(100, 2).astype(np.float32)
y_all = (x_all[:, 0] + 0.5 * x_all[:, 1] + 0.3 * rng.randn(100) > 0).astype(np.int64)

x = tf.placeholder(tf.float32, [None, 2])
labels = tf.placeholder(tf.int64, [None])
W = tf.constant([[1.2], [0.4]])
prob = tf.squeeze(tf.sigmoid(tf.matmul(x, W)), axis=1)
pred = tf.cast(prob > 0.5, tf.int64)

acc, acc_op = tf.metrics.accuracy(labels=labels, predictions=pred)
prec, prec_op = tf.metrics.precision(labels=labels, predictions=pred)
rec, rec_op = tf.metrics.recall(labels=labels, predictions=pred)
auc, auc_op = tf.metrics.auc(labels=labels, predictions=prob, num_thresholds=50)
mean_p, mean_op = tf.metrics.mean(prob)
updates = tf.group(acc_op, prec_op, rec_op, auc_op, mean_op)

with tf.Session() as sess:
    sess.run(tf.local_variables_initializer())
    for i in range(4):
        sl = slice(25 * i, 25 * (i + 1))
        sess.run(updates, feed_dict={x: x_all[sl], labels: y_all[sl]})
        print("batch %d acc %.9g prec %.9g rec %.9g auc %.9g mean %.9g" % ((i,) + tuple(sess.run(
            [acc, prec, rec, auc, mean_p]))))
    sess.run(tf.local_variables_initializer())
    print("reset acc %.9g" % sess.run(acc))
    vals = sess.run([acc_op, prec_op, rec_op, auc_op, mean_op], feed_dict={x: x_all, labels: y_all})
    print("all acc %.9g prec %.9g rec %.9g auc %.9g mean %.9g" % tuple(vals))
    print("locals", sorted(v.name for v in tf.local_variables())[:4])
