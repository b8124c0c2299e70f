"""Parsing of the size values users type: `96`, `28x20`, `3x3x3`, `same`.

Shared by the CLI options and the spec language, so `--kernel 3x5` and `conv 8 k=3x5` mean the same.
Every failure is a `UsageError` that names the value and the expected form.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from cnncalc.arith.errors import UsageError
from cnncalc.i18n import _
from cnncalc.safety.limits import MAX_SIZE, MAX_SIZE_TEXT

# what separates per-axis values (`28x20`, `28×20`, `28*20`, `28,20`); read with str methods, not a
# regex, to spare the calculator's start compiling one
_SEPARATORS = ("X", "×", "*", ",")
PADDING_MODES = ("same", "valid", "full")


def _shown(text: str) -> str:
    """A value as quoted in a message, shortened when a user pasted something enormous."""
    text = str(text)
    return repr(text if len(text) <= 40 else text[:24] + "…" + text[-8:])


def typed(text: object) -> str:
    """What a user typed, with a Chinese keyboard's full-width forms read as ASCII (Unicode NFKC):
    `５` → `5`, `；` → `;`, `＝` → `=`, `｜` → `|`, `，` → `,`, `（）` → `()`, the ideographic space → ` `.

    >>> typed("０ １ ２；３ ４ ５"), typed("conv 8 k＝5 ｜ relu")
    ('0 1 2;3 4 5', 'conv 8 k=5 | relu')
    """
    t = str(text)
    return t if t.isascii() else unicodedata.normalize("NFKC", t)


def is_digits(text: str) -> bool:
    """Digits with an optional sign (the regex `[+-]?\\d+`, decimal digits of any script).

    >>> is_digits("42"), is_digits("-7"), is_digits("+"), is_digits("3.5"), is_digits("٣")
    (True, True, False, False, True)
    """
    return (text[1:] if text[:1] in ("+", "-") else text).isdecimal()


def split_axes(text: str) -> list[str]:
    """`'28 x 20'` → ['28', '20']: per-axis values split at x, X, ×, * or a comma, the spaces around
    each separator dropped (the text itself already stripped).

    >>> split_axes("28x20"), split_axes("3 × 5 , 7"), split_axes("96")
    (['28', '20'], ['3', '5', '7'], ['96'])
    """
    t = text
    for sep in _SEPARATORS:
        t = t.replace(sep, "x")
    return [p.strip() for p in t.split("x")] if "x" in t else [text]


def parse_int(text: str, what: str, *, minimum: int = 1) -> int:
    """`'5'` → 5; anything else (`'3.5'`, `'abc'`, `'0'` when minimum is 1) is a usage error."""
    t = typed(text).strip()
    if not is_digits(t):
        values = {"what": what, "value": _shown(text), "example": max(minimum, 3)}
        if re.fullmatch(r"[+-]?\d*\.\d+", t):
            raise UsageError(
                _(
                    "{what} {value} is not a whole number (sizes are whole numbers); write e.g. {what} {example}"
                ),
                **values,
            )
        raise UsageError(_("{what} {value} is not a whole number; write e.g. {what} {example}"), **values)
    digits = len(t.lstrip("+-").lstrip("0"))
    if digits > len(str(MAX_SIZE)):  # before int(): Python refuses to convert 4,300+ digits
        raise UsageError(
            _("{what} has {digits} digits; a size is at most {most}"),
            what=what,
            digits=f"{digits:,}",
            most=MAX_SIZE_TEXT,
        )
    v = int(t)
    if v < minimum:
        raise UsageError(_("{what} {value} must be at least {minimum}"), what=what, value=v, minimum=minimum)
    if v > MAX_SIZE:
        raise UsageError(
            _("{what} {value} is more than {most}, too large to be a layer size"),
            what=what,
            value=f"{v:,}",
            most=MAX_SIZE_TEXT,
        )
    return v


def parse_sizes(text: str | int, what: str, *, minimum: int = 1, max_axes: int = 3) -> tuple[int, ...]:
    """`'96'` → (96,), `'28x20'` → (28, 20); per-axis values are separated by x, ×, * or a comma."""
    if isinstance(text, int):
        return (parse_int(str(text), what, minimum=minimum),)
    t = typed(text).strip()
    if not t:
        raise UsageError(_("{what} is empty; write N or AxB, e.g. {what} 3 or 3x5"), what=what)
    if "**" in t or "^" in t:
        _refuse_power(t, text, what, minimum)
    parts = split_axes(t)
    if len(parts) > max_axes:
        raise UsageError(
            _("{what} {value} has {axes} axes; at most {most} (N, HxW or DxHxW)"),
            what=what,
            value=_shown(text),
            axes=len(parts),
            most=max_axes,
        )
    try:
        return tuple(parse_int(p, what, minimum=minimum) for p in parts)
    except UsageError as e:
        if len(parts) == 1:
            raise
        bad = next(p for p in parts if _problem(p, minimum))
        values = {"what": what, "value": _shown(text), "part": _shown(bad)}
        if not bad:  # '3xx5', '3x': two separators with nothing between them, or one at an end
            raise UsageError(
                _("{what} {value} has an axis with no number; write N or AxB, e.g. {what} 3 or 3x5"),
                what=what,
                value=_shown(text),
            ) from e
        if _problem(bad, minimum) == "large":
            raise UsageError(
                _("{what} {value}: {part} is more than {most}, too large to be a layer size"),
                most=MAX_SIZE_TEXT,
                **values,
            ) from e
        raise UsageError(
            _("{what} {value}: {part} is not a whole number ≥ {minimum}; write N or AxB, e.g. 3 or 3x5"),
            minimum=minimum,
            **values,
        ) from e


# a power as Python (10**12) or a calculator (10^12) writes it
_POWER = r"(\d+)\s*(?:\*\*|\^)\s*(\d+)"


def _refuse_power(t: str, text: str | int, what: str, minimum: int) -> None:
    """A size written as a power (`10**12`, `2^10`) is refused with the number written out, rather
    than read as the axes 10, '' and 12. A power is computed only when it is within the size limit.

    >>> _refuse_power("2^10", "2^10", "--input", 1)
    Traceback (most recent call last):
      ...
    cnncalc.arith.errors.UsageError: --input '2^10' is written as a power; write the number itself, e.g. --input 1024
    """
    powers = re.findall(_POWER, t)
    if not powers:
        return
    values = [_power_value(base, exponent) for base, exponent in powers]
    if any(v is None for v in values):
        raise UsageError(
            _(
                "{what} {value} is written as a power, and it is more than {most}, too large to be a layer size"
            ),
            what=what,
            value=_shown(text),
            most=MAX_SIZE_TEXT,
        )
    found = iter(values)
    written = re.sub(_POWER, lambda m: str(next(found)), t)
    if any(v < minimum for v in values if v is not None) or _problem_in(written, minimum):
        raise UsageError(
            _("{what} {value} is written as a power; write the number itself"), what=what, value=_shown(text)
        )
    raise UsageError(
        _("{what} {value} is written as a power; write the number itself, e.g. {what} {number}"),
        what=what,
        value=_shown(text),
        number=written,
    )


def _power_value(base: str, exponent: str) -> int | None:
    """base**exponent, or None when it is past MAX_SIZE (then it is never computed).

    >>> _power_value("10", "12"), _power_value("2", "200"), _power_value("1", "99999"), _power_value("7", "0")
    (1000000000000, None, 1, 1)
    """
    b_text, e_text = base.lstrip("0"), exponent.lstrip("0")
    if not e_text or b_text == "1":
        return 1
    if not b_text:
        return 0
    # b ≥ 2 from here: b**e ≥ 2**e, past 10^30 once e > 100; and b**e ≥ 10^((digits − 1)·e)
    if len(e_text) > 3 or len(b_text) > len(str(MAX_SIZE)):
        return None
    b, e = int(b_text), int(e_text)
    if e > 100 or (len(b_text) - 1) * e > len(str(MAX_SIZE)):
        return None
    v = b**e
    return v if v <= MAX_SIZE else None


def _problem_in(written: str, minimum: int) -> bool:
    """Whether any per-axis value of `written` is not a size."""
    return any(_problem(p, minimum) for p in split_axes(written))


def _problem(part: str, minimum: int) -> str:
    """What is wrong with one per-axis value: '' (nothing), 'large', or 'form' (not a size)."""
    if not is_digits(part):
        return "form"
    if len(part.lstrip("+-").lstrip("0")) > len(str(MAX_SIZE)) or int(part) > MAX_SIZE:
        return "large"
    return "form" if int(part) < minimum else ""


def parse_padding(text: str | int, what: str = "padding") -> str | tuple[int, ...]:
    """`'1'` → (1,), `'1x2'` → (1, 2), `'same'|'valid'|'full'` → the mode name."""
    t = typed(text).strip().lower()
    if t in PADDING_MODES:
        return t
    try:
        return parse_sizes(t, what, minimum=0)
    except UsageError:
        raise UsageError(
            _(
                "{what} {value} is not a padding: write N (e.g. 1), per axis AxB (e.g. 1x2), "
                "or one of same, valid, full"
            ),
            what=what,
            value=_shown(text),
        ) from None


def parse_bool(text: str, what: str) -> bool:
    t = typed(text).strip().lower()
    if t in ("true", "1", "yes", "on"):
        return True
    if t in ("false", "0", "no", "off"):
        return False
    raise UsageError(_("{what} {value} is not true or false"), what=what, value=_shown(text))


def broadcast(values: tuple[int, ...], dims: int, what: str) -> tuple[int, ...]:
    """A single value applies to every axis; otherwise there must be one per axis."""
    if len(values) == 1:
        return values * dims
    if len(values) != dims:
        raise UsageError(
            _(
                "{what} {value} has {count} values but the input has {dims} spatial axes; give one value or {dims}"
            ),
            what=what,
            value="x".join(map(str, values)),
            count=len(values),
            dims=dims,
        )
    return values


def fmt_count(v: int) -> str:
    """A whole number as a message shows it: grouped by thousands, or only its length when it is
    enormous (Python refuses to print an integer of 4,300 digits or more).

    >>> fmt_count(5184), fmt_count(10**40)
    ('5,184', 'a 41-digit number')
    """
    if abs(v) < 10**21:
        return f"{v:,}"
    try:
        digits = len(str(abs(v)))
    except ValueError:  # beyond what Python prints: the count from its length in bits
        digits = int(abs(v).bit_length() * 0.30103) + 1
    return _("a {digits}-digit number").format(digits=f"{digits:,}")


def fmt_shape(shape: Sequence[int], sep: str = "×") -> str:
    """Every size, in order: (8, 92, 92) → '8×92×92'; `sep="x"` writes it as the spec language does.

    >>> fmt_shape((8, 92, 92)), fmt_shape((3, 3), "x")
    ('8×92×92', '3x3')
    """
    return sep.join(str(v) for v in shape)


def fmt_axes(values: Sequence[object], sep: str = "×") -> str:
    """Per-axis values, once when every axis agrees: (28, 28) → '28', (28, 20) → '28×20'.

    A fraction (the jump 7/4 of an adaptive pool) reads as a decimal, a whole one as an integer.

    >>> from fractions import Fraction
    >>> fmt_axes((28, 28)), fmt_axes((3, 5), "x"), fmt_axes((Fraction(7, 4), Fraction(4, 2)))
    ('28', '3x5', '1.75×2')
    """
    texts = [fmt_axis_value(v) for v in values]
    return texts[0] if len(set(texts)) == 1 else sep.join(texts)


def fmt_axis_value(v: object) -> str:
    """An int as is; a `Fraction` as an integer when whole, else as a short decimal (7/4 → '1.75').

    Duck-typed on `denominator` so this module need not import `fractions` (start-up time).
    """
    denominator = getattr(v, "denominator", None)
    if isinstance(v, int) or denominator is None:
        return str(v)
    if denominator == 1:
        return str(v.numerator)  # type: ignore[attr-defined]
    return f"{float(v):g}"  # type: ignore[arg-type]
