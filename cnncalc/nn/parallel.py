"""Split a layer's work over the samples of a batch between a few threads.

numpy releases the GIL inside its loops and inside BLAS, so threads that each take a slice of the
batch (copy its im2col rows, multiply them, pool them) run truly in parallel. The trainer does this
instead of letting OpenBLAS thread each matrix product: OpenBLAS' idle workers spin between products
and, on a 2-core machine with anything else running, a step then took up to 50× longer; threads
that wait on a lock just sleep. It also parallelises the copies and element-wise passes, which
OpenBLAS cannot.

The slices depend only on the batch, the work and the network, never on the number of threads:
sums over the slices (the conv weight gradient) then have the same bits on 1, 2 or 4 cores, and a
checkpoint resumed on another machine continues exactly. Outside `split_work(n)` (the default) the
same slices run one after another in the calling thread.

A small network (`plan_for`: below SMALL_BATCH_MACS multiply-accumulates per batch) runs on one
thread in one slice: its products are too small to be worth splitting, and each slice costs a
round of numpy calls.

>>> with split_work(2):
...     run_split(lambda a, b: (a, b), 10, size=10**6)
[(0, 2), (2, 5), (5, 7), (7, 10)]
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")

# A slice with less work than a pass over this many elements is not worth a thread hand-off (~20 µs).
MIN_PART = 1 << 16
# More threads than this only add hand-offs for a batch of 32–64 samples; also the most slices.
MAX_WORKERS = 4
# Below this many multiply-accumulates per forward pass of a batch, one thread and one slice are faster.
SMALL_BATCH_MACS = 50_000_000

_workers = 1
_max_slices = MAX_WORKERS
_pool: ThreadPoolExecutor | None = None
_pool_size = 0
# Two callers entering split_work at once must not both replace the pool.
_pool_lock = threading.Lock()


def available_cores() -> int:
    """The CPUs this process may run on (capped at MAX_WORKERS)."""
    try:
        count = len(os.sched_getaffinity(0))
    except AttributeError:
        count = os.cpu_count() or 1
    return max(1, min(count, MAX_WORKERS))


def plan_for(macs_per_batch: int) -> tuple[int, int]:
    """(threads, slices) for a training step: (1, 1) for a small network; otherwise the cores
    available (at most MAX_WORKERS) and MAX_WORKERS slices, whatever the cores."""
    if macs_per_batch < SMALL_BATCH_MACS:
        return 1, 1
    return available_cores(), MAX_WORKERS


@contextmanager
def split_work(workers: int, slices: int = MAX_WORKERS) -> Iterator[None]:
    """Let `run_split` use up to `workers` threads (the caller's included) and cut at most `slices`
    slices inside the block."""
    global _workers, _max_slices, _pool, _pool_size
    before = _workers, _max_slices
    with _pool_lock:
        _workers = max(1, min(workers, MAX_WORKERS))
        _max_slices = max(1, min(slices, MAX_WORKERS))
        if _workers - 1 > _pool_size:
            # The pool only grows, and the old one is dropped rather than shut down: a caller in
            # another thread may still be submitting to it. Its idle threads exit once it is freed.
            _pool_size = _workers - 1
            _pool = ThreadPoolExecutor(max_workers=_pool_size, thread_name_prefix="cnncalc-nn")
    try:
        yield
    finally:
        _workers, _max_slices = before


def matmul_work(m: int, k: int, n: int) -> int:
    """A (m×k)·(k×n) product's work in `run_split`'s units: element passes that take as long.

    One core does ~30 multiply-adds of a matmul in the time an element-wise pass handles one value.
    """
    return m * k * n // 30


def slice_count(n: int, size: int) -> int:
    """How many slices `run_split` cuts range(n) into: min(slices allowed, n, ⌊size/MIN_PART⌋), at
    least 1; outside `split_work` up to MAX_WORKERS slices are allowed.

    >>> slice_count(64, 10**9), slice_count(64, 3 * MIN_PART), slice_count(64, 100)
    (4, 3, 1)
    """
    return max(1, min(_max_slices, n, size // MIN_PART))


def run_split(fn: Callable[[int, int], T], n: int, size: int) -> list[T]:
    """fn(start, stop) over contiguous slices of range(n); results in slice order.

    `size` (the call's work: the elements it touches, plus `matmul_work` of its products) decides
    how many slices are worth it (`slice_count`), whatever the number of threads. Inside
    `split_work(w)` up to w threads (the caller's included) take the slices in turn; outside, the
    caller runs them in order.
    """
    parts = slice_count(n, size)
    bounds = [(n * i // parts, n * (i + 1) // parts) for i in range(parts)]
    pool, threads = _pool, min(_workers, parts)
    if threads == 1 or pool is None:
        return [fn(a, b) for a, b in bounds]
    results: list[T | None] = [None] * parts
    tickets = itertools.count()  # next() on a count is atomic under the GIL: each slice runs once

    def take_slices() -> None:
        for i in iter(tickets.__next__, None):
            if i >= parts:
                return
            results[i] = fn(*bounds[i])

    helpers: list[Future[None]] = [pool.submit(take_slices) for _ in range(threads - 1)]
    try:
        take_slices()
    finally:
        for f in helpers:  # wait for all, even if a slice failed, then raise the first error
            f.result()
    return results  # type: ignore[return-value]
