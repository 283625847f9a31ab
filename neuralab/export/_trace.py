"""Symbolic traces of modules that remember which layer recorded each op.

Exporters read a model as the graph its forward pass records on a
placeholder (the same ops that eager, graph and compiled runs execute), and
need two things besides the graph: which layer (dotted path in the model)
recorded an op, to name it in errors, and the model in inference form
(``eval()``, no gradient recording), restored afterwards.
"""
from __future__ import annotations

import contextlib

from .._core import config
from .._core.errors import NeuralabError
from .._core.graph import Graph, placeholder


class ExportError(NeuralabError):
    """A model (or a part of it) that cannot be exported, with the layer and the reason."""


def layer_label(path: str, module) -> str:
    """``"layer '3' (Conv2D)"`` (the model itself is ``"the model (Sequential)"``)."""
    return f"layer '{path}' ({type(module).__name__})" if path else f"the model ({type(module).__name__})"


@contextlib.contextmanager
def _inference(model):
    was = [(m, m.training) for m in model.modules()]
    grad = config.flags.grad_enabled
    model.eval()
    config.flags.grad_enabled = False
    try:
        yield
    finally:
        config.flags.grad_enabled = grad
        for m, flag in was:
            object.__setattr__(m, "training", flag)


class Trace:
    """The graph of ``model`` applied to one placeholder of shape ``(None, *input_shape)``.

    Attributes: ``graph``, ``input`` (the placeholder), ``output`` (what the
    model returned), ``owner`` (``id(op) -> (path, module)`` of the innermost
    layer whose forward recorded the op) and ``names`` (``id(tensor) ->
    state-dict name`` of every parameter and buffer).
    """

    def __init__(self, model, input_shape, dtype, who: str = "export"):
        self.graph = Graph()
        self.owner: dict = {}
        self.names = {id(t): k for k, t in model._named_state(("param", "buffer"), dedupe=False)}
        ops = self.graph.ops
        failed = {}
        wrapped = []

        def wrap(path, m, forward):
            def traced(*args, **kwargs):
                start = len(ops)
                try:
                    return forward(*args, **kwargs)
                except Exception as e:
                    failed.setdefault("at", (path, m, e))
                    raise
                finally:
                    for o in ops[start:]:
                        self.owner.setdefault(id(o), (path, m))
            return traced

        with _inference(model):
            try:
                for path, m in model.named_modules():
                    # an instance attribute shadows the class's forward for this call only (removed below)
                    object.__setattr__(m, "forward", wrap(path, m, m.forward))
                    wrapped.append(m)
                with self.graph.as_default():
                    self.input = placeholder((None, *tuple(input_shape)), dtype, name="input")
                    try:
                        self.output = model(self.input)
                    except Exception as e:
                        path, m, err = failed.get("at", ("", model, e))
                        raise ExportError(f"{who}: {layer_label(path, m)} cannot run on a symbolic input (the "
                                          f"model's input has shape (batch, {', '.join(map(str, input_shape))})): "
                                          f"{type(err).__name__}: {err}") from e
            finally:
                for m in wrapped:
                    m.__dict__.pop("forward", None)

    def layer_of(self, op) -> tuple:
        """``(path, module)`` of the layer that recorded ``op`` (None when no layer did)."""
        return self.owner.get(id(op))


def default_input_shape(model, who: str):
    """The input shape (without the batch axis) the model's first layer fixes, or raise naming what to pass."""
    first, path = model, ""
    while first.named_children():
        name, first = first.named_children()[0]
        path = f"{path}.{name}" if path else name
    n = getattr(first, "in_features", None)
    if n is not None:
        return (int(n),)
    raise ExportError(f"{who}: cannot tell the input shape from the first {layer_label(path, first)}; pass "
                      "input_shape=(...) without the batch axis, e.g. input_shape=(28, 28, 1) for MNIST images")


def model_dtype(model):
    """The floating dtype of the model's parameters (its default float when it has none)."""
    for p in model.parameters():
        return p.dtype
    return model._float_dtype()
