# ruff: noqa: B007, UP031, UP032  (TF 1.x code as the tutorials of its time write it)
# Summaries the tutorial way: scalar + histogram in name scopes, merge_all, FileWriter(logdir, sess.graph); the
# log read back with tf.train.summary_iterator.
# needs: tensorboardX
# expect: has("merged summary type: <class 'bytes'>")
# expect: has("summary ops: 3")
# expect: len(files("events.out.tfevents*")) == 2
# expect: last("final loss") < 0.1
# expect: has("tags: ['loss/bias', 'loss/loss', 'model/weights']")
# expect: has("loss events: 200 steps 0 to 199")
# expect: has("logged loss at step 199 is the final loss: True")
# expect: abs(last("logged loss at step 0:") - last("mean(y^2), the loss at W = b = 0:")) < 1e-4
import glob
import os

import numpy as np
import tensorflow as tf

logs_path = os.path.join("logs", "run1")
np.random.seed(0)
x_data = np.random.rand(100, 1).astype(np.float32)
y_data = 3.0 * x_data + 2.0

with tf.name_scope("input"):
    x = tf.placeholder(tf.float32, [None, 1], name="x-input")
    y = tf.placeholder(tf.float32, [None, 1], name="y-input")
with tf.name_scope("model"):
    W = tf.Variable(tf.zeros([1, 1]), name="W")
    b = tf.Variable(tf.zeros([1]), name="b")
    pred = tf.matmul(x, W) + b
    tf.summary.histogram("weights", W)
with tf.name_scope("loss"):
    loss = tf.reduce_mean(tf.square(pred - y))
    tf.summary.scalar("loss", loss)
    tf.summary.scalar("bias", tf.reduce_sum(b))
train_op = tf.train.GradientDescentOptimizer(0.5).minimize(loss)

merged = tf.summary.merge_all()
print("summary ops:", len(tf.get_collection(tf.GraphKeys.SUMMARIES)))
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    writer = tf.summary.FileWriter(logs_path, graph=tf.get_default_graph())
    test_writer = tf.summary.FileWriter(os.path.join("logs", "test"))
    for step in range(200):
        _, l, summary = sess.run([train_op, loss, merged], feed_dict={x: x_data, y: y_data})
        writer.add_summary(summary, step)
        if step % 50 == 0:
            test_writer.add_summary(sess.run(merged, feed_dict={x: x_data[:10], y: y_data[:10]}), step)
    print("merged summary type:", type(summary))
    writer.close()
    test_writer.close()
    print("final loss", l)

# read the training log back, as "how do I get my scalars out of TensorBoard" answers do
losses = {}
tags = set()
for event_file in glob.glob(os.path.join(logs_path, "events.out.tfevents*")):
    for e in tf.train.summary_iterator(event_file):
        for v in e.summary.value:
            tags.add(v.tag)
            if v.tag == "loss/loss":
                losses[e.step] = v.simple_value
print("tags:", sorted(tags))
print("loss events:", len(losses), "steps", min(losses), "to", max(losses))
print("logged loss at step 199 is the final loss:", abs(losses[199] - l) < 1e-6)
print("logged loss at step 0:", losses[0], "mean(y^2), the loss at W = b = 0:", np.mean(y_data ** 2))
