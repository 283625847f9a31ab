# ruff: noqa: B007, UP031, UP032  (TF 1.x code as the tutorials of its time write it)
# InteractiveSession habits: .eval() and .run() without a session argument, get_shape()[i].value, tf.arg_max.
# expect: has("input dim: 4 hidden dim: 3")
# expect: has("static shape: [None, 3]")
# expect: has("ndims 2 fully defined False")
# expect: has("softmax rows sum to 1: True")
# expect: has("argmax: [0 0]")
# expect: has("after one step the loss is lower: True")
# expect: has("x[0, :2] = [1. 2.]")
import numpy as np
import tensorflow as tf

sess = tf.InteractiveSession()

x = tf.placeholder(tf.float32, shape=[None, 4], name="x")
dim_in = x.get_shape()[1].value
W = tf.Variable(tf.constant([[0.1, 0.2, 0.3], [0.0, -0.1, 0.2], [0.5, 0.1, -0.3], [0.2, 0.2, 0.2]]))
dim_out = int(W.get_shape()[1])
print("input dim:", dim_in, "hidden dim:", dim_out)
b = tf.Variable(tf.zeros([dim_out]))
logits = tf.matmul(x, W) + b
print("static shape:", logits.get_shape().as_list())
print("ndims", logits.shape.ndims, "fully defined", logits.shape.is_fully_defined())
y = tf.nn.softmax(logits)

tf.global_variables_initializer().run()

batch = np.array([[1, 2, 3, 4], [4, 3, 2, 1]], dtype=np.float32)
probs = y.eval(feed_dict={x: batch})
print("softmax rows sum to 1:", bool(np.allclose(probs.sum(axis=1), 1.0)))
print("argmax:", tf.arg_max(logits, 1).eval(feed_dict={x: batch}))

labels = tf.constant([[0, 0, 1], [1, 0, 0]], dtype=tf.float32)
loss = tf.reduce_mean(-tf.reduce_sum(labels * tf.log(y), reduction_indices=[1]))
step = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
before = loss.eval(feed_dict={x: batch})
step.run(feed_dict={x: batch})
after = loss.eval(feed_dict={x: batch})
print("after one step the loss is lower:", bool(after < before))
print("x[0, :2] =", x[0, :2].eval(feed_dict={x: batch}))
sess.close()
