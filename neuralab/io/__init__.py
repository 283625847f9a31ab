"""Checkpoints: ``save``/``load`` nested dicts of arrays as safetensors files (atomic, checksummed).

``save(..., keep=K)`` keeps older versions that :func:`load_newest` falls back to;
:func:`check_dir` tests a checkpoint folder before a run needs it.
"""
from .checkpoint import (
    CheckpointDirError, CheckpointError, CheckpointWarning, check_dir, clean_stale_temps, load, load_newest, save,
    version_path, versions,
)

__all__ = ["CheckpointDirError", "CheckpointError", "CheckpointWarning", "check_dir", "clean_stale_temps", "load",
           "load_newest", "save", "version_path", "versions"]
