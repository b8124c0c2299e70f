"""Integer expressions in a block's values: `conv (4*w) k=1`, `g=(c*t)`, `x(n - 1)`.

Only whole numbers, the block's parameter names, `+`, `-` (or `−`), `*`, `//` and parentheses:

    expr   := term (('+' | '-') term)*
    term   := factor (('*' | '//') factor)*
    factor := ('+' | '-') factor | NUMBER | NAME | '(' expr ')'

Evaluated exactly, in integers, and bounded so that no text can make it slow: at most
`MAX_EXPRESSION_LENGTH` characters, `MAX_EXPRESSION_DEPTH` nested parentheses, and every value
within ±`MAX_EXPRESSION_VALUE`.

>>> evaluate("(4*w)", {"w": "64"})
256
>>> evaluate("(c*t // 2 - 1)", {"c": "32", "t": "6"})
95
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from cnncalc.arith.errors import UsageError

MAX_EXPRESSION_LENGTH = 200
MAX_EXPRESSION_DEPTH = 16
MAX_EXPRESSION_VALUE = 10**12

_TOKEN = re.compile(r"\s*(?:(\d+)|([A-Za-z_][A-Za-z0-9_]*)|(//|[-−+*()]))")
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def is_expression(text: str) -> bool:
    """A value written in parentheses is an expression; anything else is taken as written."""
    return text.startswith("(") and text.endswith(")")


def evaluate(text: str, names: Mapping[str, str]) -> int:
    """The value of an integer expression, names looked up in `names` (their values as written).

    Raises `UsageError` naming the expression for anything it cannot evaluate exactly.
    """
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise UsageError(
            f"the expression {text[:24]}… is {len(text)} characters long; at most {MAX_EXPRESSION_LENGTH}"
        )
    tokens = _tokens(text)
    parser = _Parser(text, tokens, names)
    value = parser.expr(0)
    if parser.pos != len(tokens):
        raise UsageError(f"the expression {text!r} has {tokens[parser.pos]!r} where an operator was expected")
    return value


def _tokens(text: str) -> list[str]:
    tokens, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if match is None:
            bad = text[pos:].strip()[:1]
            raise UsageError(
                f"the expression {text!r} has {bad!r}; expressions use whole numbers, names, "
                "+ − * // and parentheses"
            )
        tokens.append(match.group(match.lastindex or 0))
        pos = match.end()
    return tokens


class _Parser:
    """Recursive descent over the tokens; `depth` counts open parentheses (bounded)."""

    def __init__(self, text: str, tokens: list[str], names: Mapping[str, str]) -> None:
        self.text, self.tokens, self.names, self.pos = text, tokens, names, 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise UsageError(f"the expression {self.text!r} ends where a number or name was expected")
        self.pos += 1
        return token

    def expr(self, depth: int) -> int:
        value = self.term(depth)
        while self.peek() in ("+", "-", "−"):
            op = self.take()
            value = self.bounded(value + self.term(depth) if op == "+" else value - self.term(depth))
        return value

    def term(self, depth: int) -> int:
        value = self.factor(depth)
        while self.peek() in ("*", "//"):
            op = self.take()
            right = self.factor(depth)
            if op == "*":
                value = self.bounded(value * right)
            elif right == 0:
                raise UsageError(f"the expression {self.text!r} divides by zero")
            else:
                value = value // right
        return value

    def factor(self, depth: int) -> int:
        token = self.take()
        if token in ("+", "-", "−"):
            value = self.factor(depth)
            return -value if token != "+" else value
        if token == "(":
            if depth >= MAX_EXPRESSION_DEPTH:
                raise UsageError(
                    f"the expression {self.text[:40]!r} nests more than {MAX_EXPRESSION_DEPTH} parentheses"
                )
            value = self.expr(depth + 1)
            closing = self.peek()
            if closing is None:
                raise UsageError(f"the expression {self.text!r} has an unclosed '('")
            if closing != ")":
                raise UsageError(
                    f"the expression {self.text!r} has {closing!r} where an operator or ')' was expected"
                )
            self.pos += 1
            return value
        if token.isdigit():
            return self.bounded(int(token) if len(token) <= 13 else MAX_EXPRESSION_VALUE + 1)
        if NAME.fullmatch(token):
            return self.name(token)
        raise UsageError(f"the expression {self.text!r} has {token!r} where a number or name was expected")

    def name(self, token: str) -> int:
        if token not in self.names:
            known = ", ".join(sorted(self.names)) or "none"
            raise UsageError(
                f"the expression {self.text!r} uses {token!r}, which is not a parameter here ({known})"
            )
        value = self.names[token].strip()
        if not re.fullmatch(r"[+-]?\d{1,13}", value):
            raise UsageError(
                f"the expression {self.text!r} uses {token} = {value!r}, which is not a whole number"
            )
        return self.bounded(int(value))

    def bounded(self, value: int) -> int:
        if abs(value) > MAX_EXPRESSION_VALUE:
            raise UsageError(
                f"the expression {self.text!r} reaches {'−' if value < 0 else ''}more than {MAX_EXPRESSION_VALUE:,}; "
                "a size that large is not a network"
            )
        return value
