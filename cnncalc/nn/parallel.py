"""Split a layer's work over the samples of a batch between a few threads.

numpy releases the GIL inside its loops and inside BLAS, so threads that each take a slice of the
batch (copy its im2col rows, multiply them, pool them) run truly in parallel. The trainer does this
instead of letting OpenBLAS thread each matrix product: OpenBLAS' idle workers spin between products
whatever else runs and, on a 2-core machine with anything else running, a step then took up to
50× longer. Our helpers spin only while the machine has a core to spare (`cnncalc.nn.spin`) and
otherwise sleep on a lock. It also parallelises the copies and element-wise passes, which
OpenBLAS cannot.

The slices depend only on the batch, the work and the network, never on the number of threads:
sums over the slices (the conv weight gradient) then have the same bits on 1, 2 or 4 cores, and a
checkpoint resumed on another machine continues exactly. Outside `split_work(n)` (the default) the
same slices run one after another in the calling thread.

A small network (`plan_for`: below SMALL_BATCH_MACS multiply-accumulates per batch) runs each
layer in one slice: its products are too small to be worth splitting, and each slice costs a
round of numpy calls. Its threads are used another way: the branches of an Inception module or a
projection shortcut, which depend on nothing but the value they fork from, run side by side, one
branch per thread, each unsplit (`run_concurrently`, used by `cnncalc.nn.model`). A branch is a
whole run of layers, so it pays one hand-off where splitting pays one per layer.

>>> with split_work(2):
...     run_split(lambda a, b: (a, b), 10, size=10**7)
[(0, 2), (2, 5), (5, 7), (7, 10)]
"""

from __future__ import annotations

import contextvars
import itertools
import os
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial
from typing import TypeVar

from cnncalc.nn import spin

T = TypeVar("T")

# A slice with less work than a pass over this many elements (~60 µs) is not worth a thread
# hand-off: waking a helper and passing the GIL back and forth cost 60–100 µs on the 2-core
# machine the benchmarks run on, so a ReLU or a batch norm of a 64×32×8×8 batch (~30 µs a pass)
# runs faster in one slice than in two threads.
MIN_PART = 1 << 18
# More threads than this only add hand-offs for a batch of 32–64 samples; also the most slices.
MAX_WORKERS = 4
# Below this many multiply-accumulates per forward pass of a batch, layers run in one slice (unsplit).
SMALL_BATCH_MACS = 50_000_000
# Below this many (and above SMALL_BATCH_MACS), layers are cut into two slices rather than MAX_WORKERS.
LARGE_BATCH_MACS = 1_000_000_000

# How long (s) a caller waits for a helper thread to start before taking the slices alone.
STARTUP_WAIT = 0.002
# The longest (s) a thread waiting for the GIL waits before CPython makes the holder hand it over.
SWITCH_INTERVAL = 0.00005

_workers = 1
_max_slices = MAX_WORKERS
# Per thread: whether it is running a task of `run_concurrently` (its run_split calls then run serially).
_local = threading.local()
_pool: ThreadPoolExecutor | None = None
_pool_size = 0
# How many split_work blocks are open, in any thread: the spinning helpers are parked when none is.
_open_blocks = 0
# (workers, slices, switch interval) from before the first of the open blocks.
_outside: tuple[int, int, float] = (1, MAX_WORKERS, sys.getswitchinterval())
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
    """(threads, slices) for a training step: the cores available (at most MAX_WORKERS), and a
    number of slices that depends on the network alone, never on the cores: one for a small
    network (its threads then run branches side by side), two up to LARGE_BATCH_MACS, else
    MAX_WORKERS. Each slice pays its round of numpy calls and its share of the GIL, so a mid-sized
    network such as keras-mnist (~180 M multiply-adds a batch) steps faster on 2 threads in two
    slices than in four."""
    if macs_per_batch < SMALL_BATCH_MACS:
        return available_cores(), 1
    return available_cores(), (2 if macs_per_batch < LARGE_BATCH_MACS else MAX_WORKERS)


def branch_threads() -> int:
    """How many threads `run_concurrently` may use here: the workers of `split_work` when layers
    are not split (one slice), else 1 — splitting already keeps the threads busy, and a branch run
    in a thread of its own runs its layers unsplit. 1 inside a task of `run_concurrently`."""
    if _max_slices > 1 or getattr(_local, "in_task", False):
        return 1
    return _workers


@contextmanager
def split_work(workers: int, slices: int = MAX_WORKERS) -> Iterator[None]:
    """Let `run_split` use up to `workers` threads (the caller's included) and cut at most `slices`
    slices inside the block."""
    global _workers, _max_slices, _pool, _pool_size, _open_blocks, _outside
    before = _workers, _max_slices, sys.getswitchinterval()
    with _pool_lock:
        if _open_blocks == 0:
            _outside = before
        _open_blocks += 1
        _workers = max(1, min(workers, MAX_WORKERS))
        _max_slices = max(1, min(slices, MAX_WORKERS))
        if _workers - 1 > _pool_size:
            # The pool only grows, and the old one is dropped rather than shut down: a caller in
            # another thread may still be submitting to it. Its idle threads exit once it is freed.
            _pool_size = _workers - 1
            _pool = ThreadPoolExecutor(max_workers=_pool_size, thread_name_prefix="cnncalc-nn")
    if _workers > 1:
        # Threads that both make many short numpy calls hand the GIL back and forth; CPython lets
        # a thread that keeps retaking it starve the other for a whole switch interval (5 ms) first.
        sys.setswitchinterval(SWITCH_INTERVAL)
    try:
        yield
    finally:
        with _pool_lock:
            _open_blocks -= 1
            last = _open_blocks == 0
            # Blocks of several threads that overlap restore each other's settings in any order:
            # once none is open, those from before the first hold again.
            _workers, _max_slices, interval = _outside if last else before
        sys.setswitchinterval(interval)
        if last:  # nothing spins outside training
            spin.SPINNERS.park()


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
    threads = min(_workers, parts)
    if threads == 1 or _pool is None or getattr(_local, "in_task", False):
        return [fn(a, b) for a, b in bounds]
    return _share([partial(fn, a, b) for a, b in bounds], threads)


def run_concurrently(tasks: list[Callable[[], T]], costs: list[int]) -> list[T]:
    """Run the tasks, each whole in one thread, on up to `branch_threads()` threads (the caller's
    included); their results in the tasks' order.

    The costliest tasks are handed out first (each free thread takes the next), which balances
    branches of unequal size. Inside a task `run_split` runs its slices in order in that thread,
    so a task computes the same bits on any thread.
    """
    order = sorted(range(len(tasks)), key=lambda i: -costs[i])
    done = _share([partial(_as_task, tasks[i]) for i in order], min(branch_threads(), len(tasks)))
    results: list[T | None] = [None] * len(tasks)
    for i, result in zip(order, done, strict=True):
        results[i] = result
    return results  # type: ignore[return-value]


def _as_task(task: Callable[[], T]) -> T:
    """task(), marked as a task of `run_concurrently` in this thread while it runs."""
    before, _local.in_task = getattr(_local, "in_task", False), True
    try:
        return task()
    finally:
        _local.in_task = before


def _share(jobs: list[Callable[[], T]], threads: int) -> list[T]:
    """Run each job once on up to `threads` threads (the caller's included), handed out in list
    order as threads come free; the results in list order. numpy's error state (`np.errstate`)
    and the caller's other context variables hold in every job.
    """
    results: list[T | None] = [None] * len(jobs)
    tickets = itertools.count()  # next() on a count is atomic under the GIL: each job runs once

    def take_jobs(started: threading.Lock | None = None) -> None:
        if started is not None:
            started.release()
        for i in iter(tickets.__next__, None):
            if i >= len(jobs):
                return
            results[i] = jobs[i]()

    pool = _pool
    if threads <= 1 or pool is None:
        take_jobs()
        return results  # type: ignore[return-value]
    context = contextvars.copy_context()
    spinning = spin.SPINNERS.take(threads - 1)
    if spinning is not None:
        try:
            work = [partial(context.copy().run, take_jobs) for _ in spinning]
            _with_spinning_helpers(spinning, work, take_jobs)
        finally:
            spin.SPINNERS.give_back()
        return results  # type: ignore[return-value]
    # Each helper signals that it runs before the caller starts on the jobs. Otherwise a caller
    # whose numpy calls release and retake the GIL every few microseconds can keep a helper that
    # was just woken from ever getting it (CPython only forces a hand-over after 5 ms without one),
    # and does every job itself. A helper that has no CPU within STARTUP_WAIT is not waited for.
    signals = [threading.Lock() for _ in range(threads - 1)]
    for lock in signals:
        lock.acquire()
    helpers: list[Future[None]] = [pool.submit(context.copy().run, take_jobs, lock) for lock in signals]
    for lock in signals:
        lock.acquire(timeout=STARTUP_WAIT)
    try:
        take_jobs()
    finally:
        for f in helpers:  # wait for all, even if a job failed, then raise the first error
            f.result()
    return results  # type: ignore[return-value]


def _with_spinning_helpers(
    helpers: list[spin.SpinningHelper], their_work: list[Callable[[], None]], own_work: Callable[[], None]
) -> None:
    """Start each helper on its work, do our own, wait for all, then raise the first error (ours
    first). A spinning helper starts within microseconds, so there is no start-up wait."""
    started = []
    try:
        for helper, work in zip(helpers, their_work, strict=True):
            helper.start(work)
            started.append((helper, work))
        own_work()
    finally:
        errors = [helper.finish(work) for helper, work in started]
    for error in errors:
        if error is not None:
            raise error
