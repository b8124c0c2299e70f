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
