"""For the tests that stop a training run with a signal."""

from __future__ import annotations

import signal


def signals_as_default() -> None:
    """In the child before it starts: the stop signals at their defaults, whatever it inherited.

    A CI started under `nohup` ignores SIGHUP, and a non-interactive shell's `&` starts its job
    with SIGINT ignored; the trainer keeps an ignored signal ignored (nohup's choice), so such a
    run would train to the end instead of stopping as the test asks."""
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)
