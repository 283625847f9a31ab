"""The idx file format of MNIST and Fashion-MNIST (LeCun et al.), gzip or raw.

An idx file starts with a 4-byte magic number: two zero bytes, a type code
(0x08 = uint8) and the number of dimensions, then one big-endian uint32 per
dimension, then the data. Images files have 3 dimensions (magic 2051 =
0x00000803), label files one (magic 2049 = 0x00000801).
"""
from __future__ import annotations

import gzip
import os

import numpy as np

IMAGES_MAGIC = 2051
LABELS_MAGIC = 2049
_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


class DataFormatError(ValueError):
    """A data file that is truncated, corrupt or of the wrong kind."""


def _read_bytes(path) -> bytes:
    path = os.fspath(path)
    with open(path, "rb") as f:
        head = f.read(2)
    try:
        if head == b"\x1f\x8b":
            with gzip.open(path, "rb") as f:
                return f.read()
        with open(path, "rb") as f:
            return f.read()
    except (OSError, EOFError) as e:
        raise DataFormatError(f"{path}: cannot decompress ({e}); the file is truncated or corrupt") from None


def read_idx(path, expect_magic: int | None = None, expect_count: int | None = None) -> np.ndarray:
    """Read an idx file (optionally gzipped) into a NumPy array, checking magic and size.

    ``expect_magic``: 2051 for images, 2049 for labels; ``expect_count``: the
    number of items the first dimension must have. Raises DataFormatError
    naming the file and what is wrong.
    """
    raw = _read_bytes(path)
    if len(raw) < 4:
        raise DataFormatError(f"{path}: only {len(raw)} bytes, too short for an idx header")
    magic = int.from_bytes(raw[:4], "big")
    if raw[0] != 0 or raw[1] != 0 or raw[2] not in _TYPES:
        raise DataFormatError(f"{path}: bad magic number {magic:#010x}; not an idx file")
    if expect_magic is not None and magic != expect_magic:
        kind = {IMAGES_MAGIC: "images (2051)", LABELS_MAGIC: "labels (2049)"}.get(expect_magic, str(expect_magic))
        raise DataFormatError(f"{path}: magic number {magic} but expected {kind}; wrong file?")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataFormatError(f"{path}: truncated header")
    dims = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    dtype = np.dtype(_TYPES[raw[2]])
    need = int(np.prod(dims)) * dtype.itemsize
    have = len(raw) - header
    if have != need:
        raise DataFormatError(f"{path}: header says {dims} ({need} data bytes) but the file holds {have}; "
                              "truncated or corrupt")
    if expect_count is not None and dims[0] != expect_count:
        raise DataFormatError(f"{path}: {dims[0]} items, expected {expect_count}")
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(dims).astype(dtype.newbyteorder("="))


def write_idx(path, array: np.ndarray, compress: bool = True) -> None:
    """Write ``array`` (uint8) as an idx file (gzipped when ``compress``); used for fixtures."""
    a = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, a.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in a.shape)
    data = header + a.tobytes()
    opener = gzip.open if compress else open
    with opener(os.fspath(path), "wb") as f:
        f.write(data)
