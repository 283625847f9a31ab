# ruff: noqa: B007, UP031, UP032  (TF 1.x code as the tutorials of its time write it)
# Linear regression on a CSV file, the first-lab way: placeholders with no shape, W and b from random_normal.
# expect: abs(last("W:") - 2.0) < 0.05
# expect: abs(last("b:") - 1.0) < 0.05
# expect: last("cost:") < 0.02
import numpy as np
import tensorflow as tf

tf.set_random_seed(777)  # for reproducibility

xy = np.loadtxt("data-linear.csv", delimiter=",", dtype=np.float32)
x_data = xy[:, 0]
y_data = xy[:, 1]
print(x_data.shape, y_data.shape, len(x_data))

# Try to find values for W and b to compute y_data = W * x_data + b
W = tf.Variable(tf.random_normal([1]), name="weight")
b = tf.Variable(tf.random_normal([1]), name="bias")

# Now we can use X and Y in place for x_data and y_data
X = tf.placeholder(tf.float32)
Y = tf.placeholder(tf.float32)

# Our hypothesis XW+b
hypothesis = X * W + b

# cost/loss function
cost = tf.reduce_mean(tf.square(hypothesis - Y))

# Minimize
optimizer = tf.train.GradientDescentOptimizer(learning_rate=0.05)
train = optimizer.minimize(cost)

sess = tf.Session()
sess.run(tf.global_variables_initializer())

# Fit the line
for step in range(401):
    cost_val, W_val, b_val, _ = sess.run([cost, W, b, train], feed_dict={X: x_data, Y: y_data})
    if step % 100 == 0:
        print(step, cost_val, W_val, b_val)

print("W:", sess.run(W)[0], "b:", sess.run(b)[0], "cost:", cost_val)

# Testing our model
print(sess.run(hypothesis, feed_dict={X: [5]}))
print(sess.run(hypothesis, feed_dict={X: [2.5]}))
print(sess.run(hypothesis, feed_dict={X: [1.5, 3.5]}))
