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
from cnncalc.i18n import _
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
        raise UsageError(
            _("{what} is empty; write rows separated by ';', e.g. {what} \"0 1; 2 3\""), what=what
        )
    channels = []
    all_int = True
    many = "|" in t
    for ci, chunk in enumerate(t.split("|"), 1):
        rows = re.split(r"[;\n]", chunk)
        if rows and not rows[-1].strip() and len(rows) > 1:
            rows = rows[:-1]  # a trailing ';' is harmless
        grid: list[list[float | int]] = []
        place = _("{what} channel {channel}").format(what=what, channel=ci) if many else what
        if len(rows) > STEP_MAX_SIDE:
            raise UsageError(
                _("{place} has {n:,} rows; a step-through shows at most {most}"),
                place=place,
                n=len(rows),
                most=STEP_MAX_SIDE,
            )
        for ri, row in enumerate(rows, 1):
            where = (
                _("{what} channel {channel} row {row}").format(what=what, channel=ci, row=ri)
                if many
                else _("{what} row {row}").format(what=what, row=ri)
            )
            tokens = [tok for tok in re.split(r"[\s,]+", row.strip()) if tok]
            if len(tokens) > STEP_MAX_SIDE:
                raise UsageError(
                    _("{where} has {n:,} numbers; a step-through shows at most {most} a row"),
                    where=where,
                    n=len(tokens),
                    most=STEP_MAX_SIDE,
                )
            if not tokens:
                raise UsageError(
                    _("{where} is empty; every row needs numbers (rows are separated by ';')"), where=where
                )
            values: list[float | int] = []
            for tok in tokens:
                value = _token_value(tok, where)
                if value is None:
                    raise UsageError(
                        _(
                            "{where}: {token!r} is not a number; write numbers separated by spaces, "
                            "rows by ';', channels by '|'"
                        ),
                        where=where,
                        token=tok,
                    )
                all_int = all_int and isinstance(value, int)
                values.append(value)
            if grid and len(values) != len(grid[0]):
                raise UsageError(
                    _(
                        "{where} ({text!r}) has {n} numbers but row 1 has {first}; "
                        "every row needs the same length"
                    ),
                    where=where,
                    text=row.strip(),
                    n=len(values),
                    first=len(grid[0]),
                )
            grid.append(values)
        if channels and (len(grid), len(grid[0])) != (len(channels[0]), len(channels[0][0])):
            raise UsageError(
                _(
                    "{what} channel {channel} is {h}×{w} but channel 1 is {h1}×{w1}; "
                    "every channel needs the same size"
                ),
                what=what,
                channel=ci,
                h=len(grid),
                w=len(grid[0]),
                h1=len(channels[0]),
                w1=len(channels[0][0]),
            )
        channels.append(grid)
    return np.array(channels, dtype=np.int64 if all_int else np.float64)


def parse_vector(text: str, what: str, most: int = 100) -> np.ndarray:
    """One row of numbers (`"2 1 0.1"`) as a 1-D array, at most `most` of them; its messages
    speak of one row, never of the matrix syntax's rows and channels.

    >>> parse_vector("2 1 0.1", "--logits").tolist()
    [2.0, 1.0, 0.1]
    """
    t = typed(text).strip()
    if t.endswith(";"):  # a trailing ';' is harmless, as in a matrix
        t = t[:-1].strip()
    if not t:
        raise UsageError(
            _('{what} is empty; write numbers separated by spaces, e.g. {what} "2 1 0.1"'), what=what
        )
    if re.search(r"[;|\n]", t):
        raise UsageError(
            _('{what} takes one row of numbers separated by spaces, e.g. {what} "2 1 0.1"'), what=what
        )
    if re.search(r"(^|,)\s*(,|$)", t):  # "1,,2", ",1" or "1,": a number left out
        raise UsageError(
            _(
                '{what} "{text}" has an empty place between commas; write each number once, e.g. {what} "2 1 0.1"'
            ),
            what=what,
            text=t,
        )
    tokens = [tok for tok in re.split(r"[\s,]+", t) if tok]
    if len(tokens) > most:
        raise UsageError(
            _("{what} has {n} numbers; a step-through takes at most {most}"),
            what=what,
            n=len(tokens),
            most=most,
        )
    values = []
    for tok in tokens:
        value = _token_value(tok, what)
        if value is None:
            raise UsageError(
                _(
                    '{what}: {token!r} is not a number; write numbers separated by spaces, e.g. {what} "2 1 0.1"'
                ),
                what=what,
                token=tok,
            )
        values.append(value)
    return np.array(values, dtype=np.int64 if all(isinstance(v, int) for v in values) else np.float64)


def _token_value(tok: str, where: str) -> int | float | None:
    """A number as typed (a minus sign may be U+2212), within `LARGEST`; None if it is not a number.
    A whole number written without a point is an int."""
    tok_n = tok.replace("−", "-")
    if not _NUMBER.fullmatch(tok_n):
        return None
    if len(tok_n) > 40:  # before int(): Python refuses to convert 4,300+ digits
        _bounded(float("inf"), tok[:20] + "…", where)
    if _INT.fullmatch(tok_n):
        return _bounded(int(tok_n), tok, where)
    return _bounded(float(tok_n), tok, where)


def parse_numbers(values: list[str] | None, what: str) -> list[int | float]:
    """`--bias 1 --bias 0` or `--bias 1,0` → [1, 0]."""
    out: list[int | float] = []
    for v in values or []:
        for tok in re.split(r"[\s,;]+", typed(v).strip()):
            if not tok:
                continue
            tok_n = tok.replace("−", "-")
            if not _NUMBER.fullmatch(tok_n):
                raise UsageError(
                    _("{what} {token!r} is not a number; write e.g. {what} 1 or {what} 1,0"),
                    what=what,
                    token=tok,
                )
            if len(tok_n) > 40:
                _bounded(float("inf"), tok[:20] + "…", what)
            out.append(_bounded(int(tok_n) if _INT.fullmatch(tok_n) else float(tok_n), tok, what))
    return out


def _bounded(value: int | float, token: str, where: str) -> int | float:
    if not abs(value) <= LARGEST:  # also catches inf from '1e999'
        raise UsageError(
            _(
                "{where}: {token!r} is too large for a step-through; use numbers between -{largest:,} and {largest:,}"
            ),
            where=where,
            token=token,
            largest=LARGEST,
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
