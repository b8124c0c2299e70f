"""The matrix syntax: rows by ';', channels by '|', usage errors that name the offending row."""

from __future__ import annotations

import numpy as np
import pytest

from cnncalc.arith.errors import UsageError
from cnncalc.lessons.matrix import fmt_number, parse_matrix, parse_numbers, to_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0 1 2; 3 4 5", [[[0, 1, 2], [3, 4, 5]]]),
        ("1,2;3,4", [[[1, 2], [3, 4]]]),
        ("1 2; 3 4;", [[[1, 2], [3, 4]]]),
        ("1 2\n3 4", [[[1, 2], [3, 4]]]),
        ("1 2; 3 4 | 5 6; 7 8", [[[1, 2], [3, 4]], [[5, 6], [7, 8]]]),
        ("−1 2", [[[-1, 2]]]),
    ],
    ids=["spaces", "commas", "trailing-semicolon", "newlines", "two-channels", "unicode-minus"],
)
def test_parse_matrix(text: str, expected: list) -> None:
    a = parse_matrix(text)
    assert a.tolist() == expected
    assert a.dtype == np.int64


def test_decimals_make_a_float_matrix() -> None:
    a = parse_matrix("0.5 1; 2 3")
    assert a.dtype == np.float64
    assert a.tolist() == [[[0.5, 1.0], [2.0, 3.0]]]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("1 2 3; 4 5", "row 2 ('4 5') has 2 numbers but row 1 has 3"),
        ("1 2; x 4", "row 2: 'x' is not a number"),
        ("1 2; 3 4 | 5 6", "channel 2 is 1×2 but channel 1 is 2×2"),
        ("1 2;; 3 4", "row 2 is empty"),
        ("", "is empty"),
    ],
    ids=["ragged", "not-a-number", "channel-size", "empty-row", "empty"],
)
def test_bad_matrices_are_usage_errors(text: str, fragment: str) -> None:
    with pytest.raises(UsageError) as e:
        parse_matrix(text, "--input")
    assert fragment in str(e.value)
    assert e.value.exit_code == 2


def test_parse_numbers_accepts_repeats_and_comma_lists() -> None:
    assert parse_numbers(["1", "0,-2", "0.5"], "--bias") == [1, 0, -2, 0.5]
    with pytest.raises(UsageError, match="'b' is not a number"):
        parse_numbers(["1,b"], "--bias")


def test_to_text_round_trips() -> None:
    text = "0 1; 2 3 | 4 5; 6 -7"
    assert to_text(parse_matrix(text)) == text


@pytest.mark.parametrize(("v", "s"), [(3, "3"), (3.0, "3"), (0.25, "0.25"), (-0.0, "0"), (1 / 3, "0.333333")])
def test_fmt_number(v: float, s: str) -> None:
    assert fmt_number(v) == s
