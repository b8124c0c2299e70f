"""Printing per-axis values and shapes: one helper each, used by the spec, the importer and render."""

from __future__ import annotations

from fractions import Fraction

import pytest

from cnncalc.arith.parsing import fmt_axes, fmt_shape


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
