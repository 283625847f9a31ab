# ruff: noqa: B007, UP031, UP032  (TF 1.x code as the tutorials of its time write it)
# The "tensor manipulation" lab: shapes, ranks, axes, broadcasting, integer reduce_mean, argmax, reshape,
# squeeze/expand_dims, one_hot, cast, stack/unstack, ones_like, zip; every value printed with .eval().
# expect: has("rank 2 shape [2, 2]")
# expect: "integer mean: 1" in lines
# expect: has("float mean: 1.5")
# expect: has("mean axis 0: [2. 3.] axis 1: [1.5 3.5] axis -1: [1.5 3.5]")
# expect: has("argmax axis 0: [1 0 0] axis 1: [2 0]")
# expect: has("reshape: (2, 2, 3)")
# expect: has("squeeze: [0 1 2] expand_dims: [[0]\n [1]\n [2]]")
# expect: has("one_hot reshaped: (4, 3)")
# expect: has("cast: [1 2 3 4] [1 0 1 0]")
# expect: has("stack axis 1: [[1 2 3]\n [4 5 6]]")
# expect: has("broadcast: [[4. 4.]\n [5. 5.]]")
# expect: has("matmul vs multiply: (2, 1) (2, 2)")
# expect: has("ones_like: [[1 1 1]\n [1 1 1]]")
# expect: has("zip: 1 4 / 2 5 / 3 6")
# expect: has("unstack: 3 pieces of shape (2,)")
import numpy as np
import tensorflow as tf

sess = tf.InteractiveSession()

t = np.array([[1., 2.], [3., 4.]])
print("rank", tf.rank(t).eval(), "shape", tf.shape(t).eval().tolist())

print("integer mean:", tf.reduce_mean([1, 2], axis=0).eval())
x = [[1., 2.], [3., 4.]]
print("float mean:", tf.reduce_mean([1., 2.], axis=0).eval())
print("mean axis 0:", tf.reduce_mean(x, axis=0).eval(), "axis 1:", tf.reduce_mean(x, axis=1).eval(),
      "axis -1:", tf.reduce_mean(x, axis=-1).eval())

y = [[0, 1, 2], [2, 1, 0]]
print("argmax axis 0:", tf.argmax(y, axis=0).eval(), "axis 1:", tf.argmax(y, axis=1).eval())

t = np.array([[[0, 1, 2], [3, 4, 5]], [[6, 7, 8], [9, 10, 11]]])
print("reshape:", tf.reshape(t, shape=[-1, 2, 3]).eval().shape)
print("squeeze:", tf.squeeze([[0], [1], [2]]).eval(), "expand_dims:", tf.expand_dims([0, 1, 2], 1).eval())

oh = tf.one_hot([[0], [1], [2], [0]], depth=3)
print("one_hot reshaped:", tf.reshape(oh, shape=[-1, 3]).eval().shape)

print("cast:", tf.cast([1.8, 2.2, 3.3, 4.9], tf.int32).eval(), tf.cast([True, False, 1 == 1, 0 == 1], tf.int32).eval())

a = [1, 2, 3]
b = [4, 5, 6]
print("stack axis 1:", tf.stack([a, b], axis=0).eval())

m1 = tf.constant([[3., 3.]])
m2 = tf.constant([[1.], [2.]])
print("broadcast:", (m1 + m2).eval())
print("matmul vs multiply:", tf.matmul(tf.constant([[1., 2.], [3., 4.]]), m2).eval().shape, (m1 * m2).eval().shape)
print("ones_like:", tf.ones_like([[0, 1, 2], [2, 1, 0]]).eval())
print("zip:", " / ".join("%d %d" % (p, q) for p, q in zip([1, 2, 3], [4, 5, 6])))
pieces = tf.unstack(tf.constant([[1, 2, 3], [4, 5, 6]]), axis=1)
print("unstack:", len(pieces), "pieces of shape", pieces[0].eval().shape)
