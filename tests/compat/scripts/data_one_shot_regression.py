"""tf.data with a one-shot iterator: linear regression on y = 3x - 2 fed by shuffle/repeat/batch.

The training loop never feeds anything: each sess.run(train) pulls the next
batch through the iterator's get_next node. Prints the learned W and b.
"""
import numpy as np
import tensorflow as tf

tf.set_random_seed(1)
rng = np.random.RandomState(0)
x_data = rng.uniform(-1, 1, size=(200, 1)).astype(np.float32)
y_data = 3 * x_data - 2

dataset = tf.data.Dataset.from_tensor_slices((x_data, y_data))
dataset = dataset.shuffle(buffer_size=200, seed=0).repeat().batch(20)
iterator = dataset.make_one_shot_iterator()
x, y = iterator.get_next()
print("element shapes:", dataset.output_shapes, "types:", dataset.output_types)

W = tf.Variable(tf.random_normal([1, 1]), name="weight")
b = tf.Variable(tf.zeros([1]), name="bias")
hypothesis = tf.matmul(x, W) + b
cost = tf.reduce_mean(tf.square(hypothesis - y))
train = tf.train.GradientDescentOptimizer(learning_rate=0.5).minimize(cost)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(301):
        cost_val, _ = sess.run([cost, train])
        if step % 100 == 0:
            print(step, cost_val)
    w_val, b_val = sess.run([W, b])
    print("W:", float(w_val[0, 0]), "b:", float(b_val[0]))
