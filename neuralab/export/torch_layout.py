"""PyTorch-layout state dicts: weights trained in PyTorch run in neuralab, and back, without importing torch.

The two frameworks store the same numbers differently:

=====================  ==============================  ==============================
layer                  neuralab                        PyTorch
=====================  ==============================  ==============================
Dense / Linear         ``weight (in, out)``            ``weight (out, in)``
Conv2D / Conv2d        ``weight (KH, KW, Cin, Cout)``  ``weight (Cout, Cin, KH, KW)``
Conv2DTranspose        ``weight (KH, KW, Cout, Cin)``  ``weight (Cin, Cout, KH, KW)``
BatchNorm              ``gamma``, ``beta``             ``weight``, ``bias``, and
                                                       ``num_batches_tracked``
Flatten of an image    ``(H, W, C)`` order (NHWC)      ``(C, H, W)`` order (NCHW)
=====================  ==============================  ==============================

so the Dense layer that reads a flattened feature map also has its input
rows permuted between the two orders. Everything else (biases, running
statistics, Embedding, PReLU, and the recurrent layers, which already use
PyTorch's names and layouts) is the same array under the same key. Keys are
the dotted state-dict paths, which agree when the two models are built from
the same layers in the same order (``Sequential(Conv2D, ReLU, MaxPool2D,
Flatten, Dense)`` and ``nn.Sequential(Conv2d, ReLU, MaxPool2d, Flatten,
Linear)``).

The image size of a flattened feature map comes from a symbolic run of the
model on ``(batch, *input_shape)``: models with a :class:`~neuralab.nn.Flatten`
layer need ``input_shape`` (e.g. ``(28, 28, 1)``), and so do models that
flatten images in their own ``forward``. Values may be NumPy arrays, neuralab
tensors or anything with ``.detach().cpu().numpy()`` / ``__array__`` (torch
tensors), read without importing torch.
"""
from __future__ import annotations

from collections import OrderedDict

import numpy as np

from ._trace import ExportError, Trace, model_dtype

LAYOUTS = ("neuralab", "torch")


def _array(v) -> np.ndarray:
    """A NumPy array from an array, a neuralab Tensor or a torch tensor (duck-typed)."""
    from .._core.tensor import Tensor

    if isinstance(v, Tensor):
        return v.numpy()
    if hasattr(v, "detach") and hasattr(v, "cpu"):  # a torch tensor, possibly requiring grad or on a GPU
        v = v.detach().cpu()
        if hasattr(v, "numpy"):
            return np.asarray(v.numpy())
    return np.asarray(v)


class _Rule:
    """One state-dict entry: its neuralab key, its PyTorch key, and the array maps between them."""

    __slots__ = ("key", "torch_key", "to_torch", "from_torch")

    def __init__(self, key, torch_key=None, to_torch=None, from_torch=None):
        self.key = key
        self.torch_key = torch_key or key
        self.to_torch = to_torch or (lambda a: a)
        self.from_torch = from_torch or (lambda a: a)


def _dense(flat_hwc):
    """Maps of a Dense weight; ``flat_hwc = (H, W, C)`` when its input is a flattened NHWC image."""
    if flat_hwc is None or flat_hwc[2] == 1:
        return (lambda w: w.T, lambda w: w.T)
    h, w_, c = flat_hwc

    def to_torch(w):  # rows in (H, W, C) order -> columns in (C, H, W) order
        return w.reshape(h, w_, c, -1).transpose(2, 0, 1, 3).reshape(h * w_ * c, -1).T

    def from_torch(w):
        return w.T.reshape(c, h, w_, -1).transpose(1, 2, 0, 3).reshape(h * w_ * c, -1)

    return to_torch, from_torch


def _flattened_inputs(model, input_shape) -> dict:
    """``{id(Dense module): (H, W, C)}`` for the Dense layers whose input is a flattened NHWC image."""
    from ..nn.layers import Dense

    tr = Trace(model, tuple(input_shape), model_dtype(model), who="torch layout")
    passthrough = {"read_variable", "stop_gradient", "maximum", "sigmoid", "tanh", "where", "multiply", "add",
                   "greater", "exp", "subtract", "divide", "negative", "abs", "log"}
    found = {}
    for op in tr.graph.ops:
        owner = tr.layer_of(op)
        if op.opname != "matmul" or owner is None or not isinstance(owner[1], Dense):
            continue
        t = op.inputs[0]
        while t._op is not None and t._op.opname in passthrough:  # elementwise ops keep the element order
            t = next((u for u in t._op.inputs if u.shape is not None and len(u.shape) == len(t.shape)
                      and u.data is None), None)
            if t is None:
                break
        if t is None or t._op is None or t._op.opname != "reshape":
            continue
        src = t._op.inputs[0].shape
        if src is not None and len(src) == 4 and None not in src[1:] and len(t.shape) == 2:
            found[id(owner[1])] = tuple(int(d) for d in src[1:])
    return found


def _rules(model, input_shape) -> list:
    from ..nn.layers import BatchNorm, Conv2D, Conv2DTranspose, Dense, Flatten

    mods = model.named_modules()
    flat = {}
    if input_shape is not None:
        flat = _flattened_inputs(model, input_shape)
    elif any(isinstance(m, Flatten) for _, m in mods) and any(isinstance(m, Dense) for _, m in mods):
        raise ExportError("torch layout: the model flattens feature maps before a Dense layer, and PyTorch "
                          "flattens channels first (C, H, W) where neuralab flattens (H, W, C); pass the input "
                          "shape without the batch axis, e.g. input_shape=(28, 28, 1), so the Dense weights can "
                          "be permuted")
    rules = []
    for path, m in mods:
        pre = f"{path}." if path else ""
        if isinstance(m, Dense) and m.weight is not None:
            to_t, from_t = _dense(flat.get(id(m)))
            rules.append(_Rule(pre + "weight", to_torch=to_t, from_torch=from_t))
        elif isinstance(m, Conv2DTranspose) and m.weight is not None:  # (KH, KW, out, in) <-> (in, out, KH, KW)
            rules.append(_Rule(pre + "weight", to_torch=lambda w: w.transpose(3, 2, 0, 1),
                               from_torch=lambda w: w.transpose(2, 3, 1, 0)))
        elif isinstance(m, Conv2D) and m.weight is not None:  # HWIO <-> OIHW
            rules.append(_Rule(pre + "weight", to_torch=lambda w: w.transpose(3, 2, 0, 1),
                               from_torch=lambda w: w.transpose(2, 3, 1, 0)))
        elif isinstance(m, BatchNorm):
            rules += [_Rule(pre + "gamma", pre + "weight"), _Rule(pre + "beta", pre + "bias")]
    return rules


def _contiguous(a):
    return np.ascontiguousarray(a)


def to_torch(model, state_dict=None, input_shape=None) -> OrderedDict:
    """``model``'s state dict (or ``state_dict``, in neuralab's layout) in PyTorch's names and layouts.

    Returns ``{key: NumPy array}``; ``torch_model.load_state_dict({k: torch.from_numpy(v) for k, v in
    sd.items()})`` loads it into the PyTorch twin of ``model``. BatchNorm layers get
    ``num_batches_tracked = 0``. ``input_shape``: see the module docstring (needed after a Flatten).

    >>> from neuralab import nn
    >>> sd = to_torch(nn.Sequential(nn.Dense(3, 2)))
    >>> {k: v.shape for k, v in sd.items()}
    {'0.weight': (2, 3), '0.bias': (2,)}
    """
    from ..nn.layers import BatchNorm

    sd = model.state_dict() if state_dict is None else OrderedDict((str(k), _array(v)) for k, v in
                                                                    state_dict.items())
    rules = {r.key: r for r in _rules(model, input_shape)}
    out = OrderedDict()
    for k, v in sd.items():
        r = rules.get(k)
        out[r.torch_key if r else k] = _contiguous(r.to_torch(v)) if r else v
    for path, m in model.named_modules():
        if isinstance(m, BatchNorm) and m.built:
            out[f"{path}.num_batches_tracked" if path else "num_batches_tracked"] = np.array(0, dtype=np.int64)
    return out


def from_torch(model, state_dict, input_shape=None) -> OrderedDict:
    """A PyTorch-layout ``state_dict`` (keys and arrays of the PyTorch twin of ``model``) in neuralab's layout.

    The result fits ``model.load_state_dict``; BatchNorm's ``num_batches_tracked``
    (which neuralab does not keep) is dropped. Unbuilt lazy layers are built
    from the stored shapes first. ``input_shape``: see the module docstring.

    >>> from neuralab import nn
    >>> layer = nn.Sequential(nn.Dense(3, 2))
    >>> sd = from_torch(layer, {"0.weight": np.ones((2, 3)), "0.bias": np.zeros(2)})
    >>> sd["0.weight"].shape
    (3, 2)
    """
    from ..nn.layers import BatchNorm

    sd = OrderedDict((str(k), _array(v)) for k, v in state_dict.items())
    bn = {f"{p}.num_batches_tracked" if p else "num_batches_tracked" for p, m in model.named_modules()
          if isinstance(m, BatchNorm)}
    sd = OrderedDict((k, v) for k, v in sd.items() if k not in bn)
    _build_lazy(model, sd)
    rules = _rules(model, input_shape)
    by_torch = {r.torch_key: r for r in rules}
    out = OrderedDict()
    for k, v in sd.items():
        r = by_torch.get(k)
        out[r.key if r else k] = _contiguous(r.from_torch(v)) if r else v
    return out


def _build_lazy(model, torch_sd):
    """Build lazy Dense/Conv2D/BatchNorm layers from PyTorch-layout shapes (so the rules can see them)."""
    from ..nn.layers import BatchNorm, Conv2D, Conv2DTranspose, Dense

    for path, m in model.named_modules():
        pre = f"{path}." if path else ""
        w = torch_sd.get(pre + "weight")
        if isinstance(m, Dense) and not m.built and w is not None and w.ndim == 2:
            m._build(w.shape[1])
        elif isinstance(m, Conv2DTranspose) and not m.built and w is not None and w.ndim == 4:
            m._build(w.shape[0])
        elif isinstance(m, Conv2D) and not m.built and w is not None and w.ndim == 4:
            m._build(w.shape[1])
        elif isinstance(m, BatchNorm) and not m.built and w is not None and w.ndim == 1:
            m._build(w.shape[0])


def convert(model, state_dict, layout: str, input_shape=None, direction: str = "in") -> OrderedDict:
    """``state_dict`` in ``layout`` ("neuralab" or "torch") as neuralab's (``direction="in"``) or from
    neuralab's to ``layout`` (``direction="out"``); used by ``Module.load_state_dict`` / ``export_state_dict``."""
    if layout not in LAYOUTS:
        raise ValueError(f"state dict layout must be one of {LAYOUTS}, got {layout!r}")
    if layout == "neuralab":
        return OrderedDict(state_dict) if direction == "in" else model.state_dict()
    if direction == "in":
        return from_torch(model, state_dict, input_shape)
    return to_torch(model, None, input_shape)


__all__ = ["LAYOUTS", "convert", "from_torch", "to_torch"]
