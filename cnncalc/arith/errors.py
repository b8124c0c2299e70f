"""The one error type the core raises.

The CLI turns it into a message on stderr and an exit code: 1 for domain errors (a kernel larger
than its input), 2 for usage errors (a value that does not parse).
"""


class CnnCalcError(Exception):
    """A domain error: the numbers parse, but they describe an impossible layer."""

    exit_code = 1


class UsageError(CnnCalcError):
    """A malformed value: `abc` where a size was expected, a stride of 0, an unknown option."""

    exit_code = 2
