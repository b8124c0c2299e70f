"""Writing results: JSON for scripts, text for people. Standard library only (fast start)."""

import os
import sys


def emit_json(data: dict) -> None:
    """One JSON object on stdout, keys in insertion order, non-ASCII kept readable."""
    import json

    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def emit_text(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


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
