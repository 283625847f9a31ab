"""Composite functions: built from primitives, so gradients and graph mode come free."""
from .array import clip, split, square, stack

__all__ = ["clip", "split", "square", "stack"]
