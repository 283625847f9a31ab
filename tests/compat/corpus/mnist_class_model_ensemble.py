# ruff: noqa: B007, UP031, UP032  (TF 1.x code as the tutorials of its time write it)
# Lab 11's object style: a Model class holding its session and variable scope; two models trained and ensembled.
# expect: last("Ensemble accuracy:") > 0.8
# expect: has("m1 variables: 4 m2 variables: 4")
# expect: has("m2/dense/kernel:0")
import numpy as np
import tensorflow as tf
from tensorflow.examples.tutorials.mnist import input_data

tf.set_random_seed(777)
mnist = input_data.read_data_sets("MNIST_data/", one_hot=True)
learning_rate = 0.01
training_epochs = 2
batch_size = 100


class Model:
    def __init__(self, sess, name):
        self.sess = sess
        self.name = name
        self._build_net()

    def _build_net(self):
        with tf.variable_scope(self.name):
            self.X = tf.placeholder(tf.float32, [None, 784])
            self.Y = tf.placeholder(tf.float32, [None, 10])
            self.keep_prob = tf.placeholder(tf.float32)
            h = tf.layers.dense(self.X, 64, activation=tf.nn.relu)
            h = tf.nn.dropout(h, keep_prob=self.keep_prob)
            self.logits = tf.layers.dense(h, 10)
        self.cost = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(logits=self.logits, labels=self.Y))
        self.optimizer = tf.train.AdamOptimizer(learning_rate=learning_rate).minimize(self.cost)
        correct_prediction = tf.equal(tf.argmax(self.logits, 1), tf.argmax(self.Y, 1))
        self.accuracy = tf.reduce_mean(tf.cast(correct_prediction, tf.float32))

    def predict(self, x_test, keep_prop=1.0):
        return self.sess.run(tf.nn.softmax(self.logits), feed_dict={self.X: x_test, self.keep_prob: keep_prop})

    def get_accuracy(self, x_test, y_test, keep_prop=1.0):
        return self.sess.run(self.accuracy, feed_dict={self.X: x_test, self.Y: y_test, self.keep_prob: keep_prop})

    def train(self, x_data, y_data, keep_prop=0.8):
        return self.sess.run([self.cost, self.optimizer],
                             feed_dict={self.X: x_data, self.Y: y_data, self.keep_prob: keep_prop})


sess = tf.Session()
models = [Model(sess, "m" + str(m + 1)) for m in range(2)]
print("m1 variables:", len(tf.trainable_variables(scope="m1")), "m2 variables:",
      len(tf.trainable_variables(scope="m2")))
print([v.name for v in tf.trainable_variables()])
sess.run(tf.global_variables_initializer())

for epoch in range(training_epochs):
    avg_cost_list = np.zeros(len(models))
    total_batch = int(mnist.train.num_examples / batch_size)
    for i in range(total_batch):
        batch_xs, batch_ys = mnist.train.next_batch(batch_size)
        for m_idx, m in enumerate(models):
            c, _ = m.train(batch_xs, batch_ys)
            avg_cost_list[m_idx] += c / total_batch
    print("Epoch:", "%04d" % (epoch + 1), "cost =", avg_cost_list)

test_size = len(mnist.test.labels)
predictions = np.zeros([test_size, 10])
for m_idx, m in enumerate(models):
    print(m_idx, "Accuracy:", m.get_accuracy(mnist.test.images, mnist.test.labels))
    predictions += m.predict(mnist.test.images)

ensemble_correct_prediction = tf.equal(tf.argmax(predictions, 1), tf.argmax(mnist.test.labels, 1))
ensemble_accuracy = tf.reduce_mean(tf.cast(ensemble_correct_prediction, tf.float32))
print("Ensemble accuracy:", sess.run(ensemble_accuracy))
