# ruff: noqa: B007, UP031, UP032  (TF 1.x code as the tutorials of its time write it)
# Variables as state: a counter with tf.assign, assign_add in a control_dependencies block, tf.group.
# expect: has("counter: 0 1 2 3")
# expect: has("x after three assign_add: 30.0")
# expect: has("y reads x after the update: 41.0")
# expect: has("group ran both: a=1.0 b=-1.0")
# expect: has("not fetched, not run: 0.0")
import tensorflow as tf

state = tf.Variable(0, name="counter")
one = tf.constant(1)
new_value = tf.add(state, one)
update = tf.assign(state, new_value)

x = tf.Variable(0.0)
inc = tf.assign_add(x, 10.0)
with tf.control_dependencies([inc]):
    y = tf.identity(x) + 1.0

va, vb = tf.Variable(0.0), tf.Variable(0.0)
both = tf.group(tf.assign_add(va, 1.0), tf.assign_sub(vb, 1.0))
lonely = tf.Variable(0.0)
_unused = lonely.assign(99.0)

init_op = tf.global_variables_initializer()
with tf.Session() as sess:
    sess.run(init_op)
    seen = [sess.run(state)]
    for _ in range(3):
        sess.run(update)
        seen.append(sess.run(state))
    print("counter:", " ".join(str(v) for v in seen))
    sess.run(inc)
    sess.run(inc)
    sess.run(inc)
    print("x after three assign_add:", sess.run(x))
    print("y reads x after the update:", sess.run(y))
    sess.run(both)
    print("group ran both: a={} b={}".format(sess.run(va), sess.run(vb)))
    print("not fetched, not run:", sess.run(lonely))
