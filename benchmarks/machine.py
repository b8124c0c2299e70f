"""Is the machine idle? For benchmarks on a machine that others share.

`wait_until_idle` polls /proc/stat (Linux) until the CPUs have been busy less than `IDLE_BUSY` of
the time for a few seconds, so that a timed run starts when no one else is computing. Elsewhere it
returns at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

IDLE_BUSY = 0.08  # busy fraction of all CPUs below which the machine counts as idle
WINDOW = 3.0  # seconds it must stay that idle


def busy_fraction(seconds: float = WINDOW) -> float | None:
    """The fraction of CPU time spent busy over the next `seconds`, or None without /proc/stat."""

    def snapshot() -> tuple[int, int]:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        return sum(fields), fields[3] + fields[4]  # total, idle + iowait

    try:
        total0, idle0 = snapshot()
        time.sleep(seconds)
        total1, idle1 = snapshot()
    except (OSError, ValueError, IndexError):
        return None
    return 1 - (idle1 - idle0) / max(total1 - total0, 1)


def wait_until_idle(timeout: float) -> bool:
    """Wait (up to `timeout` seconds) for an idle window; True if one came."""
    deadline = time.monotonic() + timeout
    while True:
        busy = busy_fraction()
        if busy is None or busy < IDLE_BUSY:
            return True
        if time.monotonic() >= deadline:
            return False


def alternate_rounds(
    rounds: int,
    thread_counts: list[int],
    frameworks: list[str],
    run: Callable[[str, int], dict],
    idle_timeout: float | None,
) -> dict[int, dict[str, list[dict]]]:
    """{threads: {framework: [one result per round]}}: each round runs every framework once per
    thread count, one after the other, so that a busy spell of a shared machine hits them all; with
    `idle_timeout`, each pair first waits for an idle window (recorded as result["idle"])."""
    runs: dict[int, dict[str, list[dict]]] = {t: {f: [] for f in frameworks} for t in thread_counts}
    for _ in range(max(rounds, 1)):
        for threads in thread_counts:
            idle = wait_until_idle(idle_timeout) if idle_timeout else None
            for framework in frameworks:
                result = run(framework, threads)
                result["idle"] = idle
                runs[threads][framework].append(result)
    return runs


def idle_rounds(runs: dict[str, list[dict]]) -> int | None:
    """How many rounds began on an idle machine, or None if the rounds did not wait for one."""
    flags = [r.get("idle") for r in next(iter(runs.values()), [])]
    if not flags or flags[0] is None:
        return None
    return sum(bool(f) for f in flags)


def idle_note(result: dict) -> str:
    """'; 3 of 3 rounds began on an idle machine' for a summary with idle_rounds, else ''."""
    if result.get("idle_rounds") is None:
        return ""
    return f"; {result['idle_rounds']} of {result['rounds']} rounds began on an idle machine"
