"""How the CLI reports failures: a message on stderr and an exit code, never a traceback.

Domain errors (`CnnCalcError`) exit 1, malformed values (`UsageError`) exit 2, as Click does.
`cnncalc --traceback COMMAND` re-raises instead, for bug reports.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import typer

from cnncalc.arith.errors import CnnCalcError


@dataclass
class ErrorDisplay:
    """How failures are shown for the whole run; the root `--traceback` option sets it."""

    traceback: bool = False


ERRORS = ErrorDisplay()


def fail(message: str, code: int = 1, hint: str = "") -> typer.Exit:
    """Print `error: message` (and a hint) to stderr and return the Exit to raise."""
    sys.stderr.write(f"error: {message}\n")
    if hint:
        sys.stderr.write(f"hint: {hint}\n")
    return typer.Exit(code=code)


def flag_for(field: str, flags: dict[str, str] | None = None) -> str:
    """The option a field is given with: `flags` names the exceptions, otherwise `--field-name`."""
    if flags and field in flags:
        return flags[field]
    return "--" + field.replace("_", "-")


@contextmanager
def reported(command: str = "", flags: dict[str, str] | None = None) -> Iterator[None]:
    """Turn core errors into clean exits; anything unexpected still gets a one-line message.

    A core error that names a field (`CnnCalcError(..., field="lr")`) is shown with the command's
    option for it: `flags` maps field names to options where they differ from `--field-name`.
    """
    try:
        yield
    except typer.Exit:
        raise
    except CnnCalcError as e:
        if ERRORS.traceback:
            raise
        hint = f"see `cnncalc {command} --help`" if command and e.exit_code == 2 else ""
        message = e.for_flag(flag_for(e.field, flags)) if e.field else str(e)
        raise fail(message, e.exit_code, hint) from None
    except KeyboardInterrupt:
        raise fail("interrupted", 130) from None
    except BrokenPipeError:
        # `cnncalc ... | head`: the reader left; stop quietly, as Unix tools do
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise typer.Exit(code=141) from None
    except (OSError, ValueError, OverflowError, MemoryError, RecursionError) as e:
        if ERRORS.traceback:
            raise
        raise fail(f"{type(e).__name__}: {e}", 1, "run with `cnncalc --traceback ...` to see where") from None
