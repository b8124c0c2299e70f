"""Text made safe for a terminal: untrusted text escaped, and ASCII forms where Unicode cannot go.

- `printable(text)`: text that came from a file or stdin (a checkpoint's class names, a typed
  answer, a line of a model file) with every control character written as an escape, so it can
  neither move the cursor, clear the screen, retitle the window nor reorder the line around it.
- `ASCII_FALLBACK`: an encoding error handler for streams that cannot show the calculator's
  symbols (PYTHONIOENCODING=ascii, a latin-1 terminal): ⌊7/2⌋ prints as floor(7/2), 3×3 as 3x3,
  → as ->, ✓ as ok, a box-drawing line as - or |.

>>> printable("cat\\x1b[2J\\rdog")
'cat\\\\x1b[2J\\\\rdog'
>>> "⌊7/2⌋ + 1 → 4 ✓, 3×3".encode("ascii", ASCII_FALLBACK).decode()
'floor(7/2) + 1 -> 4 ok, 3x3'
"""

from __future__ import annotations

import codecs
import re
import unicodedata

# C0 controls but tab and newline, DEL, C1 controls, and the bidirectional overrides and isolates
# that reorder what is shown (the "Trojan Source" characters).
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\r": "\\r", "\x1b": "\\x1b", "\x00": "\\x00", "\x7f": "\\x7f"}


def printable(text: str) -> str:
    """`text` with each control character written as a visible escape (`\\x1b`, `\\r`, `\\u202e`)."""
    return _UNSAFE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


ASCII_FALLBACK = "cnncalc-ascii"

_ASCII_FORMS = {
    "×": "x",
    "·": "*",
    "⌊": "floor(",
    "⌋": ")",
    "⌈": "ceil(",
    "⌉": ")",
    "→": "->",
    "←": "<-",
    "↔": "<->",
    "⇒": "=>",
    "⇔": "<=>",
    "✓": "ok",
    "✔": "ok",
    "✗": "X",
    "✘": "X",
    "−": "-",
    "–": "-",
    "—": "--",
    "≥": ">=",
    "≤": "<=",
    "≠": "!=",
    "≈": "~",
    "±": "+/-",
    "…": "...",
    "•": "*",
    "‘": "'",
    "’": "'",
    "“": '"',
    "”": '"',
    "√": "sqrt",
    "∏": "prod",
    "∑": "sum",
    "Σ": "sum",
    "∂": "d",
    "∞": "inf",
    "∈": "in",
    "ε": "eps",
    "μ": "mu",
    "β": "beta",
    "γ": "gamma",
    "θ": "theta",
    "λ": "lambda",
    "σ": "sigma",
    "▏": "|",
    "░": ".",
    "▒": ":",
    "▓": "#",
    "█": "#",
    "■": "#",
    "□": "o",
    "▶": ">",
    "▲": "^",
    "▼": "v",
    "⋯": "...",
    "\u00a0": " ",
}
# Block elements by how much of the cell they fill (sparklines and heatmaps): the ramp " .:-=+*#"
_RAMP = " .:-=+*#"


def ascii_form(ch: str) -> str:
    """One character's ASCII form: a named equivalent, its decomposition (é → e, ² → 2), a
    box-drawing line as - | +, a block by its fill, anything else '?'."""
    if ch in _ASCII_FORMS:
        return _ASCII_FORMS[ch]
    decomposed = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
    if decomposed:
        return decomposed
    name = unicodedata.name(ch, "")
    if name.startswith("BOX DRAWINGS"):
        if "VERTICAL" in name and "HORIZONTAL" not in name and "AND" not in name:
            return "|"
        if "HORIZONTAL" in name and "VERTICAL" not in name and "AND" not in name:
            return "-"
        return "+"
    if "EIGHTH BLOCK" in name or "HALF BLOCK" in name:
        eighths = {"ONE": 1, "TWO": 2, "THREE": 3, "FOUR": 4, "FIVE": 5, "SIX": 6, "SEVEN": 7, "HALF": 4}
        word = next((w for w in name.split() if w in eighths), "FOUR")
        return _RAMP[min(eighths[word], len(_RAMP) - 1)]
    return "?"


def _fallback(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    chunk = error.object[error.start : error.end]
    return "".join(ascii_form(ch) for ch in chunk), error.end


codecs.register_error(ASCII_FALLBACK, _fallback)
