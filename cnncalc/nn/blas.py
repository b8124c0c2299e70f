"""How many threads the BLAS behind numpy may use, set at run time through OpenBLAS' own API.

The trainer keeps OpenBLAS single-threaded and parallelises over the batch itself
(`cnncalc.nn.parallel`): OpenBLAS' worker threads spin between matrix products, and on a busy
2-core machine a digits run became 6× slower with 2 threads than with 1, a keras-mnist step up to
50×. With no OpenBLAS found (macOS Accelerate, MKL), `blas_threads` does nothing.
"""

from __future__ import annotations

import ctypes
import glob
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

_SUFFIXES = ("scipy_openblas_{}64_", "scipy_openblas_{}", "openblas_{}64_", "openblas_{}")


@cache
def _openblas() -> tuple | None:
    """(get_num_threads, set_num_threads) of the OpenBLAS numpy loaded, if any."""
    import numpy as np

    candidates = []
    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            candidates = sorted(
                {line.split()[-1] for line in maps if "openblas" in line.lower() and "/" in line}
            )
    except OSError:
        pass
    root = os.path.dirname(os.path.dirname(np.__file__))
    candidates += glob.glob(os.path.join(root, "numpy.libs", "*openblas*"))
    for path in candidates:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for pattern in _SUFFIXES:
            getter = getattr(lib, pattern.format("get_num_threads"), None)
            setter = getattr(lib, pattern.format("set_num_threads"), None)
            if getter is not None and setter is not None:
                getter.restype = ctypes.c_int
                setter.argtypes = [ctypes.c_int]
                return getter, setter
    return None


@contextmanager
def blas_threads(count: int | None) -> Iterator[None]:
    """Use `count` BLAS threads inside the block (None: leave the setting alone)."""
    funcs = _openblas() if count is not None else None
    if funcs is None:
        yield
        return
    getter, setter = funcs
    before = getter()
    setter(count)
    try:
        yield
    finally:
        setter(before)
