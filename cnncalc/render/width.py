"""Display width: what a terminal shows, not `len()`. Standard library only (the calculator's start).

A CJK character (East Asian Wide or Fullwidth) takes two columns, a combining mark none, and ANSI
colour codes none; Chinese text wraps at any character (it has no spaces), English at spaces, and
a line never runs past the width.

>>> display_width("卷积核 5")
8
>>> wrap("每个过滤器在输入上滑动，计算点积", 10)
['每个过滤器', '在输入上滑', '动，计算点', '积']
>>> wrap("a 5-wide window fits at 92 positions", 16)
['a 5-wide window', 'fits at 92', 'positions']
"""

from __future__ import annotations

import re
import unicodedata

# ANSI colour codes; compiled on first use (re caches it): plain output never has one
_ESCAPE = r"\x1b\[[0-9;]*m"
# a line may not start with closing punctuation nor end with opening punctuation (Chinese rules)
_NO_START = set("，。、；：？！）》」』】〕〉”’…%,.;:?!)]}")
_NO_END = set("（《「『【〔〈“‘([{")


def char_width(ch: str) -> int:
    if ch.isascii():
        return 1 if ch.isprintable() else 0
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def display_width(text: str) -> int:
    """Columns `text` takes on a terminal (ANSI colour codes take none)."""
    if "\x1b" in text:
        text = re.sub(_ESCAPE, "", text)
    if text.isascii():
        return len(text)
    known = _MEASURED.get(text)  # a table measures the same cells (2×56×56, —) again and again
    if known is not None:
        return known
    total = 0
    for ch in text:
        width = _WIDTHS.get(ch)
        if width is None:
            width = _WIDTHS[ch] = char_width(ch)
        total += width
    if len(_MEASURED) >= 4096:  # bounded: a long notebook session measures many different texts
        _MEASURED.clear()
    _MEASURED[text] = total
    return total


_WIDTHS: dict[str, int] = {}
_MEASURED: dict[str, int] = {}


def is_wide(ch: str) -> bool:
    return not ch.isascii() and unicodedata.east_asian_width(ch) in ("W", "F")


def pad(text: str, width: int, align: str = "l") -> str:
    """`text` padded with spaces to `width` columns: align 'l', 'r' or 'c'."""
    gap = max(width - display_width(text), 0)
    if align == "r":
        return " " * gap + text
    if align == "c":
        return " " * (gap // 2) + text + " " * (gap - gap // 2)
    return text + " " * gap


def widest_word(text: str) -> int:
    """The width of the widest piece `wrap` never breaks: an English word, or one wide character
    (Chinese breaks between any two).

    >>> widest_word("a 5-wide 窗口"), widest_word("")
    (6, 0)
    """
    return max((display_width(t) for t in _tokens(" ".join(text.split())) if t != " "), default=0)


def _tokens(text: str) -> list[str]:
    """Words and spaces; every wide character is a token of its own (a place a line may break).

    >>> _tokens("a  5-wide 窗口")
    ['a', ' ', ' ', '5-wide', ' ', '窗', '口']
    """
    out: list[str] = []
    if text.isascii():  # no wide character: split at the spaces (English notes: most of a table's text)
        for i, word in enumerate(text.split(" ")):
            if i:
                out.append(" ")
            if word:
                out.append(word)
        return out
    word = ""
    for ch in text:
        if ch == " " or is_wide(ch):
            if word:
                out.append(word)
                word = ""
            out.append(ch)
        else:
            word += ch
    if word:
        out.append(word)
    return out


def wrap(
    text: str,
    width: int,
    initial_indent: str = "",
    subsequent_indent: str = "",
    break_long_words: bool = True,
) -> list[str]:
    """Lines of at most `width` columns: English breaks at spaces, Chinese between any two
    characters — a closing mark never starts a line and an opening one never ends one when the
    width leaves room to move them — with indents as textwrap's."""
    words = _tokens(" ".join(text.split()))
    lines: list[str] = []
    indent = initial_indent
    line: list[str] = []  # tokens of the line being filled, spaces included
    filled = 0  # their display width, kept as they come and go (summing anew is quadratic)

    def used() -> int:
        return display_width(indent) + filled

    def flush() -> None:
        nonlocal line, indent, filled
        while line and line[-1] == " ":
            line.pop()
        lines.append(indent + "".join(line))
        line, indent, filled = [], subsequent_indent, 0

    for tok in words:
        if tok == " ":
            if line:
                line.append(tok)
                filled += 1
            continue
        w = display_width(tok)
        if line and used() + w > width:
            carried: list[str] = []
            if tok in _NO_START:
                # take a character along rather than start with the mark, or a word (320。) that fits;
                # and another while the first one taken is a mark too (区）。, not ）。)
                while len(line) > 1 and line[-1] != " " and (not carried or carried[0] in _NO_START):
                    before = line[-1]
                    single = len(before) == 1 and is_wide(before)
                    taken = sum(map(display_width, carried))
                    if (
                        not single
                        and display_width(subsequent_indent) + display_width(before) + taken + w > width
                    ):
                        break
                    carried.insert(0, line.pop())
            # nor leave opening marks behind (图（ / SVG、 or 图（（ / 网)
            while len(line) > 1 and line[-1] in _NO_END:
                carried.insert(0, line.pop())
            flush()
            if display_width(indent) + sum(map(display_width, carried)) + w <= width:
                line = carried
            elif carried:  # no room on a line of their own with the token: back where they were, if they fit
                back = lines[-1] + "".join(carried)
                if display_width(back) <= width:
                    lines[-1] = back
                else:  # no room either way: keep the width
                    line = carried
            filled = sum(map(display_width, line))
        while break_long_words and not line and display_width(indent) + w > width and len(tok) > 1:
            room = max(width - display_width(indent), 1)
            cut, taken = 0, 0
            while cut < len(tok) and taken + char_width(tok[cut]) <= room:
                taken += char_width(tok[cut])
                cut += 1
            cut = max(cut, 1)
            line = [tok[:cut]]
            flush()
            tok = tok[cut:]
            w = display_width(tok)
        line.append(tok)
        filled += w
    if any(t != " " for t in line):
        flush()
    return lines


# What makes the text after a note's last colon a formula, to be kept on one line.
_FORMULA_MARKS = "⌊⌈="


def closing_formula(text: str) -> tuple[str, str] | None:
    """(the words up to and including a note's last colon, the formula after it) when the note ends
    in a formula — "in general …: ⌊(n + 2p − d(k − 1) − 1)/s⌋ + 1" — else None. A renderer that
    cannot fit the note on one line puts the formula on a line of its own rather than break it.

    >>> closing_formula("in general: ⌊(n + 2p − k)/s⌋ + 1")
    ('in general:', '⌊(n + 2p − k)/s⌋ + 1')
    >>> closing_formula("一般形式：⌊(n + 2p − k)/s⌋ + 1")
    ('一般形式：', '⌊(n + 2p − k)/s⌋ + 1')
    >>> closing_formula("stride 2: every other position is skipped") is None
    True
    """
    cut = max(text.rfind(": "), text.rfind("："))
    if cut < 0:
        return None
    formula = text[cut + 1 :].strip()
    if not any(mark in formula for mark in _FORMULA_MARKS):
        return None
    return text[: cut + 1].rstrip(), formula
