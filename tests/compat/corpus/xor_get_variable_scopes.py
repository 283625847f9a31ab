# ruff: noqa: B007, UP031, UP032  (TF 1.x code as the tutorials of its time write it)
# XOR again, the get_variable way: a layer helper opening a variable_scope, tanh, Adam, variables listed by name.
# expect: last("accuracy") == 1.0
# expect: has("['hidden/W:0', 'hidden/b:0', 'output/W:0', 'output/b:0']")
# expect: has("hidden/W shape [2, 8]")
# expect: last("final loss") < 0.05
import tensorflow as tf

tf.set_random_seed(42)


def dense_layer(inputs, n_out, scope, activation=None):
    n_in = inputs.get_shape().as_list()[-1]
    with tf.variable_scope(scope):
        W = tf.get_variable("W", [n_in, n_out], initializer=tf.random_normal_initializer(stddev=1.0))
        b = tf.get_variable("b", [n_out], initializer=tf.zeros_initializer())
        out = tf.matmul(inputs, W) + b
        return activation(out) if activation is not None else out


inputs = tf.placeholder(tf.float32, shape=(None, 2))
targets = tf.placeholder(tf.float32, shape=(None, 1))

hidden = dense_layer(inputs, 8, "hidden", activation=tf.tanh)
logits = dense_layer(hidden, 1, "output")
loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=targets, logits=logits))
train_op = tf.train.AdamOptimizer(0.05).minimize(loss)

print(sorted(v.name for v in tf.trainable_variables()))
with tf.variable_scope("hidden", reuse=True):
    print("hidden/W shape", tf.get_variable("W").get_shape().as_list())

correct = tf.equal(tf.cast(logits > 0, tf.float32), targets)
accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))

xs = [[0, 0], [0, 1], [1, 0], [1, 1]]
ys = [[0], [1], [1], [0]]
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for i in range(500):
        l, _ = sess.run([loss, train_op], {inputs: xs, targets: ys})
        if i % 100 == 0:
            print("step %d loss %.4f" % (i, l))
    print("final loss %.4f, accuracy %.2f" % (l, sess.run(accuracy, {inputs: xs, targets: ys})))
