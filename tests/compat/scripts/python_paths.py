"""Imports from tensorflow.python... paths, as tutorials write them, building and running a small model."""
import numpy as np
import tensorflow as tf
from tensorflow.python.client import device_lib
from tensorflow.python.framework import constant_op, dtypes, ops
from tensorflow.python.ops import array_ops, control_flow_ops, init_ops, math_ops, nn_ops, variable_scope, variables
from tensorflow.python.platform import gfile, tf_logging
from tensorflow.python.training import training_util
from tensorflow.python.util import nest

ops.reset_default_graph()
devices = device_lib.list_local_devices()
print("devices:", [(d.name, d.device_type) for d in devices])

x = array_ops.placeholder(dtypes.float32, [None, 3], name="x")
with variable_scope.variable_scope("layer"):
    w = variable_scope.get_variable("w", [3, 2], initializer=init_ops.Constant(0.5))
    b = variable_scope.get_variable("b", [2], initializer=init_ops.Zeros())
h = nn_ops.relu(math_ops.matmul(x, w) + b)
total = math_ops.reduce_sum(h)
step = training_util.get_or_create_global_step()
inc = step.assign_add(1)
with ops.control_dependencies([inc]):
    out = array_ops.identity(total)
both = control_flow_ops.group(inc, total)
two = constant_op.constant(2.0)
print("graph is default:", ops.get_default_graph() is tf.get_default_graph())
print("w name:", w.name)
print("flat:", nest.flatten({"b": (1, 2), "a": [3]}))
print("gfile exists:", gfile.Exists(__file__))
tf_logging.set_verbosity(tf_logging.ERROR)

with tf.Session() as sess:
    sess.run(variables.global_variables_initializer())
    print("out:", sess.run(out, {x: np.array([[1, 2, 3], [-1, -2, -3]], np.float32)}))
    sess.run(both, {x: np.ones((1, 3), np.float32)})
    print("step:", sess.run(step), "two:", sess.run(two))
