"""The one error type the core raises.

The CLI turns it into a message on stderr and an exit code: 1 for domain errors (a kernel larger
than its input), 2 for usage errors (a value that does not parse).

The core speaks in fields, the CLI in flags. A message that names the value it is about writes
`{field}` where the name goes and passes `field=`; `str(error)` says the field's own name (what a
Python caller passed), and the CLI says its option instead (`error.for_flag("--lr")`):

>>> e = CnnCalcError("{field} 0 must be a positive number, e.g. {field} 0.001", field="lr")
>>> str(e)
'lr 0 must be a positive number, e.g. lr 0.001'
>>> e.for_flag("--lr")
'--lr 0 must be a positive number, e.g. --lr 0.001'

A translated sentence passes its other values by name, filled in after translation:
`UsageError(_("{field} {value} must be at least {minimum}"), field="stride", value=0, minimum=1)`.

A message about two values names the other one as `{field:NAME}`; `named()` says every field the
way the caller knows it:

>>> e = UsageError("{field} has 2 axes but {field:dims} is 3; drop {field:dims}", field="input")
>>> str(e)
'input has 2 axes but dims is 3; drop dims'
>>> e.named(lambda name: "--" + name)
'--input has 2 axes but --dims is 3; drop --dims'
"""

from __future__ import annotations

import re
from collections.abc import Callable

# `{field}` (the error's own field) or `{field:NAME}` (another one the message names); compiled on
# first use (by `re`'s cache), not when the calculator starts
_PLACEHOLDER = r"\{field(?::([A-Za-z_][A-Za-z0-9_]*))?\}"


class CnnCalcError(Exception):
    """A domain error: the numbers parse, but they describe an impossible layer."""

    exit_code = 1

    def __init__(self, message: str = "", *, field: str | None = None, **values: object) -> None:
        if values:  # a translated sentence with named values: fill them, keep the field placeholders
            from cnncalc.i18n import fill

            message = fill(message, **values)
        self.template = message
        self.field = field
        super().__init__(self.named(lambda name: name))

    def named(self, name_of: Callable[[str], str]) -> str:
        """The message with every field called what `name_of(field)` says (a CLI option, say).

        A bare `{field}` in an error without a field is left as it is: it is text, not a name.
        """

        def name(m: re.Match[str]) -> str:
            other = m.group(1)
            if other is None:
                return m.group(0) if self.field is None else name_of(self.field)
            return name_of(other)

        return re.sub(_PLACEHOLDER, name, self.template)

    def for_flag(self, flag: str | None) -> str:
        """The message with its own field named as the caller knows it (a CLI option, say)."""
        return self.named(lambda name: flag if flag is not None and name == self.field else name)

    def prefixed(self, where: str, *, keep_field: bool = True) -> CnnCalcError:
        """The same error, same type, with `where: ` in front (e.g. the layer it is in).

        `keep_field=False` settles the field's name as the core wrote it, for a place where the
        value was not given with a flag (a line of a network spec): the CLI then leaves it alone.
        """
        if keep_field:
            return type(self)(f"{where}: {self.template}", field=self.field)
        return type(self)(f"{where}: {self}")


class UsageError(CnnCalcError, ValueError):
    """A malformed value: `abc` where a size was expected, a stride of 0, an unknown option.

    It is a `ValueError` too, so Python code that already catches bad values catches it."""

    exit_code = 2


class ArgumentError(UsageError, TypeError):
    """A call the function cannot take: a misspelt keyword, a missing argument, one too many.

    A `UsageError` like any bad value, and a `TypeError` as Python's own refusal of the call is."""
