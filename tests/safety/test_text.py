"""Text made safe for a terminal: control characters escaped, ASCII forms for narrow encodings."""

from __future__ import annotations

import pytest

from cnncalc.safety.text import ASCII_FALLBACK, ascii_form, printable


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("plain 8×8 → 6×6", "plain 8×8 → 6×6"),
        ("tab\tand\nnewline", "tab\tand\nnewline"),
        ("\x1b[2Jclear", "\\x1b[2Jclear"),
        ("\x1b]0;title\x07", "\\x1b]0;title\\x07"),
        ("over\rwrite", "over\\rwrite"),
        ("nul\x00", "nul\\x00"),
        ("c1\x9b31m", "c1\\x9b31m"),
        ("abc\u202edcba", "abc\\u202edcba"),
    ],
    ids=["plain", "tab-newline", "clear", "title", "carriage-return", "nul", "c1", "bidi"],
)
def test_printable_escapes_what_could_take_over_the_terminal(text, shown):
    assert printable(text) == shown


def test_printable_is_idempotent():
    once = printable("\x1b[31mred\x07")
    assert printable(once) == once


@pytest.mark.parametrize("encoding", ["ascii", "latin-1", "cp1252"])
def test_every_symbol_the_renderers_use_has_an_ascii_form(encoding):
    text = "H_out = ⌊(n + 2p − k)/s⌋ + 1 = ⌈7/2⌉ → 4 ✓ ✗ · × ≥ ≤ … — │ ─ ┌ ┼ ▁▄█ ░▒▓ ε μ ∂ Σ"
    encoded = text.encode(encoding, ASCII_FALLBACK).decode(encoding)
    assert "?" not in encoded
    assert "floor((n + 2p - k)/s) + 1 = ceil(7/2) -> 4 ok X" in encoded


def test_box_drawing_and_blocks_become_lines_and_a_ramp():
    assert [ascii_form(c) for c in "─│┌┼"] == ["-", "|", "+", "+"]
    assert [ascii_form(c) for c in "▁▄█"] == [".", "=", "#"]
