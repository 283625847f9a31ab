"""``tensorflow.python``: the internal module paths TF 1.x programs import, as namespaces over the adapter.

``from tensorflow.python.framework import ops`` then ``ops.reset_default_graph()``
calls ``tf.reset_default_graph``: each module here re-exports the adapter's
functions under TF's module names (nothing is copied); a name the adapter
lacks raises "neuralab.compat.v1 does not provide `tensorflow.python.x.name` yet".
"""
from . import client, data, framework, lib, ops, platform, summary, tools, training, util

__all__ = ["client", "data", "framework", "lib", "ops", "platform", "summary", "tools", "training", "util"]
