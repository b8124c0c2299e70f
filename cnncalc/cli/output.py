"""Writing results: JSON for scripts, text for people, on streams made safe first. Standard library
only (fast start).

`prepare_streams()` runs once as cnncalc starts, so no command has to care what the shell gave it:

- a closed stdin (`<&-`) reads as empty; binary bytes on stdin read as U+FFFD, never a crash;
- a closed stdout or stderr (`>&-`) keeps its descriptor taken by /dev/null, so no file cnncalc
  opens lands on it; writing to a closed stdout is an output failure (below);
- a stream whose encoding cannot show ×, ⌊⌋, →, ✓ (PYTHONIOENCODING=ascii, a latin-1 terminal)
  prints their ASCII forms (`cnncalc.safety.text`); JSON is always ASCII-safe.

While a command runs, stdout is `watched_stdout()`: a failed write raises `OutputFailed`, told
apart from every other OSError, and `cli.errors` exits quietly with `CLOSED_PIPE_EXIT` when the
reader left (`| head -1`), or with a message when the disk is full or the stream closed.
"""

from __future__ import annotations

import errno
import io
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cnncalc.api.result import TextResult

# What a shell reports for a tool whose reader went away: 128 + SIGPIPE (13).
CLOSED_PIPE_EXIT = 141
# Characters the renderers use that a stream must be able to encode to print them as they are.
_SYMBOLS = "×⌊⌋→✓─│"


def emit_json(data: dict) -> None:
    """One JSON object on stdout, keys in insertion order, ASCII-safe (non-ASCII as \\u escapes).
    A value that is not a finite number (NaN, infinity) is written as null: JSON has no NaN."""
    import json

    try:
        text = json.dumps(data, ensure_ascii=True, indent=2, allow_nan=False)
    except ValueError:
        text = json.dumps(_finite(data), ensure_ascii=True, indent=2, allow_nan=False)
    sys.stdout.write(text + "\n")


def _finite(value: object) -> object:
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def emit_text(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def emit_result(result: TextResult, json: bool) -> None:
    """A result of the Python API as the command shows it: its `to_dict()` under --json, otherwise
    its text for this terminal."""
    if json:
        emit_json(result.to_dict())
    else:
        emit_text(result.render(styler(), terminal_width()))


def use_color() -> bool:
    """Colour only on a real terminal, and never when NO_COLOR is set (no-color.org)."""
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def terminal_width() -> int:
    """The width text is wrapped to: the terminal's (or $COLUMNS), kept between 60 and 120."""
    import shutil

    return max(min(shutil.get_terminal_size((100, 24)).columns, 120), 60)


def styler():
    """ANSI styling for the stdlib renderer, on only where `use_color()` allows it."""
    from cnncalc.render.text import Styler

    return Styler(use_color())


# -- the standard streams -------------------------------------------------------------------------


class _ClosedOutput(io.TextIOBase):
    """Standard output the shell closed (`>&-`): a write fails as writing a closed descriptor does."""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "it is closed")


def prepare_streams() -> None:
    """Make the standard streams safe for every command (see the module docstring)."""
    for fd, name in ((0, "stdin"), (1, "stdout"), (2, "stderr")):
        if getattr(sys, name) is None:
            _hold_descriptor(fd)
            if name == "stdin":
                sys.stdin = io.TextIOWrapper(io.BytesIO(b""), encoding="utf-8")
            elif name == "stdout":
                sys.stdout = _ClosedOutput()
            else:
                sys.stderr = io.TextIOWrapper(open(os.devnull, "wb"), encoding="utf-8")  # noqa: SIM115
    if isinstance(sys.stdin, io.TextIOWrapper) and sys.stdin.errors == "strict":
        sys.stdin.reconfigure(errors="replace")
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper) and stream.errors == "strict" and not _can_show(stream):
            from cnncalc.safety.text import ASCII_FALLBACK

            stream.reconfigure(errors=ASCII_FALLBACK)


def _hold_descriptor(fd: int) -> None:
    """Open /dev/null on a closed standard descriptor, so the next file opened does not get it."""
    try:
        os.fstat(fd)
        return
    except OSError:
        pass
    held = os.open(os.devnull, os.O_RDWR)
    if held != fd:
        os.dup2(held, fd)
        os.close(held)


def _can_show(stream: io.TextIOWrapper) -> bool:
    try:
        _SYMBOLS.encode(stream.encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


class OutputFailed(Exception):
    """Writing standard output failed; `error` is the OSError (EPIPE: the reader left)."""

    def __init__(self, error: OSError) -> None:
        super().__init__(str(error))
        self.error = error


class _WatchedOutput:
    """Standard output whose write errors raise `OutputFailed`; everything else is the stream's."""

    def __init__(self, stream: object) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)  # type: ignore[attr-defined]
        except OSError as e:
            raise OutputFailed(e) from None

    def writelines(self, lines: list[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        try:
            self._stream.flush()  # type: ignore[attr-defined]
        except OSError as e:
            raise OutputFailed(e) from None

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)


@contextmanager
def watched_stdout() -> Iterator[None]:
    """Run with stdout watched (see `_WatchedOutput`); nested runs (a tour stop) share it."""
    if isinstance(sys.stdout, _WatchedOutput):
        yield
        return
    original = sys.stdout
    watched = _WatchedOutput(original)
    sys.stdout = watched  # type: ignore[assignment]
    try:
        yield
    finally:
        if sys.stdout is watched:
            sys.stdout = original


def silence_stdout() -> None:
    """After stdout failed: send whatever is still owed to /dev/null, so the interpreter's final
    flush does not fail a second time."""
    stream = sys.stdout._stream if isinstance(sys.stdout, _WatchedOutput) else sys.stdout
    try:
        fd = stream.fileno()
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        return  # not a descriptor (a test's buffer, a closed stream): nothing is owed to the system
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)
