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
from cnncalc.i18n import _

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
            _("the expression {start}… is {length} characters long; at most {most}"),
            start=text[:24],
            length=len(text),
            most=MAX_EXPRESSION_LENGTH,
        )
    tokens = _tokens(text)
    parser = _Parser(text, tokens, names)
    value = parser.expr(0)
    if parser.pos != len(tokens):
        raise UsageError(
            _("the expression {text!r} has {token!r} where an operator was expected"),
            text=text,
            token=tokens[parser.pos],
        )
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
                _(
                    "the expression {text!r} has {bad!r}; expressions use whole numbers, names, "
                    "+ − * // and parentheses"
                ),
                text=text,
                bad=bad,
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
            raise UsageError(
                _("the expression {text!r} ends where a number or name was expected"), text=self.text
            )
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
                raise UsageError(_("the expression {text!r} divides by zero"), text=self.text)
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
                    _("the expression {text!r} nests more than {most} parentheses"),
                    text=self.text[:40],
                    most=MAX_EXPRESSION_DEPTH,
                )
            value = self.expr(depth + 1)
            closing = self.peek()
            if closing is None:
                raise UsageError(_("the expression {text!r} has an unclosed '('"), text=self.text)
            if closing != ")":
                raise UsageError(
                    _("the expression {text!r} has {token!r} where an operator or ')' was expected"),
                    text=self.text,
                    token=closing,
                )
            self.pos += 1
            return value
        if token.isdigit():
            return self.bounded(int(token) if len(token) <= 13 else MAX_EXPRESSION_VALUE + 1)
        if NAME.fullmatch(token):
            return self.name(token)
        raise UsageError(
            _("the expression {text!r} has {token!r} where a number or name was expected"),
            text=self.text,
            token=token,
        )

    def name(self, token: str) -> int:
        if token not in self.names:
            known = ", ".join(sorted(self.names)) or _("none")
            raise UsageError(
                _("the expression {text!r} uses {name!r}, which is not a parameter here ({known})"),
                text=self.text,
                name=token,
                known=known,
            )
        value = self.names[token].strip()
        if not re.fullmatch(r"[+-]?\d{1,13}", value):
            raise UsageError(
                _("the expression {text!r} uses {name} = {value!r}, which is not a whole number"),
                text=self.text,
                name=token,
                value=value,
            )
        return self.bounded(int(value))

    def bounded(self, value: int) -> int:
        if abs(value) > MAX_EXPRESSION_VALUE:
            values = {"text": self.text, "most": f"{MAX_EXPRESSION_VALUE:,}"}
            if value < 0:
                raise UsageError(
                    _(
                        "the expression {text!r} reaches −more than {most}; a size that large is not a network"
                    ),
                    **values,
                )
            raise UsageError(
                _("the expression {text!r} reaches more than {most}; a size that large is not a network"),
                **values,
            )
        return value
