# ruff: noqa: B007, UP031, UP032  (TF 1.x code as the tutorials of its time write it)
# An MLP with tf.contrib.layers: fully_connected, xavier_initializer, l2_regularizer, regularization losses.
# expect: last("Accuracy") > 0.8
# expect: has("regularization losses: 3")
# expect: has("fc1/weights:0 [784, 128]")
import tensorflow as tf
from tensorflow.contrib import layers
from tensorflow.examples.tutorials.mnist import input_data

mnist = input_data.read_data_sets("MNIST_data", one_hot=True)
tf.set_random_seed(5)

x = tf.placeholder(tf.float32, [None, 784])
y_ = tf.placeholder(tf.float32, [None, 10])
regularizer = layers.l2_regularizer(scale=1e-4)

h1 = layers.fully_connected(x, 128, weights_initializer=layers.xavier_initializer(),
                            weights_regularizer=regularizer, scope="fc1")
h2 = layers.fully_connected(h1, 64, weights_regularizer=regularizer, scope="fc2")
logits = layers.fully_connected(h2, 10, activation_fn=None, weights_regularizer=regularizer, scope="out")

reg_losses = tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)
print("regularization losses:", len(reg_losses))
for v in tf.trainable_variables():
    if "weights" in v.name:
        print(v.name, v.get_shape().as_list())

data_loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y_, logits=logits))
total_loss = data_loss + tf.add_n(reg_losses)
train_op = tf.train.MomentumOptimizer(0.1, momentum=0.9).minimize(total_loss)
accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), tf.argmax(y_, 1)), tf.float32))

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(300):
        xs, ys = mnist.train.next_batch(64)
        _, l = sess.run([train_op, total_loss], feed_dict={x: xs, y_: ys})
        if step % 100 == 0:
            print("step", step, "loss", l)
    print("Accuracy", accuracy.eval({x: mnist.test.images, y_: mnist.test.labels}))
