"""Compatibility layers: other frameworks' APIs as thin adapters over neuralab.

``import neuralab.compat.v1 as tf`` gives the TensorFlow 1.x API the lecture
notes are written in (placeholders, Variables, Session.run, tf.train, tf.layers,
tf.summary), mapped onto neuralab's define-then-run graphs.
"""
