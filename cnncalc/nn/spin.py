"""Helper threads that wait for their next slice by spinning instead of sleeping.

A helper that sleeps on a lock between a layer's slices is slow to wake: on the 2-core virtual
machine the benchmarks run on, a thread idle for more than ~200 µs took 80–120 µs to start again
(the host deschedules an idle virtual CPU), and a training step hands work out dozens of times.
A helper that spins stays on its CPU and starts within a few µs. It spins inside
`pthread_spin_lock`, called through ctypes, which releases the GIL for the call: a spinning
helper never takes the interpreter from the thread doing the work.

Spinning only pays while the machine has a core to spare for it. With another busy process, a
spinning helper takes CPU time from the very thread it waits for (on 2 cores a digits-resnet step
was then slower than with sleeping helpers). So `Spinners.take` lets helpers spin only while the runnable threads in
/proc/loadavg, less this process's own, leave a core for each (read at most every CHECK_INTERVAL);
otherwise they are parked, asleep on a lock, and `cnncalc.nn.parallel` hands work to its pool as
before. Helpers are parked too when the outermost `split_work` block ends, so nothing spins
outside training.

Each helper has two spin locks used as binary semaphores, `go` and `done`: one thread unlocks and
the other locks (glibc's and musl's spin locks are one word set and cleared atomically, whoever
clears it). Without `pthread_spin_lock` (macOS, Windows) or /proc/loadavg, nothing spins.

>>> spinners = Spinners()
>>> spinners.spare(b"0.50 0.70 0.90 2/250 4242", cores=2, spinning=1, wanted=1)  # our two threads
True
>>> spinners.spare(b"1.50 1.20 1.00 3/250 4242", cores=2, spinning=1, wanted=1)  # and one other
False
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading
import time
from collections.abc import Callable
from functools import cache

# False: helpers always sleep between hand-offs (the benchmark's --no-spin).
ENABLED = True
# How often (s) the load is read again to decide whether helpers may spin.
CHECK_INTERVAL = 0.02
LOADAVG = "/proc/loadavg"


@cache
def spin_locks() -> tuple[Callable, Callable, Callable] | None:
    """(pthread_spin_init, pthread_spin_lock, pthread_spin_unlock) from the C library, or None."""
    try:
        libc = ctypes.CDLL(None)
        init, lock, unlock = libc.pthread_spin_init, libc.pthread_spin_lock, libc.pthread_spin_unlock
    except (OSError, AttributeError, TypeError):
        return None
    init.argtypes, lock.argtypes, unlock.argtypes = (
        [ctypes.c_void_p, ctypes.c_int],
        [ctypes.c_void_p],
        [ctypes.c_void_p],
    )
    return init, lock, unlock


class _Park:
    """A request to park, one object per request (`SpinningHelper.park`)."""


class SpinningHelper:
    """One helper thread: `start(job)` hands it a job, `finish(job)` waits for it, `park()` puts
    it to sleep until the next `start`.

    The spin locks are binary: if a caller is interrupted (KeyboardInterrupt) between handing a
    job out and waiting for it, a signal can be left over or two can merge into one. So the helper
    records which job (or park request) it finished last, and a caller waits until that is its
    own: a stale signal only makes it wait once more. A job handed out twice runs twice, which the
    jobs of `cnncalc.nn.parallel` allow (they take numbered tickets, each slice once).
    """

    def __init__(self) -> None:
        init, self._lock, self._unlock = spin_locks()  # type: ignore[misc]
        # go and done 64 bytes apart, on cache lines of their own
        self._words = (ctypes.c_int * 32)()
        self._go = ctypes.addressof(self._words)
        self._done = self._go + 64
        for word in (self._go, self._done):
            init(word, 0)
            self._lock(word)
        self._job: Callable[[], None] | _Park | None = None
        # the job (or park request) finished last, and the exception it raised
        self._finished: tuple[object, BaseException | None] = (None, None)
        self._wake = threading.Event()
        self.parked = True
        threading.Thread(target=self._loop, name="cnncalc-nn-spin", daemon=True).start()

    def _loop(self) -> None:
        while True:
            self._wake.wait()  # parked: asleep until `start`
            self._wake.clear()
            while True:
                self._lock(self._go)  # spinning, without the GIL
                job = self._job
                if job is None or isinstance(job, _Park):
                    self._finished = (job, None)
                    self._unlock(self._done)  # the park is acknowledged
                    break
                error = None
                try:
                    job()
                except BaseException as e:  # noqa: BLE001 (raised again in the caller's thread)
                    error = e
                self._finished = (job, error)
                self._unlock(self._done)

    def start(self, job: Callable[[], None]) -> None:
        """Hand `job` to the helper (waking it if it is parked); `finish(job)` must follow."""
        if self.parked:
            self.parked = False
            self._wake.set()
        self._job = job
        self._unlock(self._go)

    def finish(self, job: object) -> BaseException | None:
        """Wait until the helper has finished `job`; the exception it raised, if any."""
        while True:
            self._lock(self._done)
            finished, error = self._finished
            if finished is job:
                self._job = None
                return error

    def park(self) -> None:
        """Stop spinning: the helper sleeps until the next `start`. While the interpreter shuts
        down (a `split_work` block left open until then) there is nothing to park: the helper
        thread may already be gone, and waiting for it would never end."""
        if sys.is_finalizing():
            self.parked = True
            return
        if not self.parked:
            self.parked = True
            request = self._job = _Park()
            self._unlock(self._go)
            self.finish(request)


class Spinners:
    """The spinning helpers of a process, used by one caller at a time (`take` … `give_back`)."""

    def __init__(self) -> None:
        self.helpers: list[SpinningHelper] = []
        self._busy = threading.Lock()
        self._next_check = 0.0
        self._allowed = False

    def take(self, count: int) -> list[SpinningHelper] | None:
        """`count` helpers for the caller, or None when they may not spin now (no spin locks, the
        machine has no core to spare, or another caller has them); `give_back` must follow."""
        if not ENABLED or spin_locks() is None or not self._busy.acquire(blocking=False):
            return None
        now = time.monotonic()
        if now >= self._next_check:
            self._next_check = now + CHECK_INTERVAL
            spinning = sum(not helper.parked for helper in self.helpers)
            self._allowed = self._read_spare(os.cpu_count() or 1, spinning, count)
            if not self._allowed:
                self._park_all()
        if not self._allowed:
            self._busy.release()
            return None
        try:
            while len(self.helpers) < count:
                self.helpers.append(SpinningHelper())
        except RuntimeError:  # no thread could be started: the pool's helpers (or none) will do
            self._busy.release()
            return None
        return self.helpers[:count]

    def give_back(self) -> None:
        self._busy.release()

    def park(self) -> None:
        """Park every helper (waiting for a caller that has them to give them back)."""
        with self._busy:
            self._park_all()
            self._next_check = 0.0

    def _park_all(self) -> None:
        for helper in self.helpers:
            helper.park()

    def _read_spare(self, cores: int, spinning: int, wanted: int) -> bool:
        try:
            with open(LOADAVG, "rb") as f:
                text = f.read()
        except OSError:
            return False
        return self.spare(text, cores, spinning, wanted)

    @staticmethod
    def spare(loadavg: bytes, cores: int, spinning: int, wanted: int) -> bool:
        """Whether `wanted` spinning helpers leave a core for every other runnable thread.

        `loadavg` is /proc/loadavg; its 4th field starts with the number of runnable threads,
        the reader's own and the `spinning` helpers' included.
        """
        try:
            runnable = int(loadavg.split()[3].split(b"/")[0])
        except (IndexError, ValueError):
            return False
        others = max(0, runnable - 1 - spinning)
        return others + 1 + wanted <= cores


def _forget_after_fork() -> None:
    # A forked child has none of the parent's threads: it starts again with no helpers.
    global SPINNERS
    SPINNERS = Spinners()


SPINNERS = Spinners()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)
