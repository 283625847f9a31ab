"""tf.app.run + tf.app.flags: hyperparameters from the command line, as TF 1.x tutorials define them.

Run with e.g. ``--learning_rate=0.5 --steps 60 --nouse_bias --layers=4,8``:
main() prints every flag's value and trains y = 2x (+ 1 when use_bias) with
those settings; arguments that are not flags reach main's argv.
"""
import numpy as np
import tensorflow as tf

flags = tf.app.flags
flags.DEFINE_float("learning_rate", 0.1, "Initial learning rate.")
flags.DEFINE_integer("steps", 10, "Number of steps to run trainer.", lower_bound=1)
flags.DEFINE_boolean("use_bias", True, "Learn a bias too.")
flags.DEFINE_string("run_name", "default", "A name for this run.")
flags.DEFINE_list("layers", "16,16", "Hidden sizes (unused here; parsed to show lists).")
flags.DEFINE_enum("optimizer", "sgd", ["sgd", "adam"], "Which optimizer.")
FLAGS = flags.FLAGS


def main(argv):
    print("argv:", argv[1:])
    for name, value in sorted(FLAGS.flag_values_dict().items()):
        print(f"flag {name} = {value!r}")
    x_data = np.linspace(-1, 1, 11).reshape(-1, 1).astype(np.float32)
    y_data = 2 * x_data + (1.0 if FLAGS.use_bias else 0.0)
    X = tf.placeholder(tf.float32, [None, 1])
    Y = tf.placeholder(tf.float32, [None, 1])
    W = tf.Variable(tf.zeros([1, 1]))
    hypothesis = tf.matmul(X, W)
    if FLAGS.use_bias:
        hypothesis = hypothesis + tf.Variable(tf.zeros([1]))
    cost = tf.reduce_mean(tf.square(hypothesis - Y))
    opt = (tf.train.GradientDescentOptimizer if FLAGS.optimizer == "sgd" else tf.train.AdamOptimizer)
    train = opt(FLAGS.learning_rate).minimize(cost)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(FLAGS.steps):
            sess.run(train, feed_dict={X: x_data, Y: y_data})
        print("final cost:", sess.run(cost, feed_dict={X: x_data, Y: y_data}))
        print("W:", float(sess.run(W)[0, 0]))


if __name__ == "__main__":
    tf.app.run()
