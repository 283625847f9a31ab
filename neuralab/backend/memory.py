"""Keep freed memory in the process, so that a training loop stops page-faulting (glibc's malloc).

A training step allocates the same large arrays every step (layer outputs,
gradients) and frees them again. With glibc's default settings, blocks above a
(moving) threshold are given back to the operating system when freed (``munmap``,
or trimming the top of the heap), and the next step's arrays of the same size
touch fresh pages: every 4 KiB page costs a minor page fault, and on this
project's VM that adds up (the lecture CNN, one thread: about 1,400 faults and
2.5-4 ms of a 26 ms step; ``benchmarks/compare.py`` prints the faults per step,
``--retain-memory`` turns this on in its neuralab workers).

:func:`retain_freed_memory` sets three ``mallopt`` parameters so that such
blocks stay in the process's heap and are reused: blocks up to 32 MiB come from
the heap instead of their own mappings, and the heap is trimmed only when more
than 1 GiB at its top is free. The resident size then stays near its peak
instead of going up and down every step (the peak itself does not change).
It applies to the whole process, is not undone, and does nothing off glibc
(returns False there). Nothing calls it by itself.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import sys

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
#: blocks up to this size come from the heap (glibc's largest allowed threshold on 64-bit)
MMAP_THRESHOLD = 32 << 20
#: the heap's top is given back only when this much of it is free
TRIM_THRESHOLD = 1 << 30
_state = {"done": False}


def retain_freed_memory() -> bool:
    """Make glibc keep large freed blocks for reuse instead of returning them to the OS; True if it did.

    For long training loops on Linux/glibc: fewer minor page faults per step, a resident size near
    the peak. Process-wide and permanent; a no-op (False) where the C library is not glibc.
    """
    if _state["done"]:
        return True
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    ok = mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1 and mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1
    _state["done"] = ok
    return ok
