"""Helpers for tests of Chinese output: is any English sentence left, and are the numbers the same?

A Chinese answer keeps formulas (`⌊(n + 2p − k)/s⌋ + 1`), symbols (`H_out`, `C_in`), commands and
options (`cnncalc solve stride`, `--kernel`), spec text (`conv 8 k=5`), quoted values (`'same'`) and
the names of PyTorch and Keras classes (`nn.ZeroPad2d`). What must not be left is English prose: a
run of three or more English words one after another, separated by nothing but spaces. Words that
touch a digit, an underscore or an operator are symbols and formulas, never part of a run.

>>> english_runs("填充 2（输出 5）；或者步幅 1：⌊(n + 2p − k)/s⌋ + 1，见 `cnncalc solve padding`")
[]
>>> english_runs("卷积核 3：the floor keeps 4 rows")
['the floor keeps']
>>> english_runs("用法：cnncalc solve stride [OPTIONS]")
[]
>>> english_runs("as in PyTorch's MaxPool2d")
["as in PyTorch's"]
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
# what is code, not prose: `quoted code`, 'values' and "specs" in quotes, options, command lines
_CODE = (
    re.compile(r"`[^`\n]*`"),
    re.compile(r"(?<![A-Za-z])'[^'\n]*'"),
    re.compile(r'"[^"\n]*"'),
    re.compile(r"(?<![\w-])--?[A-Za-z][\w-]*"),
    re.compile(r"\bcnncalc(?: [a-z][a-z-]*)*"),
)
# a word: letters, with an inner apostrophe or hyphen (PyTorch's, 3-wide is not one: a digit)
_WORD = r"[A-Za-z]+(?:['’-][A-Za-z]+)*"
_RUN = re.compile(rf"(?<![\w.'’/(\[{{-]){_WORD}(?: {_WORD})+(?![\w(/\[{{-])")


def english_runs(text: str, allowed: Iterable[str] = (), least: int = 3) -> list[str]:
    """The runs of `least` or more English words in `text`, after taking out the code (see the module
    docstring) and every string in `allowed` (spec text, identifiers the test knows are there)."""
    text = _ANSI.sub("", text)
    for item in sorted(allowed, key=len, reverse=True):
        text = text.replace(item, " ")
    for pattern in _CODE:
        text = pattern.sub(" ", text)
    runs = []
    for line in text.splitlines():
        for match in _RUN.finditer(line):
            run = match.group(0)
            if len(run.split(" ")) >= least:
                runs.append(run)
    return runs


def numbers(text: str) -> list[str]:
    """Every number in `text`, in order (digits with their grouping and decimals: `5,376`, `4.5`)."""
    return re.findall(r"\d+(?:[.,]\d+)*", _ANSI.sub("", text))


def has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)
