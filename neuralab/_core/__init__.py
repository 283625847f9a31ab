"""neuralab's engine: tensors, ops, autograd and define-then-run graphs."""
