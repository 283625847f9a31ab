"""``tensorflow.python.ops.init_ops``: a namespace over ``tf`` (TF's class names are the tf.*_initializer)."""
from .._ns import namespace

__getattr__, __dir__ = namespace(__name__, "tensorflow.python.ops.init_ops", ("",), aliases={
    "Zeros": "zeros_initializer", "Ones": "ones_initializer", "Constant": "constant_initializer",
    "RandomNormal": "random_normal_initializer", "RandomUniform": "random_uniform_initializer",
    "TruncatedNormal": "truncated_normal_initializer", "GlorotUniform": "glorot_uniform_initializer",
    "GlorotNormal": "glorot_normal_initializer", "VarianceScaling": "variance_scaling_initializer",
    "Orthogonal": "orthogonal_initializer"})
