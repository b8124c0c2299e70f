"""The matrix syntax learners type: numbers by spaces, rows by `;`, channels by `|`.

    "0 1 2; 3 4 5; 6 7 8"          one channel, 3×3
    "1 2; 3 4 | 5 6; 7 8"          two channels, 2×2 each (C×H×W)

Commas may also separate numbers, and newlines rows. A value that is not a number, rows of different
lengths or channels of different sizes are usage errors that name the offending row or token.

>>> parse_matrix("0 1; 2 3").tolist()
[[[0, 1], [2, 3]]]
"""

from __future__ import annotations

import math
import re

import numpy as np

from cnncalc.arith.errors import UsageError
from cnncalc.arith.parsing import typed
from cnncalc.safety.limits import STEP_MAX_SIDE

# Step-throughs are worked by hand-sized numbers; this bound keeps every sum of products exact in
# int64 and finite in float64, whatever the kernel size.
LARGEST = 10**6

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_INT = re.compile(r"[+-]?\d+")


def parse_matrix(text: str, what: str = "--input") -> np.ndarray:
    """Parse C×H×W numbers; int64 when every value is a whole number written without a point, else float64."""
    t = typed(text).strip()
    if not t:
        raise UsageError(f"{what} is empty; write rows separated by ';', e.g. {what} \"0 1; 2 3\"")
    channels = []
    all_int = True
    for ci, chunk in enumerate(t.split("|"), 1):
        rows = re.split(r"[;\n]", chunk)
        if rows and not rows[-1].strip() and len(rows) > 1:
            rows = rows[:-1]  # a trailing ';' is harmless
        grid: list[list[float | int]] = []
        where_c = f" channel {ci}" if "|" in t else ""
        if len(rows) > STEP_MAX_SIDE:
            raise UsageError(
                f"{what}{where_c} has {len(rows):,} rows; a step-through shows at most {STEP_MAX_SIDE}"
            )
        for ri, row in enumerate(rows, 1):
            tokens = [tok for tok in re.split(r"[\s,]+", row.strip()) if tok]
            if len(tokens) > STEP_MAX_SIDE:
                raise UsageError(
                    f"{what}{where_c} row {ri} has {len(tokens):,} numbers; a step-through shows at most "
                    f"{STEP_MAX_SIDE} a row"
                )
            if not tokens:
                raise UsageError(
                    f"{what}{where_c} row {ri} is empty; every row needs numbers (rows are separated by ';')"
                )
            values: list[float | int] = []
            for tok in tokens:
                tok_n = tok.replace("−", "-")
                if not _NUMBER.fullmatch(tok_n):
                    raise UsageError(
                        f"{what}{where_c} row {ri}: {tok!r} is not a number; write numbers separated by spaces, "
                        "rows by ';', channels by '|'"
                    )
                if len(tok_n) > 40:  # before int(): Python refuses to convert 4,300+ digits
                    _bounded(float("inf"), tok[:20] + "…", f"{what}{where_c} row {ri}")
                if _INT.fullmatch(tok_n):
                    values.append(_bounded(int(tok_n), tok, f"{what}{where_c} row {ri}"))
                else:
                    all_int = False
                    values.append(_bounded(float(tok_n), tok, f"{what}{where_c} row {ri}"))
            if grid and len(values) != len(grid[0]):
                raise UsageError(
                    f"{what}{where_c} row {ri} ({row.strip()!r}) has {len(values)} numbers but row 1 has "
                    f"{len(grid[0])}; every row needs the same length"
                )
            grid.append(values)
        if channels and (len(grid), len(grid[0])) != (len(channels[0]), len(channels[0][0])):
            raise UsageError(
                f"{what} channel {ci} is {len(grid)}×{len(grid[0])} but channel 1 is "
                f"{len(channels[0])}×{len(channels[0][0])}; every channel needs the same size"
            )
        channels.append(grid)
    return np.array(channels, dtype=np.int64 if all_int else np.float64)


def parse_vector(text: str, what: str, most: int = 100) -> np.ndarray:
    """One row of numbers (`"2 1 0.1"`) as a 1-D array, at most `most` of them.

    >>> parse_vector("2 1 0.1", "--logits").tolist()
    [2.0, 1.0, 0.1]
    """
    a = parse_matrix(text, what)
    if a.shape[0] != 1 or a.shape[1] != 1:
        raise UsageError(f'{what} takes one row of numbers separated by spaces, e.g. {what} "2 1 0.1"')
    if a.shape[2] > most:
        raise UsageError(f"{what} has {a.shape[2]} numbers; a step-through takes at most {most}")
    return a[0, 0]


def parse_numbers(values: list[str] | None, what: str) -> list[int | float]:
    """`--bias 1 --bias 0` or `--bias 1,0` → [1, 0]."""
    out: list[int | float] = []
    for v in values or []:
        for tok in re.split(r"[\s,;]+", typed(v).strip()):
            if not tok:
                continue
            tok_n = tok.replace("−", "-")
            if not _NUMBER.fullmatch(tok_n):
                raise UsageError(f"{what} {tok!r} is not a number; write e.g. {what} 1 or {what} 1,0")
            if len(tok_n) > 40:
                _bounded(float("inf"), tok[:20] + "…", what)
            out.append(_bounded(int(tok_n) if _INT.fullmatch(tok_n) else float(tok_n), tok, what))
    return out


def _bounded(value: int | float, token: str, where: str) -> int | float:
    if not abs(value) <= LARGEST:  # also catches inf from '1e999'
        raise UsageError(
            f"{where}: {token!r} is too large for a step-through; use numbers between -{LARGEST:,} and {LARGEST:,}"
        )
    return value


def to_text(a: np.ndarray) -> str:
    """The inverse of `parse_matrix`, for showing the equivalent command line.

    >>> to_text(np.array([[[0, 1], [2, 3]]]))
    '0 1; 2 3'
    """
    return " | ".join("; ".join(" ".join(fmt_number(v) for v in row) for row in ch) for ch in a.tolist())


def fmt_number(v: int | float) -> str:
    """Whole numbers without a point, others in at most 6 significant digits; -0 prints as 0."""
    if isinstance(v, int | np.integer):
        return str(int(v))
    v = float(v)
    if not math.isfinite(v):
        return str(v)
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return f"{v:.6g}"


def pyvalue(v: np.generic | int | float, integral: bool) -> int | float:
    """A NumPy scalar as a JSON-friendly int (integral data) or float."""
    return int(v) if integral else float(v)
