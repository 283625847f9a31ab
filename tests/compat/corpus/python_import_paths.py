# ruff: noqa: B007, UP031, UP032  (TF 1.x code as the tutorials of its time write it)
# Imports from tensorflow.python paths, as many blog programs write them.
# expect: has("ops graph is the default: True")
# expect: has("dtypes: float32")
# expect: has("init ok: [1.0, 1.0]")
# expect: has("math_ops.reduce_sum of the reshaped v: 2.0")
# expect: has("control_flow_ops.group type: Operation")
import tensorflow as tf
from tensorflow.python.framework import dtypes, ops
from tensorflow.python.ops import array_ops, control_flow_ops, init_ops, math_ops, variables

ops.reset_default_graph()
print("ops graph is the default:", ops.get_default_graph() is tf.get_default_graph())
print("dtypes:", dtypes.float32.name)
v = variables.Variable(init_ops.ones_initializer()([2]), name="v")
total = math_ops.reduce_sum(array_ops.reshape(v, [1, 2]))
grp = control_flow_ops.group(v.assign_add([0.0, 0.0]))
with tf.Session() as sess:
    sess.run(variables.global_variables_initializer())
    print("init ok:", [float(a) for a in sess.run(v)])
    print("math_ops.reduce_sum of the reshaped v:", sess.run(total))
    print("control_flow_ops.group type:", type(grp).__name__)
