# ruff: noqa: B007, UP031, UP032  (TF 1.x code as the tutorials of its time write it)
# An MNIST MLP driven by tf.app.flags and tf.app.run(main), the way the fully_connected_feed example is organised.
# args: --learning_rate=0.3 --max_steps 300 --hidden1=64 --batch_size=50 --nolog_device
# expect: has("flags: learning_rate=0.3 max_steps=300 hidden1=64 batch_size=50 log_device=False")
# expect: has("leftover argv: ['mnist_mlp_app_flags.py']")
# expect: last("Test accuracy") > 0.8
import sys

import tensorflow as tf
from tensorflow.examples.tutorials.mnist import input_data

flags = tf.app.flags
FLAGS = flags.FLAGS
flags.DEFINE_float("learning_rate", 0.01, "Initial learning rate.")
flags.DEFINE_integer("max_steps", 2000, "Number of steps to run trainer.")
flags.DEFINE_integer("hidden1", 128, "Number of units in hidden layer 1.")
flags.DEFINE_integer("batch_size", 100, "Batch size.")
flags.DEFINE_string("data_dir", "MNIST_data", "Directory with the training data.")
flags.DEFINE_boolean("log_device", True, "Print where ops run.")


def inference(images, hidden1_units):
    with tf.name_scope("hidden1"):
        weights = tf.Variable(tf.truncated_normal([784, hidden1_units], stddev=1.0 / 28.0), name="weights")
        biases = tf.Variable(tf.zeros([hidden1_units]), name="biases")
        hidden1 = tf.nn.relu(tf.matmul(images, weights) + biases)
    with tf.name_scope("softmax_linear"):
        weights = tf.Variable(tf.truncated_normal([hidden1_units, 10], stddev=0.1), name="weights")
        biases = tf.Variable(tf.zeros([10]), name="biases")
        logits = tf.matmul(hidden1, weights) + biases
    return logits


def loss(logits, labels):
    labels = tf.to_int64(labels)
    return tf.losses.sparse_softmax_cross_entropy(labels=labels, logits=logits)


def main(argv):
    print("flags: learning_rate=%s max_steps=%d hidden1=%d batch_size=%d log_device=%s"
          % (FLAGS.learning_rate, FLAGS.max_steps, FLAGS.hidden1, FLAGS.batch_size, FLAGS.log_device))
    print("leftover argv:", [a.split("/")[-1] for a in argv])
    tf.logging.set_verbosity(tf.logging.ERROR)
    data_sets = input_data.read_data_sets(FLAGS.data_dir)
    with tf.Graph().as_default():
        tf.set_random_seed(1)
        images_placeholder = tf.placeholder(tf.float32, shape=(None, 784))
        labels_placeholder = tf.placeholder(tf.int32, shape=(None,))
        logits = inference(images_placeholder, FLAGS.hidden1)
        loss_op = loss(logits, labels_placeholder)
        global_step = tf.Variable(0, name="global_step", trainable=False)
        train_op = tf.train.GradientDescentOptimizer(FLAGS.learning_rate).minimize(loss_op, global_step=global_step)
        correct = tf.nn.in_top_k(logits, labels_placeholder, 1)
        eval_correct = tf.reduce_sum(tf.cast(correct, tf.int32))
        sess = tf.Session(config=tf.ConfigProto(log_device_placement=FLAGS.log_device))
        sess.run(tf.global_variables_initializer())
        for step in range(FLAGS.max_steps):
            images_feed, labels_feed = data_sets.train.next_batch(FLAGS.batch_size)
            _, loss_value = sess.run([train_op, loss_op],
                                     feed_dict={images_placeholder: images_feed, labels_placeholder: labels_feed})
            if step % 100 == 0:
                print("Step %d: loss = %.2f" % (step, loss_value))
        print("global step:", tf.train.global_step(sess, global_step))
        true_count = sess.run(eval_correct, feed_dict={images_placeholder: data_sets.test.images,
                                                       labels_placeholder: data_sets.test.labels})
        precision = float(true_count) / data_sets.test.num_examples
        print("Test accuracy: %0.04f (%d of %d)" % (precision, true_count, data_sets.test.num_examples))


if __name__ == "__main__":
    tf.app.run(main=main, argv=[sys.argv[0]] + sys.argv[1:])
