"""Keep freed memory in the process between training steps (glibc's malloc, set at run time).

A training step allocates the same large arrays every time (im2col matrices, feature maps, their
gradients: several MB each) and frees them by the end of the step. By default glibc hands such
blocks straight back to the operating system (through munmap, or by trimming the heap), so the next
step page-faults every page in again and the kernel zeroes it: on the keras-mnist benchmark that was
about 10% of a step. Raising the two thresholds below keeps the memory mapped and reusable; peak
memory does not grow, the process just does not shrink between steps. Elsewhere (macOS, musl)
this does nothing.

>>> isinstance(keep_freed_memory(), bool)
True
"""

from __future__ import annotations

import ctypes
import sys
from functools import cache

# mallopt parameters (malloc.h) and the values used.
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 * 1024 * 1024  # glibc's largest allowed value on 64-bit systems
TRIM_THRESHOLD = 1024 * 1024 * 1024


@cache
def keep_freed_memory() -> bool:
    """Ask glibc to serve blocks up to 32 MiB from its heap and not to trim it; True if it agreed.

    Process-wide and permanent (done once): meant for the trainer and benchmarks, not for a library
    import.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
