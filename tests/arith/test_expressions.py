"""Integer expressions in block values: exact, bounded, and clear about what they cannot do."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnncalc.arith.errors import UsageError
from cnncalc.arith.expressions import MAX_EXPRESSION_DEPTH, evaluate, is_expression


@pytest.mark.parametrize(
    ("text", "names", "value"),
    [
        ("(4*w)", {"w": "64"}, 256),
        ("(c*t)", {"c": "32", "t": "6"}, 192),
        ("(n - 1)", {"n": "3"}, 2),
        ("(n − 1)", {"n": "3"}, 2),  # the minus sign of the docs
        ("(c // 2)", {"c": "1024"}, 512),
        ("(7 // 2)", {}, 3),  # floor division
        ("(-7 // 2)", {}, -4),  # floors, as Python does
        ("(2 + 3 * 4)", {}, 14),  # * before +
        ("((2 + 3) * 4)", {}, 20),
        ("(-(3))", {}, -3),
        ("(64)", {}, 64),
    ],
    ids=lambda v: str(v),
)
def test_expressions_evaluate_exactly(text: str, names: dict, value: int) -> None:
    assert evaluate(text, names) == value


@given(a=st.integers(-(10**5), 10**5), b=st.integers(1, 10**5), c=st.integers(-(10**5), 10**5))
def test_expressions_agree_with_python_integers(a: int, b: int, c: int) -> None:
    assert evaluate("(a * c + a // b - c)", {"a": str(a), "b": str(b), "c": str(c)}) == a * c + a // b - c


@pytest.mark.parametrize(
    ("text", "names", "needles"),
    [
        ("(w * q)", {"w": "8"}, ("'q'", "not a parameter")),
        ("(w / 2)", {"w": "8"}, ("'/'", "+ − * //")),
        ("(w ** 2)", {"w": "8"}, ("'*'",)),
        ("(w // 0)", {"w": "8"}, ("divides by zero",)),
        ("(p * 2)", {"p": "same"}, ("'same'", "not a whole number")),
        ("(99999 * 99999 * 99999)", {}, ("more than 1,000,000,000,000",)),
        ("(12345678901234567)", {}, ("more than",)),
        ("(1 +)", {}, ("where a number or name was expected",)),
        ("(1 2)", {}, ("'2' where an operator",)),
        ("((1)", {}, ("unclosed",)),
        ("(" * (MAX_EXPRESSION_DEPTH + 2) + "1" + ")" * (MAX_EXPRESSION_DEPTH + 2), {}, ("nests more than",)),
        ("(" + "1+" * 150 + "1)", {}, ("characters long",)),
    ],
    ids=[
        "unknown-name",
        "slash",
        "power",
        "zero",
        "not-a-number",
        "too-large",
        "too-many-digits",
        "dangling-op",
        "two-numbers",
        "unclosed",
        "too-deep",
        "too-long",
    ],
)
def test_bad_expressions_are_usage_errors(text: str, names: dict, needles: tuple[str, ...]) -> None:
    with pytest.raises(UsageError) as info:
        evaluate(text, names)
    for needle in needles:
        assert needle in str(info.value), str(info.value)


def test_only_parenthesised_values_are_expressions() -> None:
    assert is_expression("(4*w)") and not is_expression("4*w") and not is_expression("3x3")
