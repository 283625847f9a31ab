# ruff: noqa: B007, UP031, UP032  (TF 1.x code as the tutorials of its time write it)
# The tf.contrib.eager style: tfe = tf.contrib.eager, tfe.Variable, tfe.implicit_gradients and
# tfe.gradients_function, an Adam optimizer on a tiny softmax classifier of the zoo table.
# expect: has("gradients_function of x^2 at 5: [10.0]")
# expect: last("accuracy") > 0.9
# expect: last("loss") < first("loss")
import numpy as np
import tensorflow as tf

tf.enable_eager_execution()
tfe = tf.contrib.eager

square_grad = tfe.gradients_function(lambda x: x * x)
print("gradients_function of x^2 at 5:", [float(g) for g in square_grad(5.0)])

xy = np.loadtxt("data-zoo.csv", delimiter=",", dtype=np.float32)
features = tf.constant(xy[:, :-1])
labels = tf.constant(xy[:, -1].astype(np.int64))

W = tfe.Variable(tf.zeros([16, 7]), name="W")
b = tfe.Variable(tf.zeros([7]), name="b")


def loss_fn(x, y):
    logits = tf.matmul(x, W) + b
    return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))


grad_fn = tfe.implicit_gradients(loss_fn)
optimizer = tf.train.AdamOptimizer(learning_rate=0.1)
for step in range(101):
    optimizer.apply_gradients(grad_fn(features, labels))
    if step % 50 == 0:
        print("step {} loss {:.4f}".format(step, loss_fn(features, labels).numpy()))
pred = tf.argmax(tf.matmul(features, W) + b, axis=1)
print("accuracy", tf.reduce_mean(tf.cast(tf.equal(pred, labels), tf.float32)).numpy())
