"""``tensorflow.python.tools.inspect_checkpoint``: print the variables of a tf.train.Saver checkpoint."""
from __future__ import annotations

import os

import numpy as np

from ... import errors
from ...missing import module_getattr


def _variables(file_name):
    from ..... import io as _io

    p = os.fspath(file_name)
    path = p if p.endswith(".safetensors") else p + ".safetensors"
    if not os.path.exists(path):
        raise errors.NotFoundError(None, None, f"Unsuccessful TensorSliceReader constructor: Failed to find any "
                                   f"matching files for {p}")
    return _io.load(path).get("variables", {})


def print_tensors_in_checkpoint_file(file_name, tensor_name, all_tensors, all_tensor_names=False):
    """Print ``tensor_name: value`` for one variable, or for all (``all_tensors``), or only the names."""
    stored = _variables(file_name)
    if all_tensors or all_tensor_names:
        for name in sorted(stored):
            print(f"tensor_name:  {name}")
            if all_tensors:
                print(np.asarray(stored[name]))
        return
    if not tensor_name:
        for name in sorted(stored):
            a = np.asarray(stored[name])
            print(f"{name} ({a.dtype.name}) {list(a.shape)}")
        return
    if tensor_name not in stored:
        print(f"Key {tensor_name} not found in checkpoint")
        return
    print(f"tensor_name:  {tensor_name}")
    print(np.asarray(stored[tensor_name]))


__getattr__ = module_getattr(__name__, "tensorflow.python.tools.inspect_checkpoint")
