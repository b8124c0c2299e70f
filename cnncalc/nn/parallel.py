"""Split a layer's work over the samples of a batch between a few threads.

numpy releases the GIL inside its loops and inside BLAS, so threads that each take a slice of the
batch (copy its im2col rows, multiply them, pool them) run truly in parallel. The trainer does this
instead of letting OpenBLAS thread each matrix product: OpenBLAS' idle workers spin between products
and, on a 2-core machine with anything else running, a step then took up to 50× longer; threads
that wait on a lock just sleep. It also parallelises the copies and element-wise passes, which
OpenBLAS cannot.

Outside `split_work(n)` (the default) everything runs in the calling thread, as plain numpy.

>>> with split_work(2):
...     run_split(lambda a, b: (a, b), 10, size=10**6)
[(0, 5), (5, 10)]
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")

# A slice with less work than a pass over this many elements is not worth a thread hand-off (~20 µs).
MIN_PART = 1 << 16
# More threads than this only add hand-offs for a batch of 32–64 samples.
MAX_WORKERS = 4

_workers = 1
_pool: ThreadPoolExecutor | None = None
_pool_size = 0


def available_cores() -> int:
    """The CPUs this process may run on (capped at MAX_WORKERS)."""
    try:
        count = len(os.sched_getaffinity(0))
    except AttributeError:
        count = os.cpu_count() or 1
    return max(1, min(count, MAX_WORKERS))


@contextmanager
def split_work(workers: int) -> Iterator[None]:
    """Let `run_split` use up to `workers` threads (the caller's included) inside the block."""
    global _workers, _pool, _pool_size
    before = _workers
    _workers = max(1, workers)
    if _workers - 1 > _pool_size:
        if _pool is not None:
            _pool.shutdown(wait=True)
        _pool_size = _workers - 1
        _pool = ThreadPoolExecutor(max_workers=_pool_size, thread_name_prefix="cnncalc-nn")
    try:
        yield
    finally:
        _workers = before


def matmul_work(m: int, k: int, n: int) -> int:
    """A (m×k)·(k×n) product's work in `run_split`'s units: element passes that take as long.

    One core does ~30 multiply-adds of a matmul in the time an element-wise pass handles one value.
    """
    return m * k * n // 30


def run_split(fn: Callable[[int, int], T], n: int, size: int) -> list[T]:
    """fn(start, stop) over contiguous slices of range(n), in parallel; results in slice order.

    `size` (the call's work: the elements it touches, plus `matmul_work` of its products) decides
    how many slices are worth it: one when outside `split_work`, when n < 2 or size < 2·MIN_PART.
    """
    parts = max(1, min(_workers, n, size // MIN_PART))
    if parts == 1 or _pool is None:
        return [fn(0, n)]
    bounds = [(n * i // parts, n * (i + 1) // parts) for i in range(parts)]
    futures: list[Future[T]] = [_pool.submit(fn, a, b) for a, b in bounds[1:]]
    try:
        first = fn(*bounds[0])
    finally:
        rest = [f.result() for f in futures]  # wait for all, even if the first slice failed
    return [first, *rest]
