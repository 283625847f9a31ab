# ruff: noqa: B007, UP031, UP032  (TF 1.x code as the tutorials of its time write it)
# XOR with a hidden layer, each layer in a name_scope, the cost written with tf.log (the lab way).
# expect: last("Accuracy:") == 1.0
# expect: has('Tensor("layer1/Sigmoid:0", shape=(?, 10), dtype=float32)')
# expect: has("weight names: ['layer1/weight1:0', 'layer1/bias1:0', 'layer2/weight2:0', 'layer2/bias2:0']")
import numpy as np
import tensorflow as tf

tf.set_random_seed(777)  # for reproducibility

x_data = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
y_data = np.array([[0], [1], [1], [0]], dtype=np.float32)

X = tf.placeholder(tf.float32, [None, 2], name="x-input")
Y = tf.placeholder(tf.float32, [None, 1], name="y-input")

with tf.name_scope("layer1"):
    W1 = tf.Variable(tf.random_normal([2, 10]), name="weight1")
    b1 = tf.Variable(tf.random_normal([10]), name="bias1")
    layer1 = tf.sigmoid(tf.matmul(X, W1) + b1)
    print(layer1)

with tf.name_scope("layer2"):
    W2 = tf.Variable(tf.random_normal([10, 1]), name="weight2")
    b2 = tf.Variable(tf.random_normal([1]), name="bias2")
    hypothesis = tf.sigmoid(tf.matmul(layer1, W2) + b2)

print("weight names:", [v.name for v in tf.global_variables()])

# cost/loss function
with tf.name_scope("cost"):
    cost = -tf.reduce_mean(Y * tf.log(hypothesis) + (1 - Y) * tf.log(1 - hypothesis))

with tf.name_scope("train"):
    train = tf.train.GradientDescentOptimizer(learning_rate=1.0).minimize(cost)

# Accuracy computation
# True if hypothesis>0.5 else False
predicted = tf.cast(hypothesis > 0.5, dtype=tf.float32)
accuracy = tf.reduce_mean(tf.cast(tf.equal(predicted, Y), dtype=tf.float32))

# Launch graph
with tf.Session() as sess:
    # Initialize TensorFlow variables
    sess.run(tf.global_variables_initializer())

    for step in range(3001):
        _, cost_val = sess.run([train, cost], feed_dict={X: x_data, Y: y_data})
        if step % 1000 == 0:
            print(step, cost_val)

    # Accuracy report
    h, p, a = sess.run([hypothesis, predicted, accuracy], feed_dict={X: x_data, Y: y_data})
    print("\nHypothesis:\n", h, "\nPredicted:\n", p, "\nAccuracy:\n", a)
