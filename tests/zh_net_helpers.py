"""What the Chinese tests of the network side look for: English sentences left, and the numbers.

An untranslated sentence leaves a run of English words; formulas (`H_out = ⌊…⌋`), options
(`--explain`), spec text (`conv 8 k=5`), code (`nn.Conv2d(1, 8, 3)`) and single-letter symbols
(`k`, `H`) do not make one, because numbers, symbols and punctuation break a run.

>>> english_runs("第 4 层：声称 8×23×23，实际为 24×4×4")
[]
>>> english_runs("H_out = ⌊(n + 2p − k)/s⌋ + 1; conv 8 k=5 -> 8x92x92 | --explain ID 可查看")
[]
>>> english_runs("说明：the floor keeps 4, so the last row is never covered")
['the floor keeps', 'so the last row is never covered']
"""

from __future__ import annotations

import ast
import functools
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "cnncalc"

# the modules whose text this branch translates: their English must be gone
NET_MODULES = frozenset(
    {
        *(f"cnncalc/arith/{m}.py" for m in ("network", "graph", "merges", "spec", "layer_spec", "presets")),
        *(f"cnncalc/arith/{m}.py" for m in ("input_sizes", "network_view")),
        *(str(p.relative_to(ROOT)) for p in (PACKAGE / "arith" / "importer").glob("*.py")),
        *(
            f"cnncalc/render/{m}.py"
            for m in (
                "network",
                "row_working",
                "export",
                "net_diagram",
                "net_layout",
                "rf_picture",
                "sliding",
            )
        ),
        *(f"cnncalc/render/{m}.py" for m in ("page", "notebook")),
        *(f"cnncalc/cli/{m}.py" for m in ("net", "export", "draw")),
        *(f"cnncalc/api/{m}.py" for m in ("net", "sources", "export", "draw")),
    }
)
_MARKERS = {"_", "N_", "ngettext", "translated"}
# the spec language's layer words are identifiers, not English (`expected one of conv, tconv, …`)
_SPEC_WORDS = frozenset(
    "conv tconv maxpool avgpool gap gmp pad upsample pixelshuffle bn instancenorm groupnorm lrn relu relu6 "
    "hardswish hardsigmoid silu gelu elu leakyrelu sigmoid tanh softmax dropout flatten fc".split()
)
_WORD = re.compile(r"^[A-Za-z][a-z]*(?:['’-][A-Za-z]+)*$")
_STRIP = "()[]{}<>,.;:!?'\"`“”‘’"


def _words(text: str) -> list[str | None]:
    """The text's tokens between spaces (a Chinese character is a token of its own), `None` where a
    token is not an English word."""
    text = "".join(f" {c} " if unicodedata.east_asian_width(c) in "WF" else c for c in text)
    out: list[str | None] = []
    for token in text.split():
        word = token.strip(_STRIP)
        english = len(word) > 1 and _WORD.match(word) and word == token.strip(",.;:!?")
        out.append(word if english and word not in _SPEC_WORDS else None)
    return out


def english_runs(text: str, least: int = 3) -> list[str]:
    """Runs of at least `least` English words in a row (commas and full stops between them left out)."""
    runs, current = [], []
    for word in [*_words(text), None]:
        if word is None:
            if len(current) >= least:
                runs.append(" ".join(current))
            current = []
        else:
            current.append(word)
    return runs


def _grams(words: Iterable[str], n: int) -> set[tuple[str, ...]]:
    w = [x.lower() for x in words]
    return {tuple(w[i : i + n]) for i in range(len(w) - n + 1)}


def _pieces(path: Path, marked_too: bool) -> Iterable[list[str]]:
    """The English words of each string literal (each constant piece of an f-string) of a module,
    docstrings left out; with `marked_too` False, only those outside `_()`, `N_()`, `ngettext()`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            skipped.add(id(body[0].value))  # a docstring
        if not marked_too and isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id in _MARKERS:
                skipped.update(id(a) for a in node.args)
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            texts = [node.value]
        elif isinstance(node, ast.JoinedStr):
            texts = [v.value for v in node.values if isinstance(v, ast.Constant)]
        else:
            continue
        for text in texts:
            yield [w for w in _words(text) if w is not None]


@functools.cache
def _english_of(mine: bool) -> tuple[frozenset, frozenset]:
    """Word pairs and fours in a row of this branch's modules' English (`mine`: every literal,
    translated or not), or of the English other modules still write outside `_()` (a why-line of
    `sizes`, a note of `params` may still be English here; once such a module speaks Chinese, its
    literals are catalog messages and drop out)."""
    pairs: set[tuple[str, ...]] = set()
    quads: set[tuple[str, ...]] = set()
    for path in PACKAGE.rglob("*.py"):
        if (str(path.relative_to(ROOT)) in NET_MODULES) != mine or path.name == "i18n.py":
            continue
        for words in _pieces(path, marked_too=mine):
            pairs |= _grams(words, 2)
            quads |= _grams(words, 4)
    return frozenset(pairs), frozenset(quads)


def untranslated(text: str) -> list[str]:
    """The English runs of `text` that this branch's modules wrote.

    A run is another module's when most of its words stand in word pairs that module still writes
    in English (its sentences are glued from pieces, so a run may cross them) and no four words of
    it in a row are English that only this branch's modules write."""
    foreign_pairs, foreign_quads = _english_of(False)
    mine = _english_of(True)[1] - foreign_quads
    left = []
    for run in english_runs(text):
        words = [w.lower() for w in run.split()]
        covered = {
            i + j for i in range(len(words) - 1) if tuple(words[i : i + 2]) in foreign_pairs for j in (0, 1)
        }
        if _grams(words, 4) & mine or len(covered) * 2 < len(words):
            left.append(run)
    return left


def numbers(text: str) -> set[str]:
    """Every number written in `text` (1,024 and 5.66M alike), for comparing two languages."""
    return set(re.findall(r"\d+(?:[.,]\d+)*", text))
