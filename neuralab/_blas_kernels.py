"""OpenBLAS's GEMM kernels on CPUs that its runtime dispatch does not know yet (decided before NumPy loads it).

NumPy's wheels ship an OpenBLAS built for many CPUs (DYNAMIC_ARCH) that picks its kernels when it is
loaded, from the CPU it detects. A CPU newer than the OpenBLAS build falls back to older kernels: this
project's machine (AMD family 26, Zen 5, which executes AVX-512 at full width) gets the AVX2 "Haswell"
kernels from OpenBLAS 0.3.31. Measured there, single-threaded float32 GEMMs of the lectures' shapes
(100x784 @ 784x512, 100x512 @ 512x512, 512x100 @ 100x512) run at 117-124 GFLOP/s with that fallback and
at 202-234 GFLOP/s with OpenBLAS's AVX-512 "SkylakeX" kernels (benchmarks/results/tf1_programs_gemm.txt);
TensorFlow's oneDNN uses AVX-512 there, which was most of its lead on the lectures' MNIST programs.

OpenBLAS reads the variable ``OPENBLAS_CORETYPE`` once, when it is loaded. So when neuralab is imported
before NumPy (the ``neuralab`` command line, ``neuralab tf1``, scripts that import neuralab first) and the
variable is not set, :func:`choose` sets it to ``SkylakeX`` on Linux x86-64 CPUs of AMD family 26 or newer
whose kernel reports AVX-512 F, BW, DQ and VL (the instructions those kernels use). Nothing changes
anywhere else: on other CPUs, when NumPy is already imported, or when the variable is set
(``OPENBLAS_CORETYPE=Haswell`` keeps the fallback). The results of a GEMM differ from the fallback's by
rounding only (another order of the same sums); each kernel is deterministic.
"""
from __future__ import annotations

import os
import sys

_AVX512 = {"avx512f", "avx512bw", "avx512dq", "avx512vl"}


def wanted(cpuinfo: str) -> str | None:
    """The OPENBLAS_CORETYPE to set for a CPU described by ``cpuinfo`` (``/proc/cpuinfo``'s text), or None."""
    fields = {}
    for line in cpuinfo.splitlines():
        if not line.strip():
            break  # the first processor's block is enough
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip()
    try:
        family = int(fields.get("cpu family", ""))
    except ValueError:
        return None
    if fields.get("vendor_id") == "AuthenticAMD" and family >= 26 and _AVX512 <= set(fields.get("flags", "").split()):
        return "SkylakeX"
    return None


def choose(environ=os.environ, modules=sys.modules, cpuinfo_path="/proc/cpuinfo") -> str | None:
    """Set ``OPENBLAS_CORETYPE`` in ``environ`` if :func:`wanted` says so and NumPy is not loaded; returns what
    was set (None when nothing was)."""
    if "numpy" in modules or "OPENBLAS_CORETYPE" in environ or not sys.platform.startswith("linux"):
        return None
    try:
        with open(cpuinfo_path) as fh:
            core = wanted(fh.read())
    except OSError:
        return None
    if core is not None:
        environ["OPENBLAS_CORETYPE"] = core
    return core


choose()
