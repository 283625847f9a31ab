"""PyTorch's ``torch.nn.utils`` names: in-place gradient clipping between ``backward()`` and ``step()``.

The functions are :func:`neuralab.optim.clip_grad_norm` and
:func:`neuralab.optim.clip_grad_value` under PyTorch's trailing-underscore
names (they change ``.grad`` in place); compiled training steps use the
optimizers' ``max_grad_norm=`` (or ``Trainer(clip_grad_norm=)``), the same formula.

>>> import neuralab as nl
>>> w = nl.tensor([3.0, 4.0], requires_grad=True)
>>> (w * w).sum().backward()            # grad = 2w = (6, 8), norm 10
>>> clip_grad_norm_([w], max_norm=5.0)
10.0
>>> w.grad.numpy()
array([3., 4.], dtype=float32)
"""
from ..optim.clip import clip_grad_norm as clip_grad_norm_
from ..optim.clip import clip_grad_value as clip_grad_value_

__all__ = ["clip_grad_norm_", "clip_grad_value_"]
