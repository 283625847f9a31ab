# ruff: noqa: B007, UP031, UP032  (TF 1.x code as the tutorials of its time write it)
# The getting-started page: constants, print(tensor), sessions, placeholders fed with lists.
# expect: has("b'Hello, TensorFlow!'")
# expect: has('node1: Tensor("Const_1:0", shape=(), dtype=float32) node2: Tensor("Const_2:0", shape=(), dtype=float32)')
# expect: has("sess.run(node1, node2): [np.float32(3.0), np.float32(4.0)]") or has("(node1, node2): [3.0, 4.0]")
# expect: "7.5" in lines
# expect: has('node3: Tensor("Add:0", shape=(), dtype=float32)')
# expect: has("sess.run(node3): 7.0")
# expect: has("[3. 7.]")
# expect: has("22.5")
# expect: has('Tensor("Placeholder:0", dtype=float32)')
# expect: has("a + b shape: <unknown>")
import tensorflow as tf

hello = tf.constant("Hello, TensorFlow!")
sess = tf.Session()
print(sess.run(hello))

node1 = tf.constant(3.0, tf.float32)
node2 = tf.constant(4.0)  # also tf.float32 implicitly
print("node1:", node1, "node2:", node2)
print("sess.run(node1, node2):", sess.run([node1, node2]))

node3 = tf.add(node1, node2)
print("node3:", node3)
print("sess.run(node3):", sess.run(node3))

a = tf.placeholder(tf.float32)
b = tf.placeholder(tf.float32)
adder_node = a + b  # + provides a shortcut for tf.add(a, b)
print(a)
print("a + b shape:", adder_node.get_shape())

print(sess.run(adder_node, feed_dict={a: 3, b: 4.5}))
print(sess.run(adder_node, feed_dict={a: [1, 3], b: [2, 4]}))

add_and_triple = adder_node * 3.
print(sess.run(add_and_triple, feed_dict={a: 3, b: 4.5}))
sess.close()
