# ruff: noqa: B007, UP031, UP032  (TF 1.x code as the tutorials of its time write it)
# XOR with tf.layers.dense and tf.losses: the names TF gives the layers, the loss collection.
# expect: has("dense/kernel:0 (2, 8)")
# expect: has("dense_1/kernel:0 (8, 1)")
# expect: has("losses collection: 1")
# expect: has("predictions: [0 1 1 0]")
import numpy as np
import tensorflow as tf

tf.set_random_seed(1)
np.random.seed(1)

X = tf.placeholder(tf.float32, [None, 2])
y = tf.placeholder(tf.float32, [None, 1])

h = tf.layers.dense(X, 8, activation=tf.tanh, kernel_initializer=tf.glorot_uniform_initializer())
out = tf.layers.dense(h, 1)

loss = tf.losses.sigmoid_cross_entropy(multi_class_labels=y, logits=out)
opt = tf.train.RMSPropOptimizer(learning_rate=0.05)
train = opt.minimize(loss)

for v in tf.trainable_variables():
    print(v.name, tuple(v.shape.as_list()))
print("losses collection:", len(tf.get_collection(tf.GraphKeys.LOSSES)))

data = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], np.float32)
labels = np.array([[0], [1], [1], [0]], np.float32)
sess = tf.Session()
sess.run(tf.global_variables_initializer())
for step in range(800):
    sess.run(train, feed_dict={X: data, y: labels})
print("loss:", sess.run(loss, feed_dict={X: data, y: labels}))
pred = sess.run(tf.cast(tf.sigmoid(out) > 0.5, tf.int32), feed_dict={X: data})
print("predictions:", pred.ravel())
