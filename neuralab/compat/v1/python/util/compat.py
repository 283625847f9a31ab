"""``tensorflow.python.util.compat``: bytes/str conversions (``as_bytes``, ``as_text``, ``as_str``)."""
from __future__ import annotations

import os

from ...missing import module_getattr


def as_bytes(bytes_or_text, encoding="utf-8"):
    """``bytes`` of a str (encoded) or of bytes-like (as is); TypeError otherwise."""
    if isinstance(bytes_or_text, (bytes, bytearray)):
        return bytes(bytes_or_text)
    if isinstance(bytes_or_text, str):
        return bytes_or_text.encode(encoding)
    raise TypeError(f"Expected binary or unicode string, got {bytes_or_text!r}")


def as_text(bytes_or_text, encoding="utf-8"):
    """``str`` of bytes (decoded) or of a str (as is); TypeError otherwise."""
    if isinstance(bytes_or_text, str):
        return bytes_or_text
    if isinstance(bytes_or_text, (bytes, bytearray)):
        return bytes(bytes_or_text).decode(encoding)
    raise TypeError(f"Expected binary or unicode string, got {bytes_or_text!r}")


as_str = as_text
as_bytes_or_text = as_text


def as_str_any(value):
    """``str(value)``, decoding bytes."""
    return as_text(value) if isinstance(value, (bytes, bytearray)) else str(value)


def path_to_str(path):
    """A path-like as ``str`` (other values unchanged)."""
    return os.fspath(path) if isinstance(path, os.PathLike) else path


__getattr__ = module_getattr(__name__, "tensorflow.python.util.compat")
