# ruff: noqa: B007, UP031, UP032  (TF 1.x code as the tutorials of its time write it)
# sess.run with every kind of fetch: a dict, a list, a tuple, nested, a namedtuple, an op (None), duplicates.
# expect: has("dict: [('prod', 6.0), ('sum', 5.0)]")
# expect: has("list: [5.0, 6.0]")
# expect: has("tuple: (5.0, (6.0, 1.0))")
# expect: has("namedtuple: Pair(total=5.0, product=6.0)")
# expect: has("op fetch: [None, 5.0]")
# expect: has("same tensor twice: [5.0, 5.0]")
# expect: has("default used: 10.0 fed: 2.0")
# expect: has("feed by name: 12.0")
# expect: has("list feed: [[4. 6.]]")
import collections

import tensorflow as tf

a = tf.placeholder(tf.float32, name="a")
b = tf.placeholder(tf.float32, name="b")
total = a + b
product = a * b
diff = tf.abs(a - b)
noop = tf.no_op()
Pair = collections.namedtuple("Pair", ["total", "product"])

feed = {a: 2.0, b: 3.0}
with tf.Session() as sess:
    d = sess.run({"sum": total, "prod": product}, feed_dict=feed)
    print("dict:", sorted((k, float(v)) for k, v in d.items()))
    print("list:", [float(v) for v in sess.run([total, product], feed)])
    t = sess.run((total, (product, diff)), feed_dict=feed)
    print("tuple:", (float(t[0]), (float(t[1][0]), float(t[1][1]))))
    p = sess.run(Pair(total, product), feed_dict=feed)
    print("namedtuple:", Pair(float(p.total), float(p.product)))
    r = sess.run([noop, total], feed_dict=feed)
    print("op fetch:", [r[0], float(r[1])])
    print("same tensor twice:", [float(v) for v in sess.run([total, total], feed)])

    scale = tf.placeholder_with_default(5.0, shape=[])
    scaled = scale * 2.0
    print("default used:", float(sess.run(scaled)), "fed:", float(sess.run(scaled, {scale: 1.0})))
    print("feed by name:", float(sess.run("mul:0", feed_dict={"a:0": 3.0, "b:0": 4.0})))

    m = tf.placeholder(tf.float32, shape=[None, 2])
    row_sum = m + [[1.0, 2.0]]
    print("list feed:", sess.run(row_sum, feed_dict={m: [[3, 4]]}))
