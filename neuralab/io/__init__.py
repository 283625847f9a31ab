"""Checkpoints: ``save``/``load`` nested dicts of arrays as safetensors files (atomic, checksummed)."""
from .checkpoint import CheckpointError, load, save

__all__ = ["CheckpointError", "load", "save"]
