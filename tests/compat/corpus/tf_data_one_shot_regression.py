# ruff: noqa: B007, UP031, UP032  (TF 1.x code as the tutorials of its time write it)
# tf.data input: Dataset.from_tensor_slices((x, y)).shuffle().batch().repeat(), make_one_shot_iterator,
# get_next() feeding the model directly (no feed_dict), linear regression on the CSV.
# expect: abs(last("W") - 2.0) < 0.05 and abs(last("b") - 1.0) < 0.05
# expect: has("output_shapes: (TensorShape([Dimension(None)]), TensorShape([Dimension(None)]))")
import numpy as np
import tensorflow as tf

xy = np.loadtxt("data-linear.csv", delimiter=",", dtype=np.float32)
dataset = tf.data.Dataset.from_tensor_slices((xy[:, 0], xy[:, 1]))
dataset = dataset.shuffle(buffer_size=100, seed=3).batch(20).repeat()
print("output_shapes:", dataset.output_shapes)
iterator = dataset.make_one_shot_iterator()
features, target = iterator.get_next()

W = tf.Variable(0.0, name="W")
b = tf.Variable(0.0, name="b")
loss = tf.losses.mean_squared_error(labels=target, predictions=W * features + b)
train_op = tf.train.MomentumOptimizer(0.05, 0.9).minimize(loss)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for i in range(300):
        _, l = sess.run([train_op, loss])
    print("loss %.4f W %.4f b %.4f" % (l, sess.run(W), sess.run(b)))
