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
"""

from __future__ import annotations


class CnnCalcError(Exception):
    """A domain error: the numbers parse, but they describe an impossible layer."""

    exit_code = 1

    def __init__(self, message: str = "", *, field: str | None = None) -> None:
        self.template = message
        self.field = field
        super().__init__(self._render(field))

    def _render(self, name: str | None) -> str:
        if self.field is None:
            return self.template
        return self.template.replace("{field}", name if name is not None else self.field)

    def for_flag(self, flag: str | None) -> str:
        """The message with the field named as the caller knows it (a CLI option, say)."""
        return self._render(flag)

    def prefixed(self, where: str, *, keep_field: bool = True) -> CnnCalcError:
        """The same error, same type, with `where: ` in front (e.g. the layer it is in).

        `keep_field=False` settles the field's name as the core wrote it, for a place where the
        value was not given with a flag (a line of a network spec): the CLI then leaves it alone.
        """
        if keep_field:
            return type(self)(f"{where}: {self.template}", field=self.field)
        return type(self)(f"{where}: {self}")


class UsageError(CnnCalcError):
    """A malformed value: `abc` where a size was expected, a stride of 0, an unknown option."""

    exit_code = 2
