"""Writing results: JSON for scripts, text for people. Standard library only (fast start)."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cnncalc.api.result import TextResult


def emit_json(data: dict) -> None:
    """One JSON object on stdout, keys in insertion order, non-ASCII kept readable."""
    import json

    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


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
