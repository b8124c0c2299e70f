"""Running cnncalc with a bound on time and memory, for tests of inputs that used to hang or blow up.

`run(...)` starts `python -m cnncalc` in a child process with an address-space limit and a
timeout, so a regression fails the test instead of taking the machine; `within(seconds)` bounds
code run in the test's own process (a SIGALRM interrupts a Python loop that runs too long), and
`within_memory(extra)` its address space: an allocation beyond it raises MemoryError there, which
the test reports with its input, where the kernel would otherwise kill the whole test run.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[1]
# The child's address space: numpy, rich and the interpreter take about 400 MB of it at start.
MEMORY = 1 << 30


def run(
    *args: object,
    timeout: float = 30,
    memory: int = MEMORY,
    stdin: bytes | int | None = None,
    stdout: int | IO | None = None,
    closed: tuple[int, ...] = (),
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess:
    """`python -m cnncalc ARGS` from the working tree, bounded; stderr (and stdout unless it is
    redirected with `stdout=`) as text. `closed`: descriptors the child starts without (`<&-`)."""

    def prepare() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        for fd in closed:
            os.close(fd)

    result = subprocess.run(
        [sys.executable, "-m", "cnncalc", *map(str, args)],
        input=stdin if isinstance(stdin, bytes) else None,
        stdin=stdin if isinstance(stdin, int) else (None if isinstance(stdin, bytes) else subprocess.DEVNULL),
        stdout=subprocess.PIPE if stdout is None else stdout,
        stderr=subprocess.PIPE,
        timeout=timeout,
        preexec_fn=prepare,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1", "COLUMNS": "100", **(env or {})},
    )
    encoding = (env or {}).get("PYTHONIOENCODING", "utf-8")
    result.stdout = (result.stdout or b"").decode(encoding, "replace")
    result.stderr = result.stderr.decode(encoding, "replace")
    return result


@contextmanager
def within(seconds: float) -> Iterator[None]:
    """Fail with TimeoutError if the block runs longer than `seconds` (main thread only)."""

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextmanager
def within_memory(extra: int = MEMORY) -> Iterator[None]:
    """Let the block grow this process's address space by at most `extra` bytes (Linux; elsewhere
    the block runs unbounded)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            now = int(statm.read().split()[0]) * resource.getpagesize()
    except OSError:
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    bound = now + extra
    if hard != resource.RLIM_INFINITY:
        bound = min(bound, hard)
    resource.setrlimit(resource.RLIMIT_AS, (bound, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
