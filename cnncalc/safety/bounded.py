"""Reading with a bound: never more than a limit (plus one unit, to know it was passed) is read.

An endless stream (`/dev/zero`, `yes |`, a line with no end) costs at most the limit in memory
and is refused with a message naming the source and the limit.

>>> import io
>>> read_line(io.StringIO("92\\nnext\\n"), 10)
'92'
>>> read_line(io.StringIO("9" * 50 + "\\nnext\\n"), 10)
'99999999999999999999…(50 chars)…'
"""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from cnncalc.arith.errors import CnnCalcError, UsageError
from cnncalc.i18n import _, translated


def size_text(count: int) -> str:
    """`1048576` → '1 MiB': a limit as people read it."""
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if count >= 1 << shift and count % (1 << shift) == 0:
            return f"{count >> shift} {unit}"
    return _("{count} bytes").format(count=f"{count:,}")


def read_bytes(path: str | Path, limit: int, *, field: str | None = None, usage: bool = False) -> bytes:
    """The bytes of `path` (a file, a FIFO, a device), or an error if there are more than `limit`;
    at most `limit + 1` bytes are read either way. `usage`: a path that cannot be read is a
    malformed value (a UsageError) rather than a failure."""
    kind = UsageError if usage else CnnCalcError
    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except IsADirectoryError:
        said = _("{field} {path} is a folder, not a file") if field else _("{path} is a folder, not a file")
        raise kind(said, field=field, path=path) from None
    except OSError as e:
        said = (
            _("{field} {path}: cannot read it ({reason})")
            if field
            else _("{path}: cannot read it ({reason})")
        )
        reason = translated(e.strerror) if e.strerror else e
        raise kind(said, field=field, path=path, reason=reason) from None
    if len(data) > limit:
        said = (
            _("{field} {path} is larger than {size}, more than cnncalc reads")
            if field
            else _("{path} is larger than {size}, more than cnncalc reads")
        )
        raise kind(said, field=field, path=path, size=size_text(limit))
    return data


def read_line(stream: TextIO, limit: int) -> str | None:
    """The next line of a text stream without its line end, None at the end of the stream.

    A line longer than `limit` characters is skipped to its end in bounded pieces and comes back
    shortened, `1111…(50 chars)…`, which no caller mistakes for a value.
    """
    line = stream.readline(limit + 1)
    if not line:
        return None
    if len(line) <= limit or line.endswith("\n"):
        return line.rstrip("\r\n")
    head, length = line[:20], len(line)
    while not line.endswith("\n"):
        line = stream.readline(limit + 1)
        if not line:
            break
        length += len(line.rstrip("\r\n"))
        head = (head + line)[:20]
    return f"{head}…({length} chars)…"
