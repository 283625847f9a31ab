# ruff: noqa: B007, UP031, UP032  (TF 1.x code as the tutorials of its time write it)
# An initializable iterator over placeholders: each epoch re-runs iterator.initializer with a feed and
# loops until tf.errors.OutOfRangeError; map() normalizes, batch() leaves a short last batch.
# expect: has("batches per epoch: [4, 4, 4]")
# expect: has("last batch size: 4")
# expect: last("Acc") > 0.8
import numpy as np
import tensorflow as tf

xy = np.loadtxt("data-diabetes.csv", delimiter=",", dtype=np.float32)
x_np, y_np = xy[:, :-1], xy[:, [-1]]
x_train, y_train = x_np[:100], y_np[:100]

features_placeholder = tf.placeholder(x_np.dtype, (None,) + x_np.shape[1:])
labels_placeholder = tf.placeholder(y_np.dtype, [None, 1])
dataset = tf.data.Dataset.from_tensor_slices((features_placeholder, labels_placeholder))
dataset = dataset.map(lambda f, l: (f * 2.0, l)).batch(32)
iterator = dataset.make_initializable_iterator()
next_x, next_y = iterator.get_next()

W = tf.Variable(tf.zeros([8, 1]))
b = tf.Variable(tf.zeros([1]))
logits = tf.matmul(next_x, W) + b
loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=next_y, logits=logits))
train = tf.train.AdamOptimizer(0.05).minimize(loss)

X = tf.placeholder(tf.float32, [None, 8])
Y = tf.placeholder(tf.float32, [None, 1])
acc = tf.reduce_mean(tf.cast(tf.equal(tf.cast(tf.matmul(X * 2.0, W) + b > 0, tf.float32), Y), tf.float32))

counts = []
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for epoch in range(3):
        sess.run(iterator.initializer, feed_dict={features_placeholder: x_train, labels_placeholder: y_train})
        n = 0
        while True:
            try:
                _, bx = sess.run([train, next_x])
                n += 1
                last = len(bx)
            except tf.errors.OutOfRangeError:
                break
        counts.append(n)
    for epoch in range(30):
        sess.run(iterator.initializer, feed_dict={features_placeholder: x_np, labels_placeholder: y_np})
        try:
            while True:
                sess.run(train)
        except tf.errors.OutOfRangeError:
            pass
    print("batches per epoch:", counts)
    print("last batch size:", last)
    print("Acc", sess.run(acc, {X: x_np, Y: y_np}))
