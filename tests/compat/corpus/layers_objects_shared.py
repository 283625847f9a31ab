# ruff: noqa: B007, UP031, UP032  (TF 1.x code as the tutorials of its time write it)
# tf.layers objects built once and called on two inputs (a training batch and an evaluation batch share
# weights), Dropout(rate) with training=, layer.trainable_weights and layer.kernel, optimizer on layer variables.
# expect: has("dense1 kernel (784, 64) shared: True")
# expect: has("variables: 4")
# expect: last("eval accuracy") > 0.8
import tensorflow as tf
from tensorflow.examples.tutorials.mnist import input_data

mnist = input_data.read_data_sets("MNIST_data/", one_hot=False)
tf.set_random_seed(13)

dense1 = tf.layers.Dense(64, activation=tf.nn.relu, name="dense1")
drop = tf.layers.Dropout(rate=0.2)
dense2 = tf.layers.Dense(10, name="dense2")


def model(x, training):
    return dense2(drop(dense1(x), training=training))


x_train = tf.placeholder(tf.float32, [None, 784])
y_train = tf.placeholder(tf.int64, [None])
x_eval = tf.placeholder(tf.float32, [None, 784])
y_eval = tf.placeholder(tf.int64, [None])
train_logits = model(x_train, training=True)
eval_logits = model(x_eval, training=False)
print("dense1 kernel", tuple(dense1.kernel.shape.as_list()), "shared:",
      len(dense1.trainable_weights) == 2 and dense1.built)
print("variables:", len(tf.trainable_variables()))

loss = tf.losses.sparse_softmax_cross_entropy(labels=y_train, logits=train_logits)
train = tf.train.AdamOptimizer(0.005).minimize(loss, var_list=dense1.trainable_weights + dense2.trainable_weights)
accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(eval_logits, 1), y_eval), tf.float32))

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(200):
        bx, by = mnist.train.next_batch(64)
        sess.run(train, {x_train: bx, y_train: by})
    print("eval accuracy", sess.run(accuracy, {x_eval: mnist.test.images, y_eval: mnist.test.labels}))
