# ruff: noqa: B007, UP031, UP032  (TF 1.x code as the tutorials of its time write it)
# Names as handles: tensors named by name=/name_scope, found again with graph.get_tensor_by_name("x:0") and
# get_operation_by_name, fetched and fed by their names; collections (tf.add_to_collection) for the
# prediction op, as "restore and predict" posts do.
# expect: has("lookup: x:0 logits/add:0 train")
# expect: has("same tensor: True")
# expect: has("collection prediction: logits/add:0")
# expect: has("fed by name: [[1.5 3. ]]")
# expect: has("op type: Placeholder, inputs: 0")
import numpy as np
import tensorflow as tf

x = tf.placeholder(tf.float32, [None, 2], name="x")
with tf.name_scope("logits"):
    w = tf.Variable([[1.0, 2.0], [0.5, 1.0]], name="w")
    out = tf.matmul(x, w) + 0.0
train = tf.train.GradientDescentOptimizer(0.1).minimize(tf.reduce_sum(out), name="train")
tf.add_to_collection("prediction", out)

graph = tf.get_default_graph()
x2 = graph.get_tensor_by_name("x:0")
out2 = graph.get_tensor_by_name(out.name)
op = graph.get_operation_by_name("train")
print("lookup:", x2.name, out2.name, op.name)
print("same tensor:", x2 is x and out2 is out)
print("collection prediction:", tf.get_collection("prediction")[0].name)
ph = graph.get_operation_by_name("x")
print("op type: %s, inputs: %d" % (ph.type, len(ph.inputs)))
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    print("fed by name:", sess.run(out.name, feed_dict={"x:0": np.array([[1.0, 1.0]])}))
