"""Printing per-axis values and shapes: one helper each, used by the spec, the importer and render."""

from __future__ import annotations

from fractions import Fraction

import pytest

from cnncalc.arith.errors import UsageError
from cnncalc.arith.parsing import fmt_axes, fmt_shape, parse_sizes


@pytest.mark.parametrize(
    ("values", "sep", "text"),
    [
        ((28, 28), "×", "28"),  # every axis agrees: said once
        ((28, 20), "×", "28×20"),
        ((3, 5), "x", "3x5"),  # the spec language's separator
        ((7,), "×", "7"),
        ((Fraction(7, 4), Fraction(7, 4)), "×", "1.75"),  # the jump after an adaptive pool 7 → 4
        ((Fraction(4, 2), Fraction(1, 2)), "×", "2×0.5"),  # a whole fraction prints as an integer
        (("same",), "x", "same"),  # a padding mode read from model code
    ],
    ids=["square", "per-axis", "spec-x", "1-d", "fraction", "whole-fraction", "word"],
)
def test_fmt_axes(values: tuple, sep: str, text: str) -> None:
    assert fmt_axes(values, sep) == text


def test_fmt_shape_keeps_every_size() -> None:
    assert fmt_shape((8, 92, 92)) == "8×92×92"
    assert fmt_shape((3, 3), "x") == "3x3"  # unlike fmt_axes: a shape is never folded
    assert fmt_shape([1]) == "1"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("10**12", "input '10**12' is written as a power; write the number itself, e.g. input 1000000000000"),
        ("10^12", "input '10^12' is written as a power; write the number itself, e.g. input 1000000000000"),
        ("2**5x2^4", "input '2**5x2^4' is written as a power; write the number itself, e.g. input 32x16"),
        (
            "10**31",
            "input '10**31' is written as a power, and it is more than 10^30, too large to be a layer size",
        ),
        ("2^99999999999", "input '2^99999999999' is written as a power, and it is more than 10^30"),
        ("0**3", "input '0**3' is written as a power; write the number itself"),
        ("3xx5", "input '3xx5' has an axis with no number; write N or AxB, e.g. input 3 or 3x5"),
        ("3x", "input '3x' has an axis with no number"),
    ],
    ids=[
        "python-power",
        "caret-power",
        "per-axis-powers",
        "too-large",
        "huge-exponent",
        "below-minimum",
        "empty-axis",
        "trailing-separator",
    ],
)
def test_a_size_written_as_a_power_or_with_an_empty_axis_says_what_was_written(text, message) -> None:
    with pytest.raises(UsageError) as caught:
        parse_sizes(text, "input")
    assert str(caught.value) == message or str(caught.value).startswith(message)
    assert "''" not in str(caught.value)
