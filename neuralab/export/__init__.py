"""Models out of (and into) neuralab: ONNX files for serving, PyTorch-layout state dicts.

- :func:`onnx` writes a model's inference graph as an ONNX file (opset 17, IR 8,
  symbolic batch dimension), from a Module or from a ``compat.v1`` graph's
  outputs; :func:`run_onnx` runs such a file in onnxruntime (extra ``[onnx]``).
- :func:`to_torch` / :func:`from_torch` convert state dicts between neuralab's
  layouts (HWIO conv kernels, ``(in, out)`` dense weights, NHWC flattening) and
  PyTorch's (OIHW, ``(out, in)``, NCHW flattening), without importing torch;
  ``Module.load_state_dict(sd, layout="torch")`` and
  ``Module.export_state_dict(layout="torch")`` use them.

Nothing here is imported by ``import neuralab``; onnx and onnxruntime are
imported only by the functions that need them.
"""
from ._trace import ExportError
from .onnx import IR_VERSION, OPSET, onnx, run_onnx
from .torch_layout import from_torch, to_torch

__all__ = ["ExportError", "IR_VERSION", "OPSET", "from_torch", "onnx", "run_onnx", "to_torch"]
