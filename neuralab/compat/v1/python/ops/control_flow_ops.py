"""``tensorflow.python.ops.control_flow_ops``: a namespace over ``tf`` (group, tuple, no_op, cond, ...)."""
from .._ns import namespace


def with_dependencies(dependencies, output_tensor, name=None):
    """``output_tensor``, evaluated only after every op in ``dependencies`` has run (an identity node)."""
    from ... import control_dependencies, identity

    with control_dependencies(dependencies):
        return identity(output_tensor, name=name)


__getattr__, __dir__ = namespace(__name__, "tensorflow.python.ops.control_flow_ops", ("",),
                                 extra={"with_dependencies": with_dependencies})
