"""Where a command writes a picture (`draw --out`, `train --plot`, `show --out`): the format its
file name asks for, checked before any work, and the atomic write with a one-line receipt."""

from __future__ import annotations

import sys
from pathlib import Path

from cnncalc.arith.errors import UsageError
from cnncalc.cli.output import emit_text
from cnncalc.i18n import _

FORMATS = {".svg": "svg", ".html": "html", ".htm": "html", ".gif": "gif"}


def picture_format(out: Path, allowed: tuple[str, ...], flag: str = "--out") -> str:
    """The picture format `out` names; the path is checked now, before the picture is drawn."""
    from cnncalc.safety.atomic import check_writable

    kind = FORMATS.get(out.suffix.lower())
    if kind is None or kind not in allowed:
        names = ", ".join("." + k for k in allowed)
        raise UsageError(
            _("{flag} {path}: write a picture ending in {suffixes}"), flag=flag, path=out, suffixes=names
        )
    check_writable(out, field=flag.lstrip("-"))
    return kind


def save_picture(out: Path, data: str | bytes, what: str, flag: str = "--out", json: bool = False) -> None:
    """Write the picture atomically; the receipt goes to stdout, or to stderr under --json (whose
    stdout is one JSON object)."""
    from cnncalc.safety.atomic import write_atomic

    raw = data.encode("utf-8") if isinstance(data, str) else data
    written = write_atomic(out, raw, field=flag.lstrip("-"))
    size = len(raw)
    shown = f"{size / 1024:.1f} KiB" if size >= 1024 else f"{size} B"
    path = written if written == out else f"{out} (→ {written})"
    receipt = _("wrote {path}: {what}, {size}").format(path=path, what=what, size=shown)
    if json:
        sys.stderr.write(receipt + "\n")
    else:
        emit_text(receipt)
