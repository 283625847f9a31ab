# ruff: noqa: B007, UP031, UP032  (TF 1.x code as the tutorials of its time write it)
# compute_gradients / clip_by_global_norm / apply_gradients, and gradients checked against closed forms.
# expect: has("grads: [6.0, 8.0] global norm: 10.0")
# expect: has("clipped: [3.0, 4.0]")
# expect: has("after one step: w1=2.7 w2=3.6")
# expect: has("clip_by_value grads: [1.0, 1.0]")
# expect: has("tf.gradients of x^3 at 2: 12.0, second derivative: 12.0")
import tensorflow as tf

w1 = tf.Variable(3.0, name="w1")
w2 = tf.Variable(4.0, name="w2")
loss = w1 * w1 + w2 * w2  # gradient (2 w1, 2 w2) = (6, 8), norm 10

opt = tf.train.GradientDescentOptimizer(learning_rate=0.1)
grads_and_vars = opt.compute_gradients(loss)
grads, variables = zip(*grads_and_vars)
clipped, global_norm = tf.clip_by_global_norm(grads, clip_norm=5.0)
train_op = opt.apply_gradients(zip(clipped, variables))

capped = [(tf.clip_by_value(g, -1.0, 1.0), v) for g, v in grads_and_vars]

x = tf.placeholder(tf.float32)
y = x ** 3
dy = tf.gradients(y, x)[0]
d2y = tf.gradients(dy, x)[0]

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    g, n = sess.run([list(grads), global_norm])
    print("grads:", [float(v) for v in g], "global norm:", float(n))
    print("clipped:", [round(float(v), 5) for v in sess.run(list(clipped))])
    sess.run(train_op)
    print("after one step: w1=%.1f w2=%.1f" % tuple(sess.run([w1, w2])))
    print("clip_by_value grads:", [float(sess.run(g)) for g, _ in capped])
    print("tf.gradients of x^3 at 2: {}, second derivative: {}".format(sess.run(dy, {x: 2.0}), sess.run(d2y, {x: 2.0})))
